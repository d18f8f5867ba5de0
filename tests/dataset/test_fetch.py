"""``creator-audit data fetch`` against a real HTTP server on 127.0.0.1 serving a test manifest's
files under the mirror's layout: whole, verified, resumed, refused, never half-written."""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.dataset import sources
from creator_audit.dataset.fetch import fetch, file_url, mirror_url
from creator_audit.dataset.sources import Collection, PublishedFile

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SIZE = 300_000  # several read chunks


@dataclass
class Mirror:
    """What the server serves (URL path -> bytes) and how it misbehaves; what it was asked."""

    url: str = ""
    files: dict[str, bytes] = field(default_factory=dict)
    requests: list[tuple[str, str | None]] = field(default_factory=list)  # path, Range header
    cut_after: dict[str, int] = field(default_factory=dict)  # close after N bytes, once
    status: dict[str, int] = field(default_factory=dict)  # answer with this error
    ranges: str = "honoured"  # or "ignored" (a whole answer), or "refused" (416)


class _Handler(BaseHTTPRequestHandler):
    mirror: Mirror

    def do_GET(self) -> None:
        mirror = self.mirror
        ranged = self.headers.get("Range")
        mirror.requests.append((self.path, ranged))
        body = mirror.files.get(self.path)
        if self.path in mirror.status or body is None:
            self.send_error(mirror.status.get(self.path, 404))
            return
        start = int(re.fullmatch(r"bytes=(\d+)-", ranged).group(1)) if ranged else 0
        if start and mirror.ranges == "refused":
            self.send_error(416)
            return
        if start and mirror.ranges == "honoured":
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            start = 0
            self.send_response(200)
        self.send_header("Content-Length", str(len(body) - start))
        self.end_headers()
        cut = mirror.cut_after.pop(self.path, None)
        self.wfile.write(body[start:] if cut is None else body[start : start + cut])
        self.close_connection = cut is not None

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def mirror() -> Iterator[Mirror]:
    served = Mirror()
    handler = type("Handler", (_Handler,), {"mirror": served})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    served.url = f"http://127.0.0.1:{server.server_address[1]}/raw"
    yield served
    server.shutdown()
    server.server_close()


def _published(name: str, path: str, data: bytes) -> PublishedFile:
    digest = hashlib.sha256(data).hexdigest()
    return PublishedFile(name, "someone/collection", COMMIT, path, digest, len(data))


def _collections(mirror: Mirror, sizes: dict[str, int]) -> tuple[Collection, ...]:
    """One collection per file, served under ``/raw``: ``name -> size``."""
    out = []
    for i, (name, size) in enumerate(sizes.items()):
        data = os.urandom(size)
        file = _published(name, f"data/{name}.bin", data)
        mirror.files[f"/raw/{file.key}"] = data
        out.append(Collection(name, (file,), f"licence {i}", f"cite {i}", "tests"))
    return tuple(out)


def _served(mirror: Mirror, file: PublishedFile) -> bytes:
    return mirror.files[f"/raw/{file.key}"]


def _asked(mirror: Mirror, file: PublishedFile) -> list[str | None]:
    return [ranged for path, ranged in mirror.requests if path == f"/raw/{file.key}"]


def _quiet(_: str) -> None:
    pass


def _only(collections: tuple[Collection, ...]) -> PublishedFile:
    return collections[0].files[0]


def test_a_complete_fetch_then_one_that_downloads_nothing(mirror, tmp_path) -> None:
    collections = _collections(mirror, {"a": SIZE, "b": 10, "c": 70_000})
    first = fetch(collections, tmp_path / "cache", mirror.url, _quiet)
    assert [f.collection for f in first.fetched] == ["a", "b", "c"] and not first.failures
    for collection in collections:
        file = collection.files[0]
        assert (tmp_path / "cache" / file.key).read_bytes() == _served(mirror, file)
    assert len(mirror.requests) == 3
    second = fetch(collections, tmp_path / "cache", mirror.url, _quiet)
    assert len(mirror.requests) == 3  # nothing asked for again
    assert second.present == first.fetched and not second.fetched
    leftovers = [p.name for p in (tmp_path / "cache").rglob("*") if p.name.startswith(".")]
    assert leftovers == []


def test_a_corrupted_file_is_refused_and_the_cached_good_copy_kept(mirror, tmp_path) -> None:
    collections = _collections(mirror, {"a": SIZE, "b": SIZE})
    a, b = (c.files[0] for c in collections)
    cache = tmp_path / "cache"
    fetch(collections[:1], cache, mirror.url, _quiet)
    good = (cache / a.key).read_bytes()
    for file in (a, b):  # the mirror now serves damaged copies of the same size
        data = bytearray(_served(mirror, file))
        data[1000] ^= 1
        mirror.files[f"/raw/{file.key}"] = bytes(data)
    result = fetch(collections, cache, mirror.url, _quiet)
    assert result.present == [a] and result.fetched == []
    assert (cache / a.key).read_bytes() == good and _asked(mirror, a) == [None]
    (failure,) = result.failures
    got = hashlib.sha256(_served(mirror, b)).hexdigest()
    assert str(failure) == (
        f"someone/collection@0123456:data/b.bin from {mirror.url}/{b.key} does not match the "
        f"published file: expected sha256 {b.sha256} (300,000 bytes), got {got} (300,000 bytes); "
        "not kept"
    )
    assert [p.name for p in (cache / b.key).parent.iterdir()] == ["a.bin"]  # no b, no part


def test_a_changed_cached_file_is_fetched_again(mirror, tmp_path) -> None:
    collections = _collections(mirror, {"a": 1000})
    file, cache = _only(collections), tmp_path / "cache"
    fetch(collections, cache, mirror.url, _quiet)
    (cache / file.key).write_bytes(b"x" * 1000)  # same size, other bytes
    result = fetch(collections, cache, mirror.url, _quiet)
    assert result.fetched == [file] and (cache / file.key).read_bytes() == _served(mirror, file)


def test_a_file_of_another_size_is_refused_before_it_is_downloaded(mirror, tmp_path) -> None:
    collections = _collections(mirror, {"a": 1000})
    file = _only(collections)
    mirror.files[f"/raw/{file.key}"] += b"more"
    (failure,) = fetch(collections, tmp_path / "cache", mirror.url, _quiet).failures
    assert "does not match the published file: expected 1,000 bytes" in str(failure)
    assert "got 1,004 bytes" in str(failure)
    assert not (tmp_path / "cache" / file.key).exists()


def test_a_download_cut_midway_leaves_no_file_and_the_next_run_resumes_it(mirror, tmp_path) -> None:
    collections = _collections(mirror, {"a": SIZE})
    file, cache = _only(collections), tmp_path / "cache"
    mirror.cut_after[f"/raw/{file.key}"] = 100_000
    (failure,) = fetch(collections, cache, mirror.url, _quiet).failures
    assert "stopped at byte 100,000 of 300,000" in str(failure)
    assert "run creator-audit data fetch again to resume it" in str(failure)
    assert not (cache / file.key).exists()  # never half a file where a whole one is expected
    lines: list[str] = []
    result = fetch(collections, cache, mirror.url, lines.append)
    assert result.fetched == [file] and (cache / file.key).read_bytes() == _served(mirror, file)
    assert _asked(mirror, file) == [None, "bytes=100000-"]
    assert "resumed at byte 100,000" in lines[0]
    assert [p.name for p in (cache / file.key).parent.iterdir()] == ["a.bin"]


@pytest.mark.parametrize("ranges", ["ignored", "refused"])
def test_a_part_left_by_a_killed_run_is_restarted_where_the_server_does_not_resume(
    mirror, tmp_path, ranges
) -> None:
    collections = _collections(mirror, {"a": SIZE})
    file, cache = _only(collections), tmp_path / "cache"
    part = cache / Path(file.key).parent / ".a.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(_served(mirror, file)[:5000])
    mirror.ranges = ranges
    result = fetch(collections, cache, mirror.url, _quiet)
    assert result.fetched == [file] and (cache / file.key).read_bytes() == _served(mirror, file)
    assert not part.exists()


def test_a_damaged_part_is_thrown_away_and_the_file_fetched_whole(mirror, tmp_path) -> None:
    collections = _collections(mirror, {"a": SIZE})
    file, cache = _only(collections), tmp_path / "cache"
    part = cache / Path(file.key).parent / ".a.bin.part"
    part.parent.mkdir(parents=True)
    part.write_bytes(b"\0" * 5000)  # not the file's first bytes
    result = fetch(collections, cache, mirror.url, _quiet)
    assert result.fetched == [file] and (cache / file.key).read_bytes() == _served(mirror, file)
    assert _asked(mirror, file) == ["bytes=5000-", None]


def test_http_errors_name_the_file_and_url_and_the_other_files_are_fetched(
    mirror, tmp_path
) -> None:
    collections = _collections(mirror, {"gone": 10, "broken": 10, "fine": 10})
    gone, broken, fine = (c.files[0] for c in collections)
    del mirror.files[f"/raw/{gone.key}"]
    mirror.status[f"/raw/{broken.key}"] = 503
    result = fetch(collections, tmp_path / "cache", mirror.url, _quiet)
    assert result.fetched == [fine]
    assert [str(f) for f in result.failures] == [
        f"{gone.label}: HTTP 404 Not Found from {mirror.url}/{gone.key}",
        f"{broken.label}: HTTP 503 Service Unavailable from {mirror.url}/{broken.key}",
    ]


def test_an_unreachable_mirror_stops_at_the_first_file(tmp_path) -> None:
    collections = _collections(Mirror(), {"a": 10, "b": 10, "c": 10})
    (failure,) = fetch(collections, tmp_path / "cache", "http://127.0.0.1:1", _quiet).failures
    assert str(failure).startswith("someone/collection@0123456:data/a.bin: cannot reach http")
    assert str(failure).endswith("; 2 more file(s) not tried")


def test_a_cache_that_cannot_be_written_is_named(mirror, tmp_path) -> None:
    (tmp_path / "file").write_text("")
    collections = _collections(mirror, {"a": 10})
    with pytest.raises(OSError, match=r"cannot write the data cache .*file/cache: Not a directory"):
        fetch(collections, tmp_path / "file" / "cache", mirror.url, _quiet)
    assert mirror.requests == []


def test_a_folder_mirror_by_file_url(mirror, tmp_path) -> None:
    collections = _collections(mirror, {"a": 1000, "b": 10})
    a, b = (c.files[0] for c in collections)
    folder = tmp_path / "mirror folder"
    (folder / a.key).parent.mkdir(parents=True)
    (folder / a.key).write_bytes(_served(mirror, a))
    result = fetch(collections, tmp_path / "cache", folder.as_uri(), _quiet)
    assert result.fetched == [a]
    assert str(result.failures[0]) == f"{b.label}: not found at {file_url(b, folder.as_uri())}"


def test_the_mirror_is_github_unless_set(monkeypatch) -> None:
    monkeypatch.delenv("CREATOR_AUDIT_DATA_MIRROR", raising=False)
    assert mirror_url() == "https://raw.githubusercontent.com"
    monkeypatch.setenv("CREATOR_AUDIT_DATA_MIRROR", "https://mirror.example/raw/")
    assert mirror_url() == "https://mirror.example/raw"
    file = _published("x", "data/a b.csv", b"x")
    assert file_url(file, mirror_url()) == f"https://mirror.example/raw/{file.key[:-7]}a%20b.csv"
    monkeypatch.setenv("CREATOR_AUDIT_DATA_MIRROR", "ftp://mirror.example")
    with pytest.raises(ValueError, match="is not an http://, https:// or file:// URL"):
        mirror_url()


def test_the_command_fetches_verifies_and_gives_licences_then_downloads_nothing(
    mirror, tmp_path, monkeypatch
) -> None:
    collections = _collections(mirror, {"one": 1000, "two": 10})
    manifest = {
        "sources": [
            {
                "name": c.name,
                "repo": c.files[0].repo,
                "commit": COMMIT,
                "files": [{"path": f.path, "sha256": f.sha256, "bytes": f.size} for f in c.files],
                "licence": c.licence,
                "cite": c.cite,
                "used_for": c.used_for,
            }
            for c in collections
        ]
    }
    (tmp_path / "sources.json").write_text(json.dumps(manifest))
    monkeypatch.setattr(sources, "MANIFEST_FILE", tmp_path / "sources.json")
    monkeypatch.setenv("CREATOR_AUDIT_DATA_MIRROR", mirror.url)
    monkeypatch.setenv("CREATOR_AUDIT_DATA", str(tmp_path / "cache"))
    runner = CliRunner()
    first = runner.invoke(app, ["data", "fetch"])
    assert first.exit_code == 0, first.output
    assert f"2 of 2 files verified in {tmp_path / 'cache'} (2 downloaded" in first.output
    assert "  one: licence 0; cite cite 0\n  two: licence 1; cite cite 1\n" in first.output
    second = runner.invoke(app, ["data", "fetch", "--only", "two"])
    assert second.exit_code == 0, second.output
    assert "1 of 1 files verified" in second.output and "(0 downloaded, 1 already there)" in (
        second.output
    )
    assert len(mirror.requests) == 2
    del mirror.files[f"/raw/{collections[0].files[0].key}"]
    third = runner.invoke(app, ["data", "fetch", "--to", str(tmp_path / "other")])
    assert third.exit_code == 2
    assert third.output.splitlines()[-1].startswith("error: someone/collection@0123456:data/one")
    assert "  two: licence 1" in third.output and "  one:" not in third.output
