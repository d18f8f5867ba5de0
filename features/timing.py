"""Timing of engagement and of posting.

Pods and bots answer a new post within minutes, in bursts; bought likes often land hours later as
one dense block; schedulers post at the same minute of the hour. Genuine engagement arrives as a
smooth, decaying stream and genuine posting is irregular.
"""

from __future__ import annotations

import numpy as np

from features import _groups as g
from features._tables import (
    Columns,
    Events,
    Posts,
    subset,
)

WITHIN_MINUTES = (5, 15, 60)
MIN_POST_EVENTS = 3  # per-post shape features need at least two inter-arrival gaps
LATE_AFTER = 6 * 3_600.0
BURST_WINDOW = 300.0
BURST_SHARE = 0.2  # of the post's events inside one window
MIN_BURST_EVENTS = 3  # on small posts 20% is a single event: that is not a burst
MIN_POSTS_FOR_REGULARITY = 3

EVENT_TIMING_COLUMNS: tuple[str, ...] = (
    *(f"like_share_within_{m}m" for m in WITHIN_MINUTES),
    *(f"comment_share_within_{m}m" for m in WITHIN_MINUTES),
    "burstiness_mean",
    "peak_minute_share_mean",
    "peak_minute_log_delay_median",
    "late_burst_share",
)
POSTING_COLUMNS: tuple[str, ...] = (
    "posting_gap_cv",
    "posting_hour_entropy",
    "posting_top_minute_share",
)
TIMING_COLUMNS: tuple[str, ...] = EVENT_TIMING_COLUMNS + POSTING_COLUMNS


def timing_from(p: Posts, e: Events | None) -> Columns:
    columns = _posting_regularity(p)
    if e is None:
        columns |= {name: np.full(p.n, np.nan) for name in EVENT_TIMING_COLUMNS}
    else:
        # Young posts are still collecting engagement: their arrival shares are biased early.
        e = subset(e, p.in_ratios[e.post])
        columns |= _arrival_shares(e, p.n)
        columns |= _post_shapes(e, p.n)
    return {name: columns[name] for name in TIMING_COLUMNS}


def _arrival_shares(e: Events, n: int) -> dict[str, np.ndarray]:
    edges = np.array(WITHIN_MINUTES, dtype=np.float64) * 60.0
    out = {}
    for kind, mask in (("like", e.like), ("comment", e.comment)):
        # Bucket by the first threshold each delay is within, then accumulate: one pass per kind.
        bucket = np.searchsorted(edges, e.delay[mask])
        slots = len(edges) + 1
        counts = np.bincount(e.creator[mask] * slots + bucket, minlength=n * slots)
        within = counts.reshape(n, slots).cumsum(axis=1)
        for i, minutes in enumerate(WITHIN_MINUTES):
            out[f"{kind}_share_within_{minutes}m"] = g.ratio(within[:, i], within[:, -1])
    return out


def _post_shapes(e: Events, n: int) -> dict[str, np.ndarray]:
    """Per-post shape statistics of the arrival stream, averaged over each creator's posts."""
    n_posts = int(e.post.max(initial=-1)) + 1
    size = np.bincount(e.post, minlength=n_posts).astype(np.float64)
    enough = size >= MIN_POST_EVENTS
    posts = np.flatnonzero(enough)
    post_creator = np.full(n_posts, -1)
    post_creator[e.post] = e.creator
    code = post_creator[posts]
    share, log_delay = _peak_minute(e, size, n_posts)
    return {
        "burstiness_mean": g.mean(code, _burstiness(e, n_posts)[posts], n),
        "peak_minute_share_mean": g.mean(code, share[posts], n),
        "peak_minute_log_delay_median": g.median(code, log_delay[posts], n),
        "late_burst_share": g.mean(code, _late_burst_share(e, size)[posts], n),
    }


def _burstiness(e: Events, n_posts: int) -> np.ndarray:
    """B = (σ - μ) / (σ + μ) of inter-arrival gaps per post: -1 regular, 0 Poisson, → 1 bursty."""
    same = e.post[1:] == e.post[:-1]
    post = e.post[1:][same]
    gaps = np.maximum(np.diff(e.delay)[same], 0.0)
    mu = g.mean(post, gaps, n_posts)
    sigma = g.std(post, gaps, n_posts)
    return g.ratio(sigma - mu, sigma + mu)


def _peak_minute(e: Events, size: np.ndarray, n_posts: int) -> tuple[np.ndarray, np.ndarray]:
    """Per post: share of its events in its busiest minute, and log1p of that minute's delay."""
    minute = np.floor(e.delay / 60.0)
    starts = g.run_starts(e.post, minute)  # events are sorted by (post, delay)
    counts = g.run_lengths(starts, len(minute)).astype(np.float64)
    run_post, run_minute = e.post[starts], minute[starts]
    peak = g.maximum(run_post, counts, n_posts)
    is_peak = counts == peak[run_post]
    # Runs are in minute order within a post: the first peak run is the earliest busiest minute.
    first = g.run_starts(run_post[is_peak])
    peak_minute = np.full(n_posts, np.nan)
    peak_minute[run_post[is_peak][first]] = run_minute[is_peak][first]
    return g.ratio(peak, size), np.log1p(peak_minute)


def _late_burst_share(e: Events, size: np.ndarray) -> np.ndarray:
    """Per post: share of its events that come > 6 h late inside a dense 5-minute window.

    Every maximal window starts at an event, so counting the events in [t, t + 5 min] from each
    event and marking the covered ranges finds all events in any dense window.
    """
    # Only windows starting less than one window before the late zone can hold late events.
    start = np.flatnonzero(e.delay > LATE_AFTER - BURST_WINDOW)
    end = np.searchsorted(e.key, e.key[start] + BURST_WINDOW, side="right")
    needed = np.maximum(BURST_SHARE * size[e.post[start]], MIN_BURST_EVENTS)
    dense = (end - start) >= needed
    bounds = len(e.key) + 1
    cover = np.bincount(start[dense], minlength=bounds) - np.bincount(end[dense], minlength=bounds)
    in_burst = np.cumsum(cover[:-1]) > 0
    late = np.bincount(e.post, weights=in_burst & (e.delay > LATE_AFTER), minlength=len(size))
    return g.ratio(late, size)


def _posting_regularity(p: Posts) -> dict[str, np.ndarray]:
    """Regularity of posting times from posts alone; NaN below three posts."""
    order = np.lexsort((p.posted, p.creator))
    code, posted = p.creator[order], p.posted[order]
    same = code[1:] == code[:-1]
    gap_cv = g.cv(code[1:][same], np.diff(posted)[same], p.n)
    seconds = np.floor(posted).astype(np.int64)
    hour_entropy = _entropy(code, (seconds // 3_600) % 24, p.n)
    top_minute = g.ratio(_top_count(code, (seconds // 60) % 60, p.n), g.count(code, p.n))
    few = g.count(code, p.n) < MIN_POSTS_FOR_REGULARITY
    out = {
        "posting_gap_cv": gap_cv,
        "posting_hour_entropy": hour_entropy,
        "posting_top_minute_share": top_minute,
    }
    for values in out.values():
        values[few] = np.nan
    return out


def _value_counts(code: np.ndarray, value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(creator, count) for each distinct (creator, value) pair; values are small ints."""
    keys = np.sort(code * 100 + value)
    starts = g.run_starts(keys)
    return keys[starts] // 100, g.run_lengths(starts, len(keys)).astype(np.float64)


def _entropy(code: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """Shannon entropy (bits) of ``value`` per creator, normalised by its maximum for the count.

    With n posts the entropy cannot exceed log2(min(n, 24)); dividing by it makes creators with
    few and many posts comparable (1 = spread as evenly as possible).
    """
    pair_code, counts = _value_counts(code, value)
    size = g.count(code, n)
    prob = counts / size[pair_code]
    entropy = g.total(pair_code, -prob * np.log2(prob), n)
    return g.ratio(entropy, np.log2(np.clip(size, 1, 24)))


def _top_count(code: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    pair_code, counts = _value_counts(code, value)
    return g.maximum(pair_code, counts, n)
