"""Logged with every account-authenticity model version (``training.accounts``)."""

from mlflow.models import set_model

from scoring.pyfunc import AccountPyfunc

set_model(AccountPyfunc())
