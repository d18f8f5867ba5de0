"""Creator features: one pure function per family, joined by ``build_features``."""

from features import _groups, share_profiles
from features.build import (
    FEATURE_COLUMNS,
    FEATURE_FAMILIES,
    MODEL_COLUMNS,
    FeatureMatrix,
    build_features,
    feature_matrix,
)


def warm_up_kernels() -> None:
    """Compile (or load from numba's cache) the features' compiled kernels."""
    _groups.warm_up()
    share_profiles.warm_up()


__all__ = [
    "FEATURE_COLUMNS",
    "FEATURE_FAMILIES",
    "MODEL_COLUMNS",
    "FeatureMatrix",
    "build_features",
    "feature_matrix",
    "warm_up_kernels",
]
