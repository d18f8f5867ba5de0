"""Model bundles are recognised and verified before they are unpickled."""

from __future__ import annotations

import joblib
import pytest

from creator_audit.bundle import MAGIC, BundleError, read_bundle, write_bundle

PAYLOAD = {"format": 1, "booster_text": "tree\n" * 2000, "numbers": list(range(500))}


@pytest.fixture
def bundle(tmp_path):
    return write_bundle(tmp_path / "m.joblib", PAYLOAD, "creator-fraud")


def test_a_bundle_reads_back_and_says_its_kind(bundle) -> None:
    assert read_bundle(bundle, "creator-fraud") == PAYLOAD
    assert bundle.read_bytes().startswith(MAGIC)
    with pytest.raises(BundleError, match="is a bundle of creator-fraud, not of account"):
        read_bundle(bundle, "account-authenticity")


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _bit_flipped(data: bytes) -> bytes:
    middle = len(data) - 100
    return data[:middle] + bytes([data[middle] ^ 0x01]) + data[middle + 1 :]


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (_truncated, r"is damaged: \d+ bytes of payload where its header says \d+"),
        (_bit_flipped, "is damaged: its checksum does not match"),
        (lambda data: data[: len(MAGIC) + 5], "is damaged: its header is unreadable"),
        (lambda data: b"", "is empty: not a creator-audit model bundle"),
        (lambda data: b"\x00\xff garbage " * 40, "is not a creator-audit model bundle"),
        (lambda data: b"root:x:0:0:root:/root:/bin/bash\n", "is not a creator-audit model bundle"),
    ],
    ids=["truncated", "bit-flipped", "header-cut", "empty", "garbage", "passwd-like"],
)
def test_a_damaged_or_foreign_file_is_named_not_unpickled(bundle, damage, message) -> None:
    bundle.write_bytes(damage(bundle.read_bytes()))
    with pytest.raises(BundleError, match=message):
        read_bundle(bundle, "creator-fraud")


def test_bundles_from_before_the_header_still_load_and_their_damage_is_named(tmp_path) -> None:
    legacy = tmp_path / "old.joblib"
    joblib.dump(PAYLOAD, legacy, compress=3)
    assert read_bundle(legacy, "creator-fraud") == PAYLOAD
    legacy.write_bytes(_truncated(legacy.read_bytes()))
    with pytest.raises(BundleError, match=r"old.joblib is damaged \("):
        read_bundle(legacy)


def test_a_missing_bundle_is_named(tmp_path) -> None:
    with pytest.raises(BundleError, match=r"model bundle .*nothing.joblib does not exist"):
        read_bundle(tmp_path / "nothing.joblib")
