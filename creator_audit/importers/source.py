"""Reading export files: JSON (plain or ``.xz``), fields found by path, and one-line errors.

Every problem with a source names the file and, where there is one, the field at fault, as a JSON
path (``node.edge_followed_by.count``, ``business_discovery.media.data[3].timestamp``), so the
command line can print one line a user can act on.
"""

from __future__ import annotations

import json
import lzma
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any


class SourceError(ValueError):
    """An export that cannot be imported: ``FILE: FIELD: what is wrong``."""

    def __init__(self, file: Path | str, field: str | None, message: str) -> None:
        self.file, self.field = str(file), field
        where = f"{file}: {field}" if field else str(file)
        super().__init__(f"{where}: {message}")


def read_json(path: Path) -> Any:
    """The JSON document in ``path``, decompressed first when it ends in ``.xz``."""
    try:
        if path.suffix == ".xz":
            with lzma.open(path, "rt", encoding="utf-8") as handle:
                text = handle.read()
        else:
            text = path.read_text(encoding="utf-8")
    except (lzma.LZMAError, EOFError) as err:
        raise SourceError(path, None, f"truncated or damaged .xz file ({err})") from None
    except UnicodeDecodeError as err:
        raise SourceError(path, None, f"not UTF-8 text (byte {err.start}): not JSON") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as err:
        where = f"line {err.lineno} column {err.colno}"
        raise SourceError(path, None, f"invalid JSON at {where}: {err.msg}") from None


def child(path: str, key: str | int) -> str:
    """The JSON path of ``key`` below ``path``: ``a.b``, ``a[3]``."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    return f"{path}.{key}" if path else key


def mapping(value: Any, file: Path, path: str) -> Mapping[str, Any]:
    """``value`` when it is a JSON object, else a SourceError naming ``path``."""
    if not isinstance(value, Mapping):
        raise SourceError(file, path or None, f"expected a JSON object, found {_kind(value)}")
    return value


def items(value: Any, file: Path, path: str) -> list[Any]:
    """``value`` when it is a JSON array, else a SourceError naming ``path``."""
    if not isinstance(value, list):
        raise SourceError(file, path or None, f"expected a JSON array, found {_kind(value)}")
    return value


def field(obj: Mapping[str, Any], file: Path, path: str, *keys: str) -> Any:
    """The value at ``keys`` below ``obj`` (at JSON path ``path``); a missing one is named."""
    value: Any = obj
    for key in keys:
        value = mapping(value, file, path)
        path = child(path, key)
        if key not in value:
            raise SourceError(file, path, "missing")
        value = value[key]
    return value


def first_present(
    obj: Mapping[str, Any], file: Path, path: str, *candidates: tuple[str, ...]
) -> tuple[Any, str]:
    """The first of several fields (tuples of keys below ``obj``, which is at JSON path ``path``)
    that is there and not null, with its name below ``obj``; a SourceError naming them all when
    none is. Exports write one value under different names from version to version."""
    for keys in candidates:
        value: Any = obj
        for key in keys:
            value = value.get(key) if isinstance(value, Mapping) else None
        if value is not None:
            return value, ".".join(keys)
    names = " or ".join(child(path, ".".join(keys)) for keys in candidates)
    raise SourceError(file, names, "missing")


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return names.get(type(value), "a number" if isinstance(value, int | float) else "a value")


# A UTC instant in a file's name, basic or extended ISO-8601 (``20260501T120000Z``,
# ``2026-05-01T12:00:00+00:00``): what ``date -u +%Y%m%dT%H%M%SZ`` writes.
_STAMP = re.compile(
    r"(\d{4})-?(\d\d)-?(\d\d)T(\d\d):?(\d\d):?(\d\d)(Z|[+-]\d\d:?\d\d)", re.IGNORECASE
)


def time_in_name(path: Path) -> datetime | None:
    """The instant a file's name carries (its last one), or None when it carries none."""
    found = _STAMP.findall(path.name)
    if not found:
        return None
    *parts, zone = found[-1]
    zone = "+00:00" if zone.upper() == "Z" else zone
    text = "{}-{}-{}T{}:{}:{}".format(*parts) + zone
    try:
        return datetime.fromisoformat(text).astimezone(UTC)
    except ValueError:
        raise SourceError(path, None, f"{text} in the file name is not a valid time") from None


def modified_at(path: Path) -> datetime:
    """When ``path`` was last written, in UTC (to the second)."""
    return datetime.fromtimestamp(int(path.stat().st_mtime), UTC)
