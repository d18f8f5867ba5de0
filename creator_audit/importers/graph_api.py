"""Instagram Graph API business discovery responses → ``creators``, ``posts``, ``follower_counts``.

Each file holds one response, as the API returns it, to::

    GET /<ig-user-id>?fields=business_discovery.username(NAME){followers_count,follows_count,
        media_count,username,biography,website,media{id,timestamp,like_count,comments_count}}

(the documented business discovery request; a next page of the media edge is the same request
with ``media.after(CURSOR)``, and its response is one more file). A response carries no time of
its own, so the time it was taken is the UTC time in the file's name (``20260501T120000Z``, as
``date -u +%Y%m%dT%H%M%SZ`` writes it, or ``2026-05-01T12:00:00+00:00``) or, without one, the
file's modification time (when it was saved). Source field → contract column, ``bd`` standing for
``business_discovery``:

- creators.creator_id ← ``bd.id``; followers ← ``bd.followers_count``; following ←
  ``bd.follows_count``; media_count ← ``bd.media_count``; username ← ``bd.username``;
  bio_length ← the length of ``bd.biography``; has_external_url ← ``bd.website`` non-empty;
  snapshot_at ← the time of the latest response with all three counts, which gives them.
- follower_counts: one row per response with ``bd.followers_count``, at the response's time:
  responses for one account taken at different times are its follower history.
- posts: every ``bd.media.data[i]``, the pages of the edge joined: post_id ← ``id``; posted_at ←
  ``timestamp`` (``2017-08-31T18:10:00+0000``); likes ← ``like_count``, which the API leaves out
  where the owner hides likes (missing, never 0); comments ← ``comments_count``. A post in several
  responses takes the counts of the latest; two taken at the same time must agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from creator_audit.importers.source import (
    SourceError,
    child,
    field,
    items,
    mapping,
    modified_at,
    read_json,
    time_in_name,
)
from creator_audit.importers.tables import ImportedTables, Origin

BD = "business_discovery"
PROFILE_COUNTS = {
    "followers": "followers_count",
    "following": "follows_count",
    "media_count": "media_count",
}
_MEDIA_FIELDS = {
    "post_id": "id",
    "posted_at": "timestamp",
    "likes": "like_count",
    "comments": "comments_count",
    "creator_id": f"(the account, {BD}.id)",
}


@dataclass(frozen=True)
class Response:
    """One saved response: its file, when it was taken, and its ``business_discovery`` object."""

    path: Path
    taken_at: datetime
    account: Mapping[str, Any]
    account_id: str


def import_graph_api(files: Sequence[Path], tables: ImportedTables) -> None:
    """Add the accounts of the responses in ``files`` to ``tables``, one creator per account."""
    by_account: dict[str, list[Response]] = defaultdict(list)
    for path in files:
        response = read_response(Path(path))
        by_account[response.account_id].append(response)
    for responses in by_account.values():
        responses.sort(key=lambda r: r.taken_at)
        _add_account(responses, tables)


def read_response(path: Path) -> Response:
    """A saved business discovery response, or a SourceError saying what the file is instead."""
    if not path.is_file():
        what = "is a folder" if path.is_dir() else "does not exist"
        raise SourceError(path, None, f"{what}; import graph-api takes saved response files")
    document = mapping(read_json(path), path, "")
    _refuse_other_documents(document, path)
    account = mapping(field(document, path, "", BD), path, BD)
    account_id = field(account, path, BD, "id")
    if not isinstance(account_id, str | int) or isinstance(account_id, bool):
        raise SourceError(path, child(BD, "id"), f"{account_id!r} is not an id")
    taken_at = time_in_name(path) or modified_at(path)
    return Response(path, taken_at, account, str(account_id))


def _refuse_other_documents(document: Mapping[str, Any], path: Path) -> None:
    """The API's own error body, an instaloader file and any other JSON, each said for what it
    is."""
    error = document.get("error")
    if isinstance(error, Mapping):
        raise _api_error(error, path)
    if "instaloader" in document and "node" in document:
        raise SourceError(
            path,
            None,
            "an instaloader file, not a Graph API response: creator-audit import "
            "instaloader reads its profile folder",
        )
    if BD not in document:
        raise SourceError(
            path, BD, "missing: not a response to GET /<ig-user-id>?fields=business_discovery..."
        )


def _api_error(error: Mapping[str, Any], path: Path) -> SourceError:
    """What the API said: ``Invalid OAuth access token. (OAuthException, code 190)``."""
    said = str(error.get("message") or "no message").strip()
    details = [str(error["type"])] if error.get("type") else []
    for name, key in (("code", "code"), ("subcode", "error_subcode")):
        if error.get(key) is not None:
            details.append(f"{name} {error[key]}")
    if details:
        said += f" ({', '.join(details)})"
    return SourceError(path, "error", f"the Graph API answered with an error: {said}")


def _add_account(responses: list[Response], tables: ImportedTables) -> None:
    """One account's responses, oldest first: its creator row, history and posts."""
    latest = _latest_with_counts(responses)
    tables.add("creators", *_creator_row(latest))
    _add_follower_history(responses, tables)
    for response in responses:
        for i, item in enumerate(_media(response)):
            where = f"{BD}.media.data[{i}]"
            row = _post_row(mapping(item, response.path, where), response, where)
            tables.add_post(row, Origin(response.path, where, _MEDIA_FIELDS), response.taken_at)


def _latest_with_counts(responses: list[Response]) -> Response:
    """The latest response that has every profile count; else one naming the first missing."""
    for response in reversed(responses):
        if all(response.account.get(name) is not None for name in PROFILE_COUNTS.values()):
            return response
    latest = responses[-1]
    missing = next(n for n in PROFILE_COUNTS.values() if latest.account.get(n) is None)
    raise SourceError(
        latest.path,
        child(BD, missing),
        "missing, and no other response of this account has all of followers_count, "
        "follows_count and media_count: request them in the fields",
    )


def _creator_row(response: Response) -> tuple[dict[str, Any], Origin]:
    account = response.account
    row: dict[str, Any] = {"creator_id": response.account_id}
    row |= {column: account[name] for column, name in PROFILE_COUNTS.items()}
    row["snapshot_at"] = response.taken_at
    if account.get("username") is not None:
        row["username"] = account["username"]
    if isinstance(account.get("biography"), str):
        row["bio_length"] = len(account["biography"])
    if "website" in account:
        row["has_external_url"] = bool(account["website"])
    fields = {"creator_id": "id", **PROFILE_COUNTS}
    fields |= {"username": "username", "bio_length": "biography", "has_external_url": "website"}
    fields["snapshot_at"] = "(the time the response was taken)"
    return row, Origin(response.path, BD, fields)


def _add_follower_history(responses: list[Response], tables: ImportedTables) -> None:
    """A follower count per time a response was taken; two at one time must agree."""
    seen: dict[datetime, Response] = {}
    fields = {"followers": "followers_count", "at": "(the time the response was taken)"}
    for response in responses:
        followers = response.account.get("followers_count")
        if followers is None:
            continue  # a page of the media edge only
        earlier = seen.setdefault(response.taken_at, response)
        if earlier is not response:
            if earlier.account["followers_count"] != followers:
                raise SourceError(
                    response.path,
                    child(BD, "followers_count"),
                    f"{followers}, but {earlier.path}, taken at the same time "
                    f"({response.taken_at.isoformat()}), has {earlier.account['followers_count']}",
                )
            continue
        row = {"creator_id": response.account_id, "at": response.taken_at, "followers": followers}
        tables.add("follower_counts", row, Origin(response.path, BD, fields))


def _media(response: Response) -> list[Any]:
    """The items of the response's media edge (none when the edge was not requested)."""
    media = response.account.get("media")
    if media is None:
        return []
    where = child(BD, "media")
    edge = mapping(media, response.path, where)
    return items(field(edge, response.path, where, "data"), response.path, child(where, "data"))


def _post_row(item: Mapping[str, Any], response: Response, where: str) -> dict[str, Any]:
    post_id = field(item, response.path, where, "id")
    if not isinstance(post_id, str | int) or isinstance(post_id, bool):
        raise SourceError(response.path, child(where, "id"), f"{post_id!r} is not an id")
    return {
        "creator_id": response.account_id,
        "post_id": str(post_id),
        "posted_at": field(item, response.path, where, "timestamp"),
        "likes": item.get("like_count"),  # left out where the owner hides likes
        "comments": field(item, response.path, where, "comments_count"),
    }
