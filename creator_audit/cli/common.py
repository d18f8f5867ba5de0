"""What every command shares: the Typer apps, the wrapper that turns bad input into one line and
exit 2, the output and store checks, and loading the optional account and comment models.

Heavy imports happen inside each command, so ``creator-audit --help`` stays fast. Bad input exits
non-zero with one line naming the file, row and column at fault; nothing is written.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from creator_audit.messages import first_line
from scoring.store.names import (
    BUNDLE_SUFFIX,
    DEFAULT_ACCOUNT_MODEL_URI,
    DEFAULT_MODEL_URI,
)

if TYPE_CHECKING:
    from creator_audit.dataset import Dataset
    from scoring.account_model import AccountModel
    from scoring.comment_model import CommentModel

app = typer.Typer(
    name="creator-audit",
    help="Catch influencer-marketing fraud: fake followers, engagement pods, bought engagement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2
DEFAULT_MODEL = DEFAULT_MODEL_URI
DEFAULT_ACCOUNT_MODEL = DEFAULT_ACCOUNT_MODEL_URI
MODEL_HELP = "MLflow model URI, or the path of a bundle exported under models/."
SCHEDULER_HELP = (
    "Run on Dask: 'local' starts a LocalCluster (one worker per core), anything else is a "
    "scheduler address (tcp://host:8786). Output is then partitioned Parquet (a directory)."
)
WORKER_MEMORY_HELP = "Memory limit per local Dask worker, e.g. 2GiB (default: RAM / workers)."
COMMENT_MODEL_HELP = (
    "Comment model (MLflow URI or bundle) that reads comment texts; 'none' for none. Default: "
    "the registered champion if there is one; without one the comment-spam features are missing."
)
ACCOUNT_MODEL_HELP = (
    "Account model (MLflow URI or bundle) that judges sampled followers; 'none' for none. "
    "Default: the registered champion if there is one; without one the fake-share features "
    "are missing."
)

accounts_app = typer.Typer(
    help="The account model: is this single account (a follower) fake?", no_args_is_help=True
)
app.add_typer(accounts_app, name="accounts")
comments_app = typer.Typer(
    help="The comment model: is this comment conversation, or spam and promotion?",
    no_args_is_help=True,
)
app.add_typer(comments_app, name="comments")
model_app = typer.Typer(
    help="Model files: convert a bundle written by an older creator-audit.", no_args_is_help=True
)
app.add_typer(model_app, name="model")
import_app = typer.Typer(
    help="Creators from real exports: an instaloader download or Graph API responses.",
    no_args_is_help=True,
)
app.add_typer(import_app, name="import")
data_app = typer.Typer(
    help="The public labelled collections: fetch them from their published sources.",
    no_args_is_help=True,
)
app.add_typer(data_app, name="data")
REAL_DATA_DEFAULT = (
    "default: ../shared/data or $CREATOR_AUDIT_SHARED_DATA where it exists, else the cache "
    "of creator-audit data fetch"
)


FORCE_HELP = "Replace --out even when it is a folder holding files creator-audit did not write."
AS_OF_HELP = (
    "As of this past time (ISO-8601 with an offset, or unix seconds): only the posts, engagement "
    "events and follower-count readings dated by then, and a follower sample only if taken by "
    'then; likes and comments stay the counts read at the snapshot (docs/data.md, "Scores as of '
    'a past time").'
)
# Options several commands take, declared once.
Scheduler = Annotated[str | None, typer.Option("--scheduler", help=SCHEDULER_HELP)]
WorkerMemory = Annotated[str | None, typer.Option("--worker-memory", help=WORKER_MEMORY_HELP)]
Force = Annotated[bool, typer.Option("--force", help=FORCE_HELP)]
AccountsModel = Annotated[str | None, typer.Option("--accounts-model", help=ACCOUNT_MODEL_HELP)]
CommentsModel = Annotated[str | None, typer.Option("--comments-model", help=COMMENT_MODEL_HELP)]
AsOfTime = Annotated[str | None, typer.Option("--as-of", metavar="TIMESTAMP", help=AS_OF_HELP)]
SkipLater = Annotated[
    bool,
    typer.Option(
        "--skip-later",
        help="With --as-of: leave out the creators whose first post is after it (counted in a "
        "line) instead of refusing the run.",
    ),
]
Command = TypeVar("Command", bound=Callable[..., Any])
Scorer = TypeVar("Scorer")  # the account or the comment model


def fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def as_of_seconds(value: str | None, scheduler: str | None = None) -> float | None:
    """``--as-of`` as unix seconds (None when not given); a bad one fails with one line. Dask
    jobs do not cut partitions to a time yet, so ``--as-of`` refuses ``--scheduler``."""
    from creator_audit.dataset.as_of import parse_as_of

    if value is None:
        return None
    if scheduler is not None:
        fail("--as-of does not run on Dask yet; leave out --scheduler")
    return parse_as_of(value, "--as-of")


def cut_to(dataset: Dataset, at: float | None, skip_later: bool = False) -> Dataset:
    """``dataset`` as of ``at`` (``creator_audit.dataset.as_of``); as it is when None. With
    ``skip_later`` the creators whose first post is after ``at`` are left out (and counted in a
    line) instead of refusing the run."""
    from creator_audit.dataset.as_of import dataset_as_of, not_yet_posting
    from creator_audit.dataset.timestamps import iso_utc
    from evaluation.audit import restrict

    if at is None:
        return dataset
    later = not_yet_posting(dataset, at) if skip_later else None
    if later is not None and later.any():
        if later.all():
            fail(f"no creator had posted by the as-of time {iso_utc(at)}")
        ids = dataset.creators["creator_id"]
        dataset = restrict(dataset, ids[~later].tolist())
        typer.echo(
            f"left out {int(later.sum())} creator(s) whose first post is after {iso_utc(at)} "
            f"(--skip-later), e.g. {ids[later].iloc[0]}"
        )
    return dataset_as_of(dataset, at)


def cli_command(
    typer_app: typer.Typer, name: str | None = None, kernels: bool = False, store: bool = False
) -> Callable[[Command], Command]:
    """Register a command whose failures on bad input exit 2 with one line naming what is wrong:
    bad data, outputs, bundles and stores (ValueError, LookupError, OSError, MLflow's errors).
    Any other exception is a bug and keeps its traceback, as do all with CREATOR_AUDIT_DEBUG=1.
    ``kernels``: the command computes features or scores, so the compiled kernels are made
    ready first (and a first-run compile is said). ``store``: the command reads or writes models,
    so MLflow is pointed at its store first, once for the whole command."""

    def register(command: Command) -> Command:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            if store:
                _configure_store()
            if kernels:
                _kernels_ready()
            try:
                return command(*args, **kwargs)
            except Exception as err:
                if os.environ.get("CREATOR_AUDIT_DEBUG") or not _is_bad_input(err):
                    raise
                fail(_one_line(err))

        typer_app.command(name)(run)
        return command

    return register


def _configure_store() -> None:
    from scoring.store.location import configure_tracking

    configure_tracking()


def _kernels_ready() -> None:
    from scoring import kernels

    message = kernels.warm_up_message(kernels.warm_up())
    if message is not None:
        typer.echo(message, err=True)


def _is_bad_input(err: Exception) -> bool:
    mlflow_errors = sys.modules.get("mlflow.exceptions")  # only if MLflow was ever imported
    bad = (ValueError, LookupError, OSError)
    if mlflow_errors is not None:
        bad = (*bad, mlflow_errors.MlflowException)
    return isinstance(err, bad)


def _one_line(err: Exception) -> str:
    if isinstance(err, OSError) and err.strerror:
        where = f"{err.filename}: " if err.filename else ""
        return f"{where}{err.strerror}"
    return first_line(err)


def replaced_note(path: Path) -> str:
    """What the output line adds when ``path`` exists before the command writes it."""
    if path.is_dir():
        return " (replaced the existing folder)" if any(path.iterdir()) else ""
    return " (replaced the existing file)" if path.exists() else ""


def refuse_input_as_output(
    outputs: dict[str, Path | None],
    data: Path | None = None,
    inputs: dict[str, Path | None] | None = None,
) -> None:
    """Fail now if an output (option -> path) is a file this command reads, or a folder holding
    one, symbolic links resolved: every path of the ``--data`` dataset's tables (present or not)
    and each file of ``inputs`` (option -> path)."""
    from creator_audit.atomic import check_not_an_input
    from creator_audit.dataset.read import dataset_paths

    read = {option: [path] for option, path in (inputs or {}).items() if path is not None}
    if data is not None:
        read["--data"] = dataset_paths(data)
    for option, path in outputs.items():
        if path is not None:
            check_not_an_input(path, option, read)


def check_table_output(path: Path) -> str:
    """Fail now if ``path`` cannot be written as a table; what to say if it is replaced."""
    from creator_audit.atomic import check_writable_file

    if path.suffix not in (".parquet", ".csv"):
        fail(f"{path}: output must end in .parquet or .csv")
    check_writable_file(path)
    return replaced_note(path)


def check_models_dir(models_dir: Path) -> None:
    from creator_audit.atomic import check_writable_file

    if models_dir.exists() and not models_dir.is_dir():
        fail(f"--models-dir {models_dir} is a file, not a folder")
    check_writable_file(models_dir / f"creator-fraud-champion{BUNDLE_SUFFIX}")


def check_store_usable() -> None:
    """Fail now if the store exists and cannot be used; creating a new one waits until the input
    has been read (scoring.store.tracking.ensure_experiment)."""
    from scoring.store.location import check_store

    check_store()


def read_comments(path: Path) -> Any:
    import pandas as pd

    if path.suffix not in (".csv", ".parquet"):
        fail(f"{path}: comments must be .csv or .parquet")
    if not path.is_file():
        fail(f"{path} does not exist")
    table = pd.read_csv(path, dtype=str) if path.suffix == ".csv" else pd.read_parquet(path)
    if "text" not in table.columns:
        fail(f"{path} has no 'text' column (columns: {', '.join(map(str, table.columns))})")
    return table


def account_scorer(uri: str | None) -> AccountModel | None:
    """The given account model, or the registered champion if any (None when there is none)."""
    from scoring.account_model import AccountModel
    from scoring.store.loading import champion_account_model

    return _named_or_champion(uri, AccountModel, champion_account_model)


def comment_scorer(uri: str | None) -> CommentModel | None:
    """The given comment model, or the registered champion if any (None when there is none)."""
    from scoring.comment_model import CommentModel
    from scoring.store.loading import champion_comment_model

    return _named_or_champion(uri, CommentModel, champion_comment_model)


def _named_or_champion(
    uri: str | None, model_type: type[Scorer], champion: Callable[[], Scorer | None]
) -> Scorer | None:
    """``uri`` loaded as ``model_type``; None for 'none'; without a uri, ``champion()``."""
    from scoring.store.loading import load_any

    if uri is None:
        return champion()
    return None if uri.lower() == "none" else load_any(uri, model_type)


def run_on_dask(
    what: str,
    data: Path,
    out: Path,
    scheduler: str,
    worker_memory: str | None,
    force: bool,
    model: str | None = None,
    accounts_model: str | None = None,
    comments_model: str | None = None,
) -> None:
    """features / score on a Dask cluster; the same per-creator code, partitioned output."""
    from creator_audit.atomic import check_writable_directory
    from scaleout.cluster import connect
    from scaleout.jobs import features_frame, is_part_file, scores_frame, write_partitioned
    from scoring.store.loading import load_model

    if out.suffix != ".parquet":
        fail(f"{out}: with --scheduler the output is partitioned Parquet; name it *.parquet")
    check_writable_directory(out, force, is_part_file)
    replaced = replaced_note(out)
    if what == "score":
        assert model is not None
        frame = scores_frame(data, load_model(model))
    else:
        frame = features_frame(
            data,
            account_scorer(accounts_model),
            comment_scorer(comments_model),
        )
    with connect(scheduler, worker_memory) as client:
        typer.echo(
            f"dask: {len(client.scheduler_info()['workers'])} workers, "
            f"dashboard {client.dashboard_link}"
        )
        write_partitioned(frame, out, client, force=force)
    typer.echo(f"wrote {what} into {out}/ ({frame.npartitions} parts){replaced}")
