"""``creator-audit comments train``: the comment model, judged on groups of comments it has never
seen.

The data, both real and labelled by hand:

- ScamSpot's Instagram comments under posts of 19 finance and crypto accounts
  (``../shared/data/scamspot``), ``real`` or ``scam``; ``unknown`` comments stay out of training
  and evaluation (:func:`unknown_mix` shows they are a mix of both, not a third kind);
- the YouTube Spam Collection (``youtube-spam/``): five music videos' comments, ``spam`` (self
  promotion, links) or ``ham``, with their authors.

A group is a ScamSpot account or a YouTube video. Evaluation holds each group out in turn, the
scorers trained on every other group of both sources (``training.comment_sources``), and reports
per source the model beside a plain tf-idf + logistic regression and the word-list rule of the
creator features (``features.engagers``).

The registered model is fit on a fixed three quarters of each source's groups (chosen by a hash
of the name, so the split does not move with ``--seed``); the others are the gate's test groups,
on which a new version must beat the word-list rule and at least match the current champion.
"""

from __future__ import annotations

import hashlib
import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import mlflow
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

import creator_audit
from creator_audit.dataset.real_data import (
    FETCH_HINT,
    SHARED_LAYOUT,
    RealFile,
    find,
    locate,
    real_data_dir,
)
from creator_audit.simulator import text as simulated
from scoring.comment_model import C as COMMENT_C
from scoring.comment_model import CommentModel
from scoring.pyfunc import COMMENT_MODEL_CODE
from scoring.store.location import configure_tracking
from scoring.store.names import COMMENT_MODEL_NAME
from scoring.store.registry import (
    GateDecision,
    on_fixed_test_data,
    register_and_gate,
)
from scoring.store.runs import ModelRun, model_run
from scoring.store.tracking import ensure_experiment
from training.comment_sources import (
    Figures,
    Log,
    SourceEvaluation,
    author_values,
    held_out_by_group,
    labelled_comments,
    word_list_rule,
)

COMMENTS_FILE = "scamspot/comments-part-a.json"
YOUTUBE_FOLDER = "youtube-spam"
COMMENT_EXPERIMENT = "comment-authenticity"
GATE_METRIC = "ROC-AUC on the gate's held-out groups"
TEST_GROUP_SHARE = 0.25


def comments_file(data_dir: str | Path | None = None) -> RealFile:
    """ScamSpot's labelled comments in the real data folder (default: the shared folder, else
    the fetch cache): the shared part, or the same accounts of the published original."""
    return locate(COMMENTS_FILE, data_dir)


def load_comments(data: str | Path | RealFile | None = None) -> pd.DataFrame:
    """``text``, ``account``, ``label`` (real / scam / unknown), ``spam`` (None for unknown),
    ``source`` (``scamspot``), ``author`` (missing: the data has none) and ``post`` (the
    media id), from a located file or the real data folder ``data``."""
    file = data if isinstance(data, RealFile) else comments_file(data)
    path = file.path
    try:
        raw = file.read_json()
    except json.JSONDecodeError as err:
        raise ValueError(f"{path} is not valid JSON: {err}") from None
    rows = raw.values() if isinstance(raw, dict) else raw
    frame = pd.DataFrame(
        [
            {
                "text": r.get("text"),
                "account": r.get("account"),
                "label": r.get("type"),
                "post": r.get("media"),
            }
            for r in rows
        ]
    )
    bad = ~frame["label"].isin(["real", "scam", "unknown"]) | frame["text"].isna()
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{path}: comment {row + 1} has no text or a label outside real/scam/unknown"
        )
    frame["spam"] = frame["label"].map({"real": False, "scam": True})
    frame["source"] = "scamspot"
    frame["author"] = None  # ScamSpot does not say who wrote a comment
    return frame[["text", "account", "label", "spam", "source", "author", "post"]]


def youtube_files(data_dir: str | Path | None = None) -> list[RealFile]:
    """The YouTube Spam Collection's files, one per video: the shared layout's
    ``youtube-spam/*.csv`` (the manifest's files), each found in either form as
    :func:`comments_file` finds ScamSpot's; at least one must be there."""
    names = [name for name in SHARED_LAYOUT if name.startswith(f"{YOUTUBE_FOLDER}/")]
    found = [f for f in (find(name, data_dir) for name in names) if f is not None]
    if not found:
        raise FileNotFoundError(
            f"{real_data_dir(data_dir)} holds none of {YOUTUBE_FOLDER}/*.csv nor their "
            f"published originals; {FETCH_HINT}"
        )
    return found


_TAG = re.compile(r"<[^>]*>")


def clean_html(text: str) -> str:
    """Comment text as it reads: tags dropped (a ``<br />`` is a space; a link keeps its shown
    text, not its target), then entities unescaped (``&#39;`` -> ``'``), byte-order marks gone.
    Tags go first, so an escaped ``&lt;3`` stays a heart and is not read as a tag."""
    text = html.unescape(_TAG.sub(" ", text)).replace("\ufeff", "")
    return re.sub(r"[ \t]{2,}", " ", text).strip()


def load_youtube(data: str | Path | RealFile | list[RealFile] | None = None) -> pd.DataFrame:
    """The YouTube Spam Collection in :func:`load_comments`' shape: ``text`` (HTML cleaned),
    ``account`` (the video as the group, ``youtube:01-9bZkp7q19f0``), ``label`` (the source's
    ``spam`` / ``ham``), ``spam``, ``source`` (``youtube``), ``author`` and ``post`` (the video)."""
    if isinstance(data, RealFile):
        files = [data]
    elif isinstance(data, list):
        files = data
    else:
        files = youtube_files(data)
    frames = []
    for file in files:
        raw = file.read_csv(dtype=str, keep_default_na=False)
        missing = {"AUTHOR", "CONTENT", "CLASS"} - set(raw.columns)
        if missing:
            raise ValueError(f"{file.path}: no column {', '.join(sorted(missing))}")
        bad = ~raw["CLASS"].str.strip().isin(["0", "1"])
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            raise ValueError(f"{file.path}: comment {row + 1} has CLASS outside 0/1")
        video = f"youtube:{Path(file.name).stem}"
        spam = raw["CLASS"].str.strip() == "1"
        frames.append(
            pd.DataFrame(
                {
                    "text": raw["CONTENT"].map(clean_html),
                    "account": video,
                    "label": np.where(spam, "spam", "ham"),
                    "spam": spam.astype(object),
                    "source": "youtube",
                    "author": raw["AUTHOR"].str.strip().replace("", None),
                    "post": video,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def comment_files(data_dir: str | Path | None = None) -> list[RealFile]:
    """Every labelled comment file: ScamSpot's first, then the YouTube videos'."""
    return [comments_file(data_dir), *youtube_files(data_dir)]


def load_all_comments(data: str | Path | list[RealFile] | None = None) -> pd.DataFrame:
    """ScamSpot's comments and the YouTube collection in one frame (``source`` tells which),
    from the real data folder or the files of :func:`comment_files`; ScamSpot has no authors,
    so theirs are missing."""
    files = data if isinstance(data, list) else comment_files(data)
    return pd.concat([load_comments(files[0]), load_youtube(files[1:])], ignore_index=True)


def unknown_mix(model: CommentModel, unknown: pd.DataFrame) -> dict[str, float]:
    """How the model reads the ``unknown`` comments: a mix shows as many clearly real and many
    clearly spam, not one block in between."""
    p = model.p_spam(unknown["text"].tolist())
    return {
        "n": len(p),
        "share_below_0.2": round(float((p < 0.2).mean()), 3),
        "share_above_0.8": round(float((p > 0.8).mean()), 3),
        "share_between": round(float(((p >= 0.2) & (p <= 0.8)).mean()), 3),
    }


# The simulator's comment kinds (``creator_audit.simulator.text``), spam-free parts apart.
SIMULATED_KINDS: dict[str, Callable[[np.random.Generator, int], Any]] = {
    "simulated fans (without spam)": lambda rng, n: simulated.genuine_comments(
        rng, n, promo_share=0.0
    ),
    "simulated pod members": lambda rng, n: simulated.pod_comments(rng, rng.integers(0, 2**40, n)),
    "simulated giveaway entries": simulated.giveaway_comments,
    "simulated bought stock praise": lambda rng, n: simulated.bot_comments(rng, n),
    "simulated promotions": simulated.promotions,
}


def simulated_comment_check(
    model: CommentModel, held_out: pd.DataFrame, n: int = 2_000, seed: int = 0
) -> dict[str, dict[str, float]]:
    """How the model reads each kind of simulated comment, beside real comments of accounts it
    was not fit on: simulated spam should read like real scams and the rest like real comments,
    or the creator model would learn a simulator artefact from the comment-spam features."""
    rng = np.random.default_rng(seed)
    texts = {kind: make(rng, n).to_pylist() for kind, make in SIMULATED_KINDS.items()}
    for label, spam in (("real", False), ("scam", True)):
        texts[f"real {label} comments (held-out accounts)"] = held_out.loc[
            held_out["spam"] == spam, "text"
        ].tolist()
    return {kind: _read_as(model, values) for kind, values in texts.items()}


def _read_as(model: CommentModel, texts: list[str]) -> dict[str, float]:
    p = model.p_spam(texts)
    return {
        "n": len(p),
        "mean_p_spam": round(float(p.mean()), 3) if len(p) else float("nan"),
        "share_flagged": round(float((p >= model.threshold).mean()), 3) if len(p) else float("nan"),
    }


def gate_groups(groups: pd.Series, sources: pd.Series) -> np.ndarray:
    """Per comment, whether its group (account or video) is one of the gate's test groups: in
    each source, the quarter of its groups (at least one) first by a hash of the name, so the
    split moves with neither ``--seed`` nor new groups of another source."""
    test: set[str] = set()
    for source in sorted(set(sources)):
        names = sorted(set(groups[sources == source]), key=_name_hash)
        test.update(names[: max(1, round(TEST_GROUP_SHARE * len(names)))])
    return groups.isin(test).to_numpy()


def _name_hash(name: str) -> tuple[int, str]:
    return int(hashlib.sha256(name.encode()).hexdigest()[:8], 16) % 1000, name


@dataclass
class CommentTrainResult:
    run_id: str
    model: CommentModel
    held_out: dict[str, dict[str, Figures]]  # source -> scorer -> figures, each group held out
    unknown: dict[str, float]
    simulated: dict[str, dict[str, float]]
    decision: GateDecision
    bundle_path: Path


def train_comments(
    data_dir: str | Path | None = None,
    seed: int = 0,
    models_dir: str | Path = "models",
    log: Log = print,
    n_folds: int | None = None,
) -> CommentTrainResult:
    """Evaluate with each group held out, fit on the gate's training groups, log, register, gate.
    ``seed`` is logged: the model has no randomness of its own (the solver is deterministic).
    ``n_folds`` holds out that many sets of whole groups instead of each group (quicker)."""
    files = comment_files(data_dir)
    comments = load_all_comments(files)
    labelled = labelled_comments(comments)  # bad data fails before anything is written
    configure_tracking()
    experiment_id = ensure_experiment(COMMENT_EXPERIMENT)
    counts = labelled.groupby("source")["spam"].agg(["size", "sum"])
    for source, row in counts.iterrows():
        groups = labelled.loc[labelled["source"] == source, "account"].nunique()
        log(f"{source}: {row['size']} labelled comments ({row['sum']} spam), {groups} groups")
    held_out = _held_out_figures(held_out_by_group(labelled, log=log, n_folds=n_folds), log)
    held = gate_groups(labelled["account"], labelled["source"])
    train, test = labelled[~held], labelled[held]
    with model_run(COMMENT_MODEL_NAME, experiment_id, log, files) as run:
        model = CommentModel.fit(
            train["text"].tolist(), train["spam"].to_numpy(bool), author_values=author_values(train)
        )
        model.metadata = _metadata(run.run_id, seed, comments, sorted(test["account"].unique()))
        mix = unknown_mix(model, comments[comments["label"] == "unknown"])
        log(f"unknown comments as the model reads them: {mix}")
        check = simulated_comment_check(model, test, seed=seed)
        for kind, read in check.items():
            log(f"{kind}: {read}")
        _log_run(held_out, mix, model)
        mlflow.log_dict(check, "evaluation/simulated_comments.json")
        decision = _register(run, model, test)
    bundle_path = run.export(models_dir)
    log(f"bundle: {bundle_path}")
    return CommentTrainResult(run.run_id, model, held_out, mix, check, decision, bundle_path)


def _held_out_figures(evaluation: SourceEvaluation, log: Log) -> dict[str, dict[str, Figures]]:
    figures: dict[str, dict[str, Figures]] = {}
    for scorer in evaluation.scores:
        for source, f in evaluation.per_source(scorer).items():
            figures.setdefault(source, {})[scorer] = f
            log(f"{source}, each group held out, {scorer}: {f.as_dict()}")
    return figures


def _metadata(
    run_id: str, seed: int, comments: pd.DataFrame, test_groups: list[str]
) -> dict[str, Any]:
    digest = hashlib.sha256("\n".join(comments["text"] + "\t" + comments["label"]).encode())
    return {
        "model_name": COMMENT_MODEL_NAME,
        "run_id": run_id,
        "seed": seed,
        "data_sha256": digest.hexdigest(),
        "sources": sorted(comments["source"].unique()),
        "gate_test_accounts": test_groups,  # accounts and videos
        "project_version": creator_audit.__version__,
    }


def _log_run(
    held_out: dict[str, dict[str, Figures]], mix: dict[str, float], model: CommentModel
) -> None:
    mlflow.log_params(
        {
            "features": "char_wb 2-5 + word 1-2 presence x NB log-count ratio + "
            f"{len(model.signals)} signals",
            "signals": ",".join(model.signals),
            "C": COMMENT_C,
            "sources": ",".join(model.metadata["sources"]),
        }
    )
    for source, scorers in held_out.items():
        for scorer, figures in scorers.items():
            mlflow.log_metrics(
                {f"heldout_{source}_{scorer}_{k}": v for k, v in figures.as_dict().items()}
            )
    mlflow.log_dict(
        {s: {k: f.as_dict() for k, f in by.items()} for s, by in held_out.items()},
        "evaluation/held_out_by_group.json",
    )
    mlflow.log_dict(mix, "evaluation/unknown_mix.json")
    mlflow.log_param("gate_test_accounts", ",".join(model.metadata["gate_test_accounts"]))


def _gate_auc(model: CommentModel, test: pd.DataFrame) -> float:
    p = model.p_spam(test["text"].tolist(), author_values=author_values(test))
    return float(roc_auc_score(test["spam"].to_numpy(bool), p))


def _register(run: ModelRun, model: CommentModel, test: pd.DataFrame) -> GateDecision:
    example = pd.DataFrame({"text": test["text"].head(3).tolist()})
    output = pd.DataFrame({"p_spam": model.p_spam(example["text"])})
    model_uri = run.log_model(model, COMMENT_MODEL_CODE, example, output)
    rule_auc = float(roc_auc_score(test["spam"].to_numpy(bool), word_list_rule(test["text"])))
    candidate = _gate_auc(model, test)
    return run.gate(
        lambda: register_and_gate(
            COMMENT_MODEL_NAME,
            model_uri,
            run.run_id,
            candidate,
            on_fixed_test_data(
                candidate, lambda champion: _gate_auc(champion, test), f"{len(test)} test comments"
            ),
            baseline_f1=rule_auc,
            model_type=CommentModel,
            metric=GATE_METRIC,
        )
    )
