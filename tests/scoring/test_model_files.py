"""Model files run no code when loaded: bundles are plain data, a saved and re-loaded model
predicts identically, old pickled bundles convert only on trust, and a registry URI reads only
the bundle artifact of the logged model (never its code, never a pickle)."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.bundle import PickledBundleError
from creator_audit.cli import app
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.drift import DriftReference
from scoring.model import CreatorFraudModel
from scoring.norms import FeatureNorms
from scoring.store.loading import load_any
from tests.account_models import made_up_accounts, small_account_model, small_comment_model
from tests.pickled_bundles import (
    evil_payload,
    write_headerless_bundle,
    write_pickled_bundle,
)
from training.fit import fit_booster

LABELS = ["genuine", "fake_followers", "engagement_pod", "bot_engagement"]
runner = CliRunner()


@pytest.fixture(scope="module")
def creator() -> SimpleNamespace:
    """A small creator model with every part a trained one has (account and comment models,
    norms, drift reference), and the rows it is asked about."""
    rng = np.random.default_rng(3)
    n, names = 800, ["log_followers", "b", "c"]
    y = rng.integers(0, 4, n)
    x = rng.normal(0, 1, (n, 3)) + np.c_[np.full(n, 9.0), np.zeros((n, 2))]
    x[:, 1] += y
    x[rng.random((n, 3)) < 0.1] = np.nan
    fitted = fit_booster(x[:600], y[:600], x[600:], y[600:], names, 4, seed=0, log=lambda _: None)
    frame = pd.DataFrame(x, columns=names)
    model = CreatorFraudModel(
        fitted.booster.model_to_string(),
        names,
        LABELS,
        fitted.calibration,
        {"model_name": "creator-fraud-test", "best_iteration": np.int64(fitted.best_iteration)},
        account_model=small_account_model(),
        comment_model=small_comment_model(),
        norms=FeatureNorms.fit(frame.iloc[:600], y[:600] == 0),
    )
    predicted = [LABELS[k] for k in model.predict_proba(frame).argmax(axis=1)]
    model.drift_reference = DriftReference.fit(
        names, x, predicted, rng.integers(0, 101, n).astype(float), LABELS
    )
    return SimpleNamespace(model=model, rows=frame.iloc[600:])


def test_a_saved_and_reloaded_creator_model_predicts_identically(creator, tmp_path) -> None:
    loaded = CreatorFraudModel.load(creator.model.save(tmp_path / "m.bundle"))
    np.testing.assert_array_equal(
        loaded.predict_proba(creator.rows), creator.model.predict_proba(creator.rows)
    )
    np.testing.assert_array_equal(
        loaded.contributions(creator.rows), creator.model.contributions(creator.rows)
    )
    assert loaded.to_payload() == creator.model.to_payload()
    assert type(loaded.metadata["best_iteration"]) is int  # a numpy scalar comes back a Python one
    texts = ["love this!", "DM me to earn $5000 a week", ""]
    np.testing.assert_array_equal(
        loaded.comment_model.p_spam(texts), creator.model.comment_model.p_spam(texts)
    )
    accounts = made_up_accounts(100, seed=2)
    np.testing.assert_array_equal(
        loaded.account_model.p_fake(accounts), creator.model.account_model.p_fake(accounts)
    )


def test_convert_turns_a_trusted_pickled_bundle_into_one_that_predicts_the_same(
    creator, tmp_path
) -> None:
    old = write_pickled_bundle(tmp_path / "m.joblib", creator.model.to_payload(), "creator-fraud")
    with pytest.raises(PickledBundleError):
        CreatorFraudModel.load(old)
    before = old.read_bytes()
    result = runner.invoke(app, ["model", "convert", "--trust", str(old)])
    assert result.exit_code == 0, result.output
    new = tmp_path / "m.bundle"
    assert result.output == f"converted {old} (CreatorFraudModel) into {new}\n"
    assert old.read_bytes() == before  # the input is never overwritten
    converted = CreatorFraudModel.load(new)
    np.testing.assert_array_equal(
        converted.predict_proba(creator.rows), creator.model.predict_proba(creator.rows)
    )
    assert converted.comment_model is not None and converted.account_model is not None


def test_convert_reads_the_kind_of_a_headerless_bundle_from_its_payload(tmp_path) -> None:
    model = small_comment_model()
    old = write_headerless_bundle(tmp_path / "c.joblib", model.to_payload())
    out = tmp_path / "converted" / "comments.bundle"
    out.parent.mkdir()
    result = runner.invoke(app, ["model", "convert", "--trust", str(old), "--out", str(out)])
    assert result.exit_code == 0, result.output
    texts = ["nice shot", "invest in btc now, dm me"]
    np.testing.assert_array_equal(CommentModel.load(out).p_spam(texts), model.p_spam(texts))


# --- MLflow: only the bundle artifact is read ------------------------------------------------


@pytest.fixture(scope="module")
def logged(tmp_path_factory, empty_store) -> SimpleNamespace:
    """The small account model logged (models from code) and registered as version 1 in an
    embedded store of its own."""
    import mlflow

    from scoring.pyfunc import ACCOUNT_MODEL_CODE
    from scoring.store.location import configure_tracking
    from scoring.store.tracking import ensure_experiment, log_bundle_model

    where = tmp_path_factory.mktemp("logged")
    shutil.copyfile(empty_store, where / "mlflow.db")
    model = small_account_model()
    example = made_up_accounts(5).drop(columns=["is_fake", "source"])
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(where)
        patch.setenv("MLFLOW_TRACKING_URI", "")
        configure_tracking()
        experiment = ensure_experiment("account-authenticity")
        with mlflow.start_run(experiment_id=experiment):
            uri = log_bundle_model(
                model, ACCOUNT_MODEL_CODE, example, model.score(example), pip_requirements=[]
            )
        mlflow.register_model(uri, "account-authenticity")
    return SimpleNamespace(where=where, model=model, logged_uri=uri)


@pytest.fixture
def in_store(logged, monkeypatch, tmp_path) -> SimpleNamespace:
    """That store, from a working folder of the test's own."""
    from scoring.store.location import configure_tracking

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{logged.where / 'mlflow.db'}")
    monkeypatch.delenv("MLFLOW_REGISTRY_URI", raising=False)
    configure_tracking()
    return logged


def _artifacts(uri: str) -> Path:
    from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository

    return Path(ModelsArtifactRepository.get_underlying_uri(uri).removeprefix("file://"))


def test_a_registry_uri_loads_the_bundle_without_running_the_logged_code(
    in_store, tmp_path
) -> None:
    marker = tmp_path / "ran"
    code = _artifacts("models:/account-authenticity/1") / "account_authenticity.py"
    original = code.read_text()
    code.write_text(f"from pathlib import Path\nPath({str(marker)!r}).touch()\n" + original)
    try:
        loaded = load_any("models:/account-authenticity/1", AccountModel)
    finally:
        code.write_text(original)
    assert not marker.exists()
    accounts = made_up_accounts(100, seed=4)
    np.testing.assert_array_equal(loaded.p_fake(accounts), in_store.model.p_fake(accounts))
    assert loaded.metadata["model_name"] == "account-authenticity"
    assert loaded.metadata["model_version"] == "1"
    assert loaded.metadata["uri"] == "models:/account-authenticity/1"
    by_id = load_any(in_store.logged_uri, AccountModel)  # a logged model's own URI
    assert by_id.booster_text == in_store.model.booster_text


def test_a_registered_pickled_bundle_is_refused_and_converts_on_trust(in_store, tmp_path) -> None:
    uri = "models:/account-authenticity/1"
    bundle = next((_artifacts(uri) / "artifacts").iterdir())
    original = bundle.read_bytes()
    marker = tmp_path / "ran"
    try:
        write_pickled_bundle(bundle, evil_payload(marker), "account-authenticity")
        with pytest.raises(PickledBundleError, match=f"^{uri} is a pickled model bundle"):
            load_any(uri, AccountModel)
        assert not marker.exists()
        write_pickled_bundle(bundle, in_store.model.to_payload(), "account-authenticity")
        out = tmp_path / "accounts.bundle"
        result = runner.invoke(app, ["model", "convert", "--trust", uri, "--out", str(out)])
        assert result.exit_code == 0, result.output
        out_text = AccountModel.load(out).booster_text
        assert out_text == in_store.model.booster_text
        result = runner.invoke(app, ["model", "convert", "--trust", uri])  # the refusal's line
        assert result.exit_code == 0, result.output
        assert (
            AccountModel.load(tmp_path / "account-authenticity-1.bundle").booster_text == out_text
        )
    finally:
        bundle.write_bytes(original)


def test_a_logged_model_without_a_bundle_is_named(in_store, tmp_path) -> None:
    mlmodel = _artifacts("models:/account-authenticity/1") / "MLmodel"
    original = mlmodel.read_text()
    try:
        mlmodel.write_text(original.replace("path: artifacts/", "path: ../../"))
        with pytest.raises(LookupError, match="names no bundle"):
            load_any("models:/account-authenticity/1", AccountModel)
    finally:
        mlmodel.write_text(original)


def test_a_pickled_champion_is_replaced_by_the_gate_without_being_loaded(
    in_store, tmp_path
) -> None:
    """After an upgrade the registry's champion is a pickle this version refuses to load or
    serve: the next version that beats the baselines takes its place, and says why."""
    from mlflow import MlflowClient

    from scoring.store.registry import on_fixed_test_data, register_and_gate

    uri = "models:/account-authenticity/1"
    bundle = next((_artifacts(uri) / "artifacts").iterdir())
    original = bundle.read_bytes()
    marker = tmp_path / "ran"
    client = MlflowClient()
    client.set_registered_model_alias("account-authenticity", "champion", "1")
    try:
        write_pickled_bundle(bundle, evil_payload(marker), "account-authenticity")
        decision = register_and_gate(
            "account-authenticity", in_store.logged_uri, "run", 0.9,
            on_fixed_test_data(0.9, lambda champion: 1.0, "test accounts"),
            baseline_f1=0.5, model_type=AccountModel,
        )  # fmt: skip
    finally:
        bundle.write_bytes(original)
    assert not marker.exists()
    assert decision.alias == "champion" and decision.champion_version == "1"
    assert "champion v1 is a pickled bundle of an older creator-audit" in decision.message
    assert "model convert --trust models:/account-authenticity/1" in decision.message
    champion = client.get_model_version_by_alias("account-authenticity", "champion")
    assert str(champion.version) == decision.version
