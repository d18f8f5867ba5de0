"""``creator-audit accounts train``: the account model, judged by how it carries to unseen sources.

The real labelled collections differ in country, period, crawler and which fields they give, and
the model will meet collections none of them resembles. So the figures that count are per held-out
source (:mod:`training.account_eval`): train on every source but one, judge on the one left out,
also with only the poorest source's fields and with a public profile's fields.

The registered model is then fit (:mod:`training.account_fit`) on a fixed 80% of every source
(stratified by source and label; the split does not move with ``--seed``, so any two versions are
compared on the same accounts). The other 20% is the gate's test data: mean per-source ROC-AUC,
which must beat the auditor's rule and at least match the current champion's.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import lightgbm as lgb
import mlflow
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

import creator_audit
from creator_audit.dataset.real_accounts import (
    DEFAULT_PURBA_FAKE_CLASSES,
    PROFILE_FIELDS,
    account_files,
    load_real_accounts,
)
from creator_audit.schema import ACCOUNTS
from features.accounts import ACCOUNT_FEATURES
from scoring.account_model import AUDIENCE_PRIOR, AccountModel
from scoring.pyfunc import ACCOUNT_MODEL_CODE
from scoring.store.location import configure_tracking
from scoring.store.names import ACCOUNT_MODEL_NAME
from scoring.store.registry import (
    GateDecision,
    on_fixed_test_data,
    register_and_gate,
)
from scoring.store.runs import ModelRun, model_run
from scoring.store.tracking import (
    ACCOUNT_EXPERIMENT,
    ensure_experiment,
)
from training.account_eval import (
    auditor_rule,
    expected_calibration_error,
    format_summary,
    held_out_sources,
    quantification_summary,
    reliability,
)
from training.account_fit import (
    MASK_RATE,
    MASKED_COPIES,
    REAL_LURKER_SHARE,
    balanced_weights,
    default_account_params,
    fit_account_booster,
    fit_account_model,
)
from training.account_transfer import (
    feature_transfer,
    format_transfer,
    transferring_features,
)

__all__ = [
    "auditor_rule",
    "balanced_weights",
    "default_account_params",
    "fit_account_booster",
    "train_accounts",
]

Log = Callable[[str], None]
TEST_SHARE = 0.2
SPLIT_SEED = 20_240_501  # fixed: every version is gated on the same test accounts
GATE_METRIC = "mean per-source ROC-AUC"


@dataclass
class AccountTrainResult:
    run_id: str
    model: AccountModel
    held_out: pd.DataFrame  # per held-out source and field set (training.account_eval)
    shares: pd.DataFrame  # per held-out source and true share: the fake-share estimate
    test: pd.DataFrame  # per source, on the gate's test accounts
    decision: GateDecision
    bundle_path: Path


def per_source_auc(
    accounts: pd.DataFrame, p_fake: np.ndarray, sources: Iterable[str] | None = None
) -> pd.DataFrame:
    """ROC-AUC of the model's p_fake and of the auditor's rule, per source."""
    rows = []
    rule = auditor_rule(accounts)
    y = accounts["is_fake"].to_numpy()
    for source in sources or accounts["source"].unique():
        at = (accounts["source"] == source).to_numpy()
        rows.append(
            {
                "source": source,
                "n": int(at.sum()),
                "fake": int(y[at].sum()),
                "model_auc": float(roc_auc_score(y[at], p_fake[at])),
                "rule_auc": float(roc_auc_score(y[at], rule[at])),
            }
        )
    return pd.DataFrame(rows).set_index("source")


def split_accounts(accounts: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Row positions of train and test: a fixed stratified split by source and label."""
    strata = accounts["source"].astype(str) + "/" + accounts["is_fake"].astype(str)
    train, test = train_test_split(
        np.arange(len(accounts)), test_size=TEST_SHARE, random_state=SPLIT_SEED, stratify=strata
    )
    return np.sort(train), np.sort(test)


def train_accounts(
    data_dir: str | Path | None = None,
    seed: int = 0,
    models_dir: str | Path = "models",
    log: Log = print,
    purba_fake_classes: Iterable[str] = DEFAULT_PURBA_FAKE_CLASSES,
    params: dict[str, Any] | None = None,
) -> AccountTrainResult:
    """Evaluate leave-one-source-out, fit on the train split, log, register and gate.
    ``data_dir`` defaults to the real data folder (the shared folder, else the fetch cache)."""
    accounts = load_real_accounts(data_dir, purba_fake_classes)  # bad data fails before any write
    files = [file for found in account_files(data_dir).values() for file in found]
    configure_tracking()
    experiment_id = ensure_experiment(ACCOUNT_EXPERIMENT)  # and a store that cannot be used
    counts = accounts.groupby(["source", "source_label"]).size()
    log("accounts: " + ", ".join(f"{s} {label} {n}" for (s, label), n in counts.items()))
    transfer = feature_transfer(accounts)
    features = transferring_features(transfer)
    sources = [str(s) for s in pd.unique(accounts["source"])]
    for line in format_transfer(transfer, sources):
        log("transfer: " + line)
    params = {**default_account_params(seed, features), **(params or {})}
    held_out, shares = held_out_sources(accounts, params, seed, log)
    train_rows, test_rows = split_accounts(accounts)
    train, test = accounts.iloc[train_rows], accounts.iloc[test_rows]
    with model_run(ACCOUNT_MODEL_NAME, experiment_id, log, files) as run:
        metadata = _metadata(run.run_id, seed, accounts, purba_fake_classes)
        model, predictions = fit_account_model(train, params, seed, metadata, features=features)
        test_table = per_source_auc(test, model.p_fake(test))
        calibration = reliability(predictions)
        _log_run(accounts, counts, params, purba_fake_classes, model, test_table)
        _log_held_out(held_out, shares, calibration, transfer)
        decision = _register(run, model, test, test_table)
    bundle_path = run.export(models_dir)
    for line in format_summary(quantification_summary(held_out, shares)):
        log(line)
    log(f"bundle: {bundle_path}")
    return AccountTrainResult(
        run.run_id, model, held_out, shares, test_table, decision, bundle_path
    )


def _metadata(
    run_id: str, seed: int, accounts: pd.DataFrame, purba_fake_classes: Iterable[str]
) -> dict[str, Any]:
    return {
        "model_name": ACCOUNT_MODEL_NAME,
        "run_id": run_id,
        "seed": seed,
        "sources": sorted(accounts["source"].unique().tolist()),
        "purba_fake_classes": list(purba_fake_classes),
        "data_sha256": accounts_fingerprint(accounts),
        "project_version": creator_audit.__version__,
        "lightgbm_version": lgb.__version__,
    }


def accounts_fingerprint(accounts: pd.DataFrame) -> str:
    digest = hashlib.sha256(",".join(accounts.columns).encode())
    digest.update(pd.util.hash_pandas_object(accounts, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def _log_run(
    accounts: pd.DataFrame,
    counts: pd.Series,
    params: dict[str, Any],
    purba_fake_classes: Iterable[str],
    model: AccountModel,
    test_table: pd.DataFrame,
) -> None:
    mlflow.log_params({f"lgbm_{k}": v for k, v in params.items()})
    mlflow.log_params(
        {
            "purba_fake_classes": ",".join(purba_fake_classes),
            "n_accounts": len(accounts),
            "data_sha256": model.metadata["data_sha256"],
            "test_share": TEST_SHARE,
            "split_seed": SPLIT_SEED,
            "threshold": model.threshold,
            "audience_prior": AUDIENCE_PRIOR,
            "real_lurker_share": REAL_LURKER_SHARE,
            "masked_copies": MASKED_COPIES,
            "mask_rate": MASK_RATE,
            "calibration": ",".join(f"{v:.4f}" for v in model.calibration),
            "project_version": creator_audit.__version__,
        }
    )
    metrics = {}
    for source, row in test_table.iterrows():
        metrics[f"test_auc_{source}"] = row["model_auc"]
        metrics[f"test_rule_auc_{source}"] = row["rule_auc"]
    metrics["test_auc_min"] = float(test_table["model_auc"].min())
    metrics["test_auc_mean"] = float(test_table["model_auc"].mean())
    assert model.share_rates is not None
    for source, fpr, tpr in zip(
        model.share_rates.sources, model.share_rates.fpr, model.share_rates.tpr, strict=True
    ):
        metrics[f"share_rate_fpr_{source}"] = fpr
        metrics[f"share_rate_tpr_{source}"] = tpr
    mlflow.log_metrics(metrics)
    mlflow.log_dict(
        {"rows": {f"{s}/{label}": int(n) for (s, label), n in counts.items()}},
        "data/fingerprint.json",
    )
    mlflow.log_dict({"features": list(ACCOUNT_FEATURES)}, "model_input/features.json")
    mlflow.log_dict(model.share_rates.to_dict(), "evaluation/share_rates.json")


def _log_held_out(
    held_out: pd.DataFrame, shares: pd.DataFrame, calibration: pd.DataFrame, transfer: pd.DataFrame
) -> None:
    """Per held-out source: classification at each field set beside its in-source ceiling, the
    quantification report, the features' transfer table, and the reliability of the registered
    model's calibration on its own held-out sources."""
    metrics = {}
    for _, row in held_out.iterrows():
        key = f"{row['source']}_{row['fields']}"
        names = ("auc", "ceiling_auc", "fpr", "recall", "lurker_fpr", "rule_auc", "plain_auc")
        for name in (*names, "plain_fpr"):
            if np.isfinite(row[name]):
                metrics[f"heldout_{name}_{key}"] = float(row[name])
    for _, row in shares.iterrows():
        key = f"{row['source']}_n{row['size']}_{round(row['true_share'] * 100)}pct"
        metrics[f"share_abs_error_{key}"] = row["mean_abs_error"]
        metrics[f"share_coverage_{key}"] = row["coverage"]
        metrics[f"share_width_{key}"] = row["mean_width"]
    common = held_out[held_out["fields"] == "common"]
    metrics["heldout_auc_min_common"] = float(common["auc"].min())
    metrics["heldout_fpr_max_common"] = float(common["fpr"].max())
    for group, ece in expected_calibration_error(calibration).items():
        metrics[f"calibration_ece_{group}"] = float(ece)
    mlflow.log_metrics(metrics)
    mlflow.log_dict(
        {
            "held_out_sources": held_out.to_dict("records"),
            "quantification": shares.to_dict("records"),
            "feature_transfer": transfer.reset_index().to_dict("records"),
            "summary": quantification_summary(held_out, shares).reset_index().to_dict("records"),
            "reliability": calibration.to_dict("records"),
        },
        "evaluation/held_out_sources.json",
    )


def _register(
    run: ModelRun, model: AccountModel, test: pd.DataFrame, test_table: pd.DataFrame
) -> GateDecision:
    example = test[list(_INPUT_EXAMPLE_COLUMNS)].head(3).reset_index(drop=True)
    model_uri = run.log_model(model, ACCOUNT_MODEL_CODE, example, model.score(example))
    candidate = float(test_table["model_auc"].mean())
    return run.gate(
        lambda: register_and_gate(
            ACCOUNT_MODEL_NAME,
            model_uri,
            run.run_id,
            candidate,
            on_fixed_test_data(
                candidate,
                lambda champion: float(
                    per_source_auc(test, champion.p_fake(test))["model_auc"].mean()
                ),
                f"{len(test)} test accounts",
            ),
            baseline_f1=float(test_table["rule_auc"].mean()),
            model_type=AccountModel,
            metric=GATE_METRIC,
        )
    )


# The account fields a caller sends that the real data has (no ids, no username strings).
_INPUT_EXAMPLE_COLUMNS = tuple(c for c in ACCOUNTS.column_names if c in PROFILE_FIELDS)
