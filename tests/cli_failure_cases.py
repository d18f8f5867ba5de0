"""The catalogue of command-line failures that tests/test_cli_failures.py runs: each case's
arguments, the one line it must print, and the files it sets up first.

Output, model and store cases pass a dataset that does not exist: the failure named is the
output's, the model's or the store's, so it was found before the data was even read.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from creator_audit.atomic import atomic_directory
from creator_audit.bundle import write_bundle
from tests.importers.exports import (
    GRAPH_ERROR,
    business_discovery,
    instaloader_download,
    instaloader_post_file,
    media_items,
    save,
)
from tests.pickled_bundles import evil_payload, write_headerless_bundle, write_pickled_bundle

REAL_STORE = Path("set-by-the-real_store-fixture")  # the test module sets it
NO_DATA = "no-such-dataset"


@dataclass(frozen=True)
class Case:
    name: str
    args: list[str]
    message: str
    setup: Callable[[Path], None] = lambda where: None
    env: dict[str, str] = field(default_factory=dict)


def tiny_dataset(directory: Path) -> Path:
    directory.mkdir()
    (directory / "creators.csv").write_text(
        "creator_id,followers,following,media_count\nc1,1200,300,40\n"
    )
    (directory / "posts.csv").write_text(
        "creator_id,post_id,posted_at,likes,comments\nc1,p1,2026-05-01T10:00:00Z,100,3\n"
    )
    return directory


def _bundle(where: Path, damage: Callable[[bytes], bytes]) -> None:
    path = write_bundle(where / "m.bundle", {"format": 1, "text": "x" * 5000}, "creator-fraud")
    path.write_bytes(damage(path.read_bytes()))


def _evil(name: str, kind: str = "creator-fraud", header: bool = True) -> Callable[[Path], None]:
    """A pickled bundle that creates ``ran`` when unpickled: the snapshot check sees it if so."""

    def write(where: Path) -> None:
        if header:
            write_pickled_bundle(where / name, evil_payload(where / "ran"), kind)
        else:
            write_headerless_bundle(where / name, evil_payload(where / "ran"))

    return write


def _refused(name: str) -> str:
    return (
        f"{name} is a pickled model bundle from an older creator-audit; pickles can run code, so "
        f"it is not loaded. If you trust the file: creator-audit model convert --trust {name}"
    )


def users_folder(where: Path) -> None:
    (where / "out" / "sub").mkdir(parents=True)
    (where / "out" / "notes.txt").write_text("mine")
    (where / "out" / "sub" / "keep.md").write_text("mine")


def _generated_then_added_to(where: Path) -> None:
    """A folder generate wrote (its marker lists its tables), then the user's files added."""
    with atomic_directory(where / "g") as tmp:
        (tmp / "creators.parquet").write_text("x")
    (where / "g" / "notes.txt").write_text("mine")
    (where / "g" / "analysis").mkdir()


def _export_of_tables(where: Path) -> None:
    """A real export: only table files, no marker."""
    (where / "export").mkdir()
    for name in ("creators.csv", "posts.csv"):
        (where / "export" / name).write_text("mine")


def _dataset_and(change: Callable[[Path], object]) -> Callable[[Path], None]:
    """A tiny valid dataset in ``d``, then ``change(d)``."""
    return lambda where: change(tiny_dataset(where / "d")) and None


def _partitioned(data: Path) -> None:
    (data / "posts").mkdir()
    (data / "posts.csv").rename(data / "posts" / "part-0.csv")


def _posts_line(text: str) -> Callable[[Path], None]:
    """A tiny dataset whose posts.csv gets one more row, ``text``."""
    return _dataset_and(lambda d: (d / "posts.csv").open("a").write(text + "\n"))


def _nul_in_a_post_id(data: Path) -> None:
    """posts as Parquet (a CSV file with a NUL byte is refused as a whole) with one bad id."""
    posts = pd.read_csv(data / "posts.csv", dtype={"post_id": str})
    posts.assign(post_id="p\x001").to_parquet(data / "posts.parquet")
    (data / "posts.csv").unlink()


def _store(content: Callable[[Path], None]) -> Callable[[Path], None]:
    return lambda where: content(where / "mlflow.db")


def _truncated_store(db: Path) -> None:
    db.write_bytes(REAL_STORE.read_bytes()[:5000])


def _undecodable_schema_store(db: Path) -> None:
    data = bytearray(REAL_STORE.read_bytes())
    at = data.find(b"CREATE TABLE")
    data[at + len(b"CREATE")] = 0xB0  # schema text that does not decode as UTF-8
    db.write_bytes(bytes(data))


def _read_only_store(db: Path) -> None:
    shutil.copy(REAL_STORE, db)
    db.chmod(0o444)


def _flip(data: bytes) -> bytes:
    return data[:-50] + bytes([data[-50] ^ 1]) + data[-49:]


def _download(change: Callable[[Path], object] = lambda folder: None) -> Callable[[Path], None]:
    """A small instaloader download in ``dl/me``, then ``change(folder)``."""

    def setup(where: Path) -> None:
        change(instaloader_download(where / "dl", "me", posts=2, comments_each=2).folder)

    return setup


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[:-20])


def _responses_at_one_time_that_disagree(where: Path) -> None:
    media = media_items(2)
    other = [dict(media[0], like_count=1), media[1]]
    save(where / "a" / "bb_20260501T120000Z.json", business_discovery(media))
    save(where / "b" / "bb_20260501T120000Z.json", business_discovery(other))


IMPORT_GRAPH = ["import", "graph-api", "r.json", "--out", "out"]
IMPORT_DL = ["import", "instaloader", "dl/me", "--out", "out"]


def _mirror_of(data: bytes) -> Callable[[Path], None]:
    """A mirror folder (``file://{where}/mirror``) serving ``data`` as Kaggle's train.csv."""

    def write(where: Path) -> None:
        target = where / "mirror" / KAGGLE_KEY
        target.parent.mkdir(parents=True)
        target.write_bytes(data)

    return write


KAGGLE_KEY = (
    "eliottvalette/MLers_IN_Paris/930e7f1a9a3598d5efb6c0c0ba284c5c11959cb1/"
    "kaggle/input/Dataset_1/train.csv"
)
KAGGLE_LABEL = "eliottvalette/MLers_IN_Paris@930e7f1:kaggle/input/Dataset_1/train.csv"
FETCH = ["data", "fetch", "--only", "kaggle-instagram", "--to", "cache"]
FILE_MIRROR = {"CREATOR_AUDIT_DATA_MIRROR": "file://{where}/mirror"}
NO_SHARED = {"CREATOR_AUDIT_SHARED_DATA": "{where}/no-shared-data"}
TO_PASSWD = "../" * 12 + "etc/passwd"
SCORE = ["score", "--data", NO_DATA, "--out", "s.csv", "--model", "m.bundle"]
FEATURES = ["features", "--data", NO_DATA, "--out", "f.csv"]
CASES = [
    Case("generate onto the user's folder", ["generate", "--out", "out", "--creators", "20"],
         "out holds files creator-audit did not write (notes.txt, sub); choose an empty or new "
         "folder, or pass --force", users_folder),
    Case("generate onto a file", ["generate", "--out", "f", "--creators", "20"],
         "f is a file; name a folder", lambda w: (w / "f").write_text("x")),
    Case("generate --seed -1", ["generate", "--out", "d", "--seed", "-1"], "'--seed'"),
    Case("features to /proc", ["features", "--data", NO_DATA, "--out", "/proc/x.csv"],
         "cannot write /proc/x.csv: "),
    Case("features onto a folder", ["features", "--data", NO_DATA, "--out", "dir.csv"],
         "dir.csv is a folder; name a file", lambda w: (w / "dir.csv").mkdir()),
    Case("score into a file's folder", ["score", "--data", NO_DATA, "--out", "f/s.csv"],
         "cannot write f/s.csv: f is a file, not a folder", lambda w: (w / "f").write_text("")),
    Case("score on Dask onto the user's folder",
         ["score", "--data", NO_DATA, "--out", "out.parquet", "--scheduler", "local"],
         "holds files creator-audit did not write (notes.txt)",
         lambda w: (w / "out.parquet").mkdir() or (w / "out.parquet" / "notes.txt").write_text("")),
    Case("truncated bundle", SCORE, "bundle m.bundle is damaged: ",
         lambda w: _bundle(w, lambda b: b[: len(b) // 2])),
    Case("empty bundle", SCORE, "m.bundle is empty: not a creator-audit model bundle",
         lambda w: _bundle(w, lambda b: b"")),
    Case("bit-flipped bundle", SCORE, "m.bundle is damaged: its checksum does not match",
         lambda w: _bundle(w, _flip)),
    Case("garbage bundle", SCORE, "m.bundle is not a creator-audit model bundle",
         lambda w: (w / "m.bundle").write_bytes(os.urandom(3000).replace(b"\x78", b"\x00"))),
    Case("an account bundle as the creator model", SCORE,
         "m.bundle is a bundle of account-authenticity, not of creator-fraud",
         lambda w: write_bundle(w / "m.bundle", {}, "account-authenticity")),
    Case("--model a pickled bundle that would run code", [*SCORE[:-1], "evil.joblib"],
         _refused("evil.joblib"), _evil("evil.joblib")),
    Case("--model a headerless pickled bundle", [*SCORE[:-1], "evil.joblib"],
         _refused("evil.joblib"), _evil("evil.joblib", header=False)),
    Case("--accounts-model a pickled bundle", [*FEATURES, "--accounts-model", "a.joblib"],
         _refused("a.joblib"), _evil("a.joblib", "account-authenticity")),
    Case("--comments-model a pickled bundle", [*FEATURES, "--comments-model", "c.joblib"],
         _refused("c.joblib"), _evil("c.joblib", "comment-authenticity")),
    Case("model convert without --trust", ["model", "convert", "old.joblib"],
         "converting old.joblib unpickles it, and unpickling runs any code the file holds; if "
         "you trust it, run: creator-audit model convert --trust old.joblib",
         _evil("old.joblib")),
    Case("model convert of a current bundle", ["model", "convert", "--trust", "m.bundle",
         "--out", "n.bundle"], "m.bundle is already a bundle of plain data; nothing to convert",
         lambda w: write_bundle(w / "m.bundle", {"format": 1}, "creator-fraud")),
    Case("model convert onto itself", ["model", "convert", "--trust", "m.bundle"],
         "m.bundle already ends in .bundle: name the new file with --out",
         lambda w: write_bundle(w / "m.bundle", {"format": 1}, "creator-fraud")),
    Case("--model path traversal", [*SCORE[:-1], TO_PASSWD],
         f"{TO_PASSWD} is not a creator-audit model bundle"),
    Case("--model s3://", [*SCORE[:-1], "s3://bucket/model"],
         "cannot load model s3://bucket/model: it needs the package"),
    Case("--model missing bundle", [*SCORE[:-1], "gone.bundle"],
         "model bundle gone.bundle does not exist"),
    Case("accounts score to /proc",
         ["accounts", "score", "--input", "a.csv", "--out", "/proc/a.csv"], "cannot write /proc/"),
    Case("accounts score --summary onto a folder",
         ["accounts", "score", "--input", "a.csv", "--out", "a_out.csv", "--summary", "sum.csv"],
         "sum.csv is a folder; name a file", lambda w: (w / "sum.csv").mkdir()),
    Case("train with --models-dir a file", ["train", "--data", NO_DATA, "--models-dir", "m"],
         "--models-dir m is a file, not a folder", lambda w: (w / "m").touch()),
    Case("train on a folder-shaped store", ["train", "--data", NO_DATA],
         "mlflow.db is a folder, not an SQLite database", _store(Path.mkdir)),
    Case("train on a garbage store", ["train", "--data", NO_DATA],
         "mlflow.db is not an SQLite database (damaged, or another file)",
         _store(lambda db: db.write_bytes(b"garbage" * 100))),
    Case("train on a truncated store", ["train", "--data", NO_DATA],
         "mlflow.db is damaged: database disk image is malformed", _store(_truncated_store)),
    Case("train on a read-only store", ["train", "--data", NO_DATA],
         "mlflow.db is read-only; training must write to it", _store(_read_only_store)),
    Case("accounts train on a garbage store", ["accounts", "train", "--data", NO_DATA],
         "mlflow.db is not an SQLite database", _store(lambda db: db.write_bytes(b"x" * 200))),
    Case("score from a damaged store", ["score", "--data", NO_DATA, "--out", "s.csv"],
         "mlflow.db is damaged: database disk image is malformed", _store(_truncated_store)),
    Case("score from a store whose schema text is damaged",
         ["score", "--data", NO_DATA, "--out", "s.csv"],
         "mlflow.db is damaged: 'utf-8' codec can't decode byte 0xb0",
         _store(_undecodable_schema_store)),
    Case("score away from any store", ["score", "--data", NO_DATA, "--out", "s.csv"],
         "cannot load model models:/creator-fraud@champion: no tracking store at "),
    Case("score from a store without the model", ["score", "--data", NO_DATA, "--out", "s.csv"],
         "not found; point MLFLOW_TRACKING_URI at the store that has it",
         _store(lambda db: shutil.copyfile(REAL_STORE, db))),
    Case("features with the champion account model of a garbage store",
         ["features", "--data", NO_DATA, "--out", "f.csv"], "mlflow.db is not an SQLite database",
         _store(lambda db: db.write_bytes(b"x" * 200))),
    Case("evaluate a dataset without labels", ["evaluate", "--data", "d", "--model", "m.bundle"],
         "the dataset has no labels table", lambda w: tiny_dataset(w / "d")),
    Case("evaluate neither --data nor --inject", ["evaluate"],
         "name the labelled data to evaluate on (--data DIR), or --inject for the injection"),
    Case("evaluate --compare without --data", ["evaluate", "--inject", "--compare", "m.bundle"],
         "--compare sets two models side by side on --data; name the data"),
    Case("evaluate --inject without the real data", ["evaluate", "--inject", "--model", "m.bundle"],
         "no real genuine creators to inject into: ", env=NO_SHARED),
    Case("evaluate --out a file", ["evaluate", "--data", NO_DATA, "--out", "report"],
         "report is a file; --out names the report's folder",
         lambda w: (w / "report").write_text("")),
    # An output is never an input: refused before any work, symbolic links resolved.
    Case("score --out a table of --data", ["score", "--data", "d", "--out", "d/posts.csv"],
         "--out d/posts.csv is d/posts.csv, which --data reads; an output is never an input",
         _dataset_and(lambda d: None)),
    Case("features --out a table of --data",
         ["features", "--data", "d", "--out", "d/creators.csv"],
         "--out d/creators.csv is d/creators.csv, which --data reads",
         _dataset_and(lambda d: None)),
    Case("features --out a link to a table", ["features", "--data", "d", "--out", "link.csv"],
         "--out link.csv is d/posts.csv, which --data reads",
         _dataset_and(lambda d: (d.parent / "link.csv").symlink_to(d / "posts.csv"))),
    Case("score --out a part file", ["score", "--data", "d", "--out", "d/posts/part-0.csv"],
         "--out d/posts/part-0.csv is inside d/posts, which --data reads",
         _dataset_and(_partitioned)),
    Case("score --out a table --data lacks", ["score", "--data", "d", "--out", "d/labels.csv"],
         "--out d/labels.csv is d/labels.csv, which --data reads", _dataset_and(lambda d: None)),
    Case("features on Dask --out a table --data lacks",
         ["features", "--data", "d", "--out", "d/posts.parquet", "--scheduler", "local"],
         "--out d/posts.parquet is d/posts.parquet, which --data reads",
         _dataset_and(lambda d: None)),
    Case("evaluate --out the dataset's folder", ["evaluate", "--data", "d", "--out", "d"],
         "--out d holds d/creators.csv, which --data reads", _dataset_and(lambda d: None)),
    Case("monitor --out an ancestor of --data", ["monitor", "--data", "d", "--out", "."],
         "--out . holds d/creators.csv, which --data reads", _dataset_and(lambda d: None)),
    Case("explain --out its --creators file",
         ["explain", "--data", "d", "--creators", "ids.html", "--out", "ids.html"],
         "--out ids.html is ids.html, which --creators reads",
         lambda w: (w / "ids.html").write_text("c1\n")),
    Case("shortlist --out its --prices file",
         ["shortlist", "--data", "d", "--prices", "p.csv", "--out", "p.csv"],
         "--out p.csv is p.csv, which --prices reads",
         lambda w: (w / "p.csv").write_text("creator_id,price\nc1,10\n")),
    Case("shortlist's audit page onto its --creators file",
         ["shortlist", "--data", "d", "--creators", "s_audit.html", "--out", "s.html"],
         "its audit page s_audit.html is s_audit.html, which --creators reads",
         lambda w: (w / "s_audit.html").write_text("c1\n")),
    Case("shortlist to neither .html nor .csv", ["shortlist", "--data", NO_DATA, "--out", "s.txt"],
         "s.txt: the shortlist must end in .html or .csv"),
    # A bad price file is named before any model is loaded or data read.
    Case("shortlist prices without a price column",
         ["shortlist", "--data", NO_DATA, "--prices", "p.csv", "--out", "s.html"],
         "p.csv: has no price column (columns: creator_id, cost)",
         lambda w: (w / "p.csv").write_text("creator_id,cost\nc1,10\n")),
    Case("shortlist with a negative price",
         ["shortlist", "--data", NO_DATA, "--prices", "p.csv", "--out", "s.csv"],
         "p.csv: line 3, column 'price': -1 is negative",
         lambda w: (w / "p.csv").write_text("creator_id,price\nc1,10\nc2,-1\n")),
    Case("shortlist with a price that is not a number",
         ["shortlist", "--data", NO_DATA, "--prices", "p.csv", "--out", "s.html"],
         "p.csv: line 2, column 'price': '12 EUR' is not a number",
         lambda w: (w / "p.csv").write_text("creator_id,price\nc1,12 EUR\n")),
    Case("accounts score --summary onto --input",
         ["accounts", "score", "--input", "a.csv", "--out", "o.csv", "--summary", "a.csv"],
         "--summary a.csv is a.csv, which --input reads", lambda w: (w / "a.csv").write_text("x")),
    Case("comments score --out onto --input",
         ["comments", "score", "--input", "c.csv", "--out", "c.csv"],
         "--out c.csv is c.csv, which --input reads", lambda w: (w / "c.csv").write_text("text\n")),
    # A folder of the user's is never replaced without --force, even one generate wrote.
    Case("generate onto its own folder with the user's files added",
         ["generate", "--out", "g", "--creators", "20"],
         "g was written by creator-audit but now also holds files it did not write "
         "(analysis, notes.txt); move them out, or pass --force", _generated_then_added_to),
    Case("generate onto an export of tables", ["generate", "--out", "export", "--creators", "20"],
         "export holds files creator-audit did not write (creators.csv, posts.csv)",
         _export_of_tables),
    # A table file is judged before it is read whole.
    Case("a table that is a symbolic link loop", ["features", "--data", "d", "--out", "f.csv"],
         "d: posts.csv is a symbolic link loop",
         _dataset_and(lambda d: (d / "posts.csv").unlink() or (d / "posts.csv").symlink_to(
             "posts.csv"))),
    Case("a partitioned table looping through a folder",
         ["features", "--data", "d", "--out", "f.csv"], "d: posts is a symbolic link loop",
         _dataset_and(lambda d: (d / "posts.csv").unlink() or (d / "loop").symlink_to("posts")
                      or (d / "posts").symlink_to("loop"))),
    Case("a part file to nowhere", ["features", "--data", "d", "--out", "f.csv"],
         "d: posts/part-1.csv is a symbolic link to gone.csv, which does not exist",
         _dataset_and(lambda d: _partitioned(d) or (d / "posts" / "part-1.csv").symlink_to(
             "gone.csv"))),
    Case("a CSV table zero-filled past its rows", ["features", "--data", "d", "--out", "f.csv"],
         "posts.csv: line 3: a NUL byte (at byte offset 77): a CSV table is text, so this file "
         "is damaged", _dataset_and(lambda d: os.truncate(d / "posts.csv", 3 * 2**20))),
    Case("a CSV table that is one endless line", ["features", "--data", "d", "--out", "f.csv"],
         "posts.csv: line 1: longer than 8 MiB", _dataset_and(
             lambda d: (d / "posts.csv").write_bytes(b"creator_id," * 800_000))),
    Case("a table file over the size limit", ["features", "--data", "d", "--out", "f.csv"],
         "creators.csv: 58 bytes is more than the limit of 50 bytes per CSV file; split the "
         "table into a folder of part files, or raise CREATOR_AUDIT_MAX_CSV_BYTES",
         _dataset_and(lambda d: None), {"CREATOR_AUDIT_MAX_CSV_BYTES": "50"}),
    Case("a size limit that is no size", ["features", "--data", "d", "--out", "f.csv"],
         "CREATOR_AUDIT_MAX_CSV_BYTES='lots' is not a size", _dataset_and(lambda d: None),
         {"CREATOR_AUDIT_MAX_CSV_BYTES": "lots"}),
    # The public collections: a file that cannot be fetched is named with its URL, and nothing
    # lands in the cache; without real data a trainer says where it looked and how to fetch.
    Case("data fetch from a mirror without the file", FETCH,
         f"error: {KAGGLE_LABEL}: not found at file://", lambda w: (w / "mirror").mkdir(),
         FILE_MIRROR),
    Case("data fetch whose mirror file is not the published one", FETCH,
         "does not match the published file: expected sha256 54adc145282c4bbd3699e879c1c072fec"
         "3728dbaf141b007b33e457cd78b638a (18,733 bytes), got ", _mirror_of(b"x" * 18733),
         FILE_MIRROR),
    Case("data fetch from an unreachable mirror", FETCH,
         f"error: {KAGGLE_LABEL}: cannot reach http://127.0.0.1:1/{KAGGLE_KEY}: ",
         env={"CREATOR_AUDIT_DATA_MIRROR": "http://127.0.0.1:1"}),
    Case("data fetch into /proc", ["data", "fetch", "--to", "/proc/cache"],
         "cannot write the data cache /proc/cache: "),
    Case("data fetch of an unknown collection", ["data", "fetch", "--only", "nope"],
         "no collection named nope; the collections are: instafake-fake-v1, "),
    Case("data fetch from an ftp mirror", FETCH,
         "CREATOR_AUDIT_DATA_MIRROR='ftp://x' is not an http://, https:// or file:// URL",
         env={"CREATOR_AUDIT_DATA_MIRROR": "ftp://x"}),
    Case("comments train without real data", ["comments", "train"],
         " holds neither scamspot/comments-part-a.json nor the published original ScamSpot/"
         "scamspot_ig-comment-scraper/84f5ef098052b06f41dd66bb6035429b32879da4/data/"
         "comments_extracted.json; creator-audit data fetch gets it", env=NO_SHARED),
    Case("accounts train without real data", ["accounts", "train"],
         "no labelled account source under ", env=NO_SHARED),
    # Values no real dataset holds, named by table, row and column.
    Case("a post dated 1900", ["features", "--data", "d", "--out", "f.csv"],
         "posts.csv: line 3, column 'posted_at': '1900-01-01T00:00:00Z' is before 2005-01-01",
         _posts_line("c1,p2,1900-01-01T00:00:00Z,1,0")),
    Case("a post dated -5e9", ["features", "--data", "d", "--out", "f.csv"],
         "posts.csv: line 3, column 'posted_at': '-5000000000' (1811-07-23T",
         _posts_line("c1,p2,-5000000000,1,0")),
    # Exports that cannot be imported: the file and the field, nothing written.
    Case("import graph-api of an instaloader post file",
         ["import", "graph-api", "p.json.xz", "--out", "out"],
         "p.json.xz: an instaloader file, not a Graph API response: creator-audit import "
         "instaloader reads its profile folder", lambda w: instaloader_post_file(w / "p.json.xz")),
    Case("import instaloader of a folder of Graph API responses", IMPORT_DL,
         "dl/me/r.json: a Graph API response, not an instaloader file",
         lambda w: save(w / "dl" / "me" / "r.json", business_discovery(media_items(1)))),
    Case("import instaloader of a file", ["import", "instaloader", "r.json", "--out", "out"],
         "r.json: is a file, not a folder; import instaloader takes one profile folder per "
         "creator", lambda w: save(w / "r.json", business_discovery(None))),
    Case("import instaloader of a truncated .xz", IMPORT_DL,
         "dl/me/me_5821462185.json.xz: truncated or damaged .xz file (Compressed file ended "
         "before the end-of-stream marker was reached)",
         _download(lambda f: _truncate(f / "me_5821462185.json.xz"))),
    Case("import instaloader of a folder without its profile file", IMPORT_DL,
         "dl/me: no profile file (<profile>_<id>.json.xz, node_type Profile)",
         _download(lambda f: (f / "me_5821462185.json.xz").unlink())),
    Case("import instaloader of damaged comments", IMPORT_DL,
         "_comments.json: invalid JSON at line 1 column 1: Expecting value",
         _download(lambda f: next(f.glob("*_comments.json")).write_text("<html>"))),
    Case("import graph-api of a response cut short", IMPORT_GRAPH,
         "r.json: invalid JSON at line 1 column 31: Unterminated string starting at",
         lambda w: (w / "r.json").write_text('{"business_discovery": {"id": "178414')),
    Case("import graph-api of the API's error body", IMPORT_GRAPH,
         "r.json: error: the Graph API answered with an error: Invalid OAuth access token. "
         "(OAuthException, code 190)", lambda w: save(w / "r.json", GRAPH_ERROR)),
    Case("import graph-api of one post twice at one time with other counts",
         ["import", "graph-api", "a/bb_20260501T120000Z.json", "b/bb_20260501T120000Z.json",
          "--out", "out"],
         "b/bb_20260501T120000Z.json: business_discovery.media.data[0].id: post "
         "'17858843269216389' appears again with 1 likes and 50 comments, but "
         "a/bb_20260501T120000Z.json has 5841 likes and 50 comments",
         _responses_at_one_time_that_disagree),
    Case("import --out its own input folder", ["import", "instaloader", "dl/me", "--out", "dl"],
         "--out dl holds dl/me, which the import reads; an output is never an input",
         _download()),
    Case("a NUL in an id", ["features", "--data", "d", "--out", "f.csv"],
         "posts.parquet: row 1 (1-based), column 'post_id': 'p\\x001' holds a control "
         "character (U+0000, character 2)", _dataset_and(_nul_in_a_post_id)),
    # An as-of time is judged before any data is read, by the rules of a dataset's timestamps.
    Case("score --as-of words", [*SCORE, "--as-of", "last march"],
         "--as-of: cannot parse 'last march' as a timestamp; use ISO-8601 with an offset"),
    Case("features --as-of without an offset", [*FEATURES, "--as-of", "2026-03-01"],
         "--as-of: '2026-03-01' has no UTC offset, so its time zone would be a guess"),
    Case("explain --as-of in milliseconds",
         ["explain", "--data", NO_DATA, "--creator", "c1", "--out", "p.html", "--as-of",
          "1772323200000"], "--as-of: '1772323200000' is out of range for unix seconds"),
    Case("score --as-of on Dask", [*SCORE[:-2], "--scheduler", "local", "--as-of", "1772323200"],
         "--as-of does not run on Dask yet; leave out --scheduler"),
    Case("features --as-of before the first post",
         ["features", "--data", "d", "--out", "f.csv", "--accounts-model", "none",
          "--comments-model", "none", "--as-of", "2026-04-01T00:00:00Z"],
         "as-of time 2026-04-01T00:00:00Z is before the first post of creator c1 "
         "(2026-05-01T10:00:00Z): nothing of it could be seen yet",
         lambda w: tiny_dataset(w / "d") and None),
    Case("features --as-of --skip-later before every first post",
         ["features", "--data", "d", "--out", "f.csv", "--accounts-model", "none",
          "--comments-model", "none", "--as-of", "2026-04-01T00:00:00Z", "--skip-later"],
         "no creator had posted by the as-of time 2026-04-01T00:00:00Z",
         lambda w: tiny_dataset(w / "d") and None),
]  # fmt: skip
