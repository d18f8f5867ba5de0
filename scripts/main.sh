#!/usr/bin/env bash
# The main job on embedded defaults: train the account model on the real labelled accounts and the
# comment model on the real labelled comments (from ../shared/data or $CREATOR_AUDIT_SHARED_DATA,
# else fetched from their public sources into the cache), generate labelled creators, train
# (tracked in an SQLite MLflow store in this directory), evaluate on data from another seed
# (report.html), batch-score it, write audit pages for a few creators and a drift check, then
# serve the champion over HTTP. Outputs go under ./work, bundles under ./models, MLflow state in
# ./mlflow.db and ./mlartifacts (all git-ignored). Override the size with CREATORS=... and
# HOLDOUT=..., the seed with SEED=...; PORT=... and WORKERS=... for the API, SERVE=0 to skip it.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/setup.sh"
CREATORS="${CREATORS:-20000}"
SEED="${SEED:-7}"
WORK="${WORK:-work}"
SHARED="${CREATOR_AUDIT_SHARED_DATA:-../shared/data}"

# Peak memory grows with the number of creators (docs/operations.md, "Time and memory"): about
# 0.5 GB per 1,000 creators plus 1.5 GB. Say what to set before minutes of work end in the
# OOM killer.
need_mb=$(( CREATORS * 50 / 100 + 1536 ))
avail_mb=$(awk '/MemAvailable/ {print int($2 / 1024)}' /proc/meminfo 2>/dev/null || echo 0)
if [ "$avail_mb" -gt 0 ] && [ "$need_mb" -gt "$avail_mb" ]; then
  fits=$(( (avail_mb - 1536) * 100 / 50 ))
  echo "CREATORS=$CREATORS needs about $((need_mb / 1024)) GB; $((avail_mb / 1024)) GB is available." >&2
  echo "Run with CREATORS=$(( fits / 1000 * 1000 )) (or free memory)." >&2
  exit 1
fi

# Without the shared folder the public collections come from their sources (a cache; verified).
# Offline, the creator model trains without what they give, and the end repeats what it lacks.
LACKS=""
if [ ! -d "$SHARED" ] && ! creator-audit data fetch; then
  LACKS="real data not fetched (creator-audit data fetch failed, see above): the creator model trains without the account model (fake-follower features), the comment model (comment-spam features) and the real-genuine check; run 'creator-audit data fetch' when online, then this script again"
  echo "$LACKS"
fi
if [ -z "$LACKS" ]; then
  creator-audit accounts train --seed "$SEED"
  creator-audit comments train --seed "$SEED"
fi
creator-audit generate --out "$WORK/data" --creators "$CREATORS" --seed "$SEED"
creator-audit generate --out "$WORK/holdout" --creators "${HOLDOUT:-4000}" --seed "$((SEED + 1))"
creator-audit train --data "$WORK/data" --seed "$SEED"
creator-audit evaluate --data "$WORK/holdout" --out "$WORK/evaluation"
creator-audit score --data "$WORK/holdout" --out "$WORK/scores.parquet"
# The audit page of the creator scored most confidently for each label: of the creators given a
# label, the one with the highest probability of it.
python - "$WORK" <<'PY'
import sys
import pandas as pd
from creator_audit.schema import LABELS
work = sys.argv[1]
scores = pd.read_parquet(f"{work}/scores.parquet")
given = [label for label in LABELS if (scores["label"] == label).any()]
picked = [scores.loc[scores["label"] == label, f"p_{label}"].idxmax() for label in given]
open(f"{work}/audit_creators.txt", "w").write("\n".join(scores.loc[picked, "creator_id"]) + "\n")
PY
creator-audit explain --data "$WORK/holdout" --creators "$WORK/audit_creators.txt" --out "$WORK/audit.html"
creator-audit monitor --data "$WORK/holdout" --out "$WORK/drift"
echo "main job done: $WORK/evaluation/report.html, $WORK/audit.html, $WORK/drift/drift.html, scores in $WORK/scores.parquet"
if [ -n "$LACKS" ]; then echo "$LACKS"; fi
# Which account or comment model the champion scores without, and how to get it.
python -m scoring.missing_models models/creator-fraud-champion.bundle
if [ "${SERVE:-1}" = 1 ]; then
  echo "serving the champion on http://127.0.0.1:${PORT:-8000} (Ctrl-C stops; SERVE=0 skips)"
  exec creator-audit serve --port "${PORT:-8000}" ${WORKERS:+--workers "$WORKERS"}
fi
