"""The shortlist page: one sortable table, a row per creator linking to its section of the audit
page written beside it, and what each column means. Self-contained: inline style and script."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from evaluation.audit.style import label_name, percent, side_of
from evaluation.html import anchor_id, esc, missing_models_note, note, page
from evaluation.shortlist.rows import AUTHENTIC, FAKE_SHARE, PRICE, ShortlistRow
from scoring.missing_models import missing_models
from scoring.model import CreatorFraudModel

SORTABLE = """
body { max-width: 1500px; }
table.shortlist { font-size: .86em; }
table.shortlist th { cursor: pointer; user-select: none; vertical-align: bottom; }
table.shortlist th:hover, table.shortlist th:focus { background: #e4e8ee; }
table.shortlist th::after { content: " \\2195"; color: #8a94a6; }
table.shortlist th[aria-sort=ascending]::after { content: " \\25B2"; color: #1d2430; }
table.shortlist th[aria-sort=descending]::after { content: " \\25BC"; color: #1d2430; }
table.shortlist td { white-space: nowrap; } table.shortlist a { color: #1d4f91; }
table.shortlist .range, table.shortlist .unknown { color: #5b6678; font-size: .9em; }
table.shortlist .unknown { font-style: italic; }
table.shortlist td.fraud, table.shortlist td.genuine { font-weight: 600; }
dl.columns dt { font-weight: 600; margin-top: .6em; } dl.columns dd { margin-left: 1.2em; }
"""
# Click (or Enter on) a header: sort by its cells' data-sort, numbers as numbers; again: reverse.
# Unknown cells (empty data-sort) stay at the bottom either way; ties keep their order.
SORT_SCRIPT = """
(function () {
  function compare(a, b, ascending) {
    if (a === '' || b === '') return (a === '') - (b === '');
    var x = Number(a), y = Number(b);
    var order = isNaN(x) || isNaN(y) ? a.localeCompare(b) : (x > y) - (x < y);
    return ascending ? order : -order;
  }
  document.querySelectorAll('table.shortlist').forEach(function (table) {
    var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);
    heads.forEach(function (th, column) {
      th.tabIndex = 0;
      function sort() {
        var ascending = th.getAttribute('aria-sort') !== 'ascending';
        heads.forEach(function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', ascending ? 'ascending' : 'descending');
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r, s) {
          return compare(r.cells[column].dataset.sort, s.cells[column].dataset.sort, ascending);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) {
        if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); sort(); }
      });
    });
  });
})();
"""


@dataclass(frozen=True)
class Cell:
    """What a cell shows (HTML), the value it sorts by ('' when unknown) and its classes."""

    html: str
    sort: str
    css: str = ""

    def td(self) -> str:
        css = f' class="{self.css}"' if self.css else ""
        return f'<td{css} data-sort="{esc(self.sort)}">{self.html}</td>'


@dataclass(frozen=True)
class Column:
    header: str
    cell: Callable[[ShortlistRow, str], Cell]  # (row, audit page href) → cell
    title: str = ""  # the header's tooltip
    text: bool = False  # aligned left, as words are; numbers align right

    def th(self) -> str:
        css = ' class="text"' if self.text else ""
        return f'<th scope="col"{css} title="{esc(self.title)}">{esc(self.header)}</th>'


def shortlist_page(
    rows: list[ShortlistRow],
    model: CreatorFraudModel,
    source: str,
    audit_href: str,
    priced: bool,
) -> str:
    """The page of ``rows``; each creator links to its section of the page at ``audit_href``
    (relative to this page); ``priced``: prices were given, so the cost columns show."""
    title = f"Shortlist: {len(rows)} creator{'s' if len(rows) != 1 else ''}"
    columns = COLUMNS + (PRICE_COLUMNS if priced else [])
    body = [
        f"<h1>{esc(title)}</h1>",
        _about(model, source),
        _currency_warning(rows) if priced else "",
        note(
            "Click a column's name to sort by it (again to reverse); unknown values stay at the "
            "bottom. Click a creator to open its audit page: the evidence behind each figure."
        ),
        _table(rows, columns, quote(audit_href)),
        _definitions(priced),
    ]
    return page(title, body, style=SORTABLE, script=SORT_SCRIPT)


def _about(model: CreatorFraudModel, source: str) -> str:
    name = model.metadata.get("model_name", "model")
    return note(f"Model {name} version {model.version}; data from {source}.") + (
        missing_models_note(missing_models(model))
    )


def _currency_warning(rows: list[ShortlistRow]) -> str:
    currencies = sorted({r.currency or "unnamed" for r in rows if not math.isnan(r.price)})
    if len(currencies) < 2:
        return ""
    return note(
        f"Prices are in {', '.join(currencies)}: costs in different currencies do not compare "
        "until converted.",
        "warning",
    )


def _table(rows: list[ShortlistRow], columns: list[Column], audit_href: str) -> str:
    head = "".join(c.th() for c in columns)
    body = "".join(
        "<tr>" + "".join(c.cell(row, audit_href).td() for c in columns) + "</tr>" for row in rows
    )
    return f'<table class="shortlist"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


# --- cells ------------------------------------------------------------------------------------


def _number(value: float) -> str:
    """A sort key JavaScript's Number() reads: '' for unknown, 'Infinity' for infinite."""
    if math.isnan(value):
        return ""
    return "Infinity" if math.isinf(value) else repr(float(value))


def _unknown(why: str | None) -> Cell:
    """The cell of the figure that is unknown, saying why."""
    return Cell(esc(why or "unknown"), "", "unknown")


def _follows(why: str | None) -> Cell:
    """The cell of a figure computed from an unknown one: a dash, the reason on hover."""
    return Cell(f'<span title="{esc(why or "unknown")}">–</span>', "", "unknown")


def _with_range(shown: str, low: str, high: str) -> str:
    return f'{shown} <span class="range">({low}–{high})</span>'


def _creator(row: ShortlistRow, href: str) -> Cell:
    link = f"{href}#{anchor_id('creator', row.creator_id)}"
    return Cell(f'<a href="{esc(link)}">{esc(row.creator_id)}</a>', row.creator_id, "text")


def _verdict(row: ShortlistRow, _: str) -> Cell:
    name = label_name(row.label)
    return Cell(esc(name), name, f"text {side_of(row.label)}")


def _fraud_score(row: ShortlistRow, _: str) -> Cell:
    return Cell(str(row.fraud_score), str(row.fraud_score))


def _followers(row: ShortlistRow, _: str) -> Cell:
    return Cell(f"{row.followers:,.0f}", _number(row.followers))


def _fake_share(row: ShortlistRow, _: str) -> Cell:
    if math.isnan(row.fake_share):
        return _unknown(row.missing.get(FAKE_SHARE))
    shown = _with_range(
        percent(row.fake_share), percent(row.fake_share_low), percent(row.fake_share_high)
    )
    return Cell(shown, _number(row.fake_share))


def _real_audience(row: ShortlistRow, _: str) -> Cell:
    if math.isnan(row.real_audience):
        return _follows(row.missing.get(FAKE_SHARE))
    shown = _with_range(
        rounded(row.real_audience), rounded(row.real_audience_low), rounded(row.real_audience_high)
    )
    return Cell(shown, _number(row.real_audience))


def _engagement_rate(row: ShortlistRow, _: str) -> Cell:
    if math.isnan(row.engagement_rate):
        return _unknown(row.missing.get(AUTHENTIC))
    return Cell(f"{row.engagement_rate:.2%}", _number(row.engagement_rate))


def _authentic_rate(row: ShortlistRow, _: str) -> Cell:
    if math.isnan(row.authentic_engagement_rate):
        return _unknown(row.missing.get(AUTHENTIC))
    rate = f"{row.authentic_engagement_rate:.2%}"
    return Cell(
        f'<span title="{esc(_weighing(row))}">{rate}</span>{_taken_out(row)}',
        _number(row.authentic_engagement_rate),
    )


def _taken_out(row: ShortlistRow) -> str:
    """The share taken out, in brackets; nothing where it rounds to none (a creator the model
    trusts loses ~0%, which says nothing)."""
    removed = row.engagement_removed_share
    shown = "" if math.isnan(removed) else percent(removed)
    return "" if shown in ("", "0%", "0.0%") else f' <span class="range">(−{shown})</span>'


def _weighing(row: ShortlistRow) -> str:
    """What was taken out and why, for the authentic engagement's tooltip."""
    return (
        f"{percent(row.pod_like_event_share)} of the events pod-like, weighed by P(pod) "
        f"{row.p_engagement_pod:.0%}; {percent(row.burst_event_share)} in bursts, weighed by "
        f"P(bought engagement) {row.p_bot_engagement:.0%}"
    )


def _price(row: ShortlistRow, _: str) -> Cell:
    if math.isnan(row.price):
        return _unknown(row.missing.get(PRICE))
    shown = f"{row.price:,.0f}" if row.price.is_integer() else f"{row.price:,.2f}"
    return Cell(f"{shown} {esc(row.currency)}" if row.currency else shown, _number(row.price))


def _cost_per_mille(row: ShortlistRow, _: str) -> Cell:
    if math.isnan(row.price):
        return _follows(row.missing.get(PRICE))
    if math.isnan(row.cost_per_1000_real_followers):
        return _follows(row.missing.get(FAKE_SHARE))
    shown = _with_range(
        money(row.cost_per_1000_real_followers, row.currency),
        money(row.cost_per_1000_real_followers_low),
        money(row.cost_per_1000_real_followers_high),
    )
    return Cell(shown, _number(row.cost_per_1000_real_followers))


def _cost_per_engagement(row: ShortlistRow, _: str) -> Cell:
    if math.isnan(row.price):
        return _follows(row.missing.get(PRICE))
    if math.isnan(row.cost_per_real_engagement):
        return _follows(row.missing.get(AUTHENTIC))
    return Cell(
        money(row.cost_per_real_engagement, row.currency), _number(row.cost_per_real_engagement)
    )


def rounded(count: float) -> str:
    """A count estimated, not counted: three significant digits (12,345 → 12,300)."""
    if count <= 0:
        return "0"
    digits = max(math.floor(math.log10(count)) - 2, 0)
    return f"{round(count, -digits):,.0f}"


def money(amount: float, currency: str | None = None) -> str:
    """An amount with two decimals below 100, whole above; ∞ when the price buys nothing real
    (no real follower, or no authentic engagement)."""
    if math.isinf(amount):
        return "∞"
    shown = f"{amount:,.2f}" if amount < 100 else f"{amount:,.0f}"
    return f"{shown} {esc(currency)}" if currency else shown


COLUMNS = [
    Column("Creator", _creator, "Opens the creator's audit page", text=True),
    Column("Verdict", _verdict, "The model's most probable label", text=True),
    Column("Fraud score", _fraud_score, "100 × (1 − P(genuine))"),
    Column("Followers", _followers),
    Column("Fake followers", _fake_share, "Estimated share of fake followers, 95% interval"),
    Column("Real audience", _real_audience, "Followers × (1 − fake share), 95% interval"),
    Column("Engagement rate", _engagement_rate, "(Likes + comments) per post ÷ followers"),
    Column(
        "Authentic engagement",
        _authentic_rate,
        "Engagement rate without what the model attributes to pods and bought engagement",
    ),
]
PRICE_COLUMNS = [
    Column("Price", _price, "Price of one post"),
    Column("Per 1,000 real followers", _cost_per_mille, "Price ÷ (real audience ÷ 1,000)"),
    Column("Per real engagement", _cost_per_engagement, "Price ÷ authentic engagements per post"),
]


# --- what the columns mean --------------------------------------------------------------------


def _definitions(priced: bool) -> str:
    entries = list(DEFINITIONS.items()) + (list(PRICE_DEFINITIONS.items()) if priced else [])
    items = "".join(f"<dt>{esc(term)}</dt><dd>{esc(text)}</dd>" for term, text in entries)
    return f'<h2>How each column is computed</h2><dl class="columns">{items}</dl>'


DEFINITIONS = {
    "Verdict and fraud score": (
        "The model's most probable label, and 100 × (1 − P(genuine)): the scores creator-audit "
        "score gives, from the same scoring path."
    ),
    "Fake followers": (
        "The share of the creator's followers that look fake, estimated from its sampled "
        "followers as the account model judges them, with its 95% interval (the audit page "
        "shows how). Unknown without a follower sample: never guessed."
    ),
    "Real audience": (
        "Followers × (1 − fake share); the interval is the fake share's carried through (its "
        "high end gives the low one)."
    ),
    "Engagement rate": (
        "Mean likes plus comments per post ÷ followers, over the recent posts the model reads "
        "that are old enough to have collected their engagement."
    ),
    "Authentic engagement": (
        "The engagement rate with what the model attributes to pods and bought engagement taken "
        "out, from the engagement events: pod-like engagement is what comes within the first "
        "hour from accounts that engage on at least half of the creator's posts; bought-like "
        "engagement is what lands in a burst (a 5-minute window holding at least a fifth of a "
        "post's events). Likes and comments each lose P(engagement pod) × their pod-like share "
        "+ P(bought engagement) × their burst share, so a creator the model finds genuine keeps "
        "its loyal fans and its launch rush. In brackets, the share taken out. Limits: an "
        "estimate weighted by the model's probabilities, not a count of known fakes; pods that "
        "answer late or rotate their members, and bought likes spread out over hours, are not "
        "recognised; fake followers' missing engagement is not added back. Unknown without "
        "engagement events."
    ),
}
PRICE_DEFINITIONS = {
    "Price": "As given in the price file: the price of one post.",
    "Per 1,000 real followers": (
        "Price ÷ (real audience ÷ 1,000), with the interval of the real audience carried through."
    ),
    "Per real engagement": (
        "Price ÷ authentic engagements a post draws (authentic engagement rate × followers)."
    ),
}
