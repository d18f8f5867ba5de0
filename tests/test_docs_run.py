"""The documentation runs: every shell, console and Python block of README.md and docs/ is executed
against a fresh workspace and, for the API's examples, a live server; a console transcript must
print what it shows (times masked).

A block that cannot run here says so, with its reason, in an HTML comment just above it
(``<!-- docs-test: skip: why -->``), and a block that runs at another size or address says what
it replaces (``<!-- docs-test: replace "--creators 2000000" with "--creators 300" -->``), so what
the reader sees and what is tested differ only where the page itself says. docs/cli.md is the
``--help`` text, kept current by tests/test_cli_docs.py.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.importers.exports import business_discovery, instaloader_download, media_items, save
from tests.live_server import free_port, wait_ready

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
GENERATED = {ROOT / "docs" / "cli.md"}
RUNNABLE = {"bash", "console", "python"}
BLOCK = re.compile(
    r"(?:<!-- docs-test: (?P<marker>.*?) -->\n)?```(?P<lang>[a-z]*)\n(?P<body>.*?)```", re.S
)
DURATION = re.compile(r"\b\d+(\.\d+)? s\b")
PORT = "8000"  # what the pages say; the test's server listens elsewhere


@dataclass(frozen=True)
class Block:
    page: str
    line: int
    lang: str
    body: str
    marker: str | None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"

    def runnable_body(self) -> str:
        """The body with the replacements its marker names."""
        body = self.body
        for old, new in re.findall(r'"([^"]*)" with "([^"]*)"', self.marker or ""):
            assert old in body, f"{self.id}: the marker replaces {old!r}, which is not there"
            body = body.replace(old, new)
        return body


def _blocks() -> list[Block]:
    found = []
    for page in PAGES:
        if page in GENERATED:
            continue
        text = page.read_text(encoding="utf-8")
        for match in BLOCK.finditer(text):
            if match["lang"] in RUNNABLE:
                line = text.count("\n", 0, match.start("lang")) + 1
                name = str(page.relative_to(ROOT))
                found.append(Block(name, line, match["lang"], match["body"], match["marker"]))
    return found


BLOCKS = _blocks()
# A transcript shown on two pages is run once.
DISTINCT = list({(b.lang, b.runnable_body()): b for b in BLOCKS}.values())


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """What the pages assume is there: a small model at models/creator-fraud-v1.bundle (as the
    README's transcript says: generate 600 creators, then train), the main job's holdout set
    under work/holdout, an instaloader download and a saved Graph API response."""
    root = tmp_path_factory.mktemp("docs")
    _shell(root, "creator-audit generate --out train-data --creators 600")
    _shell(root, "creator-audit train --data train-data")
    _shell(root, "creator-audit generate --out work/holdout --creators 40 --seed 8")
    instaloader_download(root)
    save(root / "responses" / "bluebottle_20260501T120000Z.json", business_discovery(
        media_items(25, hidden=(7,))
    ))  # fmt: skip
    return root


@pytest.fixture(scope="module")
def server(workspace: Path) -> Iterator[str]:
    """``creator-audit serve`` on the workspace's model, on a free port; its address."""
    port = free_port()
    args = ["creator-audit", "serve", "--port", str(port), "--workers", "1"]
    env = {**_env(), "CREATOR_AUDIT_MODEL_URI": "models/creator-fraud-v1.bundle"}
    process = subprocess.Popen(
        args, cwd=workspace, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    address = f"127.0.0.1:{port}"
    try:
        wait_ready(port, process)
        yield address
    finally:
        process.terminate()
        process.wait(timeout=30)


def test_every_runnable_block_is_found_and_marked_blocks_say_why() -> None:
    pages = {b.page for b in BLOCKS}
    assert {"README.md", "docs/api.md", "docs/data.md", "docs/operations.md"} <= pages
    for block in BLOCKS:
        if block.marker is not None:
            assert re.match(r'(skip: \S|replace ")', block.marker), (block.id, block.marker)


@pytest.mark.parametrize("block", DISTINCT, ids=[b.id for b in DISTINCT])
def test_the_block_runs(block: Block, request: pytest.FixtureRequest) -> None:
    if block.marker is not None and block.marker.startswith("skip:"):
        pytest.skip(f"{block.id} {block.marker}")
    workspace = request.getfixturevalue("workspace")  # not built for a skipped block
    body = block.runnable_body()
    if PORT in body:  # an example that talks to the API
        body = body.replace(f"127.0.0.1:{PORT}", request.getfixturevalue("server"))
    if block.lang == "console":
        _run_transcript(block, body, workspace)
    elif block.lang == "bash":
        _shell(workspace, body)  # exits 0, or the test fails with what it said
    else:
        script = workspace / "example.py"
        script.write_text(body)
        done = subprocess.run(
            [sys.executable, str(script)], cwd=workspace, env=_env(), capture_output=True, text=True
        )
        assert done.returncode == 0, f"{block.id}:\n{done.stdout}\n{done.stderr}"


def _run_transcript(block: Block, body: str, workspace: Path) -> None:
    """Each ``$ command`` runs in turn and prints the lines shown under it."""
    steps = re.split(r"^\$ ", body, flags=re.M)[1:]
    assert steps, f"{block.id}: a console block without a $ command"
    for step in steps:
        command, _, shown = step.partition("\n")
        done = _shell(workspace, command)
        printed = [DURATION.sub("<t>", line) for line in done.stdout.splitlines()]
        expected = [DURATION.sub("<t>", line) for line in shown.splitlines()]
        assert printed == expected, f"{block.id}: $ {command}\n{done.stderr}"


def _shell(cwd: Path, script: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=_env(),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, f"{shlex.quote(script)} exited {done.returncode}:\n{done.stderr}"
    return done


def _env() -> dict[str, str]:
    """The suite's environment, the venv's commands first, an embedded store in the workspace."""
    env = {**os.environ, "MLFLOW_TRACKING_URI": "", "COLUMNS": "100"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return env
