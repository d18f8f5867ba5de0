"""What each creator's features rest on: the snapshot they were read at, the posts left out and
why, and how complete the optional tables are. Every score carries it (``scoring.scores``), so a
verdict says what it was computed from instead of reading a partial picture as a whole one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa

from creator_audit.dataset.as_of import as_of_summary
from creator_audit.dataset.columnar import ColumnDataset
from creator_audit.dataset.timestamps import iso_utc
from creator_audit.dataset.types import AsOf
from features._tables import COMPLETE_COMMENT_SHARE, RECENT_POSTS, Events, Posts, lookup

# The optional tables a score says it has rows of (``coverage``: true or false each).
COVERAGE_TABLES = ("engagements", "follower_counts", "follower_samples")

# Each rule that leaves a post out of some features: its code, and what it means, in the order
# the rules are listed in a score.
EXCLUSION_RULES: tuple[tuple[str, str], ...] = (
    (
        "too_recent",
        "under a day old at the snapshot: its likes are still coming in, so the ratio and timing "
        "features leave it out",
    ),
    (
        "comments_disabled",
        "comments turned off: left out of the comment ratios (its likes still count)",
    ),
    (
        "partial_comment_events",
        f"its comment events hold under {COMPLETE_COMMENT_SHARE:.0%} of its comment count (a "
        "partial list): they are left out of the comment timing and commenter features",
    ),
    (
        "older",
        f"older than the creator's {RECENT_POSTS} most recent posts: the features describe "
        "current behaviour",
    ),
)
RULE_CODES = {code: i for i, (code, _) in enumerate(EXCLUSION_RULES)}
# ``too_recent`` for a creator scored as of a time before its snapshot: maturity is judged then.
TOO_RECENT_AT_AS_OF = (
    "under a day old at the as-of time: its engagement was still coming in, so the ratio and "
    "timing features leave it out"
)


@dataclass(frozen=True)
class Basis:
    """What one creator's score rests on (extra fields of a score, CONTRACT.md §3)."""

    # Per optional table whether it had rows; and whether the comment events are "complete",
    # "partial" or "none", with the share of the comment count they hold.
    coverage: dict[str, Any]
    snapshot_at: str  # ISO-8601 UTC: when the counts are taken to have been read
    snapshot_source: str  # "given" (snapshot_at), "received" (request arrival), "read" (files)
    excluded_posts: list[dict[str, Any]]  # {"rule", "reason", "post_ids"} per rule that applied
    # Scored as of a past time: the time, where the follower count came from, the posts left
    # out and notes (``creator_audit.dataset.as_of.as_of_summary``); None otherwise.
    as_of: dict[str, Any] | None = None


@dataclass(frozen=True)
class FeatureBasis:
    """The basis of every creator's features, as arrays (one value per creator, or per excluded
    post); :meth:`per_creator` turns them into one :class:`Basis` each."""

    tables: dict[str, np.ndarray]  # COVERAGE_TABLES → bool per creator
    comment_posts: np.ndarray  # per creator: posts with events
    partial_posts: np.ndarray  # per creator: of those, posts whose comment events are partial
    comments_counted: np.ndarray  # per creator: the comment count of its posts with events
    comments_held: np.ndarray  # per creator: how much of it the comment events hold
    snapshot_at: np.ndarray
    snapshot_given: np.ndarray
    default_source: str
    excluded_creator: np.ndarray  # per excluded post: creator code (sorted by creator, rule)
    excluded_rule: np.ndarray  # index into EXCLUSION_RULES
    excluded_post_id: pa.Array
    as_of: AsOf | None = None  # set when the data was cut to an as-of time

    def per_creator(self) -> list[Basis]:
        excluded = self._excluded_lists()
        return [
            Basis(
                coverage=self._coverage(i),
                snapshot_at=iso_utc(float(self.snapshot_at[i])),
                snapshot_source="given" if self.snapshot_given[i] else self.default_source,
                excluded_posts=excluded[i],
                as_of=None if self.as_of is None else as_of_summary(self.as_of, i),
            )
            for i in range(len(self.snapshot_at))
        ]

    def _coverage(self, i: int) -> dict[str, Any]:
        covered: dict[str, Any] = {name: bool(self.tables[name][i]) for name in COVERAGE_TABLES}
        counted = float(self.comments_counted[i])
        if self.comment_posts[i] == 0:
            covered["comment_events"], share = "none", None
        else:
            covered["comment_events"] = "partial" if self.partial_posts[i] else "complete"
            share = round(float(self.comments_held[i]) / counted, 4) if counted else None
        covered["comment_events_share"] = share
        return covered

    def _excluded_lists(self) -> list[list[dict[str, Any]]]:
        out: list[list[dict[str, Any]]] = [[] for _ in range(len(self.snapshot_at))]
        creators, rules = self.excluded_creator.tolist(), self.excluded_rule.tolist()
        for creator, rule, post_id in zip(
            creators, rules, self.excluded_post_id.to_pylist(), strict=True
        ):
            entries = out[creator]
            if not entries or entries[-1]["rule"] != EXCLUSION_RULES[rule][0]:
                code, reason = EXCLUSION_RULES[rule]
                if code == "too_recent" and self._cut_before_snapshot(creator):
                    reason = TOO_RECENT_AT_AS_OF
                entries.append({"rule": code, "reason": reason, "post_ids": []})
            entries[-1]["post_ids"].append(post_id)
        return out

    def _cut_before_snapshot(self, creator: int) -> bool:
        return self.as_of is not None and bool(self.as_of.at[creator] < self.snapshot_at[creator])


def feature_basis(ds: ColumnDataset, posts: Posts, events: Events | None) -> FeatureBasis:
    """What the features of every creator of ``ds`` rest on, from the tables they were read from."""
    n = posts.n
    tables = {"engagements": _any(None if events is None else posts.creator[events.sent > 0], n)}
    for name in ("follower_counts", "follower_samples"):
        table = getattr(ds, name)
        codes = None if table is None else lookup(table.text("creator_id"), posts.ids)
        tables[name] = _any(None if codes is None else codes[codes >= 0], n)
    with_events = np.zeros(len(posts.creator), dtype=bool) if events is None else events.sent > 0
    partial = np.zeros_like(with_events) if events is None else events.partial_comments
    held = 0.0 if events is None else np.minimum(events.comments_sent, posts.comments)
    creator = posts.creator
    codes, rules, post_ids = _excluded(posts, partial)
    return FeatureBasis(
        tables=tables,
        comment_posts=np.bincount(creator[with_events], minlength=n),
        partial_posts=np.bincount(creator[partial], minlength=n),
        comments_counted=np.bincount(creator, weights=posts.comments * with_events, minlength=n),
        comments_held=np.bincount(creator, weights=held * with_events, minlength=n),
        snapshot_at=posts.snapshots.at,
        snapshot_given=posts.snapshots.given,
        default_source=posts.snapshots.default_source,
        excluded_creator=codes,
        excluded_rule=rules,
        excluded_post_id=post_ids,
        as_of=ds.as_of,
    )


def _excluded(posts: Posts, partial: np.ndarray) -> tuple[np.ndarray, np.ndarray, pa.Array]:
    """Every (creator, rule, post) a rule left out, sorted by creator, then rule, then post time."""
    left_out = {
        "too_recent": ~posts.in_ratios,
        "comments_disabled": posts.in_ratios & ~posts.comments_on,
        "partial_comment_events": partial,
    }
    groups = [
        (rule, posts.creator[m], posts.post_id.filter(pa.array(m))) for rule, m in left_out.items()
    ]
    groups.append(("older", posts.older_creator, posts.older_post_id))
    creator = np.concatenate([codes for _, codes, _ in groups])
    rule = np.concatenate([np.full(len(codes), RULE_CODES[r]) for r, codes, _ in groups])
    post_id = pa.concat_arrays([ids.cast(pa.large_string()) for _, _, ids in groups])
    order = np.lexsort((rule, creator))  # stable: each rule's posts stay in time order
    return creator[order], rule[order].astype(np.int64), post_id.take(pa.array(order, pa.int64()))


def _any(codes: np.ndarray | None, n: int) -> np.ndarray:
    if codes is None:
        return np.zeros(n, dtype=bool)
    return np.bincount(codes, minlength=n) > 0
