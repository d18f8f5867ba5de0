"""After the warm-up a server runs before it is ready, scoring compiles nothing: the warm-up
uses the types requests do, so no request waits on numba."""

from __future__ import annotations

from types import SimpleNamespace

from creator_audit.dataset import Dataset
from features import _groups, share_profiles
from scoring import comment_vectors, kernels, tree_kernels
from scoring.scores import score_dataset

KERNELS = {
    "suffix_min": _groups.suffix_min,
    "posterior_quantiles": share_profiles._posterior_quantiles,
    "distinct_sums": comment_vectors.distinct_sums,
    "predict": tree_kernels.walk_predict,
    "predict_explain": tree_kernels.walk_explain,
    "leaf_tables": tree_kernels.build_leaf_tables,
    "unit_tables": tree_kernels.build_unit_tables,
}


def _signatures() -> dict[str, int]:
    return {name: len(kernel.signatures) for name, kernel in KERNELS.items()}


def test_scoring_after_the_warm_up_compiles_nothing(
    models: SimpleNamespace, dataset: Dataset
) -> None:
    kernels.warm_up()
    ready = _signatures()
    assert all(count >= 1 for count in ready.values()), ready
    scores = score_dataset(models.a, dataset)  # every table, the account and comment models
    assert len(scores) == len(dataset.creators)
    assert _signatures() == ready


def test_only_a_slow_warm_up_is_worth_a_line() -> None:
    assert kernels.warm_up_message(0.3) is None
    message = kernels.warm_up_message(4.25)
    assert message is not None and "4.2 s" in message
