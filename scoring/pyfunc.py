"""The MLflow face of the model: a pyfunc over a feature table, wrapping the bundle.

``mlflow models serve`` and ``mlflow.pyfunc.load_model`` see feature rows in and one probability
column per label out. Our own loaders never load the pyfunc (that runs the logged model code):
``scoring.store.loading`` reads just the bundle artifact.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow.pyfunc
import pandas as pd

from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.model import CreatorFraudModel
from scoring.store.names import BUNDLE_ARTIFACT

# Models from code: what ``log_model(python_model=...)`` is given instead of a pickled instance.
CREATOR_MODEL_CODE = Path(__file__).parent / "pyfunc_models" / "creator_fraud.py"
ACCOUNT_MODEL_CODE = Path(__file__).parent / "pyfunc_models" / "account_authenticity.py"
COMMENT_MODEL_CODE = Path(__file__).parent / "pyfunc_models" / "comment_authenticity.py"


class _BundlePyfunc(mlflow.pyfunc.PythonModel):
    """Loads the bundle of type ``bundle_type`` from the logged artifact; ``_answer`` predicts.
    The subclasses' names and modules stay: runs logged before models from code pickled them."""

    bundle_type: Any

    def __init__(self) -> None:
        self.model: Any = None

    def load_context(self, context: Any) -> None:
        self.model = self.bundle_type.load(context.artifacts[BUNDLE_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        if self.model is None:
            self.load_context(context)
        return self._answer(model_input)

    def _answer(self, model_input: pd.DataFrame) -> pd.DataFrame:
        raise NotImplementedError


class CreatorFraudPyfunc(_BundlePyfunc):
    """Feature rows in; ``p_<label>`` columns out."""

    bundle_type = CreatorFraudModel

    def _answer(self, model_input: pd.DataFrame) -> pd.DataFrame:
        proba = self.model.predict_proba(model_input)
        return pd.DataFrame(proba, columns=[f"p_{label}" for label in self.model.labels])


class AccountPyfunc(_BundlePyfunc):
    """The account model's MLflow face: account fields in, ``p_fake`` and ``audience_type`` out."""

    bundle_type = AccountModel

    def _answer(self, model_input: pd.DataFrame) -> pd.DataFrame:
        return self.model.score(model_input).reset_index(drop=True)


class CommentPyfunc(_BundlePyfunc):
    """The comment model's MLflow face: a ``text`` column in, ``p_spam`` out."""

    bundle_type = CommentModel

    def _answer(self, model_input: pd.DataFrame) -> pd.DataFrame:
        return pd.DataFrame({"p_spam": self.model.p_spam(model_input["text"].astype(str))})
