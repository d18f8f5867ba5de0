"""Load a trained model by MLflow URI or bundle path: what training, batch, the API and scale-out
all read models with. Registering and gating versions is training's (``scoring/store/registry.py``).
"""

from __future__ import annotations

import tempfile
from pathlib import Path, PurePosixPath
from typing import TypeVar

import mlflow
import yaml
from mlflow import MlflowClient
from mlflow.exceptions import MlflowException
from mlflow.store.artifact.models_artifact_repo import ModelsArtifactRepository

from creator_audit.messages import first_line
from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.model import CreatorFraudModel
from scoring.store.location import check_store, sqlite_path
from scoring.store.names import (
    BUNDLE_ARTIFACT,
    BUNDLE_SUFFIX,
    DEFAULT_ACCOUNT_MODEL_URI,
    DEFAULT_COMMENT_MODEL_URI,
)

M = TypeVar("M", CreatorFraudModel, AccountModel, CommentModel)
# What a path ends with when it names a bundle file: ``.joblib`` was the name before bundles held
# plain data, so a missing old file is named as a missing bundle, an existing one gets the
# "convert" line.
BUNDLE_SUFFIXES = (BUNDLE_SUFFIX, ".joblib")
MLMODEL = "MLmodel"


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
    """Load ``uri`` as ``model_type``: a bundle file, or the bundle artifact of an MLflow model.

    Nothing of the logged model but its bundle is read: its model code (or, for older runs, its
    pickled Python object) would run code from the artifact store.
    """
    if names_a_file(uri):
        if not Path(uri).is_file():
            raise FileNotFoundError(f"model bundle {uri} does not exist")
        return model_type.load(uri)
    with tempfile.TemporaryDirectory(prefix="creator-audit-model-") as tmp:
        bundle, identity = fetch_bundle(uri, Path(tmp))
        model = model_type.load(bundle, name=uri)
    model.metadata.update(identity)
    model.metadata["uri"] = uri
    return model


def names_a_file(uri: str) -> bool:
    """Whether ``uri`` is a bundle file's path (an existing file, or a name ending like one),
    not an MLflow model URI."""
    return Path(uri).suffix in BUNDLE_SUFFIXES or Path(uri).is_file()


def fetch_bundle(uri: str, into: Path) -> tuple[Path, dict[str, str]]:
    """Download the bundle artifact of the MLflow model ``uri`` into ``into``: its path, and the
    registry identity it was loaded as (``registry_identity``)."""
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
        return download_bundle(pinned, uri, into), identity
    except MlflowException as err:
        raise LookupError(
            f"cannot load model {uri} from tracking store {mlflow.get_registry_uri()}: "
            f"{first_line(err)}; {WHERE_TO_LOOK}"
        ) from None
    except ImportError as err:  # e.g. s3:// without boto3: MLflow imports it on demand
        raise LookupError(
            f"cannot load model {uri}: it needs the package {err.name}, which is not installed"
        ) from None


def download_bundle(pinned: str, uri: str, into: Path) -> Path:
    """Download the bundle artifact of the MLflow model ``pinned`` (and its ``MLmodel``, which
    says where the bundle is) into ``into``; ``uri`` is what errors call the model."""
    root = _artifact_root(pinned)
    mlmodel = mlflow.artifacts.download_artifacts(
        artifact_uri=f"{root}/{MLMODEL}", dst_path=str(into / "mlmodel")
    )
    bundle = _bundle_path(Path(mlmodel), uri)
    return Path(
        mlflow.artifacts.download_artifacts(
            artifact_uri=f"{root}/{bundle}", dst_path=str(into / "bundle")
        )
    )


def _artifact_root(uri: str) -> str:
    """Where the model's files are: a ``models:/`` URI (registered version or logged model id)
    resolved to its artifact location, as ``mlflow.pyfunc.load_model`` resolves it."""
    if uri.startswith("models:/"):
        return ModelsArtifactRepository.get_underlying_uri(uri).rstrip("/")
    return uri.rstrip("/")


def _bundle_path(mlmodel: Path, uri: str) -> str:
    """The bundle artifact's path inside the model, as its ``MLmodel`` names it: the
    ``python_function`` flavor's ``artifacts: bundle: path`` (read as YAML data, no tags)."""
    try:
        described = yaml.safe_load(mlmodel.read_text(encoding="utf-8"))
        relative = described["flavors"]["python_function"]["artifacts"][BUNDLE_ARTIFACT]["path"]
    except (yaml.YAMLError, UnicodeDecodeError, KeyError, TypeError):
        relative = None
    parts = PurePosixPath(relative).parts if isinstance(relative, str) else ()
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise LookupError(f"{uri} is not a creator-audit model: its MLmodel names no bundle")
    return str(PurePosixPath(relative))


WHERE_TO_LOOK = (
    "point MLFLOW_TRACKING_URI at the store that has it, run from the folder that holds "
    "mlflow.db, or pass --model a bundle path (models/creator-fraud-champion.bundle)"
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
