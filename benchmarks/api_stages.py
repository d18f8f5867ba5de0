"""Where an API request's time goes, in-process: parsing, validation, features, scoring, JSON.

    .venv/bin/python benchmarks/api_stages.py --model models/creator-fraud-v1.bundle
        [--creators 160] [--batch 1 --batch 8] [--payload full|posts] [--reasons N]

Uses the benchmark payloads of ``serve_vs_mlflow.py`` (30 posts, up to 2,000 engagement events,
follower history and sample; ``--payload posts``: the 30 posts only) and the API's own
functions, with the garbage collector's start-up freeze the service applies. Prints
milliseconds per creator for each stage at each batch size: a batch is what the service's
micro-batcher scores together.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_vs_mlflow import _payloads

from features import feature_matrix
from scoring.scores import score_feature_matrix
from scoring.store.loading import load_model
from serving.decoding import Parsed, parse_score_request, validate_items
from serving.startup import GC_YOUNG_THRESHOLD


def main() -> None:
    args = _parse()
    model = load_model(args.model)
    bodies, _ = _payloads(Path.cwd(), posts_only=args.payload == "posts")
    bodies = bodies[: args.creators]
    _stages(model, bodies[:1], args.reasons)  # as the service's smoke test does on each load
    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_YOUNG_THRESHOLD, *gc.get_threshold()[1:])
    for batch in args.batch or [1, 8]:
        totals: dict[str, float] = {}
        for start in range(0, len(bodies), batch):
            group = bodies[start : start + batch]
            for stage, seconds in _stages(model, group, args.reasons).items():
                totals[stage] = totals.get(stage, 0.0) + seconds
        per_creator = {stage: 1000 * s / len(bodies) for stage, s in totals.items()}
        shown = ", ".join(f"{stage} {ms:.2f}" for stage, ms in per_creator.items())
        print(f"batch {batch}: ms per creator: {shown}; total {sum(per_creator.values()):.2f}")


def _stages(model, bodies: list[bytes], n_reasons: int) -> dict[str, float]:
    times = {}
    clock = time.perf_counter()
    parsed = [Parsed(parse_score_request(body)) for body in bodies]
    times["parse"], clock = time.perf_counter() - clock, time.perf_counter()
    valid = validate_items(parsed)
    times["validate"], clock = time.perf_counter() - clock, time.perf_counter()
    features = feature_matrix(valid.dataset, model.account_model, model.comment_model)
    times["features"], clock = time.perf_counter() - clock, time.perf_counter()
    scores = score_feature_matrix(model, features, n_reasons=n_reasons)
    times["score"], clock = time.perf_counter() - clock, time.perf_counter()
    [json.dumps(s.as_dict()) for s in scores]
    times["json"] = time.perf_counter() - clock
    return times


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="bundle path or MLflow model URI")
    parser.add_argument("--creators", type=int, default=160)
    parser.add_argument("--batch", type=int, action="append", help="batch sizes (default 1, 8)")
    parser.add_argument("--payload", choices=("full", "posts"), default="full")
    parser.add_argument("--reasons", type=int, default=5, help="reasons per score (0: none)")
    return parser.parse_args()


if __name__ == "__main__":
    main()
