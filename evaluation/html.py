"""Self-contained HTML pages for analysts: plots embedded as PNG data, no network, printable.

The evaluation report (``evaluation.report_html``) and the creator audit page
(``evaluation.audit_page``) are built from these pieces, so both look and read alike.
"""

from __future__ import annotations

import base64
import html
import io
import math
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt
import numpy as np

from creator_audit.atomic import atomic_path
from scoring.missing_models import MissingModel

STYLE = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430;
       max-width: 1100px; margin: 2em auto; padding: 0 1.2em; }
h1 { font-size: 1.6em; margin-bottom: .2em; } h2 { font-size: 1.25em; margin-top: 1.8em;
     border-bottom: 1px solid #d6dbe3; padding-bottom: .2em; } h3 { font-size: 1.05em; }
table { border-collapse: collapse; margin: .6em 0 1em; font-size: .92em; }
th, td { border: 1px solid #d6dbe3; padding: .25em .6em; text-align: right; }
th { background: #f2f4f7; } td.text, th.text { text-align: left; }
.meta td, .meta th { text-align: left; } .muted { color: #5b6678; }
.verdict { font-size: 1.3em; font-weight: 600; } .fraud { color: #b42318; }
.warning { color: #b54708; font-weight: 600; }
.genuine { color: #067647; } .better { color: #067647; } .worse { color: #b42318; }
figure { margin: .8em 0; } figure img { max-width: 100%; height: auto; }
figcaption { color: #5b6678; font-size: .9em; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(420px, 1fr)); gap: 1em; }
.page-break { break-before: page; }
nav.toc { margin: .6em 0 1em; font-size: .92em; } nav.toc a { color: #1d4f91; }
td.within-noise { color: #5b6678; } .caption { color: #5b6678; font-size: .9em; margin: .3em 0 0; }
.compare table { font-size: .85em; } .compare td { white-space: nowrap; }
@media print { body { max-width: none; margin: 0; } h2 { break-after: avoid; }
  figure, table { break-inside: avoid; } .compare td { white-space: normal; } }
"""


def page(title: str, body: Iterable[str], style: str = "", script: str = "") -> str:
    """A whole page: the shared look plus a page's own ``style``, and its ``script`` (inline,
    run after the body is parsed; the page stays self-contained)."""
    tail = f"<script>{script}</script>\n" if script else ""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{esc(title)}</title><style>{STYLE}{style}</style></head><body>\n"
        + "\n".join(body)
        + f"\n{tail}</body></html>\n"
    )


def write_page(path: Path, text: str) -> Path:
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return path


def esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


def figure(fig: Any, alt: str, caption: str | None = None) -> str:
    """A matplotlib figure as an embedded PNG (the figure is closed)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return embedded_png(buffer.getvalue(), alt, caption)


def embedded_png(png: bytes, alt: str, caption: str | None = None) -> str:
    """PNG bytes (e.g. a plot already written to disk) as an embedded figure."""
    data = base64.b64encode(png).decode("ascii")
    img = f'<img src="data:image/png;base64,{data}" alt="{esc(alt)}">'
    note = f"<figcaption>{esc(caption)}</figcaption>" if caption else ""
    return f"<figure>{img}{note}</figure>"


def fmt(value: Any, digits: int = 3) -> str:
    """A cell: integers with separators, floats to ``digits`` decimals, missing as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        if math.isnan(value):
            return "–"
        if float(value).is_integer() and abs(value) >= 1:
            return f"{int(value):,}"
        return f"{value:.{digits}f}"
    return str(value)


def table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[str] | None = None,
    headers: dict[str, str] | None = None,
    classes: dict[str, str] | None = None,
) -> str:
    """An HTML table of dict rows; text columns (non-numeric first value) align left.

    ``classes`` maps a column to the name of another column whose value becomes the cell's class
    (e.g. a verdict coloured by itself).
    """
    if not rows:
        return '<p class="muted">none</p>'
    columns = list(columns or rows[0].keys())
    headers = headers or {}
    text_columns = {c for c in columns if _is_text(rows, c)}
    head = "".join(
        f'<th class="{"text" if c in text_columns else ""}">{esc(headers.get(c, c))}</th>'
        for c in columns
    )
    body = []
    for row in rows:
        cells = []
        for c in columns:
            css = ["text"] if c in text_columns else []
            if classes and c in classes:
                css.append(str(row.get(classes[c], "")).replace(" ", "-"))
            cells.append(f'<td class="{" ".join(css)}">{esc(fmt(row.get(c)))}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _is_text(rows: Sequence[dict[str, Any]], column: str) -> bool:
    for row in rows:
        value = row.get(column)
        if value is not None:
            return isinstance(value, str)
    return False


def note(text: str, css: str = "muted") -> str:
    """A paragraph of plain text, e.g. what a section shows or why it shows nothing."""
    return f'<p class="{esc(css)}">{esc(text)}</p>'


def missing_models_note(missing: Iterable[MissingModel]) -> str:
    """A warning per model the creator model scores without (nothing when it has them all)."""
    return "".join(note(m.sentence(), "warning") for m in missing)


def anchor_id(prefix: str, value: Any) -> str:
    """An HTML id from any value (ids may hold no spaces): ``prefix-`` and the value's letters,
    digits, ``-`` and ``_``, other characters as their code point, so distinct values stay
    distinct."""
    safe = "".join(
        c if c.isascii() and (c.isalnum() or c in "-_") else f".{ord(c):x}." for c in str(value)
    )
    return f"{prefix}-{safe}"
