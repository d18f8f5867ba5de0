"""Logged with every comment-authenticity model version (``training.comments``)."""

from mlflow.models import set_model

from scoring.pyfunc import CommentPyfunc

set_model(CommentPyfunc())
