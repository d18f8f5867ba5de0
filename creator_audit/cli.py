"""The ``creator-audit`` command line (CONTRACT.md §2).

Heavy imports happen inside each command, so ``creator-audit --help`` stays fast. Bad input exits
non-zero with one line naming the file, row and column at fault; nothing is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

if TYPE_CHECKING:
    from training.account_model import AccountModel

app = typer.Typer(
    name="creator-audit",
    help="Catch influencer-marketing fraud: fake followers, engagement pods, bought engagement.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

EXIT_BAD_INPUT = 2
DEFAULT_MODEL = "models:/creator-fraud@champion"
DEFAULT_ACCOUNT_MODEL = "models:/account-authenticity@champion"
MODEL_HELP = "MLflow model URI, or the path of a bundle exported under models/."
SCHEDULER_HELP = (
    "Run on Dask: 'local' starts a LocalCluster (one worker per core), anything else is a "
    "scheduler address (tcp://host:8786). Output is then partitioned Parquet (a directory)."
)
WORKER_MEMORY_HELP = "Memory limit per local Dask worker, e.g. 2GiB (default: RAM / workers)."
ACCOUNT_MODEL_HELP = (
    "Account model (MLflow URI or bundle) that judges sampled followers; 'none' for none. "
    "Default: the registered champion if there is one; without one the fake-share features "
    "are missing."
)

accounts_app = typer.Typer(
    help="The account model: is this single account (a follower) fake?", no_args_is_help=True
)
app.add_typer(accounts_app, name="accounts")


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)


@app.command()
def generate(
    out: Annotated[Path, typer.Option("--out", help="Directory to write the dataset into.")],
    creators: Annotated[int, typer.Option("--creators", min=1, help="Number of creators.")] = 3000,
    seed: Annotated[int, typer.Option("--seed", help="Random seed; same seed, same bytes.")] = 0,
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
) -> None:
    """Write a labelled synthetic dataset with every table of the contract."""
    from creator_audit.dataset.write import FORMATS
    from creator_audit.simulator import generate_to_dir

    if fmt not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    try:
        path = generate_to_dir(
            out,
            n_creators=creators,
            seed=seed,
            fmt=fmt,
            part_creators=part_creators,
            likes_cap=likes_cap,
        )
    except ValueError as err:
        _fail(str(err))
    typer.echo(f"wrote {creators} creators to {path}")


@app.command()
def features(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (CONTRACT.md §1).")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    accounts_model: Annotated[
        str | None, typer.Option("--accounts-model", help=ACCOUNT_MODEL_HELP)
    ] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help=SCHEDULER_HELP)] = None,
    worker_memory: Annotated[
        str | None, typer.Option("--worker-memory", help=WORKER_MEMORY_HELP)
    ] = None,
) -> None:
    """Write the model input table: one row per creator, the exact feature columns."""
    from creator_audit.dataset import read_dataset, write_table
    from creator_audit.dataset.errors import DatasetError
    from features import build_features

    _check_table_extension(out)
    if scheduler is not None:
        _on_dask("features", data, out, scheduler, worker_memory, accounts_model=accounts_model)
        return
    try:
        dataset = read_dataset(data)
        account_model = _account_model(accounts_model)
    except (DatasetError, LookupError, FileNotFoundError, ValueError) as err:
        _fail(str(err))
    table = build_features(dataset, account_model).reset_index()
    write_table(table, out)
    typer.echo(f"wrote {len(table)} creators x {table.shape[1] - 1} features to {out}")


@app.command()
def train(
    data: Annotated[Path, typer.Option("--data", help="Labelled dataset directory.")],
    seed: Annotated[int, typer.Option("--seed", help="Split and model seed.")] = 0,
    models_dir: Annotated[Path, typer.Option("--models-dir", help="Where bundles go.")] = Path(
        "models"
    ),
    accounts_model: Annotated[
        str | None, typer.Option("--accounts-model", help=ACCOUNT_MODEL_HELP)
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
    from creator_audit.dataset.errors import DatasetError
    from training.train import train as run_training

    try:
        account_model = _account_model(accounts_model)
        if scheduler is not None:
            from scaleout.cluster import connect
            from scaleout.train import train_on_dask

            with connect(scheduler, worker_memory) as client:
                typer.echo(f"dask: dashboard {client.dashboard_link}")
                result = train_on_dask(
                    data, client, seed, models_dir, typer.echo, account_model=account_model
                )
        else:
            result = run_training(
                data, seed=seed, models_dir=models_dir, log=typer.echo, account_model=account_model
            )
    except (DatasetError, ValueError, LookupError, FileNotFoundError) as err:
        _fail(str(err))
    m = result.test.metrics
    typer.echo(
        f"run {result.run_id}: test macro-F1 {m['macro_f1']:.4f}, ROC-AUC {m['roc_auc_ovr']:.4f}; "
        + ", ".join(f"{k} macro-F1 {v['macro_f1']:.4f}" for k, v in result.baselines.items())
    )


@app.command()
def evaluate(
    data: Annotated[Path, typer.Option("--data", help="Labelled dataset directory.")],
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
    compare: Annotated[
        str | None, typer.Option("--compare", help="A second model to set side by side.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Report directory.")] = Path("evaluation"),
) -> None:
    """Offline evaluation: metrics.json and a report with plots; logged to MLflow."""
    from creator_audit.dataset.errors import DatasetError
    from training.offline import evaluate_offline

    try:
        summary = evaluate_offline(data, model, out, compare_uri=compare, log=typer.echo)
    except (DatasetError, ValueError, LookupError, FileNotFoundError) as err:
        _fail(str(err))
    typer.echo(summary)


@app.command()
def score(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (labels not needed).")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help=SCHEDULER_HELP)] = None,
    worker_memory: Annotated[
        str | None, typer.Option("--worker-memory", help=WORKER_MEMORY_HELP)
    ] = None,
) -> None:
    """Batch scores for every creator, with every field of CONTRACT.md §3."""
    from creator_audit.dataset import read_dataset, write_table
    from creator_audit.dataset.errors import DatasetError
    from serving.batch import score_dataset
    from training.registry import load_model
    from training.tracking import configure_tracking

    _check_table_extension(out)
    if scheduler is not None:
        _on_dask("score", data, out, scheduler, worker_memory, model=model)
        return
    configure_tracking()
    try:
        dataset = read_dataset(data)
        loaded = load_model(model)
    except (DatasetError, LookupError, FileNotFoundError, ValueError) as err:
        _fail(str(err))
    loaded.predict_threads = 0  # batch: let LightGBM use every core
    table = score_dataset(loaded, dataset)
    write_table(table, out)
    flagged = (table["label"] != "genuine").mean() if len(table) else 0.0
    typer.echo(f"scored {len(table)} creators ({flagged:.1%} flagged) into {out}")


@app.command("check-genuine")
def check_genuine(
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="InstaFake genuine JSON (default: the shared data folder)."),
    ] = None,
) -> None:
    """Score real accounts known to be genuine; print the share flagged as fraud."""
    from training.realcheck import check_real_genuine
    from training.registry import load_model
    from training.tracking import configure_tracking

    configure_tracking()
    try:
        result = check_real_genuine(load_model(model), data)
    except (LookupError, FileNotFoundError, ValueError) as err:
        _fail(str(err))
    typer.echo(result.message)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host", help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535)] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Worker processes.")] = 1,
    model: Annotated[
        str | None, typer.Option("--model", help=MODEL_HELP + " Default: the settings'.")
    ] = None,
    access_log: Annotated[bool, typer.Option(help="Log one line per request.")] = True,
) -> None:
    """The real-time scoring API (CONTRACT.md §4); settings from CREATOR_AUDIT_* variables."""
    import os

    from serving.workers import serve as run_server

    if model is not None:
        os.environ["CREATOR_AUDIT_MODEL_URI"] = model  # workers read settings from the environment
    try:
        run_server(host, port, workers, access_log)
    except ValueError as err:
        _fail(str(err))


@accounts_app.command("train")
def accounts_train(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Real labelled account data (default: ../shared/data)."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Model seed.")] = 0,
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
    from training.tracking import configure_tracking

    configure_tracking()
    try:
        result = train_accounts(
            data,
            seed=seed,
            models_dir=models_dir,
            log=typer.echo,
            purba_fake_classes=tuple(c.strip() for c in purba_fake.split(",") if c.strip()),
        )
    except (FileNotFoundError, ValueError) as err:
        _fail(str(err))
    common = result.held_out[result.held_out["fields"] == "common"]
    typer.echo(
        f"run {result.run_id}: held-out sources, poorest source's fields: "
        + ", ".join(
            f"{r.source} ROC-AUC {r.auc:.3f} (rule {r.rule_auc:.3f}, real flagged {r.fpr:.1%})"
            for r in common.itertuples()
        )
    )


@accounts_app.command("score")
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
    from creator_audit.dataset.errors import DatasetError
    from features.accounts import audience_summary
    from training.registry import load_account_model
    from training.tracking import configure_tracking

    _check_table_extension(out)
    if summary is not None:
        _check_table_extension(summary)
        if summary.resolve() == out.resolve():
            _fail("--summary and --out name the same file")
    configure_tracking()
    try:
        accounts = read_accounts(input_file)
        loaded = load_account_model(model)
    except (DatasetError, LookupError, FileNotFoundError, ValueError) as err:
        _fail(str(err))
    loaded.predict_threads = 0
    table = accounts.join(loaded.score(accounts))  # the input columns, then the scores
    report = None if summary is None else audience_summary(accounts, table, loaded.share_rates)
    write_table(table, out)
    counts = table["audience_type"].value_counts()
    typer.echo(
        f"scored {len(table)} accounts into {out}: "
        + ", ".join(f"{k} {v}" for k, v in counts.items())
    )
    if report is not None and summary is not None:
        write_table(report, summary)
        typer.echo(f"audience report for {len(report)} creator(s) into {summary}")


def _account_model(uri: str | None) -> AccountModel | None:
    """The given account model, or the registered champion if any (None when there is none)."""
    from training.registry import champion_account_model, load_account_model
    from training.tracking import configure_tracking

    configure_tracking()
    if uri is None:
        return champion_account_model()
    return None if uri.lower() == "none" else load_account_model(uri)


def _on_dask(
    what: str,
    data: Path,
    out: Path,
    scheduler: str,
    worker_memory: str | None,
    model: str | None = None,
    accounts_model: str | None = None,
) -> None:
    """features / score on a Dask cluster; the same per-creator code, partitioned output."""
    from creator_audit.dataset.errors import DatasetError
    from scaleout.batch import features_frame, scores_frame, write_partitioned
    from scaleout.cluster import connect
    from training.registry import load_model
    from training.tracking import configure_tracking

    if out.suffix != ".parquet":
        _fail(f"{out}: with --scheduler the output is partitioned Parquet; name it *.parquet")
    try:
        if what == "score":
            assert model is not None
            configure_tracking()
            frame = scores_frame(data, load_model(model))
        else:
            frame = features_frame(data, _account_model(accounts_model))
        with connect(scheduler, worker_memory) as client:
            typer.echo(
                f"dask: {len(client.scheduler_info()['workers'])} workers, "
                f"dashboard {client.dashboard_link}"
            )
            write_partitioned(frame, out, client)
    except (DatasetError, LookupError, FileNotFoundError, ValueError) as err:
        _fail(str(err))
    typer.echo(f"wrote {what} into {out}/ ({frame.npartitions} parts)")


def _check_table_extension(path: Path) -> None:
    if path.suffix not in (".parquet", ".csv"):
        _fail(f"{path}: output must end in .parquet or .csv")


def main() -> None:  # pragma: no cover - console entry point
    sys.exit(app())
