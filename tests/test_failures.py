"""Failing models are data: recorded, ranked last, never promoted; the search goes on."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from conftest import scheduler_task_count
from sklearn.base import BaseEstimator
from sklearn.exceptions import FitFailedWarning

from hbsearch import HyperbandSearchCV, IncrementalSearchCV

X = np.zeros((60, 2))


class Fragile(BaseEstimator):
    """Scores ``value``; ``fail`` says how it breaks, at its ``at``-th call."""

    def __init__(self, value=0.0, fail="none", at=1):
        self.value = value
        self.fail = fail
        self.at = at

    def partial_fit(self, X, y=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        if self.fail == "fit" and self.calls_ >= self.at:
            raise ArithmeticError(f"fit broke at call {self.calls_}")
        return self

    def score(self, X, y=None):
        if self.fail == "score" and self.calls_ >= self.at:
            raise LookupError("score broke")
        if self.fail == "nan" and self.calls_ >= self.at:
            return math.nan
        if self.fail == "inf" and self.calls_ >= self.at:
            return math.inf
        return self.value


def fit_quietly(search):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X)
    return [w for w in caught if issubclass(w.category, FitFailedWarning)]


@pytest.mark.parametrize("fail", ["fit", "score", "nan", "inf"])
def test_failed_models_rank_last_and_are_not_promoted(client, fail):
    # The best values break once trained 3 calls: only the brackets' later rungs see it.
    space = [
        {"value": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6]},
        {"value": [0.9, 1.0], "fail": [fail], "at": [3]},
    ]
    search = HyperbandSearchCV(Fragile(), space, max_iter=9, random_state=0)
    caught = fit_quietly(search)
    results = search.cv_results_
    failed = np.array([e is not None for e in results["error"]])
    assert failed.any() and not failed.all()
    assert len(caught) == 1
    assert f"{failed.sum()} of {len(failed)} models failed" in str(caught[0].message)
    assert all(math.isnan(s) for s in results["test_score"][failed])
    assert results["rank_test_score"][failed].min() > results["rank_test_score"][~failed].max()
    # A failure at call 3 stops the model there: no more partial_fit calls.
    assert results["partial_fit_calls"][failed].max() == 3
    assert search.best_params_["value"] <= 0.6
    assert search.best_estimator_.value == search.best_params_["value"]
    messages = [e for e in results["error"] if e is not None]
    expected = {"fit": "ArithmeticError", "score": "LookupError", "nan": "nan", "inf": "inf"}[fail]
    assert all(expected in m for m in messages)
    errors = [h for h in search.history_ if h["error"] is not None]
    assert len(errors) == failed.sum()
    assert scheduler_task_count(client) == 0


def test_a_numeric_error_score_still_ranks_last(client):
    space = [{"value": [-5.0, -4.0]}, {"value": [3.0], "fail": ["fit"], "at": [1]}]
    search = IncrementalSearchCV(
        Fragile(), space, n_initial_parameters=6, max_iter=2, error_score=-1.0, random_state=0
    )
    fit_quietly(search)
    results = search.cv_results_
    failed = np.array([e is not None for e in results["error"]])
    assert failed.any()
    assert np.all(results["test_score"][failed] == -1.0)
    # -1 beats -4 and -5, yet a failed model is never ranked above a working one.
    assert results["rank_test_score"][failed].min() > results["rank_test_score"][~failed].max()
    assert search.best_score_ == -4.0


def test_every_model_failing_raises_with_the_first_traceback(client):
    search = IncrementalSearchCV(
        Fragile(fail="fit", at=2), {"value": [0.1, 0.2, 0.3]}, n_initial_parameters=3, max_iter=3,
        random_state=0,
    )
    with pytest.raises(ValueError, match="all 3 models failed") as info:
        search.fit(X)
    assert str(info.value).startswith("ArithmeticError: fit broke at call 2 (model 0 with parameters")
    assert "Traceback" in str(info.value)
    assert not hasattr(search, "best_estimator_")
    assert scheduler_task_count(client) == 0


def test_error_score_raise_stops_at_the_first_failure(client):
    search = IncrementalSearchCV(
        Fragile(fail="score", at=1), {"value": [0.1]}, n_initial_parameters=2, max_iter=3,
        error_score="raise", random_state=0,
    )
    with pytest.raises(LookupError, match="score broke"):
        search.fit(X)
    nan_search = IncrementalSearchCV(
        Fragile(fail="nan", at=1), {"value": [0.1]}, n_initial_parameters=2, max_iter=3,
        error_score="raise", random_state=0,
    )
    with pytest.raises(ValueError, match="not a finite number"):
        nan_search.fit(X)
    assert scheduler_task_count(client) == 0
