"""The compiled walk over a trained model's trees is LightGBM's prediction and TreeSHAP, and a
score does not depend on whether reasons were asked for or how many threads shared the batch."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
from scipy.special import softmax

from scoring import booster as booster_module
from scoring.scores import score_rows

TOLERANCE = 1e-9


def test_probabilities_and_contributions_are_lightgbms(
    models: SimpleNamespace, feature_table: pd.DataFrame
) -> None:
    model = models.a
    x = model.matrix(feature_table)
    k = len(model.labels)
    raw = np.asarray(model.booster.predict(x, raw_score=True)).reshape(len(x), k)
    want = softmax(model.calibration.apply(raw), axis=1)
    np.testing.assert_allclose(model.predict_proba(x), want, rtol=0, atol=TOLERANCE)
    lightgbm = np.asarray(model.booster.predict(x, pred_contrib=True)).reshape(len(x), k, -1)
    lightgbm = lightgbm * model.calibration.scale[None, :, None]
    lightgbm[:, :, -1] += model.calibration.bias[None, :]
    np.testing.assert_allclose(model.contributions(x), lightgbm, rtol=0, atol=TOLERANCE)
    leaves = np.asarray(model.booster.predict(x, pred_leaf=True)).reshape(len(x), -1)
    np.testing.assert_array_equal(model.leaves(x), leaves)


def test_reasons_do_not_move_the_probabilities(
    models: SimpleNamespace, feature_table: pd.DataFrame
) -> None:
    x = models.a.matrix(feature_table)
    ids = list(feature_table.index)
    plain = score_rows(models.a, ids, x, n_reasons=0)
    explained = score_rows(models.a, ids, x, n_reasons=5)
    assert any(s.reasons for s in explained) and not any(s.reasons for s in plain)
    assert [s.probabilities for s in plain] == [s.probabilities for s in explained]


def test_threads_share_a_batch_without_changing_a_bit(
    models: SimpleNamespace, feature_table: pd.DataFrame, monkeypatch
) -> None:
    monkeypatch.setattr(booster_module, "MIN_ROWS_PER_THREAD", 100)
    x = models.a.matrix(feature_table)
    alone = models.a.explain(x, threads=1)
    shared = models.a.explain(x, threads=3)
    for one, many in zip(alone, shared, strict=True):
        np.testing.assert_array_equal(one, many)
