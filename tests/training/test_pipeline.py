"""`train` → MLflow → registry gate → bundle → evaluate/score, on a real embedded store."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.dataset import read_dataset
from creator_audit.schema import LABELS
from evaluation.fingerprint import files_sha256
from features import FEATURE_COLUMNS, MODEL_COLUMNS, build_features
from features.build import RETIRED_COLUMNS
from scoring.model import CreatorFraudModel
from scoring.store.loading import load_model
from scoring.store.location import configure_tracking
from scoring.store.names import CHALLENGER, CHAMPION, CREATOR_MODEL_NAME
from scoring.store.registry import Comparison, RealData, flags_more_beyond_noise, register_and_gate
from scoring.store.tracking import training_creators
from tests.training_workspace import SHARED_DATA
from training.conclude import HeldOut, compare_on_unseen
from training.split import id_hashes

# Measured on this workspace (3,000 creators, 1,800 for training): macro-F1 0.851, AUC 0.968.
MACRO_F1_FLOOR = 0.80
ROC_AUC_FLOOR = 0.95


@pytest.fixture
def in_workspace(workspace, monkeypatch):
    monkeypatch.chdir(workspace.root)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    configure_tracking()  # the workspace's store, whichever another test pointed MLflow at
    return workspace


def test_reaches_the_floor_on_held_out_creators(workspace) -> None:
    metrics = workspace.first.test.metrics
    assert metrics["macro_f1"] >= MACRO_F1_FLOOR
    assert metrics["roc_auc_ovr"] >= ROC_AUC_FLOOR


def test_beats_both_baselines(workspace) -> None:
    ours = workspace.first.test.metrics["macro_f1"]
    assert ours > workspace.first.baselines["rules"]["macro_f1"]
    assert ours > workspace.first.baselines["logistic"]["macro_f1"]


def test_a_trained_model_reads_every_feature_but_the_retired_ones(workspace, models) -> None:
    """comment_spam_mean is still computed (models trained with it keep scoring: the shared
    small models were) but no longer trained on."""
    assert tuple(workspace.first.model.feature_names) == MODEL_COLUMNS
    assert set(RETIRED_COLUMNS) <= set(FEATURE_COLUMNS) - set(MODEL_COLUMNS)
    older = models.a
    assert set(RETIRED_COLUMNS) <= set(older.feature_names)
    features = build_features(read_dataset(workspace.holdout), older.account_model,
                              older.comment_model).head(50)  # fmt: skip
    both = (older.predict_proba(features), workspace.first.model.predict_proba(features))
    for proba in both:
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)


def test_same_data_and_seed_give_the_same_model_and_metrics(workspace) -> None:
    a, b = workspace.first, workspace.second
    assert a.model.booster_text == b.model.booster_text
    assert a.test.metrics["macro_f1"] == b.test.metrics["macro_f1"]
    assert a.test.metrics["confusion"] == b.test.metrics["confusion"]


def test_gate_moves_champion_only_forward_and_keeps_every_version(in_workspace) -> None:
    ws = in_workspace
    assert ws.first.decision.alias == CHAMPION
    assert ws.second.decision.alias == CHAMPION  # as good on the same test data
    assert ws.weak.decision.alias == CHALLENGER  # below the best baseline: never champion
    assert ws.weak.decision.candidate_f1 <= ws.weak.decision.baseline_f1
    assert "does not beat the best baseline" in ws.weak.decision.message
    client = MlflowClient()
    champion = client.get_model_version_by_alias(CREATOR_MODEL_NAME, CHAMPION)
    assert str(champion.version) == ws.second.decision.version
    versions = {v.version for v in client.search_model_versions(f"name='{CREATOR_MODEL_NAME}'")}
    assert {"1", "2", "3"} <= {str(v) for v in versions}


def test_a_version_worse_than_the_champion_gets_challenger(in_workspace) -> None:
    client = MlflowClient()
    before = client.get_model_version_by_alias(CREATOR_MODEL_NAME, CHAMPION).version
    source = client.get_model_version(CREATOR_MODEL_NAME, in_workspace.first.decision.version)
    decision = register_and_gate(
        CREATOR_MODEL_NAME,
        source.source,
        in_workspace.first.run_id,
        candidate_f1=0.80,
        compare=lambda champion, run: Comparison(0.80, 0.85, "on the same test data"),
        baseline_f1=0.40,
    )
    assert decision.alias == CHALLENGER
    assert "does not take champion" in decision.message
    assert client.get_model_version_by_alias(CREATOR_MODEL_NAME, CHAMPION).version == before
    assert str(client.get_model_version_by_alias(CREATOR_MODEL_NAME, CHALLENGER).version) == (
        decision.version
    )


def test_each_version_records_the_creators_it_trained_on_and_none_of_its_test(
    in_workspace,
) -> None:
    ws = in_workspace
    recorded = training_creators(ws.first.run_id)
    assert recorded is not None and recorded.dtype == np.uint64
    test_ids = ws.first.test.slices.index
    assert not np.isin(id_hashes(test_ids), recorded).any()
    # train + validation: every labelled creator that is not a test creator
    assert len(recorded) == 3000 - len(test_ids)
    assert "on 600 test creators neither was trained on" in ws.second.decision.message


@pytest.fixture(scope="module")
def held_out(workspace) -> HeldOut:
    """The first run's test creators with their features, as its gate saw them."""
    test = workspace.first.test
    ids = test.slices.index
    dataset = read_dataset(workspace.data)
    x = build_features(dataset, workspace.accounts, workspace.comments).loc[ids]
    return HeldOut(x, test.y, test.slices)


def test_the_gate_judges_the_champion_only_on_creators_it_never_saw(in_workspace, held_out) -> None:
    """The issue's case: a champion trained with another seed had learned from many of the
    candidate's test creators and was credited for knowing them."""
    ws, test, x = in_workspace, held_out, held_out.x
    seen = test.x.index[::3]  # the champion "trained on" a third of the test creators
    fair = compare_on_unseen(ws.first.model, ws.first.model, x, test, id_hashes(seen))
    unseen = ~test.x.index.isin(seen)
    assert fair.on == (
        f"on {unseen.sum()} test creators neither was trained on "
        f"(the champion trained on the other {len(seen)})"
    )
    # the same model on both sides: the same figure, from the unseen creators only
    assert fair.candidate == fair.champion
    everyone = compare_on_unseen(ws.first.model, ws.first.model, x, test, np.empty(0, np.uint64))
    assert everyone.on == f"on {len(test.y)} test creators neither was trained on"
    assert fair.candidate != everyone.candidate  # measured on the subset, not on all


def test_without_a_record_or_with_too_few_unseen_the_gate_says_it_favours_the_champion(
    in_workspace, held_out
) -> None:
    ws, test, x = in_workspace, held_out, held_out.x
    unknown = compare_on_unseen(ws.first.model, ws.weak.model, x, test, None)
    assert "keeps no record of the creators it trained on" in unknown.on
    assert "(this favours it)" in unknown.on
    few = compare_on_unseen(ws.first.model, ws.weak.model, x, test, id_hashes(test.x.index[10:]))
    assert few.on.startswith(f"on all {len(test.y)} test creators: only 10 are unseen")
    assert (few.candidate, few.champion) == (unknown.candidate, unknown.champion)


def _flags(n: int, flagged: int, offset: int = 0) -> np.ndarray:
    out = np.zeros(n, dtype=bool)
    out[offset : offset + flagged] = True
    return out


def test_a_better_f1_does_not_take_champion_if_it_flags_more_real_genuine_accounts(
    in_workspace,
) -> None:
    """The case a new user found: 7.4% of the real genuine accounts flagged against the
    champion's 3.7%, with a higher macro-F1."""
    client = MlflowClient()
    before = client.get_model_version_by_alias(CREATOR_MODEL_NAME, CHAMPION).version
    source = client.get_model_version(CREATOR_MODEL_NAME, in_workspace.first.decision.version)
    n = 1_000
    decision = register_and_gate(
        CREATOR_MODEL_NAME,
        source.source,
        in_workspace.first.run_id,
        candidate_f1=0.99,
        compare=lambda champion, run: Comparison(0.99, 0.85, "on the same test data"),
        baseline_f1=0.40,
        real=RealData(_flags(n, 74), lambda champion: _flags(n, 37, offset=20)),
    )
    assert decision.alias == CHALLENGER
    assert decision.real is not None and decision.real.worse
    assert "7.4% of 1000 real genuine accounts against the champion's 3.7%" in decision.message
    assert "worse beyond noise" in decision.message
    assert client.get_model_version_by_alias(CREATOR_MODEL_NAME, CHAMPION).version == before


def test_real_data_rule_tells_noise_from_a_real_difference() -> None:
    n = 1_000
    same = flags_more_beyond_noise(_flags(n, 37), _flags(n, 37))
    assert not same.worse and same.p_value == 1.0
    # Two more accounts flagged, among 36 that only one model flags: noise.
    close = flags_more_beyond_noise(_flags(n, 39, offset=0), _flags(n, 37, offset=19))
    assert close.only_candidate == 19 and close.only_champion == 17 and not close.worse
    assert flags_more_beyond_noise(_flags(n, 74), _flags(n, 37, offset=20)).worse
    fewer = flags_more_beyond_noise(_flags(n, 37), _flags(n, 74))
    assert not fewer.worse  # flagging fewer real genuine accounts is never refused
    with pytest.raises(ValueError, match="differ in length"):
        flags_more_beyond_noise(_flags(n, 3), _flags(n - 1, 3))


def test_run_logs_metrics_baselines_and_artifacts(in_workspace) -> None:
    client = MlflowClient()
    run = client.get_run(in_workspace.first.run_id)
    for key in ("test_macro_f1", "rules_macro_f1", "logistic_macro_f1", "test_ece"):
        assert key in run.data.metrics
    assert run.data.params["seed"] == "0"
    assert run.data.params["data_sha256"] == files_sha256(in_workspace.data)  # as Dask logs it
    assert run.data.params["engine"] == "in-memory"
    paths = {a.path for a in client.list_artifacts(run.info.run_id)}
    assert {"evaluation", "data", "model_input", "baselines"} <= paths
    evaluation = {a.path for a in client.list_artifacts(run.info.run_id, "evaluation")}
    assert {"evaluation/metrics.json", "evaluation/confusion.png"} <= evaluation
    model_input = {a.path for a in client.list_artifacts(run.info.run_id, "model_input")}
    assert {"model_input/features.json", "model_input/feature_importance.png"} <= model_input


def test_registry_model_and_exported_bundle_agree(in_workspace) -> None:
    from creator_audit.dataset import read_dataset
    from features import build_features

    from_registry = load_model(f"models:/{CREATOR_MODEL_NAME}@{CHAMPION}")
    bundle = CreatorFraudModel.load(in_workspace.root / "models" / "creator-fraud-champion.bundle")
    # Both carry the account and comment models they were trained with, which feed their features.
    accounts, comments = in_workspace.accounts, in_workspace.comments
    for model in (from_registry, bundle):
        assert model.account_model is not None
        assert model.account_model.booster_text == accounts.booster_text
        assert model.comment_model is not None and model.comment_model.coef == comments.coef
    holdout = read_dataset(in_workspace.holdout)
    features = build_features(holdout, bundle.account_model, bundle.comment_model).head(50)
    assert features["sample_fake_share"].notna().any()
    assert features["comment_spam_share"].notna().any()
    np.testing.assert_array_equal(
        from_registry.predict_proba(features), bundle.predict_proba(features)
    )
    assert from_registry.metadata["model_version"] == in_workspace.second.decision.version


def test_weak_model_did_not_replace_the_champion_bundle(in_workspace) -> None:
    models = in_workspace.root / "models"
    champion = CreatorFraudModel.load(models / "creator-fraud-champion.bundle")
    assert champion.metadata["model_version"] == in_workspace.second.decision.version
    assert (models / f"creator-fraud-v{in_workspace.weak.decision.version}.bundle").exists()


def test_evaluate_writes_contract_metrics_report_and_comparison(in_workspace) -> None:
    out = in_workspace.root / "eval"
    weak_uri = f"models:/{CREATOR_MODEL_NAME}/{in_workspace.weak.decision.version}"
    result = CliRunner().invoke(
        app,
        ["evaluate", "--data", str(in_workspace.holdout), "--out", str(out), "--compare", weak_uri],
    )
    assert result.exit_code == 0, result.output
    metrics = json.loads((out / "metrics.json").read_text())
    for key in ("macro_f1", "accuracy", "roc_auc_ovr", "per_class", "confusion", "n"):
        assert key in metrics
    assert metrics["n"] == 800
    assert set(metrics["per_class"]) == set(LABELS)
    assert sum(map(sum, metrics["confusion"])) == 800
    assert {s["slice"] for s in metrics["slices"]} == {
        "follower_tier",
        "engagement_events",
        "follower_history",
        "follower_samples",
        "hard_case",
    }
    ablation = metrics["follower_sample_ablation"]
    assert 0 < ablation["n"] < 800
    assert set(ablation["rows"]) == {"with samples", "without samples"}
    assert "What the follower samples add" in (out / "report.md").read_text()
    overall = metrics["comparison"]["rows"][0]
    assert overall["slice"] == "overall" and overall["winner"] != weak_uri
    report = (out / "report.md").read_text()
    assert "By slice" in report and "fraud_score cut-offs" in report
    for plot in ("confusion.png", "precision_recall.png", "reliability.png"):
        assert (out / plot).stat().st_size > 1000
    version = in_workspace.second.decision.version
    tags = MlflowClient().get_model_version(CREATOR_MODEL_NAME, version).tags
    assert "last_evaluation_run_id" in tags


def test_score_writes_every_contract_field(in_workspace) -> None:
    out = in_workspace.root / "scores.csv"
    args = ["score", "--data", str(in_workspace.holdout), "--out", str(out)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    scores = pd.read_csv(out)
    p_cols = [f"p_{label}" for label in LABELS]
    tail = ["fraud_score", "reasons", "model_version", "coverage"]
    tail += ["snapshot_at", "snapshot_source", "excluded_posts"]
    assert list(scores.columns) == ["creator_id", "label", *p_cols, *tail]
    np.testing.assert_allclose(scores[p_cols].sum(axis=1), 1.0, atol=1e-9)
    expected = np.floor(100 * (1 - scores["p_genuine"]) + 0.5).astype(int)
    assert (scores["fraud_score"] == expected).all()
    assert (scores["label"] == np.array(LABELS)[scores[p_cols].to_numpy().argmax(axis=1)]).all()
    reasons = json.loads(scores["reasons"].iloc[0])
    assert reasons and {"feature", "value", "contribution", "text"} <= set(reasons[0])
    endings = ("points to fraud.", "points to a genuine account.", "could not check it.")
    assert reasons[0]["text"].endswith(endings)  # the last: an unknown value claims no push
    coverage = scores["coverage"].map(json.loads)
    assert {frozenset(c) for c in coverage} == {
        frozenset(
            {
                "engagements",
                "follower_counts",
                "follower_samples",
                "comment_events",
                "comment_events_share",
            }
        )
    }
    assert (scores["snapshot_source"] == "given").all()  # generated data has snapshot_at
    assert scores["excluded_posts"].map(lambda e: len(json.loads(e))).max() > 0  # older posts
    assert coverage.map(lambda c: c["engagements"]).nunique() == 2  # with and without events
    assert (scores["model_version"].astype(str) == in_workspace.second.decision.version).all()


def test_score_with_a_missing_model_is_a_clear_error(in_workspace) -> None:
    out = in_workspace.root / "never.parquet"
    result = CliRunner().invoke(
        app,
        ["score", "--data", str(in_workspace.holdout), "--out", str(out), "--model", "nope.bundle"],
    )
    assert result.exit_code == 2
    assert "nope.bundle" in result.output
    assert not out.exists()


REAL_GENUINE = SHARED_DATA / "instafake" / "nonautomated-genuine-part-a.json"
# Measured on this small workspace model: 14.3% of the real genuine accounts flagged (the main
# job's 8,000-creator model: 6.6%). Models that had not learned what real genuine accounts look
# like flagged 19-37% of them.
REAL_FLAGGED_CEILING = 0.18


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_GENUINE.exists(), reason="real data folder absent")
def test_training_reports_the_real_genuine_flagged_share(in_workspace) -> None:
    run = MlflowClient().get_run(in_workspace.first.run_id)
    assert run.data.metrics["real_genuine_flagged_share"] <= REAL_FLAGGED_CEILING
    # and which file it read, by its digest
    digest = hashlib.sha256(REAL_GENUINE.read_bytes()).hexdigest()
    assert run.data.params["real_file/instafake/nonautomated-genuine-part-a.json"] == digest


@pytest.mark.realdata
@pytest.mark.skipif(not REAL_GENUINE.exists(), reason="real data folder absent")
def test_check_genuine_command(in_workspace) -> None:
    bundle = in_workspace.root / "models" / "creator-fraud-champion.bundle"
    args = ["check-genuine", "--model", str(bundle), "--data", str(REAL_GENUINE)]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "of 350 real genuine accounts flagged as fraud" in result.output
