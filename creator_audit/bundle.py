"""Model bundle files: plain data in a checksummed archive; reading one runs no code from it.

A bundle is ``MAGIC``, one JSON header line (``kind``, ``container``, ``bytes``, ``sha256``), then
a ZIP archive. Its ``payload.json`` holds the payload's plain values (dicts with string keys,
lists, strings, numbers, booleans, None; NaN and infinities as Python's json writes them). Two
kinds of value are entries of their own, referred to from payload.json by ``{"$entry": name}``:
a string under a key ending in ``_text`` (a LightGBM model in its own text format) is a ``.txt``
entry, and a numpy array is a ``.npy`` entry (never of Python objects). Reading parses JSON, UTF-8
and ``.npy`` with pickles refused, with every entry's unpacked size capped: nothing is unpickled.

A payload comes back as it was written, except that tuples come back as lists and numpy scalars
as Python numbers. A file without the header is "not a creator-audit model bundle"; one whose
body does not match its length or SHA-256 "is damaged". The checksum catches damage, not intent:
whoever writes a file writes its header too.

Bundles of older versions of creator-audit (a header without ``container``, or before that a bare
zlib-joblib stream) are pickles, which run code when read: they are refused with the command that
converts one you trust. Only that command unpickles, through ``read_pickled_bundle``.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import os
import re
import shlex
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from creator_audit.atomic import atomic_path
from creator_audit.messages import first_line

MAGIC = b"CREATOR-AUDIT-BUNDLE\n"
MAX_HEADER_BYTES = 4096
CONTAINER = "zip/1"  # the header's "container": older (pickled) bundles have none
PAYLOAD_ENTRY = "payload.json"
ENTRY_KEY = "$entry"  # {"$entry": name} in payload.json: the value is the archive entry ``name``
TEXT_KEY_SUFFIX = "_text"
MAX_UNPACKED_BYTES = 1024**3  # all entries together, unpacked: far above any real model
ZLIB_START = b"\x78"  # joblib.dump(..., compress=3) wrote a zlib stream
PICKLE_START = b"\x80"  # a pickle's protocol opcode
_READABLE_COMPRESSION = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)  # both stop at the size cap
_ENTRY_CHARACTERS = re.compile(r"[^\w.-]")
# What a malformed archive raises while read: bad structure, inflating, a missing entry, bad
# JSON / UTF-8 / .npy (ValueError), nesting too deep (RecursionError), encryption (RuntimeError).
_UNREADABLE = (
    zipfile.BadZipFile,
    zlib.error,
    KeyError,
    ValueError,
    RuntimeError,
    EOFError,
    OSError,
)


class BundleError(ValueError):
    """A file that cannot be used as a model bundle; one line naming it and why."""


class PickledBundleError(BundleError):
    """A bundle of an older creator-audit: a pickle, refused because unpickling runs code."""


def write_bundle(path: str | os.PathLike[str], payload: Any, kind: str) -> Path:
    """Write ``payload`` (plain data, see the module) as a ``kind`` bundle, atomically."""
    path = Path(path)
    body = _archive(payload, path)
    header = {
        "kind": kind,
        "container": CONTAINER,
        "bytes": len(body),
        "sha256": hashlib.sha256(body).hexdigest(),
    }
    with atomic_path(path) as tmp:
        tmp.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + body)
    return path


def read_bundle(
    path: str | os.PathLike[str], kind: str | None = None, name: str | None = None
) -> Any:
    """The payload of the bundle at ``path``, verified, then read without unpickling anything.

    With ``kind``, a bundle of another kind is refused by its header. ``name``: what messages
    call the file (a registry URI for a downloaded artifact); its path by default.
    """
    path = Path(path)
    shown = name or str(path)
    data = _file_bytes(path, shown)
    if data.startswith(MAGIC):
        header, body = _split(data, shown)
        if "container" not in header:
            raise _pickled(shown)
        if header["container"] != CONTAINER:
            raise BundleError(
                f"bundle {shown} is in container {header['container']!r}, which this version of "
                "creator-audit cannot read"
            )
        _verify(header, body, shown, kind)
        return _unpacked(body, shown)
    if _is_zlib_pickle(data):
        raise _pickled(shown)
    raise BundleError(f"{shown} is not a creator-audit model bundle")


def read_pickled_bundle(
    path: str | os.PathLike[str], name: str | None = None
) -> tuple[str | None, Any]:
    """UNPICKLES the older bundle at ``path``: only for ``creator-audit model convert --trust``.

    Its header's checksum (when it has a header) is verified first. Returns the header's kind
    (None for a bundle from before the header) and the payload.
    """
    import joblib  # here only: no other path imports the unpickler

    path = Path(path)
    shown = name or str(path)
    data = _file_bytes(path, shown)
    if data.startswith(MAGIC):
        header, body = _split(data, shown)
        if "container" in header:
            raise BundleError(f"{shown} is already a bundle of plain data; nothing to convert")
        _verify(header, body, shown, None)
        kind = header.get("kind")
    elif _is_zlib_pickle(data):
        kind, body = None, data
    else:
        raise BundleError(f"{shown} is not a creator-audit model bundle")
    try:
        return kind, joblib.load(io.BytesIO(body))
    except Exception as err:  # a bare stream has no checksum: any failure is damage
        raise BundleError(f"bundle {shown} is damaged ({type(err).__name__})") from None


@contextlib.contextmanager
def payload_read_as(where: str) -> Iterator[None]:
    """Wrap turning a payload into a model: a field missing or of the wrong type (a bundle
    written by another version, or by hand) is one ``BundleError`` line naming ``where``."""
    try:
        yield
    except BundleError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError) as err:
        raise BundleError(
            f"bundle {where} holds a payload this version cannot read "
            f"({type(err).__name__}: {first_line(err)})"
        ) from None


def _pickled(shown: str) -> PickledBundleError:
    return PickledBundleError(
        f"{shown} is a pickled model bundle from an older creator-audit; pickles can run code, so "
        f"it is not loaded. If you trust the file: creator-audit model convert --trust "
        f"{shlex.quote(shown)}"
    )


def _file_bytes(path: Path, shown: str) -> bytes:
    if not path.is_file():
        raise BundleError(f"model bundle {shown} does not exist")
    data = path.read_bytes()
    if not data:
        raise BundleError(f"{shown} is empty: not a creator-audit model bundle")
    return data


def _is_zlib_pickle(data: bytes) -> bool:
    """Whether ``data`` starts as a zlib stream of a pickle (a bundle from before the header);
    only its first bytes are inflated, nothing is unpickled."""
    if not data.startswith(ZLIB_START):
        return False
    try:
        start = zlib.decompressobj().decompress(data[:256], len(PICKLE_START))
    except zlib.error:
        return False
    return start == PICKLE_START


# --- the header ------------------------------------------------------------------------------


def _split(data: bytes, shown: str) -> tuple[dict[str, Any], bytes]:
    """The header (a dict with an integer ``bytes`` and a string ``sha256``) and the body."""
    end = data.find(b"\n", len(MAGIC), len(MAGIC) + MAX_HEADER_BYTES)
    try:
        header = json.loads(data[len(MAGIC) : end]) if end > 0 else None
        header["bytes"], header["sha256"] = int(header["bytes"]), str(header["sha256"])
    except (ValueError, TypeError, KeyError):
        raise BundleError(f"bundle {shown} is damaged: its header is unreadable") from None
    return header, data[end + 1 :]


def _verify(header: dict[str, Any], body: bytes, shown: str, kind: str | None) -> None:
    if kind is not None and header.get("kind") != kind:
        raise BundleError(f"{shown} is a bundle of {header.get('kind')}, not of {kind}")
    if len(body) != header["bytes"]:
        raise BundleError(
            f"bundle {shown} is damaged: {len(body)} bytes of payload where its header says "
            f"{header['bytes']} (truncated or appended to)"
        )
    if hashlib.sha256(body).hexdigest() != header["sha256"]:
        raise BundleError(f"bundle {shown} is damaged: its checksum does not match (altered)")


# --- writing: payload → archive --------------------------------------------------------------


def _archive(payload: Any, path: Path) -> bytes:
    """The ZIP body: payload.json and the entries its markers name. Fixed timestamps, so the
    same model gives the same bytes."""
    entries: dict[str, bytes] = {}
    plain = _plain(payload, "payload", entries, path)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=3) as archive:
        for name, data in [(PAYLOAD_ENTRY, json.dumps(plain).encode()), *entries.items()]:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            archive.writestr(info, data, zipfile.ZIP_DEFLATED, 3)
    return buffer.getvalue()


def _plain(value: Any, where: str, entries: dict[str, bytes], path: Path) -> Any:
    """``value`` as JSON values, its arrays and ``*_text`` strings moved into ``entries``."""
    if isinstance(value, dict):
        return {key: _plain_item(key, item, where, entries, path) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item, f"{where}.{i}", entries, path) for i, item in enumerate(value)]
    if isinstance(value, np.ndarray):
        if value.dtype.hasobject:
            raise BundleError(f"cannot write {path}: {where} is an array of Python objects")
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, value, allow_pickle=False)
        return _entry(where, ".npy", buffer.getvalue(), entries)
    if isinstance(value, np.generic):
        return _plain(value.item(), where, entries, path)
    if value is None or isinstance(value, str | int | float):  # bool is an int
        return value
    raise BundleError(f"cannot write {path}: {where} is a {type(value).__name__}, not plain data")


def _plain_item(key: Any, item: Any, where: str, entries: dict[str, bytes], path: Path) -> Any:
    if not isinstance(key, str):
        raise BundleError(f"cannot write {path}: {where} has the key {key!r}; keys are strings")
    if key == ENTRY_KEY:
        raise BundleError(f"cannot write {path}: {where} has the key {key!r}, which marks entries")
    if key.endswith(TEXT_KEY_SUFFIX) and isinstance(item, str):
        return _entry(f"{where}.{key}", ".txt", item.encode(), entries)
    return _plain(item, f"{where}.{key}", entries, path)


def _entry(where: str, suffix: str, data: bytes, entries: dict[str, bytes]) -> dict[str, str]:
    stem = _ENTRY_CHARACTERS.sub("_", where.removeprefix("payload.") or "payload")
    name = f"{stem}{suffix}"
    if name in entries or name == PAYLOAD_ENTRY:
        name = f"{stem}-{len(entries)}{suffix}"
    entries[name] = data
    return {ENTRY_KEY: name}


# --- reading: archive → payload --------------------------------------------------------------


def _unpacked(body: bytes, shown: str) -> Any:
    """The payload of a verified body. The checksum matched, so a failure here is a file that
    was written so, not damage: it cannot be read."""
    try:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            _check_entries(archive, shown)
            return _restored(_payload_json(archive, shown), archive, shown)
    except BundleError:
        raise
    except _UNREADABLE as err:
        raise BundleError(f"bundle {shown} cannot be read: {first_line(err)}") from None


def _payload_json(archive: zipfile.ZipFile, shown: str) -> Any:
    try:
        return json.loads(archive.read(PAYLOAD_ENTRY))
    except (ValueError, RecursionError) as err:  # UnicodeDecodeError is a ValueError
        raise BundleError(
            f"bundle {shown} cannot be read: its {PAYLOAD_ENTRY} is not JSON ({first_line(err)})"
        ) from None


def _check_entries(archive: zipfile.ZipFile, shown: str) -> None:
    """Refuse before inflating anything: no payload.json, compressions that do not stop at the
    declared size, or more unpacked bytes declared than any model needs (a zip bomb)."""
    infos = archive.infolist()
    if PAYLOAD_ENTRY not in {info.filename for info in infos}:
        raise BundleError(f"bundle {shown} cannot be read: it has no {PAYLOAD_ENTRY}")
    for info in infos:
        if info.compress_type not in _READABLE_COMPRESSION:
            raise BundleError(
                f"bundle {shown} cannot be read: entry {info.filename} uses compression "
                f"{info.compress_type}, not deflate"
            )
    unpacked = sum(info.file_size for info in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise BundleError(
            f"bundle {shown} cannot be read: its entries unpack to {unpacked:,} bytes, more than "
            f"the limit of {MAX_UNPACKED_BYTES:,}"
        )


def _restored(value: Any, archive: zipfile.ZipFile, shown: str) -> Any:
    if isinstance(value, list):
        return [_restored(item, archive, shown) for item in value]
    if not isinstance(value, dict):
        return value
    if set(value) == {ENTRY_KEY}:
        return _read_entry(archive, value[ENTRY_KEY], shown)
    return {key: _restored(item, archive, shown) for key, item in value.items()}


def _read_entry(archive: zipfile.ZipFile, name: Any, shown: str) -> str | np.ndarray:
    if not isinstance(name, str) or name == PAYLOAD_ENTRY:
        raise BundleError(f"bundle {shown} cannot be read: {name!r} names no entry")
    if name.endswith(".txt"):
        return archive.read(name).decode("utf-8")
    if not name.endswith(".npy"):
        raise BundleError(f"bundle {shown} cannot be read: entry {name} is neither .txt nor .npy")
    with archive.open(name) as entry:
        try:
            return np.lib.format.read_array(entry, allow_pickle=False)
        except ValueError as err:
            if "allow_pickle" in str(err):
                raise BundleError(
                    f"bundle {shown} cannot be read: entry {name} holds Python objects "
                    "(a pickle), which a bundle never does"
                ) from None
            raise
