"""creator-audit: influencer-marketing fraud detection (fake followers, engagement pods, bots)."""

__version__ = "0.1.0"
