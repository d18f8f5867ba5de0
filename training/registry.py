"""Register versions and move ``champion`` only forward; loading is ``scoring.loading``'s.

A registered version is never overwritten or deleted. A new version takes ``champion`` only if its
macro-F1 on the same test data is at least the current champion's; otherwise it gets ``challenger``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from scoring.account_model import AccountModel
from scoring.loading import load_any
from scoring.model import CreatorFraudModel
from scoring.names import CHALLENGER, CHAMPION
from training.tracking import store_lock


@dataclass(frozen=True)
class GateDecision:
    version: str
    alias: str
    candidate_f1: float
    champion_version: str | None
    champion_f1: float | None
    baseline_f1: float | None = None
    metric: str = "macro-F1"

    @property
    def message(self) -> str:
        if self.baseline_f1 is not None and self.candidate_f1 <= self.baseline_f1:
            return (
                f"version {self.version} does not take {CHAMPION}: {self.metric} "
                f"{self.candidate_f1:.4f} does not beat the best baseline "
                f"({self.baseline_f1:.4f}); alias {CHALLENGER}"
            )
        if self.champion_version is None:
            return f"version {self.version} is the first: alias {CHAMPION}"
        verdict = "takes" if self.alias == CHAMPION else "does not take"
        return (
            f"version {self.version} {verdict} {CHAMPION}: {self.metric} "
            f"{self.candidate_f1:.4f} vs "
            f"champion v{self.champion_version} {self.champion_f1:.4f} on the same test data"
            + ("" if self.alias == CHAMPION else f"; alias {CHALLENGER}")
        )


def register_and_gate(
    name: str,
    model_uri: str,
    run_id: str,
    candidate_f1: float,
    score_champion: Callable[[Any], float],
    baseline_f1: float = float("-inf"),
    model_type: type[CreatorFraudModel] | type[AccountModel] = CreatorFraudModel,
    metric: str = "macro-F1",
) -> GateDecision:
    """Register ``model_uri`` as a new version of ``name`` and set its alias by the gate.

    A version that does not beat ``baseline_f1`` (the best baseline on the same test data) never
    takes champion, not even as the first version.
    """
    with store_lock():  # the champion compared against is the one current when the alias moves
        return _register_and_gate(
            name, model_uri, run_id, candidate_f1, score_champion, baseline_f1, model_type, metric
        )


def _register_and_gate(
    name: str,
    model_uri: str,
    run_id: str,
    candidate_f1: float,
    score_champion: Callable[[Any], float],
    baseline_f1: float,
    model_type: type[CreatorFraudModel] | type[AccountModel],
    metric: str,
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
        return GateDecision(str(version), CHAMPION, candidate_f1, None, None, metric=metric)
    champion_f1 = score_champion(load_any(f"models:/{name}/{champion}", model_type))
    alias = CHAMPION if candidate_f1 >= champion_f1 else CHALLENGER
    client.set_registered_model_alias(name, alias, version)
    return GateDecision(
        str(version), alias, candidate_f1, str(champion), champion_f1, metric=metric
    )


def _current_champion(client: MlflowClient, name: str) -> str | None:
    try:
        return str(client.get_model_version_by_alias(name, CHAMPION).version)
    except MlflowException:
        return None


def export_bundles(
    model: CreatorFraudModel | AccountModel,
    decision: GateDecision,
    name: str,
    models_dir: str | Path,
) -> Path:
    """Every version gets its own file ``<name>-v<N>.joblib``; ``<name>-champion.joblib`` is
    written only while this version holds the alias, under the store lock, so a concurrent
    training that took the alias meanwhile is not overwritten by an older champion."""
    models_dir = Path(models_dir)
    path = model.save(models_dir / f"{name}-v{decision.version}.joblib")
    if decision.alias != CHAMPION:
        return path
    with store_lock():
        if _current_champion(MlflowClient(), name) == decision.version:
            model.save(models_dir / f"{name}-{CHAMPION}.joblib")
    return path
