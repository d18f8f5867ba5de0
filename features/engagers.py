"""Who engages: recurring accounts, commenter overlap and comment text.

Pods are a fixed set of accounts that engage on nearly every post within the first hour; loyal fans
also recur but at any time. Bots and bought comments are short, generic and repeated.
All measures are shares and rates, never counts: engagements may hold only a sample of the likes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.dataset.columnar import ColumnTable
from features import _groups as g
from features._tables import (
    Columns,
    Events,
    Posts,
    subset,
)

RECURRING_MIN_POSTS = 2
RECURRING_MIN_SHARE = 0.5  # of the creator's posts that have any engagement events
FIRST_HOUR = 3_600.0
GENERIC_MAX_WORDS = 2

# Normalised (lowercase, punctuation and emoji removed) comments that say nothing about the post.
# Anything of at most two words is generic already; these are the longer stock phrases.
GENERIC_COMMENTS: frozenset[str] = frozenset(
    {
        "nice",
        "great post",
        "love it",
        "love this",
        "so cool",
        "amazing",
        "awesome",
        "wow",
        "beautiful",
        "love this so much",
        "this is amazing",
        "this is awesome",
        "so beautiful wow",
        "great pic",
        "nice pic",
        "nice shot",
        "keep it up",
        "keep up the good work",
        "great content",
        "great job",
        "love your feed",
        "love your content",
        "check my page",
        "check out my page",
        "dm for collab",
        "dm us for collab",
        "follow me",
        "follow back",
        "great shot",
        "so pretty",
    }
)

ENGAGER_COLUMNS: tuple[str, ...] = (
    "recurring_actor_event_share",
    "recurring_share_first_hour",
    "recurring_share_after_first_hour",
    "commenter_overlap_consecutive",
    "distinct_actors_per_event",
    "duplicate_comment_share",
    "generic_comment_share",
    "comment_words_mean",
    "comment_spam_share",
    "comment_spam_mean",
)
COMMENT_MODEL_COLUMNS: tuple[str, ...] = ("comment_spam_share", "comment_spam_mean")


class CommentScorer(Protocol):
    """The comment model (``scoring.comment_model``): p_spam per text, and its cut-off."""

    threshold: float

    def p_spam(self, texts: Sequence[str]) -> np.ndarray: ...


def actor_codes(engagements: ColumnTable | None) -> np.ndarray | None:
    """Integer code per engagement row for its actor (-1 when missing).

    Hashing millions of ids is the costliest step of the feature path and needs no other input,
    so ``build_features`` runs it alongside the other families.
    """
    if engagements is None:
        return None
    # Arrow's hash kernel: as fast as pandas' alone, and it overlaps better with other threads.
    encoded = pc.dictionary_encode(engagements.text("actor_id"))
    return encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def engager_from(
    p: Posts,
    e: Events | None,
    engagements: ColumnTable | None,
    actors: np.ndarray | None = None,
    comments: CommentScorer | None = None,
) -> Columns:
    """Engager features from prepared tables; ``actors`` from ``actor_codes`` if at hand.
    Without a comment model the comment-spam features are missing."""
    if e is None or engagements is None:
        return {name: np.full(p.n, np.nan) for name in ENGAGER_COLUMNS}
    actors = actor_codes(engagements) if actors is None else actors
    actor = actors[e.rows]
    known = actor >= 0
    columns = _recurring(p, subset(e, known), actor[known])
    comment_events = subset(e, e.comment)
    commented = known[e.comment]
    columns["commenter_overlap_consecutive"] = _commenter_overlap(
        p, subset(comment_events, commented), actor[e.comment][commented]
    )
    columns |= _comment_text(p, comment_events, engagements, comments)
    return {name: columns[name] for name in ENGAGER_COLUMNS}


def _recurring(p: Posts, e: Events, actor: np.ndarray) -> dict[str, np.ndarray]:
    """Shares of events from accounts that engaged on most of the creator's posts.

    One sort by (actor, post) does it: posts are numbered creator-major, so each (actor,
    creator) pair is one run ("fan") and its distinct posts are the (actor, post) runs in it.
    """
    n_posts = len(p.creator)
    key = actor * n_posts + e.post
    order = np.argsort(key)
    key = key[order]
    creator = e.creator[order]
    starts = g.run_starts(key // n_posts, creator)
    fan_creator = creator[starts]
    posts_engaged = g.run_sums(g.run_start_flags(key), starts)
    active_posts = g.count(p.creator, p.n, np.bincount(e.post, minlength=n_posts) > 0)
    recurring = (posts_engaged >= RECURRING_MIN_POSTS) & (
        posts_engaged >= RECURRING_MIN_SHARE * active_posts[fan_creator]
    )
    events = g.run_lengths(starts, len(key))
    early = e.delay <= FIRST_HOUR
    early_events = g.run_sums(early[order], starts)
    from_recurring = {
        "all": g.total(fan_creator, recurring * events, p.n),
        "early": g.total(fan_creator, recurring * early_events, p.n),
        "late": g.total(fan_creator, recurring * (events - early_events), p.n),
    }
    n_early = g.count(e.creator, p.n, early)
    n_all = g.count(e.creator, p.n)
    return {
        "recurring_actor_event_share": g.ratio(from_recurring["all"], n_all),
        "recurring_share_first_hour": g.ratio(from_recurring["early"], n_early),
        "recurring_share_after_first_hour": g.ratio(from_recurring["late"], n_all - n_early),
        "distinct_actors_per_event": g.ratio(g.count(fan_creator, p.n), n_all),
    }


def _commenter_overlap(p: Posts, e: Events, actor: np.ndarray) -> np.ndarray:
    """Mean share of a post's commenters who also commented on the creator's previous post.

    "Previous" is the creator's previous post that has comments, so a post with comments turned
    off does not break the chain.
    """
    n_actors = int(actor.max(initial=0)) + 1
    pairs = g.unique_sorted(e.post * n_actors + actor)
    post, commenter = pairs // n_actors, pairs % n_actors
    commented = post[g.run_start_flags(post)]
    commented = commented[np.lexsort((p.posted[commented], p.creator[commented]))]
    same = p.creator[commented][1:] == p.creator[commented][:-1]
    previous = np.full(len(p.creator), -1)
    previous[commented[1:][same]] = commented[:-1][same]
    has_previous = previous[post] >= 0
    post, commenter = post[has_previous], commenter[has_previous]
    probe = previous[post] * n_actors + commenter
    at = np.minimum(np.searchsorted(pairs, probe), len(pairs) - 1)
    also = pairs[at] == probe
    overlap = g.ratio(
        np.bincount(post, weights=also, minlength=len(p.creator)),
        np.bincount(post, minlength=len(p.creator)),
    )
    shown = post[g.run_start_flags(post)]
    return g.mean(p.creator[shown], overlap[shown], p.n)


def _comment_text(
    p: Posts, e: Events, engagements: ColumnTable, comments: CommentScorer | None
) -> dict[str, np.ndarray]:
    """Duplicate, generic and spam comment shares, mean length and p_spam; over comments that
    have text.

    Comments repeat a lot, so the text work (the comment model's too) runs once per distinct
    text and is mapped back.
    """
    if "text" not in engagements:
        return {name: np.full(p.n, np.nan) for name in _TEXT_COLUMNS}
    text = engagements.text("text").take(pa.array(e.rows))
    has_text = text.is_valid().to_numpy(zero_copy_only=False)
    code = e.creator[has_text]
    encoded = pc.dictionary_encode(text.filter(pa.array(has_text)))
    which = np.asarray(encoded.indices, dtype=np.int64)
    distinct = _normalise(encoded.dictionary)
    words = _word_counts(distinct)
    same_text = np.asarray(pc.dictionary_encode(distinct).indices, dtype=np.int64)[which]
    return {
        "duplicate_comment_share": g.share(code, _repeated(code, same_text), p.n),
        "generic_comment_share": g.share(code, _generic(distinct, words)[which], p.n),
        "comment_words_mean": g.mean(code, words[which].astype(np.float64), p.n),
        **_comment_spam(p, code, which, encoded.dictionary, comments),
    }


_TEXT_COLUMNS = (
    "duplicate_comment_share",
    "generic_comment_share",
    "comment_words_mean",
    *COMMENT_MODEL_COLUMNS,
)


def _comment_spam(
    p: Posts,
    code: np.ndarray,
    which: np.ndarray,
    distinct: pa.Array,
    comments: CommentScorer | None,
) -> dict[str, np.ndarray]:
    """Share of a creator's comments the comment model calls spam, and their mean p_spam."""
    if comments is None:
        return {name: np.full(p.n, np.nan) for name in COMMENT_MODEL_COLUMNS}
    p_spam = np.asarray(comments.p_spam(distinct.to_pylist()), dtype=np.float64)[which]
    return {
        "comment_spam_share": g.share(code, p_spam >= comments.threshold, p.n),
        "comment_spam_mean": g.mean(code, p_spam, p.n),
    }


def _normalise(text: pa.Array) -> pa.Array:
    """Lowercase, whitespace runs collapsed to one space, trimmed."""
    collapsed = pc.replace_substring_regex(pc.utf8_lower(text), r"\s+", " ")
    return pc.utf8_trim_whitespace(collapsed)


def _word_counts(text: pa.Array) -> np.ndarray:
    """Words in normalised text: single spaces separate them, so spaces + 1 unless empty."""
    spaces = pc.count_substring(text, " ").to_numpy(zero_copy_only=False)
    empty = pc.equal(pc.utf8_length(text), 0).to_numpy(zero_copy_only=False)
    return np.where(empty, 0, spaces + 1)


def _repeated(code: np.ndarray, text_code: np.ndarray) -> np.ndarray:
    """Whether each comment's (normalised) text occurs again among its creator's comments."""
    _, inverse, counts = np.unique(
        code * (int(text_code.max(initial=0)) + 1) + text_code,
        return_inverse=True,
        return_counts=True,
    )
    return counts[inverse] > 1


def _generic(text: pa.Array, words: np.ndarray) -> np.ndarray:
    """≤ 2 words, no letters or digits at all (emoji, punctuation), or a stock phrase.

    Python's ``re`` on the distinct longer texts: pyarrow recompiles a Unicode regex on every
    call (~0.8 ms each), which dominated the features of a single API request.
    """
    generic = words <= GENERIC_MAX_WORDS
    longer = np.flatnonzero(~generic)  # the regexes only run where the word count did not decide
    for i, value in zip(longer, text.take(pa.array(longer)).to_pylist(), strict=True):
        bare = " ".join(_NOT_LETTER_OR_DIGIT.sub("", value).split())
        generic[i] = _LETTER_OR_DIGIT.search(value) is None or bare in GENERIC_COMMENTS
    return generic


_LETTER_OR_DIGIT = re.compile(r"[^\W_]")  # \w is Unicode letters, digits and "_"
_NOT_LETTER_OR_DIGIT = re.compile(r"[^\w\s]|_")
