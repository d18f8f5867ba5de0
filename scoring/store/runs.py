"""The one run skeleton of the creator, account and comment models.

Each training run does the same in the store, whatever the model:

    with model_run(CREATOR_MODEL_NAME, experiment_id, log, files) as run:
        ...fit and measure, log metrics and artifacts...
        uri = run.log_model(model, MODEL_CODE, example, output)
        run.gate(lambda: register_and_gate(CREATOR_MODEL_NAME, uri, run.run_id, ...))
    bundle = run.export(models_dir)

``model_run`` starts a tracked run (abandoned runs of this machine marked FAILED first) and logs
the real files the run read; ``log_model`` logs the model from code with its bundle;
``gate`` registers the version, moves the champion alias only if the gate says so, and
``record``s the decision (the run's tags, the message); ``export`` writes the bundles under
``models/``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import pandas as pd

from creator_audit.dataset.real_data import RealFile
from scoring.store.registry import GateDecision, export_bundles
from scoring.store.tracking import log_bundle_model, log_real_files, tracked_run

Log = Callable[[str], None]


@dataclass
class ModelRun:
    """A model's training run in the store: what it logged, and the gate's decision."""

    model_name: str
    run: mlflow.ActiveRun
    log: Log
    model: Any = None
    decision: GateDecision | None = None

    @property
    def run_id(self) -> str:
        return self.run.info.run_id

    def log_model(
        self,
        model: Any,
        model_code: Path,
        example: pd.DataFrame,
        output: pd.DataFrame,
        pip_requirements: list[str] | None = None,
    ) -> str:
        """Log ``model`` in the run (MLflow's model from code, its bundle the artifact); its URI."""
        self.model = model
        return log_bundle_model(model, model_code, example, output, pip_requirements)

    def gate(self, register_and_gate: Callable[[], GateDecision]) -> GateDecision:
        """Register the logged model and gate the champion alias, then :meth:`record` it."""
        return self.record(register_and_gate())

    def record(self, decision: GateDecision) -> GateDecision:
        """Tag the run with the gate's version and alias, and say what was decided."""
        mlflow.set_tags({"model_version": decision.version, "alias": decision.alias})
        self.log(decision.message)
        self.decision = decision
        return decision

    def export(self, models_dir: str | Path) -> Path:
        """The gated model's bundles under ``models_dir`` (the version's, and the champion's when
        it became champion), its metadata naming the version and alias."""
        if self.model is None or self.decision is None:
            raise RuntimeError("export() needs log_model() and gate() first")
        self.model.metadata.update(model_version=self.decision.version, alias=self.decision.alias)
        return export_bundles(self.model, self.decision, self.model_name, models_dir)


@contextlib.contextmanager
def model_run(
    model_name: str, experiment_id: str, log: Log, files: Iterable[RealFile] = ()
) -> Iterator[ModelRun]:
    """A tracked run of ``model_name``'s training, with the real files it read logged first."""
    with tracked_run(experiment_id, log=log) as run:
        files = list(files)
        if files:
            log_real_files(files, log)
        yield ModelRun(model_name, run, log)
