"""The audit page's look: names, colours, figure sizes, the genuine band's layers, and the
small helpers every chart shares."""

from __future__ import annotations

import math
from collections.abc import Callable

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.ticker import MaxNLocator

from scoring.norms import Band, FeatureNorms
from scoring.reason_text import show
from scoring.scores import GENUINE

LABEL_NAMES = {
    "genuine": "Genuine",
    "fake_followers": "Fake followers",
    "engagement_pod": "Engagement pod",
    "bot_engagement": "Bot engagement",
}
TOP_ENGAGERS = 25
INDEX_ABOVE = 1  # more creators than this: an index at the top
INK, MUTED, FRAUD, GENUINE_GREEN = "#1d2430", "#8a94a6", "#b42318", "#067647"
LIKE_BLUE, COMMENT_ORANGE, BOTH_PURPLE = "#2e6fd8", "#e07b1a", "#7a3fb8"
FIGSIZE = (6.0, 3.3)
SPIKE_RATIO = 15  # a post this many times the band's top: log scale, or the band is a line
NO_ENGAGEMENTS = "No engagement events were sent for this creator"
TRAIT_NAMES = {
    "sample_no_pic_share": "no profile picture",
    "sample_no_posts_share": "no posts",
    "sample_mass_following_share": "following over 1,500 accounts",
    "sample_digit_username_share": "digit-heavy username",
    "sample_private_share": "private account",
    "sample_empty_bio_share": "empty bio",
    "sample_red_flag_share": "two or more red flags",
}
AUDIENCE_COLOURS = {
    "real": GENUINE_GREEN,
    "suspicious": FRAUD,
    "mass_follower": "#b7791f",
    "influencer": LIKE_BLUE,
}
# Minutes after posting, as the arrival charts label them.
DELAY_TICKS = {
    1: "1 min",
    5: "5",
    15: "15",
    60: "1 h",
    360: "6 h",
    1440: "1 d",
    4320: "3 d",
    10080: "7 d",
    43200: "30 d",
}
OUTER_ALPHA, INNER_ALPHA = 0.12, 0.3  # the genuine band: 10th-90th, 25th-75th percentile
# The genuine band's two layers, drawn alike on every chart: its quantiles, shade and label.
BAND_LAYERS = (
    ("p10", "p90", OUTER_ALPHA, "genuine p10–p90"),
    ("p25", "p75", INNER_ALPHA, "genuine p25–p75"),
)
STYLE = {"font.size": 9, "axes.titlesize": 10, "axes.spines.top": False, "axes.spines.right": False}


# --- small pieces -----------------------------------------------------------------------------


def genuine_band(norms: FeatureNorms | None, feature: str, followers: float) -> Band | None:
    return None if norms is None or math.isnan(followers) else norms.band(feature, followers)


def band_words(
    band: Band | None, norms: FeatureNorms | None, shown: Callable[[float], str], how: str = ""
) -> str:
    """The caption's sentence about the genuine band, values as ``shown`` gives them and ``how``
    says (or why there is no band)."""
    if norms is None:
        return "No genuine band: the model carries no genuine-creator norms."
    if band is None:
        return "No genuine band: too few genuine creators of this size in the training data."
    return (
        f"Genuine creators with {band.tier} followers ({band.n:,}){how}: median {shown(band.p50)}, "
        f"middle half {shown(band.p25)} to {shown(band.p75)}, 10th to 90th percentile "
        f"{shown(band.p10)} to {shown(band.p90)}."
    )


def shade_band(ax, band: Band, followers: float) -> None:
    for low, high, alpha, label in BAND_LAYERS:
        span = getattr(band, low) * followers, getattr(band, high) * followers
        ax.axhspan(*span, color=GENUINE_GREEN, alpha=alpha, lw=0, label=label)
    ax.axhline(band.p50 * followers, color=GENUINE_GREEN, lw=1, ls="--", label="genuine median")


def shown_value(feature: str, value: float | None) -> str:
    return "unknown" if value is None or math.isnan(value) else show(feature, value)


def percent(share: float) -> str:
    return f"{share:.0%}" if abs(share) >= 0.0095 or share == 0 else f"{share:.1%}"


def count_axis(axis, linear: bool = True) -> None:
    """Whole numbers with thousands separators (a count has no 2.5 tick)."""
    if linear:
        axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axis.set_minor_formatter(plt.NullFormatter())


def counted(count: float, things: str) -> str:
    """``1 like``, ``12 likes``: ``things`` is the plural."""
    shown = f"{count:,.0f}"
    return f"{shown} {things[:-1] if shown == '1' else things}"


def percent_axis(ax) -> None:
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))


def date_axis(ax) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    # The offset names the year only: "2026-Jun" under a months-long axis reads as a label.
    formatter = mdates.ConciseDateFormatter(locator, offset_formats=["", *["%Y"] * 5])
    ax.xaxis.set_major_formatter(formatter)


def naive_utc(times: pd.Series) -> pd.Series:
    """UTC timestamps without their zone, which matplotlib's date axis takes as they are."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None)


def side_of(label: str) -> str:
    return "genuine" if label == GENUINE else "fraud"


def label_name(label: str) -> str:
    return LABEL_NAMES.get(label, label)
