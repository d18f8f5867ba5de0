"""Authentic engagement: a creator's engagement with what the model attributes to pods and to
bought engagement taken out.

Per kind (likes, comments), on the posts the ratio features read (the recent posts old enough to
have collected their engagement)::

    authentic = observed × (1 − P(engagement_pod) × pod_like_share
                             − P(bot_engagement) × burst_share)

- ``observed``: mean likes (comments) per post, from the posts' counts.
- ``pod_like_share``: the share of the creator's like (comment) events that come within the first
  hour after posting from an account that engaged on at least half of the creator's posts: how a
  pod answers (the recurring rule of ``features.engagers``).
- ``burst_share``: the share inside a machine-like burst, a 5-minute window holding at least 20%
  of the post's events (and at least 3): how bought likes land (the window of
  ``features.timing``).

The model's class probabilities weigh the two: a creator it takes for genuine keeps its loyal
fans' early likes and its launch-minute rush, one it takes for a pod loses its pod-like events,
one it takes for a buyer of engagement its bursts. The result is the engagement expected to be
authentic given the model's verdict, not a count of known fakes; the rate divides it by the
followers, as the engagement rate does. Events may be a sample of a post's likes: shares of a
uniform sample estimate the shares of all.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from evaluation.audit.evidence import Evidence
from features.engagers import FIRST_HOUR, RECURRING_MIN_POSTS, RECURRING_MIN_SHARE
from features.timing import BURST_SHARE, BURST_WINDOW, MIN_BURST_EVENTS

POD, BOUGHT = "engagement_pod", "bot_engagement"
COUNTS = {"like": "likes", "comment": "comments"}  # event kind → the posts' count column


@dataclass(frozen=True)
class AuthenticEngagement:
    """One creator's engagement rates (per follower, per post); NaN where unknown, and
    ``missing`` says why the authentic rate is."""

    rate: float  # observed: (likes + comments) per post ÷ followers
    authentic_rate: float
    pod_like_share: float  # of the creator's events (likes and comments together)
    burst_share: float
    missing: str | None = None

    @property
    def removed_share(self) -> float:
        """The share of the observed engagement taken out (NaN when either rate is unknown or
        there is no engagement)."""
        if math.isnan(self.authentic_rate) or not self.rate > 0:
            return math.nan
        return 1.0 - self.authentic_rate / self.rate


def authentic_engagement(ev: Evidence) -> AuthenticEngagement:
    """The observed and authentic engagement rate of the creator of ``ev``."""
    per_post = _counts_per_post(ev)
    if isinstance(per_post, str):
        return _unknown(per_post)
    rate = sum(per_post.values()) / ev.followers
    events = _events_read(ev)
    if events is None:
        return _unknown("no engagement events", rate)
    flags = flag_events(events)
    absent = [k for k, count in per_post.items() if count > 0 and not (flags.kind == k).any()]
    if absent:
        return _unknown(f"no {absent[0]} events", rate)
    p = ev.score.probabilities
    authentic = sum(
        count * (1.0 - _removed_share(flags.loc[flags.kind == kind], p))
        for kind, count in per_post.items()
    )
    return AuthenticEngagement(
        rate=rate,
        authentic_rate=authentic / ev.followers,
        pod_like_share=float(flags.pod_like.mean()),
        burst_share=float(flags.burst.mean()),
    )


def _removed_share(flags: pd.DataFrame, probabilities: dict[str, float]) -> float:
    """The share of one kind's engagement the model attributes to pods and bought engagement
    (0 for a kind without events, which then has no engagement: see the caller)."""
    if flags.empty:
        return 0.0
    pods = probabilities.get(POD, 0.0) * flags["pod_like"].mean()
    bought = probabilities.get(BOUGHT, 0.0) * flags["burst"].mean()
    return float(pods + bought)


def _unknown(reason: str, rate: float = math.nan) -> AuthenticEngagement:
    return AuthenticEngagement(rate, math.nan, math.nan, math.nan, reason)


def _counts_per_post(ev: Evidence) -> dict[str, float] | str:
    """Mean likes and comments per post on the posts the ratios read, or why they are unknown."""
    if not ev.followers > 0:
        return "no followers"
    posts = None if ev.posts is None else ev.posts.loc[ev.posts["in_ratios"]]
    if posts is None or posts.empty:
        return "no posts"
    means = {kind: posts[column].mean() for kind, column in COUNTS.items()}
    hidden = [COUNTS[kind] for kind, mean in means.items() if pd.isna(mean)]
    if hidden:
        return f"{hidden[0]} counts hidden"
    return {kind: float(mean) for kind, mean in means.items()}


def _events_read(ev: Evidence) -> pd.DataFrame | None:
    if ev.events is None:
        return None
    events = ev.events.loc[ev.events["in_ratios"]]
    return None if events.empty else events


def flag_events(events: pd.DataFrame) -> pd.DataFrame:
    """``kind``, and whether each event is ``pod_like`` and in a ``burst``, for one creator's
    events (``post_id``, ``actor_id``, ``kind``, ``delay_minutes``)."""
    events = events.sort_values(["post_id", "delay_minutes"], kind="stable")
    return pd.DataFrame(
        {
            "kind": events["kind"].to_numpy(),
            "pod_like": _pod_like(events),
            "burst": _in_bursts(events),
        }
    )


def _pod_like(events: pd.DataFrame) -> np.ndarray:
    """Within the first hour, from an account that engaged on at least half of the posts that
    drew any engagement (and on two or more)."""
    active_posts = events["post_id"].nunique()
    posts_engaged = events.groupby("actor_id")["post_id"].transform("nunique")
    recurring = (posts_engaged >= RECURRING_MIN_POSTS) & (
        posts_engaged >= RECURRING_MIN_SHARE * active_posts
    )
    early = events["delay_minutes"] * 60.0 <= FIRST_HOUR
    return (recurring & early).to_numpy()


def _in_bursts(events: pd.DataFrame) -> np.ndarray:
    """Whether each event (sorted by post and delay) lies in a window of ``BURST_WINDOW`` that
    holds at least ``BURST_SHARE`` of its post's events and ``MIN_BURST_EVENTS``."""
    flags = [
        _burst_flags(seconds.to_numpy(np.float64) * 60.0)
        for _, seconds in events.groupby("post_id", sort=False)["delay_minutes"]
    ]
    return np.concatenate(flags) if flags else np.zeros(0, dtype=bool)


def _burst_flags(delay: np.ndarray) -> np.ndarray:
    """Every dense window starts at an event: count the events in [t, t + window] from each
    event and mark the ranges of the dense ones."""
    start = np.arange(len(delay))
    end = np.searchsorted(delay, delay + BURST_WINDOW, side="right")
    dense = (end - start) >= max(BURST_SHARE * len(delay), MIN_BURST_EVENTS)
    cover = np.bincount(start[dense], minlength=len(delay) + 1) - np.bincount(
        end[dense], minlength=len(delay) + 1
    )
    return np.cumsum(cover[:-1]) > 0
