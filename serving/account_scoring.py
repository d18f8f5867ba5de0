"""Score the accounts of ``POST /v1/accounts/score`` (CONTRACT.md §4): each account's p_fake and
audience type, and the request's audience summary.

The table comes from ``serving.decoding`` (the coercion ``creator-audit accounts score`` files
get) and is scored by the same ``AccountModel.score``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from features.accounts import SUMMARY_COLUMNS, audience_summary
from scoring.account_model import AccountModel

NO_ACCOUNT_MODEL = (
    "no account model: the serving creator model carries none and "
    "CREATOR_AUDIT_ACCOUNTS_MODEL_URI is not set"
)


def summary_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    """Summary rows as JSON objects: NaN (an empty audience) as null."""
    return [
        {k: (None if isinstance(v, float) and v != v else v) for k, v in row.items()}
        for row in table.astype(object).to_dict("records")
    ]


def request_summary(
    model: AccountModel, accounts: pd.DataFrame, scores: pd.DataFrame
) -> dict[str, Any]:
    """The request's accounts as one audience, with one row per creator_id named in it."""
    if accounts.empty:  # an audience of none: nothing is estimable (audience_summary has no row)
        return {**dict.fromkeys(SUMMARY_COLUMNS), "accounts": 0, "creators": []}
    creators = summary_rows(audience_summary(accounts, scores, model))
    named = accounts["creator_id"].unique()
    one = len(named) == 1 and pd.notna(named[0])  # every account names the same creator
    whole = accounts.assign(creator_id=named[0] if one else None)
    overall = summary_rows(audience_summary(whole, scores, model))
    return {**overall[0], "creators": [row for row in creators if row["creator_id"] is not None]}


def score_accounts(model: AccountModel, accounts: pd.DataFrame) -> dict[str, Any]:
    scores = model.score(accounts)
    creator = accounts["creator_id"].astype(object).where(accounts["creator_id"].notna(), None)
    return {
        "scores": [
            {
                "account_id": account_id,
                "creator_id": creator_id,
                "p_fake": float(p_fake),
                "audience_type": str(audience_type),
            }
            for account_id, creator_id, p_fake, audience_type in zip(
                accounts["account_id"],
                creator,
                scores["p_fake"],
                scores["audience_type"],
                strict=True,
            )
        ],
        "summary": request_summary(model, accounts, scores),
        "model_version": model.version,
    }
