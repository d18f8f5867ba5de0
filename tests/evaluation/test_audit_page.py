"""The creator audit page (``creator-audit explain``): what it names, what it says when a table is
missing, how it fails on an unknown creator, and that a browser shows it whole and offline.

The model is the training workspace's first (tests/training_workspace.py: it carries norms and an
account model); the creators come from a small simulated dataset, so each page takes a second.
"""

from __future__ import annotations

import html
import json
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.dataset import Dataset, write_dataset
from creator_audit.simulator import generate
from evaluation.audit import (
    LABEL_NAMES,
    NO_ENGAGEMENTS,
    audit_page,
    follower_jumps,
    read_creator_ids,
)
from evaluation.html import write_page
from scoring.missing_models import ACCOUNT, COMMENT
from scoring.scores import GENUINE, score_dataset
from tests.browser import render

CREATORS, SEED = 150, 21
COVERED = ("engagements", "follower_counts", "follower_samples")
runner = CliRunner()


@pytest.fixture(scope="module")
def small() -> Dataset:
    return generate(CREATORS, seed=SEED)


@pytest.fixture(scope="module")
def model(workspace):
    return workspace.first.model


@pytest.fixture(scope="module")
def scores(model, small) -> pd.DataFrame:
    """The creators' scores from batch scoring: the page must show the same."""
    table = score_dataset(model, small)
    labels = small.labels.set_index("creator_id")["label"]
    return table.assign(truth=table["creator_id"].map(labels)).set_index("creator_id")


def _covered_everywhere(scores: pd.DataFrame) -> pd.Series:
    return scores["coverage"].map(lambda c: all(json.loads(c)[table] for table in COVERED))


def _pick(scores: pd.DataFrame, fraud: bool) -> str:
    """A creator sent with every table, labelled and scored fraud (or both genuine)."""
    predicted = (scores["label"] != GENUINE) == fraud
    truth = (scores["truth"] != GENUINE) == fraud
    return scores.index[predicted & truth & _covered_everywhere(scores)][0]


@pytest.fixture(scope="module")
def pages(model, small, scores) -> dict[str, str]:
    """The page of a fraud creator and of a genuine one, written once for the tests below."""
    return {
        side: audit_page(model, small, [_pick(scores, fraud=side == "fraud")])
        for side in ("fraud", "genuine")
    }


def _coverage_cells(table: str, sent: bool) -> str:
    return f'<td class="text">{table}</td><td class="">{"yes" if sent else "no"}</td>'


@pytest.mark.parametrize("side", ["fraud", "genuine"])
def test_page_names_creator_verdict_score_coverage_and_reasons(pages, scores, side):
    fraud = side == "fraud"
    creator = _pick(scores, fraud)
    expected = scores.loc[creator]
    page = pages[side]
    verdict = f"{LABEL_NAMES[expected['label']]}: fraud score {expected['fraud_score']} / 100"
    assert f"<title>Creator audit: {creator}</title>" in page
    assert f"<h2>Creator {creator}</h2>" in page
    assert f'class="verdict {"fraud" if fraud else "genuine"}">{verdict}</p>' in page
    coverage = json.loads(expected["coverage"])
    for table in COVERED:
        assert _coverage_cells(table, coverage[table]) in page
    read_at = f"Counts as read at {expected['snapshot_at']} (the creator's snapshot_at)."
    assert html.escape(read_at) in page
    for entry in json.loads(expected["excluded_posts"]):
        assert html.escape(f"Left out, {entry['reason']}: {entry['post_ids'][0]}") in page
    reasons = json.loads(expected["reasons"])
    assert reasons and all(r["text"] for r in reasons)
    for reason in reasons:
        assert html.escape(reason["text"]) in page
        assert f"{reason['contribution']:+.2f}" in page
    assert page.count("<img ") == 7  # likes, comments, followers, 2 arrivals, engagers, audience


def test_a_creator_sent_without_engagements_is_told_not_drawn(model, small, scores, pages):
    creator = _pick(scores, fraud=True)
    posts = small.posts.loc[small.posts["creator_id"] == creator, "post_id"]
    without = replace(
        small, engagements=small.engagements.loc[~small.engagements["post_id"].isin(posts)]
    )
    page = audit_page(model, without, [creator])
    assert f"{NO_ENGAGEMENTS}, so how fast engagement arrives cannot be shown." in page
    assert f"{NO_ENGAGEMENTS}, so recurring engagers cannot be shown." in page
    assert 'alt="like arrival against genuine creators"' not in page
    assert _coverage_cells("engagements", False) in page
    assert 'alt="like arrival against genuine creators"' in pages["fraud"]


def test_a_model_without_norms_draws_no_band_and_says_so(model, small, scores):
    page = audit_page(replace(model, norms=None), small, [_pick(scores, fraud=False)])
    assert "carries no genuine-creator norms" in page
    assert "Genuine creators with" not in page


def test_a_model_without_account_and_comment_models_says_so_at_the_top(model, small, scores, pages):
    bare = replace(model, account_model=None, comment_model=None)
    page = audit_page(bare, small, [_pick(scores, fraud=True)])
    for missing in (ACCOUNT, COMMENT):
        assert f'<p class="warning">{html.escape(missing.sentence())}</p>' in page
    assert '<p class="warning">' not in pages["fraud"]  # the workspace's model carries both


def test_an_unknown_creator_is_an_error_naming_it(model, small, scores):
    with pytest.raises(LookupError, match=r"^creator nobody-42 is not in the dataset$"):
        audit_page(model, small, [scores.index[0], "nobody-42"])
    with pytest.raises(LookupError, match=r"^creators nobody-1, nobody-2 are not in the dataset$"):
        audit_page(model, small, ["nobody-1", "nobody-2"])


def test_follower_jumps_follow_the_features_rule() -> None:
    at = pd.to_datetime(["2026-05-01", "2026-05-02", "2026-05-05", "2026-05-10", "2026-05-14"])
    counts = pd.DataFrame(
        {"at": at.tz_localize("UTC"), "followers": [1000, 1100, 1120, 1150, 1240]}
    )
    jumps = follower_jumps(counts)  # +10% in a day is a jump; +7.8% in four days is not
    assert [(j.start.day, j.peak.day, round(j.rise, 2), j.gained) for j in jumps] == [
        (1, 2, 0.1, 100.0)
    ]


def test_creator_ids_from_text_csv_and_parquet(tmp_path: Path) -> None:
    text = tmp_path / "ids.txt"
    text.write_text("creator_id\n 007 \n\n# a comment\n42  # trailing note\n007\n")
    assert read_creator_ids(text) == ["007", "42", "007"]  # the page keeps each once
    frame = pd.DataFrame({"creator_id": ["007", "42"], "note": ["a", "b"]})
    frame.to_csv(tmp_path / "ids.csv", index=False)
    frame.to_parquet(tmp_path / "ids.parquet")
    assert read_creator_ids(tmp_path / "ids.csv") == ["007", "42"]
    assert read_creator_ids(tmp_path / "ids.parquet") == ["007", "42"]
    frame[["note"]].to_csv(tmp_path / "bad.csv", index=False)
    with pytest.raises(ValueError, match=r"bad\.csv: has no creator_id column"):
        read_creator_ids(tmp_path / "bad.csv")


@pytest.fixture(scope="module")
def data_dir(small, tmp_path_factory) -> Path:
    return write_dataset(small, tmp_path_factory.mktemp("audit") / "data")


def test_cli_writes_one_section_per_creator_with_an_index(workspace, data_dir, scores, tmp_path):
    creators = [_pick(scores, fraud=True), _pick(scores, fraud=False)]
    ids = tmp_path / "ids.txt"
    ids.write_text("\n".join(creators) + "\n")
    out = tmp_path / "audit.html"
    args = ["explain", "--data", str(data_dir), "--creators", str(ids), "--out", str(out)]
    result = runner.invoke(app, [*args, "--model", str(workspace.first.bundle_path)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"wrote the audit page of 2 creator(s) to {out}"
    page = out.read_text()
    assert "<title>Creator audit: 2 creators</title>" in page
    assert page.count('<section id="creator-') == 2
    for creator in creators:
        assert f'<li><a href="#creator-{creator}">{creator}</a>' in page


def test_cli_unknown_creator_exits_with_one_line_naming_it(workspace, data_dir, tmp_path):
    out = tmp_path / "audit.html"
    args = ["explain", "--data", str(data_dir), "--creator", "nobody-42", "--out", str(out)]
    result = runner.invoke(app, [*args, "--model", str(workspace.first.bundle_path)])
    assert result.exit_code == 2
    assert result.output == f"error: creator nobody-42 is not in {data_dir}\n"
    assert not out.exists()


def test_browser_shows_every_chart_with_no_error_and_no_network(pages, scores, tmp_path):
    creator = _pick(scores, fraud=True)
    page = write_page(tmp_path / "audit.html", pages["fraud"])
    shown = render(page)
    assert shown.title == f"Creator audit: {creator}"
    assert shown.images == shown.images_loaded == 7
    assert shown.errors == []
    assert shown.external_requests == []
    assert f"Creator {creator}" in shown.text


def test_the_fake_share_is_read_as_a_range_with_the_features_margin(model, small, scores, pages):
    """The page states the interval as a brand reads it (between … and …), the very interval
    whose half-width the creator features carry (sample_fake_share_ci95)."""
    import numpy as np

    from features.build import build_features

    creator = _pick(scores, fraud=True)
    features = build_features(small, accounts=model.account_model)
    samples = small.follower_samples
    sample = samples[samples["creator_id"] == creator].reset_index(drop=True)
    p_fake = model.account_model.p_fake(sample)
    estimate = model.account_model.fake_share(p_fake, np.zeros(len(sample), dtype=np.int64), 1)
    low, high = estimate["fake_share_low"][0], estimate["fake_share_high"][0]
    assert features.loc[creator, "sample_fake_share"] == pytest.approx(estimate["fake_share"][0])
    assert features.loc[creator, "sample_fake_share_ci95"] == pytest.approx((high - low) / 2)
    assert f"between {low:.0%} and {high:.0%} of the followers are fake" in pages["fraud"]
