"""The ``creator-audit`` command line (CONTRACT.md §2).

Heavy imports happen inside each command, so ``creator-audit --help`` stays fast. Bad input exits
non-zero with one line naming the file, row and column at fault; nothing is written.
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, TypeVar

import typer

from creator_audit.messages import first_line
from scoring.store.names import (
    BUNDLE_SUFFIX,
    DEFAULT_ACCOUNT_MODEL_URI,
    DEFAULT_COMMENT_MODEL_URI,
    DEFAULT_MODEL_URI,
)

if TYPE_CHECKING:
    from creator_audit.dataset import Dataset
    from creator_audit.importers import Imported
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
Command = TypeVar("Command", bound=Callable[..., Any])
Scorer = TypeVar("Scorer")  # the account or the comment model


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


def _command(
    typer_app: typer.Typer, name: str | None = None, kernels: bool = False
) -> Callable[[Command], Command]:
    """Register a command whose failures on bad input exit 2 with one line naming what is wrong:
    bad data, outputs, bundles and stores (ValueError, LookupError, OSError, MLflow's errors).
    Any other exception is a bug and keeps its traceback, as do all with CREATOR_AUDIT_DEBUG=1.
    ``kernels``: the command computes features or scores, so the compiled kernels are made
    ready first (and a first-run compile is said)."""

    def register(command: Command) -> Command:
        @functools.wraps(command)
        def run(*args: Any, **kwargs: Any) -> Any:
            if kernels:
                _kernels_ready()
            try:
                return command(*args, **kwargs)
            except Exception as err:
                if os.environ.get("CREATOR_AUDIT_DEBUG") or not _is_bad_input(err):
                    raise
                _fail(_one_line(err))

        typer_app.command(name)(run)
        return command

    return register


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


def _replaced(path: Path) -> str:
    """What the output line adds when ``path`` exists before the command writes it."""
    if path.is_dir():
        return " (replaced the existing folder)" if any(path.iterdir()) else ""
    return " (replaced the existing file)" if path.exists() else ""


def _check_not_an_input(
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


def _check_file_output(path: Path) -> str:
    """Fail now if ``path`` cannot be written as a table; what to say if it is replaced."""
    from creator_audit.atomic import check_writable_file

    if path.suffix not in (".parquet", ".csv"):
        _fail(f"{path}: output must end in .parquet or .csv")
    check_writable_file(path)
    return _replaced(path)


def _check_models_dir(models_dir: Path) -> None:
    from creator_audit.atomic import check_writable_file

    if models_dir.exists() and not models_dir.is_dir():
        _fail(f"--models-dir {models_dir} is a file, not a folder")
    check_writable_file(models_dir / f"creator-fraud-champion{BUNDLE_SUFFIX}")


def _check_store() -> None:
    """Point MLflow at its store and fail now if it exists and cannot be used; creating a new
    one waits until the input has been read (scoring.store.tracking.ensure_experiment)."""
    from scoring.store.location import check_store, configure_tracking

    configure_tracking()
    check_store()


@_command(app)
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
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
) -> None:
    """Write a labelled synthetic dataset with every table of the contract."""
    from creator_audit.dataset.write import FORMATS
    from creator_audit.progress import stage
    from creator_audit.simulator import generate_to_dir
    from creator_audit.simulator.generate import generate_steps

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    replaced = _replaced(out)
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


@_command(app, kernels=True)
def features(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (CONTRACT.md §1).")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    accounts_model: Annotated[
        str | None, typer.Option("--accounts-model", help=ACCOUNT_MODEL_HELP)
    ] = None,
    comments_model: Annotated[
        str | None, typer.Option("--comments-model", help=COMMENT_MODEL_HELP)
    ] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help=SCHEDULER_HELP)] = None,
    worker_memory: Annotated[
        str | None, typer.Option("--worker-memory", help=WORKER_MEMORY_HELP)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
) -> None:
    """Write the model input table: one row per creator, the exact feature columns."""
    from creator_audit.dataset import read_dataset, write_table
    from creator_audit.progress import stage
    from features import build_features

    _check_not_an_input({"--out": out}, data)
    if scheduler is not None:
        scorers = {"accounts_model": accounts_model, "comments_model": comments_model}
        _on_dask("features", data, out, scheduler, worker_memory, force, **scorers)
        return
    replaced = _check_file_output(out)
    account_model, comment_model = _account_model(accounts_model), _comment_model(comments_model)
    with stage(f"read {data}", typer.echo):
        dataset = read_dataset(data, with_labels=False)
    with stage(f"features of {len(dataset.creators):,} creators", typer.echo):
        table = build_features(dataset, account_model, comment_model).reset_index()
    with stage(f"write {out}", typer.echo):
        write_table(table, out)
    typer.echo(f"wrote {len(table)} creators x {table.shape[1] - 1} features to {out}{replaced}")


@_command(app, kernels=True)
def train(
    data: Annotated[Path, typer.Option("--data", help="Labelled dataset directory.")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Split and model seed.")] = 0,
    models_dir: Annotated[Path, typer.Option("--models-dir", help="Where bundles go.")] = Path(
        "models"
    ),
    accounts_model: Annotated[
        str | None, typer.Option("--accounts-model", help=ACCOUNT_MODEL_HELP)
    ] = None,
    comments_model: Annotated[
        str | None, typer.Option("--comments-model", help=COMMENT_MODEL_HELP)
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Train on Dask with lightgbm.dask: 'local' or ADDRESS."),
    ] = None,
    worker_memory: Annotated[
        str | None, typer.Option("--worker-memory", help=WORKER_MEMORY_HELP)
    ] = None,
) -> None:
    """Train, evaluate on a held-out split, log to MLflow, register; gate the champion alias."""
    from training.train import train as run_training

    _check_models_dir(models_dir)
    _check_store()
    scorers = {
        "account_model": _account_model(accounts_model),
        "comment_model": _comment_model(comments_model),
    }
    if scheduler is not None:
        from scaleout.cluster import connect
        from scaleout.train import train_on_dask

        with connect(scheduler, worker_memory) as client:
            typer.echo(f"dask: dashboard {client.dashboard_link}")
            result = train_on_dask(data, client, seed, models_dir, typer.echo, **scorers)
    else:
        result = run_training(data, seed=seed, models_dir=models_dir, log=typer.echo, **scorers)
    m = result.test.metrics
    typer.echo(
        f"run {result.run_id}: test macro-F1 {m['macro_f1']:.4f}, ROC-AUC {m['roc_auc_ovr']:.4f}; "
        + ", ".join(f"{k} macro-F1 {v['macro_f1']:.4f}" for k, v in result.baselines.items())
    )


@_command(app, kernels=True)
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="Labelled dataset directory.")],
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
    compare: Annotated[
        str | None, typer.Option("--compare", help="A second model to set side by side.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Report directory.")] = Path("evaluation"),
) -> None:
    """Offline evaluation: metrics.json and a report with plots; logged to MLflow."""
    from creator_audit.atomic import check_writable_file
    from evaluation.offline_evaluation import evaluate_offline

    _check_not_an_input({"--out": out}, data)
    if out.exists() and not out.is_dir():
        _fail(f"{out} is a file; --out names the report's folder")
    check_writable_file(out / "metrics.json")
    _check_store()
    summary = evaluate_offline(data, model, out, compare_uri=compare, log=typer.echo)
    typer.echo(summary)


@_command(app, kernels=True)
def score(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (labels not needed).")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help=SCHEDULER_HELP)] = None,
    worker_memory: Annotated[
        str | None, typer.Option("--worker-memory", help=WORKER_MEMORY_HELP)
    ] = None,
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
) -> None:
    """Batch scores for every creator, with every field of CONTRACT.md §3."""
    from creator_audit.dataset import read_dataset, write_table
    from creator_audit.progress import stage
    from scoring.scores import score_dataset
    from scoring.store.loading import load_model
    from scoring.store.location import configure_tracking

    _check_not_an_input({"--out": out}, data)
    if scheduler is not None:
        _on_dask("score", data, out, scheduler, worker_memory, force, model=model)
        return
    replaced = _check_file_output(out)
    configure_tracking()
    loaded = load_model(model)
    with stage(f"read {data}", typer.echo):
        dataset = read_dataset(data, with_labels=False)
    with stage(f"score {len(dataset.creators):,} creators", typer.echo):
        table = score_dataset(loaded, dataset, threads=0)  # batch: LightGBM on every core
    with stage(f"write {out}", typer.echo):
        write_table(table, out)
    flagged = (table["label"] != "genuine").mean() if len(table) else 0.0
    typer.echo(f"scored {len(table)} creators ({flagged:.1%} flagged) into {out}{replaced}")


@_command(app, kernels=True)
def explain(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (labels not needed).")],
    out: Annotated[Path, typer.Option("--out", help="The audit page to write, .html.")],
    creator: Annotated[str | None, typer.Option("--creator", help="One creator id.")] = None,
    creators: Annotated[
        Path | None,
        typer.Option(
            "--creators",
            help="Many creators: a text file with one id per line, or a .csv/.parquet file with "
            "a creator_id column. The page then holds one section per creator.",
        ),
    ] = None,
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
) -> None:
    """An audit page per creator: verdict, reasons in words, and the evidence against genuine
    creators of the same size. One self-contained HTML file, printable."""
    from creator_audit.atomic import check_writable_file
    from creator_audit.dataset import read_dataset
    from evaluation.audit import read_creator_ids, write_audit_page
    from scoring.store.loading import load_model
    from scoring.store.location import configure_tracking

    _check_not_an_input({"--out": out}, data, {"--creators": creators})
    if out.suffix not in (".html", ".htm"):
        _fail(f"{out}: the audit page must end in .html")
    if creator is None and creators is None:
        _fail("name the creator(s): --creator ID or --creators FILE")
    ids = ([creator] if creator is not None else []) + (
        read_creator_ids(creators) if creators is not None else []
    )
    check_writable_file(out)
    replaced = _replaced(out)
    configure_tracking()
    loaded = load_model(model)
    dataset = read_dataset(data)
    write_audit_page(loaded, dataset, ids, out, source=str(data))
    count = len(dict.fromkeys(ids))
    typer.echo(f"wrote the audit page of {count} creator(s) to {out}{replaced}")


@_command(app, kernels=True)
def monitor(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (labels not needed).")],
    out: Annotated[Path, typer.Option("--out", help="Folder for drift.json and drift.html.")],
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
) -> None:
    """Drift: every feature and the predictions against the model's training reference (PSI).
    Writes drift.json and drift.html; exits 0 either way, the verdict is in the files."""
    from creator_audit.atomic import check_writable_file
    from creator_audit.progress import stage
    from evaluation.monitor import monitor as run_monitor
    from scoring.store.location import configure_tracking

    _check_not_an_input({"--out": out}, data)
    if out.exists() and not out.is_dir():
        _fail(f"{out} is a file; --out names the folder for drift.json and drift.html")
    check_writable_file(out / "drift.json")
    configure_tracking()
    with stage("drift", typer.echo):
        report = run_monitor(data, model, out, log=typer.echo)
    moved = [name for name, f in report.features.items() if f["drifted"]]
    verdict = "DRIFTED" if report.drifted else "no drift"
    detail = f"; features: {', '.join(moved)}" if moved else ""
    if report.predictions["drifted"]:
        detail += "; predictions moved"
    typer.echo(f"{verdict} ({report.n_creators:,} creators){detail}; see {out / 'drift.html'}")


@_command(app, "check-genuine", kernels=True)
def check_genuine(
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
    data: Annotated[
        Path | None,
        typer.Option(
            "--data", help=f"InstaFake genuine JSON, read as it is ({REAL_DATA_DEFAULT})."
        ),
    ] = None,
) -> None:
    """Score real accounts known to be genuine; print the share flagged as fraud."""
    from evaluation.real_genuine_check import check_real_genuine
    from scoring.store.loading import load_model
    from scoring.store.location import configure_tracking

    configure_tracking()
    typer.echo(check_real_genuine(load_model(model), data).message)


@_command(app)
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


@_command(accounts_app, "train", kernels=True)
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

    _check_models_dir(models_dir)
    _check_store()
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


@_command(accounts_app, "score", kernels=True)
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
    from scoring.store.location import configure_tracking

    _check_not_an_input({"--out": out, "--summary": summary}, inputs={"--input": input_file})
    replaced = _check_file_output(out)
    if summary is not None:
        if summary.resolve() == out.resolve():
            _fail("--summary and --out name the same file")
        summary_replaced = _check_file_output(summary)
    configure_tracking()
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


@_command(comments_app, "train", kernels=True)
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
    """Train the comment model on real labelled comments; judge it on held-out accounts."""
    from training.comments import train_comments

    _check_models_dir(models_dir)
    _check_store()
    result = train_comments(data, seed=seed, models_dir=models_dir, log=typer.echo)
    figures = ", ".join(f"{name} ROC-AUC {g.roc_auc:.4f}" for name, g in result.grouped.items())
    typer.echo(f"run {result.run_id}: held-out accounts: {figures}")


@_command(comments_app, "score", kernels=True)
def comments_score(
    input_file: Annotated[
        Path, typer.Option("--input", help="Comments (.csv/.parquet) with a text column.")
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
    from scoring.store.location import configure_tracking

    _check_not_an_input({"--out": out}, inputs={"--input": input_file})
    replaced = _check_file_output(out)
    table = _read_comments(input_file)  # a bad file is named before any model is loaded
    configure_tracking()
    loaded = load_any(model, CommentModel)
    known = table["text"].notna().to_numpy()
    p_spam = np.full(len(table), np.nan)
    p_spam[known] = loaded.p_spam(table.loc[known, "text"].astype(str).tolist())
    table["p_spam"] = p_spam
    table["is_spam"] = pd.array(np.where(known, p_spam >= loaded.threshold, None), dtype="boolean")
    write_table(table, out)
    typer.echo(
        f"scored {int(known.sum())} comments into {out}{replaced}: "
        f"{np.nanmean(p_spam >= loaded.threshold) if known.any() else 0:.1%} look like spam"
    )


@_command(data_app, "fetch")
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


@_command(model_app, "convert")
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
    from scoring.store.location import configure_tracking

    if not trust:
        _fail(
            f"converting {source} unpickles it, and unpickling runs any code the file holds; "
            f"if you trust it, run: creator-audit model convert --trust {shlex.quote(source)}"
        )
    target = out or converted_path(source)
    check_writable_file(target)
    replaced = _replaced(target)
    configure_tracking()
    converted = convert_pickled_bundle(source, target)
    typer.echo(f"converted {source} ({type(converted).__name__}) into {target}{replaced}")


@_command(import_app, "instaloader")
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
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
) -> None:
    """Import instaloader downloads: creators, posts (a hidden like count stays missing) and
    every comment and answer as engagements."""
    from creator_audit.importers import from_instaloader

    _import(folders, out, fmt, force, from_instaloader)


@_command(import_app, "graph-api")
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
    force: Annotated[bool, typer.Option("--force", help=FORCE_HELP)] = False,
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
        _fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    check_not_an_input(out, "--out", {"the import": sources})
    check_writable_directory(out, force, is_dataset_entry)
    replaced = _replaced(out)
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


def _read_comments(path: Path) -> Any:
    import pandas as pd

    if path.suffix not in (".csv", ".parquet"):
        _fail(f"{path}: comments must be .csv or .parquet")
    if not path.is_file():
        _fail(f"{path} does not exist")
    table = pd.read_csv(path, dtype=str) if path.suffix == ".csv" else pd.read_parquet(path)
    if "text" not in table.columns:
        _fail(f"{path} has no 'text' column (columns: {', '.join(map(str, table.columns))})")
    return table


def _account_model(uri: str | None) -> AccountModel | None:
    """The given account model, or the registered champion if any (None when there is none)."""
    from scoring.account_model import AccountModel
    from scoring.store.loading import champion_account_model

    return _named_or_champion(uri, AccountModel, champion_account_model)


def _comment_model(uri: str | None) -> CommentModel | None:
    """The given comment model, or the registered champion if any (None when there is none)."""
    from scoring.comment_model import CommentModel
    from scoring.store.loading import champion_comment_model

    return _named_or_champion(uri, CommentModel, champion_comment_model)


def _named_or_champion(
    uri: str | None, model_type: type[Scorer], champion: Callable[[], Scorer | None]
) -> Scorer | None:
    """``uri`` loaded as ``model_type``; None for 'none'; without a uri, ``champion()``."""
    from scoring.store.loading import load_any
    from scoring.store.location import configure_tracking

    configure_tracking()
    if uri is None:
        return champion()
    return None if uri.lower() == "none" else load_any(uri, model_type)


def _on_dask(
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
    from scoring.store.location import configure_tracking

    if out.suffix != ".parquet":
        _fail(f"{out}: with --scheduler the output is partitioned Parquet; name it *.parquet")
    check_writable_directory(out, force, is_part_file)
    replaced = _replaced(out)
    if what == "score":
        assert model is not None
        configure_tracking()
        frame = scores_frame(data, load_model(model))
    else:
        frame = features_frame(data, _account_model(accounts_model), _comment_model(comments_model))
    with connect(scheduler, worker_memory) as client:
        typer.echo(
            f"dask: {len(client.scheduler_info()['workers'])} workers, "
            f"dashboard {client.dashboard_link}"
        )
        write_partitioned(frame, out, client, force=force)
    typer.echo(f"wrote {what} into {out}/ ({frame.npartitions} parts){replaced}")


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
