"""The shortlist (``creator-audit shortlist``): the creators a brand is choosing between, one row
each, with what the audit finds in terms a brand buys in: the verdict, the real audience, the
authentic engagement and, given prices, what a real follower and a real engagement cost.

``rows`` computes each figure (``authentic`` the authentic engagement), ``prices`` reads the price
file, ``page`` renders the sortable HTML table and ``write`` writes it, with the creators' audit
page (``evaluation.audit``) beside it for the evidence.
"""

from evaluation.shortlist.authentic import AuthenticEngagement, authentic_engagement
from evaluation.shortlist.page import shortlist_page
from evaluation.shortlist.prices import read_prices
from evaluation.shortlist.rows import ShortlistRow, rows_frame, shortlist_rows
from evaluation.shortlist.write import (
    HTML_SUFFIXES,
    OUTPUT_SUFFIXES,
    Shortlist,
    audit_page_path,
    build_shortlist,
    check_page_size,
    write_shortlist,
)

__all__ = [
    "HTML_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "AuthenticEngagement",
    "Shortlist",
    "ShortlistRow",
    "audit_page_path",
    "authentic_engagement",
    "build_shortlist",
    "check_page_size",
    "read_prices",
    "rows_frame",
    "shortlist_page",
    "shortlist_rows",
    "write_shortlist",
]
