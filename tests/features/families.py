"""Each feature family on pandas frames, for tests that build a few creators by hand: the
family's kernel (``*_from``) on the tables as ``features._tables`` prepares them, as
``features.build`` runs it for a whole dataset."""

from __future__ import annotations

import pandas as pd

from features._tables import as_columns, prepare_events, prepare_posts, result
from features.audience import AccountScorer, audience_from
from features.engagement import engagement_from
from features.engagers import CommentScorer, engager_from
from features.timing import timing_from


def timing_features(
    creators: pd.DataFrame, posts: pd.DataFrame, engagements: pd.DataFrame | None
) -> pd.DataFrame:
    """Timing features per creator (columns ``TIMING_COLUMNS``).

    Without engagements only the posting-regularity columns are filled.
    """
    p = prepare_posts(as_columns("creators", creators), as_columns("posts", posts))
    return result(p.ids, timing_from(p, prepare_events(p, as_columns("engagements", engagements))))


def audience_features(
    creators: pd.DataFrame,
    posts: pd.DataFrame,
    follower_counts: pd.DataFrame | None,
    follower_samples: pd.DataFrame | None,
    accounts: AccountScorer | None = None,
) -> pd.DataFrame:
    """Audience features per creator (columns ``AUDIENCE_COLUMNS``); the fake share of the
    follower sample needs ``accounts``, the account model (missing without it)."""
    creator_columns = as_columns("creators", creators)
    p = prepare_posts(creator_columns, as_columns("posts", posts))
    counts = as_columns("follower_counts", follower_counts)
    samples = as_columns("follower_samples", follower_samples)
    return result(p.ids, audience_from(p, creator_columns, counts, samples, accounts))


def engagement_features(creators: pd.DataFrame, posts: pd.DataFrame) -> pd.DataFrame:
    """Engagement-ratio features per creator (columns ``ENGAGEMENT_COLUMNS``)."""
    creator_columns = as_columns("creators", creators)
    p = prepare_posts(creator_columns, as_columns("posts", posts))
    return result(p.ids, engagement_from(p, creator_columns))


def engager_features(
    creators: pd.DataFrame,
    posts: pd.DataFrame,
    engagements: pd.DataFrame | None,
    comments: CommentScorer | None = None,
) -> pd.DataFrame:
    """Engager-structure features per creator (columns ``ENGAGER_COLUMNS``)."""
    p = prepare_posts(as_columns("creators", creators), as_columns("posts", posts))
    events = as_columns("engagements", engagements)
    return result(p.ids, engager_from(p, prepare_events(p, events), events, comments=comments))
