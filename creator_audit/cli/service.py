"""Serving and model files: the scoring API, and converting an older bundle."""

from __future__ import annotations

import os
import shlex
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    pass

from creator_audit.cli.common import (
    MODEL_HELP,
    app,
    cli_command,
    fail,
    model_app,
    replaced_note,
)


@cli_command(app)
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8000,
    workers: Annotated[
        int | None,
        typer.Option("--workers", min=1, help="Worker processes (default: one per usable core)."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help=MODEL_HELP + " Default: the settings'.")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log one line per request.")] = True,
) -> None:
    """The real-time scoring API (CONTRACT.md §4); settings from CREATOR_AUDIT_* variables."""
    from serving.settings import settings_from_environment
    from serving.workers import serve as run_server
    from serving.workers import usable_cores

    if model is not None:
        os.environ["CREATOR_AUDIT_MODEL_URI"] = model  # workers read settings from the environment
    settings_from_environment()  # a wrong setting fails here, not in every worker
    run_server(host, port, workers or usable_cores(), access_log)


@cli_command(model_app, "convert", store=True)
def model_convert(
    source: Annotated[
        str,
        typer.Argument(
            help="The older bundle: a file (models/creator-fraud-champion.joblib) or an MLflow "
            "model URI whose bundle is one.",
            metavar="FILE",
            show_default=False,
        ),
    ],
    trust: Annotated[
        bool,
        typer.Option(
            "--trust",
            help="You know where the file comes from (you exported it yourself): converting "
            "unpickles it, and unpickling runs any code the file holds.",
        ),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", help="The new bundle (default: beside the file, ending .bundle)."),
    ] = None,
) -> None:
    """Rewrite a pickled model bundle of an older creator-audit as a bundle of plain data."""
    from creator_audit.atomic import check_writable_file
    from scoring.conversion import convert_pickled_bundle, converted_path

    if not trust:
        fail(
            f"converting {source} unpickles it, and unpickling runs any code the file holds; "
            f"if you trust it, run: creator-audit model convert --trust {shlex.quote(source)}"
        )
    target = out or converted_path(source)
    check_writable_file(target)
    replaced = replaced_note(target)
    converted = convert_pickled_bundle(source, target)
    typer.echo(f"converted {source} ({type(converted).__name__}) into {target}{replaced}")
