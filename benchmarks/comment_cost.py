"""What the comment model costs: per 1,000 comments, and per API request.

    .venv/bin/python benchmarks/comment_cost.py
        [--comments models/comment-authenticity-champion.bundle] [--data ../shared/data]
        [--creators 160] [--batch 1 --batch 32]

1. p_spam of 1,000 real ScamSpot comments (long ones: 16 words on average), with a model fresh
   from its bundle (cold: every word's n-grams looked up for the first time) and again (warm),
   beside scikit-learn's own ``CountVectorizer.transform`` with the same vocabulary and weights
   (what the model would use without the fast encoder), in the same run.
2. The features of full API payloads (the benchmark payloads of ``serve_vs_mlflow.py``: 30 posts,
   up to 2,000 engagement events with their comment texts, follower history and sample), with and
   without the comment model, at each batch size: the difference is what reading comments adds
   to a request. The first pass over the payloads runs cold, then the best of three is shown.
"""

from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import CountVectorizer

sys.path.insert(0, str(Path(__file__).resolve().parent))

from serve_vs_mlflow import _payloads

from features import feature_matrix
from scoring.comment_model import VECTORIZERS, CommentModel, normalise, signals, standardise
from serving.decoding import Parsed, parse_score_request, validate_items
from training.comments import load_comments


def main() -> None:
    args = _parse()
    model = CommentModel.load(args.comments)
    texts = (load_comments(args.data)["text"].tolist() * 2)[:1000]
    print("p_spam of 1,000 real comments, ms:")
    fresh = CommentModel.from_payload(model.to_payload(), args.comments)
    print(f"  cold (fresh model)  {_ms(lambda: fresh.p_spam(texts)):.1f}")
    print(f"  warm (words cached) {min(_ms(lambda: fresh.p_spam(texts)) for _ in range(3)):.1f}")
    print(f"  scikit-learn's transform, same weights {_ms(lambda: _sklearn_p(model, texts)):.1f}")
    gc.collect()
    gc.freeze()
    bodies, _ = _payloads(Path.cwd())
    for batch in args.batch:
        chosen = bodies[: args.creators]
        groups = [_validated(chosen[s : s + batch]) for s in range(0, len(chosen), batch)]
        n = sum(len(g.creators) for g in groups)
        cold = CommentModel.from_payload(model.to_payload(), args.comments)
        first = _features_ms(groups, cold) / n
        with_model = min(_features_ms(groups, cold) for _ in range(3)) / n
        without = min(_features_ms(groups, None) for _ in range(3)) / n
        print(
            f"batch {batch}: features ms per creator: without the comment model {without:.2f}, "
            f"with it {with_model:.2f} (first pass, cold {first:.2f}); "
            f"comments per creator {_comments(groups) / n:.0f}"
        )


def _sklearn_p(model: CommentModel, texts: list[str]) -> np.ndarray:
    parts = []
    for name, params in VECTORIZERS.items():
        vectorizer = CountVectorizer(preprocessor=normalise, binary=True, **params)
        vectorizer.vocabulary_ = model.vocabularies[name]
        weights = sparse.diags(np.asarray(model.ngram_weights[name]))
        parts.append(vectorizer.transform(texts) @ weights)
    raw = standardise(
        signals(texts, names=model.signals), np.asarray(model.count_mean), model.count_scale
    )
    x = sparse.hstack([*parts, sparse.csr_matrix(raw)]).tocsr()
    return 1.0 / (1.0 + np.exp(-(x @ np.asarray(model.coef) + model.intercept)))


def _validated(bodies: list[bytes]):
    return validate_items([Parsed(parse_score_request(body)) for body in bodies]).dataset


def _features_ms(groups: list, comments: CommentModel | None) -> float:
    clock = time.perf_counter()
    for dataset in groups:
        feature_matrix(dataset, None, comments)
    return 1000 * (time.perf_counter() - clock)


def _comments(groups: list) -> int:
    total = 0
    for dataset in groups:
        kind = dataset.engagements.text("kind").to_pylist()
        total += sum(k == "comment" for k in kind)
    return total


def _ms(run) -> float:
    clock = time.perf_counter()
    run()
    return 1000 * (time.perf_counter() - clock)


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--comments", default="models/comment-authenticity-champion.bundle")
    parser.add_argument(
        "--data", default=None, help="real data folder (default ../shared/data, else the cache)"
    )
    parser.add_argument("--creators", type=int, default=160)
    parser.add_argument("--batch", type=int, action="append", help="batch sizes (default 1, 32)")
    args = parser.parse_args()
    args.batch = args.batch or [1, 32]
    return args


if __name__ == "__main__":
    main()
