"""Creator features: one pure function per family, joined by ``build_features``."""

from features.build import (
    FEATURE_COLUMNS,
    FEATURE_FAMILIES,
    FeatureMatrix,
    build_features,
    feature_matrix,
)

__all__ = [
    "FEATURE_COLUMNS",
    "FEATURE_FAMILIES",
    "FeatureMatrix",
    "build_features",
    "feature_matrix",
]
