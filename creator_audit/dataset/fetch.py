"""``creator-audit data fetch``: the public labelled collections, from their published sources.

Every file of the manifest (``sources.json``) is downloaded from ``{mirror}/{repo}/{commit}/{path}``
(the mirror is ``https://raw.githubusercontent.com`` unless ``$CREATOR_AUDIT_DATA_MIRROR`` names
another: a company mirror, or a ``file://`` folder) into the cache under the same
``{repo}/{commit}/{path}``, and lands there only once its SHA-256 and size match the manifest.

Why the cache copies the mirror's layout rather than the shared folder's: a filled cache can be
served, or named with ``file://``, as the mirror of an offline machine; a file pinned to another
commit never overwrites this one; and three shared files are parts of an original, so a whole
original under a part's name could be read as the part (and leak the rows kept out).

A download goes to ``.<name>.part`` beside its target and is renamed over the target only once
verified, so no reader ever sees half a file (``atomic.atomic_path`` works the same way, but
removes its temporary on failure: here the part is kept, because the next run resumes it with an
HTTP Range request, or starts again where the server does not resume). A cached file is checked
again (size and SHA-256) on every run instead of trusting a stamp: the twelve files hash in well
under a second, and a file changed since is always caught. One fetch at a time per cache (a
``flock`` on the cache folder).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO
from urllib.error import HTTPError, URLError
from urllib.parse import quote, unquote, urlparse
from urllib.request import Request, url2pathname, urlopen

import creator_audit
from creator_audit.dataset.real_data import data_cache_dir
from creator_audit.dataset.sources import Collection, PublishedFile
from creator_audit.progress import stage

__all__ = ["FetchError", "FetchResult", "fetch", "file_url", "mirror_url"]

MIRROR_ENV = "CREATOR_AUDIT_DATA_MIRROR"
DEFAULT_MIRROR = "https://raw.githubusercontent.com"
CHUNK = 1 << 16
TIMEOUT_SECONDS = 60  # without a byte from the server
PART_SUFFIX = ".part"
Log = Callable[[str], None]


class FetchError(OSError):
    """A file that could not be fetched; the message is one line naming the file and its URL."""


class Unreachable(FetchError):
    """The mirror cannot be reached at all, so the files after this one are not tried."""


class CacheError(FetchError):
    """The cache cannot be written, so nothing more is tried."""


class _RangeRefused(Exception):
    """The server will not send the rest of a part (HTTP 416): start again from the first byte."""


@dataclass
class FetchResult:
    """Which files a fetch downloaded, which it found already cached, and what failed."""

    cache: Path
    fetched: list[PublishedFile] = field(default_factory=list)
    present: list[PublishedFile] = field(default_factory=list)
    failures: list[FetchError] = field(default_factory=list)

    @property
    def verified(self) -> list[PublishedFile]:
        return self.fetched + self.present


def mirror_url() -> str:
    """``$CREATOR_AUDIT_DATA_MIRROR``, else GitHub's raw file server; checked to be an http(s)
    or file URL."""
    mirror = os.environ.get(MIRROR_ENV) or DEFAULT_MIRROR
    if urlparse(mirror).scheme not in ("http", "https", "file"):
        raise ValueError(f"{MIRROR_ENV}={mirror!r} is not an http://, https:// or file:// URL")
    return mirror.rstrip("/")


def file_url(file: PublishedFile, mirror: str) -> str:
    """Where ``file`` is on ``mirror``: ``{mirror}/{repo}/{commit}/{path}``."""
    return f"{mirror.rstrip('/')}/{quote(file.key, safe='/')}"


def fetch(
    collections: tuple[Collection, ...],
    cache: str | os.PathLike[str] | None = None,
    mirror: str | None = None,
    log: Log = print,
) -> FetchResult:
    """Fetch every file of ``collections`` into ``cache`` (default: ``data_cache_dir()``) from
    ``mirror`` (default: ``mirror_url()``). Files already cached and verified are not downloaded
    again. A file that fails is reported in the result and the others are still tried, unless
    the mirror cannot be reached or the cache written (then the rest are not tried)."""
    result = FetchResult(Path(cache) if cache is not None else data_cache_dir())
    mirror = mirror or mirror_url()
    files = [file for collection in collections for file in collection.files]
    with _locked(result.cache, log):
        for done, file in enumerate(files):
            try:
                fetched = fetch_file(file, result.cache, mirror, log)
            except (Unreachable, CacheError) as err:
                untried = len(files) - done - 1
                more = f"; {untried} more file(s) not tried" if untried else ""
                result.failures.append(type(err)(f"{err}{more}"))
                break
            except FetchError as err:
                result.failures.append(err)
                continue
            (result.fetched if fetched else result.present).append(file)
    return result


def fetch_file(file: PublishedFile, cache: Path, mirror: str, log: Log = print) -> bool:
    """Make ``cache/{repo}/{commit}/{path}`` the verified published file; True if it had to be
    downloaded, False if it was already there."""
    target = cache / file.key
    if _is_published(file, target):
        log(f"already here: {file.label} ({file.size:,} bytes, sha256 verified)")
        return False
    url = file_url(file, mirror)
    part = target.with_name(f".{target.name}{PART_SUFFIX}")
    with stage(file.label, log=lambda _: None, total=file.size) as advance:
        resumed_at = _download(file, url, part, advance)
        if resumed_at and not _is_published(file, part):  # a bad part: once more, from scratch
            part.unlink()
            resumed_at = _download(file, url, part, advance)
    _check_part(file, url, part)
    try:
        os.replace(part, target)
    except OSError as err:
        raise CacheError(f"cannot write {target}: {err.strerror or err}") from None
    resumed = f", resumed at byte {resumed_at:,}" if resumed_at else ""
    log(f"fetched {file.label} ({file.size:,} bytes{resumed}, sha256 verified)")
    return True


def _download(file: PublishedFile, url: str, part: Path, advance: Callable[[float], None]) -> int:
    """Download ``url`` into ``part``, continuing what is there; returns the byte it resumed at
    (0 for a download from the start)."""
    offset = part.stat().st_size if part.is_file() else 0
    if offset == file.size and _is_published(file, part):
        return 0  # complete, but killed before it was renamed
    if offset >= file.size:
        offset = 0
    try:
        stream, start = _open(file, url, offset)
    except _RangeRefused:
        stream, start = _open(file, url, 0)
    with stream:
        _write(file, url, stream, part, start, advance)
    return start


def _open(file: PublishedFile, url: str, offset: int) -> tuple[BinaryIO, int]:
    """The stream of ``url`` from ``offset`` where the server resumes, else from the start; and
    where it starts."""
    if urlparse(url).scheme == "file":
        return _open_local(file, url, offset)
    headers = {"User-Agent": f"creator-audit/{creator_audit.__version__}"}
    if offset:
        headers["Range"] = f"bytes={offset}-"
    try:
        response = urlopen(Request(url, headers=headers), timeout=TIMEOUT_SECONDS)
    except HTTPError as err:
        err.close()
        if err.code == 416 and offset:
            raise _RangeRefused() from None
        raise FetchError(f"{file.label}: HTTP {err.code} {err.reason} from {url}") from None
    except URLError as err:
        raise Unreachable(f"{file.label}: cannot reach {url}: {err.reason}") from None
    except OSError as err:  # a timeout, or the connection dropped before any answer
        raise Unreachable(f"{file.label}: cannot reach {url}: {err}") from None
    start = offset if response.status == 206 else 0
    total = _announced_size(response.headers, start)
    if total is not None and total != file.size:
        response.close()
        raise FetchError(_size_differs(file, url, total))
    return response, start


def _open_local(file: PublishedFile, url: str, offset: int) -> tuple[BinaryIO, int]:
    path = Path(url2pathname(unquote(urlparse(url).path)))
    try:
        stream = path.open("rb")
    except FileNotFoundError:
        raise FetchError(f"{file.label}: not found at {url}") from None
    except OSError as err:
        raise FetchError(f"{file.label}: cannot read {url}: {err.strerror or err}") from None
    size = os.fstat(stream.fileno()).st_size
    if size != file.size:
        stream.close()
        raise FetchError(_size_differs(file, url, size))
    stream.seek(offset)
    return stream, offset


def _announced_size(headers: object, start: int) -> int | None:
    """The whole file's size the server announces: Content-Range's total on a resumed answer,
    Content-Length on a whole one; None when it does not say."""
    get = getattr(headers, "get", lambda name: None)
    if start:
        match = re.fullmatch(rf"bytes {start}-\d+/(\d+)", get("Content-Range") or "")
        return int(match.group(1)) if match else None
    length = get("Content-Length")
    return int(length) if length and length.isdigit() else None


def _write(
    file: PublishedFile,
    url: str,
    stream: BinaryIO,
    part: Path,
    start: int,
    advance: Callable[[float], None],
) -> None:
    """Append the stream to ``part`` (from ``start``), never past the published size."""
    try:
        part.parent.mkdir(parents=True, exist_ok=True)
        out = part.open("r+b" if start else "wb")
    except OSError as err:
        raise CacheError(f"cannot write {part}: {err.strerror or err}") from None
    received = start
    with out:
        out.truncate(start)
        out.seek(start)
        advance(start)
        while chunk := _read(file, url, stream, received):
            received += len(chunk)
            if received > file.size:
                raise FetchError(_size_differs(file, url, f"more than {file.size:,}"))
            try:
                out.write(chunk)
            except OSError as err:
                raise CacheError(f"cannot write {part}: {err.strerror or err}") from None
            advance(len(chunk))
    if received < file.size:
        raise FetchError(_stopped(file, url, received, "the connection closed"))


def _read(file: PublishedFile, url: str, stream: BinaryIO, received: int) -> bytes:
    try:
        return stream.read(CHUNK)
    except OSError as err:  # reset, timed out: the part is kept for the next run
        raise FetchError(_stopped(file, url, received, str(err) or type(err).__name__)) from None


def _check_part(file: PublishedFile, url: str, part: Path) -> None:
    """Refuse a downloaded part that is not the published file; it is removed, not kept."""
    digest, size = _digest(part)
    if digest != file.sha256 or size != file.size:
        part.unlink(missing_ok=True)
        raise FetchError(
            f"{file.label} from {url} does not match the published file: expected sha256 "
            f"{file.sha256} ({file.size:,} bytes), got {digest} ({size:,} bytes); not kept"
        )


def _is_published(file: PublishedFile, path: Path) -> bool:
    """``path`` is a file of the published size and SHA-256."""
    try:
        if not path.is_file() or path.stat().st_size != file.size:
            return False
        return _digest(path) == (file.sha256, file.size)
    except OSError:
        return False


def _digest(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _size_differs(file: PublishedFile, url: str, got: int | str) -> str:
    shown = f"{got:,}" if isinstance(got, int) else got
    return (
        f"{file.label} from {url} does not match the published file: expected {file.size:,} "
        f"bytes (sha256 {file.sha256}), got {shown} bytes; not kept"
    )


def _stopped(file: PublishedFile, url: str, received: int, why: str) -> str:
    return (
        f"{file.label}: the download from {url} stopped at byte {received:,} of "
        f"{file.size:,} ({why}); run creator-audit data fetch again to resume it"
    )


@contextlib.contextmanager
def _locked(cache: Path, log: Log) -> Iterator[None]:
    """Hold the cache folder (created if need be) for this fetch alone: a ``flock`` on the
    folder itself, so no lock file is left behind."""
    try:
        cache.mkdir(parents=True, exist_ok=True)
        handle = os.open(cache, os.O_RDONLY | os.O_DIRECTORY)
        _probe_writable(cache)
    except OSError as err:
        raise CacheError(
            f"cannot write the data cache {cache}: {err.strerror or err}; choose another "
            "with --to or CREATOR_AUDIT_DATA"
        ) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log(f"another creator-audit data fetch is filling {cache}: waiting for it")
            fcntl.flock(handle, fcntl.LOCK_EX)
        yield
    finally:
        os.close(handle)  # closing releases the lock


def _probe_writable(cache: Path) -> None:
    probe = cache / f".probe.{os.getpid()}"
    probe.touch()
    probe.unlink()
