"""Dataset commands: generate a labelled synthetic dataset, compute the feature table, fetch the
public labelled collections, import creators from real exports."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from creator_audit.dataset import Dataset
    from creator_audit.importers import Imported

from creator_audit.cli.common import (
    EXIT_BAD_INPUT,
    AccountsModel,
    AsOfTime,
    CommentsModel,
    Force,
    Scheduler,
    SkipLater,
    WorkerMemory,
    account_scorer,
    app,
    as_of_seconds,
    check_table_output,
    cli_command,
    comment_scorer,
    cut_to,
    data_app,
    fail,
    import_app,
    refuse_input_as_output,
    replaced_note,
    run_on_dask,
)


@cli_command(app)
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the dataset into.")],
    creators: Annotated[int, typer.Option("--creators", min=1, help="Number of creators.")] = 3000,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Random seed; same seed, same bytes.")
    ] = 0,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    part_creators: Annotated[
        int,
        typer.Option(
            "--part-creators",
            min=1,
            help="Above this many creators, write partitioned Parquet (a directory of part files "
            "per table), generated one part at a time.",
        ),
    ] = 50_000,
    likes_cap: Annotated[
        int, typer.Option("--likes-per-post", min=0, help="Like events kept per post (a sample).")
    ] = 300,
    force: Force = False,
) -> None:
    """Write a labelled synthetic dataset with every table of the contract."""
    from creator_audit.dataset.write import FORMATS
    from creator_audit.progress import stage
    from creator_audit.simulator import generate_to_dir
    from creator_audit.simulator.generate import generate_steps

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    replaced = replaced_note(out)
    steps = generate_steps(creators, part_creators)
    with stage(f"generate {creators:,} creators", typer.echo, total=steps) as advance:
        path = generate_to_dir(
            out,
            n_creators=creators,
            seed=seed,
            fmt=fmt,
            part_creators=part_creators,
            likes_cap=likes_cap,
            force=force,
            step_done=advance,
        )
    typer.echo(f"wrote {creators} creators to {path}{replaced}")


@cli_command(app, kernels=True, store=True)
def features(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (CONTRACT.md §1).")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    accounts_model: AccountsModel = None,
    comments_model: CommentsModel = None,
    scheduler: Scheduler = None,
    worker_memory: WorkerMemory = None,
    force: Force = False,
    as_of: AsOfTime = None,
    skip_later: SkipLater = False,
) -> None:
    """Write the model input table: one row per creator, the exact feature columns."""
    from creator_audit.dataset import read_dataset, write_table
    from creator_audit.progress import stage
    from features import build_features

    refuse_input_as_output({"--out": out}, data)
    at = as_of_seconds(as_of, scheduler)
    if scheduler is not None:
        scorers = {"accounts_model": accounts_model, "comments_model": comments_model}
        run_on_dask("features", data, out, scheduler, worker_memory, force, **scorers)
        return
    replaced = check_table_output(out)
    account_model, comment_model = (
        account_scorer(accounts_model),
        comment_scorer(comments_model),
    )
    with stage(f"read {data}", typer.echo):
        dataset = cut_to(read_dataset(data, with_labels=False), at, skip_later)
    with stage(f"features of {len(dataset.creators):,} creators", typer.echo):
        table = build_features(dataset, account_model, comment_model).reset_index()
    with stage(f"write {out}", typer.echo):
        write_table(table, out)
    typer.echo(f"wrote {len(table)} creators x {table.shape[1] - 1} features to {out}{replaced}")


@cli_command(data_app, "fetch")
def data_fetch(
    only: Annotated[
        list[str] | None,
        typer.Option("--only", metavar="NAME", help="Fetch only this collection; repeat for more."),
    ] = None,
    to: Annotated[
        Path | None,
        typer.Option(
            "--to",
            help="The cache folder (default: $CREATOR_AUDIT_DATA, else "
            "~/.cache/creator-audit/data). The trainers read the default one, or --data DIR.",
        ),
    ] = None,
) -> None:
    """Download the public labelled collections, pinned to a commit, from
    $CREATOR_AUDIT_DATA_MIRROR (default https://raw.githubusercontent.com), verifying each
    file's SHA-256 and size before it lands in the cache; files already there are kept."""
    from creator_audit.dataset.fetch import fetch
    from creator_audit.dataset.sources import load_manifest, select

    collections = select(load_manifest(), only)
    result = fetch(collections, to, log=typer.echo)
    if result.verified:
        total = sum(len(c.files) for c in collections)
        typer.echo(
            f"{len(result.verified)} of {total} files verified in {result.cache} "
            f"({len(result.fetched)} downloaded, {len(result.present)} already there)"
        )
        complete = [c for c in collections if set(c.files) <= set(result.verified)]
        typer.echo("Licences and citations (cite the collections you use):")
        for collection in complete:
            typer.echo(f"  {collection.name}: {collection.licence}; cite {collection.cite}")
    for failure in result.failures:
        typer.echo(f"error: {failure}", err=True)
    if result.failures:
        raise typer.Exit(EXIT_BAD_INPUT)


@cli_command(import_app, "instaloader")
def import_instaloader(
    folders: Annotated[
        list[Path],
        typer.Argument(
            help="One profile folder per creator, as instaloader --no-pictures --no-videos "
            "--comments PROFILE writes it.",
            metavar="DIR...",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The dataset folder to write.")],
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    force: Force = False,
) -> None:
    """Import instaloader downloads: creators, posts (a hidden like count stays missing) and
    every comment and answer as engagements."""
    from creator_audit.importers import from_instaloader

    _import(folders, out, fmt, force, from_instaloader)


@cli_command(import_app, "graph-api")
def import_graph_api(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="Saved responses to GET /<ig-user-id>?fields=business_discovery.username(NAME)"
            "{...}, one per file; the time each was taken is the UTC time in its name "
            "(20260501T120000Z) or else its modification time.",
            metavar="FILE...",
            show_default=False,
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="The dataset folder to write.")],
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    force: Force = False,
) -> None:
    """Import Graph API business discovery responses: creators, posts and a follower count per
    response; pages of the media edge are joined."""
    from creator_audit.importers import from_graph_api

    _import(files, out, fmt, force, from_graph_api)


def _import(
    sources: list[Path], out: Path, fmt: str, force: bool, read: Callable[[list[Path]], Imported]
) -> None:
    """Check the output first, read ``sources`` with ``read``, write the dataset atomically."""
    from creator_audit.atomic import check_not_an_input, check_writable_directory
    from creator_audit.dataset.write import FORMATS, is_dataset_entry, write_dataset

    if fmt not in FORMATS:
        fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    check_not_an_input(out, "--out", {"the import": sources})
    check_writable_directory(out, force, is_dataset_entry)
    replaced = replaced_note(out)
    imported = read(sources)
    write_dataset(imported.dataset, out, fmt, force)
    for note in imported.notes:
        typer.echo(f"note: {note}")
    typer.echo(f"imported {_imported_counts(imported.dataset)} into {out}{replaced}")


def _imported_counts(dataset: Dataset) -> str:
    """``2 creators: 54 posts (3 with likes hidden), 410 comments, 4 follower counts``."""
    hidden = int(dataset.posts["likes"].isna().sum())
    parts = [_counted(len(dataset.posts), "post") + f" ({hidden} with likes hidden)" * bool(hidden)]
    if dataset.engagements is not None:
        parts.append(_counted(len(dataset.engagements), "comment"))
    if dataset.follower_counts is not None:
        parts.append(_counted(len(dataset.follower_counts), "follower count"))
    return f"{_counted(len(dataset.creators), 'creator')}: {', '.join(parts)}"


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}{'s' * (count != 1)}"
