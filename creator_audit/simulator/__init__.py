"""Synthetic, labelled creator datasets for training and testing the fraud model.

``generate(n_creators, seed)`` returns a ``Dataset`` with all six contract tables in canonical
dtypes; ``generate_to_dir(out_dir, n_creators, seed, fmt)`` writes it atomically. The same seed
gives byte-identical files (fixed snapshot 2026-06-01T00:00Z, seeded streams, no wall clock).

Classes (``config.LABEL_SHARES``): genuine 55 %, fake_followers 15 %, engagement_pod 15 %,
bot_engagement 15 %, shuffled before ids are assigned. The labels table also carries
``hard_case`` (``config.HARD_CASE_SHARES``), shares within each class:

- genuine: viral 10 % (1-2 posts at 5-30x likes, fast but from diverse one-off people),
  giveaway 8 % (follower jump of 10-40 % in 1-3 days, a flood of tag comments), community 10 %
  (3-60 fans, scaled to the size, comment on most posts, quickly), scheduled 8 %
  (machine-regular posting times, like half of the bots);
- fake_followers: partial 30 % (a 10-30 % purchase), pre_window 20 % (bought before the
  follower history starts, so only the low engagement and the follower sample show it);
- engagement_pod: partial 30 % (30-65 % of posts boosted by 20-50 % of members), small_pod 15 %
  (nano/small creators);
- bot_engagement: partial 30 % (25-60 % of posts boosted 1.3-2.5x), bought_followers 20 %
  (also bought 5-30 % followers).

Optional tables are present for a share of creators drawn independently of the label:
engagement events 50 % (most recent <= 12 posts; all comments, **likes a uniform sample capped at
300 per post**, so use shares and rates, not event counts), follower_counts 75 %,
follower_samples 70 %.
"""

from creator_audit.simulator.generate import generate, generate_to_dir

__all__ = ["generate", "generate_to_dir"]
