"""What both model kinds share: a LightGBM booster kept as text in the bundle, built on first use,
and the registered version the model was loaded as."""

from __future__ import annotations

from typing import Any

import lightgbm as lgb

UNREGISTERED = "unregistered"  # the version of a model that was never registered


class BoosterModel:
    """Mixin for dataclasses with ``booster_text``, ``metadata`` and a ``_booster`` cache field."""

    booster_text: str
    metadata: dict[str, Any]
    _booster: lgb.Booster | None

    @property
    def version(self) -> str:
        """The registered version this model was loaded as, or ``unregistered``."""
        return str(self.metadata.get("model_version", UNREGISTERED))

    @property
    def booster(self) -> lgb.Booster:
        if self._booster is None:
            self._booster = lgb.Booster(model_str=self.booster_text)
        return self._booster
