"""One line from an error: what a command line prints and a store check reports. Bottom layer,
importing nothing, so the command line can use it without loading MLflow."""

from __future__ import annotations


def first_line(err: BaseException | str) -> str:
    """The first non-blank line of ``err``'s message (MLflow's ``message``, else ``str``):
    MLflow's and SQLAlchemy's messages run on to tracebacks and SQL."""
    text = err if isinstance(err, str) else getattr(err, "message", None) or str(err)
    fallback = repr(err) if isinstance(err, str) else type(err).__name__
    return next((line.strip() for line in str(text).splitlines() if line.strip()), fallback)
