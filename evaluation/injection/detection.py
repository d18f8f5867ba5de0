"""How many creators the model flags once fraud is injected, by kind and strength.

A creator is flagged when its p_genuine is below 0.5 (``FLAG_BELOW``): the fraud classes together
outweigh genuine. Each row also says how often the injected kind's own class is the model's top
class, how often any fraud class is (the rule ``check-genuine`` counts, stricter than p_genuine
< 0.5 when the fraud classes split), and which classes came top. The untouched creators' row is
the false-alarm rate of the same rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from creator_audit.dataset.instafake import load_instafake_genuine
from creator_audit.dataset.real_data import RealFile, real_data_dir, shared_data_dir
from creator_audit.dataset.types import Dataset
from creator_audit.progress import stage
from evaluation.injection.base import PostIndex, creators_and_posts
from evaluation.injection.followers import FollowerPurchase
from evaluation.injection.likes import COVERAGE, LikePurchase
from evaluation.injection.pod import PodPlan
from evaluation.real_genuine_check import real_genuine_file
from features import build_features
from scoring.model import CreatorFraudModel
from scoring.scores import GENUINE

FLAG_BELOW = 0.5
FOLLOWER_STEPS = (0.05, 0.10, 0.25, 0.50, 1.00)  # share of the audience bought
LIKE_MULTIPLIERS = (1.5, 2.0, 3.0, 5.0, 10.0)  # bought post's likes over the usual
POD_SIZES = (20, 35, 50, 75, 100)  # accounts in the pod
# The untouched creators, then per kind a control and each strength (the pod with and without
# its drop window).
VARIANTS = (
    1
    + (1 + len(FOLLOWER_STEPS))
    + (1 + len(LIKE_MULTIPLIERS) * len(COVERAGE))
    + 2 * (1 + len(POD_SIZES))
)


@dataclass(frozen=True)
class Kind:
    key: str
    name: str
    label: str  # the model's class for this fraud


FOLLOWERS = Kind("bought_followers", "bought followers", "fake_followers")
LIKES = Kind("bought_likes", "bought likes", "bot_engagement")
POD = Kind("engagement_pod", "pod", "engagement_pod")
POD_IN_WINDOW = Kind("engagement_pod_in_drop_window", "pod in a drop window", "engagement_pod")
UNTOUCHED = Kind("untouched", "untouched", GENUINE)
KINDS = (FOLLOWERS, LIKES, POD, POD_IN_WINDOW)


@dataclass(frozen=True)
class Variant:
    """The creators with one kind of fraud injected at one strength (or none: a control)."""

    kind: Kind
    strength: str  # in words
    key: str  # in metric names
    dataset: Dataset
    scored: np.ndarray  # creators the kind can be injected into, counted in the row

    @property
    def is_control(self) -> bool:
        return self.key in ("control", "as_read")


@dataclass(frozen=True)
class DetectionRow:
    kind: str
    strength: str
    key: str  # <kind>/<strength>, as in the metric names
    n: int
    # Shares of the n creators (None when there are none):
    detected: float | None  # flagged (p_genuine < FLAG_BELOW)
    right_class: float | None  # top class is the kind's own; None for a control
    top_not_genuine: float | None  # top class is a fraud class
    predicted: dict[str, int]  # creators per top class


@dataclass(frozen=True)
class InjectionReport:
    seed: int
    n_creators: int
    rows: list[DetectionRow]
    source: RealFile | None = field(default=None)  # the real file the creators came from

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "n_creators": self.n_creators,
            "flagged_when": f"p_genuine < {FLAG_BELOW}",
            "source": self.source.record() if self.source else None,
            "rows": [asdict(row) for row in self.rows],
        }

    def metrics(self) -> dict[str, float]:
        """Flat figures for MLflow: ``injection/<kind>/<strength>/detected`` (and right_class)."""
        out: dict[str, float | None] = {}
        for row in self.rows:
            name = f"injection/{row.key}"
            out[f"{name}/detected"] = row.detected
            out[f"{name}/top_not_genuine"] = row.top_not_genuine
            out[f"{name}/right_class"] = row.right_class
        return {key: value for key, value in out.items() if value is not None}


def injection_base() -> tuple[Dataset, RealFile]:
    """The real genuine creators (creators and posts) and the file they came from;
    ``FileNotFoundError`` saying where it looked and how to get them when absent."""
    try:
        file = real_genuine_file()
    except FileNotFoundError as err:
        shared = shared_data_dir()
        looked = "" if real_data_dir() == shared else f"{shared} does not exist and "
        raise FileNotFoundError(f"no real genuine creators to inject into: {looked}{err}") from None
    return creators_and_posts(load_instafake_genuine(file)), file


def detect_injected(
    model: CreatorFraudModel,
    base: Dataset,
    seed: int = 0,
    log: Callable[[str], None] = print,
    source: RealFile | None = None,
) -> InjectionReport:
    """Inject every kind at every strength into ``base``'s creators, score, count the flagged."""
    rows = []
    label = f"inject fraud into {len(base.creators):,} creators, {VARIANTS} ways, and score"
    with stage(label, log, total=VARIANTS) as advance:
        for variant in variants(creators_and_posts(base), seed):
            rows.append(detection_row(model, variant))
            advance()
    return InjectionReport(seed, len(base.creators), rows, source)


def variants(base: Dataset, seed: int) -> Iterator[Variant]:
    """The untouched creators, then per kind its control and each strength, one at a time."""
    everyone = np.ones(len(base.creators), dtype=bool)
    with_posts = PostIndex.of(base).per_creator(np.ones(len(base.posts)), len(everyone)) > 0
    yield Variant(UNTOUCHED, "as read", "as_read", base, everyone)
    followers = FollowerPurchase.draw(base, seed)
    yield Variant(FOLLOWERS, "control: history, no step", "control", followers.control(), everyone)
    for share in FOLLOWER_STEPS:
        strength, key = f"+{share:.0%} of the audience within 48 h", f"step_{share * 100:g}pct"
        yield Variant(FOLLOWERS, strength, key, followers.inject(share), everyone)
    likes = LikePurchase.draw(base, seed)
    yield Variant(LIKES, "control: untouched", "control", base, with_posts)
    for multiplier in LIKE_MULTIPLIERS:
        for coverage in COVERAGE:
            injected = likes.inject(multiplier, coverage)
            key = f"x{multiplier:g}_{coverage.replace(' ', '_')}"
            yield Variant(LIKES, f"×{multiplier:g} on {coverage}", key, injected, with_posts)
    pod = PodPlan.draw(base, seed, max(POD_SIZES))
    for kind, in_window in ((POD, False), (POD_IN_WINDOW, True)):
        control = pod.control(in_window)
        yield Variant(kind, "control: organic events, no pod", "control", control, with_posts)
        for size in POD_SIZES:
            injected = pod.inject(size, in_window)
            yield Variant(kind, f"{size} accounts", f"size_{size}", injected, with_posts)


def detection_row(model: CreatorFraudModel, variant: Variant) -> DetectionRow:
    """Score the variant's creators through the one feature path and count."""
    features = build_features(variant.dataset, model.account_model, model.comment_model)
    proba = model.predict_proba(features)[variant.scored]
    top = np.asarray(model.labels)[proba.argmax(axis=1)]
    return DetectionRow(
        kind=variant.kind.name,
        strength=variant.strength,
        key=f"{variant.kind.key}/{variant.key}",
        n=len(proba),
        detected=_share(proba[:, model.labels.index(GENUINE)] < FLAG_BELOW),
        right_class=None if variant.is_control else _share(top == variant.kind.label),
        top_not_genuine=_share(top != GENUINE),
        predicted={label: int((top == label).sum()) for label in model.labels},
    )


def _share(hits: np.ndarray) -> float | None:
    return float(hits.mean()) if len(hits) else None
