"""creator-audit: influencer-marketing fraud detection (fake followers, engagement pods, bots)."""

import os

__version__ = "0.1.0"

# MLflow 3 sends usage telemetry wherever a network exists, from the moment it is imported. A
# fraud audit should not report on its users: off unless they turn it on
# (MLFLOW_DISABLE_TELEMETRY=false). Set here, below everything that imports MLflow.
os.environ.setdefault("MLFLOW_DISABLE_TELEMETRY", "true")
