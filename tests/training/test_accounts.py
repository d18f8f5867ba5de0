"""The account model: features, the audience rule, fitting for unseen sources, training, gate."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.bundle import write_bundle
from creator_audit.cli import app
from features.accounts import ACCOUNT_FEATURES, account_features, audience_types
from scoring.account_model import AUDIENCE_PRIOR, AccountModel
from scoring.conversion import convert_pickled_bundle
from scoring.model import CreatorFraudModel
from tests.account_models import made_up_accounts, small_account_model
from tests.pickled_bundles import write_headerless_bundle
from tests.shared_data import SHARED, assert_run_logged_files, needs_real_accounts
from training.account_eval import (
    held_out_sources,
    keep_fields,
    quantification_summary,
    reliability,
)
from training.account_fit import (
    fit_account_model,
    lurker_weights,
    with_masked_copies,
)
from training.accounts import (
    auditor_rule,
    balanced_weights,
    default_account_params,
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


def two_made_up_sources() -> pd.DataFrame:
    a, b = made_up_accounts(1_500, seed=1), made_up_accounts(1_500, seed=2)
    a["source"], b["source"] = "first", "second"
    return pd.concat([a, b], ignore_index=True)


def test_real_lurkers_get_their_assumed_share_of_each_source_s_real_class() -> None:
    source = np.array(["x"] * 100 + ["y"] * 100)
    y = np.array(([0] * 80 + [1] * 20) * 2)
    lurker = np.zeros(200, dtype=bool)
    lurker[:8] = True  # x: 10% of its real accounts are lurkers
    lurker[100:140] = True  # y: 50%
    weights = lurker_weights(source, y, lurker, share=0.35)
    for name in ("x", "y"):
        real = (source == name) & (y == 0)
        assert weights[real & lurker].sum() / weights[real].sum() == pytest.approx(0.35)
        assert weights[real].sum() == pytest.approx(real.sum())  # the class keeps its weight
    assert (weights[y == 1] == 1.0).all()


def test_masked_copies_hide_fields_whatever_the_label() -> None:
    accounts = made_up_accounts(4_000, seed=3)
    out = with_masked_copies(accounts, np.random.default_rng(0), copies=2)
    assert len(out) == 3 * len(accounts)
    pd.testing.assert_frame_equal(out.iloc[: len(accounts)], accounts)  # originals untouched
    copies = out.iloc[len(accounts) :]
    missing = copies["bio_length"].isna().groupby(copies["is_fake"]).mean()
    assert missing[0] == pytest.approx(0.5, abs=0.03)
    assert missing[0] == pytest.approx(missing[1], abs=0.04)  # no label in the gap
    assert copies["followers"].notna().all()  # required fields are never masked


def test_fit_measures_calibration_and_rates_on_sources_it_did_not_train_on() -> None:
    accounts = two_made_up_sources()
    params = {**default_account_params(0), "n_rounds": 30}
    model, held_out = fit_account_model(accounts, params, seed=0)
    rates = model.share_rates
    assert rates is not None and rates.sources == ("first", "second")
    assert rates.n_real == tuple(
        int(((accounts["source"] == s) & (accounts["is_fake"] == 0)).sum()) for s in rates.sources
    )
    assert all(t > f for t, f in zip(rates.tpr, rates.fpr, strict=True))
    # The calibration is moved to the audience prior: at even raw odds p_fake is the prior.
    assert 1 / (1 + np.exp(-model.calibration[1])) == pytest.approx(AUDIENCE_PRIOR, abs=0.15)
    flagged = held_out["p_fake"] >= model.threshold
    fpr = flagged[(held_out["group"] == "first") & (held_out["is_fake"] == 0)].mean()
    assert rates.fpr[0] == pytest.approx(fpr)
    table = reliability(held_out)
    assert set(table["group"]) == {"first", "second"}
    assert table.groupby("group")["accounts"].sum().to_dict() == {"first": 1_500, "second": 1_500}


def test_one_source_gets_its_rates_from_folds() -> None:
    accounts = made_up_accounts(1_500, seed=4)
    model, _ = fit_account_model(accounts, {**default_account_params(0), "n_rounds": 20}, 0)
    assert model.share_rates is not None and len(model.share_rates.sources) == 5


def test_held_out_sources_judge_each_source_unseen_at_each_field_set() -> None:
    accounts = two_made_up_sources()
    params = {**default_account_params(0), "n_rounds": 30}
    table, shares = held_out_sources(accounts, params, seed=0, log=lambda _: None)
    assert len(table) == 2 * 3 and set(table["fields"]) == {"own", "common", "public"}
    assert (table["n"] == 1_500).all()
    # The made-up classes overlap but differ: the model and the rule beat chance.
    assert (table["auc"] > 0.8).all() and (table["rule_auc"] > 0.6).all()
    assert (table["ceiling_auc"] > 0.8).all()  # the same recipe inside each source
    assert sorted(shares["true_share"].unique()) == [0.0, 0.05, 0.1, 0.2, 0.3, 0.6]
    assert sorted(shares["size"].unique()) == [50, 200, 1_000]
    # The same made-up population on both sides: the estimate is close and mostly covered.
    mid = shares[shares["true_share"].isin([0.1, 0.3]) & (shares["size"] == 200)]
    assert (mid["mean_abs_error"] < 0.05).all() and (mid["coverage"] > 0.8).all()
    # A bigger audience pins the share down more tightly.
    width = shares.pivot_table(index=["source", "true_share"], columns="size", values="mean_width")
    assert (width[50] > width[200]).all()


def test_keep_fields_masks_only_profile_fields() -> None:
    accounts = made_up_accounts(10, seed=5)
    shown = keep_fields(accounts, ("followers", "following", "media_count"))
    assert shown["bio_length"].isna().all() and shown["has_profile_pic"].isna().all()
    pd.testing.assert_series_equal(shown["is_fake"], accounts["is_fake"])


def test_account_model_bundle_round_trip(tmp_path: Path) -> None:
    model = small_account_model()
    loaded = AccountModel.load(model.save(tmp_path / "accounts.bundle"))
    accounts = made_up_accounts(200, seed=5)
    pd.testing.assert_frame_equal(loaded.score(accounts), model.score(accounts))
    assert set(loaded.score(accounts)["audience_type"]) <= {
        "real",
        "suspicious",
        "mass_follower",
        "influencer",
    }
    # A bundle written before calibration and rates (a pickle with no header, as bundles then
    # were), converted: raw probabilities, the flagged share.
    old = {**model.to_payload(), "format": "account-authenticity/1"}
    del old["calibration"], old["share_rates"]
    write_headerless_bundle(tmp_path / "old.joblib", old)
    before = convert_pickled_bundle(str(tmp_path / "old.joblib"), tmp_path / "old.bundle")
    assert AccountModel.load(tmp_path / "old.bundle").to_payload() == before.to_payload()
    assert before.calibration == (1.0, 0.0) and before.share_rates is None
    raw = before.booster.predict(account_features(accounts)[before.feature_names].to_numpy())
    np.testing.assert_allclose(before.p_fake(accounts), raw)
    write_bundle(tmp_path / "creator.bundle", {"format": 1}, "account-authenticity")
    with pytest.raises(ValueError, match="not an account model bundle"):
        AccountModel.load(tmp_path / "creator.bundle")
    model.save(tmp_path / "account.bundle")  # a bundle says its kind
    with pytest.raises(ValueError, match="bundle of account-authenticity, not of creator-fraud"):
        CreatorFraudModel.load(tmp_path / "account.bundle")


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """The account model trained once on the real sources, in a store of its own."""
    where = tmp_path_factory.mktemp("accounts")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(where)
        patch.delenv("MLFLOW_TRACKING_URI", raising=False)
        yield where, train_accounts(SHARED, seed=0, log=lambda _: None)


@needs_real_accounts[0]
@needs_real_accounts[1]
def test_train_registers_gates_and_carries_to_unseen_sources(trained, monkeypatch) -> None:
    where, first = trained
    monkeypatch.chdir(where)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    table = first.held_out.set_index(["source", "fields"])
    assert set(table.index.get_level_values(0)) == {"instafake", "purba", "kaggle", "cresci"}
    # Unseen collections, each with only the poorest source's fields: well above chance,
    # above the auditor's rule and the plain LightGBM.
    common = table.xs("common", level="fields")
    assert (common["auc"] > 0.92).all()
    assert (common["auc"] > common["rule_auc"]).all()
    assert (common["auc"] > common["plain_auc"]).all()
    # Real people who rarely post are not read as fakes the way the plain model reads them.
    assert (table["lurker_fpr"] < table["plain_lurker_fpr"]).mean() >= 0.75
    assert first.decision.alias == "champion"
    assert (where / "models" / "account-authenticity-champion.bundle").is_file()
    assert_run_logged_files(
        first.run_id, ["instafake", "purba-ijece2020", "kaggle-instagram", "cresci2015"]
    )
    weak = train_accounts(SHARED, seed=0, log=lambda _: None, params={"n_rounds": 1})
    assert weak.decision.alias == "challenger", weak.decision.message
    champion = AccountModel.load(where / "models" / "account-authenticity-champion.bundle")
    assert champion.booster_text == first.model.booster_text
    assert champion.share_rates == first.model.share_rates


@needs_real_accounts[0]
@needs_real_accounts[1]
def test_quantification_report_per_held_out_source(trained) -> None:
    """The report the run logs: every shared source held out, its ROC-AUC beside its in-source
    ceiling, and audiences of 200 resampled from InstaFake (real followers and bought ones, the
    audit's case) estimated within the goals: MAE ≤ 3 points, coverage ≥ 90%."""
    import mlflow

    _, result = trained
    summary = quantification_summary(result.held_out, result.shares)
    assert set(summary.index) == {"instafake", "purba", "kaggle", "cresci"}
    assert (summary["ceiling_auc"] >= summary["auc"] - 0.01).all()
    assert (summary["real_flagged"] <= 0.05).all()
    instafake = summary.loc["instafake"]
    assert instafake["max_abs_error"] <= 0.03 and instafake["min_coverage"] >= 0.9
    logged = mlflow.artifacts.load_dict(f"runs:/{result.run_id}/evaluation/held_out_sources.json")
    assert {r["source"] for r in logged["summary"]} == set(summary.index)
    assert {r["size"] for r in logged["quantification"]} == {50, 200, 1_000}
    kept = {r["feature"]: r["kept"] for r in logged["feature_transfer"]}
    assert kept["log_follower_following_ratio"] and kept["log_following"]


@needs_real_accounts[0]
@needs_real_accounts[1]
def test_real_genuine_creators_are_not_read_as_fakes(trained) -> None:
    """InstaFake's non-automated accounts (another crawl, never trained on): real people."""
    from creator_audit.dataset.instafake import load_instafake_genuine

    _, result = trained
    creators = load_instafake_genuine(SHARED / "instafake" / "nonautomated-genuine-part-a.json")
    p_fake = result.model.p_fake(creators.creators)
    assert (p_fake >= result.model.threshold).mean() <= 0.03
    estimate = result.model.fake_share(p_fake, np.zeros(len(p_fake), dtype=np.int64), 1)
    assert estimate["fake_share_low"][0] == 0.0 and estimate["fake_share"][0] <= 0.03


@needs_real_accounts[0]
@needs_real_accounts[1]
def test_simulated_genuine_audiences_read_like_real_genuine_accounts(trained) -> None:
    """The simulator's real-looking followers get the account model's flagged share that the
    real accounts labelled real get (each source weighted equally, as the simulator draws
    them), so a genuine creator's simulated sample is not read as bought followers."""
    from creator_audit.dataset.real_accounts import load_real_accounts
    from creator_audit.simulator.real_profiles import draw_profiles, load_tables
    from creator_audit.simulator.text import usernames_with

    _, result = trained
    model = result.model
    rng = np.random.default_rng(0)
    drawn = draw_profiles(rng, np.zeros(20_000, dtype=bool))
    simulated = pd.DataFrame({k: drawn[k] for k in ("followers", "following", "media_count")})
    for k in ("bio_length", "has_profile_pic", "is_private", "has_external_url"):
        simulated[k] = np.asarray(drawn[k], dtype=np.float64)
    names = usernames_with(rng, drawn["username_length"], drawn["username_digits"])
    simulated["username"] = names.to_pandas()
    real = load_real_accounts(SHARED)
    fitted_from = load_tables()["fitted_from"]["sources"]  # the Instagram sources, not Twitter
    real = real[(real["is_fake"] == 0) & real["source"].isin(list(fitted_from))]
    flagged = pd.Series(model.p_fake(real) >= model.threshold, index=real.index)
    real_flagged = flagged.groupby(real["source"]).mean().mean()
    sim_flagged = (model.p_fake(simulated) >= model.threshold).mean()
    assert abs(sim_flagged - real_flagged) <= 0.02, (sim_flagged, real_flagged)


def test_accounts_score_command(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    bundle = small_account_model().save(tmp_path / "accounts.bundle")
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
    assert not (tmp_path / "summary.csv").exists()
    assert scored["p_fake"].between(0, 1).all()
    assert scored.loc[0, "p_fake"] > scored.loc[1, "p_fake"]
    assert set(scored["audience_type"]) <= {"real", "suspicious", "mass_follower", "influencer"}
    summary = tmp_path / "summary.csv"
    result = runner.invoke(app, [*args, "--summary", str(summary)])
    assert result.exit_code == 0, result.output
    report = pd.read_csv(summary)
    assert len(report) == 1 and report["creator_id"].isna().all()  # no creator_id: one row
    assert report.loc[0, "accounts"] == 2
    assert report.loc[0, "fake_share_low"] <= report.loc[0, "fake_share"]
    assert report.loc[0, "fake_share"] <= report.loc[0, "fake_share_high"]
    shares = report[[f"share_{t}" for t in ("real", "suspicious", "mass_follower", "influencer")]]
    assert shares.sum(axis=1).iloc[0] == pytest.approx(1.0)
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
    from creator_audit.cli.common import account_scorer as _account_model
    from scoring.store.location import configure_tracking

    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("MLFLOW_TRACKING_URI", raising=False)
    configure_tracking()  # as every command that takes a model does first
    assert _account_model("none") is None
    # No registered champion (no store at all): none, and no store is created to find that out.
    assert _account_model(None) is None
    assert not (tmp_path / "mlflow.db").exists()
    bundle = small_account_model(version="3").save(tmp_path / "a.bundle")
    assert _account_model(str(bundle)).metadata["model_version"] == "3"
    with pytest.raises(FileNotFoundError):
        _account_model(str(tmp_path / "missing.bundle"))


@needs_real_accounts[0]
@needs_real_accounts[1]
def test_monotone_constraints_hold_in_every_source_that_has_the_field() -> None:
    """A constrained feature never points the other way in a real source (its ROC-AUC alone is
    not beyond 0.5 ± REVERSAL on the wrong side); the free one is free because it does
    (following: Kaggle's spammers and Twitter's bought followers follow few)."""
    from creator_audit.dataset.real_accounts import load_real_accounts
    from features.accounts import ACCOUNT_FEATURE_DIRECTIONS
    from training.account_transfer import REVERSAL, feature_transfer

    table = feature_transfer(load_real_accounts(SHARED))
    aucs = table.drop(columns=["reverses", "kept"]).astype(float)
    for feature, direction in ACCOUNT_FEATURE_DIRECTIONS.items():
        known = aucs.loc[feature].dropna()
        if direction == -1:
            assert (known <= 0.5 + REVERSAL).all(), (feature, known.to_dict())
        elif direction == 1:
            assert (known >= 0.5 - REVERSAL).all(), (feature, known.to_dict())
    assert table.loc["log_following", "reverses"]
    assert table["kept"].all()  # nothing this data holds needs masking today
