"""Harmonisation of the real labelled account sources: columns, types, labels, per source."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from creator_audit.dataset.real_accounts import (
    ACCOUNT_COLUMNS,
    KAGGLE_FILE,
    PROFILE_FIELDS,
    load_real_accounts,
)
from tests.shared_data import SHARED, needs_real_accounts

pytestmark = needs_real_accounts


@pytest.fixture(scope="module")
def accounts():
    return load_real_accounts(SHARED)


def test_one_schema_with_numeric_profile_fields(accounts) -> None:
    assert tuple(accounts.columns) == ACCOUNT_COLUMNS
    for name in PROFILE_FIELDS:
        assert accounts[name].dtype == np.float64, name
    assert accounts["is_fake"].dtype == np.int64
    assert set(accounts["is_fake"]) == {0, 1}
    assert (accounts[["followers", "following", "media_count"]] >= 0).all().all()
    assert accounts[["followers", "following", "media_count"]].notna().all().all()


def test_rows_and_labels_per_source(accounts) -> None:
    counts = accounts.groupby(["source", "is_fake"]).size().to_dict()
    assert counts[("instafake", 1)] == 200 and counts[("instafake", 0)] == 994
    assert counts[("kaggle", 1)] == 288 and counts[("kaggle", 0)] == 288
    purba = accounts[accounts["source"] == "purba"]
    # Default mapping: real against inactive fakes; active fakes and spammers left out.
    assert set(purba["source_label"]) == {"real", "inactive fake"}
    assert (purba["is_fake"] == (purba["source_label"] == "inactive fake")).all()
    # Cresci 2015: Twitter's human volunteers real, both vendors' bought followers fake.
    assert counts[("cresci", 0)] == 469 and counts[("cresci", 1)] == 686 + 485


def test_fields_a_source_lacks_stay_missing(accounts) -> None:
    by_source = accounts.groupby("source")
    present = by_source[list(PROFILE_FIELDS)].agg(lambda s: s.notna().mean())
    assert present.loc["purba", "is_private"] == 0.0  # Purba has no private flag
    assert present.loc["purba", "username_length"] == 0.0
    assert present.loc["instafake", "has_external_url"] == 0.0
    assert present.loc["kaggle", "username_length"] == 0.0  # only the digits' share
    assert present.loc["kaggle", "username_digit_share"] == 1.0
    assert present.loc["cresci", "is_private"] == 0.0  # every "protected" cell is empty
    assert present.loc["cresci", "username_length"] == 1.0  # screen names, counted


def test_cresci_maps_twitter_fields(accounts) -> None:
    cresci = accounts[accounts["source"] == "cresci"]
    real, bought = cresci[cresci["is_fake"] == 0], cresci[cresci["is_fake"] == 1]
    # Twitter's bought followers post little and are followed by few (Cresci et al. 2015).
    assert bought["media_count"].median() < real["media_count"].median() / 10
    assert bought["followers"].median() < real["followers"].median()
    # A default picture is an explicit 1; the empty cell is the user's own picture.
    assert 0.0 < (real["has_profile_pic"] == 0).mean() < 0.1
    assert (cresci["bio_length"] >= 0).all() and cresci["bio_length"].notna().all()
    instafake = accounts[accounts["source"] == "instafake"]
    share = instafake["username_digits"] / instafake["username_length"]
    np.testing.assert_allclose(instafake["username_digit_share"], share)


def test_purba_is_deduplicated_and_classes_are_selectable() -> None:
    every = load_real_accounts(SHARED, purba_fake_classes=("a", "i", "s"))
    purba = every[every["source"] == "purba"]
    assert set(purba["source_label"]) == {"real", "active fake", "inactive fake", "spammer"}
    # 43,307 rows less the 1,082 exact duplicates the data's README counts.
    assert len(purba) == 43_307 - 1_082
    with pytest.raises(ValueError, match="among a, i, s"):
        load_real_accounts(SHARED, purba_fake_classes=("r",))


def test_missing_sources_are_skipped_and_none_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "kaggle-instagram").mkdir()
    shutil.copy(SHARED / KAGGLE_FILE, tmp_path / KAGGLE_FILE)
    only_kaggle = load_real_accounts(tmp_path)
    assert set(only_kaggle["source"]) == {"kaggle"}
    with pytest.raises(FileNotFoundError, match="no labelled account source"):
        load_real_accounts(tmp_path / "empty")
