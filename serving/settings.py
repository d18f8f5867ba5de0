"""Service settings, from the environment (prefix ``CREATOR_AUDIT_``) or a ``.env`` file.

Limits are part of the API: a request beyond one gets 413 (body size) or 422 (item counts) with a
message naming the limit, never a slow or failed answer. Their defaults, and the rules files share,
are in ``creator_audit.limits``.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from creator_audit import limits
from scoring.store.names import DEFAULT_MODEL_URI

ENV_PREFIX = "CREATOR_AUDIT_"


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, env_file=".env", extra="ignore")

    model_uri: str = Field(DEFAULT_MODEL_URI, description="MLflow model URI or bundle path.")
    # Comma-separated keys; unset or empty turns key checks off (CONTRACT.md §4). Commas and
    # blanks without a key are refused: someone meant to set keys, and must not get none.
    api_keys: Annotated[tuple[SecretStr, ...], NoDecode] = ()
    admin_key: SecretStr | None = None
    # Seconds between checks of the registry alias for a new champion; 0 turns polling off.
    poll_seconds: float = Field(30.0, ge=0)
    reasons: int = Field(5, ge=0, le=50, description="Reasons returned per score.")
    # Creators in the rolling window the drift gauges on /metrics describe (serving.drift_window).
    drift_window: int = Field(1_000, ge=50)
    # How long a worker still loading its first model holds a request before answering 503: with
    # several workers, /readyz may have been answered by a sibling that finished first.
    warmup_wait_seconds: float = Field(5.0, ge=0)

    max_body_bytes: int = Field(limits.MAX_BODY_BYTES, gt=0)
    # Seconds a request's body may take to arrive in full, from its headers on; then 408 and the
    # connection is closed, so half-sent bodies cannot hold connections open.
    body_timeout_seconds: float = Field(10.0, gt=0)
    max_posts: int = Field(limits.API.posts, gt=0)
    max_engagements: int = Field(limits.API.engagements, gt=0)
    max_follower_counts: int = Field(limits.API.follower_counts, gt=0)
    max_follower_samples: int = Field(limits.API.follower_samples, gt=0)
    max_batch_items: int = Field(limits.MAX_BATCH_ITEMS, gt=0)
    max_accounts: int = Field(
        limits.MAX_ACCOUNTS, gt=0, description="Accounts per /v1/accounts/score call."
    )
    # The account model behind /v1/accounts/score. Unset: the one inside the creator model that is
    # serving (what its audience features use), so the two always agree and swap together.
    accounts_model_uri: str | None = None

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        keys = tuple(k.strip() for k in value.split(",") if k.strip())
        if value.strip() and not keys:
            raise ValueError(
                "holds commas and blanks but no key; give keys, or leave it empty to turn key "
                "checks off"
            )
        return keys

    @field_validator("admin_key", mode="before")
    @classmethod
    def _blank_admin_key(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value


def settings_from_environment() -> ServiceSettings:
    """The settings the workers will read, checked before any starts: ValueError naming the
    variable (``CREATOR_AUDIT_API_KEYS: ...``) for the first one that is wrong."""
    try:
        return ServiceSettings()
    except ValidationError as err:
        first = err.errors()[0]
        variable = ENV_PREFIX + "_".join(str(part) for part in first["loc"]).upper()
        raise ValueError(f"{variable}: {first['msg'].removeprefix('Value error, ')}") from None
