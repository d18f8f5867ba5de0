"""The comment model's signals that hold across languages and niches, and its optional authors."""

from __future__ import annotations

import json

import numpy as np
import pytest

from creator_audit.bundle import BundleError
from scoring.comment_model import CommentModel, signals
from scoring.comment_signals import AUTHOR_SIGNALS, LEGACY_SIGNALS, SIGNALS, TEXT_SIGNALS


def _signal(name: str, texts: list[str]) -> list[float]:
    return signals(texts, names=[name])[:, 0].tolist()


def test_links_and_domains_are_found_bare_or_spelt_out() -> None:
    found = _signal(
        "links",
        [
            "go to https://example.org/x now",
            "visit ZONEPA.COM today",
            "adf.ly /KlD3Y",
            "join the fight at rand paul dot com",
            "youtu.be/abc",
            "i was so tired.then i slept",  # a missing space after a full stop is not a link
            "it costs 3.50 per month",
        ],
    )
    assert [v > 0 for v in found] == [True, True, True, True, True, False, False]


def test_phone_numbers_but_not_prices_or_counts() -> None:
    found = _signal(
        "phone_numbers",
        [
            "dm me or +256 755 378 618",
            "call 0803-555-1234",
            "870,000,000 views",
            "made $5,000 in 2 days",
            "born in 1998",
        ],
    )
    assert found == [1.0, 1.0, 0.0, 0.0, 0.0]


def test_calls_to_action_in_several_languages() -> None:
    found = _signal(
        "calls_to_action",
        [
            "Check out my channel and subscribe!",
            "suscríbete a mi canal",
            "abonnez-vous",
            "whatsapp me",
            "link in bio",
            "this song is so good",
            "i love the chorus",
        ],
    )
    assert [v > 0 for v in found] == [True, True, True, True, True, False, False]
    assert found[0] > found[3]  # two calls count more than one


def test_form_signals_on_hand_written_comments() -> None:
    texts = [
        "🔥🔥🔥",
        "SUBSCRIBE TO MY CHANNEL",
        "OMG",
        "sooooo good!!!",
        "buy buy buy buy now",
        "ok",
    ]
    table = dict(zip(TEXT_SIGNALS, signals(texts, names=TEXT_SIGNALS).T, strict=True))
    assert table["emoji_only"].tolist() == [1, 0, 0, 0, 0, 0]
    assert table["all_caps"].tolist() == [0, 1, 0, 0, 0, 0]  # "OMG" is too short to shout
    assert table["repeated_chars"][3] == pytest.approx(np.log1p(2))  # "oooo" and "!!!"
    assert table["repeated_chars"][5] == 0
    assert table["repeated_words"][4] == pytest.approx(1 - 2 / 5)
    assert table["handles"].tolist() == [0] * 6
    assert signals(["dm @a_b and @c.d"], names=["handles"])[0, 0] == 2


def test_near_duplicates_by_the_same_author_across_posts() -> None:
    texts = [
        "Check out my new video on my channel!!",
        "check out my new video on my channel",
        "Check out my NEW video on my channel :)",
        "check out my new video on my channel",  # the same text, another author
        "nice song",
        "nice song",  # the same author again, on the same post
    ]
    authors = ["spammer", "spammer", "spammer", "fan", "listener", "listener"]
    groups = ["v1", "v2", "v3", "v1", "v1", "v1"]
    values = signals(texts, names=AUTHOR_SIGNALS, authors=authors, groups=groups)
    assert values[:, 0].tolist() == pytest.approx(np.log1p([2, 2, 2, 0, 1, 1]).tolist())
    assert values[:, 1].tolist() == pytest.approx(np.log1p([2, 2, 2, 0, 0, 0]).tolist())
    no_groups = signals(texts, names=AUTHOR_SIGNALS, authors=authors)
    assert np.isnan(no_groups[:, 1]).all() and not np.isnan(no_groups[:, 0]).any()


def test_author_signals_are_missing_not_zero_without_authors() -> None:
    texts = ["check out my channel", "check out my channel", "nice"]
    assert np.isnan(signals(texts, names=AUTHOR_SIGNALS)).all()
    partly = signals(texts, names=AUTHOR_SIGNALS, authors=["a", None, "a"], groups=["p", "q", None])
    assert not np.isnan(partly[0]).any() and np.isnan(partly[1]).all()
    assert np.isnan(partly[2, 1]) and partly[2, 0] == 0


def _fitted(authors: bool = True) -> tuple[CommentModel, list[str], list[str], list[str]]:
    spam = ["check out my channel please", "subscribe to my channel", "visit zonepa.com now"]
    real = ["love this song", "her voice is amazing", "who is watching in 2015", "nice"]
    texts = spam * 6 + real * 6
    who = [f"s{i % 4}" for i in range(18)] + [f"r{i}" for i in range(24)]
    where = [f"v{i % 3}" for i in range(42)]
    labels = np.array([True] * 18 + [False] * 24)
    kw = {"authors": who, "groups": where} if authors else {}
    return CommentModel.fit(texts, labels, **kw), texts, who, where


def test_p_spam_on_texts_only_still_works() -> None:
    model, texts, who, where = _fitted()
    p = model.p_spam(["check out my channel and subscribe", "love this song"])
    assert p[0] > 0.5 > p[1]
    alone = model.p_spam(texts)
    with_authors = model.p_spam(texts, authors=who, groups=where)
    assert alone.shape == with_authors.shape == (len(texts),)
    assert not np.allclose(alone, with_authors)  # the author signals count when given
    # a model fit on texts only scores the same with or without authors
    texts_only, *_ = _fitted(authors=False)
    np.testing.assert_allclose(texts_only.p_spam(texts, authors=who), texts_only.p_spam(texts))


def test_bundle_round_trip_gives_identical_p_spam(tmp_path) -> None:
    model, texts, who, where = _fitted()
    path = model.save(tmp_path / "c.bundle")
    loaded = CommentModel.load(path)
    assert loaded.signals == list(SIGNALS)
    np.testing.assert_array_equal(loaded.p_spam(texts), model.p_spam(texts))
    np.testing.assert_array_equal(
        loaded.p_spam(texts, authors=who, groups=where),
        model.p_spam(texts, authors=who, groups=where),
    )


def test_a_format_2_bundle_still_loads_as_the_seven_counts() -> None:
    _, texts, *_ = _fitted(authors=False)
    legacy = CommentModel.fit(texts, np.array([True] * 18 + [False] * 24), names=LEGACY_SIGNALS)
    payload = json.loads(json.dumps(legacy.to_payload()))
    payload["format"] = "comment-authenticity/2"
    del payload["signals"]
    old = CommentModel.from_payload(payload, "old.bundle")
    assert old.signals == list(LEGACY_SIGNALS)
    np.testing.assert_array_equal(old.p_spam(texts), legacy.p_spam(texts))
    payload["signals"] = ["a_signal_from_the_future"]
    with pytest.raises(BundleError, match="does not know"):
        CommentModel.from_payload(payload, "new.bundle")
