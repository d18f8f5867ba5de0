"""Load a trained model by MLflow URI or bundle path: what training, batch, the API and scale-out
all read models with. Registering and gating versions is training's (``training/registry.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TypeVar

import mlflow
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException

from creator_audit.messages import first_line
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.model import CreatorFraudModel
from scoring.names import DEFAULT_ACCOUNT_MODEL_URI, DEFAULT_COMMENT_MODEL_URI
from scoring.store import check_store, sqlite_path

M = TypeVar("M", CreatorFraudModel, AccountModel, CommentModel)


def load_model(uri: str) -> CreatorFraudModel:
    """A creator model: a bundle file (path) or any MLflow model URI logged by this project."""
    return load_any(uri, CreatorFraudModel)


def load_account_model(uri: str) -> AccountModel:
    """An account model: a bundle file (path) or an MLflow URI of ``account-authenticity``."""
    return load_any(uri, AccountModel)


def champion_account_model() -> AccountModel | None:
    """The registered account model's champion, or None when there is none."""
    return _champion(DEFAULT_ACCOUNT_MODEL_URI, AccountModel)


def champion_comment_model() -> CommentModel | None:
    """The registered comment model's champion, or None when there is none."""
    return _champion(DEFAULT_COMMENT_MODEL_URI, CommentModel)


def _champion(uri: str, model_type: type[M]) -> M | None:
    """``uri``'s model, or None when it is not registered. An embedded store that does not exist
    yet is not created just to find that out."""
    store = mlflow.get_registry_uri()
    if store.startswith("sqlite:///") and not Path(store.removeprefix("sqlite:///")).exists():
        return None
    check_store(writing=False)
    try:
        registry_identity(uri)
    except (MlflowException, LookupError):  # no such model, no champion alias, no store
        return None
    return load_any(uri, model_type)


def load_any(uri: str, model_type: type[M]) -> M:
    """Load ``uri`` as ``model_type``: from its joblib bundle, or unwrapped from its pyfunc."""
    path = Path(uri)
    if path.suffix == ".joblib" or path.is_file():
        if not path.is_file():
            raise FileNotFoundError(f"model bundle {uri} does not exist")
        return model_type.load(path)
    if uri.startswith(("models:/", "runs:/")):
        _require_store(uri)  # a missing embedded store is named, not created empty
        check_store(writing=False)  # a damaged store fails here, not deep inside SQLAlchemy
    try:
        identity = registry_identity(uri)
        # An alias is resolved to its version first, so the version we report is the one loaded
        # even if the alias moves meanwhile.
        pinned = (
            f"models:/{identity['model_name']}/{identity['model_version']}" if identity else uri
        )
        pyfunc = mlflow.pyfunc.load_model(pinned)
    except MlflowException as err:
        raise LookupError(
            f"cannot load model {uri} from tracking store {mlflow.get_registry_uri()}: "
            f"{first_line(err)}; {WHERE_TO_LOOK}"
        ) from None
    except ImportError as err:  # e.g. s3:// without boto3: MLflow imports it on demand
        raise LookupError(
            f"cannot load model {uri}: it needs the package {err.name}, which is not installed"
        ) from None
    model = getattr(pyfunc.unwrap_python_model(), "model", None)
    if not isinstance(model, model_type):
        raise LookupError(f"{uri} is not a creator-audit {model_type.__name__}")
    model.metadata.update(identity)
    model.metadata["uri"] = uri
    return model


WHERE_TO_LOOK = (
    "point MLFLOW_TRACKING_URI at the store that has it, run from the folder that holds "
    "mlflow.db, or pass --model a bundle path (models/creator-fraud-champion.joblib)"
)


def _require_store(uri: str) -> None:
    """An embedded store that does not exist has no models: say where it looked, and create
    nothing (MLflow would create an empty database there on first use)."""
    db = sqlite_path(mlflow.get_registry_uri())
    if db is not None and (not db.exists() or db.stat().st_size == 0):
        raise LookupError(f"cannot load model {uri}: no tracking store at {db}; {WHERE_TO_LOOK}")


def registry_identity(uri: str) -> dict[str, str]:
    """name, version (and alias) for ``models:/name@alias`` and ``models:/name/version`` URIs;
    empty for any other URI. Resolving an alias is one registry query, cheap enough to poll."""
    if not uri.startswith("models:/"):
        return {}
    _require_store(uri)
    ref = uri.removeprefix("models:/")
    client = MlflowClient()
    if "@" in ref:
        name, alias = ref.split("@", 1)
        version = client.get_model_version_by_alias(name, alias).version
        return {"model_name": name, "model_version": str(version), "alias": alias}
    name, _, version = ref.partition("/")
    return {"model_name": name, "model_version": version} if version.isdigit() else {}
