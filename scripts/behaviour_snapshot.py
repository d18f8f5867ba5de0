"""Everything a user sees, in one file, to compare before and after a refactor.

    python scripts/behaviour_snapshot.py take SNAPSHOT.json [--workspace DIR] [--real DIR]
    python scripts/behaviour_snapshot.py compare BEFORE.json AFTER.json

``take`` runs the commands a user runs (generate, features, the account and comment models when
the real data is there, train, evaluate, score, explain, monitor, check-genuine, import, their
usual refusals) in a fresh workspace, then the API's answers to bodies built from that workspace.
It records each command's exit code and output, every file it wrote (its SHA-256) and every
answer. What differs from run to run by nature (run ids, times, durations, temporary paths) is
masked first, so two runs of the same code compare equal and ``compare`` lists only real changes.
A move of code that changes nothing a user sees leaves ``compare`` silent.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TEXT_FILES = {".json", ".html", ".csv", ".txt", ".md", ".yaml", ".yml"}
# What varies between two runs of the same code, masked in outputs and text files.
VOLATILE = [
    (re.compile(r"\b[0-9a-f]{32}\b"), "<run-id>"),
    (
        re.compile(r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2}| UTC)?"),
        "<time>",
    ),
    (re.compile(r"\b\d+(\.\d+)? ?(ms|s|min|seconds?|minutes?)\b"), "<duration>"),
    (re.compile(r"\d+:\d{2}(:\d{2})?\b"), "<clock>"),
    (re.compile(r"\b1[7-9]\d{8}(\.\d+)?\b"), "<unix-time>"),
    (re.compile(r"/tmp/[^\s\"'<>]*"), "<tmp>"),
    (re.compile(r"(?i)\b\d+(\.\d+)? ?(MiB|GiB|MB|GB|KiB)\b"), "<size>"),
]


def mask(text: str, workspace: Path) -> str:
    text = text.replace(str(workspace), "<ws>")
    for pattern, placeholder in VOLATILE:
        text = pattern.sub(placeholder, text)
    return text


def file_digest(path: Path, workspace: Path) -> str:
    data = path.read_bytes()
    if path.suffix in TEXT_FILES:
        data = mask(data.decode("utf-8", "replace"), workspace).encode()
    return hashlib.sha256(data).hexdigest()[:16]


def written_files(workspace: Path) -> dict[str, str]:
    skip = ("mlflow.db", "mlartifacts", ".cache", "__pycache__")
    return {
        str(p.relative_to(workspace)): file_digest(p, workspace)
        for p in sorted(workspace.rglob("*"))
        if p.is_file()
        and not any(part in skip for part in p.relative_to(workspace).parts)
        # bundles and parquet hold pickled floats and times: compared by what reads them
        and p.suffix not in {".bundle", ".parquet", ".db"}
    }


def run(workspace: Path, args: list[str], env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(args, cwd=workspace, env=env, capture_output=True, text=True)
    return {
        "command": " ".join(args),
        "rc": done.returncode,
        "stdout": mask(done.stdout, workspace),
        "stderr": mask(_without_warnings(done.stderr), workspace),
    }


def _without_warnings(text: str) -> str:
    """Library deprecation warnings (and the source line they quote) are not ours to keep."""
    lines = text.splitlines()
    kept, skip_next = [], False
    for line in lines:
        if skip_next:
            skip_next = False
            continue
        if "Warning:" in line and ("site-packages" in line or "<frozen" in line):
            skip_next = True
            continue
        kept.append(line)
    return "\n".join(kept)


def commands(real: Path | None) -> list[list[str]]:
    ca = "creator-audit"
    out = [
        [ca, "generate", "--out", "data", "--creators", "1500", "--seed", "3"],
        [ca, "generate", "--out", "holdout", "--creators", "200", "--seed", "4"],
        [ca, "features", "--data", "holdout", "--out", "features.csv"],
        [ca, "features", "--data", "no-such-folder", "--out", "f.csv"],
    ]
    if real is not None:
        out += [
            [ca, "accounts", "train", "--seed", "7", "--data", str(real)],
            [ca, "comments", "train", "--seed", "7", "--data", str(real)],
        ]
    out += [
        [ca, "train", "--data", "data", "--seed", "7"],
        [ca, "evaluate", "--data", "holdout", "--out", "evaluation"],
        [ca, "score", "--data", "holdout", "--out", "scores.csv"],
        [ca, "explain", "--data", "holdout", "--creators", "audit.txt", "--out", "audit.html"],
        [ca, "monitor", "--data", "holdout", "--out", "drift"],
        [ca, "score", "--data", "holdout", "--out", "scores.csv", "--model", "models:/nope@x"],
    ]
    if real is not None:
        out += [
            [ca, "check-genuine"],
            [
                ca,
                "accounts",
                "score",
                "--input",
                "accounts.csv",
                "--out",
                "accounts_scored.csv",
                "--summary",
                "audience.csv",
            ],
        ]
    out += [
        [
            ca,
            "import",
            "graph-api",
            "graph/20260501T120000Z.json",
            "--out",
            "imported",
            "--format",
            "csv",
        ],
        [ca, "score", "--data", "imported", "--out", "imported_scores.csv"],
    ]
    return out


def prepare(workspace: Path, step: list[str]) -> None:
    """Inputs some commands read, made from the files earlier ones wrote."""
    from creator_audit.dataset import read_dataset

    if step[1:2] == ["explain"]:
        ids = read_dataset(workspace / "holdout").creators["creator_id"].head(3)
        (workspace / "audit.txt").write_text("\n".join(ids) + "\n")
    if step[1:3] == ["accounts", "score"]:
        samples = read_dataset(workspace / "holdout").follower_samples.head(300)
        samples.to_csv(workspace / "accounts.csv", index=False)
    if step[1:3] == ["import", "graph-api"]:
        sys.path.insert(0, str(ROOT))
        from tests.importers.exports import business_discovery, media_items, save

        save(workspace / "graph" / "20260501T120000Z.json", business_discovery(media_items(25)))


def api_answers(workspace: Path) -> dict[str, Any]:
    """The API's answers to bodies made from the workspace's holdout, in process."""
    os.chdir(workspace)
    os.environ["MLFLOW_TRACKING_URI"] = ""
    sys.path.insert(0, str(ROOT))
    from fastapi.testclient import TestClient

    from creator_audit.dataset import read_dataset
    from serving.app import create_app
    from serving.client_bodies import request_body

    ds = read_dataset(workspace / "holdout")
    ids = list(ds.creators["creator_id"].head(4))
    bodies = [request_body(ds, c) for c in ids]
    answers: dict[str, Any] = {}
    with TestClient(create_app()) as client:
        for name, (method, url, body) in {
            "health": ("GET", "/healthz", None),
            "ready": ("GET", "/readyz", None),
            "model": ("GET", "/v1/model", None),
            "openapi": ("GET", "/openapi.json", None),
            "score": ("POST", "/v1/score", bodies[0]),
            "score-reasons-0": ("POST", "/v1/score?reasons=0", bodies[1]),
            "batch": ("POST", "/v1/score/batch", {"items": [*bodies, {"creator": {}}]}),
            "bad": ("POST", "/v1/score", {**bodies[2], "creator": {"creator_id": ""}}),
            "accounts": (
                "POST",
                "/v1/accounts/score",
                {"accounts": (bodies[3].get("follower_samples") or [])[:50]},
            ),
        }.items():
            response = client.request(method, url, json=body)
            answers[name] = {
                "status": response.status_code,
                "body": mask(response.text, workspace),
            }
    return answers


def take(target: Path, workspace: Path | None, real: Path | None) -> None:
    workspace = Path(tempfile.mkdtemp(prefix="snapshot-")) if workspace is None else workspace
    workspace.mkdir(parents=True, exist_ok=True)
    env = {
        **os.environ,
        "MLFLOW_TRACKING_URI": "",
        "CREATOR_AUDIT_DATA": str(workspace / ".cache"),
        "COLUMNS": "100",
        "NO_COLOR": "1",
        "PYTHONWARNINGS": "ignore",
    }
    env.pop("CREATOR_AUDIT_SHARED_DATA", None)
    if real is not None:
        env["CREATOR_AUDIT_SHARED_DATA"] = str(real)
    steps = []
    for step in commands(real):
        prepare(workspace, step)
        steps.append(run(workspace, step, env))
        print(f"rc={steps[-1]['rc']}  {' '.join(step)}", flush=True)
    snapshot = {"commands": steps, "files": written_files(workspace), "api": api_answers(workspace)}
    target.write_text(json.dumps(snapshot, indent=1, sort_keys=True))
    print(
        f"{len(steps)} commands, {len(snapshot['files'])} files, {len(snapshot['api'])} "
        f"answers -> {target} (workspace {workspace})"
    )


def compare(before_path: Path, after_path: Path) -> int:
    before, after = json.loads(before_path.read_text()), json.loads(after_path.read_text())
    changes = []
    for b, a in zip(before["commands"], after["commands"], strict=False):
        for key in ("command", "rc", "stdout", "stderr"):
            if b[key] != a[key]:
                changes.append(f"command {b['command']!r}: {key} differs")
    if len(before["commands"]) != len(after["commands"]):
        changes.append("a different number of commands")
    for name in sorted(set(before["files"]) | set(after["files"])):
        if before["files"].get(name) != after["files"].get(name):
            changes.append(
                f"file {name}: {before['files'].get(name)} -> {after['files'].get(name)}"
            )
    for name in sorted(set(before["api"]) | set(after["api"])):
        if before["api"].get(name) != after["api"].get(name):
            changes.append(f"API answer {name} differs")
    print("\n".join(changes) if changes else "identical: every output, file and API answer")
    return 1 if changes else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    take_parser = sub.add_parser("take")
    take_parser.add_argument("target", type=Path)
    take_parser.add_argument("--workspace", type=Path)
    take_parser.add_argument("--real", type=Path, help="the shared real data (default: none)")
    compare_parser = sub.add_parser("compare")
    compare_parser.add_argument("before", type=Path)
    compare_parser.add_argument("after", type=Path)
    args = parser.parse_args()
    if args.action == "take":
        take(args.target, args.workspace, args.real)
        return 0
    return compare(args.before, args.after)


if __name__ == "__main__":
    sys.exit(main())
