"""Model bundles hold plain data: verified, then read without unpickling anything; pickled bundles
of older versions are refused, and one that would run code when unpickled never does."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from creator_audit import bundle as bundle_module
from creator_audit.bundle import (
    MAGIC,
    BundleError,
    PickledBundleError,
    read_bundle,
    read_pickled_bundle,
    write_bundle,
)
from tests.pickled_bundles import (
    evil_payload,
    write_headerless_bundle,
    write_pickled_bundle,
)

PAYLOAD = {"format": 1, "booster_text": "tree\n" * 2000, "numbers": list(range(500))}
CONVERT_LINE = "pickles can run code, so it is not loaded. If you trust the file: creator-audit "


@pytest.fixture
def bundle(tmp_path):
    return write_bundle(tmp_path / "m.bundle", PAYLOAD, "creator-fraud")


def _entries(path: Path) -> dict[str, bytes]:
    body = path.read_bytes().split(b"\n", 2)[2]
    with zipfile.ZipFile(io.BytesIO(body)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _write_archive(path: Path, entries: dict[str, bytes], kind: str = "creator-fraud") -> Path:
    """A bundle around an archive made by hand, with a valid header: what an attacker can write."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    body = buffer.getvalue()
    header = {"kind": kind, "container": "zip/1", "bytes": len(body)}
    header["sha256"] = hashlib.sha256(body).hexdigest()
    path.write_bytes(MAGIC + json.dumps(header).encode() + b"\n" + body)
    return path


def test_a_bundle_reads_back_and_says_its_kind(bundle) -> None:
    assert read_bundle(bundle, "creator-fraud") == PAYLOAD
    assert bundle.read_bytes().startswith(MAGIC)
    with pytest.raises(BundleError, match="is a bundle of creator-fraud, not of account"):
        read_bundle(bundle, "account-authenticity")


def test_the_booster_text_and_arrays_are_entries_of_their_own(tmp_path) -> None:
    payload = {
        "booster_text": "tree\n",
        "inner": {"booster_text": "other tree\n", "weights": np.arange(6.0).reshape(2, 3)},
        "flags": np.array([True, False]),
    }
    path = write_bundle(tmp_path / "m.bundle", payload, "creator-fraud")
    entries = _entries(path)
    assert set(entries) == {
        "payload.json",
        "booster_text.txt",
        "inner.booster_text.txt",
        "inner.weights.npy",
        "flags.npy",
    }
    assert entries["booster_text.txt"] == b"tree\n"
    assert json.loads(entries["payload.json"])["booster_text"] == {"$entry": "booster_text.txt"}
    read = read_bundle(path)
    assert read["inner"]["booster_text"] == "other tree\n"
    np.testing.assert_array_equal(read["inner"]["weights"], payload["inner"]["weights"])
    assert read["flags"].dtype == bool


def test_numpy_scalars_and_tuples_come_back_as_python_values(tmp_path) -> None:
    payload = {"n": np.int64(3), "x": np.float32(0.5), "ok": np.bool_(True), "pair": (1.5, 2)}
    read = read_bundle(write_bundle(tmp_path / "m.bundle", payload, "k"))
    assert read == {"n": 3, "x": 0.5, "ok": True, "pair": [1.5, 2]}
    assert type(read["n"]) is int and type(read["ok"]) is bool


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ({"a": np.array([object()])}, "payload.a is an array of Python objects"),
        ({"a": {1: "x"}}, "payload.a has the key 1; keys are strings"),
        ({"a": {"$entry": "x"}}, r"payload.a has the key '\$entry', which marks entries"),
        ({"a": {"b": {1, 2}}}, "payload.a.b is a set, not plain data"),
    ],
    ids=["object-array", "int-key", "marker-key", "set"],
)
def test_what_is_not_plain_data_is_refused_at_write_time(tmp_path, payload, message) -> None:
    target = tmp_path / "m.bundle"
    with pytest.raises(BundleError, match=f"cannot write {target}: {message}"):
        write_bundle(target, payload, "k")
    assert not target.exists()


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
        (lambda data: b"x marks the spot\n" * 20, "is not a creator-audit model bundle"),
    ],
    ids=["truncated", "bit-flipped", "header-cut", "empty", "garbage", "passwd-like", "starts-x"],
)
def test_a_damaged_or_foreign_file_is_named_not_read(bundle, damage, message) -> None:
    bundle.write_bytes(damage(bundle.read_bytes()))
    with pytest.raises(BundleError, match=message):
        read_bundle(bundle, "creator-fraud")


@pytest.mark.parametrize("older", ["with-header", "headerless"])
def test_a_pickled_bundle_that_would_run_code_is_refused_unread(tmp_path, older) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.joblib"
    if older == "with-header":
        write_pickled_bundle(path, evil_payload(marker), "creator-fraud")
    else:
        write_headerless_bundle(path, evil_payload(marker))
    with pytest.raises(PickledBundleError) as refused:
        read_bundle(path, "creator-fraud")
    assert str(refused.value) == (
        f"{path} is a pickled model bundle from an older creator-audit; {CONVERT_LINE}"
        f"model convert --trust {path}"
    )
    assert not marker.exists()


def test_an_older_bundle_unpickles_only_through_the_trusted_reader(tmp_path) -> None:
    headed = write_pickled_bundle(tmp_path / "old.joblib", PAYLOAD, "account-authenticity")
    assert read_pickled_bundle(headed) == ("account-authenticity", PAYLOAD)
    headed.write_bytes(_bit_flipped(headed.read_bytes()))  # verified before it is unpickled
    with pytest.raises(BundleError, match=r"old\.joblib is damaged: its checksum does not match"):
        read_pickled_bundle(headed)
    bare = write_headerless_bundle(tmp_path / "older.joblib", PAYLOAD)
    assert read_pickled_bundle(bare) == (None, PAYLOAD)
    bare.write_bytes(_truncated(bare.read_bytes()))
    with pytest.raises(BundleError, match=r"older.joblib is damaged \("):
        read_pickled_bundle(bare)
    current = write_bundle(tmp_path / "new.bundle", PAYLOAD, "creator-fraud")
    with pytest.raises(BundleError, match=r"new\.bundle is already a bundle of plain data"):
        read_pickled_bundle(current)


def test_an_npy_entry_of_python_objects_is_refused_unpickled(tmp_path) -> None:
    marker = tmp_path / "ran"
    objects = io.BytesIO()
    np.save(objects, np.array([evil_payload(marker)], dtype=object), allow_pickle=True)
    path = _write_archive(
        tmp_path / "m.bundle",
        {"payload.json": b'{"weights": {"$entry": "w.npy"}}', "w.npy": objects.getvalue()},
    )
    with pytest.raises(BundleError, match=r"m\.bundle cannot be read: entry w\.npy holds Python"):
        read_bundle(path)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ({"other.json": b"{}"}, "it has no payload.json"),
        ({"payload.json": b"{not json"}, "its payload.json is not JSON \\(Expecting"),
        ({"payload.json": b'{"a": {"$entry": "gone.txt"}}'}, "There is no item named 'gone.txt'"),
        ({"payload.json": b'{"a": {"$entry": "x.pkl"}}', "x.pkl": b"."}, "neither .txt nor .npy"),
        ({"payload.json": b'{"a": {"$entry": 3}}'}, "3 names no entry"),
        ({"payload.json": b'{"a": {"$entry": "t.txt"}}', "t.txt": b"\xff\xfe"}, "utf-8"),
    ],
    ids=["no-payload", "bad-json", "missing-entry", "unknown-entry", "bad-marker", "bad-text"],
)
def test_a_malformed_archive_with_a_valid_header_is_named(tmp_path, entries, message) -> None:
    path = _write_archive(tmp_path / "m.bundle", entries)
    with pytest.raises(BundleError, match=f"bundle {path} cannot be read: .*{message}"):
        read_bundle(path)


def test_entries_that_unpack_beyond_the_limit_are_refused_before_unpacking(
    tmp_path, monkeypatch
) -> None:
    path = write_bundle(tmp_path / "m.bundle", PAYLOAD, "creator-fraud")  # ~10 kB unpacked
    monkeypatch.setattr(bundle_module, "MAX_UNPACKED_BYTES", 5_000)
    inflated = []
    monkeypatch.setattr(zipfile.ZipFile, "open", lambda *args, **kw: inflated.append(args))
    with pytest.raises(BundleError, match=r"unpack to [\d,]+ bytes, more than the limit of 5,000"):
        read_bundle(path)
    assert inflated == []


def test_a_bundle_in_a_newer_container_is_named(tmp_path) -> None:
    path = tmp_path / "m.bundle"
    path.write_bytes(MAGIC + b'{"kind": "k", "container": "zip/9", "bytes": 0, "sha256": ""}\n')
    with pytest.raises(BundleError, match="in container 'zip/9', which this version"):
        read_bundle(path)


def test_a_missing_bundle_is_named(tmp_path) -> None:
    with pytest.raises(BundleError, match=r"model bundle .*nothing.bundle does not exist"):
        read_bundle(tmp_path / "nothing.bundle")
