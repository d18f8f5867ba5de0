"""The audience: profile ratios, follower growth and a sample of the followers themselves.

Bought followers arrive as a step in the follower count that engagement does not follow, are
partly purged afterwards, and look like throwaway accounts: no picture, no posts, following
thousands, digit-heavy usernames.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from creator_audit.dataset.columnar import ColumnTable
from features import _groups as g
from features._tables import DAY, Columns, Posts, lookup, trait
from features.accounts import INFLUENCER_FOLLOWERS, MASS_FOLLOWING, AccountScorer
from features.fake_share import group_fake_share

JUMP_WINDOW = 2 * DAY
JUMP_MIN_RISE = 0.05  # relative rise below which there is no jump to follow up on
JUMP_CONTEXT = 45 * DAY  # posts this close before / after a jump show whether engagement followed
GROWTH_PERIOD = 30 * DAY
MIN_READINGS_FOR_SHAPE = 3  # a line through two readings fits them exactly
FEW_FOLLOWERS = 30  # accounts that almost nobody follows back
RED_FLAGS_MIN = 2
DIGIT_HEAVY_COUNT = 3
DIGIT_HEAVY_SHARE = 0.3

PROFILE_COLUMNS: tuple[str, ...] = ("log_follower_following_ratio", "media_count")
GROWTH_COLUMNS: tuple[str, ...] = (
    "follower_jump_48h_rel",
    "follower_jump_48h_abs",
    "follower_growth_log_per_30d",
    "follower_growth_curvature",
    "follower_growth_residual_sd",
    "follower_drop_after_jump",
    "likes_after_jump_ratio",
)
SAMPLE_COLUMNS: tuple[str, ...] = (
    "sample_size",
    "sample_no_pic_share",
    "sample_no_posts_share",
    "sample_mass_following_share",
    "sample_digit_username_share",
    "sample_private_share",
    "sample_empty_bio_share",
    "sample_log_followers_median",
    "sample_red_flag_share",
    "sample_fake_share",
    "sample_fake_share_ci95",
    "sample_influencer_share",
)
# The sample features only the account model gives (missing without one).
ACCOUNT_MODEL_COLUMNS: tuple[str, ...] = ("sample_fake_share", "sample_fake_share_ci95")
AUDIENCE_COLUMNS: tuple[str, ...] = PROFILE_COLUMNS + GROWTH_COLUMNS + SAMPLE_COLUMNS


def audience_from(
    p: Posts,
    creators: ColumnTable,
    follower_counts: ColumnTable | None,
    follower_samples: ColumnTable | None,
    accounts: AccountScorer | None = None,
) -> Columns:
    following = creators.floats("following")
    columns = {
        "log_follower_following_ratio": np.log1p(p.followers) - np.log1p(following),
        "media_count": creators.floats("media_count"),
        **_growth(p, follower_counts),
        **_sample(p, follower_samples, accounts),
    }
    return {name: columns[name] for name in AUDIENCE_COLUMNS}


def _missing(n: int, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    return {name: np.full(n, np.nan) for name in names}


# --- follower growth ------------------------------------------------------------------------


def _growth(p: Posts, counts: ColumnTable | None) -> dict:
    if counts is None:
        return _missing(p.n, GROWTH_COLUMNS)
    code = lookup(counts.text("creator_id"), p.ids)
    at = counts.floats("at")
    level = counts.floats("followers")
    keep = (code >= 0) & ~np.isnan(at)
    order = np.lexsort((at[keep], code[keep]))
    code, at, level = code[keep][order], at[keep][order], level[keep][order]
    jump = _largest_jump(code, at, level, p.n)
    return {
        "follower_jump_48h_rel": jump["rel"],
        "follower_jump_48h_abs": jump["abs"],
        "follower_growth_log_per_30d": _growth_rate(code, at, level, p.n),
        **_growth_shape(code, at, np.log1p(level), p.n),
        "follower_drop_after_jump": _drop_after(code, level, jump, p.n),
        "likes_after_jump_ratio": _likes_after(p, jump),
    }


def _largest_jump(code: np.ndarray, at: np.ndarray, level: np.ndarray, n: int) -> dict:
    """Per creator, the largest relative rise from one reading to a later one within 48 h.

    Returns rel / abs rise (0 when counts never rise, NaN without two readings 48 h apart or
    less), the positions of the window's first reading and of its peak, and whether it counts as
    a jump (rise ≥ 5%).
    """
    offset = at - at.min() if len(at) else at
    span = float(offset.max(initial=0.0)) + JUMP_WINDOW + 1.0
    key = code * span + offset  # sorted; a window never reaches the next creator's readings
    first = np.arange(len(key))
    last = np.searchsorted(key, key + JUMP_WINDOW, side="right") - 1
    has_window = last > first
    start = first[has_window]
    peak = _range_argmax(level, start + 1, last[has_window])
    rise = level[peak] - level[start]
    rel = np.maximum(rise, 0.0) / np.maximum(level[start], 1.0)
    best = _first_argmax(code[start], rel, n)
    out = {name: np.full(n, np.nan) for name in ("rel", "abs", "start_at", "peak_at")}
    found = best >= 0
    chosen = best[found]
    out["rel"][found] = rel[chosen]
    out["abs"][found] = np.maximum(rise[chosen], 0.0)
    out["start_at"][found] = at[start[chosen]]
    out["peak_at"][found] = at[peak[chosen]]
    out["peak_pos"] = np.full(n, -1)
    out["peak_pos"][found] = peak[chosen]
    out["is_jump"] = out["rel"] >= JUMP_MIN_RISE
    return out


def _range_argmax(values: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Position of the maximum of values[lo..hi] (inclusive, earliest on ties), per query.

    Sparse table: level k holds the argmax of each run of 2**k values; a query combines the two
    (overlapping) runs that cover it. Levels only go up to the longest query.
    """
    longest = int((hi - lo + 1).max(initial=1))
    table = [np.arange(len(values))]
    for k in range(1, longest.bit_length()):
        prev, half = table[-1], 1 << (k - 1)
        left, right = prev[: len(prev) - half], prev[half:]
        table.append(np.where(values[right] > values[left], right, left))
    level = np.floor(np.log2(hi - lo + 1)).astype(np.int64)
    out = np.empty(len(lo), dtype=np.int64)
    for k, runs in enumerate(table):
        at = level == k
        left, right = runs[lo[at]], runs[hi[at] - (1 << k) + 1]
        out[at] = np.where(values[right] > values[left], right, left)
    return out


def _first_argmax(code: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Index of the first maximal value per code (codes sorted), -1 for codes without values."""
    best = np.full(n, -1)
    if len(values) == 0:
        return best
    top = g.maximum(code, values, n)
    hits = np.flatnonzero(values == top[code])
    firsts = hits[g.run_starts(code[hits])]
    best[code[firsts]] = firsts
    return best


def _growth_rate(code: np.ndarray, at: np.ndarray, level: np.ndarray, n: int) -> np.ndarray:
    """Change of log followers per 30 days between the first and the last reading."""
    firsts = g.run_starts(code)
    lasts = firsts + g.run_lengths(firsts, len(code)) - 1
    out = np.full(n, np.nan)
    elapsed = at[lasts] - at[firsts]
    change = np.log1p(level[lasts]) - np.log1p(level[firsts])
    out[code[firsts]] = g.ratio(change, elapsed / GROWTH_PERIOD)
    return out


def _growth_shape(code: np.ndarray, at: np.ndarray, log_level: np.ndarray, n: int) -> dict:
    """How log followers bend over the history, from least-squares lines per creator.

    Bought followers leave at a steady share of what is left, so a purchase made before the
    history starts shows as a decline that flattens: the second half's slope (per 30 days) minus
    the first half's is positive. Organic growth is close to a straight line; bought steps and
    giveaway jumps leave large residuals around it. NaN with too few readings for a line.
    """
    periods = at / GROWTH_PERIOD
    # Halves split on the exact timestamps, so a reading at the midpoint is always in the first.
    start, end = -g.maximum(code, -at, n), g.maximum(code, at, n)
    first_half = at <= ((start + end) / 2)[code]
    slope_first = _line(code[first_half], periods[first_half], log_level[first_half], n)[0]
    slope_second = _line(code[~first_half], periods[~first_half], log_level[~first_half], n)[0]
    residual = _line(code, periods, log_level, n)[1]
    residual_sd = np.sqrt(g.mean(code, residual * residual, n))
    residual_sd[g.count(code, n) < MIN_READINGS_FOR_SHAPE] = np.nan
    return {
        "follower_growth_curvature": slope_second - slope_first,
        "follower_growth_residual_sd": residual_sd,
    }


def _line(code: np.ndarray, x: np.ndarray, y: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Least-squares slope of y on x per group (NaN below two distinct x), and each row's
    residual from its group's line."""
    dx = x - g.mean(code, x, n)[code]
    dy = y - g.mean(code, y, n)[code]
    slope = g.ratio(g.total(code, dx * dy, n), g.total(code, dx * dx, n))
    return slope, dy - slope[code] * dx


def _drop_after(code: np.ndarray, level: np.ndarray, jump: dict, n: int) -> np.ndarray:
    """Share of the jump's gain lost by the lowest later reading (bought followers get purged)."""
    lowest_from = g.suffix_min(code, level)
    creators = np.flatnonzero(jump["is_jump"])
    after_peak = jump["peak_pos"][creators] + 1
    later = after_peak < len(code)
    later[later] = code[after_peak[later]] == creators[later]
    creators, after_peak = creators[later], after_peak[later]
    out = np.full(n, np.nan)
    lost = level[after_peak - 1] - lowest_from[after_peak]
    out[creators] = np.maximum(lost, 0.0) / jump["abs"][creators]
    return out


def _likes_after(p: Posts, jump: dict) -> np.ndarray:
    """Mean likes of posts in the 45 days after the jump ÷ in the 45 days before it."""
    use = p.in_ratios & jump["is_jump"][p.creator]
    code, posted, likes = p.creator[use], p.posted[use], p.likes[use]
    before = (posted < jump["start_at"][code]) & (posted >= jump["start_at"][code] - JUMP_CONTEXT)
    after = (posted > jump["peak_at"][code]) & (posted <= jump["peak_at"][code] + JUMP_CONTEXT)
    return g.ratio(g.mean(code[after], likes[after], p.n), g.mean(code[before], likes[before], p.n))


# --- follower sample ------------------------------------------------------------------------


def _sample(p: Posts, samples: ColumnTable | None, accounts: AccountScorer | None) -> dict:
    n = p.n
    if samples is None:
        return _missing(n, SAMPLE_COLUMNS)
    code = lookup(samples.text("creator_id"), p.ids)
    rows = np.flatnonzero(code >= 0)
    code = code[rows]
    followers = samples.floats("followers")[rows]
    following = samples.floats("following")[rows]
    media = samples.floats("media_count")[rows]
    size = g.count(code, n)
    red_flags = _red_flags(samples, rows, followers, following, media)
    return {
        "sample_size": np.where(size > 0, size, np.nan),
        "sample_no_pic_share": g.share(code, _is(trait(samples, "has_profile_pic", rows), 0), n),
        "sample_no_posts_share": g.share(code, media == 0, n),
        "sample_mass_following_share": g.share(code, following > MASS_FOLLOWING, n),
        "sample_digit_username_share": g.share(code, _digit_heavy(samples, rows), n),
        "sample_private_share": g.share(code, _is(trait(samples, "is_private", rows), 1), n),
        "sample_empty_bio_share": g.share(code, _is(trait(samples, "bio_length", rows), 0), n),
        "sample_log_followers_median": g.median(code, np.log1p(followers), n),
        "sample_red_flag_share": g.share(code, red_flags, n),
        **_fake_share(samples.take(rows), code, size, accounts),
        "sample_influencer_share": g.share(
            code, (followers > INFLUENCER_FOLLOWERS) & (following <= MASS_FOLLOWING), n
        ),
    }


def _fake_share(
    sampled: ColumnTable, code: np.ndarray, size: np.ndarray, accounts: AccountScorer | None
) -> dict:
    """The sampled followers' fake share as the account model estimates it for an audience
    (:mod:`features.fake_share`, the estimate ``accounts score --summary`` reports), and half
    its 95% interval: 40 sampled followers pin a share down far less than 200 do, and scores
    the labelled sources read differently widen it further."""
    n = len(size)
    if accounts is None:
        return _missing(n, ACCOUNT_MODEL_COLUMNS)
    share = group_fake_share(accounts, accounts.p_fake(sampled), code, n)
    half = (share["fake_share_high"] - share["fake_share_low"]) / 2
    return {"sample_fake_share": share["fake_share"], "sample_fake_share_ci95": half}


def _red_flags(samples, rows, followers, following, media) -> np.ndarray:
    """1.0 where an account shows at least RED_FLAGS_MIN fake-account traits at once, NaN when
    none of its traits is known. One trait alone is common among real accounts (a private
    account without a picture); bought accounts pile them up (InstaFake, Purba et al. 2020).
    """
    flags = np.column_stack(
        [
            _is(trait(samples, "has_profile_pic", rows), 0),
            media == 0,
            following > MASS_FOLLOWING,
            _digit_heavy(samples, rows),
            _is(trait(samples, "bio_length", rows), 0),
            followers < FEW_FOLLOWERS,
        ]
    ).astype(np.float64)
    known = (~np.isnan(flags)).sum(axis=1)
    raised = np.nansum(flags, axis=1)
    return np.where(known > 0, raised >= RED_FLAGS_MIN, np.nan)


def _is(values: np.ndarray, target: float) -> np.ndarray:
    """1.0 / 0.0 whether values == target, NaN where the value is unknown."""
    return np.where(np.isnan(values), np.nan, values == target)


def _digit_heavy(samples: ColumnTable, rows: np.ndarray) -> np.ndarray:
    """Usernames with ≥ 3 digits or ≥ 30% digits (auto-generated); NaN when unknown or empty."""
    if "username" not in samples:
        return np.full(len(rows), np.nan)
    names = samples.text("username").take(pa.array(rows))
    digits = pc.count_substring_regex(names, r"\d").to_numpy(zero_copy_only=False)
    length = pc.utf8_length(names).to_numpy(zero_copy_only=False)
    digits = np.asarray(digits, dtype=np.float64)
    length = np.asarray(length, dtype=np.float64)
    heavy = (digits >= DIGIT_HEAVY_COUNT) | (digits >= DIGIT_HEAVY_SHARE * length)
    return np.where(np.isnan(length) | (length == 0), np.nan, heavy)
