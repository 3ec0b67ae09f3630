"""Records into cv_results_, history_ and metadata_."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from hbsearch.results import (
    ModelInfo,
    Record,
    cv_results,
    fitted_metadata,
    history,
    model_history,
    selection_key,
)

MODELS = [
    ModelInfo("bracket=1-0", {"a": 1, "layers": (4,)}, 1),
    ModelInfo("bracket=1-1", {"a": 2, "layers": (4, 4, 4)}, 1),
    ModelInfo("bracket=0-0", {"b": "x"}, 0),  # another subspace: no "a", no "layers"
]
RECORDS = [
    Record(0, 1, 0.5, 0.1, 0.01, 0.3),
    Record(1, 1, 0.7, 0.1, 0.01, 0.2),
    Record(2, 3, math.nan, 0.3, 0.02, 0.4),
    Record(1, 3, 0.9, 0.2, 0.03, 0.6),
]


def test_cv_results_rows_ranks_and_params():
    results, rows = cv_results(RECORDS, MODELS)
    assert rows == [0, 1, 2]
    assert results["test_score"][:2].tolist() == [0.5, 0.9]
    assert math.isnan(results["test_score"][2])
    # NaN ranks last; one ranking over all brackets.
    assert results["rank_test_score"].tolist() == [2, 1, 3]
    assert results["partial_fit_calls"].tolist() == [1, 3, 3]
    assert results["mean_partial_fit_time"][1] == np.mean([0.1, 0.2])
    assert results["std_score_time"][1] == np.std([0.01, 0.03])
    layers = results["param_layers"]
    assert layers.dtype == object and layers[1] == (4, 4, 4) and layers.mask.tolist() == [False, False, True]
    assert results["param_b"].mask.tolist() == [True, True, False]
    assert results["bracket"].tolist() == [1, 1, 0]
    assert len(pd.DataFrame(results)) == 3


def test_history_in_order_received_and_grouped():
    hist = history(RECORDS, MODELS)
    assert [h["elapsed_wall_time"] for h in hist] == [0.2, 0.3, 0.4, 0.6]
    assert hist[0]["model_id"] == "bracket=1-1" and hist[0]["bracket"] == 1
    grouped = model_history(hist)
    assert [r["partial_fit_calls"] for r in grouped["bracket=1-1"]] == [1, 3]


def test_fitted_metadata_adds_bracket_runs_of_one_bracket():
    meta = fitted_metadata(
        RECORDS,
        MODELS,
        [
            {"bracket": 1, "models": [0], "decisions": [1]},
            {"bracket": 1, "models": [1], "decisions": [1, 3]},
            {"bracket": 0, "models": [2], "decisions": [3]},
        ],
    )
    assert meta["n_models"] == 3 and meta["partial_fit_calls"] == 7
    # Brackets by increasing id, as dask-ml lists them.
    assert [b["bracket"] for b in meta["brackets"]] == [0, 1]
    assert meta["brackets"][1] == {"bracket": 1, "n_models": 2, "partial_fit_calls": 4, "decisions": [1, 3]}


def test_selection_key_prefers_score_then_training_then_age():
    assert selection_key(0.9, 1, 5) > selection_key(0.8, 9, 0)
    assert selection_key(0.8, 9, 5) > selection_key(0.8, 3, 0)
    assert selection_key(0.8, 3, 0) > selection_key(0.8, 3, 1)
    assert selection_key(-1e300, 1, 9) > selection_key(math.nan, 81, 0)
