"""The packaged manifest of the public collections: what it lists, and that it is checked."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest

from creator_audit.dataset.real_data import DERIVATIONS, SHARED_LAYOUT, original_of
from creator_audit.dataset.sources import MANIFEST_FILE, load_manifest, select
from tests.shared_data import SHARED

SHARED_MANIFEST = SHARED / "SOURCES.json"


@pytest.mark.realdata
@pytest.mark.skipif(not SHARED_MANIFEST.is_file(), reason=f"{SHARED_MANIFEST} is absent")
def test_the_packaged_manifest_is_the_shared_folders() -> None:
    assert json.loads(MANIFEST_FILE.read_text()) == json.loads(SHARED_MANIFEST.read_text())


def test_seven_collections_of_twelve_files_each_named_once_in_the_shared_layout() -> None:
    collections = load_manifest()
    files = [file for collection in collections for file in collection.files]
    assert len(collections) == 7 and len(files) == 12
    assert sorted(original_of(name).key for name in SHARED_LAYOUT) == sorted(f.key for f in files)
    assert set(DERIVATIONS) <= set(SHARED_LAYOUT)
    for collection in collections:
        assert collection.licence and collection.cite, collection.name


@pytest.mark.realdata
@pytest.mark.skipif(not SHARED.is_dir(), reason=f"{SHARED} is absent")
def test_the_shared_files_not_derived_are_the_published_bytes() -> None:
    """Nine of the twelve shared files are the published files byte for byte; the other three
    are parts, which is why reading an original cuts it the same way."""
    for name in sorted(set(SHARED_LAYOUT) - set(DERIVATIONS)):
        data = (SHARED / name).read_bytes()
        original = original_of(name)
        assert (hashlib.sha256(data).hexdigest(), len(data)) == (original.sha256, original.size)
    for name in DERIVATIONS:
        assert (SHARED / name).stat().st_size < original_of(name).size, name


def _manifest(tmp_path: Path, **changes: object) -> Path:
    raw = json.loads(MANIFEST_FILE.read_text())
    raw["sources"][0]["files"][0].update(changes)
    path = tmp_path / "sources.json"
    path.write_text(json.dumps(raw))
    return path


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"path": "../../etc/passwd"}, "must be a plain relative path"),
        ({"path": "/etc/passwd"}, "must be a plain relative path"),
        ({"sha256": "abc"}, "sha256 'abc' is not 64 lowercase hex digits"),
        ({"bytes": "40874"}, "bytes of data/fake-v1.0/fakeAccountData.json must be a positive"),
    ],
)
def test_a_bad_manifest_entry_is_named(tmp_path, change, message) -> None:
    expected = r"source 1 \(instafake-fake-v1\): .*" + re.escape(message)
    with pytest.raises(ValueError, match=expected):
        load_manifest(_manifest(tmp_path, **change))


def test_a_missing_field_and_a_bad_commit_are_named(tmp_path) -> None:
    raw = json.loads(MANIFEST_FILE.read_text())
    del raw["sources"][1]["licence"]
    raw["sources"][2]["commit"] = "main"
    (tmp_path / "a.json").write_text(json.dumps({"sources": raw["sources"][1:2]}))
    (tmp_path / "b.json").write_text(json.dumps({"sources": raw["sources"][2:3]}))
    with pytest.raises(ValueError, match=r"instafake-nonautomated.*the field 'licence' is missing"):
        load_manifest(tmp_path / "a.json")
    with pytest.raises(ValueError, match="commit 'main' is not 40 lowercase hex digits"):
        load_manifest(tmp_path / "b.json")


def test_select_keeps_manifest_order_and_names_the_known_collections() -> None:
    collections = load_manifest()
    assert [c.name for c in select(collections, ["scamspot", "kaggle-instagram"])] == [
        "kaggle-instagram",
        "scamspot",
    ]
    assert select(collections, None) == collections
    with pytest.raises(LookupError, match="no collection named nope; the collections are: insta"):
        select(collections, ["nope"])
