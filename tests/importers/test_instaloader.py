"""instaloader downloads (written by instaloader itself) → a validated dataset."""

from __future__ import annotations

import lzma
import os
from pathlib import Path

import pandas as pd
import pytest
from instaloader import Instaloader, Post, Profile

from creator_audit.dataset import read_dataset, write_dataset
from creator_audit.importers import SourceError, from_instaloader
from tests.importers.exports import DOWNLOADED_AT, FIRST_POST, instaloader_download


@pytest.fixture(scope="module")
def download(tmp_path_factory: pytest.TempPathFactory):
    return instaloader_download(tmp_path_factory.mktemp("instaloader"))


def test_a_download_imports_with_the_sources_counts_and_sums(download) -> None:
    ds = from_instaloader([download.folder]).dataset
    posts, events = ds.posts, ds.engagements
    assert len(posts) == 30 == len(download.likes)
    assert posts["likes"].sum() == sum(n for n in download.likes if n is not None)
    assert posts["comments"].sum() == sum(download.comment_counts) == 360
    assert len(events) == download.comment_events == 360
    assert set(events["kind"]) == {"comment"}
    assert events.groupby("post_id").size().eq(12).all()
    assert events["text"].notna().all() and events["actor_id"].notna().all()


def test_hidden_likes_are_missing_never_zero(download) -> None:
    posts = from_instaloader([download.folder]).dataset.posts.set_index("post_id")
    assert posts["likes"].isna().sum() == 2
    assert posts.loc[["C004xYz", "C017xYz"], "likes"].isna().all()
    assert (posts["likes"].dropna() > 0).all()


def test_the_profile_and_the_time_of_the_download(download) -> None:
    creator = from_instaloader([download.folder]).dataset.creators.iloc[0]
    assert creator["creator_id"] == download.user_id
    assert (creator["followers"], creator["following"], creator["media_count"]) == (12_400, 310, 32)
    assert creator["username"] == "alice.makes"
    assert creator["bio_length"] == len("ceramics, slowly")
    assert creator["has_external_url"] == 1.0 and creator["is_private"] == 0.0
    assert creator["snapshot_at"] == pd.Timestamp(DOWNLOADED_AT)


def test_post_fields(download) -> None:
    post = from_instaloader([download.folder]).dataset.posts.iloc[0]
    assert post["post_id"] == "C000xYz"
    assert post["posted_at"] == pd.Timestamp(FIRST_POST, unit="s", tz="UTC")
    assert post["hashtags"] == 2 and post["comments_disabled"] == 0.0


def test_written_and_read_back_a_hidden_like_count_stays_missing(download, tmp_path) -> None:
    ds = from_instaloader([download.folder]).dataset
    for fmt in ("parquet", "csv"):
        back = read_dataset(write_dataset(ds, tmp_path / fmt, fmt), with_labels=False)
        assert back.posts["likes"].isna().sum() == 2
        assert back.posts["likes"].sum() == ds.posts["likes"].sum()


def _loader(root: Path) -> Instaloader:
    return Instaloader(dirname_pattern=str(root / "{target}"), quiet=True)


def _profile_folder(root: Path, node: dict) -> Path:
    """A folder with only a profile file, saved by instaloader."""
    loader = _loader(root)
    folder = root / node["username"]
    folder.mkdir(parents=True)
    loader.save_metadata_json(
        str(folder / f"{node['username']}_{node['id']}"), Profile(loader.context, node)
    )
    return folder


LEGACY_PROFILE = {  # the web GraphQL node older instaloader versions read, and save without
    "id": "42",  # edge_owner_to_timeline_media (Profile._asdict drops it)
    "username": "old.timer",
    "edge_followed_by": {"count": 900},
    "edge_follow": {"count": 120},
    "edge_owner_to_timeline_media": {"count": 77, "edges": []},
    "biography": "",
    "external_url": None,
    "is_private": False,
    "is_verified": False,
}


def test_older_node_shapes_are_read_by_their_own_names(tmp_path) -> None:
    """The web GraphQL post node (older versions) and the logged-out 4.16 node, whose like
    count instaloader writes as 0 when hidden; their profile file lacks the media count."""
    folder = _profile_folder(tmp_path, LEGACY_PROFILE)
    loader = _loader(tmp_path)
    legacy = {
        "shortcode": "Bold1",
        "taken_at_timestamp": FIRST_POST,
        "edge_media_preview_like": {"count": 55},
        "edge_media_to_comment": {"count": 4},
        "comments_disabled": True,
        "location": {"id": "1", "name": "Lisbon"},
        "edge_media_to_caption": {"edges": [{"node": {"text": "#a #b #c"}}]},
        "owner": {"id": "42"},
    }
    raw_media = {  # what Instagram answers a logged-out visitor, normalised as 4.16 does
        "pk": "7", "code": "Bnew2", "media_type": 1, "taken_at": FIRST_POST + 86_400,
        "like_count": None, "comment_count": 9, "caption": None,
        "user": {"pk": "42", "username": "old.timer"},
    }  # fmt: skip
    for node in (legacy, Post._normalize_post_data(raw_media)):
        loader.save_metadata_json(str(folder / node["shortcode"]), Post(loader.context, node))
    imported = from_instaloader([folder])
    posts = imported.dataset.posts.set_index("post_id")
    assert posts.loc["Bold1", ["likes", "comments", "hashtags"]].tolist() == [55, 4, 3]
    assert posts.loc["Bold1", ["comments_disabled", "has_location"]].tolist() == [1.0, 1.0]
    assert pd.isna(posts.loc["Bnew2", "likes"]) and posts.loc["Bnew2", "comments"] == 9
    assert imported.dataset.creators["media_count"].tolist() == [2]
    assert "no media count in the profile file; media_count is the 2 posts" in imported.notes[0]
    assert imported.dataset.engagements is None  # no comments downloaded: unknown, not none


def test_one_post_twice_with_other_counts_is_refused(download, tmp_path) -> None:
    folder = tmp_path / "copy"
    folder.mkdir()
    for path in download.folder.iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    first = sorted(folder.glob("*_UTC.json.xz"))[0]
    text = lzma.decompress(first.read_bytes()).decode().replace('"comments":12', '"comments":13')
    (folder / "again.json.xz").write_bytes(lzma.compress(text.encode()))
    with pytest.raises(SourceError, match="appears again with 300 likes and 13 comments, but"):
        from_instaloader([folder])


def test_a_value_the_validation_refuses_is_named_at_its_file_and_field(tmp_path) -> None:
    node = LEGACY_PROFILE | {"edge_followed_by": {"count": -5}}
    folder = _profile_folder(tmp_path, node)
    with pytest.raises(SourceError) as caught:
        from_instaloader([folder])
    assert str(caught.value) == (
        f"{folder}/old.timer_42.json.xz: node.edge_followed_by.count: -5 is negative; counts "
        "must be >= 0"
    )


def test_the_snapshot_is_never_before_a_post_file(download, tmp_path) -> None:
    """A post file written after the profile file (a long download): the later time counts."""
    later = DOWNLOADED_AT.timestamp() + 3_600
    post = sorted(download.folder.glob("*_UTC.json.xz"))[0]
    os.utime(post, (later, later))
    try:
        creator = from_instaloader([download.folder]).dataset.creators.iloc[0]
    finally:
        os.utime(post, (DOWNLOADED_AT.timestamp(), DOWNLOADED_AT.timestamp()))
    assert creator["snapshot_at"] == pd.Timestamp(later, unit="s", tz="UTC")
