#!/usr/bin/env bash
# The test command: lint, then the whole test suite. Works on a fresh clone.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
ruff check .
ruff format --check .
# -n auto: one pytest worker per core (pytest-xdist); session fixtures are built once per worker.
pytest -n auto --cov --cov-report=term:skip-covered "$@"
