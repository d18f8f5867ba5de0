"""Creators imported from real exports are scored and explained like any other: the command line
from an instaloader download and a Graph API response to scores and the audit page, with the
session's small model (``bundles``)."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.schema import LABELS
from tests.importers.exports import (
    BLUE_BOTTLE,
    business_discovery,
    instaloader_download,
    media_items,
    save,
)

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[list[str], str, str]]:
    """Per importer: its arguments, the creator id its export holds, and what the import says."""
    root = tmp_path_factory.mktemp("exports")
    download = instaloader_download(root / "downloads")
    response = business_discovery(media_items(25, hidden=(7,)))
    saved = save(root / "responses" / "bluebottle_20260501T120000Z.json", response)
    return {
        "instaloader": (
            [str(download.folder)],
            download.user_id,
            "1 creator: 30 posts (2 with likes hidden), 360 comments",
        ),
        "graph-api": (
            [str(saved)],
            BLUE_BOTTLE,
            "1 creator: 25 posts (1 with likes hidden), 1 follower count",
        ),
    }


@pytest.mark.parametrize("importer", ["instaloader", "graph-api"])
def test_an_imported_creator_is_scored_and_explained(
    importer: str, exports: dict, bundles: SimpleNamespace, tmp_path: Path
) -> None:
    sources, creator_id, summary = exports[importer]
    data, scores, page = tmp_path / "data", tmp_path / "scores.csv", tmp_path / "audit.html"
    assert _run("import", importer, *sources, "--out", str(data)).startswith(f"imported {summary}")
    _run("score", "--data", str(data), "--model", str(bundles.a), "--out", str(scores))
    table = pd.read_csv(scores, dtype={"creator_id": str})
    assert table["creator_id"].tolist() == [creator_id]
    assert table[[f"p_{label}" for label in LABELS]].sum(axis=1).iloc[0] == pytest.approx(1.0)
    assert 0 <= table["fraud_score"].iloc[0] <= 100 and json.loads(table["reasons"].iloc[0])
    _run("explain", "--data", str(data), "--creator", creator_id, "--model", str(bundles.a),
         "--out", str(page))  # fmt: skip
    assert creator_id in page.read_text()
