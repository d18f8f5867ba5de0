"""What an analyst reads about a model: offline evaluation and its report, the creator audit
page, drift monitoring, slices, thresholds, metrics and the real-genuine check.

Between ``scoring`` and ``training`` | ``serving``: a training run uses it to measure what it
fitted; it imports neither.
"""
