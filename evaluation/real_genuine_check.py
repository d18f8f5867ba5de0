"""How many real, known-genuine accounts a model flags as fraud.

The InstaFake non-automated accounts (the real data folder: ``../shared/data``, else what
``creator-audit data fetch`` cached) are real Instagram accounts labelled genuine, with profile
counts and posts only. A model that flags many of them is wrong, whatever its score on synthetic
data, so every training run reports this figure when the data is present.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from creator_audit.dataset.instafake import GENUINE_FILE, load_instafake_genuine
from creator_audit.dataset.real_data import RealFile, locate
from scoring.model import CreatorFraudModel
from scoring.scores import score_dataset


@dataclass(frozen=True)
class RealGenuineCheck:
    n: int
    flagged_share: float
    predicted: dict[str, int]
    flagged: np.ndarray = field(repr=False)  # per account, in file order: not predicted genuine
    file: RealFile | None = None  # the file read

    @property
    def message(self) -> str:
        return (
            f"{self.flagged_share:.1%} of {self.n} real genuine accounts flagged as fraud "
            f"(predicted: {self.predicted})"
        )


def real_genuine_file() -> RealFile:
    """The real genuine accounts in the real data folder, in either form; ``FileNotFoundError``
    saying where it looked when there are none."""
    return locate(str(GENUINE_FILE))


def check_real_genuine(
    model: CreatorFraudModel, path: str | Path | RealFile | None = None
) -> RealGenuineCheck:
    """Score every real genuine account; the flagged share is those not predicted genuine.
    ``path`` is a file read as it is; by default the real data folder's."""
    if isinstance(path, RealFile):
        file = path
    else:
        file = RealFile.at(path) if path is not None else real_genuine_file()
    scores = score_dataset(model, load_instafake_genuine(file), n_reasons=0)
    predicted = Counter(scores["label"])
    flagged = scores["label"].to_numpy() != "genuine"
    share = float(flagged.sum()) / max(len(scores), 1)
    return RealGenuineCheck(len(scores), share, dict(predicted), flagged, file)
