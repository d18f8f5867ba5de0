"""The ``creator-audit`` command line (CONTRACT.md §2), one module per command group.

``common`` holds the Typer apps and what every command shares; ``datasets`` (generate, features,
data fetch, import), ``creators`` (the creator model: train, evaluate, score, explain, shortlist,
monitor, check-genuine), ``service`` (serve, model convert), ``accounts`` and ``comments``
register their commands on it when imported, in the order ``--help`` lists them.

Heavy imports happen inside each command, so ``creator-audit --help`` stays fast. Bad input exits
non-zero with one line naming the file, row and column at fault; nothing is written.
"""

from __future__ import annotations

import sys

from creator_audit.cli.common import app

# Importing a module registers its commands, in the order --help lists them.
# isort: off
from creator_audit.cli import datasets, creators, service, accounts, comments  # noqa: F401
# isort: on

__all__ = ["app", "main"]


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
