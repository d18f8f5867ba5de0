"""The comment model: learned from real labelled comments, judged on accounts it never saw."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from scoring.comment_model import CommentModel, normalise
from scoring.store.names import CHAMPION
from tests.shared_data import SHARED, assert_run_logged_files, needs_comments
from training.comment_sources import held_out_by_group, labelled_comments, word_list_rule
from training.comments import (
    gate_groups,
    load_all_comments,
    load_comments,
    load_youtube,
    train_comments,
)


def _accounts_with_their_own_words(n_accounts: int = 8, per_account: int = 40) -> pd.DataFrame:
    """Each account's comments share one made-up word and one label: a model that saw an
    account on both sides would learn the word; on held-out accounts it means nothing."""
    rng = np.random.default_rng(0)
    rows = []
    for a in range(n_accounts):
        word = "".join(rng.choice(list("bcdfghjklmnpqrstvwxz"), 7))
        for _ in range(per_account):
            filler = " ".join(rng.choice(["so", "the", "and", "we", "it", "now"], 4))
            rows.append({"text": f"{word} {filler}", "account": f"acc{a}", "spam": a % 2 == 1})
    return pd.DataFrame(rows).assign(source="made-up", author=None, post=lambda f: f["account"])


def test_held_out_accounts_are_never_seen_in_training() -> None:
    labelled = labelled_comments(_accounts_with_their_own_words())
    held_out = held_out_by_group(labelled, log=lambda _: None, n_folds=4)
    assert held_out.per_source("model")["made-up"].roc_auc < 0.75  # nothing to learn: no leak
    mixed = _accounts_with_their_own_words().sample(frac=1, random_state=0)
    leaked = CommentModel.fit(mixed["text"].iloc[:200].tolist(), mixed["spam"].iloc[:200])
    p = leaked.p_spam(mixed["text"].iloc[200:])
    from sklearn.metrics import roc_auc_score

    assert roc_auc_score(mixed["spam"].iloc[200:], p) > 0.95  # the same words, split by row


def test_normalising_makes_handles_and_numbers_generic() -> None:
    assert normalise("DM @Berto_Delvanicci__1 for $8,500!") == "dm  @handle  for $0,000!"


def test_word_list_rule_flags_stock_praise() -> None:
    texts = pd.Series(["Nice!", "love this so much", "what lens did you use for the third shot?"])
    assert word_list_rule(texts).tolist() == [1.0, 1.0, 0.0]


def test_gate_holds_out_a_quarter_of_each_source_by_name() -> None:
    groups = pd.Series([f"acc{i}" for i in range(19)] + [f"video{i}" for i in range(5)])
    sources = pd.Series(["a"] * 19 + ["b"] * 5)
    held = gate_groups(groups, sources)
    assert held[:19].sum() == 5 and held[19:].sum() == 1
    shuffled = np.random.default_rng(1).permutation(len(groups))
    again = gate_groups(
        groups[shuffled].reset_index(drop=True), sources[shuffled].reset_index(drop=True)
    )
    assert set(groups[shuffled][again]) == set(groups[held])  # by name, not by order


def test_bundle_round_trip_gives_the_same_p_spam(tmp_path) -> None:
    data = _accounts_with_their_own_words()
    model = CommentModel.fit(data["text"].tolist(), data["spam"].to_numpy())
    loaded = CommentModel.load(model.save(tmp_path / "c.bundle"))
    np.testing.assert_allclose(loaded.p_spam(data["text"]), model.p_spam(data["text"]))
    assert loaded.p_spam([]).shape == (0,)


YOUTUBE_HEAD = "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\n"


def test_youtube_loader_cleans_html_and_groups_by_video(tmp_path) -> None:
    folder = tmp_path / "youtube-spam"
    folder.mkdir()
    (folder / "01-9bZkp7q19f0.csv").write_text(
        YOUTUBE_HEAD
        + 'a1,Julius NM,2013-11-07T06:20:48,"Check out my channel: <a href=""http://x.io"">'
        'x.io</a>\ufeff",1\n'
        'a2,Fan,2013-11-08T06:20:48,"I don&#39;t care&lt;3<br />love it &amp; more\ufeff",0\n',
        encoding="utf-8",
    )
    (folder / "04-CevxZvSJLk8.csv").write_text(
        YOUTUBE_HEAD + "b1,,2014-01-01T00:00:00,Roar!,0\n", encoding="utf-8"
    )
    frame = load_youtube(tmp_path)
    assert frame["text"].tolist() == [
        "Check out my channel: x.io",
        "I don't care<3 love it & more",
        "Roar!",
    ]
    assert frame["account"].tolist() == ["youtube:01-9bZkp7q19f0"] * 2 + ["youtube:04-CevxZvSJLk8"]
    assert frame["spam"].tolist() == [True, False, False]
    assert frame["label"].tolist() == ["spam", "ham", "ham"]
    assert frame["author"].tolist()[:2] == ["Julius NM", "Fan"] and frame["author"].isna()[2]
    assert set(frame["source"]) == {"youtube"}
    (folder / "04-CevxZvSJLk8.csv").write_text(YOUTUBE_HEAD + "b1,x,d,hi,2\n", encoding="utf-8")
    with pytest.raises(ValueError, match="CLASS outside 0/1"):
        load_youtube(tmp_path)


def test_youtube_loader_says_where_it_looked(tmp_path) -> None:
    with pytest.raises(FileNotFoundError, match="youtube-spam"):
        load_youtube(tmp_path)


def with_comments(test):
    """Marks a test that needs ScamSpot's labelled comments."""
    for mark in needs_comments:
        test = mark(test)
    return test


@with_comments
def test_real_comments_load_with_their_labels() -> None:
    comments = load_comments(SHARED)
    assert comments["label"].value_counts().to_dict() == {"real": 1167, "unknown": 848, "scam": 709}
    assert comments["account"].nunique() == 19
    assert comments.loc[comments["label"] == "unknown", "spam"].isna().all()
    both = load_all_comments(SHARED)
    youtube = both[both["source"] == "youtube"]
    assert youtube["spam"].value_counts().to_dict() == {True: 1005, False: 951}
    assert youtube["account"].nunique() == 5 and youtube["author"].notna().all()
    assert not youtube["text"].str.contains("&#39;|<br|\ufeff").any()
    assert both.loc[both["source"] == "scamspot", "author"].isna().all()


@with_comments
def test_train_registers_gates_and_beats_both_baselines(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", "")
    result = train_comments(SHARED, models_dir=tmp_path / "models", log=lambda _: None, n_folds=3)
    assert set(result.held_out) == {"scamspot", "youtube"}
    for source, scorers in result.held_out.items():
        ours, plain, rule = (scorers[k].roc_auc for k in ("model", "plain_tfidf", "word_list_rule"))
        assert ours > plain > rule, source
        assert ours > 0.93 and scorers["model"].spam_caught > 0.6, source
    assert result.decision.alias == CHAMPION and result.bundle_path.exists()
    assert_run_logged_files(result.run_id, ["scamspot", "youtube-spam"])
    test_groups = result.model.metadata["gate_test_accounts"]
    assert any(g.startswith("youtube:") for g in test_groups)
    assert sum(not g.startswith("youtube:") for g in test_groups) == 5  # a quarter of 19
    # unknown is a mix: mostly clear conversation, and some clear spam (2-50%), few in between
    assert result.unknown["share_below_0.2"] > 0.5
    assert 0.02 < result.unknown["share_above_0.8"] < 0.5
    # The simulator's spam reads as spam and the rest as conversation, to the real-data model.
    sim = {kind: read["share_flagged"] for kind, read in result.simulated.items()}
    real_flagged = sim["real real comments (held-out accounts)"]
    for kind in ("fans (without spam)", "pod members", "giveaway entries", "bought stock praise"):
        assert sim[f"simulated {kind}"] <= max(real_flagged, 0.05), kind
    assert sim["simulated promotions"] > 0.4
    # Scoring a file keeps its columns and adds p_spam; a comment without text gets none.
    comments = tmp_path / "c.csv"
    pd.DataFrame(
        {"id": ["a", "b", "c"], "text": ["nice pic", None, "dm me to earn $500 daily"]}
    ).to_csv(comments, index=False)
    out = tmp_path / "scored.csv"
    args = ["comments", "score", "--input", str(comments), "--out", str(out)]
    answer = CliRunner().invoke(app, [*args, "--model", str(result.bundle_path)])
    assert answer.exit_code == 0, answer.output
    scored = pd.read_csv(out)
    assert list(scored.columns) == ["id", "text", "p_spam", "is_spam"]
    assert np.isnan(scored["p_spam"][1]) and scored["p_spam"][2] > 0.5 > scored["p_spam"][0]
    # With author and post columns the author signals are read (on the shared sources they
    # add little: docs/models/comment.md), without them they are missing.
    pasted = "such a great song, everyone should hear my cover too, thank you all"
    by_author = pd.DataFrame(
        {"text": [pasted] * 3 + ["nice"], "author": ["a", "a", "a", "b"], "post": list("pqrp")}
    )
    both = []
    for columns in (["text"], ["text", "author", "post"]):
        by_author[columns].to_csv(comments, index=False)
        answer = CliRunner().invoke(app, [*args, "--model", str(result.bundle_path)])
        assert answer.exit_code == 0, answer.output
        both.append(pd.read_csv(out)["p_spam"].to_numpy())
    assert not np.allclose(both[0][:3], both[1][:3]) and both[1][3] < 0.5


def test_scoring_a_file_without_text_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "c.csv"
    pd.DataFrame({"comment": ["x"]}).to_csv(path, index=False)
    args = ["comments", "score", "--input", str(path), "--out", str(tmp_path / "o.csv")]
    answer = CliRunner().invoke(app, [*args, "--model", "m.bundle"])
    assert answer.exit_code == 2 and "has no 'text' column" in answer.output


@pytest.mark.parametrize("text", ["", "   "])
def test_blank_comments_score(text) -> None:
    model = CommentModel.fit(["nice", "dm me for profit now"] * 5, np.array([False, True] * 5))
    assert 0.0 <= float(model.p_spam([text])[0]) <= 1.0
