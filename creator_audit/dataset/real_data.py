"""Where the real labelled data is, and reading a file of it in either of the two forms it takes.

One function says where the real data is (:func:`real_data_dir`): the folder given, else the
shared folder (``$CREATOR_AUDIT_SHARED_DATA``, else ``../shared/data``) where it exists, else the
cache ``creator-audit data fetch`` fills (``$CREATOR_AUDIT_DATA``, else
``~/.cache/creator-audit/data``). A folder holds each file in one of two forms:

- the shared layout (``instafake/fakeAccountData.json``, ``scamspot/comments-part-a.json``, ...;
  see ``../shared/data/README.md``), three of whose files are parts of a published file;
- the published original as the fetch stores it, under ``{repo}/{commit}/{path}``.

A loader names a file by its shared-layout name and :func:`locate` finds either form. An original
is checked against its published SHA-256 and size before it is used, and reading it applies the
derivation that made the shared part, so a model trained from the cache is trained on exactly
the rows the shared folder holds. The rows left out are left out on purpose: the project is judged
on them, and training on them would leak.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from creator_audit.dataset.sources import PublishedFile, load_manifest, published_file

__all__ = [
    "DERIVATIONS",
    "SHARED_LAYOUT",
    "RealFile",
    "data_cache_dir",
    "locate",
    "real_data_dir",
    "shared_data_dir",
]

SHARED_ENV = "CREATOR_AUDIT_SHARED_DATA"
CACHE_ENV = "CREATOR_AUDIT_DATA"
FETCH_HINT = "creator-audit data fetch gets it"

# The accounts of ScamSpot's comments_extracted.json whose comments the shared part holds (19 of
# 37). They are written here because a machine without ../shared/data must keep exactly these:
# the other 18 accounts are the project's unseen test accounts. tests/dataset/test_real_data.py
# checks this set against the shared file wherever that exists.
SCAMSPOT_PART_A_ACCOUNTS = frozenset(
    {
        "binance", "bitcoinmagazine", "btcclicks", "businessweek", "chartoftheday", "coinbase",
        "coindesk", "coinmarketcap", "cryptoaims", "cryptorelevant", "cryptosharkk",
        "finance_god", "gpstephan", "insidertech", "krakenfx", "ramit", "thecryptograph", "wsj",
        "yahoofinance",
    }
)  # fmt: skip
CRESCI_GROUPS = ("TFP", "FSF", "TWT")  # humans of The Fake Project, fakes bought from 2 vendors

# Every file of the shared layout -> (collection, path) of the published file it is or comes from.
SHARED_LAYOUT: dict[str, tuple[str, str]] = {
    "instafake/fakeAccountData.json": ("instafake-fake-v1", "data/fake-v1.0/fakeAccountData.json"),
    "instafake/realAccountData.json": ("instafake-fake-v1", "data/fake-v1.0/realAccountData.json"),
    "instafake/nonautomated-genuine-part-a.json": (
        "instafake-nonautomated",
        "data/automated-v1.0/nonautomatedAccountData.json",
    ),
    "purba-ijece2020/user_fake_authentic_4class.csv": (
        "purba-ijece2020",
        "user_fake_authentic_4class.csv",
    ),
    "kaggle-instagram/train.csv": ("kaggle-instagram", "kaggle/input/Dataset_1/train.csv"),
    "scamspot/comments-part-a.json": ("scamspot", "data/comments_extracted.json"),
    "cresci2015/users_tfp_fsf_twt.csv": ("cresci2015", "code/bas_users.csv"),
    **{
        f"youtube-spam/{video}.csv": ("youtube-spam", f"data_csv/{video}.csv")
        for video in (
            "01-9bZkp7q19f0",
            "04-CevxZvSJLk8",
            "07-KQ6zr6kCPj8",
            "08-uelHwf8o7_U",
            "09-pRpeEdMmmQ0",
        )
    },
}


@dataclass(frozen=True)
class Derivation:
    """How a shared file was cut from its published original."""

    keeps: str  # in words, for logs
    derive: Callable[[Any], Any]  # the parsed original (JSON value or frame) -> the part kept


def _even_records(records: Any) -> list[Any]:
    if not isinstance(records, list):
        raise ValueError("expected a JSON list of account records")
    return records[0::2]


def _part_a_comments(comments: Any) -> dict[str, Any]:
    if not isinstance(comments, dict) or not all(isinstance(c, dict) for c in comments.values()):
        raise ValueError("expected a JSON object of comments by id")
    return {k: c for k, c in comments.items() if c.get("account") in SCAMSPOT_PART_A_ACCOUNTS}


def _tfp_fsf_twt(users: pd.DataFrame) -> pd.DataFrame:
    if "dataset" not in users.columns:
        raise ValueError("expected a 'dataset' column naming each account's group")
    return users[users["dataset"].isin(CRESCI_GROUPS)].reset_index(drop=True)


DERIVATIONS: dict[str, Derivation] = {
    "instafake/nonautomated-genuine-part-a.json": Derivation(
        "the even-indexed records (0, 2, 4, ...)", _even_records
    ),
    "scamspot/comments-part-a.json": Derivation(
        f"the comments of {len(SCAMSPOT_PART_A_ACCOUNTS)} of its accounts", _part_a_comments
    ),
    "cresci2015/users_tfp_fsf_twt.csv": Derivation(
        f"the {', '.join(CRESCI_GROUPS)} groups", _tfp_fsf_twt
    ),
}


def shared_data_dir() -> Path:
    """The shared real-data folder: ``$CREATOR_AUDIT_SHARED_DATA``, else ``../shared/data``."""
    return Path(os.environ.get(SHARED_ENV, "../shared/data"))


def data_cache_dir() -> Path:
    """Where ``creator-audit data fetch`` keeps the published files: ``$CREATOR_AUDIT_DATA``,
    else ``creator-audit/data`` under ``$XDG_CACHE_HOME`` (``~/.cache``)."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    cache_home = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache_home) / "creator-audit" / "data"


def real_data_dir(data: str | os.PathLike[str] | None = None) -> Path:
    """The real data folder: ``data`` when given; else the shared folder where it exists; else
    the fetch cache."""
    if data is not None:
        return Path(data)
    shared = shared_data_dir()
    return shared if shared.is_dir() else data_cache_dir()


def original_of(name: str) -> PublishedFile:
    """The published file the shared-layout file ``name`` is, or is cut from."""
    collection, path = SHARED_LAYOUT[name]
    return published_file(collection, path, load_manifest())


@dataclass(frozen=True)
class RealFile:
    """A real data file found for a shared-layout ``name``. ``published`` is set when ``path`` is
    the published original: it is verified when read, and the derivation applied."""

    name: str
    path: Path
    published: PublishedFile | None = None

    @classmethod
    def at(cls, path: str | os.PathLike[str]) -> RealFile:
        """A file named by the user, read as it is."""
        return cls(Path(path).name, Path(path))

    @property
    def derivation(self) -> Derivation | None:
        return DERIVATIONS.get(self.name) if self.published is not None else None

    def read_bytes(self) -> bytes:
        """The file's bytes; a published original must match its SHA-256 and size."""
        data = self.path.read_bytes()
        if self.published is not None:
            check_published(self.published, self.path, data)
        return data

    def read_json(self) -> Any:
        """The parsed JSON, cut to the shared part when this is the original of a part."""
        return self._derived(json.loads(self.read_bytes()))

    def read_csv(self, **options: Any) -> pd.DataFrame:
        """The CSV as a frame, cut to the shared part when this is the original of a part."""
        return self._derived(pd.read_csv(io.BytesIO(self.read_bytes()), **options))

    def record(self) -> dict[str, Any]:
        """What a run logs about the file it read: path, SHA-256, size, and what it keeps."""
        data = self.path.read_bytes()
        derivation = self.derivation
        return {
            "name": self.name,
            "path": str(self.path),
            "sha256": hashlib.sha256(data).hexdigest(),
            "bytes": len(data),
            "form": "the published original" if self.published else "as found",
            "kept": derivation.keeps if derivation else "all of it",
        }

    def _derived(self, content: Any) -> Any:
        derivation = self.derivation
        if derivation is None:
            return content
        try:
            return derivation.derive(content)
        except ValueError as err:
            raise ValueError(f"{self.path}: {err}") from None


def check_published(file: PublishedFile, path: Path, data: bytes) -> None:
    """Raise ``ValueError`` unless ``data`` (read from ``path``) is the published file."""
    digest = hashlib.sha256(data).hexdigest()
    if digest != file.sha256 or len(data) != file.size:
        raise ValueError(
            f"{path} does not match the published file {file.label}: expected sha256 "
            f"{file.sha256} ({file.size:,} bytes), got {digest} ({len(data):,} bytes); "
            f"{FETCH_HINT} again"
        )


def find(name: str, data: str | os.PathLike[str] | None = None) -> RealFile | None:
    """The file ``name`` (shared-layout name) under the real data folder, in either form, or
    None. The shared form wins where a folder holds both."""
    root = real_data_dir(data)
    if (root / name).is_file():
        return RealFile(name, root / name)
    original = original_of(name)
    if (root / original.key).is_file():
        return RealFile(name, root / original.key, original)
    return None


def locate(name: str, data: str | os.PathLike[str] | None = None) -> RealFile:
    """Like :func:`find`, but a file in neither form raises ``FileNotFoundError`` saying where
    it looked and how to get it."""
    found = find(name, data)
    if found is None:
        root = real_data_dir(data)
        raise FileNotFoundError(
            f"{root} holds neither {name} nor the published original "
            f"{original_of(name).key}; {FETCH_HINT}"
        )
    return found
