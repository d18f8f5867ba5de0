"""Exports as the real tools write them, for the import tests.

instaloader downloads are written by instaloader itself (its ``Post``, ``Profile`` and
``PostComment`` built from the structures Instagram answers with, saved by ``download_post`` and
``save_metadata_json``), with no network: ``get_comments`` is the only call that would go online,
and it is given the comments. Graph API responses follow the reference's documented examples
(business discovery of Blue Bottle Coffee, the media edge with its paging cursors, the error body).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from instaloader import Instaloader, Post, PostComment, PostCommentAnswer, Profile

FIRST_POST = int(datetime(2026, 3, 1, 17, 0, tzinfo=UTC).timestamp())
DOWNLOADED_AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # the profile and post files' mtime
DAY = 86_400


@dataclass
class Download:
    """A profile folder instaloader wrote, and what went into it (the source's own numbers)."""

    folder: Path
    user_id: str
    likes: list[int | None] = field(default_factory=list)  # None: the owner hid them
    comment_counts: list[int] = field(default_factory=list)
    comment_events: int = 0


def instaloader_download(
    root: Path,
    username: str = "alice.makes",
    user_id: str = "5821462185",
    posts: int = 30,
    comments_each: int = 12,
    hidden: tuple[int, ...] = (4, 17),
) -> Download:
    """``instaloader --no-pictures --no-videos --comments USERNAME`` run in ``root``: a profile
    file, and per post its JSON and its comments (``comments_each`` a post: comments and answers).
    The posts in ``hidden`` have their likes hidden by the owner."""
    loader = _loader(root)
    user = {
        "pk": user_id,
        "username": username,
        "full_name": username.title(),
        "follower_count": 12_400,
        "following_count": 310,
        "media_count": posts + 2,
        "biography": "ceramics, slowly",
        "external_url": "https://example.com/shop",
        "is_private": False,
        "is_verified": False,
    }
    profile = Profile(loader.context, Profile._normalize_profile_data(dict(user, id=user_id)))
    folder = root / username
    folder.mkdir(parents=True)
    loader.save_metadata_json(str(folder / f"{username}_{user_id}"), profile)
    download = Download(folder, user_id)
    for i in range(posts):
        _download_post(loader, user, i, i in hidden, comments_each, download)
    for path in folder.glob("*.json*"):  # as if all were read at DOWNLOADED_AT
        os.utime(path, (DOWNLOADED_AT.timestamp(), DOWNLOADED_AT.timestamp()))
    return download


def _loader(root: Path) -> Instaloader:
    return Instaloader(
        dirname_pattern=str(root / "{target}"),
        download_pictures=False,
        download_videos=False,
        download_video_thumbnails=False,
        download_comments=True,
        save_metadata=True,
        compress_json=True,
        quiet=True,
    )


def _download_post(
    loader: Instaloader, user: dict, i: int, hidden: bool, comments: int, download: Download
) -> None:
    """One post, as the logged-in feed (``Post.from_iphone_struct``) gives it."""
    taken_at = FIRST_POST + i * 2 * DAY + (i * 7919 % 61) * 1_800  # every 1-3 days, any hour
    likes = 300 + 37 * (i % 7) + 5 * i
    media = {
        "pk": str(3_100_000_000_000_000_000 + i),
        "code": f"C{i:03d}xYz",
        "media_type": 1,
        "taken_at": taken_at,
        "caption": {"text": f"glaze test {i} #ceramics #pottery"},
        "has_liked": False,
        "like_count": likes,
        "comment_count": comments,
        "like_and_view_counts_disabled": hidden,
        "comments_disabled": False,
        "user": {k: user[k] for k in ("pk", "username", "is_private", "full_name")}
        | {"profile_pic_url": "https://example.com/p.jpg"},
    }
    post = Post.from_iphone_struct(loader.context, media)
    owner = Profile(loader.context, {"id": user["pk"], "username": user["username"]})
    post.get_comments = lambda: _comments(loader, post, owner, comments)  # no network
    loader.download_post(post, user["username"])
    download.likes.append(None if hidden else likes)
    download.comment_counts.append(comments)
    download.comment_events += comments


def _comments(
    loader: Instaloader, post: Post, creator: Profile, total: int
) -> Iterator[PostComment]:
    """``total`` comment events: comments, every other one answered by the creator."""
    taken_at, made = int(post.date_utc.replace(tzinfo=UTC).timestamp()), 0
    for k in range(total):
        if made >= total:
            return
        answers = []
        at = taken_at + 90 * 3 ** min(k, 8)  # from a minute and a half to days after posting
        if k % 2 == 1 and made + 2 <= total:
            answers.append(_answer(creator, at + 1_800, k))
        made += 1 + len(answers)
        fan = 900 + (taken_at // DAY * 7 + k * 13) % 500  # some fans come back, most do not
        owner = {"id": str(fan), "username": f"fan{fan}", "is_verified": False}
        node = {
            "id": int(f"{taken_at}{k:03d}"),
            "created_at": at,
            "text": f"love this glaze {k}",
            "owner": owner,
            "edge_liked_by": {"count": k % 3},
        }
        yield PostComment(loader.context, node, iter(answers), post)


def _answer(owner: Profile, at: int, k: int) -> PostCommentAnswer:
    return PostCommentAnswer(
        id=int(f"{at}{k:03d}"),
        created_at_utc=datetime.fromtimestamp(at, UTC).replace(tzinfo=None),
        text="thank you!",
        owner=owner,
        likes_count=0,
    )


# --- Graph API ----------------------------------------------------------------------------------

APP_USER = "17841405309211844"  # the reference's app user, who asks
BLUE_BOTTLE = "17841401441775531"  # the reference's target account
# The reference's documented media items (comments_count, like_count, id), newest first.
DOCUMENTED_MEDIA = [
    (50, 5841, "17858843269216389"),
    (11, 2998, "17894036119131554"),
    (28, 3644, "17894449363137701"),
    (43, 4943, "17844278716241265"),
    (60, 9347, "17899363132086521"),
]


def media_items(count: int, hidden: tuple[int, ...] = (), newest: int = 1_777_539_600) -> list:
    """``count`` media objects as the media edge returns them, newest first: the documented
    ones, then more; ``like_count`` is left out for ``hidden`` (the owner hides likes)."""
    out = []
    for i in range(count):
        comments, likes, media_id = (
            DOCUMENTED_MEDIA[i]
            if i < len(DOCUMENTED_MEDIA)
            else (20 + i, 3000 + 97 * i, f"1790{i:013d}")
        )
        item: dict[str, Any] = {
            "id": media_id,
            "timestamp": graph_time(newest - i * 3 * DAY + (i * 7919 % 61) * 1_800),
            "comments_count": comments,
            "like_count": likes,
            "media_type": "IMAGE",
        }
        if i in hidden:
            del item["like_count"]
        out.append(item)
    return out


def graph_time(seconds: int) -> str:
    """The API's timestamp form: ``2017-08-31T18:10:00+0000``."""
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def business_discovery(
    media: list | None, followers: int | None = 267_793, after: str | None = "QVFIUmx1WTBpMGpkOF"
) -> dict:
    """A response to ``GET /<APP_USER>?fields=business_discovery.username(bluebottle){...}``.
    ``followers=None`` is a page of the media edge alone (``media.after(CURSOR){...}``)."""
    account: dict[str, Any] = {"id": BLUE_BOTTLE}
    if followers is not None:
        account |= {
            "followers_count": followers,
            "follows_count": 1_843,
            "media_count": 1_205,
            "username": "bluebottle",
            "biography": "Coffee, roasted with care.",
            "website": "https://bluebottlecoffee.com/",
        }
    if media is not None:
        cursors = {"before": "QVFIUkZAbnFjNXRr"} | ({"after": after} if after else {})
        account["media"] = {"data": media, "paging": {"cursors": cursors}}
    return {"business_discovery": account, "id": APP_USER}


GRAPH_ERROR = {
    "error": {
        "message": "Invalid OAuth access token.",
        "type": "OAuthException",
        "code": 190,
        "fbtrace_id": "A2jJk0yPq1xZ",
    }
}


def save(path: Path, document: Any) -> Path:
    """A response saved as it came (``curl ... > path``)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1))
    return path


def instaloader_post_file(path: Path) -> Path:
    """One post's JSON file, saved by instaloader's ``save_structure_to_file``."""
    from instaloader.structures import save_structure_to_file

    node = {"shortcode": "Bx1", "taken_at_timestamp": FIRST_POST, "edge_media_to_comment": {}}
    save_structure_to_file(Post(_loader(path.parent).context, node), str(path))
    return path
