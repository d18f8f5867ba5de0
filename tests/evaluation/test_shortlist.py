"""The shortlist (``creator-audit shortlist``): its arithmetic on a creator made by hand, what it
says when data is missing, how it refuses bad price files and unknown creators, and that a
browser shows it offline and sorts it.

The hand-made creator has every figure known in advance; the rest uses the small test model
(tests/small_models.py: it carries an account model and norms) on a small simulated dataset.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from creator_audit.cli import app
from creator_audit.dataset import Dataset, write_dataset
from creator_audit.dataset.errors import DatasetError
from creator_audit.simulator import generate
from evaluation.audit import Evidence
from evaluation.shortlist import (
    ShortlistRow,
    audit_page_path,
    build_shortlist,
    check_page_size,
    read_prices,
    rows_frame,
    shortlist_rows,
)
from features import build_features
from scoring.scores import Score, score_dataset
from tests.browser import render

runner = CliRunner()

# --- a creator made by hand -------------------------------------------------------------------

FOLLOWERS, PRICE = 10_000.0, 400.0
P_POD, P_BOUGHT = 0.5, 0.25
SHARE, LOW, HIGH = 0.2, 0.1, 0.3


class FixedShare:
    """An account model whose fake-share estimate is always SHARE (LOW to HIGH)."""

    def p_fake(self, sample: pd.DataFrame) -> np.ndarray:
        return np.zeros(len(sample))

    def fake_share(self, p_fake: np.ndarray, code: np.ndarray, n: int) -> dict[str, np.ndarray]:
        return {k: np.array([v]) for k, v in zip(SHARE_KEYS, (SHARE, LOW, HIGH), strict=True)}


SHARE_KEYS = ("fake_share", "fake_share_low", "fake_share_high")


def _events(post: str) -> list[dict]:
    """Per post ten likes and a comment: two from the pod (both posts, within the hour), five
    spread over the day, three bought in one minute, and a fan's comment."""
    like = [
        ("pod-1", 10.0),
        ("pod-2", 12.0),
        *((f"{post}-fan-{i}", 100.0 + 200 * i) for i in range(5)),
        *((f"{post}-bot-{i}", 2000.0 + i) for i in range(3)),
    ]
    rows = [{"actor_id": a, "kind": "like", "delay_minutes": d} for a, d in like]
    rows.append({"actor_id": f"{post}-commenter", "kind": "comment", "delay_minutes": 50.0})
    return [{**row, "post_id": post, "creator_id": "c1", "in_ratios": True} for row in rows]


def hand_made(sample: bool = True, events: bool = True) -> Evidence:
    """Two posts of 300 likes and 20 comments: engagement rate 320 / 10,000 = 3.2%."""
    posts = pd.DataFrame(
        {
            "creator_id": "c1",
            "post_id": ["p1", "p2"],
            "likes": [300.0, 300.0],
            "comments": [20.0, 20.0],
            "read": True,
            "in_ratios": True,
        }
    )
    probabilities = {
        "genuine": 1 - P_POD - P_BOUGHT,
        "fake_followers": 0.0,
        "engagement_pod": P_POD,
        "bot_engagement": P_BOUGHT,
    }
    score = Score("c1", "engagement_pod", probabilities, 25, [], "test")
    return Evidence(
        creator_id="c1",
        followers=FOLLOWERS,
        score=score,
        features={"sample_fake_share": SHARE if sample else math.nan},
        posts=posts,
        events=pd.DataFrame(_events("p1") + _events("p2")) if events else None,
        counts=None,
        sample=pd.DataFrame({"followers": [1.0]}) if sample else None,
        known_label=None,
    )


def _prices(price: float = PRICE) -> pd.DataFrame:
    return pd.DataFrame({"creator_id": ["c1"], "price": [price], "currency": ["EUR"]})


def test_real_audience_and_costs_carry_the_fake_share_interval_through() -> None:
    (row,) = shortlist_rows([hand_made()], FixedShare(), _prices())
    assert (row.fake_share, row.fake_share_low, row.fake_share_high) == (SHARE, LOW, HIGH)
    # 10,000 followers, 20% fake (10% to 30%): 8,000 real (7,000 to 9,000)
    assert row.real_audience == pytest.approx(8_000)
    assert (row.real_audience_low, row.real_audience_high) == pytest.approx((7_000, 9_000))
    # 400 for 8 thousand real followers: 50 per thousand (400 / 9 to 400 / 7)
    assert row.cost_per_1000_real_followers == pytest.approx(50.0)
    assert row.cost_per_1000_real_followers_low == pytest.approx(400 / 9)
    assert row.cost_per_1000_real_followers_high == pytest.approx(400 / 7)
    assert (row.price, row.currency, row.missing) == (PRICE, "EUR", {})


def test_authentic_engagement_takes_out_pod_and_bought_shares_weighed_by_the_model() -> None:
    (row,) = shortlist_rows([hand_made()], FixedShare(), _prices())
    assert row.engagement_rate == pytest.approx(320 / FOLLOWERS)
    # likes: 2 of 10 pod-like, 3 of 10 in a burst; the fan's comment neither
    likes_removed = P_POD * 0.2 + P_BOUGHT * 0.3
    authentic = 300 * (1 - likes_removed) + 20
    assert authentic == pytest.approx(267.5)
    assert row.authentic_engagement_rate == pytest.approx(authentic / FOLLOWERS)
    assert row.engagement_removed_share == pytest.approx(1 - authentic / 320)
    assert row.cost_per_real_engagement == pytest.approx(PRICE / authentic)
    # what the removal weighed, over all 22 events: 4 pod-like, 6 in bursts
    assert (row.pod_like_event_share, row.burst_event_share) == pytest.approx((4 / 22, 6 / 22))
    assert (row.p_engagement_pod, row.p_bot_engagement) == (P_POD, P_BOUGHT)


def test_a_creator_the_model_finds_genuine_keeps_all_its_engagement() -> None:
    ev = hand_made()
    genuine = {"genuine": 1.0, "fake_followers": 0.0, "engagement_pod": 0.0, "bot_engagement": 0.0}
    trusted = replace(ev, score=replace(ev.score, probabilities=genuine, label="genuine"))
    (row,) = shortlist_rows([trusted], FixedShare())
    assert row.authentic_engagement_rate == pytest.approx(row.engagement_rate)
    assert row.engagement_removed_share == pytest.approx(0.0)


def test_without_a_follower_sample_the_fake_share_and_what_rests_on_it_are_missing() -> None:
    (row,) = shortlist_rows([hand_made(sample=False)], FixedShare(), _prices())
    for figure in ("fake_share", "fake_share_low", "real_audience", "real_audience_high"):
        assert math.isnan(getattr(row, figure)), figure
    assert math.isnan(row.cost_per_1000_real_followers)
    assert row.missing == {"fake share": "no follower sample"}
    assert row.cost_per_real_engagement == pytest.approx(PRICE / 267.5)  # does not need it


def test_without_events_the_authentic_engagement_is_missing_but_the_rate_is_known() -> None:
    (row,) = shortlist_rows([hand_made(events=False)], FixedShare(), _prices())
    assert row.engagement_rate == pytest.approx(0.032)
    assert math.isnan(row.authentic_engagement_rate)
    assert math.isnan(row.cost_per_real_engagement)
    assert row.missing == {"authentic engagement": "no engagement events"}


def test_without_an_account_model_or_a_price_each_says_why() -> None:
    (row,) = shortlist_rows([hand_made()], None, _prices().assign(creator_id="other"))
    assert row.missing == {
        "fake share": "the model has no account model",
        "price": "no price given",
    }
    (unpriced,) = shortlist_rows([hand_made()], FixedShare())
    assert unpriced.missing == {}  # without a price file, no price is missing


def test_a_price_that_buys_no_real_follower_costs_infinitely_much() -> None:
    everyone_fake = hand_made()
    (row,) = shortlist_rows([everyone_fake], _AllFake(), _prices())
    assert row.real_audience == 0.0
    assert row.cost_per_1000_real_followers == math.inf


class _AllFake(FixedShare):
    def fake_share(self, p_fake: np.ndarray, code: np.ndarray, n: int) -> dict[str, np.ndarray]:
        return {k: np.array([1.0]) for k in SHARE_KEYS}


def test_the_csv_columns_are_the_rows_fields_and_missing_is_one_line() -> None:
    frame = rows_frame(shortlist_rows([hand_made(sample=False)], FixedShare(), _prices()))
    assert list(frame.columns) == list(ShortlistRow.__dataclass_fields__)
    assert frame.loc[0, "missing"] == "fake share: no follower sample"


# --- the price file ---------------------------------------------------------------------------


def test_prices_are_read_with_an_optional_currency(tmp_path: Path) -> None:
    path = tmp_path / "prices.csv"
    path.write_text("creator_id,price,currency\n c1 ,1200,eur\nc2,99.5,\n")
    prices = read_prices(path)
    assert prices.to_dict("list") == {
        "creator_id": ["c1", "c2"],
        "price": [1200.0, 99.5],
        "currency": ["EUR", None],
    }
    (tmp_path / "bare.csv").write_text("creator_id,price\nc1,10\n")
    assert read_prices(tmp_path / "bare.csv")["currency"].tolist() == [None]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("creator_id,cost\nc1,10\n", "prices.csv: has no price column (columns: creator_id, cost)"),
        ("id,price\nc1,10\n", "prices.csv: has no creator_id column"),
        ("creator_id,price\nc1,10\nc2,-5\n", "prices.csv: line 3, column 'price': -5 is negative"),
        ("creator_id,price\nc1,ten\n", "prices.csv: line 2, column 'price': 'ten' is not a number"),
        ("creator_id,price\nc1,\n", "prices.csv: line 2, column 'price': is empty"),
        ("creator_id,price\nc1,1\nc1,2\n", "line 3, column 'creator_id': c1 is priced twice"),
        ("creator_id,price\n", "prices.csv: holds no prices"),
    ],
)
def test_a_bad_price_file_is_refused_naming_what_is_wrong(tmp_path, text, message) -> None:
    path = tmp_path / "prices.csv"
    path.write_text(text)
    with pytest.raises(DatasetError) as caught:
        read_prices(path)
    assert message in str(caught.value)


# --- the small model on simulated creators ----------------------------------------------------

CREATORS, SEED, SHORTLISTED = 120, 21, 12


@pytest.fixture(scope="module")
def small() -> Dataset:
    return generate(CREATORS, seed=SEED)


@pytest.fixture(scope="module")
def model(models):
    return models.a


@pytest.fixture(scope="module")
def ids(small) -> list[str]:
    """Creators with and without a follower sample, with and without engagement events."""
    sampled = set(small.follower_samples["creator_id"])
    with_events = set(
        small.posts.loc[small.posts["post_id"].isin(small.engagements["post_id"]), "creator_id"]
    )
    creators = small.creators["creator_id"]
    kinds = [(c in sampled, c in with_events) for c in creators]
    picked = [c for c, k in zip(creators, kinds, strict=True) if k == (True, True)][:8]
    picked += [c for c, k in zip(creators, kinds, strict=True) if not k[0]][:2]
    picked += [c for c, k in zip(creators, kinds, strict=True) if not k[1]][:2]
    assert len(set(picked)) == SHORTLISTED
    return picked


def test_rows_show_the_scores_and_fake_shares_the_other_commands_give(model, small, ids) -> None:
    rows = build_shortlist(model, small, ids).rows
    assert [r.creator_id for r in rows] == ids
    scores = score_dataset(model, small).set_index("creator_id")
    features = build_features(small, model.account_model, model.comment_model)
    for row in rows:
        assert (row.label, row.fraud_score) == tuple(
            scores.loc[row.creator_id, ["label", "fraud_score"]]
        )
        share, margin = features.loc[
            row.creator_id, ["sample_fake_share", "sample_fake_share_ci95"]
        ]
        if math.isnan(share):
            assert math.isnan(row.fake_share) and "fake share" in row.missing
            continue
        assert row.fake_share == pytest.approx(share)
        assert (row.fake_share_high - row.fake_share_low) / 2 == pytest.approx(margin)
        assert row.real_audience == pytest.approx(row.followers * (1 - share))


@pytest.fixture(scope="module")
def data_dir(small, tmp_path_factory) -> Path:
    return write_dataset(small, tmp_path_factory.mktemp("shortlist") / "data")


@pytest.fixture(scope="module")
def bundle(model, tmp_path_factory) -> Path:
    return model.save(tmp_path_factory.mktemp("model") / "creator-fraud.bundle")


@pytest.fixture(scope="module")
def inputs(ids, tmp_path_factory) -> dict[str, Path]:
    where = tmp_path_factory.mktemp("inputs")
    (where / "ids.txt").write_text("\n".join(ids) + "\n")
    priced = ids[:-1]  # the last creator has no price
    prices = pd.DataFrame({"creator_id": priced, "price": np.arange(1, len(priced) + 1) * 100.0})
    prices.to_csv(where / "prices.csv", index=False)
    return {"ids": where / "ids.txt", "prices": where / "prices.csv"}


def _shortlist(data_dir, bundle, inputs, out: Path, *extra: str):
    args = [
        "shortlist",
        "--data",
        str(data_dir),
        "--creators",
        str(inputs["ids"]),
        "--model",
        str(bundle),
        "--out",
        str(out),
        *extra,
    ]
    return runner.invoke(app, args)


@pytest.fixture(scope="module")
def html_page(data_dir, bundle, inputs, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("page") / "shortlist.html"
    result = _shortlist(data_dir, bundle, inputs, out, "--prices", str(inputs["prices"]))
    assert result.exit_code == 0, result.output
    audit = audit_page_path(out)
    assert result.output == (
        f"wrote the shortlist of {SHORTLISTED} creator(s) to {out} and their audit page to "
        f"{audit}\n"
    )
    return out


def test_cli_page_links_every_creator_to_its_audit_section(html_page, ids) -> None:
    page, audit = html_page.read_text(), audit_page_path(html_page).read_text()
    assert audit_page_path(html_page).name == "shortlist_audit.html"
    for creator in ids:
        assert f'<a href="shortlist_audit.html#creator-{creator}">{creator}</a>' in page
        assert f'<section id="creator-{creator}"' in audit
    assert "no follower sample" in page and "no engagement events" in page
    assert "no price given" in page  # on hover of the last creator's cost cells
    assert "Per 1,000 real followers" in page


def test_cli_csv_holds_the_same_figures(data_dir, bundle, inputs, tmp_path) -> None:
    out = tmp_path / "shortlist.csv"
    result = _shortlist(data_dir, bundle, inputs, out, "--prices", str(inputs["prices"]))
    assert result.exit_code == 0, result.output
    assert not audit_page_path(out).exists()
    table = pd.read_csv(out, dtype={"creator_id": str})
    assert (
        table["creator_id"].tolist()
        == pd.read_csv(inputs["ids"], header=None, dtype=str)[0].tolist()
    )
    known = table.dropna(subset=["fake_share"])
    assert len(known) >= 8
    assert np.allclose(known["real_audience"], known["followers"] * (1 - known["fake_share"]))
    priced = known.dropna(subset=["price"])
    assert np.allclose(
        priced["cost_per_1000_real_followers"], priced["price"] / (priced["real_audience"] / 1000)
    )
    assert table["missing"].iloc[-1].endswith("price: no price given")


def test_cli_unknown_creators_are_one_line_naming_them(data_dir, bundle, tmp_path) -> None:
    ids = tmp_path / "ids.txt"
    ids.write_text("nobody-1\nnobody-2\n")
    out = tmp_path / "shortlist.html"
    args = ["shortlist", "--data", str(data_dir), "--creators", str(ids), "--model", str(bundle)]
    result = runner.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 2
    assert result.output == f"error: creators nobody-1, nobody-2 are not in {data_dir}\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ids.txt"]


def test_cli_prices_of_unknown_creators_are_refused(data_dir, bundle, inputs, tmp_path) -> None:
    prices = tmp_path / "prices.csv"
    prices.write_text("creator_id,price\nnobody-7,10\n")
    result = _shortlist(data_dir, bundle, inputs, tmp_path / "s.html", "--prices", str(prices))
    assert result.exit_code == 2
    assert result.output == f"error: {prices} prices creators not in {data_dir}: nobody-7\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["prices.csv"]


def test_an_html_shortlist_of_too_many_creators_is_refused() -> None:
    check_page_size(200)
    with pytest.raises(ValueError, match=r"^201 creators: an HTML shortlist"):
        check_page_size(201)


# Click a header as a reader would, twice; return the column's sort keys after each click.
SORT_BY = """(() => {{
  const th = [...document.querySelectorAll('table.shortlist th')]
    .find(t => t.textContent.startsWith({header!r}));
  const column = th.cellIndex;
  const keys = () => [...document.querySelectorAll('table.shortlist tbody tr')]
    .map(r => r.cells[column].dataset.sort);
  th.click();
  const ascending = keys();
  th.click();
  return {{ascending, descending: keys(), state: th.getAttribute('aria-sort')}};
}})()"""


@pytest.mark.parametrize("header", ["Fraud score", "Fake followers", "Verdict"])
def test_browser_shows_the_page_offline_and_sorts_by_a_header(html_page, header) -> None:
    shown = render(html_page, width=1400, script=SORT_BY.format(header=header))
    assert shown.title == f"Shortlist: {SHORTLISTED} creators"
    assert shown.errors == [] and shown.external_requests == []
    keys = shown.evaluated
    assert keys["state"] == "descending"
    for order, reverse in (("ascending", False), ("descending", True)):
        known = [k for k in keys[order] if k != ""]
        value = str if header == "Verdict" else float
        assert known == sorted(known, key=value, reverse=reverse), order
        assert keys[order][len(known) :] == [""] * (SHORTLISTED - len(known))  # unknown last
    if header == "Fake followers":
        assert "" in keys["ascending"]  # the creators without a sample
