"""instaloader downloads → ``creators``, ``posts`` and ``engagements`` (comments).

One folder per creator, as ``instaloader --no-pictures --no-videos --comments PROFILE`` writes it
(the format is instaloader's own: ``structures.save_structure_to_file`` and
``Instaloader.update_comments``; instaloader is not needed to read it):

- ``<profile>_<id>.json[.xz]``: the profile, ``{"node": {...}, "instaloader": {"node_type":
  "Profile"}}``;
- ``<base>.json[.xz]`` (``<date>_UTC`` by default): one post each, ``node_type`` ``"Post"``;
- ``<base>_comments.json``: that post's comments, each with its ``answers``, as a JSON array.

Other files (captions, pictures, the ``id`` file) are not read; instaloader's resume files are
skipped. Source field → contract column (``node.`` omitted; where instaloader's versions write a
value under different names, the first one there is read, in the order given):

- creators.creator_id ← ``id`` / ``pk``; username, is_private, is_verified ← the same names;
  bio_length ← the length of ``biography``; has_external_url ← ``external_url`` non-empty;
  has_profile_pic ← not ``iphone_struct.has_anonymous_profile_picture``.
- followers ← ``edge_followed_by.count`` / ``follower_count``; following ← ``edge_follow.count``
  / ``following_count``; media_count ← ``edge_owner_to_timeline_media.count`` / ``media_count``
  / ``all_media_count`` / ``iphone_struct.media_count``, else the posts in the folder (and the
  import says so: older instaloader versions drop the count from the file).
- snapshot_at ← the latest modification time of the profile and post files: instaloader writes
  each as it reads it, and the files hold no time of their own (a copy that did not keep the
  times makes it the time of the copy).
- posts.post_id ← ``shortcode`` / ``code``; posted_at ← ``date`` / ``taken_at_timestamp`` /
  ``taken_at`` (unix seconds); comments ← ``edge_media_to_comment.count`` /
  ``edge_media_to_parent_comment.count`` / ``comments`` / ``comment_count``.
- likes ← missing where ``like_and_view_counts_disabled`` (the owner hid them; some versions
  write 0 then), else ``like_count`` / ``edge_media_preview_like.count`` /
  ``edge_liked_by.count``; missing, never 0, when the file has none.
- comments_disabled ← ``comments_disabled``; has_location ← ``location`` not null; hashtags ← the
  ``#tags`` of the caption (instaloader's ``caption_hashtags`` rule).
- engagements: every comment and answer, kind ``comment``: actor_id ← ``owner.id``, at ←
  ``created_at`` (unix seconds), text ← ``text``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from creator_audit.importers.source import (
    SourceError,
    child,
    field,
    first_present,
    items,
    mapping,
    modified_at,
    read_json,
)
from creator_audit.importers.tables import ImportedTables, Origin

PROFILE, POST = "Profile", "Post"
RESUME_STATE = "FrozenNodeIterator"  # instaloader's resume files (``--resume-prefix``)
COMMENTS_SUFFIX = "_comments.json"
HASHTAG = re.compile(r"#(\w{1,150})")  # instaloader's own rule for caption_hashtags


@dataclass(frozen=True)
class Structure:
    """One instaloader JSON file: what it holds (``node_type``) and its ``node``."""

    path: Path
    node_type: str
    node: Mapping[str, Any]

    @property
    def base(self) -> str:
        """The name instaloader gives the post's other files: ``<base>_comments.json``."""
        return self.path.name.removesuffix(".xz").removesuffix(".json")


def import_instaloader(folders: Sequence[Path], tables: ImportedTables) -> None:
    """Add every profile folder of ``folders`` (one creator each) to ``tables``."""
    for folder in folders:
        _import_folder(Path(folder), tables)


def _import_folder(folder: Path, tables: ImportedTables) -> None:
    structures, comment_files = _read_folder(folder)
    profile = _the_profile(folder, structures)
    posts = [s for s in structures if s.node_type == POST]
    creator_id = _creator_id(profile)
    tables.add("creators", *_creator_row(profile, posts, tables))
    post_ids = {}
    for post in posts:
        row, origin = _post_row(post, creator_id)
        tables.add_post(row, origin, taken_at=None)  # one download: a repeat must agree
        post_ids[post.base] = row["post_id"]
    for path in comment_files:
        base = path.name.removesuffix(COMMENTS_SUFFIX)
        if base not in post_ids:
            raise SourceError(path, None, f"comments of a post with no post file ({base}.json.xz)")
        for row, origin in _comment_rows(path, post_ids[base]):
            tables.add("engagements", row, origin)


def _read_folder(folder: Path) -> tuple[list[Structure], list[Path]]:
    """The folder's instaloader structures and its comments files."""
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is a file, not a folder"
        raise SourceError(
            folder, None, f"{what}; import instaloader takes one profile folder per creator"
        )
    structures, comment_files = [], []
    for path in sorted(folder.iterdir()):
        if path.name.endswith(COMMENTS_SUFFIX):
            comment_files.append(path)
        elif path.name.endswith((".json", ".json.xz")) and path.is_file():
            structure = _structure(path)
            if structure.node_type != RESUME_STATE:
                structures.append(structure)
    return structures, comment_files


def _structure(path: Path) -> Structure:
    """A file ``save_structure_to_file`` wrote: ``{"node": ..., "instaloader": {"node_type"}}``."""
    document = read_json(path)
    if isinstance(document, Mapping) and "business_discovery" in document:
        raise SourceError(
            path,
            None,
            "a Graph API response, not an instaloader file: creator-audit import "
            "graph-api reads it",
        )
    envelope = mapping(document, path, "")
    node_type = field(envelope, path, "", "instaloader", "node_type")
    if node_type not in (PROFILE, POST, RESUME_STATE):
        raise SourceError(
            path, "instaloader.node_type", f"{node_type!r}: only Profile and Post files are read"
        )
    node = mapping(field(envelope, path, "", "node"), path, "node")
    return Structure(path, node_type, node)


def _the_profile(folder: Path, structures: list[Structure]) -> Structure:
    profiles = [s for s in structures if s.node_type == PROFILE]
    if len(profiles) == 1:
        return profiles[0]
    if not profiles:
        raise SourceError(
            folder,
            None,
            "no profile file (<profile>_<id>.json.xz, node_type Profile): it holds "
            "the follower counts; instaloader writes it unless run with --no-metadata-json",
        )
    names = ", ".join(p.path.name for p in profiles)
    raise SourceError(
        folder, None, f"holds {len(profiles)} profile files ({names}); one per folder"
    )


def _creator_id(profile: Structure) -> str:
    value, name = first_present(profile.node, profile.path, "node", ("id",), ("pk",))
    return _ident(value, profile.path, child("node", name))


def _creator_row(
    profile: Structure, posts: list[Structure], tables: ImportedTables
) -> tuple[dict[str, Any], Origin]:
    node, path = profile.node, profile.path
    row: dict[str, Any] = {"creator_id": _creator_id(profile)}
    fields: dict[str, str] = {"creator_id": "id", **_TRAIT_FIELDS}
    for column, candidates in _PROFILE_COUNTS.items():
        row[column], fields[column] = _first(node, path, candidates, column != "media_count")
    if row["media_count"] is None:
        row["media_count"] = len(posts)
        fields["media_count"] = "(the posts in the folder)"
        tables.notes.append(
            f"{path}: no media count in the profile file; media_count is the {len(posts)} posts "
            "downloaded beside it"
        )
    row.update(_profile_traits(node))
    files = [profile.path, *(p.path for p in posts)]
    row["snapshot_at"] = max(modified_at(p) for p in files)
    fields["snapshot_at"] = "(the latest modification time of the profile and post files)"
    return row, Origin(path, "node", fields)


_PROFILE_COUNTS: dict[str, tuple[tuple[str, ...], ...]] = {
    "followers": (("edge_followed_by", "count"), ("follower_count",)),
    "following": (("edge_follow", "count"), ("following_count",)),
    "media_count": (
        ("edge_owner_to_timeline_media", "count"),
        ("media_count",),
        ("all_media_count",),
        ("iphone_struct", "media_count"),
    ),
}
_TRAIT_FIELDS = {
    "username": "username",
    "is_private": "is_private",
    "is_verified": "is_verified",
    "bio_length": "biography",
    "has_external_url": "external_url",
    "has_profile_pic": "iphone_struct.has_anonymous_profile_picture",
}


def _first(
    node: Mapping[str, Any], path: Path, candidates: tuple[tuple[str, ...], ...], required: bool
) -> tuple[Any, str]:
    """The first candidate field there (and its name below ``node``); when none is, a
    SourceError, or (None, "") for a value that may be missing."""
    try:
        return first_present(node, path, "node", *candidates)
    except SourceError:
        if required:
            raise
        return None, ""


def _profile_traits(node: Mapping[str, Any]) -> dict[str, Any]:
    """The optional traits the profile gives (absent ones stay missing)."""
    traits: dict[str, Any] = {}
    for name in ("username", "is_private", "is_verified"):
        if node.get(name) is not None:
            traits[name] = node[name]
    if isinstance(node.get("biography"), str):
        traits["bio_length"] = len(node["biography"])
    if "external_url" in node:
        traits["has_external_url"] = bool(node["external_url"])
    iphone = node.get("iphone_struct")
    anonymous = iphone.get("has_anonymous_profile_picture") if isinstance(iphone, Mapping) else None
    if isinstance(anonymous, bool):
        traits["has_profile_pic"] = not anonymous
    return traits


def _post_row(post: Structure, creator_id: str) -> tuple[dict[str, Any], Origin]:
    node, path = post.node, post.path
    _check_owner(post, creator_id)
    post_id, id_field = first_present(node, path, "node", ("shortcode",), ("code",))
    posted_at, date_field = first_present(
        node, path, "node", ("date",), ("taken_at_timestamp",), ("taken_at",)
    )
    comments, comments_field = first_present(node, path, "node", *_COMMENT_COUNTS)
    likes, likes_field = _likes(node)
    row = {
        "creator_id": creator_id,
        "post_id": _ident(post_id, path, child("node", id_field)),
        "posted_at": posted_at,
        "likes": likes,
        "comments": comments,
        **_post_traits(node),
    }
    fields = {"post_id": id_field, "posted_at": date_field, "likes": likes_field}
    fields |= {"comments": comments_field, "creator_id": "owner.id"}
    fields |= {name: name for name in ("comments_disabled", "has_location")}
    fields["hashtags"] = "(the #tags of the caption)"
    return row, Origin(path, "node", fields)


_COMMENT_COUNTS = (
    ("edge_media_to_comment", "count"),
    ("edge_media_to_parent_comment", "count"),
    ("comments",),
    ("comment_count",),
)


def _check_owner(post: Structure, creator_id: str) -> None:
    owner = post.node.get("owner")
    owner_id = owner.get("id", owner.get("pk")) if isinstance(owner, Mapping) else None
    if owner_id is not None and str(owner_id) != creator_id:
        raise SourceError(
            post.path,
            "node.owner.id",
            f"{owner_id!r}: a post of another account than the folder's profile ({creator_id!r})",
        )


def _likes(node: Mapping[str, Any]) -> tuple[Any, str]:
    """The like count and its field; None where the owner hid it or the file does not have it
    (instaloader writes 0 for a hidden count in some versions: the flag says it is hidden)."""
    iphone = node.get("iphone_struct") or {}
    for where, struct in (("", node), ("iphone_struct", iphone)):
        if isinstance(struct, Mapping) and struct.get("like_and_view_counts_disabled") is True:
            return None, child(where, "like_and_view_counts_disabled")
    if "like_count" in node:  # the raw media instaloader keeps: null when hidden
        return node["like_count"], "like_count"
    for name in ("edge_media_preview_like", "edge_liked_by"):
        edge = node.get(name)
        if isinstance(edge, Mapping) and edge.get("count") is not None:
            return edge["count"], f"{name}.count"
    return None, "(no like count in the file)"


def _post_traits(node: Mapping[str, Any]) -> dict[str, Any]:
    iphone = node.get("iphone_struct") if isinstance(node.get("iphone_struct"), Mapping) else {}
    traits: dict[str, Any] = {}
    disabled = node.get("comments_disabled", iphone.get("comments_disabled"))
    if disabled is not None:
        traits["comments_disabled"] = disabled
    if "location" in node:
        traits["has_location"] = node["location"] is not None
    caption = _caption(node)
    if caption is not None:
        traits["hashtags"] = len(HASHTAG.findall(caption.lower()))
    return traits


def _caption(node: Mapping[str, Any]) -> str | None:
    """The caption as instaloader's ``Post.caption`` reads it ('' for a post without one; None
    when the file does not say)."""
    edges = node.get("edge_media_to_caption")
    if isinstance(edges, Mapping) and isinstance(edges.get("edges"), list):
        first = edges["edges"][0] if edges["edges"] else {}
        text = (first.get("node") or {}).get("text") if isinstance(first, Mapping) else None
        return text if isinstance(text, str) else ""
    if "caption" not in node:
        return None
    caption = node["caption"]
    if isinstance(caption, Mapping):  # the raw media's caption object
        caption = caption.get("text")
    return caption if isinstance(caption, str) else ""


def _comment_rows(path: Path, post_id: str) -> Iterator[tuple[dict[str, Any], Origin]]:
    """Every comment and every answer of a ``_comments.json`` file, as engagement rows."""
    for i, comment in enumerate(items(read_json(path), path, "")):
        where = f"[{i}]"
        yield _comment_row(comment, path, where, post_id)
        answers = mapping(comment, path, where).get("answers") or []
        for j, answer in enumerate(items(answers, path, child(where, "answers"))):
            yield _comment_row(answer, path, f"{where}.answers[{j}]", post_id)


_COMMENT_FIELDS = {"actor_id": "owner.id", "at": "created_at", "text": "text", "kind": "(comment)"}


def _comment_row(
    comment: Any, path: Path, where: str, post_id: str
) -> tuple[dict[str, Any], Origin]:
    comment = mapping(comment, path, where)
    owner = mapping(field(comment, path, where, "owner"), path, child(where, "owner"))
    owner_at = child(where, "owner")
    actor, actor_field = first_present(owner, path, owner_at, ("id",), ("pk",))
    row = {
        "post_id": post_id,
        "actor_id": _ident(actor, path, child(owner_at, actor_field)),
        "kind": "comment",
        "at": field(comment, path, where, "created_at"),
        "text": comment.get("text"),
    }
    return row, Origin(path, where, _COMMENT_FIELDS)


def _ident(value: Any, path: Path, name: str) -> str:
    """An id as text: instaloader writes them as strings or whole numbers."""
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        return str(value)
    raise SourceError(path, name, f"{value!r} is not an id (text or a whole number)")
