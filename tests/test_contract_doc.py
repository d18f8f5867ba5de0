"""docs/contract.md ships the public interface with the project: the shared CONTRACT.md word for
word, then what the project added since (never a change to the part above)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "CONTRACT.md"
ADDITIONS = "\n---\n\n## Additions since\n"


def test_the_contract_is_the_shared_one_then_the_additions() -> None:
    if not SHARED.exists():
        pytest.skip(f"{SHARED} is absent (outside this repository's setup)")
    ours = (ROOT / "docs" / "contract.md").read_text(encoding="utf-8")
    assert ADDITIONS in ours, "docs/contract.md lost its 'Additions since' section"
    copied, _ = ours.split(ADDITIONS, 1)
    assert copied.strip() == SHARED.read_text(encoding="utf-8").strip(), (
        "docs/contract.md no longer starts with ../shared/CONTRACT.md unchanged: copy it again "
        "and put anything new under 'Additions since'"
    )
