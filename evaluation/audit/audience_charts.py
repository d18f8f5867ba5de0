"""Charts of the people: the accounts that engage again and again, and the sampled followers
(their types, fake share and traits)."""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch

from evaluation.audit.evidence import Evidence
from evaluation.audit.post_charts import legend_below
from evaluation.audit.style import (
    AUDIENCE_COLOURS,
    BAND_LAYERS,
    BOTH_PURPLE,
    COMMENT_ORANGE,
    FRAUD,
    GENUINE_GREEN,
    INK,
    LIKE_BLUE,
    NO_ENGAGEMENTS,
    STYLE,
    TOP_ENGAGERS,
    TRAIT_NAMES,
    band_words,
    genuine_band,
    percent,
    percent_axis,
    shown_value,
)
from evaluation.html import (
    figure,
    note,
    table,
)
from features.accounts import AUDIENCE_TYPES
from features.engagers import RECURRING_MIN_POSTS, RECURRING_MIN_SHARE
from scoring.account_model import AccountModel
from scoring.norms import Band, FeatureNorms
from scoring.reason_text import show

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


def recurring_section(ev: Evidence, norms: FeatureNorms | None) -> str:
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
    band = genuine_band(norms, "recurring_actor_event_share", ev.followers)
    caption = (
        f"Accounts in red engaged on at least {needed} of the {active} posts with events (half "
        f"or more, the features' rule for a recurring account). They sent "
        f"{shown_value('recurring_actor_event_share', share)} of all events. "
        + band_words(band, norms, percent)
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


def audience_section(
    ev: Evidence, accounts: AccountModel | None, norms: FeatureNorms | None
) -> str:
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
    interval = fake_share_interval(scored["p_fake"].to_numpy(), accounts)
    return _audience_chart(ev, scored, interval, norms) + traits


def fake_share_interval(p_fake: np.ndarray, accounts: AccountModel) -> ShareInterval:
    """The fake share of one creator's sampled followers (scored ``p_fake``) with its 95%
    interval, as the features estimate it: they keep only the interval's half-width, and it
    need not be symmetric."""
    whole = np.zeros(len(p_fake), dtype=np.int64)
    estimate = accounts.fake_share(p_fake, whole, 1)
    return ShareInterval(*(float(estimate[k][0]) for k in SHARE_KEYS))


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
            f"between {percent(self.low)} and {percent(self.high)} of the followers are fake, "
            f"judging by this sample (95% interval; best estimate {percent(self.share)})"
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
    band = genuine_band(norms, "sample_fake_share", ev.followers)
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
        percent_axis(types)
        _fake_share_panel(fake, interval, band)
    caption = (
        "Audience types as the account model assigns them (suspicious: judged fake; mass "
        "follower: following over 1,500; influencer: over 5,000 followers). The fake share is "
        "estimated from how the sample's scores fall, against how real accounts' and fakes' "
        "scores fell in labelled collections the model was not trained on; the interval is as "
        "wide as the sample's size and those collections' disagreement leave it: "
        f"{interval.words()}. " + band_words(band, norms, percent)
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
    percent_axis(ax)
    legend_below(ax)


def _sample_traits(ev: Evidence, norms: FeatureNorms | None) -> str:
    rows = []
    for feature, name in TRAIT_NAMES.items():
        value = ev.features.get(feature)
        band = genuine_band(norms, feature, ev.followers)
        rows.append(
            {
                "trait": name,
                "this creator": shown_value(feature, value),
                "genuine median": show(feature, band.p50) if band else "–",
                "genuine p25–p75": f"{show(feature, band.p25)} to {show(feature, band.p75)}"
                if band
                else "–",
            }
        )
    return table(rows)
