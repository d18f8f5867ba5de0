#!/usr/bin/env bash
# The main job on embedded defaults: train the account model on the real labelled accounts (when
# ../shared/data or $CREATOR_AUDIT_SHARED_DATA has them), generate labelled creators, build
# features, train (tracked in an SQLite MLflow store in this directory), evaluate on data from
# another seed, batch-score it, then serve the champion over HTTP. Outputs go under ./work, bundles under ./models, MLflow state in
# ./mlflow.db and ./mlartifacts (all git-ignored). Override the size with CREATORS=... and
# HOLDOUT=..., the seed with SEED=...; PORT=... and WORKERS=... for the API, SERVE=0 to skip it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
CREATORS="${CREATORS:-40000}"
SEED="${SEED:-7}"
WORK="${WORK:-work}"
SHARED="${CREATOR_AUDIT_SHARED_DATA:-../shared/data}"
if [ -d "$SHARED" ]; then
  creator-audit accounts train --data "$SHARED" --seed "$SEED"
else
  echo "no real account data at $SHARED: the creator model trains without the account model"
fi
creator-audit generate --out "$WORK/data" --creators "$CREATORS" --seed "$SEED"
creator-audit generate --out "$WORK/holdout" --creators "${HOLDOUT:-4000}" --seed "$((SEED + 1))"
creator-audit features --data "$WORK/data" --out "$WORK/features.parquet"
creator-audit train --data "$WORK/data" --seed "$SEED"
creator-audit evaluate --data "$WORK/holdout" --out "$WORK/evaluation"
creator-audit score --data "$WORK/holdout" --out "$WORK/scores.parquet"
echo "main job done: report in $WORK/evaluation/report.md, scores in $WORK/scores.parquet"
if [ "${SERVE:-1}" = 1 ]; then
  echo "serving the champion on http://127.0.0.1:${PORT:-8000} (Ctrl-C stops; SERVE=0 skips)"
  exec creator-audit serve --port "${PORT:-8000}" ${WORKERS:+--workers "$WORKERS"}
fi
