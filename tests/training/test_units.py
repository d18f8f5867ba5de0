"""Units of training/: calibration, metrics, split, thresholds, the model bundle."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from scipy.special import softmax

from evaluation.metrics import classification_metrics, label_codes
from evaluation.thresholds import threshold_table
from scoring.calibration import VectorScaling, expected_calibration_error
from scoring.model import CreatorFraudModel
from training.fit import balanced_weights, fit_booster
from training.split import id_hashes, split_creators

LABELS = ["genuine", "fake_followers", "engagement_pod", "bot_engagement"]


def test_ece_zero_when_confidence_matches_accuracy() -> None:
    # Two rows at confidence 1.0, both right: perfectly calibrated.
    proba = np.array([[1.0, 0.0], [0.0, 1.0]])
    assert expected_calibration_error(proba, np.array([0, 1])) == 0.0


def test_ece_by_hand() -> None:
    # Four rows at confidence 0.9, half right: gap 0.4 on every row.
    proba = np.tile([0.9, 0.1], (4, 1))
    assert expected_calibration_error(proba, np.array([0, 0, 1, 1])) == pytest.approx(0.4)


def test_vector_scaling_repairs_overconfidence() -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 4000)
    true_logits = rng.normal(0, 1, (4000, 3))
    true_logits[np.arange(4000), y] += 1.0
    overconfident = true_logits * 4.0  # same ranking, far too sure
    before = expected_calibration_error(softmax(overconfident, axis=1), y)
    scaling = VectorScaling.fit(overconfident, y)
    after = expected_calibration_error(softmax(scaling.apply(overconfident), axis=1), y)
    assert before > 0.15
    assert after < 0.05
    assert np.all(scaling.scale < 0.5)


def test_metrics_fields_and_values() -> None:
    y = np.array([0, 0, 1, 2, 3, 3])
    proba = np.eye(4)[[0, 1, 1, 2, 3, 0]] * 0.7 + 0.075
    m = classification_metrics(y, proba, LABELS)
    assert {"macro_f1", "accuracy", "roc_auc_ovr", "per_class", "confusion", "n"} <= set(m)
    assert m["n"] == 6
    assert m["accuracy"] == pytest.approx(4 / 6)
    assert m["confusion"][0] == [1, 1, 0, 0]
    assert m["per_class"]["fake_followers"]["precision"] == pytest.approx(0.5)
    assert m["per_class"]["bot_engagement"]["support"] == 2


def test_label_codes_rejects_unknown_label() -> None:
    with pytest.raises(ValueError, match="'spam'"):
        label_codes(["genuine", "spam"], LABELS)


def test_split_is_stratified_disjoint_and_seeded_but_its_test_part_is_not() -> None:
    labels = pd.Series(np.repeat(LABELS, [50, 20, 20, 10]), index=[f"c{i}" for i in range(100)])
    a = split_creators(labels, seed=1)
    b = split_creators(labels, seed=1)
    c = split_creators(labels, seed=2)
    assert a.validation.equals(b.validation) and not a.validation.equals(c.validation)
    assert a.test.equals(c.test)  # every seed tests on the same creators
    ids = [*a.train, *a.validation, *a.test]
    assert len(ids) == len(set(ids)) == 100
    assert labels.loc[a.test].value_counts()["bot_engagement"] == 2
    assert labels.loc[a.test].value_counts()["genuine"] == 10
    assert set(a.trained_on) == set(a.train) | set(a.validation)


def test_a_creators_test_membership_survives_new_creators_of_other_labels() -> None:
    labels = pd.Series(np.repeat(LABELS, [50, 20, 20, 10]), index=[f"c{i}" for i in range(100)])
    more = pd.concat([labels, pd.Series(["genuine"] * 30, index=[f"n{i}" for i in range(30)])])
    before, after = split_creators(labels, seed=0).test, split_creators(more, seed=3).test
    others = labels.index[labels != "genuine"]
    assert set(before.intersection(others)) == set(after.intersection(others))


def test_id_hashes_are_fixed_numbers() -> None:
    """Versions record these: they must not change between processes, machines or releases
    (the numbers are BLAKE2b-64 of the ids' UTF-8, little-endian)."""
    assert id_hashes(["c1", "creator 2", "c1"]).tolist() == [
        5653263758500360259,
        1411900781927479687,
        5653263758500360259,
    ]


def test_split_refuses_a_label_too_rare_to_split() -> None:
    labels = pd.Series(["genuine"] * 10 + ["bot_engagement"] * 2)
    with pytest.raises(ValueError, match="bot_engagement"):
        split_creators(labels, seed=0)


def test_split_refuses_labels_of_one_class() -> None:
    labels = pd.Series(["genuine"] * 40, index=[f"c{i}" for i in range(40)])
    with pytest.raises(ValueError, match=r"one class only: genuine \(40\)"):
        split_creators(labels, seed=0)


def test_balanced_weights_equalise_class_mass() -> None:
    y = np.array([0, 0, 0, 1])
    w = balanced_weights(y, 2)
    assert w[y == 0].sum() == pytest.approx(w[y == 1].sum())


def test_class_weight_power_moves_between_data_mix_and_balance() -> None:
    y = np.array([0, 0, 0, 1])
    assert np.array_equal(balanced_weights(y, 2, power=0.0), np.ones(4))
    half = balanced_weights(y, 2, power=0.5)
    share_of_rare = half[y == 1].sum() / half.sum()
    assert 0.25 < share_of_rare < 0.5  # between the data's 1/4 and balance's 1/2


def test_threshold_table_by_hand() -> None:
    is_fraud = np.array([True, True, False, False])
    scores = np.array([95, 45, 55, 5])
    table = threshold_table(is_fraud, scores).set_index("fraud_score_cutoff")
    assert table.loc[50, "precision"] == pytest.approx(0.5)
    assert table.loc[50, "recall"] == pytest.approx(0.5)
    assert table.loc[40, "recall"] == pytest.approx(1.0)
    assert table.loc[10, "genuine_flagged_share"] == pytest.approx(0.5)


@pytest.fixture(scope="module")
def tiny_model() -> tuple[CreatorFraudModel, pd.DataFrame]:
    rng = np.random.default_rng(3)
    n = 800
    y = rng.integers(0, 4, n)
    x = rng.normal(0, 1, (n, 3))
    x[:, 0] += y  # one informative feature
    x[rng.random((n, 3)) < 0.1] = np.nan  # and missing values
    names = ["a", "b", "c"]
    fitted = fit_booster(x[:600], y[:600], x[600:], y[600:], names, 4, seed=0, log=lambda _: None)
    model = CreatorFraudModel(
        fitted.booster.model_to_string(), names, LABELS, fitted.calibration, {"seed": 0}
    )
    return model, pd.DataFrame(x[600:], columns=names)


def test_bundle_round_trip_gives_identical_probabilities(tiny_model, tmp_path) -> None:
    model, frame = tiny_model
    loaded = CreatorFraudModel.load(model.save(tmp_path / "m.bundle"))
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
    assert loaded.feature_names == ["a", "b", "c"] and loaded.labels == LABELS


def test_contributions_sum_to_calibrated_logits(tiny_model) -> None:
    model, frame = tiny_model
    np.testing.assert_allclose(
        model.contributions(frame).sum(axis=2), model.logits(frame), rtol=1e-9, atol=1e-9
    )


def test_model_names_missing_feature_columns(tiny_model) -> None:
    model, frame = tiny_model
    with pytest.raises(ValueError, match="lacks columns the model needs: b"):
        model.predict_proba(frame.drop(columns=["b"]))


def test_load_rejects_a_file_that_is_not_a_bundle(tmp_path) -> None:
    import joblib

    joblib.dump({"something": 1}, tmp_path / "x.bundle")
    with pytest.raises(ValueError, match="not a creator-audit model bundle"):
        CreatorFraudModel.load(tmp_path / "x.bundle")


def test_the_champion_is_judged_with_its_own_account_and_comment_models() -> None:
    from dataclasses import replace

    from features import build_features
    from tests.account_models import small_account_model, small_comment_model
    from tests.features.frames import full_dataset
    from training.train import _test_features_for

    ds = full_dataset()
    without = build_features(ds).loc[["a", "c"]]
    accounts, comments = small_account_model(), small_comment_model()
    champion = SimpleNamespace(account_model=accounts, comment_model=comments)
    rebuilt = _test_features_for(champion, None, None, ds, without)
    assert list(rebuilt.index) == ["a", "c"]
    assert rebuilt.loc["a", "sample_fake_share"] >= 0  # scored by the champion's account model
    assert rebuilt.loc["a", "comment_spam_share"] >= 0  # read by the champion's comment model
    assert np.isnan(without.loc["a", "sample_fake_share"])
    # The same models (even copies): this run's features are used as they are.
    same = SimpleNamespace(
        account_model=replace(accounts, metadata={}), comment_model=replace(comments, metadata={})
    )
    assert _test_features_for(same, accounts, comments, ds, without) is without
    other_comments = SimpleNamespace(account_model=accounts, comment_model=None)
    assert _test_features_for(other_comments, accounts, comments, ds, without) is not without


def test_models_are_logged_from_code_without_a_pickle_warning(
    tiny_model, tmp_path, monkeypatch
) -> None:
    """Every training run printed MLflow's CloudPickle "may execute arbitrary code" warning;
    the model is now logged as code plus the bundle, and loads back as the same model."""
    import logging

    import mlflow

    from scoring.store.loading import load_any
    from scoring.store.location import configure_tracking
    from scoring.store.runs import ModelRun
    from training.conclude import _log_model

    model, frame = tiny_model
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    configure_tracking()
    records: list[logging.LogRecord] = []
    handler = logging.Handler(logging.WARNING)
    handler.emit = records.append  # type: ignore[method-assign]
    logging.getLogger("mlflow").addHandler(handler)
    try:
        with mlflow.start_run() as run:
            uri = _log_model(ModelRun("creator-fraud", run, log=print), model, frame)
    finally:
        logging.getLogger("mlflow").removeHandler(handler)
    assert not [r for r in records if "pickle" in r.getMessage().lower()]
    loaded = load_any(uri, CreatorFraudModel)
    np.testing.assert_array_equal(loaded.predict_proba(frame), model.predict_proba(frame))
