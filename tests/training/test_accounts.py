"""The account model: features, the audience rule, leave-one-source-out, training and the gate."""

from __future__ import annotations

from pathlib import Path

import joblib
import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from features.accounts import ACCOUNT_FEATURES, account_features, audience_types
from tests.account_models import made_up_accounts, small_account_model
from tests.shared_data import SHARED, needs_real_accounts
from training.account_model import AccountModel
from training.accounts import (
    auditor_rule,
    balanced_weights,
    default_account_params,
    leave_one_source_out,
    train_accounts,
)

runner = CliRunner()


def test_account_features_from_usernames_or_counts() -> None:
    named = pd.DataFrame(
        {
            "followers": [10, 0],
            "following": [3_000, 5],
            "media_count": [0, 4],
            "username": ["anna.k", "x93821"],
        }
    )
    out = account_features(named)
    assert list(out.columns) == list(ACCOUNT_FEATURES)
    np.testing.assert_allclose(out["username_digit_share"], [0.0, 5 / 6])
    np.testing.assert_allclose(out["no_media"], [1.0, 0.0])
    assert out["has_profile_pic"].isna().all()  # not given: missing, not False
    counted = pd.DataFrame(
        {
            "followers": [1],
            "following": [1],
            "media_count": [1],
            "username_length": [8.0],
            "username_digits": [2.0],
        }
    )
    assert account_features(counted)["username_digit_share"].iloc[0] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="media_count"):
        account_features(named.drop(columns="media_count"))


def test_audience_type_rule_order() -> None:
    accounts = pd.DataFrame(
        {"followers": [50, 200, 9_000, 9_000, 300], "following": [3_000, 2_000, 400, 2_000, 300]}
    )
    p_fake = np.array([0.9, 0.1, 0.1, 0.1, 0.1])
    types = audience_types(accounts, p_fake, threshold=0.5)
    assert list(types) == ["suspicious", "mass_follower", "influencer", "mass_follower", "real"]


def test_auditor_rule_counts_the_raised_flags() -> None:
    accounts = pd.DataFrame(
        {
            "followers": [10, 500, 500],
            "following": [900, 400, 400],
            "media_count": [0, 3, 0],
            "has_profile_pic": [0.0, 1.0, np.nan],
        }
    )
    np.testing.assert_array_equal(auditor_rule(accounts), [3.0, 0.0, 1.0])


def test_balanced_weights_give_every_source_and_label_the_same_total() -> None:
    source = np.array(["big"] * 90 + ["small"] * 10)
    y = np.array([0] * 60 + [1] * 30 + [0] * 5 + [1] * 5)
    weights = balanced_weights(source, y)
    totals = pd.Series(weights).groupby([source, y]).sum()
    np.testing.assert_allclose(totals.to_numpy(), totals.iloc[0])
    assert weights.sum() == pytest.approx(len(weights))


def test_leave_one_source_out_scores_each_source_unseen() -> None:
    a, b = made_up_accounts(1_500, seed=1), made_up_accounts(1_500, seed=2)
    a["source"], b["source"] = "first", "second"
    accounts = pd.concat([a, b], ignore_index=True)
    params = {**default_account_params(0), "n_rounds": 30}
    table = leave_one_source_out(accounts, params, log=lambda _: None)
    assert list(table.index) == ["first", "second"]
    assert (table["n"] == 1_500).all()
    # The made-up classes overlap but differ: both the model and the rule beat chance.
    assert (table["model_auc"] > 0.8).all() and (table["rule_auc"] > 0.6).all()


def test_account_model_bundle_round_trip(tmp_path: Path) -> None:
    model = small_account_model()
    loaded = AccountModel.load(model.save(tmp_path / "accounts.joblib"))
    accounts = made_up_accounts(200, seed=5)
    pd.testing.assert_frame_equal(loaded.score(accounts), model.score(accounts))
    assert set(loaded.score(accounts)["audience_type"]) <= {
        "real",
        "suspicious",
        "mass_follower",
        "influencer",
    }
    joblib.dump({"format": 1}, tmp_path / "creator.joblib")  # e.g. a creator model's bundle
    with pytest.raises(ValueError, match="not an account model bundle"):
        AccountModel.load(tmp_path / "creator.joblib")


@needs_real_accounts[0]
@needs_real_accounts[1]
def test_train_registers_gates_and_carries_to_unseen_sources(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    first = train_accounts(SHARED, seed=0, log=lambda _: None)
    assert set(first.held_out.index) == {"instafake", "purba", "kaggle"}
    # Unseen collections: well above chance and above the auditor's rule on each.
    assert (first.held_out["model_auc"] > 0.9).all()
    assert (first.held_out["model_auc"] > first.held_out["rule_auc"]).all()
    assert first.decision.alias == "champion"
    assert (tmp_path / "models" / "account-authenticity-champion.joblib").is_file()
    weak = train_accounts(SHARED, seed=0, log=lambda _: None, params={"n_rounds": 1})
    assert weak.decision.alias == "challenger", weak.decision.message
    champion = AccountModel.load(tmp_path / "models" / "account-authenticity-champion.joblib")
    assert champion.booster_text == first.model.booster_text


def test_accounts_score_command(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bundle = small_account_model().save(tmp_path / "accounts.joblib")
    good = tmp_path / "accounts.csv"
    pd.DataFrame(
        {
            "account_id": ["a1", "a2"],
            "followers": [12, 900],
            "following": [2_500, 300],
            "media_count": [0, 80],
            "username": ["zz_8812", "maria"],
        }
    ).to_csv(good, index=False)
    out = tmp_path / "scored.parquet"
    args = ["accounts", "score", "--input", str(good), "--out", str(out), "--model", str(bundle)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    scored = pd.read_parquet(out)
    assert list(scored["account_id"]) == ["a1", "a2"]
    assert scored["p_fake"].between(0, 1).all()
    assert scored.loc[0, "p_fake"] > scored.loc[1, "p_fake"]
    assert set(scored["audience_type"]) <= {"real", "suspicious", "mass_follower", "influencer"}
    bad = tmp_path / "bad.csv"
    bad.write_text("account_id,followers,following,media_count\na1,-4,10,1\n")
    args = [
        "accounts",
        "score",
        "--input",
        str(bad),
        "--out",
        str(tmp_path / "x.csv"),
        "--model",
        str(bundle),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert "bad.csv" in result.output and "followers" in result.output
    assert not (tmp_path / "x.csv").exists()


def test_account_model_choice_for_creator_training(tmp_path: Path, monkeypatch) -> None:
    from creator_audit.cli import _account_model

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    assert _account_model("none") is None
    # No registered champion (no store at all): none, and no store is created to find that out.
    assert _account_model(None) is None
    assert not (tmp_path / "mlflow.db").exists()
    bundle = small_account_model(version="3").save(tmp_path / "a.joblib")
    assert _account_model(str(bundle)).metadata["model_version"] == "3"
    with pytest.raises(FileNotFoundError):
        _account_model(str(tmp_path / "missing.joblib"))
