"""A small, fixed creator that every model must score before it serves (see ``serving.holder``)."""

from __future__ import annotations

from serving.schemas import ScoreRequest

_DAY = 86_400
_START = 1_767_225_600  # 2026-01-01T00:00:00Z

SMOKE_REQUEST = ScoreRequest.model_validate(
    {
        "creator": {
            "creator_id": "smoke-test",
            "followers": 5200,
            "following": 610,
            "media_count": 90,
        },
        "posts": [
            {
                "post_id": f"smoke-{i}",
                "posted_at": _START + i * 3 * _DAY + 64_800,
                "likes": 240 + 17 * (i % 5),
                "comments": 6 + i % 4,
            }
            for i in range(12)
        ],
        "engagements": [
            {
                "post_id": "smoke-11",
                "actor_id": f"fan-{j}",
                "kind": "like",
                "at": _START + 33 * _DAY + 64_800 + 90 * j,
            }
            for j in range(40)
        ],
        "follower_counts": [
            {"at": _START + d * _DAY, "followers": 5000 + 6 * d} for d in range(0, 36)
        ],
    }
)
