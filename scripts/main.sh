#!/usr/bin/env bash
# The main job on embedded defaults: generate a labelled dataset and build its model input table.
# Outputs go under ./work (git-ignored). Override the size with CREATORS=..., the seed with SEED=...
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
CREATORS="${CREATORS:-3000}"
SEED="${SEED:-7}"
WORK="${WORK:-work}"
creator-audit generate --out "$WORK/data" --creators "$CREATORS" --seed "$SEED"
creator-audit features --data "$WORK/data" --out "$WORK/features.parquet"
echo "main job done: dataset in $WORK/data, features in $WORK/features.parquet"
