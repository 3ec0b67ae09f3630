"""max_time and KeyboardInterrupt: stop early, keep what was scored, leave nothing running."""

from __future__ import annotations

import _thread
import threading
import time
import warnings

import numpy as np
import pytest
from conftest import scheduler_task_count
from scipy.stats import uniform
from sklearn.base import BaseEstimator

from hbsearch import HyperbandSearchCV

X = np.zeros((40, 2))


class Slow(BaseEstimator):
    """Each partial_fit call takes ``seconds``; the score is ``value``."""

    def __init__(self, value=0.0, seconds=0.02):
        self.value = value
        self.seconds = seconds

    def partial_fit(self, X, y=None):
        time.sleep(self.seconds)
        self.calls_ = getattr(self, "calls_", 0) + 1
        return self

    def score(self, X, y=None):
        return self.value


def check_partial_results(search):
    results = search.cv_results_
    planned = search.metadata
    assert 0 < search.metadata_["partial_fit_calls"] < planned["partial_fit_calls"]
    assert search.best_score_ == np.nanmax(results["test_score"])
    assert search.best_estimator_.value == search.best_params_["value"]
    assert search.best_estimator_.calls_ == results["partial_fit_calls"][search.best_index_]


def test_max_time_returns_what_was_scored(client):
    # 357 calls of 20 ms on 2 workers take about 4 s; stop after 1 s.
    search = HyperbandSearchCV(Slow(), {"value": uniform(0, 1)}, max_iter=27, max_time=1.0, random_state=0)
    start = time.perf_counter()
    with pytest.warns(UserWarning, match=r"max_time=1.0 s was reached"):
        search.fit(X)
    elapsed = time.perf_counter() - start
    assert elapsed < 3.0
    check_partial_results(search)
    assert scheduler_task_count(client) == 0


def test_keyboard_interrupt_returns_what_was_scored(client):
    search = HyperbandSearchCV(Slow(), {"value": uniform(0, 1)}, max_iter=27, random_state=0)
    timer = threading.Timer(1.0, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.warns(UserWarning, match="KeyboardInterrupt"):
            search.fit(X)
    finally:
        timer.cancel()
    check_partial_results(search)
    assert scheduler_task_count(client) == 0


def test_max_time_before_any_score_is_an_error(client):
    search = HyperbandSearchCV(
        Slow(seconds=0.5), {"value": uniform(0, 1)}, max_iter=3, max_time=0.1, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(RuntimeError, match="before any model was scored"):
            search.fit(X)
    assert scheduler_task_count(client) == 0


def test_max_time_shorter_than_the_longest_jobs_still_returns_scored_models(client):
    # The longest chains go first (81 calls, 4 s here), but each worker
    # thread starts with a short job, so scores come well before max_time.
    search = HyperbandSearchCV(
        Slow(seconds=0.05), {"value": uniform(0, 1)}, max_iter=81, max_time=3, random_state=0
    )
    with pytest.warns(UserWarning, match=r"max_time=3 s was reached"):
        search.fit(X)
    check_partial_results(search)
    first = min(search.history_, key=lambda h: h["elapsed_wall_time"])
    assert first["partial_fit_calls"] == 1
    assert scheduler_task_count(client) == 0
    # Tasks under way when fit returned finish on their own: wait for them,
    # so that the next tests get free workers.
    deadline = time.monotonic() + 30
    while any(client.run(_executing).values()) and time.monotonic() < deadline:
        time.sleep(0.1)


def _executing(dask_worker):
    return dask_worker.state.executing_count
