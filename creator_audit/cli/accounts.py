"""The account model's commands: train it on the real labelled accounts, score accounts."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    pass

from creator_audit.cli.common import (
    DEFAULT_ACCOUNT_MODEL,
    MODEL_HELP,
    REAL_DATA_DEFAULT,
    accounts_app,
    check_models_dir,
    check_store_usable,
    check_table_output,
    cli_command,
    fail,
    refuse_input_as_output,
)


@cli_command(accounts_app, "train", kernels=True, store=True)
def accounts_train(
    data: Annotated[
        Path | None,
        typer.Option("--data", help=f"Real labelled account data ({REAL_DATA_DEFAULT})."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", min=0, help="Model seed.")] = 0,
    models_dir: Annotated[Path, typer.Option("--models-dir", help="Where bundles go.")] = Path(
        "models"
    ),
    purba_fake: Annotated[
        str,
        typer.Option(
            "--purba-fake-classes",
            help="Purba et al. classes counted as fake (a active, i inactive, s spammer); "
            "the others are left out.",
        ),
    ] = "i",
) -> None:
    """Train the account model on every real source; leave-one-source-out ROC-AUC; register."""
    from training.accounts import train_accounts

    check_models_dir(models_dir)
    check_store_usable()
    result = train_accounts(
        data,
        seed=seed,
        models_dir=models_dir,
        log=typer.echo,
        purba_fake_classes=tuple(c.strip() for c in purba_fake.split(",") if c.strip()),
    )
    common = result.held_out[result.held_out["fields"] == "common"]
    typer.echo(
        f"run {result.run_id}: held-out sources, poorest source's fields: "
        + ", ".join(
            f"{r.source} ROC-AUC {r.auc:.3f} (rule {r.rule_auc:.3f}, real flagged {r.fpr:.1%})"
            for r in common.itertuples()
        )
    )


@cli_command(accounts_app, "score", kernels=True, store=True)
def accounts_score(
    input_file: Annotated[
        Path, typer.Option("--input", help="Accounts (.csv/.parquet): follower_samples fields.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_ACCOUNT_MODEL,
    summary: Annotated[
        Path | None,
        typer.Option(
            "--summary",
            help="Also write the audience report (.parquet/.csv): per creator_id, the estimated "
            "fake share with its 95% interval and the share of each audience type.",
        ),
    ] = None,
) -> None:
    """Add p_fake and audience_type (real, suspicious, mass_follower, influencer) to accounts."""
    from creator_audit.dataset import read_accounts, write_table
    from features.accounts import audience_summary
    from scoring.store.loading import load_account_model

    refuse_input_as_output({"--out": out, "--summary": summary}, inputs={"--input": input_file})
    replaced = check_table_output(out)
    if summary is not None:
        if summary.resolve() == out.resolve():
            fail("--summary and --out name the same file")
        summary_replaced = check_table_output(summary)
    loaded = load_account_model(model)
    accounts = read_accounts(input_file)
    table = accounts.join(loaded.score(accounts, threads=0))  # the input columns, then the scores
    report = None if summary is None else audience_summary(accounts, table, loaded)
    write_table(table, out)
    counts = table["audience_type"].value_counts()
    typer.echo(
        f"scored {len(table)} accounts into {out}{replaced}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    if report is not None and summary is not None:
        write_table(report, summary)
        typer.echo(f"audience report for {len(report)} creator(s) into {summary}{summary_replaced}")
