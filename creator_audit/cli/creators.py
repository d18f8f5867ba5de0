"""The creator model's commands: train, evaluate, score, explain, shortlist, monitor,
check-genuine."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    pass

from creator_audit.cli.common import (
    DEFAULT_MODEL,
    MODEL_HELP,
    REAL_DATA_DEFAULT,
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
    check_models_dir,
    check_store_usable,
    check_table_output,
    cli_command,
    comment_scorer,
    cut_to,
    fail,
    refuse_input_as_output,
    replaced_note,
    run_on_dask,
)


@cli_command(app, kernels=True, store=True)
def train(
    data: Annotated[Path, typer.Option("--data", help="Labelled dataset directory.")],
    seed: Annotated[int, typer.Option("--seed", min=0, help="Split and model seed.")] = 0,
    models_dir: Annotated[Path, typer.Option("--models-dir", help="Where bundles go.")] = Path(
        "models"
    ),
    accounts_model: AccountsModel = None,
    comments_model: CommentsModel = None,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Train on Dask with lightgbm.dask: 'local' or ADDRESS."),
    ] = None,
    worker_memory: WorkerMemory = None,
) -> None:
    """Train, evaluate on a held-out split, log to MLflow, register; gate the champion alias."""
    from training.train import train as run_training

    check_models_dir(models_dir)
    check_store_usable()
    scorers = {
        "account_model": account_scorer(accounts_model),
        "comment_model": comment_scorer(comments_model),
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


@cli_command(app, kernels=True, store=True)
def evaluate(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="Labelled dataset directory (may be left out with --inject)."),
    ] = None,
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
    compare: Annotated[
        str | None, typer.Option("--compare", help="A second model to set side by side.")
    ] = None,
    out: Annotated[Path, typer.Option("--out", help="Report directory.")] = Path("evaluation"),
    inject: Annotated[
        bool,
        typer.Option(
            "--inject",
            help="Also inject each kind of fraud (bought followers, bought likes, a pod) at graded "
            "strengths into the real genuine InstaFake creators and report how many the model "
            "flags, beside them untouched: injection.md and injection.json in --out, and in the "
            f"report with --data. Alone, without --data ({REAL_DATA_DEFAULT}).",
        ),
    ] = False,
    seed: Annotated[
        int, typer.Option("--seed", min=0, help="Seed of --inject's draws (same seed, same table).")
    ] = 0,
) -> None:
    """Offline evaluation: metrics.json and a report with plots; logged to MLflow. With --inject,
    how much injected fraud the model sees on real genuine creators."""
    from creator_audit.atomic import check_writable_file
    from evaluation.offline_evaluation import evaluate_injected, evaluate_offline

    if data is None and not inject:
        fail("name the labelled data to evaluate on (--data DIR), or --inject for the injection")
    if data is None and compare is not None:
        fail("--compare sets two models side by side on --data; name the data")
    refuse_input_as_output({"--out": out}, data)
    if out.exists() and not out.is_dir():
        fail(f"{out} is a file; --out names the report's folder")
    check_writable_file(out / ("metrics.json" if data is not None else "injection.md"))
    check_store_usable()
    if data is None:
        typer.echo(evaluate_injected(model, out, seed, log=typer.echo))
        return
    inject_seed = seed if inject else None
    summary = evaluate_offline(data, model, out, compare, typer.echo, inject_seed)
    typer.echo(summary)


@cli_command(app, kernels=True, store=True)
def score(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (labels not needed).")],
    out: Annotated[Path, typer.Option("--out", help="Output file, .parquet or .csv.")],
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
    scheduler: Scheduler = None,
    worker_memory: WorkerMemory = None,
    force: Force = False,
    as_of: AsOfTime = None,
    skip_later: SkipLater = False,
) -> None:
    """Batch scores for every creator, with every field of CONTRACT.md §3.

    With --as-of, the scores as of that past time, each with what it rests on (an as_of column).
    """
    from creator_audit.dataset import read_dataset, write_table
    from creator_audit.progress import stage
    from scoring.scores import score_dataset
    from scoring.store.loading import load_model

    refuse_input_as_output({"--out": out}, data)
    at = as_of_seconds(as_of, scheduler)
    if scheduler is not None:
        run_on_dask("score", data, out, scheduler, worker_memory, force, model=model)
        return
    replaced = check_table_output(out)
    loaded = load_model(model)
    with stage(f"read {data}", typer.echo):
        dataset = cut_to(read_dataset(data, with_labels=False), at, skip_later)
    with stage(f"score {len(dataset.creators):,} creators", typer.echo):
        table = score_dataset(loaded, dataset, threads=0)  # batch: LightGBM on every core
    with stage(f"write {out}", typer.echo):
        write_table(table, out)
    flagged = (table["label"] != "genuine").mean() if len(table) else 0.0
    typer.echo(f"scored {len(table)} creators ({flagged:.1%} flagged) into {out}{replaced}")


@cli_command(app, kernels=True, store=True)
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
    as_of: Annotated[
        list[str] | None,
        typer.Option(
            "--as-of",
            metavar="TIMESTAMP",
            help="The page as of this past time (ISO-8601 with an offset, or unix seconds): only "
            "what could be seen then. Repeat it to add a timeline of the verdict at each time "
            "given; the page is then as of the latest.",
        ),
    ] = None,
    timeline: Annotated[
        bool,
        typer.Option(
            "--timeline",
            help="Add a timeline of the verdict as of each month-end since the creator's first "
            "post (the last 24), up to the page's time.",
        ),
    ] = False,
) -> None:
    """An audit page per creator: verdict, reasons in words, and the evidence against genuine
    creators of the same size. One self-contained HTML file, printable."""
    from creator_audit.atomic import check_writable_file
    from creator_audit.dataset import read_dataset
    from evaluation.audit import read_creator_ids, write_audit_page
    from evaluation.audit.timeline import MONTHLY
    from scoring.store.loading import load_model

    refuse_input_as_output({"--out": out}, data, {"--creators": creators})
    times = [as_of_seconds(value) for value in as_of or []]
    if out.suffix not in (".html", ".htm"):
        fail(f"{out}: the audit page must end in .html")
    if creator is None and creators is None:
        fail("name the creator(s): --creator ID or --creators FILE")
    ids = ([creator] if creator is not None else []) + (
        read_creator_ids(creators) if creators is not None else []
    )
    check_writable_file(out)
    replaced = replaced_note(out)
    loaded = load_model(model)
    dataset = read_dataset(data)
    page_time = max(times, default=None)
    series = MONTHLY if timeline else (times if len(times) > 1 else None)
    write_audit_page(loaded, dataset, ids, out, str(data), page_time, series)
    count = len(dict.fromkeys(ids))
    typer.echo(f"wrote the audit page of {count} creator(s) to {out}{replaced}")


@cli_command(app, kernels=True, store=True)
def shortlist(
    data: Annotated[Path, typer.Option("--data", help="Dataset directory (labels not needed).")],
    out: Annotated[
        Path,
        typer.Option(
            "--out",
            help="The shortlist: .html (a sortable page, with the creators' audit page beside "
            "it as NAME_audit.html) or .csv (the table).",
        ),
    ],
    creators: Annotated[
        Path | None,
        typer.Option(
            "--creators",
            help="The creators to compare: a text file with one id per line, or a .csv/.parquet "
            "file with a creator_id column. Default: every creator of --data.",
        ),
    ] = None,
    prices: Annotated[
        Path | None,
        typer.Option(
            "--prices",
            help="Price of a post per creator: .csv/.parquet with creator_id, price and "
            "optionally currency. Adds the cost per 1,000 real followers and per real engagement.",
        ),
    ] = None,
    model: Annotated[str, typer.Option("--model", help=MODEL_HELP)] = DEFAULT_MODEL,
) -> None:
    """The creators a brand is choosing between, one row each: verdict, fraud score, fake
    followers, real audience, authentic engagement and, with prices, what they cost."""
    from creator_audit.atomic import check_writable_file
    from creator_audit.dataset import read_dataset
    from evaluation.audit import read_creator_ids
    from evaluation.shortlist import (
        HTML_SUFFIXES,
        OUTPUT_SUFFIXES,
        audit_page_path,
        build_shortlist,
        check_page_size,
        read_prices,
        write_shortlist,
    )
    from scoring.store.loading import load_model

    html = out.suffix in HTML_SUFFIXES
    outputs = {"--out": out, "its audit page": audit_page_path(out) if html else None}
    refuse_input_as_output(outputs, data, {"--creators": creators, "--prices": prices})
    if out.suffix not in OUTPUT_SUFFIXES:
        fail(f"{out}: the shortlist must end in .html or .csv")
    ids = read_creator_ids(creators) if creators is not None else None
    price_table = read_prices(prices) if prices is not None else None
    for path in filter(None, outputs.values()):
        check_writable_file(path)
    replaced = replaced_note(out)
    loaded = load_model(model)
    dataset = read_dataset(data)
    if html:
        check_page_size(len(dataset.creators) if ids is None else len(dict.fromkeys(ids)))
    found = build_shortlist(
        loaded, dataset, ids, price_table, source=str(data), prices_source=str(prices)
    )
    written = write_shortlist(found, loaded, out, str(data), priced=price_table is not None)
    beside = f" and their audit page to {written[0]}" if html else ""
    typer.echo(f"wrote the shortlist of {len(found.rows)} creator(s) to {out}{beside}{replaced}")


@cli_command(app, kernels=True, store=True)
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

    refuse_input_as_output({"--out": out}, data)
    if out.exists() and not out.is_dir():
        fail(f"{out} is a file; --out names the folder for drift.json and drift.html")
    check_writable_file(out / "drift.json")
    with stage("drift", typer.echo):
        report = run_monitor(data, model, out, log=typer.echo)
    moved = [name for name, f in report.features.items() if f["drifted"]]
    verdict = "DRIFTED" if report.drifted else "no drift"
    detail = f"; features: {', '.join(moved)}" if moved else ""
    if report.predictions["drifted"]:
        detail += "; predictions moved"
    typer.echo(f"{verdict} ({report.n_creators:,} creators){detail}; see {out / 'drift.html'}")


@cli_command(app, "check-genuine", kernels=True, store=True)
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

    typer.echo(check_real_genuine(load_model(model), data).message)
