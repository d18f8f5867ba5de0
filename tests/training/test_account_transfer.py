"""The transfer table: a feature that points opposite ways in two sources is masked, unless
its direction is left free; one that points the same way everywhere is kept."""

from __future__ import annotations

import numpy as np
import pandas as pd

from tests.account_models import made_up_accounts
from training.account_transfer import feature_transfer, format_transfer, transferring_features


def two_sources_with_bios_reversed() -> pd.DataFrame:
    a, b = made_up_accounts(1_500, seed=1), made_up_accounts(1_500, seed=2)
    a["source"], b["source"] = "first", "second"
    # In the second source, fakes write long bios and real accounts none: a source's quirk.
    b["bio_length"] = np.where(b["is_fake"] == 1, 120.0, 0.0)
    return pd.concat([a, b], ignore_index=True)


def test_a_constrained_feature_that_reverses_is_masked() -> None:
    table = feature_transfer(two_sources_with_bios_reversed())
    assert table.loc["log_bio_length", "second"] > 0.9
    assert table.loc["log_bio_length", "first"] < 0.4
    assert table.loc["log_bio_length", "reverses"] and not table.loc["log_bio_length", "kept"]
    kept = transferring_features(table)
    assert "log_bio_length" not in kept
    assert "log_follower_following_ratio" in kept


def test_a_field_no_source_has_is_unknown_not_a_reversal() -> None:
    accounts = two_sources_with_bios_reversed()
    accounts["has_external_url"] = np.nan
    table = feature_transfer(accounts)
    assert table.loc["has_external_url", ["first", "second"]].isna().all()
    assert table.loc["has_external_url", "kept"] and not table.loc["has_external_url", "reverses"]
    lines = format_transfer(table, ["first", "second"])
    assert any("log_bio_length" in line and "masked" in line for line in lines)
