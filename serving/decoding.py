"""Request bodies → the typed columns (``ColumnDataset``) that files also become.

Bodies are validated straight from JSON bytes against the strict schema (``serving.schemas``) and
the limits (``serving.limits``), then turned into dataset columns by
``creator_audit.dataset.request_columns`` and validated by ``dataset_from_columns``: the same
rules as a dataset on disk, so the API refuses exactly what ``creator-audit score`` refuses, with
the same messages, and the features are computed from identical tables. Errors come back as
FastAPI-style ``{"loc", "msg", "type"}`` entries whose ``loc`` names the field
(``["body", "posts", 3, "posted_at"]``).

Batches are validated as one dataset (fast when all is well); only when that fails is each item
validated alone, to find the bad ones and word their errors with the ids the client sent.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pandas as pd
from pydantic import BaseModel, ValidationError

from creator_audit.dataset import DatasetError, Problem, coerce_table
from creator_audit.dataset.as_of import AsOfError, parse_as_of
from creator_audit.dataset.columnar import ColumnDataset
from creator_audit.dataset.request_columns import (
    SEPARATOR,
    dataset_from_requests,
    request_columns,
)
from creator_audit.limits import keyed_ids
from creator_audit.schema import ACCOUNTS
from serving import wire
from serving.errors import PayloadError
from serving.limits import check_accounts, check_batch_size, check_creator_lists, schema_message
from serving.schemas import AccountsRequest, BatchRequest, BatchRequestDocumented, ScoreRequest
from serving.settings import ServiceSettings

ModelT = TypeVar("ModelT", bound=BaseModel)
# A parsed score request: msgspec's structs when the fast decoder took the body, else pydantic's
# model; both have the same fields, read by attribute.
Request = ScoreRequest | wire.ScoreRequest


AS_OF_LOC = ("query", "as_of")


@dataclass(frozen=True)
class Parsed:
    """A request that passed the schema, where its errors point (``loc`` prefix), when it
    arrived (unix seconds): the snapshot of a creator sent without ``snapshot_at``, and the time
    to score it as of (``?as_of=``; None: all its data)."""

    request: Request
    loc: tuple[str | int, ...] = ("body",)
    received_at: float = field(default_factory=time.time)
    as_of: float | None = None

    @property
    def creator_id(self) -> str:
        return self.request.creator.creator_id


def parse_score_request(raw: bytes) -> Request:
    """The body of ``POST /v1/score``: msgspec's strict decoder when it takes the body
    (``serving.wire``), else pydantic's schema straight from JSON bytes, which words the 422."""
    fast = wire.decode_score_request(raw)
    return fast if fast is not None else from_json(ScoreRequest, raw)


def parse_as_of_query(value: str | None) -> float | None:
    """``?as_of=`` as unix seconds (None when not given), or a 422 naming it."""
    if value is None:
        return None
    try:
        return parse_as_of(value)
    except AsOfError as err:
        raise as_of_error(err) from None


def as_of_error(err: AsOfError) -> PayloadError:
    return PayloadError(422, [{"loc": list(AS_OF_LOC), "msg": err.detail, "type": "value_error"}])


def parse_batch_items(
    raw: bytes,
    settings: ServiceSettings,
    received_at: float | None = None,
    as_of: float | None = None,
) -> tuple[list[Parsed | PayloadError], list[str | None]]:
    """Each item of a ``POST /v1/score/batch`` body parsed, or its own error; and each item's
    creator id where it can be read. The whole body is first validated as typed items straight
    from JSON (fast); only if some item is bad is each one validated alone. ``received_at``:
    when the body arrived (default: now); ``as_of``: the time to score every item as of."""
    received_at = time.time() if received_at is None else received_at
    fast = wire.decode_batch_request(raw)
    if fast is not None:
        items: list[Any] = fast.items
    else:
        try:
            items = BatchRequestDocumented.model_validate_json(raw).items
        except ValidationError:
            items = from_json(BatchRequest, raw).items  # raises if the envelope itself is wrong
    check_batch_size(len(items), settings)
    parsed: list[Parsed | PayloadError] = []
    for index, item in enumerate(items):
        try:
            parsed.append(_parse_batch_item(item, index, settings, received_at, as_of))
        except PayloadError as err:
            parsed.append(err)
    return parsed, [_creator_id(item) for item in items]


def parse_accounts_request(raw: bytes, settings: ServiceSettings) -> pd.DataFrame:
    """The accounts of a ``POST /v1/accounts/score`` body as a typed table (the coercion files
    get), or a 422 naming the field or limit."""
    request = from_json(AccountsRequest, raw)
    check_accounts(len(request.accounts), settings)
    rows = [account.model_dump(exclude_none=True) for account in request.accounts]
    # No accounts is a valid (empty) table: it still has the columns a table needs.
    frame = pd.DataFrame(rows) if rows else pd.DataFrame(columns=ACCOUNTS.required_columns)
    try:
        return coerce_table("accounts", frame, "accounts")
    except DatasetError as err:
        raise payload_error(err, ("body",)) from None


def from_json(model: type[ModelT], raw: bytes) -> ModelT:
    try:
        return model.model_validate_json(raw)
    except ValidationError as err:
        raise PayloadError(422, validation_errors(err, prefix=("body",))) from None


def _parse_batch_item(
    item: Any, index: int, settings: ServiceSettings, received_at: float, as_of: float | None
) -> Parsed:
    """A batch item as a ``Parsed`` request within the list limits. Items that passed with the
    whole body are typed already; the others are type-checked here, alone."""
    loc = ("body", "items", index)
    if not isinstance(item, ScoreRequest | wire.ScoreRequest):
        try:
            item = ScoreRequest.model_validate(item)
        except ValidationError as err:
            raise PayloadError(422, validation_errors(err, prefix=loc)) from None
    check_creator_lists(item, settings, prefix=loc)
    return Parsed(item, loc, received_at, as_of)


def _creator_id(item: Any) -> str | None:
    if isinstance(item, ScoreRequest | wire.ScoreRequest):
        return item.creator.creator_id
    creator = item.get("creator") if isinstance(item, dict) else None
    creator_id = creator.get("creator_id") if isinstance(creator, dict) else None
    return creator_id if isinstance(creator_id, str) else None


def validation_errors(err: ValidationError, prefix: Sequence[str | int]) -> list[dict[str, Any]]:
    return [
        {"loc": [*prefix, *e["loc"]], "msg": schema_message(e), "type": e["type"]}
        for e in err.errors()
    ]


def payload_error(err: DatasetError, prefix: Sequence[str | int]) -> PayloadError:
    return PayloadError(422, [_problem_entry(p, list(prefix)) for p in err.problems])


def _problem_entry(problem: Problem, prefix: list[str | int]) -> dict[str, Any]:
    """A dataset problem as an error entry: ``creators`` row 1 is the ``creator`` object."""
    if problem.file == "creators":
        loc: list[str | int] = [*prefix, "creator"]
    else:
        loc = [*prefix, problem.file]
        if problem.row is not None:
            loc.append(problem.row - 1)
    if problem.column is not None:
        loc.append(problem.column)
    return {"loc": loc, "msg": problem.message, "type": "value_error"}


@dataclass
class Validated:
    """The items that passed as one dataset: their positions in the input and their creator keys
    in the dataset; the others' errors by position."""

    dataset: ColumnDataset | None
    positions: list[int]
    keys: list[str]
    errors: dict[int, PayloadError]
    keyed: bool = False  # post ids are prefixed with their item's key (several items)

    def sent_post_id(self, key: str, post_id: str) -> str:
        """A post id of the dataset as the item with creator key ``key`` sent it."""
        return post_id.removeprefix(key + SEPARATOR) if self.keyed else post_id


def validate_items(items: Sequence[Parsed]) -> Validated:
    """Validate items as dataset tables; every bad item gets its own ``PayloadError``.

    One item keeps its own ids. Several are keyed by position (so two may describe the same
    creator, or reuse post ids) and validated as one dataset; only if that fails is each item
    validated alone, so its errors name the ids it sent.
    """
    if len(items) == 1:
        only = items[0]
        try:
            dataset = _alone(only)
        except (DatasetError, AsOfError) as err:
            return Validated(None, [], [], {0: _refusal(err, only.loc)})
        return Validated(dataset, [0], [only.creator_id], {})
    try:
        return _keyed(items, list(range(len(items))), {})
    except (DatasetError, AsOfError):
        pass
    errors: dict[int, PayloadError] = {}
    for position, item in enumerate(items):
        try:
            _alone(item)
        except (DatasetError, AsOfError) as err:
            errors[position] = _refusal(err, item.loc)
    good = [i for i in range(len(items)) if i not in errors]
    return _keyed(items, good, errors)


def _refusal(err: DatasetError | AsOfError, loc: Sequence[str | int]) -> PayloadError:
    """An item's data refused (named under ``loc``) or its as-of time (named as the query's)."""
    return as_of_error(err) if isinstance(err, AsOfError) else payload_error(err, loc)


def _alone(item: Parsed) -> ColumnDataset:
    """The item validated as a dataset of its own, with the ids it sent."""
    parts = [request_columns(item.request, item.creator_id, None)]
    return dataset_from_requests(parts, [item.received_at], [item.as_of])


def _keyed(
    items: Sequence[Parsed], positions: list[int], errors: dict[int, PayloadError]
) -> Validated:
    if not positions:
        return Validated(None, [], [], errors)
    keys = [str(i) for i in positions]
    parts = [request_columns(items[i].request, k, k) for i, k in zip(positions, keys, strict=True)]
    received = [items[i].received_at for i in positions]
    as_of = [items[i].as_of for i in positions]
    with keyed_ids(len(keys[-1]) + len(SEPARATOR)):  # the longest key and its separator
        dataset = dataset_from_requests(parts, received, as_of)
    return Validated(dataset, positions, keys, errors, keyed=True)
