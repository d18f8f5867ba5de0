"""A reason in words: what the feature measures, its value, and what genuine creators of the same
size show (``scoring.norms``), e.g. "Likes per follower (median post) are 0.31: 3.1× what genuine
creators with 10K-100K followers get (typical 0.7-1.4×); this points to fraud."

The sentence never contradicts itself: a value within the genuine band is not called a sign of
fraud, nor one outside it a sign of a genuine account (unless it lies on the clean side of a
feature whose fraud signature is a high value); where the model's push goes against the band, the
sentence names the feature the model reads it together with (``scoring.scores`` leaves the reason
out when there is none). An unknown value says why it is unknown (the table was not sent, the
model lacks a scorer, too little was sent) and claims no push.

Batch files, the API and the audit page all take the text from :func:`reason_text`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from features.build import OPTIONAL_TABLE_FEATURES
from scoring.norms import Band

# How a feature's value is shown: a share as a percentage, a rate as a multiple of the genuine
# median, "log" features back on their natural scale.
SHARE, RATE, NUMBER, COUNT = "share", "rate", "number", "count"


@dataclass(frozen=True)
class Words:
    phrase: str  # what it measures, as the subject of "is"
    kind: str = NUMBER
    unlog: str | None = None  # "expm1" or "exp": the feature is a log, shown undone
    suffix: str = ""
    # A sentence with the value in it, where "<phrase> is <value>" reads badly.
    template: str | None = None
    # Said after "this points to fraud" where the evidence is weak for some kinds of creator
    # that the data does not name (a niche): the reader compares with creators of that kind.
    caveat: str | None = None


FEATURE_WORDS: dict[str, Words] = {
    "likes_per_follower_mean": Words("likes per follower (mean post)", RATE),
    "likes_per_follower_median": Words("likes per follower (median post)", RATE),
    "likes_cv": Words("the post-to-post variation of likes (CV)"),
    "likes_max_to_median": Words("the best post's likes against the median post's"),
    "comments_per_follower_mean": Words("comments per follower (mean post)", RATE),
    "comments_per_follower_median": Words("comments per follower (median post)", RATE),
    "comments_cv": Words("the post-to-post variation of comments (CV)"),
    "comments_per_like_pooled": Words("comments per like", RATE),
    "comments_per_like_median": Words("comments per like (median post)", RATE),
    "engagement_rate_log_ratio": Words(
        "the engagement rate against the usual for this size",
        unlog="exp",
        suffix="×",
    ),
    "comments_disabled_share": Words("the share of posts with comments turned off", SHARE),
    "post_count": Words("the number of recent posts", COUNT),
    "log_followers": Words("the follower count", COUNT, unlog="expm1"),
    "following_per_follower": Words("accounts followed per follower", RATE),
    "like_share_within_5m": Words("the share of likes arriving within 5 minutes of posting", SHARE),
    "like_share_within_15m": Words("the share of likes arriving within 15 minutes", SHARE),
    "like_share_within_60m": Words("the share of likes arriving within the first hour", SHARE),
    "comment_share_within_5m": Words("the share of comments arriving within 5 minutes", SHARE),
    "comment_share_within_15m": Words("the share of comments arriving within 15 minutes", SHARE),
    "comment_share_within_60m": Words("the share of comments within the first hour", SHARE),
    "burstiness_mean": Words("the burstiness of engagement arrivals (-1 regular, 1 bursty)"),
    "peak_minute_share_mean": Words("the share of engagement in a post's busiest minute", SHARE),
    "peak_minute_log_delay_median": Words(
        "the busiest minute's delay after posting", unlog="expm1", suffix=" min"
    ),
    "late_burst_share": Words("the share of engagement in dense bursts hours later", SHARE),
    "posting_gap_cv": Words("the irregularity of the gaps between posts (CV)"),
    "posting_hour_entropy": Words("the spread of posting hours (1 = evenly spread)"),
    "posting_top_minute_share": Words("the share of posts at the same minute of the hour", SHARE),
    "posting_window_share": Words("the share of posts in the day's busiest 30-minute slot", SHARE),
    "posting_window_like_lift": Words(
        "likes of posts in the day's busiest posting slot against the others'",
        unlog="exp",
        suffix="×",
    ),
    "posting_window_comment_lift": Words(
        "comments per like of posts in the day's busiest posting slot against the others'",
        unlog="exp",
        suffix="×",
    ),
    "recurring_actor_event_share": Words(
        "the share of engagement from accounts that engage on most posts", SHARE
    ),
    "recurring_share_first_hour": Words(
        "the share of first-hour engagement from those recurring accounts", SHARE
    ),
    "recurring_share_after_first_hour": Words(
        "the share of later engagement from those recurring accounts", SHARE
    ),
    "commenter_overlap_consecutive": Words(
        "the share of a post's commenters who also commented on the previous post", SHARE
    ),
    "distinct_actors_per_event": Words("distinct accounts per engagement event"),
    "duplicate_comment_share": Words("the share of comments repeating another comment", SHARE),
    "generic_comment_share": Words("the share of generic comments (stock praise, emoji)", SHARE),
    "comment_words_mean": Words("the mean comment length", suffix=" words"),
    "comment_spam_share": Words(
        "the share of comments that look like spam or promotions",
        SHARE,
        template="{value} of comments look like spam or promotions",
        # ScamSpot's genuine finance and crypto accounts: 38% of their labelled comments are
        # scams posted by others. The data has no niche to compare with, so the reason says it.
        caveat="though genuine finance, crypto and giveaway creators draw spam from others: "
        "compare with creators of that kind",
    ),
    "comment_spam_mean": Words(
        "the comment model's mean spam probability",
        SHARE,
        template="Comments read as spam with {value} probability on average",
    ),
    "log_follower_following_ratio": Words("followers per account followed", unlog="exp"),
    "media_count": Words("the number of posts on the profile", COUNT),
    "follower_jump_48h_rel": Words("the largest 48-hour follower jump", SHARE),
    "follower_jump_48h_abs": Words("the largest 48-hour follower jump", COUNT, suffix=" followers"),
    "follower_growth_log_per_30d": Words(
        "follower growth per 30 days", unlog="exp", suffix="× per 30 days"
    ),
    "follower_growth_curvature": Words("the curvature of follower growth"),
    "follower_growth_residual_sd": Words("the unevenness of follower growth"),
    "follower_drop_after_jump": Words("the share of a jump lost again soon after", SHARE),
    "likes_after_jump_ratio": Words("likes after the follower jump against before it", suffix="×"),
    "sample_size": Words("the number of sampled followers", COUNT),
    "sample_no_pic_share": Words("the share of sampled followers without a profile picture", SHARE),
    "sample_no_posts_share": Words("the share of sampled followers with no posts", SHARE),
    "sample_mass_following_share": Words(
        "the share of sampled followers following thousands of accounts", SHARE
    ),
    "sample_digit_username_share": Words(
        "the share of sampled followers with digit-heavy usernames", SHARE
    ),
    "sample_private_share": Words("the share of private accounts among sampled followers", SHARE),
    "sample_empty_bio_share": Words("the share of sampled followers with an empty bio", SHARE),
    "sample_log_followers_median": Words(
        "the median sampled follower's own follower count", COUNT, unlog="expm1"
    ),
    "sample_red_flag_share": Words(
        "the share of sampled followers with two or more red flags", SHARE
    ),
    "sample_fake_share": Words("the share of sampled followers that look fake", SHARE),
    "sample_fake_share_ci95": Words("the uncertainty of the fake-follower share (±)", SHARE),
    "sample_influencer_share": Words("the share of influencers among sampled followers", SHARE),
}
# Features whose fraud signature is a high value (bought, pod and bot engagement as the feature
# families describe it): below the genuine band is cleaner than typical, not unusual.
HIGHER_IS_SUSPICIOUS: frozenset[str] = frozenset(
    {
        *(f"{kind}_share_within_{m}m" for kind in ("like", "comment") for m in (5, 15, 60)),
        "peak_minute_share_mean",
        "late_burst_share",
        "recurring_share_first_hour",
        "commenter_overlap_consecutive",
        "duplicate_comment_share",
        "generic_comment_share",
        "comment_spam_share",
        "comment_spam_mean",
        "follower_jump_48h_rel",
        "follower_jump_48h_abs",
        "follower_drop_after_jump",
        "sample_no_pic_share",
        "sample_no_posts_share",
        "sample_mass_following_share",
        "sample_digit_username_share",
        "sample_empty_bio_share",
        "sample_red_flag_share",
        "sample_fake_share",
    }
)
# The optional table each feature comes from, and what to say when it was not sent.
TABLE_OF = {f: table for table, names in OPTIONAL_TABLE_FEATURES.items() for f in names}
NOT_SENT = {
    "engagements": "no engagement events were sent on the posts the model reads",
    "follower_counts": "no follower-count history was sent",
    "follower_samples": "no follower sample was sent",
}
# Why a feature is unknown although its table was sent (by name prefix; first match).
TOO_LITTLE = {
    "duplicate_comment": "no comment texts were sent",
    "generic_comment": "no comment texts were sent",
    "comment_words": "no comment texts were sent",
    "comment_spam": "no comment texts were sent",
    "comment_share": "no comments were among the engagement events sent",
    "follower_jump": "no two follower-count readings lie within 48 hours of each other",
    "follower_growth": "the follower-count history has too few readings",
    "follower_drop": "there is no follower jump (a 5% rise within 48 hours) with readings after it",
    "likes_after_jump": "there is no follower jump with posts before and after it",
    "sample_no_pic": "the follower sample does not say which followers have a profile picture",
    "sample_private": "the follower sample does not say which followers are private",
    "sample_empty_bio": "the follower sample does not give the followers' bio lengths",
    "sample_digit_username": "the follower sample does not give the followers' usernames",
    "sample_": "the follower sample does not give what it needs",
    "posting_": "there are too few posts to tell",
}
TOO_LITTLE_OF_TABLE = {
    "engagements": "the engagement events sent are too few to measure it",
    "follower_counts": "the follower-count history has too few readings",
    "follower_samples": "the follower sample does not give what it needs",
    None: "there are too few posts to measure it",
}


def words(feature: str) -> Words:
    return FEATURE_WORDS.get(feature) or Words(feature.replace("_", " "))


def unknown_because(feature: str, sent: bool | None, missing_model: str | None = None) -> str:
    """Why ``feature`` has no value for a creator: its table was not sent (``sent`` False), the
    model lacks the scorer that computes it (``missing_model``, its registered name), or what
    was sent is too little. ``sent`` None: not known whether the table was sent."""
    table = TABLE_OF.get(feature)
    if table is not None and sent is False:
        return NOT_SENT[table]
    if missing_model is not None:
        return f"the model has no {missing_model} model"
    if table is not None and sent is None:
        return f"{NOT_SENT[table]}, or too little to measure it"
    return next(
        (text for prefix, text in TOO_LITTLE.items() if feature.startswith(prefix)),
        TOO_LITTLE_OF_TABLE[table],
    )


@dataclass(frozen=True)
class Partner:
    """A feature the model reads together with a reason's (they share the creator's decision
    paths), pushing the same way: what drives a push the band alone does not explain."""

    feature: str
    value: float


def reason_text(
    feature: str,
    value: float | None,
    contribution: float,
    band: Band | None,
    because: str | None = None,
    partner: Partner | None = None,
) -> str:
    """One sentence: the evidence, how it compares with genuine creators of the size, its push.

    An unknown value says why (``because``: :func:`unknown_because`) and claims no push: an
    absent table is no evidence. A known value whose push goes against its band
    (:func:`agrees_with_band` false) names the ``partner`` that drives it instead.
    """
    w = words(feature)
    if value is None or math.isnan(value):
        why = f": {because}, so the score could not check it" if because else ""
        return f"{_capital(w.phrase)} is unknown{why}."
    shown = show(feature, value)
    sentence = _capital(w.template.format(value=shown) if w.template else f"{w.phrase} is {shown}")
    if band is not None:
        sentence += _comparison(feature, value, band)
    push = "points to fraud" if contribution > 0 else "points to a genuine account"
    if contribution > 0 and w.caveat:
        push += f", {w.caveat}"
    if partner is None:
        return f"{sentence}; this {push}."
    alone = "typical" if band_side(value, band) == "within" else "unusual"
    return (
        f"{sentence}; {alone} on its own, the model reads it together with "
        f"{words(partner.feature).phrase} ({show(partner.feature, partner.value)}), which {push}."
    )


def band_side(value: float, band: Band | None) -> str:
    """Where a value lies against the genuine band (25th to 75th percentile): "within", "above"
    or "below" ("within" without a band: nothing to set it against)."""
    if band is None or band.p25 <= value <= band.p75:
        return "within"
    return "above" if value > band.p75 else "below"


def agrees_with_band(feature: str, value: float, contribution: float, band: Band | None) -> bool:
    """Whether a push reads true beside the band: a value typical of genuine creators is no sign
    of fraud, and one unusual for them no sign of a genuine account, unless it is unusual on the
    clean side of a feature whose fraud signature is a high value."""
    if band is None:
        return True
    side = band_side(value, band)
    if side == "within":
        return contribution <= 0
    return contribution > 0 or (side == "below" and feature in HIGHER_IS_SUSPICIOUS)


def show(feature: str, value: float) -> str:
    """A feature value as a reader takes it: 12%, 0.031, 4,200 followers, 2.1×."""
    w = words(feature)
    shown = _undo_log(w.unlog, value)
    if w.kind == SHARE:
        text = f"{shown:.0%}" if abs(shown) >= 0.01 or shown == 0 else f"{shown:.1%}"
    elif w.kind == COUNT:
        text = f"{shown:,.0f}"
    else:
        text = _significant(shown)
    return text + w.suffix


def _comparison(feature: str, value: float, band: Band) -> str:
    w = words(feature)
    who = f"genuine creators with {band.tier} followers"
    if w.kind == RATE and band.p50 > 0 and value >= 0:
        low, high = band.p25 / band.p50, band.p75 / band.p50
        return (
            f": {value / band.p50:.1f}× what {who} get (typical {low:.1f}-{high:.1f}× their median)"
        )
    low, high = show(feature, band.p25), show(feature, band.p75)
    where = band_side(value, band)
    if where == "within" and low == high:
        where = "at"
    typical = f"the typical {low}" if low == high else f"the {low} to {high} typical"
    return f", {where} {typical} of {who}"


def _undo_log(unlog: str | None, value: float) -> float:
    if unlog == "expm1":
        return math.expm1(min(value, 700.0))
    if unlog == "exp":
        return math.exp(min(value, 700.0))
    return value


def _significant(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    return f"{value:.2g}" if abs(value) < 1 else f"{value:.3g}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]
