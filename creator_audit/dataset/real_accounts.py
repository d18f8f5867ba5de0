"""Real, labelled Instagram accounts from every public source, harmonised into one schema.

Each source labels single accounts as fake or real but names and covers the profile fields
differently. They are mapped onto the follower-sample fields of the contract (CONTRACT.md §1)
plus ``username_length`` / ``username_digits`` (sources give counts, not the usernames), with a
``source`` column. A field a source lacks stays missing (NaN), never filled in: the account model
must learn to work with whatever a collection provides, and an invented value would teach it
that the source's gaps mean something.

Purba et al. (2020) has four classes. Only two are profile questions:

- ``r`` (real) → real; ``i`` (inactive fake: follows thousands, posts nothing) → fake. Inactive
  fakes are what a bought-follower package delivers, the accounts the audience audit counts.
- ``a`` (active fake) and ``s`` (spammer) are excluded by default. Both are run to look active:
  their profile counts match real accounts' (held-out AUC of real vs either is ~0.6 from profile
  fields alone, ~0.8 even trained in-source), and what tells them apart — caption similarity,
  promotional keywords, engagement — is not in a follower's profile. Labelled "fake" they teach
  the model that ordinary-looking profiles are fake, which raises false alarms on real audiences.
  Spammers that follow thousands are still reported, as ``mass_follower`` by the audience rule.
  ``purba_fake_classes`` puts them back for anyone who wants to measure that trade-off.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from creator_audit.dataset.real_data import RealFile, find, locate, real_data_dir

__all__ = [
    "ACCOUNT_COLUMNS",
    "DEFAULT_PURBA_FAKE_CLASSES",
    "INSTAGRAM_SOURCES",
    "SOURCES",
    "account_files",
    "load_instagram_accounts",
    "load_real_accounts",
]

# Harmonised columns: profile fields (follower_samples names), username counts, label, provenance.
PROFILE_FIELDS: tuple[str, ...] = (
    "followers",
    "following",
    "media_count",
    "bio_length",
    "has_profile_pic",
    "is_private",
    "has_external_url",
    "username_length",
    "username_digits",
    "username_digit_share",
)
ACCOUNT_COLUMNS: tuple[str, ...] = (*PROFILE_FIELDS, "is_fake", "source", "source_label")
DEFAULT_PURBA_FAKE_CLASSES: tuple[str, ...] = ("i",)
PURBA_CLASSES = {"r": "real", "a": "active fake", "i": "inactive fake", "s": "spammer"}

INSTAFAKE_FILES = ("instafake/fakeAccountData.json", "instafake/realAccountData.json")
PURBA_FILE = "purba-ijece2020/user_fake_authentic_4class.csv"
KAGGLE_FILE = "kaggle-instagram/train.csv"
CRESCI_FILE = "cresci2015/users_tfp_fsf_twt.csv"
CRESCI_GROUPS = {
    "TFP": "real human",
    "FSF": "bought follower (fastfollowerz)",
    "TWT": "bought follower (twittertechnology)",
}


def _frame(columns: dict[str, object], n: int, source: str) -> pd.DataFrame:
    """The harmonised frame: every ACCOUNT column, missing ones NaN, numbers as float64."""
    out = pd.DataFrame(index=pd.RangeIndex(n))
    for name in PROFILE_FIELDS:
        value = columns.get(name, np.nan)
        out[name] = pd.to_numeric(pd.Series(value, index=out.index), errors="raise").astype(
            np.float64
        )
    if "username_digit_share" not in columns:
        length = out["username_length"].where(out["username_length"] > 0)
        out["username_digit_share"] = out["username_digits"] / length
    out["is_fake"] = np.asarray(columns["is_fake"], dtype=np.int64)
    out["source"] = source
    out["source_label"] = pd.Series(columns["source_label"], index=out.index).astype("str")
    return out


def load_instafake(root: Path) -> pd.DataFrame:
    """InstaFake fake-v1.0 (Akyon & Kalfaoglu 2019): 200 fake and 994 real profiles."""
    records: list[dict] = []
    for name in INSTAFAKE_FILES:
        records.extend(locate(name, root).read_json())
    raw = pd.DataFrame.from_records(records)
    fake = raw["isFake"].astype(np.int64)
    columns = {
        "followers": raw["userFollowerCount"],
        "following": raw["userFollowingCount"],
        "media_count": raw["userMediaCount"],
        "bio_length": raw["userBiographyLength"],
        "has_profile_pic": raw["userHasProfilPic"],
        "is_private": raw["userIsPrivate"],
        "username_length": raw["usernameLength"],
        "username_digits": raw["usernameDigitCount"],
        "is_fake": fake,
        "source_label": np.where(fake == 1, "fake", "real"),
    }
    return _frame(columns, len(raw), "instafake")


def load_purba(
    root: Path, fake_classes: Iterable[str] = DEFAULT_PURBA_FAKE_CLASSES
) -> pd.DataFrame:
    """Purba et al. 2020, deduplicated: ``r`` real, ``fake_classes`` fake, the rest left out."""
    fake_classes = tuple(fake_classes)
    unknown = sorted(set(fake_classes) - set(PURBA_CLASSES) | ({"r"} & set(fake_classes)))
    if unknown:
        raise ValueError(f"purba fake classes must be among a, i, s; got {unknown}")
    raw = locate(PURBA_FILE, root).read_csv().drop_duplicates(ignore_index=True)
    raw = raw[raw["class"].isin(("r", *fake_classes))].reset_index(drop=True)
    columns = {
        "followers": raw["flw"],
        "following": raw["flg"],
        "media_count": raw["pos"],
        "bio_length": raw["bl"],
        "has_profile_pic": raw["pic"],
        "has_external_url": raw["lin"],
        "is_fake": (raw["class"] != "r").astype(np.int64),
        "source_label": raw["class"].map(PURBA_CLASSES),
    }
    return _frame(columns, len(raw), "purba")


def load_kaggle(root: Path) -> pd.DataFrame:
    """Kaggle "Instagram fake spammer genuine accounts", training split: 288 fake, 288 genuine.

    It gives the digits' share of the username but not its length, so the counts stay missing.
    """
    raw = locate(KAGGLE_FILE, root).read_csv()
    fake = raw["fake"].astype(np.int64)
    columns = {
        "followers": raw["#followers"],
        "following": raw["#follows"],
        "media_count": raw["#posts"],
        "bio_length": raw["description length"],
        "has_profile_pic": raw["profile pic"],
        "is_private": raw["private"],
        "has_external_url": raw["external URL"],
        "username_digit_share": raw["nums/length username"],
        "is_fake": fake,
        "source_label": np.where(fake == 1, "fake", "genuine"),
    }
    return _frame(columns, len(raw), "kaggle")


def load_cresci(root: Path) -> pd.DataFrame:
    """Cresci et al. 2015, "Fame for sale": Twitter humans (TFP) and followers bought from two
    vendors (FSF, TWT). Another platform: it tests which signals carry across, and its fakes
    often follow few, which the Instagram sources lack.

    Twitter's export leaves false flags empty: ``default_profile_image`` empty is a picture of
    the user's own. ``protected`` is empty for every row, so privacy stays unknown, not false.
    """
    raw = locate(CRESCI_FILE, root).read_csv()
    raw = raw[raw["dataset"].isin(tuple(CRESCI_GROUPS))].reset_index(drop=True)
    names = raw["screen_name"].fillna("").astype(str)
    columns = {
        "followers": raw["followers_count"],
        "following": raw["friends_count"],
        "media_count": raw["statuses_count"],
        "bio_length": raw["description"].fillna("").astype(str).str.len(),
        "has_profile_pic": (raw["default_profile_image"] != 1).astype(np.float64),
        "has_external_url": raw["url"].notna().astype(np.float64),
        "username_length": names.str.len(),
        "username_digits": names.str.count(r"\d"),
        "is_fake": (raw["dataset"] != "TFP").astype(np.int64),
        "source_label": raw["dataset"].map(CRESCI_GROUPS),
    }
    return _frame(columns, len(raw), "cresci")


SOURCES: dict[str, tuple[tuple[str, ...], Callable[..., pd.DataFrame]]] = {
    "instafake": (INSTAFAKE_FILES, load_instafake),
    "purba": ((PURBA_FILE,), load_purba),
    "kaggle": ((KAGGLE_FILE,), load_kaggle),
    "cresci": ((CRESCI_FILE,), load_cresci),
}


# The Instagram sources: what the simulator's follower profiles are fitted from (an Instagram
# audience is simulated; Twitter's accounts train and judge the account model only).
INSTAGRAM_SOURCES: tuple[str, ...] = ("instafake", "purba", "kaggle")


def account_files(data_dir: str | os.PathLike[str] | None = None) -> dict[str, list[RealFile]]:
    """The files of every source found under ``data_dir`` (default: the real data folder,
    ``creator_audit.dataset.real_data.real_data_dir``), each in either form, by source. A source
    with a file absent is left out; none at all is an error naming what was looked for."""
    root = real_data_dir(data_dir)
    found: dict[str, list[RealFile]] = {}
    for name, (files, _) in SOURCES.items():
        present = [file for file in (find(f, root) for f in files) if file is not None]
        if len(present) == len(files):
            found[name] = present
    if not found:
        expected = ", ".join(f for files, _ in SOURCES.values() for f in files)
        raise FileNotFoundError(
            f"no labelled account source under {root} (looked for {expected}, or their "
            "published originals: creator-audit data fetch gets them)"
        )
    return found


def load_real_accounts(
    data_dir: str | os.PathLike[str] | None = None,
    purba_fake_classes: Iterable[str] = DEFAULT_PURBA_FAKE_CLASSES,
) -> pd.DataFrame:
    """Every source found under ``data_dir`` (default: the real data folder), harmonised.

    A source whose files are absent is skipped; none at all is an error naming what was looked
    for. Rows keep their source's order; sources follow ``SOURCES``' order.
    """
    root = real_data_dir(data_dir)
    frames = []
    for name in account_files(root):
        kwargs = {"fake_classes": purba_fake_classes} if name == "purba" else {}
        frames.append(SOURCES[name][1](root, **kwargs))
    return pd.concat(frames, ignore_index=True)[list(ACCOUNT_COLUMNS)]


def load_instagram_accounts(data_dir: str | os.PathLike[str] | None = None) -> pd.DataFrame:
    """:func:`load_real_accounts` of the Instagram sources only (what the simulator's follower
    profiles are fitted from)."""
    accounts = load_real_accounts(data_dir)
    return accounts[accounts["source"].isin(INSTAGRAM_SOURCES)].reset_index(drop=True)
