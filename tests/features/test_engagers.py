import numpy as np
import pytest

from features.engagers import ENGAGER_COLUMNS
from tests.features.families import engager_features
from tests.features.frames import (
    DAY,
    HOUR,
    MIN,
    T0,
    MoneyIsSpam,
    creators,
    empty,
    engagements,
    posts,
)


@pytest.fixture
def tables():
    c = creators(
        {"creator_id": "a", "snapshot_at": T0 + 10 * DAY},
        {"creator_id": "b", "snapshot_at": T0 + 10 * DAY},
    )
    p = posts(
        {"creator_id": "a", "post_id": "p1", "posted_at": T0},
        {"creator_id": "a", "post_id": "p2", "posted_at": T0 + DAY},
        {"creator_id": "a", "post_id": "p3", "posted_at": T0 + 2 * DAY},
        {"creator_id": "b", "post_id": "q1", "posted_at": T0},
    )
    e = engagements(
        *(
            {"post_id": f"p{i}", "actor_id": "pod", "at": T0 + (i - 1) * DAY + MIN}
            for i in (1, 2, 3)
        ),
        {"post_id": "p1", "actor_id": "fan", "at": T0 + 3 * HOUR},
        {"post_id": "p2", "actor_id": "fan", "at": T0 + DAY + 3 * HOUR},
        {"post_id": "p1", "actor_id": "x", "at": T0 + 2 * MIN},
        {
            "post_id": "p2",
            "actor_id": "y",
            "kind": "comment",
            "at": T0 + DAY + 5 * MIN,
            "text": "nice",
        },
        {
            "post_id": "p3",
            "actor_id": "y",
            "kind": "comment",
            "at": T0 + 2 * DAY + 5 * MIN,
            "text": "  Nice ",
        },
        {
            "post_id": "p3",
            "actor_id": "z",
            "kind": "comment",
            "at": T0 + 2 * DAY + 10 * MIN,
            "text": "What a great shot of the harbour at  dusk",
        },
    )
    return c, p, e


def test_recurring_actors(tables):
    a = engager_features(*tables).loc["a"]
    # pod (3 posts), fan (2) and y (2) engaged on >= 2 and >= half of the 3 posts: 7 of 9 events.
    assert a["recurring_actor_event_share"] == pytest.approx(7 / 9)
    assert a["recurring_share_first_hour"] == pytest.approx(5 / 7)  # pod x3, y x2 of 7
    assert a["recurring_share_after_first_hour"] == pytest.approx(1.0)  # fan x2
    assert a["distinct_actors_per_event"] == pytest.approx(5 / 9)


def test_commenter_overlap(tables):
    # p3's commenters y, z; y also commented on p2 (p1 has no comments, so p2 has no previous).
    assert engager_features(*tables).loc["a", "commenter_overlap_consecutive"] == pytest.approx(0.5)


def test_comment_text(tables):
    a = engager_features(*tables).loc["a"]
    assert a["duplicate_comment_share"] == pytest.approx(2 / 3)  # "nice" twice once normalised
    assert a["generic_comment_share"] == pytest.approx(2 / 3)
    assert a["comment_words_mean"] == pytest.approx((1 + 1 + 9) / 3)


def test_generic_lexicon_and_emoji():
    c = creators({"creator_id": "a"})
    p = posts({"creator_id": "a", "post_id": "p", "posted_at": T0})
    texts = ["🔥 🔥 🔥", "Love this so much!!", "I really like the colours here", None]
    e = engagements(
        *(
            {"post_id": "p", "actor_id": f"u{i}", "kind": "comment", "at": T0, "text": t}
            for i, t in enumerate(texts)
        )
    )
    a = engager_features(c, p, e).loc["a"]
    assert a["generic_comment_share"] == pytest.approx(2 / 3)  # the comment without text is out
    assert a["duplicate_comment_share"] == 0.0


def test_missing_and_empty_engagements(tables):
    c, p, e = tables
    assert engager_features(c, p, None).isna().all().all()
    assert engager_features(c, p, empty("engagements")).isna().all().all()
    assert engager_features(c, p, e).loc["b"].isna().all()  # b has no events
    no_text = engager_features(c, p, e.drop(columns="text")).loc["a"]
    assert np.isnan(no_text["generic_comment_share"])
    assert no_text["recurring_actor_event_share"] == pytest.approx(7 / 9)
    assert list(no_text.index) == list(ENGAGER_COLUMNS)


def test_comment_spam_share_and_mean_read_each_distinct_text_once():
    c = creators({"creator_id": "a"}, {"creator_id": "b"})
    p = posts(
        {"creator_id": "a", "post_id": "p", "posted_at": T0},
        {"creator_id": "b", "post_id": "q", "posted_at": T0},
    )
    texts = {"p": ["made $5k, dm me", "made $5k, dm me", "lovely light", None], "q": ["cute"]}
    e = engagements(
        *(
            {"post_id": post, "actor_id": f"u{i}", "kind": "comment", "at": T0, "text": t}
            for post, post_texts in texts.items()
            for i, t in enumerate(post_texts)
        )
    )
    model = MoneyIsSpam()
    out = engager_features(c, p, e, model)
    assert out.loc["a", "comment_spam_share"] == pytest.approx(2 / 3)  # the textless one is out
    assert out.loc["a", "comment_spam_mean"] == pytest.approx((0.9 + 0.9 + 0.2) / 3)
    assert out.loc["b", "comment_spam_share"] == 0.0
    assert sorted(t for call in model.asked for t in call) == sorted(
        ["made $5k, dm me", "lovely light", "cute"]
    )
    without_model = engager_features(c, p, e)
    assert without_model[["comment_spam_share", "comment_spam_mean"]].isna().all().all()
    no_text = engager_features(c, p, e.drop(columns="text"), model)
    assert no_text[["comment_spam_share", "comment_spam_mean"]].isna().all().all()
