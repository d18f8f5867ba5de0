"""Build the shortlist of a dataset's creators and write it: a CSV table, or an HTML page with
the creators' audit page beside it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from creator_audit.atomic import atomic_path
from creator_audit.dataset import Dataset
from evaluation.audit.evidence import Evidence, gather, restrict
from evaluation.audit.page import evidence_page
from evaluation.html import write_page
from evaluation.shortlist.page import shortlist_page
from evaluation.shortlist.rows import ShortlistRow, rows_frame, shortlist_rows
from scoring.model import CreatorFraudModel

HTML_SUFFIXES = (".html", ".htm")
OUTPUT_SUFFIXES = (*HTML_SUFFIXES, ".csv")
# The audit page draws seven charts per creator: past this many creators it takes minutes and
# weighs hundreds of megabytes, and nobody is choosing between them by hand any more.
MAX_PAGE_CREATORS = 200


@dataclass(frozen=True)
class Shortlist:
    rows: list[ShortlistRow]
    evidence: list[Evidence]


def audit_page_path(out: Path) -> Path:
    """Where the audit page of an HTML shortlist goes: beside it, ``NAME_audit.html``."""
    return out.with_name(f"{out.stem}_audit{out.suffix}")


def build_shortlist(
    model: CreatorFraudModel,
    ds: Dataset,
    creator_ids: Sequence[str] | None = None,
    prices: pd.DataFrame | None = None,
    source: str = "the dataset",
    prices_source: str = "the price file",
) -> Shortlist:
    """Score ``creator_ids`` of ``ds`` (default: all, in the dataset's order) and compute their
    rows. An id of ``creator_ids`` or of ``prices`` that ``ds`` lacks is a LookupError naming
    it: a typo would otherwise leave a creator unpriced without a word."""
    ids = ds.creators["creator_id"].tolist() if creator_ids is None else list(creator_ids)
    restricted = restrict(ds, ids, source)
    if prices is not None:
        _check_priced_known(prices, ds, source, prices_source)
    evidence = gather(model, restricted)
    return Shortlist(shortlist_rows(evidence, model.account_model, prices), evidence)


def _check_priced_known(prices: pd.DataFrame, ds: Dataset, source: str, file: str) -> None:
    known = set(ds.creators["creator_id"])
    unknown = [c for c in prices["creator_id"] if c not in known]
    if unknown:
        shown = ", ".join(unknown[:5]) + (
            f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        )
        raise LookupError(f"{file} prices creators not in {source}: {shown}")


def check_page_size(count: int) -> None:
    if count > MAX_PAGE_CREATORS:
        raise ValueError(
            f"{count} creators: an HTML shortlist, with its audit page, holds at most "
            f"{MAX_PAGE_CREATORS}; name them with --creators, or write the table as .csv"
        )


def write_shortlist(
    shortlist: Shortlist, model: CreatorFraudModel, out: Path, source: str, priced: bool
) -> list[Path]:
    """Write ``shortlist`` to ``out`` (.csv: the table; .html: the page, and the audit page
    first, so the shortlist never links to a page not yet there). Returns the files written."""
    if out.suffix == ".csv":
        with atomic_path(out) as tmp:
            rows_frame(shortlist.rows).to_csv(tmp, index=False)
        return [out]
    audit = audit_page_path(out)
    audit_html = evidence_page(model, shortlist.evidence, source)
    page_html = shortlist_page(shortlist.rows, model, source, audit.name, priced)
    return [write_page(audit, audit_html), write_page(out, page_html)]
