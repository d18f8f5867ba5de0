"""The injection table in words: what was injected and how, and the rows, for report.md,
report.html and ``injection.md`` alike (all from ``InjectionReport.as_dict()``)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from creator_audit.atomic import atomic_path
from evaluation.html import esc, table

TITLE = "Injected fraud on real creators"
COLUMNS = {
    "kind": "kind",
    "strength": "injected",
    "n": "creators",
    "detected": "flagged (p_genuine < 0.5)",
    "right_class": "own class on top",
    "top_not_genuine": "a fraud class on top",
    "top_classes": "fraud classes on top",
}
METHOD = (
    "Each kind of fraud is injected into the real genuine creators' own data as the simulator "
    "pictures it (creator_audit/simulator, config.py), and the same creators are scored "
    "untouched and as a control that differs from the injected ones by the fraud alone.",
    "Bought followers: a step of the given share of the profile count, arriving over 2–48 h at a "
    "random time inside a 60–120-day daily follower history built from the profile count "
    "(simulated organic growth and churn), then leaving at 1–5% a week; posts untouched. "
    "Control: the same history without the step.",
    "Bought likes: (multiplier − 1) × the creator's median likes added to the chosen recent posts "
    "(batch spread sd 0.25), with 0.2–1.5% as many bought comments. Control: the creators "
    "untouched (no events for either).",
    "Pod: N accounts; on every recent post 40–90% of them like it and 25–70% of those comment, "
    "4–30 minutes after it went up, the keen members most often, each writing from its own "
    "template; added to the post counts and, on the 12 newest posts, as events. Control: the "
    "same organic events built from the real counts (every comment and up to 300 likes per post, "
    "from the creator's audience at genuine arrival times), no pod. In a drop window: every "
    "recent post also moved into a daily 30-minute slot, the control's too.",
)


def summary(report: dict[str, Any]) -> str:
    """Who was injected, with which seed and rule."""
    source = report.get("source") or {}
    where = f" from {source['name']} (sha256 {source['sha256'][:12]}…)" if source else ""
    return (
        f"{report['n_creators']} real genuine creators{where}, seed {report['seed']}; flagged "
        f"when {report['flagged_when']}. Creators without posts carry neither bought likes nor "
        "a pod and are left out of those rows."
    )


def display_rows(report: dict[str, Any]) -> list[dict[str, str]]:
    """The rows as the table shows them: shares in per cent, the fraud classes that came top."""
    return [
        {
            "kind": row["kind"],
            "strength": row["strength"],
            "n": f"{row['n']:,}",
            "detected": _percent(row["detected"]),
            "right_class": _percent(row["right_class"]),
            "top_not_genuine": _percent(row["top_not_genuine"]),
            "top_classes": _fraud_classes(row["predicted"]),
        }
        for row in report["rows"]
    ]


def markdown(report: dict[str, Any]) -> str:
    """The method, the summary and the table, as Markdown (no heading)."""
    rows = display_rows(report)
    head = "| " + " | ".join(COLUMNS.values()) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = ["| " + " | ".join(row[c] for c in COLUMNS) + " |" for row in rows]
    return "\n\n".join([*METHOD, summary(report), "\n".join([head, rule, *body])])


def html(report: dict[str, Any]) -> list[str]:
    """The same as :func:`markdown`, as HTML parts."""
    paragraphs = [f"<p>{esc(text)}</p>" for text in (*METHOD, summary(report))]
    return [*paragraphs, table(display_rows(report), list(COLUMNS), COLUMNS)]


def write_injection(report: dict[str, Any], out_dir: str | Path, model: str) -> str:
    """``injection.md`` (the table with what was judged and when) and ``injection.json`` (the
    figures) in ``out_dir``; returns the Markdown."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = f"# {TITLE}: {model}\n\nEvaluated {when}.\n\n{markdown(report)}\n"
    with atomic_path(out / "injection.md") as tmp:
        tmp.write_text(text)
    with atomic_path(out / "injection.json") as tmp:
        figures = {"model": model, "evaluated_at": when, **report}
        tmp.write_text(json.dumps(figures, indent=2, allow_nan=False))
    return text


def _percent(share: float | None) -> str:
    if share is None:
        return "–"
    return f"{100 * share:.1f}%"


def _fraud_classes(predicted: dict[str, int]) -> str:
    fraud = sorted(
        ((n, label) for label, n in predicted.items() if label != "genuine" and n), reverse=True
    )
    return ", ".join(f"{label} {n}" for n, label in fraud) or "–"
