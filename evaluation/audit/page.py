"""The page: its header and index, and one section per creator (verdict, what it rests on,
reasons), with the charts of ``post_charts`` and ``audience_charts``."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from creator_audit.dataset import Dataset
from creator_audit.dataset.as_of import dataset_as_of
from creator_audit.dataset.timestamps import iso_utc
from evaluation.audit.audience_charts import audience_section, recurring_section
from evaluation.audit.evidence import Evidence, gather, restrict
from evaluation.audit.post_charts import arrival_section, engagement_section, growth_section
from evaluation.audit.style import INDEX_ABOVE, counted, label_name, side_of
from evaluation.audit.timeline import (
    TimelinePoint,
    TimelineSpec,
    timeline_section,
    verdict_timeline,
)
from evaluation.html import (
    anchor_id,
    esc,
    fmt,
    missing_models_note,
    note,
    page,
    table,
    write_page,
)
from scoring.missing_models import missing_models
from scoring.model import CreatorFraudModel
from scoring.scores import Score

# --- the page ---------------------------------------------------------------------------------


def write_audit_page(
    model: CreatorFraudModel,
    ds: Dataset,
    creator_ids: Sequence[str],
    out: Path,
    source: str = "the dataset",
    as_of: float | None = None,
    timeline: TimelineSpec | None = None,
) -> Path:
    """Write the audit page of ``creator_ids`` (of ``ds``, read from ``source``) to ``out``."""
    return write_page(out, audit_page(model, ds, creator_ids, source, as_of, timeline))


def audit_page(
    model: CreatorFraudModel,
    ds: Dataset,
    creator_ids: Sequence[str],
    source: str = "the dataset",
    as_of: float | None = None,
    timeline: TimelineSpec | None = None,
) -> str:
    """The audit page's HTML: a header, an index when there are several creators, and one
    section per creator. ``as_of``: the page shows what could be seen at that time (unix
    seconds); ``timeline``: how the verdict moved, as of the given times or each month-end."""
    chosen = restrict(ds, creator_ids, source)
    evidence = gather(model, chosen if as_of is None else dataset_as_of(chosen, as_of))
    timelines = {
        ev.creator_id: verdict_timeline(model, chosen, ev.creator_id, timeline, as_of)
        for ev in evidence
        if timeline is not None
    }
    return evidence_page(model, evidence, source, as_of, timelines)


def evidence_page(
    model: CreatorFraudModel,
    evidence: list[Evidence],
    source: str,
    as_of: float | None = None,
    timelines: dict[str, list[TimelinePoint]] | None = None,
) -> str:
    """The audit page of evidence already gathered (``evidence.gather``), e.g. by a report that
    shows the same creators another way and links here; ``timelines`` per creator id."""
    timelines = timelines or {}
    title = (
        f"Creator audit: {evidence[0].creator_id}"
        if len(evidence) == 1
        else f"Creator audit: {len(evidence)} creators"
    )
    if as_of is not None:
        title += f", as of {iso_utc(as_of)}"
    body = [f"<h1>{esc(title)}</h1>", _about(model, source)]
    if len(evidence) > INDEX_ABOVE:
        body.append(_index(evidence))
    body += [
        creator_section(ev, model, first=i == 0, timeline=timelines.get(ev.creator_id))
        for i, ev in enumerate(evidence)
    ]
    return page(title, body)


def _about(model: CreatorFraudModel, source: str) -> str:
    name = model.metadata.get("model_name", "model")
    norms = (
        "Shaded bands show what genuine creators of the same size (follower tier) in the model's "
        "training data do: darker the middle half (25th to 75th percentile), lighter 10th to 90th."
        if model.norms is not None
        else "This model bundle carries no genuine-creator norms (it was trained before they "
        "existed), so the charts show no genuine band."
    )
    return (
        f'<p class="muted">Model {esc(name)} version {esc(model.version)}; data from '
        f"{esc(source)}. {esc(norms)}</p>" + missing_models_note(missing_models(model))
    )


def _index(evidence: list[Evidence]) -> str:
    items = []
    for ev in evidence:
        side = side_of(ev.score.label)
        items.append(
            f'<li><a href="#{anchor_id("creator", ev.creator_id)}">{esc(ev.creator_id)}</a>: '
            f'<span class="{side}">{esc(label_name(ev.score.label))}</span>, fraud score '
            f"{ev.score.fraud_score}</li>"
        )
    return f"<h2>Creators</h2><ol>{''.join(items)}</ol>"


def creator_section(
    ev: Evidence,
    model: CreatorFraudModel,
    first: bool = True,
    timeline: list[TimelinePoint] | None = None,
) -> str:
    """Everything the page says about one creator."""
    norms = model.norms
    moved = (
        [] if timeline is None else ["<h3>How the verdict moved</h3>", timeline_section(timeline)]
    )
    parts = [
        _verdict(ev),
        *moved,
        _coverage(ev),
        _reasons(ev.score),
        "<h3>Likes and comments per post</h3>",
        engagement_section(ev, norms),
        "<h3>Follower count over time</h3>",
        growth_section(ev, norms),
        "<h3>How fast engagement arrives after posting</h3>",
        arrival_section(ev, norms),
        "<h3>Accounts that engage again and again</h3>",
        recurring_section(ev, norms),
        "<h3>Who the sampled followers are</h3>",
        audience_section(ev, model.account_model, norms),
    ]
    css = "" if first else ' class="page-break"'
    return (
        f'<section id="{anchor_id("creator", ev.creator_id)}"{css}>' + "".join(parts) + "</section>"
    )


def _verdict(ev: Evidence) -> str:
    s = ev.score
    side = side_of(s.label)
    probabilities = {label_name(label): f"{p:.1%}" for label, p in s.probabilities.items()}
    known = note(f"Label in the data: {ev.known_label}.") if ev.known_label else ""
    return (
        f"<h2>Creator {esc(ev.creator_id)}</h2>"
        f'<p class="verdict {side}">{esc(label_name(s.label))}: fraud score {s.fraud_score} / 100'
        "</p>"
        + note(
            f"{fmt(int(ev.followers))} followers. The fraud score is 100 × (1 − P(genuine)); "
            f"model version {s.model_version}."
        )
        + table([probabilities])
        + known
    )


def _coverage(ev: Evidence) -> str:
    """What the score rests on: per table, whether it was sent for this creator and how much."""
    covered = ev.score.coverage or {}
    rows = [
        {"table": "posts", "sent": ev.posts is not None, "what": _posts_summary(ev.posts)},
        {
            "table": "engagements",
            "sent": bool(covered.get("engagements", ev.events is not None)),
            "what": _events_summary(ev.events) + _comment_lists(covered),
        },
        {
            "table": "follower_counts",
            "sent": bool(covered.get("follower_counts", ev.counts is not None)),
            "what": _counts_summary(ev.counts),
        },
        {
            "table": "follower_samples",
            "sent": bool(covered.get("follower_samples", ev.sample is not None)),
            "what": "none" if ev.sample is None else f"{len(ev.sample)} sampled followers",
        },
    ]
    headers = {"table": "table", "sent": "sent", "what": "how much"}
    return (
        "<h3>The data the score rests on</h3>"
        + table(rows, headers=headers)
        + _snapshot_and_left_out(ev.score)
    )


def _comment_lists(covered: dict) -> str:
    if covered.get("comment_events") != "partial":
        return ""
    share = covered.get("comment_events_share")
    held = "" if share is None else f": they hold {share:.0%} of the comment count"
    return f"; some posts' comment lists are partial{held}"


SNAPSHOT_SOURCES = {
    "given": "the creator's snapshot_at",
    "read": "no snapshot_at was given: when the data was read",
    "received": "no snapshot_at was given: when the request arrived",
}
SHOWN_POST_IDS = 10


def _snapshot_and_left_out(score: Score) -> str:
    """When the counts were read, what scoring as of a time changed, and the posts rules left
    out of some features."""
    if score.snapshot_at is None:
        return ""
    source = SNAPSHOT_SOURCES.get(score.snapshot_source or "", score.snapshot_source)
    lines = [f"Counts as read at {score.snapshot_at} ({source})."]
    if score.as_of is not None:
        lines.append(f"Scored as of {score.as_of['at']}.")
        lines += score.as_of["notes"]
    for entry in score.excluded_posts or []:
        ids = entry["post_ids"]
        shown = ", ".join(ids[:SHOWN_POST_IDS])
        more = f" and {len(ids) - SHOWN_POST_IDS} more" if len(ids) > SHOWN_POST_IDS else ""
        lines.append(f"Left out, {entry['reason']}: {shown}{more}.")
    return "".join(note(line) for line in lines)


def _posts_summary(posts: pd.DataFrame | None) -> str:
    if posts is None:
        return "none"
    read = int(posts["read"].sum())
    if read == len(posts):
        return f"{counted(read, 'posts')}, all read by the model"
    return f"{len(posts)} posts; the model reads the latest {read}"


def _events_summary(events: pd.DataFrame | None) -> str:
    if events is None:
        return "none on the posts the model reads"
    kinds = events["kind"].value_counts()
    return (
        f"{len(events):,} events on {events['post_id'].nunique()} posts "
        f"({kinds.get('like', 0):,} likes, {kinds.get('comment', 0):,} comments)"
    )


def _counts_summary(counts: pd.DataFrame | None) -> str:
    if counts is None:
        return "none"
    first, last = counts["at"].min(), counts["at"].max()
    return f"{len(counts)} readings, {first:%Y-%m-%d} to {last:%Y-%m-%d}"


def _reasons(score: Score) -> str:
    if not score.reasons:
        return "<h3>Reasons</h3>" + note("The model gave no reasons for this score.")
    rows = [
        {
            "push": f"{r.contribution:+.2f}",
            "side": "fraud" if r.contribution > 0 else "genuine",
            "reason": r.text or r.note or r.feature,
            "feature": r.feature,
        }
        for r in score.reasons
    ]
    return (
        "<h3>Reasons</h3>"
        + note(
            "The strongest pushes behind the score: each reason's contribution to the log-odds of "
            "fraud against genuine (positive points to fraud)."
        )
        + table(rows, ["push", "reason", "feature"], classes={"push": "side"})
    )
