"""One simulated dataset shared by the simulator tests (generating it is the slow part)."""

from __future__ import annotations

import pandas as pd
import pytest

from creator_audit.dataset.types import epoch_seconds
from creator_audit.simulator import generate
from creator_audit.simulator.config import SNAPSHOT

N_CREATORS = 3_000
SEED = 1


@pytest.fixture(scope="session")
def sim():
    return generate(N_CREATORS, SEED)


@pytest.fixture(scope="session")
def events(sim) -> pd.DataFrame:
    """Engagement events with their creator, label, hard case, delay and post age (seconds)."""
    posts, labels = sim.posts, sim.labels.set_index("creator_id")
    post_at = epoch_seconds(posts["posted_at"])
    creator = labels.index.get_indexer(posts["creator_id"])  # per post
    where = posts["post_id"].pipe(pd.Index).get_indexer(sim.engagements["post_id"])  # per event
    e = sim.engagements.copy()
    e["creator_id"] = posts["creator_id"].take(where).to_numpy()
    e["delay"] = epoch_seconds(e["at"]) - post_at[where]
    e["age"] = SNAPSHOT - post_at[where]
    e["label"] = labels["label"].take(creator[where]).to_numpy()
    e["hard_case"] = labels["hard_case"].take(creator[where]).to_numpy()
    return e
