"""The audit page as of a past time, and the timeline of how a creator's verdict moved
(``creator-audit explain --as-of ... [--as-of ...] [--timeline]``): every point is the score that
``score --as-of`` gives for its time."""

from __future__ import annotations

import html
from types import SimpleNamespace

import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.dataset import Dataset, write_dataset
from creator_audit.dataset.as_of import dataset_as_of
from creator_audit.dataset.timestamps import iso_utc
from evaluation.audit import audit_page, restrict
from evaluation.audit.timeline import MAX_MONTHS, MONTHLY, month_ends, verdict_timeline
from scoring.scores import score_dataset

DAY = 86_400.0


def _utc(text: str) -> float:
    return pd.Timestamp(text).timestamp()


@pytest.fixture(scope="module")
def creator(dataset: Dataset) -> SimpleNamespace:
    """A creator with a year of posts and a follower history, its data, and three times within
    its history (before its snapshot)."""
    first_post = dataset.posts.groupby("creator_id")["posted_at"].min()
    with_history = set(dataset.follower_counts["creator_id"])
    snapshot = dataset.creators.set_index("creator_id")["snapshot_at"]
    long_ago = first_post[first_post < snapshot[first_post.index] - pd.Timedelta(days=365)]
    creator_id = next(c for c in long_ago.index if c in with_history)
    end = snapshot[creator_id].timestamp()
    return SimpleNamespace(
        id=creator_id,
        data=restrict(dataset, [creator_id]),
        times=[end - 90 * DAY, end - 45 * DAY, end - 10 * DAY],
    )


def test_month_ends_are_the_last_second_of_each_month_before_the_stop() -> None:
    ends = month_ends(_utc("2026-01-15T08:00:00Z"), _utc("2026-04-10T00:00:00Z"))
    assert [iso_utc(t) for t in ends] == [
        "2026-01-31T23:59:59Z",
        "2026-02-28T23:59:59Z",
        "2026-03-31T23:59:59Z",
    ]
    assert len(month_ends(_utc("2016-01-01T00:00:00Z"), _utc("2026-01-01T00:00:00Z"))) == MAX_MONTHS


def test_each_point_of_the_timeline_is_the_score_as_of_its_time(
    models: SimpleNamespace, creator: SimpleNamespace
) -> None:
    page_time = creator.times[-1]  # the page's as-of time ends the timeline
    points = verdict_timeline(models.a, creator.data, creator.id, creator.times, page_time)
    assert [p.at for p in points] == creator.times
    for point in points:
        expected = score_dataset(models.a, dataset_as_of(creator.data, point.at)).iloc[0]
        assert point.label == expected["label"]
        assert point.fraud_score == expected["fraud_score"]
        assert point.p_fraud == pytest.approx(1 - expected["p_genuine"], abs=1e-12)


def test_a_monthly_timeline_ends_with_the_score_of_all_the_data(
    models: SimpleNamespace, creator: SimpleNamespace
) -> None:
    points = verdict_timeline(models.a, creator.data, creator.id, MONTHLY, None)
    *months, last = points
    assert len(months) >= 6 and all(p.as_of for p in months) and not last.as_of
    assert [p.at for p in points] == sorted(p.at for p in points)
    assert iso_utc(months[0].at).endswith("T23:59:59Z")
    now = score_dataset(models.a, creator.data).iloc[0]
    assert (last.label, last.fraud_score) == (now["label"], now["fraud_score"])


def test_the_page_as_of_a_time_shows_that_score_and_its_notes(
    models: SimpleNamespace, creator: SimpleNamespace
) -> None:
    at = creator.times[0]
    text = html.unescape(audit_page(models.a, creator.data, [creator.id], as_of=at))
    expected = score_dataset(models.a, dataset_as_of(creator.data, at)).iloc[0]
    assert f"Creator audit: {creator.id}, as of {iso_utc(at)}" in text
    assert f"fraud score {expected['fraud_score']} / 100" in text
    assert f"Scored as of {iso_utc(at)}." in text
    assert "counts as read at the snapshot" in text
    assert "How the verdict moved" not in text


def test_explain_with_several_as_of_times_draws_the_timeline(
    models: SimpleNamespace, creator: SimpleNamespace, tmp_path
) -> None:
    data, page = tmp_path / "data", tmp_path / "page.html"
    write_dataset(creator.data, data, "parquet")
    bundle = models.a.save(tmp_path / "a.bundle")
    times = [iso_utc(t) for t in creator.times]
    args = ["explain", "--data", str(data), "--creator", creator.id, "--out", str(page)]
    args += ["--model", str(bundle), *(a for t in times for a in ("--as-of", t))]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    text = html.unescape(page.read_text())
    assert f"as of {times[-1]}</h1>" in text
    moved = text[text.index("How the verdict moved") : text.index("The data the score rests on")]
    assert all(f'<td class="text">{t}</td>' in moved for t in times)
