"""Where MLflow runs logged before the move to ``scoring/`` find their pyfunc classes.

A logged pyfunc pickles its class by module path; those runs' models name ``training.pyfunc``.
"""

from scoring.pyfunc import AccountPyfunc, CreatorFraudPyfunc

__all__ = ["AccountPyfunc", "CreatorFraudPyfunc"]
