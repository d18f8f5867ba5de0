"""The MLflow face of the model: a pyfunc over a feature table, wrapping the joblib bundle.

``mlflow models serve`` and ``mlflow.pyfunc.load_model`` see feature rows in and one probability
column per label out. Our own scorers unwrap it and use the bundle directly.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import mlflow.pyfunc
import pandas as pd

from scoring.account_model import AccountModel
from scoring.comment_model import CommentModel
from scoring.model import CreatorFraudModel

BUNDLE_ARTIFACT = "bundle"
# Models from code: what ``log_model(python_model=...)`` is given instead of a pickled instance.
CREATOR_MODEL_CODE = Path(__file__).parent / "pyfunc_models" / "creator_fraud.py"
ACCOUNT_MODEL_CODE = Path(__file__).parent / "pyfunc_models" / "account_authenticity.py"
COMMENT_MODEL_CODE = Path(__file__).parent / "pyfunc_models" / "comment_authenticity.py"


class CreatorFraudPyfunc(mlflow.pyfunc.PythonModel):
    """Loads the bundle from the logged artifact; predicts ``p_<label>`` columns."""

    def __init__(self) -> None:
        self.model: CreatorFraudModel | None = None

    def load_context(self, context: Any) -> None:
        self.model = CreatorFraudModel.load(context.artifacts[BUNDLE_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        if self.model is None:
            self.load_context(context)
        assert self.model is not None
        proba = self.model.predict_proba(model_input)
        return pd.DataFrame(proba, columns=[f"p_{label}" for label in self.model.labels])


class AccountPyfunc(mlflow.pyfunc.PythonModel):
    """The account model's MLflow face: account fields in, ``p_fake`` and ``audience_type`` out."""

    def __init__(self) -> None:
        self.model: AccountModel | None = None

    def load_context(self, context: Any) -> None:
        self.model = AccountModel.load(context.artifacts[BUNDLE_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        if self.model is None:
            self.load_context(context)
        assert self.model is not None
        return self.model.score(model_input).reset_index(drop=True)


class CommentPyfunc(mlflow.pyfunc.PythonModel):
    """The comment model's MLflow face: a ``text`` column in, ``p_spam`` out."""

    def __init__(self) -> None:
        self.model: CommentModel | None = None

    def load_context(self, context: Any) -> None:
        self.model = CommentModel.load(context.artifacts[BUNDLE_ARTIFACT])

    def predict(self, context: Any, model_input: pd.DataFrame, params: Any = None) -> pd.DataFrame:
        if self.model is None:
            self.load_context(context)
        assert self.model is not None
        return pd.DataFrame({"p_spam": self.model.p_spam(model_input["text"].astype(str))})
