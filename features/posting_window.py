"""The busiest 30-minute slot of a creator's day, and what its posts earn compared with the rest.

Engagement pods open a daily drop window (about 30 minutes): members post inside it and engage
with each other's posts there. A pod creator who boosts only some posts publishes those in the
window, so the posts in the creator's busiest slot get more likes and far more comments per like
than the posts outside it. A habitual genuine poster may also favour one slot, but its posts there
earn what the others earn. Posts alone show this, so it works without engagement events.
"""

from __future__ import annotations

import numpy as np

from features import _groups as g
from features._tables import DAY, Columns, Posts

WINDOW_SECONDS = 1_800.0  # a pod's drop window
MIN_POSTS = 5  # below this the busiest slot is chance

POSTING_WINDOW_COLUMNS: tuple[str, ...] = (
    "posting_window_share",
    "posting_window_like_lift",
    "posting_window_comment_lift",
)


def posting_window_from(p: Posts) -> Columns:
    """Per creator, over the posts the ratio features use (mature, recent):

    - ``posting_window_share``: share of posts in the busiest 30-minute slot of the day (UTC,
      wrapping at midnight);
    - ``posting_window_like_lift``: mean log(1 + likes) inside the slot minus outside;
    - ``posting_window_comment_lift``: the same for log comments per like, posts with comments on.

    NaN below ``MIN_POSTS`` posts, and a lift is NaN when every post is inside the slot.
    """
    use = p.in_ratios
    code, time_of_day = p.creator[use], np.mod(p.posted[use], DAY)
    log_likes = np.log1p(p.likes[use])
    log_comments_per_like = np.log1p(p.comments[use]) - log_likes
    comments_on = p.comments_on[use]

    start = _busiest_slot_start(code, time_of_day, p.n)
    inside = np.mod(time_of_day - start[code], DAY) <= WINDOW_SECONDS
    posts = g.count(code, p.n)
    columns = {
        "posting_window_share": g.ratio(g.count(code, p.n, inside), posts),
        "posting_window_like_lift": _lift(code, log_likes, inside, p.n),
        "posting_window_comment_lift": _lift(
            code[comments_on], log_comments_per_like[comments_on], inside[comments_on], p.n
        ),
    }
    for values in columns.values():
        values[posts < MIN_POSTS] = np.nan
    return columns


def _busiest_slot_start(code: np.ndarray, time_of_day: np.ndarray, n: int) -> np.ndarray:
    """Per creator, the time of day that opens the 30-minute slot holding the most posts (the
    earliest such time on a tie); NaN for a creator without posts."""
    order = np.lexsort((time_of_day, code))
    code, time_of_day = code[order], time_of_day[order]
    # Keys keep creators apart (2 days per creator); each time appears again one day later, so a
    # slot that wraps past midnight is counted like any other.
    key = code * (2.0 * DAY) + time_of_day
    doubled = np.sort(np.concatenate([key, key + DAY]))
    in_slot = np.searchsorted(doubled, key + WINDOW_SECONDS, side="right") - np.searchsorted(
        doubled, key, side="left"
    )
    best = g.maximum(code, in_slot, n)
    is_best = np.flatnonzero(in_slot == best[code])
    first = is_best[g.run_start_flags(code[is_best])]  # posts are sorted by time within creator
    start = np.full(n, np.nan)
    start[code[first]] = time_of_day[first]
    return start


def _lift(code: np.ndarray, values: np.ndarray, inside: np.ndarray, n: int) -> np.ndarray:
    """Mean of ``values`` inside the slot minus outside; NaN when either side is empty."""
    return g.mean(code[inside], values[inside], n) - g.mean(code[~inside], values[~inside], n)
