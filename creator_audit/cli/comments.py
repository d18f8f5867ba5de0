"""The comment model's commands: train it on the real labelled comments, score comments."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from creator_audit.cli.common import (
    MODEL_HELP,
    REAL_DATA_DEFAULT,
    check_models_dir,
    check_store_usable,
    check_table_output,
    cli_command,
    comments_app,
    read_comments,
    refuse_input_as_output,
)
from scoring.store.names import DEFAULT_COMMENT_MODEL_URI


@cli_command(comments_app, "train", kernels=True, store=True)
def comments_train(
    data: Annotated[
        Path | None,
        typer.Option("--data", help=f"Real labelled data folder ({REAL_DATA_DEFAULT})."),
    ] = None,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Logged; the fit is deterministic.")
    ] = 0,
    models_dir: Annotated[Path, typer.Option("--models-dir", help="Where bundles go.")] = Path(
        "models"
    ),
) -> None:
    """Train the comment model on real labelled comments (ScamSpot's Instagram comments and the
    YouTube Spam Collection); judge it with each account and video held out."""
    from training.comments import train_comments

    check_models_dir(models_dir)
    check_store_usable()
    result = train_comments(data, seed=seed, models_dir=models_dir, log=typer.echo)
    for source, scorers in result.held_out.items():
        model = scorers["model"]
        typer.echo(
            f"{source}, each group held out: ROC-AUC {model.roc_auc:.4f}, spam caught "
            f"{model.spam_caught:.1%}, real flagged {model.real_flagged:.1%} (plain tf-idf "
            f"{scorers['plain_tfidf'].roc_auc:.4f}, word-list rule "
            f"{scorers['word_list_rule'].roc_auc:.4f})"
        )
    typer.echo(f"run {result.run_id}")


@cli_command(comments_app, "score", kernels=True, store=True)
def comments_score(
    input_file: Annotated[
        Path,
        typer.Option(
            "--input",
            help="Comments (.csv/.parquet) with a text column; with an author column (and a "
            "post column: the post or video each is under), the same author's near-duplicate "
            "comments count too.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_COMMENT_MODEL_URI,
) -> None:
    """Add p_spam (and is_spam at the model's threshold) to every comment; other columns kept."""
    import numpy as np
    import pandas as pd

    from creator_audit.dataset import write_table
    from scoring.comment_model import CommentModel
    from scoring.store.loading import load_any

    refuse_input_as_output({"--out": out}, inputs={"--input": input_file})
    replaced = check_table_output(out)
    table = read_comments(input_file)  # a bad file is named before any model is loaded
    loaded = load_any(model, CommentModel)
    known = table["text"].notna().to_numpy()
    p_spam = np.full(len(table), np.nan)
    rows = table.loc[known]
    by_whom = {}  # the author signals need authors; the post each is under adds the second
    if "author" in rows:
        by_whom["authors"] = rows["author"].astype(object).tolist()
        if "post" in rows:
            by_whom["groups"] = rows["post"].astype(object).tolist()
    p_spam[known] = loaded.p_spam(rows["text"].astype(str).tolist(), **by_whom)
    table["p_spam"] = p_spam
    table["is_spam"] = pd.array(np.where(known, p_spam >= loaded.threshold, None), dtype="boolean")
    write_table(table, out)
    typer.echo(
        f"scored {int(known.sum())} comments into {out}{replaced}: "
        f"{np.nanmean(p_spam >= loaded.threshold) if known.any() else 0:.1%} look like spam"
    )
