"""Creators: labels, hard cases, sizes, profile traits and the hidden parameters of their fraud."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from creator_audit.schema import LABELS
from creator_audit.simulator import config as C
from creator_audit.simulator import text
from creator_audit.simulator.sampling import log_uniform, trunc_lognormal, uniform

GENUINE, FAKE, POD, BOT = (
    LABELS.index(x) for x in ("genuine", "fake_followers", "engagement_pod", "bot_engagement")
)
HARD = {name: i for i, name in enumerate(C.HARD_CASES)}


@dataclass
class Creators:
    """Per-creator arrays (length n); times are unix seconds, rates per day."""

    label: np.ndarray
    hard: np.ndarray
    tier: np.ndarray
    followers: np.ndarray  # displayed at the snapshot (int64)
    following: np.ndarray
    following_noise: np.ndarray  # creator's lognormal factor on the typical following count
    viral_creator: np.ndarray  # has 1-2 viral posts (genuine hard case, or a fraudster's hit)
    growth: np.ndarray
    er_mult: np.ndarray
    comment_ratio: np.ndarray
    post_sigma: np.ndarray
    regular: np.ndarray
    history_days: np.ndarray
    has_events: np.ndarray
    has_counts: np.ndarray
    has_samples: np.ndarray
    # bought followers (fake_followers, some bots)
    purchase_share: np.ndarray
    purchase_at: np.ndarray
    purchase_hours: np.ndarray
    purchase_decay: np.ndarray
    # giveaway (genuine hard case); time set once the posts exist
    giveaway_share: np.ndarray
    giveaway_at: np.ndarray
    giveaway_days: np.ndarray
    giveaway_retain: np.ndarray
    fans: np.ndarray  # community size (genuine "community" hard case), else 0
    # pods and bots
    pod: np.ndarray  # pod index or -1
    pod_like_share: np.ndarray
    pod_comment_share: np.ndarray
    boosted_share: np.ndarray
    bot_mult: np.ndarray
    bot_comment_rate: np.ndarray
    bot_provider: np.ndarray
    # settled by ``settle_followers``
    organic: np.ndarray | None = None
    purchase: np.ndarray | None = None
    giveaway: np.ndarray | None = None

    @property
    def n(self) -> int:
        return self.label.size


@dataclass
class Pods:
    size: np.ndarray
    drop_hour: np.ndarray  # UTC hour at which the pod's daily drop window opens


def expected_er(followers: np.ndarray) -> np.ndarray:
    """Expected likes/followers by size: real small accounts below ~700 followers, HypeAuditor
    tier means above ~3,000, blended in log-log space between (see config)."""
    f = np.maximum(np.asarray(followers, dtype=np.float64), 1.0)
    large = C.ER_FLOOR + C.ER_SCALE * (f / C.ER_PIVOT) ** C.ER_EXPONENT
    small = np.exp(C.ER_SMALL_LOG_A + C.ER_SMALL_SLOPE * np.log(f))
    w = er_blend_weight(f)
    return np.exp((1 - w) * np.log(small) + w * np.log(large))


def er_blend_weight(followers: np.ndarray) -> np.ndarray:
    """0 where the real small-account fit holds, 1 where the HypeAuditor-based formula does."""
    f = np.maximum(np.asarray(followers, dtype=np.float64), 1.0)
    return np.clip(np.log(f / C.ER_BLEND_LO) / np.log(C.ER_BLEND_HI / C.ER_BLEND_LO), 0.0, 1.0)


def assign_labels(rng: np.random.Generator, n: int) -> np.ndarray:
    """Exact class counts (largest remainder), in a random order so ids carry no class."""
    shares = np.array([C.LABEL_SHARES[x] for x in LABELS])
    raw = shares * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(-(raw - counts), kind="stable")[: n - counts.sum()]] += 1
    return rng.permutation(np.repeat(np.arange(len(LABELS)), counts)).astype(np.int8)


def assign_hard_cases(rng: np.random.Generator, label: np.ndarray) -> np.ndarray:
    hard = np.zeros(label.size, dtype=np.int8)
    u = rng.random(label.size)
    for k, name in enumerate(LABELS):
        edge = 0.0
        for case, share in C.HARD_CASE_SHARES[name].items():
            hit = (label == k) & (u >= edge) & (u < edge + share)
            hard[hit] = HARD[case]
            edge += share
    return hard


def draw_sizes(rng: np.random.Generator, hard: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Displayed followers from the tier mixture; the same for every class (no size leak),
    except the small_pod hard case, which is drawn from the two smallest tiers."""
    n = hard.size
    shares = np.array([t[0] for t in C.SIZE_TIERS])
    tier = rng.choice(len(shares), n, p=shares / shares.sum())
    small = hard == HARD["small_pod"]
    tier[small] = rng.choice(2, small.sum(), p=shares[:2] / shares[:2].sum())
    params = np.array([t[1:] for t in C.SIZE_TIERS])[tier]
    f = trunc_lognormal(rng, params[:, 0], params[:, 1], params[:, 2], params[:, 3])
    return tier.astype(np.int8), np.round(f).astype(np.int64)


def _fraud_params(rng, label, hard, n) -> dict[str, np.ndarray]:
    partial = hard == HARD["partial"]
    share = np.zeros(n)
    fake = label == FAKE
    share[fake] = np.where(
        partial[fake],
        uniform(rng, C.PURCHASE_SHARE_PARTIAL, fake.sum()),
        log_uniform(rng, C.PURCHASE_SHARE_FULL, fake.sum()),
    )
    bought = hard == HARD["bought_followers"]
    share[bought] = uniform(rng, C.BOT_PURCHASE_SHARE, bought.sum())
    pod, bot = label == POD, label == BOT
    boosted = np.zeros(n)
    boosted[pod] = np.where(
        partial[pod],
        uniform(rng, C.POD_BOOSTED_PARTIAL, n)[pod],
        uniform(rng, C.POD_BOOSTED_FULL, n)[pod],
    )
    boosted[bot] = np.where(
        partial[bot],
        uniform(rng, C.BOT_BOOSTED_PARTIAL, n)[bot],
        uniform(rng, C.BOT_BOOSTED_FULL, n)[bot],
    )
    pod_like = np.where(
        partial, uniform(rng, C.POD_LIKE_SHARE_PARTIAL, n), uniform(rng, C.POD_LIKE_SHARE_FULL, n)
    )
    bot_mult = np.where(
        partial, log_uniform(rng, C.BOT_MULT_PARTIAL, n), log_uniform(rng, C.BOT_MULT_FULL, n)
    )
    return {
        "purchase_share": share,
        "boosted_share": boosted,
        "pod_like_share": np.where(pod, pod_like, 0.0),
        "pod_comment_share": np.where(pod, uniform(rng, C.POD_COMMENT_SHARE, n), 0.0),
        "bot_mult": np.where(bot, bot_mult, 1.0),
        "bot_comment_rate": np.where(bot, uniform(rng, C.BOT_COMMENT_RATE, n), 0.0),
        "bot_provider": rng.integers(0, C.BOT_PROVIDERS, n),
    }


def _purchase_timing(rng, hard, history_days, has_purchase) -> dict[str, np.ndarray]:
    n = hard.size
    in_window = C.SNAPSHOT - rng.uniform(2.0, history_days - 3.0) * C.DAY
    before = C.SNAPSHOT - (history_days + uniform(rng, C.PRE_WINDOW_DAYS, n)) * C.DAY
    at = np.where(hard == HARD["pre_window"], before, in_window)
    weekly = uniform(rng, C.PURCHASE_WEEKLY_LOSS, n)
    return {
        "purchase_at": np.where(has_purchase, at, np.nan),
        "purchase_hours": uniform(rng, C.PURCHASE_HOURS, n),
        "purchase_decay": -np.log1p(-weekly) / 7.0,
    }


def _with_fraud_share(rng, hard, label, case: str) -> np.ndarray:
    """The genuine hard case ``case``, plus a share of fraud creators that show it too."""
    share = {"viral": C.FRAUD_VIRAL_SHARE, "community": C.FRAUD_COMMUNITY_SHARE}[case]
    fraud_too = (label != GENUINE) & (rng.random(hard.size) < share)
    return (hard == HARD[case]) | fraud_too


def _community_sizes(rng, has_community, followers) -> np.ndarray:
    """A few dozen fans for most, fewer for nano creators (a share of their typical likes)."""
    share_of_likes = uniform(rng, C.COMMUNITY_SHARE_OF_LIKES, followers.size)
    typical = expected_er(followers) * followers * share_of_likes
    fans = np.clip(np.round(typical), C.COMMUNITY_SIZE_MIN, C.COMMUNITY_SIZE_MAX).astype(np.int64)
    return np.where(has_community, fans, 0)


def draw_creators(rng: np.random.Generator, n: int) -> Creators:
    label = assign_labels(rng, n)
    hard = assign_hard_cases(rng, label)
    tier, followers = draw_sizes(rng, hard)
    history = rng.integers(C.HISTORY_DAYS[0], C.HISTORY_DAYS[1] + 1, n).astype(np.float64)
    fraud = _fraud_params(rng, label, hard, n)
    giveaway = hard == HARD["giveaway"]
    regular = (hard == HARD["scheduled"]) | ((label == BOT) & (rng.random(n) < C.BOT_REGULAR_SHARE))
    return Creators(
        label=label,
        hard=hard,
        tier=tier,
        followers=followers,
        following=np.zeros(n, dtype=np.int64),  # set by settle_followers from the organic audience
        following_noise=rng.lognormal(0.0, C.FOLLOWING_SIGMA, n),
        growth=rng.normal(C.GROWTH_PER_DAY_MEAN, C.GROWTH_PER_DAY_SD, n),
        er_mult=rng.lognormal(0.0, C.ER_CREATOR_SIGMA, n),
        comment_ratio=rng.lognormal(np.log(C.COMMENT_RATIO_MEDIAN), C.COMMENT_RATIO_SIGMA, n),
        post_sigma=rng.uniform(C.POST_SIGMA_MIN, C.POST_SIGMA_MAX, n),
        regular=regular,
        history_days=history,
        # Missingness is drawn independently of the label (each table its own coin).
        has_events=rng.random(n) < C.SHARE_WITH_ENGAGEMENTS,
        has_counts=rng.random(n) < C.SHARE_WITH_FOLLOWER_COUNTS,
        has_samples=rng.random(n) < C.SHARE_WITH_FOLLOWER_SAMPLES,
        **_purchase_timing(rng, hard, history, fraud["purchase_share"] > 0),
        giveaway_share=np.where(
            giveaway, uniform(rng, (C.GIVEAWAY_GAIN_MIN, C.GIVEAWAY_GAIN_MAX), n), 0
        ),
        giveaway_at=np.full(n, np.nan),
        giveaway_days=rng.uniform(C.GIVEAWAY_DAYS_MIN, C.GIVEAWAY_DAYS_MAX, n),
        giveaway_retain=rng.uniform(C.GIVEAWAY_RETAIN_MIN, C.GIVEAWAY_RETAIN_MAX, n),
        fans=_community_sizes(rng, _with_fraud_share(rng, hard, label, "community"), followers),
        viral_creator=_with_fraud_share(rng, hard, label, "viral"),
        pod=np.full(n, -1, dtype=np.int64),
        **fraud,
    )


def assign_pods(rng: np.random.Generator, cr: Creators) -> Pods:
    """Group pod creators of similar size into pods of several creators each.

    Pod size follows the typical likes of its creators, so a pod inflates engagement by roughly
    +10-60 % (BRIEF); the 20-200 member bounds (README) make big creators' pods relatively small.
    """
    members = np.flatnonzero(cr.label == POD)
    members = members[np.argsort(cr.followers[members], kind="stable")]
    sizes = rng.integers(C.POD_CREATORS_MIN, C.POD_CREATORS_MAX + 1, max(1, members.size))
    n_pods = int(np.searchsorted(np.cumsum(sizes), members.size) + 1)
    pod_of = np.repeat(np.arange(n_pods), sizes[:n_pods])[: members.size]
    cr.pod[members] = pod_of
    typical = expected_er(cr.followers[members]) * cr.followers[members]
    # Geometric mean of the members' typical likes per pod.
    counts = np.maximum(np.bincount(pod_of, minlength=n_pods), 1)
    mid = np.exp(np.bincount(pod_of, np.log(typical), minlength=n_pods) / counts)
    infl = uniform(rng, C.POD_INFLATION, n_pods)
    mean_like_share = np.mean(C.POD_LIKE_SHARE_FULL)
    size = np.round(mid * infl / mean_like_share)
    size = np.clip(size, C.POD_SIZE_MIN, C.POD_SIZE_MAX).astype(np.int64)
    return Pods(size=size, drop_hour=rng.integers(0, 24, n_pods))


def ramp(t: np.ndarray, start: np.ndarray, duration_s: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.nan_to_num(np.clip((t - start) / duration_s, 0.0, 1.0))


def purchase_left(cr: Creators, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Share of the bought followers present at ``t``: arrival ramp, then slow attrition."""
    dur = cr.purchase_hours[idx] * C.HOUR
    since = np.nan_to_num((t - cr.purchase_at[idx] - dur) / C.DAY)
    return ramp(t, cr.purchase_at[idx], dur) * np.exp(
        -cr.purchase_decay[idx] * np.maximum(since, 0)
    )


def giveaway_left(cr: Creators, idx: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Share of giveaway followers present at ``t``: fast rise, some leave within weeks."""
    dur = cr.giveaway_days[idx] * C.DAY
    since = np.maximum(np.nan_to_num((t - cr.giveaway_at[idx] - dur) / C.DAY), 0)
    keep = cr.giveaway_retain[idx]
    return ramp(t, cr.giveaway_at[idx], dur) * (
        keep + (1 - keep) * np.exp(-since / C.GIVEAWAY_LOSS_TAU_D)
    )


def settle_followers(cr: Creators) -> None:
    """Split displayed followers into organic, bought and giveaway parts (giveaway times known),
    and scale each creator's comments per like to its organic audience."""
    idx = np.arange(cr.n)
    snap = np.full(cr.n, float(C.SNAPSHOT))
    rho_p, rho_g = purchase_left(cr, idx, snap), giveaway_left(cr, idx, snap)
    organic = cr.followers / (1 + cr.purchase_share * rho_p + cr.giveaway_share * rho_g)
    purchase = cr.purchase_share * organic
    capped = purchase > C.PURCHASE_MAX
    purchase[capped] = C.PURCHASE_MAX
    organic[capped] = cr.followers[capped] - C.PURCHASE_MAX * rho_p[capped]
    cr.organic = np.maximum(organic, 10.0)
    cr.purchase = purchase
    cr.giveaway = cr.giveaway_share * organic
    cr.comment_ratio = cr.comment_ratio * comment_size_factor(cr.organic)
    # Soft minimum of "follow back" (~1.1 x organic audience) and a plateau for larger accounts.
    follow_back = C.FOLLOWING_RECIPROCAL * cr.organic
    level = follow_back / (1.0 + (follow_back / C.FOLLOWING_PLATEAU) ** 3) ** (1.0 / 3.0)
    cr.following = np.round(level * cr.following_noise).astype(np.int64)


def comment_size_factor(organic: np.ndarray) -> np.ndarray:
    """How comments per like scale with the real audience: 1 at ``COMMENT_SIZE_PIVOT`` followers,
    log-linear with one slope up to ``COMMENT_SIZE_BREAK`` and a gentler one beyond (see config)."""
    log_f = np.log(np.maximum(organic, 1.0))
    log_break = np.log(C.COMMENT_SIZE_BREAK)
    small = np.minimum(log_f, log_break) - np.log(C.COMMENT_SIZE_PIVOT)
    large = np.maximum(log_f - log_break, 0.0)
    return np.exp(C.COMMENT_SIZE_SLOPE_SMALL * small + C.COMMENT_SIZE_SLOPE_LARGE * large)


def followers_at(cr: Creators, idx: np.ndarray, t: np.ndarray, real_only: bool = False):
    """Followers of creators ``idx`` at times ``t`` (float); real_only drops bought ones."""
    organic = cr.organic[idx] * np.exp(-cr.growth[idx] * (C.SNAPSHOT - t) / C.DAY)
    real = organic + cr.giveaway[idx] * giveaway_left(cr, idx, t)
    return real if real_only else real + cr.purchase[idx] * purchase_left(cr, idx, t)


def profile_traits(rng: np.random.Generator, cr: Creators) -> dict[str, np.ndarray | pa.Array]:
    """Optional creator traits; size-dependent where real profiles are (links, verification)."""
    n, logf = cr.n, np.log10(np.maximum(cr.followers, 1))
    bio = np.where(rng.random(n) < 0.8, np.minimum(rng.lognormal(np.log(60), 0.6, n), 150), 0)
    p_url = np.clip(0.05 + 0.12 * (logf - 2.5), 0.05, 0.7)
    p_verified = np.clip((logf - 4.5) * 0.15, 0, 0.3)
    return {
        "username": text.usernames(rng, n),
        "bio_length": np.round(bio),
        "has_profile_pic": (rng.random(n) < 0.98).astype(np.float64),
        "is_private": (rng.random(n) < 0.02).astype(np.float64),
        "has_external_url": (rng.random(n) < p_url).astype(np.float64),
        "is_verified": (rng.random(n) < p_verified).astype(np.float64),
    }
