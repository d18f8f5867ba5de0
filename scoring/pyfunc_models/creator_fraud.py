"""Logged with every creator-fraud model version (``training.conclude``)."""

from mlflow.models import set_model

from scoring.pyfunc import CreatorFraudPyfunc

set_model(CreatorFraudPyfunc())
