"""The ``creator-audit`` command line (CONTRACT.md §2).

Heavy imports happen inside each command, so ``creator-audit --help`` stays fast. Bad input exits
non-zero with one line naming the file, row and column at fault; nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, NoReturn

import typer

app = typer.Typer(
    name="creator-audit",
    help="Catch influencer-marketing fraud: fake followers, engagement pods, bought engagement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the dataset into.")],
    creators: Annotated[int, typer.Option("--creators", min=1, help="Number of creators.")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same bytes.")] = 0,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
) -> None:
    """Write a labelled synthetic dataset with every table of the contract."""
    from creator_audit.dataset.write import FORMATS
    from creator_audit.simulator import generate_to_dir

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    path = generate_to_dir(out, n_creators=creators, seed=seed, fmt=fmt)
    typer.echo(f"wrote {creators} creators to {path}")


@app.command()
def features(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (CONTRACT.md §1).")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
) -> None:
    """Write the model input table: one row per creator, the exact feature columns."""
    from creator_audit.dataset import read_dataset, write_table
    from creator_audit.dataset.errors import DatasetError
    from features import build_features

    _check_table_extension(out)
    try:
        dataset = read_dataset(data)
    except DatasetError as err:
        _fail(str(err))
    table = build_features(dataset).reset_index()
    write_table(table, out)
    typer.echo(f"wrote {len(table)} creators x {table.shape[1] - 1} features to {out}")


def _check_table_extension(path: Path) -> None:
    if path.suffix not in (".parquet", ".csv"):
        _fail(f"{path}: output must end in .parquet or .csv")


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
