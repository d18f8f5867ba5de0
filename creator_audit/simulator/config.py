"""Every proportion and parameter of the simulator, with where the number comes from.

Sources quoted below:
- REAL: measured on ``/work/shared/data/instafake/nonautomated-genuine-part-a.json`` (350 real,
  genuine, mostly small Instagram accounts; see ``/work/shared/data/README.md``).
- HYPE: HypeAuditor 2018 engagement-rate study (~37K accounts), tier means quoted in the README.
- README: the published calibration facts in ``/work/shared/data/README.md`` (first-hour share,
  pod sizes and drop windows, bought-follower steps).
- BRIEF: the simulator's design brief (class mix, hard-case shares, overlap targets).
- ASSUMED: no public source; a plausible value chosen to keep classes overlapping.

Each comment gives the constant's source and, for fitted ones, the real figure it reproduces;
the values tried before and what they gave: ``docs/simulator_calibration.md``.
"""

from __future__ import annotations

import numpy as np

# --- time -------------------------------------------------------------------------------------
DAY = 86_400
HOUR = 3_600
MINUTE = 60
# Fixed reference snapshot (never the wall clock) so that a seed fully determines the output.
SNAPSHOT = int(np.datetime64("2026-06-01T00:00:00", "s").astype(np.int64))
# No timeline reaches further back than Instagram's launch (validation refuses anything before
# 2005): a longer one's posts older than ten years are squeezed into the years left (posts.py).
OLDEST_POST = int(np.datetime64("2010-10-06T00:00:00", "s").astype(np.int64))
SQUEEZE_AFTER_DAYS = 3_650

# --- classes and hard cases ---------------------------------------------------------------------
# BRIEF: 55/15/15/15, every class >= 8 %.
LABEL_SHARES = {
    "genuine": 0.55,
    "fake_followers": 0.15,
    "engagement_pod": 0.15,
    "bot_engagement": 0.15,
}
HARD_CASES = (
    "none",
    "viral",  # genuine: 1-2 posts at 5-30x usual likes, fast but diverse
    "giveaway",  # genuine: follower jump of 10-40 % and a comment flood
    "community",  # genuine: a few dozen fans comment on most posts, quickly
    "scheduled",  # genuine: machine-regular posting via a scheduling tool (like half the bots)
    "partial",  # any fraud class: only some posts boosted / a small purchase
    "pre_window",  # fake_followers: purchase before the follower-count history starts
    "small_pod",  # engagement_pod: the creator is nano/small
    "bought_followers",  # bot_engagement: also bought a few followers
)
# Shares within each class (BRIEF: partial ~30 % of every fraud class, viral ~10 %, giveaway ~8 %,
# community ~10 % of genuine; the rest ASSUMED). "none" takes the remainder.
HARD_CASE_SHARES = {
    "genuine": {"viral": 0.10, "giveaway": 0.08, "community": 0.10, "scheduled": 0.08},
    "fake_followers": {"partial": 0.30, "pre_window": 0.20},
    "engagement_pod": {"partial": 0.30, "small_pod": 0.15},
    "bot_engagement": {"partial": 0.30, "bought_followers": 0.20},
}
# Viral posts and loyal fans in the fraud classes too, at genuine's shares (BRIEF), independent of
# the fraud hard case: without them an ordinary creator with neither would read as fraud.
FRAUD_VIRAL_SHARE, FRAUD_COMMUNITY_SHARE = 0.10, 0.10


# --- optional tables: present for a share of creators, drawn independently of the label (BRIEF) --
SHARE_WITH_ENGAGEMENTS = 0.50
SHARE_WITH_FOLLOWER_COUNTS = 0.75
SHARE_WITH_FOLLOWER_SAMPLES = 0.70

# --- creator size: displayed followers, lognormal mixture truncated to each tier (BRIEF) --------
# (share, median, sigma, low, high). The nano tier is for REAL genuine accounts: mostly 100-1K
# followers (median ~350, 5-95 % 97-886), 5 % under 100 (down to 2).
SIZE_TIERS = (
    (0.12, 350.0, 0.80, 5.0, 1_000.0),
    (0.25, 3_200.0, 0.75, 1_000.0, 10_000.0),
    (0.50, 28_000.0, 0.75, 10_000.0, 100_000.0),
    (0.13, 180_000.0, 0.70, 100_000.0, 1_000_000.0),
)
# Accounts followed: REAL small accounts follow about as many as follow them (following/followers
# median ~1.1 up to 1K followers); larger ones plateau at 600-1,000 (InstaFake + Kaggle genuine).
# Driven by the ORGANIC audience, so bought followers lower following/followers.
FOLLOWING_RECIPROCAL, FOLLOWING_PLATEAU, FOLLOWING_SIGMA = 1.1, 800.0, 0.55
# REAL: media_count median ~44; we add older posts on top of the recent posts given, for creators
# showing a full export window (generate.py: one showing fewer posts has shown them all).
OLDER_MEDIA_MEDIAN, OLDER_MEDIA_SIGMA = 60.0, 1.1
# Organic follower drift, log-growth per day (~+7 %/quarter typical, some shrink). Mean ASSUMED;
# sd REAL, fitted to likes trends (likes follow the audience): slope of log likes over the recent
# 24 posts, 5/25/50/75/95 % -0.31/0.06/0.39/0.91/1.71.
GROWTH_PER_DAY_MEAN, GROWTH_PER_DAY_SD = 0.0008, 0.0008

# --- posting (REAL: median gap ~14 d for small accounts; BRIEF: creator median 1-12 d) ----------
POSTS_MIN, POSTS_MAX = 20, 60  # REAL: median at the 60-post window
# Newcomers showing 1-8 posts, share 1 / (1 + (followers / F50) ** slope), any label. REAL: between
# InstaFake genuine (slope 1.43, F50 77) and Purba's real accounts (0.74, 73), nearer InstaFake.
FEW_POSTS_F50, FEW_POSTS_SLOPE, FEW_POSTS_MIN, FEW_POSTS_MAX = 70.0, 1.25, 1, 8
# REAL: 5 % of accounts show <= 1 post and 4 % none. Independent of the label, so that missing
# posting features are no fraud signal.
NO_VISIBLE_POSTS_SHARE = 0.04  # posts not visible at all (private, or all deleted)
NEVER_POSTED_SHARE = 0.5  # of those, media_count 0 (REAL: all 14 post-less accounts have 0)
# Friends comment on first posts, any label. REAL: accounts showing 1-3 posts draw 0.064 comments
# per like (median, n=19), those with 4-8 0.023 (n=22).
FEW_POSTS_COMMENTS_AT_MOST, FEW_POSTS_COMMENT_FACTOR = 3, 2.5
# And like them. REAL: accounts showing 1-8 posts draw 0.30 likes per follower (median, n=43),
# those showing more 0.19 (n=293), at any size.
FEW_POSTS_LIKE_FACTOR = 1.5
# Median gap in days by size tier (nano, small, micro, macro), creator sd and clip. REAL accounts
# of 100-1,000 followers (10+ posts), over the recent 24 posts: a creator's median gap
# 5/25/50/75/95 % 2.0/6.4/14/23/48 d.
GAP_MEDIAN_BY_TIER = (14.0, 5.0, 3.0, 2.0)
GAP_CREATOR_SIGMA, GAP_MIN_DAYS, GAP_MAX_DAYS = 0.8, 0.8, 60.0
GAP_POST_SIGMA = 1.2  # REAL gaps are very irregular (gap CV median ~1.4, 5-95 % 0.8-3.1)
# Daytime posting in the creator's timezone (REAL: uploads peak in the evening).
PREF_HOUR_MEAN, PREF_HOUR_SD = 17.5, 3.0
# REAL hour-of-day entropy: median 0.75 of the maximum but p10 0.63 (habitual posters exist).
HOUR_SD_MIN, HOUR_SD_MAX = 1.0, 7.0
# Posting hours outside this local day are redrawn within it (ASSUMED).
DAY_START_HOUR, DAY_END_HOUR = 6.5, 23.8
# Creator timezones, UTC offsets in hours and their weights (ASSUMED).
TZ_OFFSETS_H = np.array([-8, -7, -6, -5, -4, -3, 0, 1, 2, 3, 5.5, 7, 8, 9])
TZ_WEIGHTS = np.array([6, 3, 6, 10, 3, 4, 8, 14, 8, 6, 10, 5, 4, 3], dtype=float)
# Machine-regular posting: share of bot creators (BRIEF "part of them"), jitter in seconds.
BOT_REGULAR_SHARE = 0.5
BOT_REGULAR_JITTER_S, SCHEDULED_JITTER_S = 180.0, 900.0
# Hashtags per post and location share (REAL: median 0.75 hashtags/post, location ~39 %).
HASHTAG_MEDIAN, HASHTAG_SIGMA = 1.0, 1.1
# Comments disabled (REAL: 11 % of accounts have it on some posts, 2.6 % of posts overall).
COMMENTS_DISABLED_CREATORS, COMMENTS_DISABLED_POST_SHARE = 0.11, 0.25

# --- genuine engagement -------------------------------------------------------------------------
# Expected likes/followers by size. Large: ER(F) = 0.0145 + 0.028 (F/2500)^-0.84 (BRIEF; fits
# HYPE tier means). Small: the REAL fit below. Below ER_BLEND_LO the REAL fit, above ER_BLEND_HI
# the formula, log-linear in log F between.
ER_FLOOR, ER_SCALE, ER_PIVOT, ER_EXPONENT = 0.0145, 0.028, 2_500.0, -0.84
# REAL: log-log fit on each account's most recent 24 posts (what the features use), flat at ~0.19.
ER_SMALL_LOG_A, ER_SMALL_SLOPE = -1.638, -0.002
ER_BLEND_LO, ER_BLEND_HI = 700.0, 3_000.0  # ASSUMED
# Creator-level spread (BRIEF 0.6-0.7). REAL genuine accounts' log ratio to the tier curve:
# 5-95 % -1.2..+0.9; too narrow a genuine class flags real genuine accounts as fraud.
ER_CREATOR_SIGMA = 0.6
# Per-post variation, a creator's sd drawn in MIN-MAX: REAL likes are steadier than the BRIEF's
# 0.3-0.45, and uniform likes alone must not look bought. REAL accounts of 200-1,000 followers
# with 10+ posts: likes CV 10/25/50/75/90 % 0.16/0.22/0.31/0.43/0.58.
POST_SIGMA_MIN, POST_SIGMA_MAX = 0.05, 0.33
# Flops: a post now and then draws far fewer likes (another format, a bad hour). REAL accounts of
# 100-2,000 followers with 10+ recent posts: 2.6 % of posts under half the local level (median of
# the 7 around it), 1.0 % under 0.35x, 39 % of creators with at least one.
FLOP_SHARE, FLOP_MULT = 0.022, (0.15, 0.55)
# Comments/likes per creator (REAL: median ~0.025, 5-95 % 0.005-0.077), at COMMENT_SIZE_PIVOT
# real followers.
COMMENT_RATIO_MEDIAN, COMMENT_RATIO_SIGMA = 0.025, 0.70
# Bigger audiences comment less per like: log-linear in the organic audience, a slope each side
# of BREAK. REAL, log comments/likes on log followers: slope -0.48 at 100-2,000 followers
# (InstaFake genuine), -0.21 past 2,000 (Purba's real accounts).
COMMENT_SIZE_PIVOT, COMMENT_SIZE_BREAK = 350.0, 2_000.0
COMMENT_SIZE_SLOPE_SMALL, COMMENT_SIZE_SLOPE_LARGE = -0.45, -0.21
# Extra per-post dispersion of comments, less the more comments a post draws: sigma^2 =
# log(1 + A x expected^-B), the expected count floored at FLOOR. REAL accounts of 100-2,000
# followers: comments CV 1.69 / 1.34 / 1.11 / 0.86 at 0.5-1 / 1-2 / 2-4 / 4-8 comments per post,
# beyond Poisson a squared CV of ~1.3 x mean^-0.47.
COMMENT_LUMP_A, COMMENT_LUMP_B, COMMENT_LUMP_FLOOR = 1.3, 0.47, 0.2

# Arrival after posting: about half within the first hour (README), long tail over days.
# (fast share, fast exponential mean s, slow lognormal median s, slow sigma)
ARRIVAL_GENUINE = (0.48, 12 * MINUTE, 9 * HOUR, 1.5)
ARRIVAL_VIRAL = (0.35, 25 * MINUTE, 3 * HOUR, 1.0)  # algorithmic push in the first hours (ASSUMED)
ARRIVAL_COMMUNITY = (0.55, 15 * MINUTE, 3 * HOUR, 1.2)  # BRIEF: "fairly quickly"

# Audience pools: actor index = floor(A u^gamma), so low indices are loyal fans who recur
# (ASSUMED).
AUDIENCE_POOL_PER_FOLLOWER, AUDIENCE_POOL_MIN = 0.8, 60
LIKER_GAMMA, COMMENTER_GAMMA = 2.5, 3.5
# Genuine audiences overlap across creators of one niche (so cross-creator actors are not a
# pod-only signal): niche size and the share of organic actors drawn from the niche pool (ASSUMED).
NICHE_CREATORS, NICHE_POOL_SIZE, NICHE_SHARE = 40, 5_000, 0.08

# Hard genuine cases (BRIEF).
VIRAL_POSTS_MAX, VIRAL_MULT_MIN, VIRAL_MULT_MAX = 2, 5.0, 30.0
VIRAL_COMMENT_FACTOR = 0.6  # viral reach brings relatively fewer comments (ASSUMED)
GIVEAWAY_GAIN_MIN, GIVEAWAY_GAIN_MAX = 0.10, 0.40
GIVEAWAY_DAYS_MIN, GIVEAWAY_DAYS_MAX = 1.0, 3.0
GIVEAWAY_RETAIN_MIN, GIVEAWAY_RETAIN_MAX, GIVEAWAY_LOSS_TAU_D = 0.75, 0.92, 10.0
GIVEAWAY_LIKE_MULT = (2.0, 4.0)
GIVEAWAY_COMMENT_MULT = (8.0, 30.0)
COMMUNITY_SIZE_MIN, COMMUNITY_SIZE_MAX = 3, 60
COMMUNITY_SHARE_OF_LIKES = (0.04, 0.15)  # fans vs typical likes, so nano communities stay small
COMMUNITY_P_MIN, COMMUNITY_P_MAX = 0.35, 0.80
# The fans write much of what the wider audience would (REAL comments/likes tops out ~0.08).
COMMUNITY_ORGANIC_COMMENT_FACTOR = 0.5

# --- fake followers (README: steps of 1K-10K within ~48 h, then taper; BRIEF 1K-50K, 20-300 %) --
PURCHASE_SHARE_FULL = (0.20, 3.0)  # log-uniform, relative to organic followers
PURCHASE_SHARE_PARTIAL = (0.10, 0.30)
PURCHASE_MAX = 50_000
PURCHASE_HOURS = (2.0, 48.0)
PURCHASE_WEEKLY_LOSS = (0.01, 0.05)  # attrition "a few %/week of the purchase"
PRE_WINDOW_DAYS = (5.0, 200.0)  # how long before the history window a pre_window purchase was

# --- engagement pods (README: 20-200 accounts, first hour, 30-minute drop window) ---------------
POD_CREATORS_MIN, POD_CREATORS_MAX = 3, 12  # "several" creators share one pod (ASSUMED)
POD_SIZE_MIN, POD_SIZE_MAX = 20, 200
POD_INFLATION = (0.10, 0.60)  # BRIEF: total engagement +10-60 %
POD_LIKE_SHARE_FULL, POD_LIKE_SHARE_PARTIAL = (0.40, 0.90), (0.20, 0.50)
POD_BOOSTED_FULL, POD_BOOSTED_PARTIAL = (0.85, 1.0), (0.30, 0.65)
POD_COMMENT_SHARE = (0.25, 0.70)
POD_DROP_WINDOW_S = 30 * MINUTE
# Members act 5-60 min after posting: lognormal median 15 min, truncated.
POD_DELAY_MEDIAN_S, POD_DELAY_SIGMA = 15 * MINUTE, 0.6
POD_DELAY_MIN_S, POD_DELAY_MAX_S = 4 * MINUTE, 60 * MINUTE
# Share of pod comments whose emoji differs from the member's template (ASSUMED).
POD_TEMPLATE_VARY = 0.25
# Pod members and community fans differ in keenness (lognormal weight fixed per account), so the
# keen ones engage on most posts while others drop in (ASSUMED; pods enforce reciprocity).
MEMBER_ACTIVITY_SIGMA, MEMBER_ACTIVITY_SALT = (
    1.2,
    0x5EED,
)

# --- bought engagement (BRIEF: 2-10x expected likes in 1-10 minute bursts, one-off actors) ------
BOT_MULT_FULL, BOT_MULT_PARTIAL = (2.0, 10.0), (1.3, 2.5)
BOT_BOOSTED_FULL, BOT_BOOSTED_PARTIAL = (0.80, 1.0), (0.25, 0.60)
BOT_BURSTS_MAX = 3
BOT_DELAY_S = (2 * MINUTE, 3 * DAY)  # log-uniform burst start after posting
BOT_BURST_S = (1 * MINUTE, 10 * MINUTE)
BOT_COMMENT_RATE = (0.002, 0.015)  # bought comments per bought like
BOT_PROVIDERS, BOT_FARM_SIZE = 4, 400_000
# Spam and promotions among comments ("get in touch with @...", "I made $4,000 with @..."), as in
# ScamSpot's real labelled comments: spam accounts comment on everyone, more on viral posts, and
# bought comments carry more of it by provider (one sells stock praise only).
ORGANIC_PROMO_SHARE, VIRAL_PROMO_SHARE = 0.03, 0.08
# Per creator, the share of its fans' comments that are spam: mean 0.07 with a long tail of spam
# magnets (5% of creators over 0.25; under ScamSpot's finance accounts 38% of labelled comments
# are scams), so a spam share alone does not prove bought comments.
ORGANIC_PROMO_BETA = (0.5, 7.0)
BOT_PROVIDER_PROMO_SHARE = (0.0, 0.1, 0.35, 0.6)
BOT_PURCHASE_SHARE = (0.05, 0.30)  # "bought_followers" bots

# --- engagement events table (ASSUMED) ----------------------------------------------------------
EVENT_POSTS_MAX = 12  # most recent posts only
LIKES_SAMPLE_CAP = 300  # likes are a uniform sample capped per post; comments are complete

# --- follower history and samples (ASSUMED unless marked) ---------------------------------------
HISTORY_DAYS = (60, 120)
HISTORY_IRREGULAR_SHARE = 0.3  # creators read every 1-2 days instead of daily
FOLLOWER_NOISE_PER_DAY = 0.002  # random-walk sd of log followers (unfollows, churn)
SAMPLE_SIZE = (30, 200)
# Fake-looking share of a genuine audience: Beta(a, b), mean ~6 % ("a few %", BRIEF).
BASE_FAKE_SHARE_AB = (1.5, 22.0)
BOUGHT_LOOK_FAKE = (0.70, 1.0)  # share of bought followers that look fake (rest "premium")
FOLLOWER_FARM_SIZE = 5_000_000  # ASSUMED; large enough that farm accounts rarely repeat
