"""The creator audit page (``creator-audit explain``): what a brand checks before paying a creator.

One self-contained, printable HTML file. Per creator: the verdict and the data it rests on, the
reasons in words, and the evidence drawn against what genuine creators of the same size show (the
model's ``norms``): likes and comments per post, the follower-count history with its jumps, how
fast engagement arrives after posting, the accounts that engage again and again, and who the
sampled followers are.

Scores come from the project's one scoring path (``scoring.scores``), run on the requested
creators only. The charts read the posts the features read (each creator's most recent ones), so
what is drawn is what the model saw.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

from creator_audit.dataset import Dataset
from creator_audit.dataset.columnar import columnar
from features import feature_matrix
from features._tables import Posts, prepare_posts
from features.accounts import AUDIENCE_TYPES
from features.audience import JUMP_MIN_RISE, JUMP_WINDOW
from features.engagers import RECURRING_MIN_POSTS, RECURRING_MIN_SHARE
from features.timing import WITHIN_MINUTES
from scoring.account_model import AccountModel
from scoring.missing_models import missing_models
from scoring.model import CreatorFraudModel
from scoring.norms import Band, FeatureNorms
from scoring.reason_text import show
from scoring.scores import GENUINE, Score, score_feature_matrix
from training.html import (
    anchor_id,
    esc,
    figure,
    fmt,
    missing_models_note,
    note,
    page,
    table,
    write_page,
)

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


# --- which creators ---------------------------------------------------------------------------


def read_creator_ids(path: Path) -> list[str]:
    """Creator ids from a CSV or Parquet file's ``creator_id`` column, or from a text file with
    one id per line (blank lines, ``#`` comments and a ``creator_id`` header skipped)."""
    if path.suffix in (".csv", ".parquet"):
        frame = pd.read_csv(path, dtype=str) if path.suffix == ".csv" else pd.read_parquet(path)
        if "creator_id" not in frame.columns:
            raise ValueError(f"{path}: has no creator_id column")
        ids = frame["creator_id"].dropna().astype(str).str.strip().tolist()
    else:
        lines = (line.split("#", 1)[0].strip() for line in path.read_text().splitlines())
        ids = [line for line in lines if line and line != "creator_id"]
    if not ids:
        raise ValueError(f"{path}: names no creator")
    return ids


def restrict(ds: Dataset, creator_ids: Sequence[str], source: str = "the dataset") -> Dataset:
    """The dataset cut to ``creator_ids`` (in that order, each once), so scoring a few creators
    of a big dataset costs what those creators cost. An unknown id is a LookupError naming it."""
    ids = list(dict.fromkeys(str(c) for c in creator_ids))
    positions = pd.Index(ds.creators["creator_id"]).get_indexer(ids)
    unknown = [c for c, at in zip(ids, positions, strict=True) if at < 0]
    if unknown:
        raise LookupError(_unknown_message(unknown, source))
    posts = _rows_in(ds.posts, "creator_id", ids)
    return Dataset(
        creators=ds.creators.iloc[positions].reset_index(drop=True),
        posts=posts,
        engagements=_rows_in(ds.engagements, "post_id", posts["post_id"]),
        follower_counts=_rows_in(ds.follower_counts, "creator_id", ids),
        follower_samples=_rows_in(ds.follower_samples, "creator_id", ids),
        labels=_rows_in(ds.labels, "creator_id", ids),
        read_time=ds.read_time,
    )


def _unknown_message(unknown: list[str], source: str) -> str:
    if len(unknown) == 1:
        return f"creator {unknown[0]} is not in {source}"
    shown = ", ".join(unknown[:5]) + (f" and {len(unknown) - 5} more" if len(unknown) > 5 else "")
    return f"creators {shown} are not in {source}"


def _rows_in(frame: pd.DataFrame | None, column: str, values: Iterable[str]) -> pd.DataFrame | None:
    if frame is None:
        return None
    return frame.loc[frame[column].isin(list(values))].reset_index(drop=True)


# --- what the page shows of one creator -------------------------------------------------------


@dataclass(frozen=True)
class Evidence:
    """One creator's score, feature values and tables (None: no rows sent for it)."""

    creator_id: str
    followers: float
    score: Score
    features: dict[str, float]
    # Every post, oldest first; ``read``: among the recent posts the features read.
    posts: pd.DataFrame | None
    events: pd.DataFrame | None  # on the read posts, with ``delay_minutes`` and ``in_ratios``
    counts: pd.DataFrame | None
    sample: pd.DataFrame | None
    known_label: str | None  # from a labels table, when the data has one


def gather(model: CreatorFraudModel, ds: Dataset) -> list[Evidence]:
    """Score every creator of ``ds`` (already restricted) and collect what its page draws."""
    tables = columnar(ds)
    matrix = feature_matrix(tables, model.account_model, model.comment_model)
    scores = score_feature_matrix(model, matrix)
    values = matrix.frame()
    posts = _posts_with_reading(ds, prepare_posts(tables.creators, tables.posts, tables.read_time))
    events = _events_with_delay(ds.engagements, posts)
    followers = ds.creators.set_index("creator_id")["followers"]
    return [
        Evidence(
            creator_id=s.creator_id,
            followers=float(followers[s.creator_id]),
            score=s,
            features=values.loc[s.creator_id].to_dict(),
            posts=_of(posts, s.creator_id),
            events=_of(events, s.creator_id),
            counts=_of(ds.follower_counts, s.creator_id, "at"),
            sample=_of(ds.follower_samples, s.creator_id),
            known_label=_known_label(ds.labels, s.creator_id),
        )
        for s in scores
    ]


def _posts_with_reading(ds: Dataset, features_read: Posts) -> pd.DataFrame:
    """All posts, with whether the features read them and use them for ratios (young posts,
    still collecting likes, do not count there)."""
    used = pd.DataFrame(
        {"post_id": features_read.post_id.to_pylist(), "in_ratios": features_read.in_ratios}
    )
    posts = ds.posts.merge(used, on="post_id", how="left")
    posts["read"] = posts["in_ratios"].notna()
    posts["in_ratios"] = posts["in_ratios"].fillna(False).astype(bool)
    return posts.sort_values(["creator_id", "posted_at"], kind="stable")


def _events_with_delay(
    engagements: pd.DataFrame | None, posts: pd.DataFrame
) -> pd.DataFrame | None:
    """Like and comment events on the read posts, with minutes since posting (clock skew that
    puts an event before its post counts as 0, as in the features)."""
    if engagements is None:
        return None
    read = posts.loc[posts["read"], ["post_id", "creator_id", "posted_at", "in_ratios"]]
    events = engagements.loc[engagements["kind"].isin(["like", "comment"])].merge(
        read, on="post_id"
    )
    events = events.loc[events["at"].notna()]
    delay = (events["at"] - events["posted_at"]).dt.total_seconds() / 60.0
    return events.assign(delay_minutes=delay.clip(lower=0.0).to_numpy())


def _of(
    frame: pd.DataFrame | None, creator_id: str, order: str | None = None
) -> pd.DataFrame | None:
    """The creator's rows of ``frame``; None when there are none."""
    if frame is None:
        return None
    rows = frame.loc[frame["creator_id"] == creator_id]
    if rows.empty:
        return None
    return rows.sort_values(order, kind="stable") if order else rows


def _known_label(labels: pd.DataFrame | None, creator_id: str) -> str | None:
    if labels is None:
        return None
    rows = labels.loc[labels["creator_id"] == creator_id]
    if rows.empty:
        return None
    row = rows.iloc[0]
    hard = row.get("hard_case")
    extra = f" (hard case: {hard})" if isinstance(hard, str) and hard != "none" else ""
    return f"{row['label']}{extra}"


# --- the page ---------------------------------------------------------------------------------


def write_audit_page(
    model: CreatorFraudModel,
    ds: Dataset,
    creator_ids: Sequence[str],
    out: Path,
    source: str = "the dataset",
) -> Path:
    """Write the audit page of ``creator_ids`` (of ``ds``, read from ``source``) to ``out``."""
    return write_page(out, audit_page(model, ds, creator_ids, source))


def audit_page(
    model: CreatorFraudModel, ds: Dataset, creator_ids: Sequence[str], source: str = "the dataset"
) -> str:
    """The audit page's HTML: a header, an index when there are several creators, and one
    section per creator."""
    evidence = gather(model, restrict(ds, creator_ids, source))
    title = (
        f"Creator audit: {evidence[0].creator_id}"
        if len(evidence) == 1
        else f"Creator audit: {len(evidence)} creators"
    )
    body = [f"<h1>{esc(title)}</h1>", _about(model, source)]
    if len(evidence) > INDEX_ABOVE:
        body.append(_index(evidence))
    body += [creator_section(ev, model, first=i == 0) for i, ev in enumerate(evidence)]
    return page(title, body)


def _about(model: CreatorFraudModel, source: str) -> str:
    name = model.metadata.get("model_name", "model")
    norms = (
        "Shaded bands show what genuine creators of the same size (follower tier) in the model's "
        "training data do: darker the middle half (25th to 75th percentile), lighter 10th to 90th."
        if model.norms is not None
        else "This model bundle carries no genuine-creator norms (it was trained before they "
        "existed), so the charts show no genuine band."
    )
    return (
        f'<p class="muted">Model {esc(name)} version {esc(model.version)}; data from '
        f"{esc(source)}. {esc(norms)}</p>" + missing_models_note(missing_models(model))
    )


def _index(evidence: list[Evidence]) -> str:
    items = []
    for ev in evidence:
        side = _side(ev.score.label)
        items.append(
            f'<li><a href="#{anchor_id("creator", ev.creator_id)}">{esc(ev.creator_id)}</a>: '
            f'<span class="{side}">{esc(_label_name(ev.score.label))}</span>, fraud score '
            f"{ev.score.fraud_score}</li>"
        )
    return f"<h2>Creators</h2><ol>{''.join(items)}</ol>"


def creator_section(ev: Evidence, model: CreatorFraudModel, first: bool = True) -> str:
    """Everything the page says about one creator."""
    norms = model.norms
    parts = [
        _verdict(ev),
        _coverage(ev),
        _reasons(ev.score),
        "<h3>Likes and comments per post</h3>",
        _engagement(ev, norms),
        "<h3>Follower count over time</h3>",
        _growth(ev, norms),
        "<h3>How fast engagement arrives after posting</h3>",
        _arrival(ev, norms),
        "<h3>Accounts that engage again and again</h3>",
        _recurring(ev, norms),
        "<h3>Who the sampled followers are</h3>",
        _audience(ev, model.account_model, norms),
    ]
    css = "" if first else ' class="page-break"'
    return (
        f'<section id="{anchor_id("creator", ev.creator_id)}"{css}>' + "".join(parts) + "</section>"
    )


def _verdict(ev: Evidence) -> str:
    s = ev.score
    side = _side(s.label)
    probabilities = {_label_name(label): f"{p:.1%}" for label, p in s.probabilities.items()}
    known = note(f"Label in the data: {ev.known_label}.") if ev.known_label else ""
    return (
        f"<h2>Creator {esc(ev.creator_id)}</h2>"
        f'<p class="verdict {side}">{esc(_label_name(s.label))}: fraud score {s.fraud_score} / 100'
        "</p>"
        + note(
            f"{fmt(int(ev.followers))} followers. The fraud score is 100 × (1 − P(genuine)); "
            f"model version {s.model_version}."
        )
        + table([probabilities])
        + known
    )


def _coverage(ev: Evidence) -> str:
    """What the score rests on: per table, whether it was sent for this creator and how much."""
    covered = ev.score.coverage or {}
    rows = [
        {"table": "posts", "sent": ev.posts is not None, "what": _posts_summary(ev.posts)},
        {
            "table": "engagements",
            "sent": bool(covered.get("engagements", ev.events is not None)),
            "what": _events_summary(ev.events) + _comment_lists(covered),
        },
        {
            "table": "follower_counts",
            "sent": bool(covered.get("follower_counts", ev.counts is not None)),
            "what": _counts_summary(ev.counts),
        },
        {
            "table": "follower_samples",
            "sent": bool(covered.get("follower_samples", ev.sample is not None)),
            "what": "none" if ev.sample is None else f"{len(ev.sample)} sampled followers",
        },
    ]
    headers = {"table": "table", "sent": "sent", "what": "how much"}
    return (
        "<h3>The data the score rests on</h3>"
        + table(rows, headers=headers)
        + _snapshot_and_left_out(ev.score)
    )


def _comment_lists(covered: dict) -> str:
    if covered.get("comment_events") != "partial":
        return ""
    share = covered.get("comment_events_share")
    held = "" if share is None else f": they hold {share:.0%} of the comment count"
    return f"; some posts' comment lists are partial{held}"


SNAPSHOT_SOURCES = {
    "given": "the creator's snapshot_at",
    "read": "no snapshot_at was given: when the data was read",
    "received": "no snapshot_at was given: when the request arrived",
}
SHOWN_POST_IDS = 10


def _snapshot_and_left_out(score: Score) -> str:
    """When the counts were read, and the posts rules left out of some features."""
    if score.snapshot_at is None:
        return ""
    source = SNAPSHOT_SOURCES.get(score.snapshot_source or "", score.snapshot_source)
    lines = [f"Counts as read at {score.snapshot_at} ({source})."]
    for entry in score.excluded_posts or []:
        ids = entry["post_ids"]
        shown = ", ".join(ids[:SHOWN_POST_IDS])
        more = f" and {len(ids) - SHOWN_POST_IDS} more" if len(ids) > SHOWN_POST_IDS else ""
        lines.append(f"Left out, {entry['reason']}: {shown}{more}.")
    return "".join(note(line) for line in lines)


def _posts_summary(posts: pd.DataFrame | None) -> str:
    if posts is None:
        return "none"
    read = int(posts["read"].sum())
    if read == len(posts):
        return f"{_counted(read, 'posts')}, all read by the model"
    return f"{len(posts)} posts; the model reads the latest {read}"


def _events_summary(events: pd.DataFrame | None) -> str:
    if events is None:
        return "none on the posts the model reads"
    kinds = events["kind"].value_counts()
    return (
        f"{len(events):,} events on {events['post_id'].nunique()} posts "
        f"({kinds.get('like', 0):,} likes, {kinds.get('comment', 0):,} comments)"
    )


def _counts_summary(counts: pd.DataFrame | None) -> str:
    if counts is None:
        return "none"
    first, last = counts["at"].min(), counts["at"].max()
    return f"{len(counts)} readings, {first:%Y-%m-%d} to {last:%Y-%m-%d}"


def _reasons(score: Score) -> str:
    if not score.reasons:
        return "<h3>Reasons</h3>" + note("The model gave no reasons for this score.")
    rows = [
        {
            "push": f"{r.contribution:+.2f}",
            "side": "fraud" if r.contribution > 0 else "genuine",
            "reason": r.text or r.note or r.feature,
            "feature": r.feature,
        }
        for r in score.reasons
    ]
    return (
        "<h3>Reasons</h3>"
        + note(
            "The strongest pushes behind the score: each reason's contribution to the log-odds of "
            "fraud against genuine (positive points to fraud)."
        )
        + table(rows, ["push", "reason", "feature"], classes={"push": "side"})
    )


# --- likes and comments per post --------------------------------------------------------------


def _engagement(ev: Evidence, norms: FeatureNorms | None) -> str:
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
    band = _band(norms, feature, ev.followers)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=FIGSIZE)
        if band is not None:
            _shade_band(ax, band, ev.followers)
        older, read = posts.loc[~posts["read"]], posts.loc[posts["read"]]
        when = _naive(older["posted_at"])
        ax.plot(when, older[column], "o", mfc="none", color=MUTED, ms=4, label="older posts")
        when = _naive(read["posted_at"])
        ax.plot(when, read[column], "o-", color=INK, ms=4, lw=1, label="posts the model reads")
        _scale_for(ax, posts[column].to_numpy(dtype=float), band, ev.followers)
        ax.set(title=f"{column.capitalize()} per post", xlabel="posted (UTC)", ylabel=column)
        _dates(ax)
        _legend_below(ax)
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
        else f"{_counted(rate * ev.followers, column)} ({show(feature, rate)} per follower)"
    )

    def in_counts(rate: float) -> str:  # the band at this creator's size; small ones keep a decimal
        count = rate * ev.followers
        return f"{count:,.0f}" if count >= 10 else f"{count:.1f}"

    scaled = f", scaled to this creator's {fmt(int(ev.followers))} followers"
    return f"Median post the model reads: {median}. " + _band_words(band, norms, in_counts, scaled)


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
    _count_axis(ax.yaxis, linear=ax.get_yscale() == "linear")


def _legend_below(ax) -> None:
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


def _growth(ev: Evidence, norms: FeatureNorms | None) -> str:
    if ev.counts is None:
        return note("No follower-count history was sent for this creator.")
    jumps = follower_jumps(ev.counts)
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9.6, 3.0))
        ax.plot(_naive(ev.counts["at"]), ev.counts["followers"], "-", color=INK, lw=1.4)
        ax.plot(_naive(ev.counts["at"]), ev.counts["followers"], ".", color=INK, ms=3)
        for n, jump in enumerate(jumps):
            _mark_jump(ax, ev.counts, jump, largest=n == 0)
        ax.set(title="Followers", xlabel="reading (UTC)", ylabel="followers")
        _count_axis(ax.yaxis)
        _dates(ax)
    return figure(
        fig, "follower count over time with jumps marked", _growth_caption(ev, jumps, norms)
    )


def _mark_jump(ax, counts: pd.DataFrame, jump: Jump, largest: bool) -> None:
    """Shade the jump's window, draw its readings red and label the rise."""
    inside = counts.loc[counts["at"].between(jump.start, jump.peak)]
    start, peak = _naive(pd.Series([jump.start, jump.peak]))
    ax.axvspan(start, peak, color=FRAUD, alpha=0.15, lw=0)
    ax.plot(_naive(inside["at"]), inside["followers"], "-", color=FRAUD, lw=3)
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
    band = _band(norms, "follower_jump_48h_rel", ev.followers)
    typical = (
        f" Genuine creators with {band.tier} followers: largest 48-hour rise typically "
        f"{band.p25:.1%} to {band.p75:.1%}, 90th percentile {band.p90:.1%}."
        if band
        else ""
    )
    return rule + found + typical


# --- engagement arrival -----------------------------------------------------------------------


def _arrival(ev: Evidence, norms: FeatureNorms | None) -> str:
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
    bands = {m: _band(norms, f"{kind}_share_within_{m}m", ev.followers) for m in WITHIN_MINUTES}
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
        _legend_below(ax)
    names = {m: f"{kind}_share_within_{m}m" for m in WITHIN_MINUTES}
    values = ", ".join(f"{m} min {_shown(f, ev.features.get(f))}" for m, f in names.items())
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


# --- recurring engagers -----------------------------------------------------------------------


def engager_matrix(events: pd.DataFrame) -> pd.DataFrame:
    """The top ``TOP_ENGAGERS`` accounts (most posts engaged on, then most events) × the posts
    with events, oldest first: 0 none, 1 liked, 2 commented, 3 both."""
    events = events.loc[events["actor_id"].notna()]
    flags = pd.DataFrame(
        {
            "actor_id": events["actor_id"],
            "post_id": events["post_id"],
            "liked": events["kind"] == "like",
            "commented": events["kind"] == "comment",
        }
    )
    cells = flags.groupby(["actor_id", "post_id"])[["liked", "commented"]].any()
    code = (cells["liked"].astype(int) + 2 * cells["commented"].astype(int)).unstack(fill_value=0)
    posts = events.drop_duplicates("post_id").sort_values("posted_at", kind="stable")
    code = code.reindex(columns=posts["post_id"].tolist(), fill_value=0)
    rank = pd.DataFrame(
        {"posts": (code > 0).sum(axis=1), "events": flags.groupby("actor_id").size()}
    )
    top = rank.sort_values(["posts", "events"], ascending=False, kind="stable").index[:TOP_ENGAGERS]
    return code.loc[top]


def _recurring(ev: Evidence, norms: FeatureNorms | None) -> str:
    if ev.events is None:
        return note(f"{NO_ENGAGEMENTS}, so recurring engagers cannot be shown.")
    matrix = engager_matrix(ev.events)
    active = ev.events["post_id"].nunique()
    needed = max(RECURRING_MIN_POSTS, math.ceil(RECURRING_MIN_SHARE * active))
    with plt.rc_context(STYLE):
        fig, ax = plt.subplots(figsize=(9.6, 1.4 + 0.17 * len(matrix)))
        colours = ListedColormap(["#f5f6f8", LIKE_BLUE, COMMENT_ORANGE, BOTH_PURPLE])
        ax.imshow(
            matrix.to_numpy(), cmap=colours, vmin=0, vmax=3, aspect="auto", interpolation="none"
        )
        _engager_axes(ax, matrix, ev.posts, needed)
        kinds = {"liked": LIKE_BLUE, "commented": COMMENT_ORANGE, "both": BOTH_PURPLE}
        handles = [Patch(color=colour, label=kind) for kind, colour in kinds.items()]
        ax.legend(
            handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1, 1), frameon=False
        )
    share = ev.features.get("recurring_actor_event_share")
    band = _band(norms, "recurring_actor_event_share", ev.followers)
    caption = (
        f"Accounts in red engaged on at least {needed} of the {active} posts with events (half "
        f"or more, the features' rule for a recurring account). They sent "
        f"{_shown('recurring_actor_event_share', share)} of all events. "
        + _band_words(band, norms, _percent)
    )
    return figure(fig, "most frequent engaging accounts by post", caption)


def _engager_axes(ax, matrix: pd.DataFrame, posts: pd.DataFrame, needed: int) -> None:
    dates = posts.set_index("post_id").loc[matrix.columns, "posted_at"]
    step = max(1, len(dates) // 12)
    ax.set_xticks(range(0, len(dates), step), [f"{d:%m-%d}" for d in dates.iloc[::step]])
    ax.set_yticks(range(len(matrix)), [str(a) for a in matrix.index], fontsize=7)
    for label, engaged in zip(ax.get_yticklabels(), (matrix > 0).sum(axis=1), strict=True):
        if engaged >= needed:
            label.set_color(FRAUD)
    ax.set(
        title=f"Top {len(matrix)} engaging accounts × posts (oldest left)",
        xlabel="post (date posted, UTC)",
        ylabel="account",
    )
    ax.spines[["left", "bottom"]].set_visible(False)
    ax.tick_params(length=0)


# --- the follower sample ----------------------------------------------------------------------


def _audience(ev: Evidence, accounts: AccountModel | None, norms: FeatureNorms | None) -> str:
    if ev.sample is None:
        return note("No follower sample was sent for this creator.")
    traits = _sample_traits(ev, norms)
    if accounts is None:
        return (
            note(
                "This model carries no account model, so the sampled followers were not judged "
                "one by one and the fake share is unknown."
            )
            + traits
        )
    scored = accounts.score(ev.sample.reset_index(drop=True))
    # the interval itself, as the features estimate it; the features keep only its half-width
    whole = np.zeros(len(scored), dtype=np.int64)
    estimate = accounts.fake_share(scored["p_fake"].to_numpy(), whole, 1)
    interval = ShareInterval(*(float(estimate[k][0]) for k in SHARE_KEYS))
    return _audience_chart(ev, scored, interval, norms) + traits


@dataclass(frozen=True)
class ShareInterval:
    share: float
    low: float
    high: float

    def words(self) -> str:
        """As a brand reads it: the range first, the best single figure after."""
        if math.isnan(self.share):
            return "unknown"
        return (
            f"between {_percent(self.low)} and {_percent(self.high)} of the followers are fake, "
            f"judging by this sample (95% interval; best estimate {_percent(self.share)})"
        )


SHARE_KEYS = ("fake_share", "fake_share_low", "fake_share_high")


def _audience_chart(
    ev: Evidence, scored: pd.DataFrame, interval: ShareInterval, norms: FeatureNorms | None
) -> str:
    shares = (
        scored["audience_type"]
        .value_counts(normalize=True)
        .reindex(list(AUDIENCE_TYPES), fill_value=0.0)
    )
    band = _band(norms, "sample_fake_share", ev.followers)
    with plt.rc_context(STYLE):
        fig, (types, fake) = plt.subplots(
            1, 2, figsize=(9.6, 2.6), gridspec_kw={"width_ratios": [1.1, 1]}
        )
        shares = shares.iloc[::-1]  # the first type on top
        colours = [AUDIENCE_COLOURS[kind] for kind in shares.index]
        types.barh([k.replace("_", " ") for k in shares.index], shares.to_numpy(), color=colours)
        for y, v in enumerate(shares.to_numpy()):
            types.text(v + 0.01, y, f"{v:.0%}", va="center", fontsize=8)
        types.set(
            xlim=(0, 1.12),
            title=f"Audience types of {len(scored)} sampled followers",
            xlabel="share of the sample",
        )
        _percent_axis(types)
        _fake_share_panel(fake, interval, band)
    caption = (
        "Audience types as the account model assigns them (suspicious: judged fake; mass "
        "follower: following over 1,500; influencer: over 5,000 followers). The fake share is "
        "estimated from how the sample's scores fall, against how real accounts' and fakes' "
        "scores fell in labelled collections the model was not trained on; the interval is as "
        "wide as the sample's size and those collections' disagreement leave it: "
        f"{interval.words()}. " + _band_words(band, norms, _percent)
    )
    return figure(fig, "audience types and estimated fake share of the follower sample", caption)


def _fake_share_panel(ax, interval: ShareInterval, band: Band | None) -> None:
    """The estimated fake share with its 95% interval, over the genuine band."""
    share = interval.share
    if band is not None:
        for low, high, alpha, label in BAND_LAYERS:
            span = getattr(band, low), getattr(band, high)
            ax.axvspan(*span, color=GENUINE_GREEN, alpha=alpha, lw=0, label=label)
    if not math.isnan(share):
        above = band is not None and share > band.p90
        ax.errorbar(
            [share],
            [0],
            xerr=[[share - interval.low], [interval.high - share]],
            fmt="o",
            color=FRAUD if above else INK,
            capsize=5,
            lw=2,
            ms=7,
            label="this creator, 95% interval",
        )
    ax.set(xlim=(-0.02, 1), ylim=(-1, 1), title="Estimated fake share of followers")
    ax.set_xlabel("fake share")
    ax.set_yticks([])
    ax.spines["left"].set_visible(False)
    _percent_axis(ax)
    _legend_below(ax)


def _sample_traits(ev: Evidence, norms: FeatureNorms | None) -> str:
    rows = []
    for feature, name in TRAIT_NAMES.items():
        value = ev.features.get(feature)
        band = _band(norms, feature, ev.followers)
        rows.append(
            {
                "trait": name,
                "this creator": _shown(feature, value),
                "genuine median": show(feature, band.p50) if band else "–",
                "genuine p25–p75": f"{show(feature, band.p25)} to {show(feature, band.p75)}"
                if band
                else "–",
            }
        )
    return table(rows)


# --- small pieces -----------------------------------------------------------------------------


def _band(norms: FeatureNorms | None, feature: str, followers: float) -> Band | None:
    return None if norms is None or math.isnan(followers) else norms.band(feature, followers)


def _band_words(
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


def _shade_band(ax, band: Band, followers: float) -> None:
    for low, high, alpha, label in BAND_LAYERS:
        span = getattr(band, low) * followers, getattr(band, high) * followers
        ax.axhspan(*span, color=GENUINE_GREEN, alpha=alpha, lw=0, label=label)
    ax.axhline(band.p50 * followers, color=GENUINE_GREEN, lw=1, ls="--", label="genuine median")


def _shown(feature: str, value: float | None) -> str:
    return "unknown" if value is None or math.isnan(value) else show(feature, value)


def _percent(share: float) -> str:
    return f"{share:.0%}" if abs(share) >= 0.0095 or share == 0 else f"{share:.1%}"


def _count_axis(axis, linear: bool = True) -> None:
    """Whole numbers with thousands separators (a count has no 2.5 tick)."""
    if linear:
        axis.set_major_locator(MaxNLocator(integer=True, steps=[1, 2, 5, 10]))
    axis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:,.0f}"))
    axis.set_minor_formatter(plt.NullFormatter())


def _counted(count: float, things: str) -> str:
    """``1 like``, ``12 likes``: ``things`` is the plural."""
    shown = f"{count:,.0f}"
    return f"{shown} {things[:-1] if shown == '1' else things}"


def _percent_axis(ax) -> None:
    ax.xaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))


def _dates(ax) -> None:
    locator = mdates.AutoDateLocator()
    ax.xaxis.set_major_locator(locator)
    # The offset names the year only: "2026-Jun" under a months-long axis reads as a label.
    formatter = mdates.ConciseDateFormatter(locator, offset_formats=["", *["%Y"] * 5])
    ax.xaxis.set_major_formatter(formatter)


def _naive(times: pd.Series) -> pd.Series:
    """UTC timestamps without their zone, which matplotlib's date axis takes as they are."""
    return times.dt.tz_convert("UTC").dt.tz_localize(None)


def _side(label: str) -> str:
    return "genuine" if label == GENUINE else "fraud"


def _label_name(label: str) -> str:
    return LABEL_NAMES.get(label, label)
