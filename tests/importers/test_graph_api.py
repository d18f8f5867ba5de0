"""Graph API business discovery responses (the reference's documented shapes) → a dataset."""

from __future__ import annotations

import os

import pandas as pd
import pytest

from creator_audit.importers import SourceError, from_graph_api
from tests.importers.exports import (
    BLUE_BOTTLE,
    DOCUMENTED_MEDIA,
    business_discovery,
    media_items,
    save,
)

FIRST_TAKEN, LATER, LATEST = "20260501T120000Z", "20260508T120000Z", "2026-05-15T12:00:00+00:00"


def test_one_response_imports_with_its_counts_and_sums(tmp_path) -> None:
    media = media_items(25, hidden=(7,))
    path = save(tmp_path / f"bluebottle_{FIRST_TAKEN}.json", business_discovery(media))
    ds = from_graph_api([path]).dataset
    assert len(ds.posts) == 25
    assert ds.posts["likes"].sum() == sum(m.get("like_count", 0) for m in media)
    assert ds.posts["likes"].isna().sum() == 1  # like_count left out: hidden, not 0
    assert ds.posts["comments"].sum() == sum(m["comments_count"] for m in media)
    first = ds.posts.set_index("post_id").loc[DOCUMENTED_MEDIA[0][2]]
    assert (first["likes"], first["comments"]) == (DOCUMENTED_MEDIA[0][1], DOCUMENTED_MEDIA[0][0])
    creator = ds.creators.iloc[0]
    assert creator["creator_id"] == BLUE_BOTTLE and creator["username"] == "bluebottle"
    assert (creator["followers"], creator["following"], creator["media_count"]) == (
        267_793,
        1_843,
        1_205,
    )
    assert creator["snapshot_at"] == pd.Timestamp("2026-05-01T12:00:00Z")
    assert ds.follower_counts["followers"].tolist() == [267_793]
    assert ds.engagements is None  # the API gives counts, not who engaged


def test_responses_over_time_are_the_follower_history_and_pages_join(tmp_path) -> None:
    media = media_items(40)
    later = [dict(m, like_count=m["like_count"] + 10) for m in media[:25]]  # likes grew
    files = [
        save(tmp_path / f"bb_{FIRST_TAKEN}.json", business_discovery(media[:25], 260_000)),
        save(
            tmp_path / f"bb_{FIRST_TAKEN[:-1]}5Z_page2.json", business_discovery(media[25:], None)
        ),
        save(tmp_path / f"bb_{LATER}.json", business_discovery(later, 264_000)),
        save(tmp_path / f"bb_{LATEST}.json", business_discovery(None, 267_793)),
    ]
    ds = from_graph_api(files[::-1]).dataset  # the times order them, not the arguments
    history = ds.follower_counts.sort_values("at")
    assert history["followers"].tolist() == [260_000, 264_000, 267_793]
    assert len(ds.posts) == 40  # two pages of the edge, joined
    newest = ds.posts.set_index("post_id").loc[media[0]["id"], "likes"]
    assert newest == media[0]["like_count"] + 10  # the later read of a post wins
    creator = ds.creators.iloc[0]
    assert creator["followers"] == 267_793
    assert creator["snapshot_at"] == pd.Timestamp(LATEST)


def test_without_a_time_in_its_name_a_response_was_taken_when_saved(tmp_path) -> None:
    path = save(tmp_path / "bluebottle.json", business_discovery(media_items(3)))
    saved = pd.Timestamp("2026-05-20T08:30:00Z")
    os.utime(path, (saved.timestamp(), saved.timestamp()))
    ds = from_graph_api([path]).dataset
    assert ds.creators["snapshot_at"].tolist() == [saved]
    assert ds.follower_counts["at"].tolist() == [saved]


def test_two_responses_at_one_time_must_agree(tmp_path) -> None:
    media = media_items(3)
    other = [dict(media[0], comments_count=99), *media[1:]]
    files = [
        save(tmp_path / "a" / f"bb_{FIRST_TAKEN}.json", business_discovery(media)),
        save(tmp_path / "b" / f"bb_{FIRST_TAKEN}.json", business_discovery(other)),
    ]
    with pytest.raises(SourceError, match="appears again with 5841 likes and 99 comments, but"):
        from_graph_api(files)


def test_a_bad_value_is_named_at_its_file_and_field(tmp_path) -> None:
    media = media_items(3)
    media[2]["timestamp"] = "2017-08-31T18:10:00"  # no offset
    path = save(tmp_path / f"bb_{FIRST_TAKEN}.json", business_discovery(media))
    with pytest.raises(SourceError) as caught:
        from_graph_api([path])
    assert str(caught.value).startswith(
        f"{path}: business_discovery.media.data[2].timestamp: '2017-08-31T18:10:00' has no UTC "
        "offset"
    )


def test_without_the_profile_counts_the_field_to_request_is_named(tmp_path) -> None:
    response = business_discovery(media_items(2))
    del response["business_discovery"]["follows_count"]
    path = save(tmp_path / "bb.json", response)
    with pytest.raises(SourceError, match=r"business_discovery\.follows_count: missing, and no"):
        from_graph_api([path])


def test_other_json_is_named_for_what_it_lacks(tmp_path) -> None:
    path = save(tmp_path / "accounts.json", {"data": [{"id": "1"}], "paging": {}})
    with pytest.raises(SourceError, match=r"accounts\.json: business_discovery: missing: not a"):
        from_graph_api([path])
