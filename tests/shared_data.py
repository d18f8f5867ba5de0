"""Where the tests find the shared real data: ``$CREATOR_AUDIT_SHARED_DATA``, else the
``shared/data`` folder beside the repository (absent on a machine outside this workplace)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from creator_audit.dataset.real_accounts import KAGGLE_FILE

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("CREATOR_AUDIT_SHARED_DATA", ROOT.parent / "shared" / "data"))

# For tests that need the labelled account sources.
needs_real_accounts = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not (SHARED / KAGGLE_FILE).is_file(), reason=f"real account data not found under {SHARED}"
    ),
]

# For tests that need ScamSpot's labelled comments.
needs_comments = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not (SHARED / "scamspot" / "comments-part-a.json").is_file(),
        reason=f"labelled comments not found under {SHARED}",
    ),
]
