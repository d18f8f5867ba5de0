"""Charts of the posts: likes and comments per post, follower growth and its jumps, and how
fast engagement arrives after posting, each against genuine creators of the same size."""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from evaluation.audit.evidence import Evidence
from evaluation.audit.style import (
    BAND_LAYERS,
    DELAY_TICKS,
    FIGSIZE,
    FRAUD,
    GENUINE_GREEN,
    INK,
    MUTED,
    NO_ENGAGEMENTS,
    SPIKE_RATIO,
    STYLE,
    band_words,
    count_axis,
    counted,
    date_axis,
    genuine_band,
    naive_utc,
    shade_band,
    shown_value,
)
from evaluation.html import (
    figure,
    fmt,
    note,
)
from features.audience import JUMP_MIN_RISE, JUMP_WINDOW
from features.timing import WITHIN_MINUTES
from scoring.norms import Band, FeatureNorms
from scoring.reason_text import show

# --- likes and comments per post --------------------------------------------------------------


def engagement_section(ev: Evidence, norms: FeatureNorms | None) -> str:
    if ev.posts is None:
        return note("No posts were sent for this creator.")
    charts = [
        _per_post_chart(ev, "likes", "likes_per_follower_median", norms),
        _per_post_chart(ev, "comments", "comments_per_follower_median", norms),
    ]
    return f'<div class="grid">{"".join(charts)}</div>'


def _per_post_chart(ev: Evidence, column: str, feature: str, norms: FeatureNorms | None) -> str:
    posts = ev.posts
    if column == "comments" and "comments_disabled" in posts.columns:
        posts = posts.loc[posts["comments_disabled"] != 1.0]  # 0 by construction, not by choice
    band = genuine_band(norms, feature, ev.followers)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=FIGSIZE)
        if band is not None:
            shade_band(ax, band, ev.followers)
        older, read = posts.loc[~posts["read"]], posts.loc[posts["read"]]
        when = naive_utc(older["posted_at"])
        ax.plot(when, older[column], "o", mfc="none", color=MUTED, ms=4, label="older posts")
        when = naive_utc(read["posted_at"])
        ax.plot(when, read[column], "o-", color=INK, ms=4, lw=1, label="posts the model reads")
        _scale_for(ax, posts[column].to_numpy(dtype=float), band, ev.followers)
        ax.set(title=f"{column.capitalize()} per post", xlabel="posted (UTC)", ylabel=column)
        date_axis(ax)
        legend_below(ax)
    return figure(
        fig,
        f"{column} per post against genuine creators of this size",
        _per_post_caption(ev, column, feature, band, norms),
    )


def _per_post_caption(
    ev: Evidence, column: str, feature: str, band: Band | None, norms: FeatureNorms | None
) -> str:
    rate = ev.features.get(feature, math.nan)
    median = (
        "unknown"
        if math.isnan(rate)
        else f"{counted(rate * ev.followers, column)} ({show(feature, rate)} per follower)"
    )

    def in_counts(rate: float) -> str:  # the band at this creator's size; small ones keep a decimal
        count = rate * ev.followers
        return f"{count:,.0f}" if count >= 10 else f"{count:.1f}"

    scaled = f", scaled to this creator's {fmt(int(ev.followers))} followers"
    return f"Median post the model reads: {median}. " + band_words(band, norms, in_counts, scaled)


def _scale_for(ax, values: np.ndarray, band: Band | None, followers: float) -> None:
    """Linear from 0, unless a few posts dwarf the rest and the band (bought likes next to
    normal posts): then symmetric-log, which keeps both readable and still shows posts with 0."""
    values = values[np.isfinite(values)]
    if len(values) == 0:
        return
    reference = band.p90 * followers if band else float(np.median(values))
    top = max(float(values.max()), reference)
    if reference > 0 and values.max() > SPIKE_RATIO * reference:
        ax.set_yscale("symlog", linthresh=max(1.0, reference / 10))
        ax.set_ylim(bottom=0, top=top * 1.5)
    else:
        ax.set_ylim(bottom=0, top=top * 1.08 or 1)
    count_axis(ax.yaxis, linear=ax.get_yscale() == "linear")


def legend_below(ax) -> None:
    """The legend under the axes, where it covers no point."""
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=3, frameon=False)


# --- follower growth --------------------------------------------------------------------------


@dataclass(frozen=True)
class Jump:
    start: pd.Timestamp
    peak: pd.Timestamp
    rise: float  # relative to the start reading
    gained: float  # followers


def follower_jumps(counts: pd.DataFrame) -> list[Jump]:
    """The rises the growth features call jumps (at least ``JUMP_MIN_RISE`` from one reading to a
    later one within ``JUMP_WINDOW``), largest first, none overlapping another."""
    at = counts["at"].to_numpy()
    seconds = (counts["at"] - counts["at"].iloc[0]).dt.total_seconds().to_numpy()
    level = counts["followers"].to_numpy(dtype=float)
    found = []
    for i in range(len(level)):
        window = np.flatnonzero((seconds > seconds[i]) & (seconds <= seconds[i] + JUMP_WINDOW))
        if len(window) == 0:
            continue
        peak = window[np.argmax(level[window])]
        rise = (level[peak] - level[i]) / max(level[i], 1.0)
        if rise >= JUMP_MIN_RISE:
            found.append((rise, i, peak))
    chosen: list[tuple[float, int, int]] = []
    for rise, i, peak in sorted(found, key=lambda f: -f[0]):
        if all(peak < j or i > k for _, j, k in chosen):
            chosen.append((rise, i, peak))
    return [
        Jump(pd.Timestamp(at[i]), pd.Timestamp(at[k]), rise, level[k] - level[i])
        for rise, i, k in chosen
    ]


def growth_section(ev: Evidence, norms: FeatureNorms | None) -> str:
    if ev.counts is None:
        return note("No follower-count history was sent for this creator.")
    jumps = follower_jumps(ev.counts)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9.6, 3.0))
        ax.plot(naive_utc(ev.counts["at"]), ev.counts["followers"], "-", color=INK, lw=1.4)
        ax.plot(naive_utc(ev.counts["at"]), ev.counts["followers"], ".", color=INK, ms=3)
        for n, jump in enumerate(jumps):
            _mark_jump(ax, ev.counts, jump, largest=n == 0)
        ax.set(title="Followers", xlabel="reading (UTC)", ylabel="followers")
        count_axis(ax.yaxis)
        date_axis(ax)
    return figure(
        fig, "follower count over time with jumps marked", _growth_caption(ev, jumps, norms)
    )


def _mark_jump(ax, counts: pd.DataFrame, jump: Jump, largest: bool) -> None:
    """Shade the jump's window, draw its readings red and label the rise."""
    inside = counts.loc[counts["at"].between(jump.start, jump.peak)]
    start, peak = naive_utc(pd.Series([jump.start, jump.peak]))
    ax.axvspan(start, peak, color=FRAUD, alpha=0.15, lw=0)
    ax.plot(naive_utc(inside["at"]), inside["followers"], "-", color=FRAUD, lw=3)
    label = f"+{jump.rise:.0%}" + (" (largest)" if largest else "")
    top = float(inside["followers"].iloc[-1])  # the peak: the window's last reading
    ax.annotate(label, (peak, top), xytext=(4, 4), textcoords="offset points", color=FRAUD)


def _growth_caption(ev: Evidence, jumps: list[Jump], norms: FeatureNorms | None) -> str:
    rule = (
        f"Marked red: rises of at least {JUMP_MIN_RISE:.0%} within "
        f"{JUMP_WINDOW / 3600:.0f} hours, the rule the growth features use."
    )
    if not jumps:
        found = " None found."
    else:
        top = jumps[0]
        hours = (top.peak - top.start).total_seconds() / 3600
        found = (
            f" {len(jumps)} found; the largest +{top.rise:.0%} (+{top.gained:,.0f} followers) in "
            f"{hours:.0f} hours from {top.start:%Y-%m-%d}."
        )
    band = genuine_band(norms, "follower_jump_48h_rel", ev.followers)
    typical = (
        f" Genuine creators with {band.tier} followers: largest 48-hour rise typically "
        f"{band.p25:.1%} to {band.p75:.1%}, 90th percentile {band.p90:.1%}."
        if band
        else ""
    )
    return rule + found + typical


# --- engagement arrival -----------------------------------------------------------------------


def arrival_section(ev: Evidence, norms: FeatureNorms | None) -> str:
    if ev.events is None:
        return note(f"{NO_ENGAGEMENTS}, so how fast engagement arrives cannot be shown.")
    events = ev.events.loc[ev.events["in_ratios"]]
    charts = [_arrival_chart(ev, events, kind, norms) for kind in ("like", "comment")]
    return f'<div class="grid">{"".join(charts)}</div>' + note(
        "Black: the cumulative share of the creator's events that had arrived by each delay "
        "after posting (posts younger than a day left out, as in the features). Green: genuine "
        "creators of this size at 5, 15 and 60 minutes (dashed the median, shaded the 25th to "
        "75th and 10th to 90th percentiles)."
    )


def _arrival_chart(
    ev: Evidence, events: pd.DataFrame, kind: str, norms: FeatureNorms | None
) -> str:
    delays = np.sort(events.loc[events["kind"] == kind, "delay_minutes"].to_numpy(dtype=float))
    if len(delays) == 0:
        return note(f"No {kind} events were sent on the posts the model reads.")
    bands = {
        m: genuine_band(norms, f"{kind}_share_within_{m}m", ev.followers) for m in WITHIN_MINUTES
    }
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=FIGSIZE)
        share = np.arange(1, len(delays) + 1) / len(delays)
        minutes = np.maximum(delays, 0.5)  # on a log axis; "at once" sits at the left edge
        ax.step(
            minutes,
            share,
            where="post",
            color=INK,
            lw=1.6,
            label=f"this creator ({len(delays):,} {kind}s)",
        )
        _genuine_points(ax, bands)
        ax.set_ylim(0, 1.02)
        _delay_axis(ax, float(minutes.max()))
        ax.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
        ax.grid(axis="x", color="#e3e7ee", lw=0.8)
        ax.set(
            title=f"{kind.capitalize()}s arriving after posting",
            xlabel="time after posting (log scale)",
            ylabel=f"share of {kind}s",
        )
        legend_below(ax)
    names = {m: f"{kind}_share_within_{m}m" for m in WITHIN_MINUTES}
    values = ", ".join(f"{m} min {shown_value(f, ev.features.get(f))}" for m, f in names.items())
    return figure(fig, f"{kind} arrival against genuine creators", f"Within {values}.")


def _delay_axis(ax, longest: float) -> None:
    """Minutes after posting on a log axis, labelled in minutes, hours and days."""
    ax.set_xscale("log")
    right = max(longest * 1.1, 24 * 60)
    ax.set_xlim(0.5, right)
    ticks = {m: t for m, t in DELAY_TICKS.items() if m <= right}
    ax.set_xticks(list(ticks), list(ticks.values()))
    ax.xaxis.set_minor_locator(plt.NullLocator())


def _genuine_points(ax, bands: dict[int, Band | None]) -> None:
    """The genuine curve where the norms know it: at 5, 15 and 60 minutes, joined."""
    known = {m: b for m, b in bands.items() if b is not None}
    if not known:
        return
    x = list(known)
    b = list(known.values())
    for low, high, alpha, label in BAND_LAYERS:
        lows, highs = [getattr(q, low) for q in b], [getattr(q, high) for q in b]
        ax.fill_between(x, lows, highs, color=GENUINE_GREEN, alpha=alpha, lw=0, label=label)
    ax.plot(x, [q.p50 for q in b], "o--", color=GENUINE_GREEN, ms=4, lw=1, label="genuine median")
