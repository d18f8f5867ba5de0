"""The registered models' names, their aliases and default URIs: stated once, importing nothing,
so the command line can show them in ``--help`` without loading MLflow."""

CREATOR_MODEL_NAME = "creator-fraud"
ACCOUNT_MODEL_NAME = "account-authenticity"
COMMENT_MODEL_NAME = "comment-authenticity"
CHAMPION = "champion"
CHALLENGER = "challenger"
DEFAULT_MODEL_URI = f"models:/{CREATOR_MODEL_NAME}@{CHAMPION}"
DEFAULT_ACCOUNT_MODEL_URI = f"models:/{ACCOUNT_MODEL_NAME}@{CHAMPION}"
DEFAULT_COMMENT_MODEL_URI = f"models:/{COMMENT_MODEL_NAME}@{CHAMPION}"
BUNDLE_SUFFIX = ".bundle"  # a bundle file's extension: models/creator-fraud-champion.bundle
BUNDLE_ARTIFACT = "bundle"  # the bundle's name among a logged MLflow model's artifacts
