"""Register versions and move ``champion`` only forward; loading is ``scoring.store.loading``'s.

A registered version is never overwritten or deleted. A new version takes ``champion`` only if its
metric is at least the current champion's on the same data, data neither was trained on where
that can be known (the caller's ``compare``), **and**, where real known-genuine accounts are at
hand, it does not flag more of them than the champion beyond noise
(:func:`flags_more_beyond_noise`); otherwise it gets ``challenger``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from scipy.stats import binomtest

from creator_audit.bundle import PickledBundleError
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.model import CreatorFraudModel
from scoring.store.loading import load_any
from scoring.store.names import BUNDLE_SUFFIX, CHALLENGER, CHAMPION
from scoring.store.tracking import store_lock

ModelType = type[CreatorFraudModel] | type[AccountModel] | type[CommentModel]
# A one-sided test at this level says the candidate flags more real genuine accounts than the
# champion beyond noise.
REAL_FLAGS_ALPHA = 0.05


@dataclass(frozen=True)
class Comparison:
    """Candidate and champion measured on the same data, and which data, as the gate's message
    says it (``"on 812 test creators neither was trained on"``)."""

    candidate: float
    champion: float
    on: str


@dataclass(frozen=True)
class GateDecision:
    version: str
    alias: str
    candidate_f1: float  # on the candidate's own test data: what the baselines are held to
    champion_version: str | None
    comparison: Comparison | None = None  # set when there was a champion to compare with
    baseline_f1: float | None = None
    metric: str = "macro-F1"
    real: RealFlagsComparison | None = None  # set when the real-data check was made
    # set when the champion replaced was a pickled bundle this version refuses: its model name
    pickled_champion_of: str | None = None

    @property
    def message(self) -> str:
        if self.pickled_champion_of is not None:
            return (
                f"version {self.version} takes {CHAMPION}: champion v{self.champion_version} is a "
                "pickled bundle of an older creator-audit, which this version neither loads nor "
                "serves (pickles can run code), so there was no champion to compare with; to "
                "compare the two, convert it if you trust it (creator-audit model convert "
                f"--trust models:/{self.pickled_champion_of}/{self.champion_version}) and run "
                "creator-audit evaluate --compare"
            )
        if self.real is not None and self.real.worse:
            return f"{self._versus()}, but {self.real.describe()}; alias {CHALLENGER}"
        if self.real is not None:
            return f"{self._f1_message()}; {self.real.describe()}"
        return self._f1_message()

    def _f1_message(self) -> str:
        if self.baseline_f1 is not None and self.candidate_f1 <= self.baseline_f1:
            return (
                f"version {self.version} does not take {CHAMPION}: {self.metric} "
                f"{self.candidate_f1:.4f} does not beat the best baseline "
                f"({self.baseline_f1:.4f}); alias {CHALLENGER}"
            )
        if self.comparison is None:
            return f"version {self.version} is the first: alias {CHAMPION}"
        return self._versus() + ("" if self.alias == CHAMPION else f"; alias {CHALLENGER}")

    def _versus(self) -> str:
        assert self.comparison is not None
        verdict = "takes" if self.alias == CHAMPION else "does not take"
        c = self.comparison
        return (
            f"version {self.version} {verdict} {CHAMPION}: {self.metric} {c.candidate:.4f} vs "
            f"champion v{self.champion_version} {c.champion:.4f} {c.on}"
        )


@dataclass(frozen=True)
class RealFlagsComparison:
    """Candidate and champion on the same real known-genuine accounts: which each flags."""

    n: int
    candidate_flagged: int
    champion_flagged: int
    only_candidate: int  # flagged by the candidate, not the champion
    only_champion: int
    p_value: float  # one-sided exact McNemar: the candidate flags more

    @property
    def worse(self) -> bool:
        return self.p_value < REAL_FLAGS_ALPHA

    def describe(self) -> str:
        share = f"{self.candidate_flagged / self.n:.1%} of {self.n} real genuine accounts"
        verdict = "worse beyond noise" if self.worse else "within noise"
        return (
            f"it flags {share} against the champion's {self.champion_flagged / self.n:.1%} "
            f"({verdict}: one-sided exact McNemar p={self.p_value:.3g}, "
            f"{self.only_candidate} vs {self.only_champion} accounts flagged by one model only)"
        )


def flags_more_beyond_noise(candidate: np.ndarray, champion: np.ndarray) -> RealFlagsComparison:
    """The rule: on the same accounts, the accounts flagged by exactly one model decide. Under
    "no difference" each is equally likely to be the candidate's; the candidate is worse when
    an exact binomial test of its share of them exceeds one half at ``REAL_FLAGS_ALPHA``."""
    candidate, champion = np.asarray(candidate, bool), np.asarray(champion, bool)
    if candidate.shape != champion.shape:
        raise ValueError(f"real-data flags differ in length: {candidate.shape} vs {champion.shape}")
    only_candidate = int((candidate & ~champion).sum())
    only_champion = int((champion & ~candidate).sum())
    discordant = only_candidate + only_champion
    p_value = (
        binomtest(only_candidate, discordant, 0.5, alternative="greater").pvalue
        if discordant
        else 1.0
    )
    return RealFlagsComparison(
        n=len(candidate),
        candidate_flagged=int(candidate.sum()),
        champion_flagged=int(champion.sum()),
        only_candidate=only_candidate,
        only_champion=only_champion,
        p_value=float(p_value),
    )


@dataclass(frozen=True)
class RealData:
    """The real-data side of the gate: the candidate's flags and how to get the champion's."""

    candidate_flags: np.ndarray
    champion_flags: Callable[[Any], np.ndarray]


# Compares the candidate with the champion: given the champion model and its training run id.
Compare = Callable[[Any, str | None], Comparison]


def on_fixed_test_data(candidate: float, score: Callable[[Any], float], what: str) -> Compare:
    """The comparison of models always tested on the same held-out data (the account and
    comment models: a fixed split that no version trains on): ``score`` the champion there."""
    return lambda champion, _run: Comparison(candidate, score(champion), f"on the same {what}")


def register_and_gate(
    name: str,
    model_uri: str,
    run_id: str,
    candidate_f1: float,
    compare: Compare,
    baseline_f1: float = float("-inf"),
    model_type: ModelType = CreatorFraudModel,
    metric: str = "macro-F1",
    real: RealData | None = None,
) -> GateDecision:
    """Register ``model_uri`` as a new version of ``name`` and set its alias by the gate.

    A version that does not beat ``baseline_f1`` (the best baseline on the same test data) never
    takes champion, not even as the first version. Otherwise ``compare`` measures it beside the
    current champion on the same data, and it takes champion if it is at least as good there;
    with ``real``, it still does not if it flags more real genuine accounts than the champion
    beyond noise.
    """
    with store_lock():  # the champion compared against is the one current when the alias moves
        return _register_and_gate(
            name, model_uri, run_id, candidate_f1, compare, baseline_f1, model_type, metric, real
        )


def _register_and_gate(
    name: str,
    model_uri: str,
    run_id: str,
    candidate_f1: float,
    compare: Compare,
    baseline_f1: float,
    model_type: ModelType,
    metric: str,
    real: RealData | None,
) -> GateDecision:
    client = MlflowClient()
    version = mlflow.register_model(model_uri, name).version
    client.set_model_version_tag(name, version, "run_id", run_id)
    if candidate_f1 <= baseline_f1:
        client.set_registered_model_alias(name, CHALLENGER, version)
        return GateDecision(str(version), CHALLENGER, candidate_f1, None, None, baseline_f1, metric)
    champion = _current_champion(client, name)
    if champion is None:
        client.set_registered_model_alias(name, CHAMPION, version)
        return GateDecision(str(version), CHAMPION, candidate_f1, None, metric=metric)
    try:
        champion_model = load_any(f"models:/{name}/{champion}", model_type)
    except PickledBundleError:
        # A champion this version refuses to load cannot be served either: no working champion.
        client.set_registered_model_alias(name, CHAMPION, version)
        return GateDecision(
            str(version),
            CHAMPION,
            candidate_f1,
            str(champion),
            metric=metric,
            pickled_champion_of=name,
        )
    comparison = compare(champion_model, _run_of(client, name, champion))
    compared = None
    if real is not None and comparison.candidate >= comparison.champion:
        compared = flags_more_beyond_noise(
            real.candidate_flags, real.champion_flags(champion_model)
        )
    better = comparison.candidate >= comparison.champion and not (
        compared is not None and compared.worse
    )
    alias = CHAMPION if better else CHALLENGER
    client.set_registered_model_alias(name, alias, version)
    return GateDecision(
        str(version), alias, candidate_f1, str(champion), comparison, metric=metric, real=compared
    )


def _run_of(client: MlflowClient, name: str, version: str) -> str | None:
    """The training run of a registered version (the tag this module sets, else MLflow's own)."""
    found = client.get_model_version(name, version)
    return (found.tags or {}).get("run_id") or found.run_id or None


def _current_champion(client: MlflowClient, name: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(name, CHAMPION).version)
    except MlflowException:
        return None


def export_bundles(
    model: CreatorFraudModel | AccountModel | CommentModel,
    decision: GateDecision,
    name: str,
    models_dir: str | Path,
) -> Path:
    """Every version gets its own file ``<name>-v<N>.bundle``; ``<name>-champion.bundle`` is
    written only while this version holds the alias, under the store lock, so a concurrent
    training that took the alias meanwhile is not overwritten by an older champion."""
    models_dir = Path(models_dir)
    path = model.save(models_dir / f"{name}-v{decision.version}{BUNDLE_SUFFIX}")
    if decision.alias != CHAMPION:
        return path
    with store_lock():
        if _current_champion(MlflowClient(), name) == decision.version:
            model.save(models_dir / f"{name}-{CHAMPION}{BUNDLE_SUFFIX}")
    return path
