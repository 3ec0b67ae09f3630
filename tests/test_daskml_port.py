"""dask-ml's tests of its incremental searches, ported to hbsearch's public API.

Each test runs twice: with a synchronous client, and with an asynchronous one,
where ``fit`` is awaited in the client's event loop as dask-ml's users do. What
dask-ml's tests check through private functions (``_fit``, ``_adapt``,
``_get_SHAs``) or its own logger is not ported; where a check meets one of the
deliberate differences listed in docs/migrating.rst, the comment names it and
the check is hbsearch's.
"""

from __future__ import annotations

import asyncio
import math
import threading

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
import scipy.stats
from distributed import Client, LocalCluster
from sklearn.base import BaseEstimator, clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_classification as sk_make_classification
from sklearn.linear_model import SGDClassifier

from hbsearch import (
    HyperbandSearchCV,
    IncrementalSearchCV,
    InverseDecaySearchCV,
    SuccessiveHalvingSearchCV,
)

# About two minutes on two cores for both clients: run with the slow tests.
pytestmark = pytest.mark.slow


class ConstantFunction(BaseEstimator):
    """Scores ``value`` whatever the data (as dask-ml's test estimator)."""

    def __init__(self, value=0.0):
        self.value = value

    def partial_fit(self, X, y=None, **kwargs):
        return self

    def score(self, X, y=None):
        return self.value

    def predict(self, X):
        return np.full(len(X), self.value)


class LinearFunction(BaseEstimator):
    """Scores ``intercept + slope * partial_fit calls`` (as dask-ml's test estimator)."""

    def __init__(self, intercept=0.0, slope=1.0, foo=0):
        self.intercept = intercept
        self.slope = slope
        self.foo = foo

    def partial_fit(self, X, y=None, **kwargs):
        self.calls_ = getattr(self, "calls_", 0) + 1
        return self

    def score(self, X, y=None):
        return self.intercept + self.slope * getattr(self, "calls_", 0)


class ConstantClassifier(SGDClassifier):
    def __init__(self, value=0):
        self.value = value
        super().__init__(tol=1e-3)

    def score(self, *args, **kwargs):
        return self.value


def make_classification(n_samples=100, n_features=5, chunks=10, random_state=None):
    """dask-ml's make_classification: dask arrays with row chunks."""
    X, y = sk_make_classification(n_samples=n_samples, n_features=n_features, random_state=random_state)
    return da.from_array(X, chunks=(chunks, n_features)), da.from_array(y, chunks=chunks)


class _EventLoop:
    """An asynchronous client in an event loop of its own thread."""

    def __init__(self):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.cluster, self.client = self.run(self._start())

    async def _start(self):
        cluster = await LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, asynchronous=True, dashboard_address=":0"
        )
        client = await Client(cluster, asynchronous=True)
        return cluster, client

    def run(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result()

    def close(self):
        async def stop():
            await self.client.close()
            await self.cluster.close()

        self.run(stop())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


@pytest.fixture(scope="module", params=["synchronous", "asynchronous"])
def fit(request):
    """``fit(search, X, y, **fit_params)``: on a synchronous client, or awaited on an asynchronous one."""
    if request.param == "synchronous":
        with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster, Client(cluster):
            yield lambda search, X, y=None, **kw: search.fit(X, y, **kw)
        return
    runner = _EventLoop()

    def fit_async(search, X, y=None, **fit_params):
        async def awaited():
            fitted = search.fit(X, y, **fit_params)
            assert asyncio.iscoroutine(fitted)
            return await fitted

        return runner.run(awaited())

    try:
        yield fit_async
    finally:
        runner.close()


# -- test_incremental.py ---------------------------------------------------------------


@pytest.mark.parametrize("decay_rate", [0, 1])
@pytest.mark.parametrize("input_type", ["array", "dataframe"])
def test_search_basic(fit, decay_rate, input_type):
    X, y = make_classification(n_samples=1000, n_features=5, chunks=100)
    if input_type == "dataframe":
        X, y = dd.from_dask_array(X), dd.from_dask_array(y)
    # loss="log" is "log_loss" since scikit-learn 1.3.
    model = SGDClassifier(tol=1e-3, loss="log_loss", penalty="elasticnet")
    params = {"alpha": np.logspace(-2, 2, 100), "l1_ratio": np.linspace(0.01, 1, 200)}
    kwargs = dict(n_initial_parameters=20, max_iter=10)
    search = (IncrementalSearchCV if decay_rate == 0 else InverseDecaySearchCV)(model, params, **kwargs)
    fit(search, X, y, classes=[0, 1])

    assert search.history_
    assert all(d["partial_fit_calls"] <= search.max_iter + 1 for d in search.history_)
    assert isinstance(search.best_estimator_, SGDClassifier)
    assert search.best_score_ > 0
    assert search.best_params_
    assert {
        "mean_partial_fit_time", "mean_score_time", "std_partial_fit_time", "std_score_time",
        "test_score", "rank_test_score", "model_id", "params", "partial_fit_calls",
        "param_alpha", "param_l1_ratio",
    } <= set(search.cv_results_)
    assert len(search.cv_results_["param_alpha"]) == 20
    # Difference: cv_results_["params"] is a list, as in scikit-learn.
    assert all(isinstance(v, (np.ndarray, list)) for v in search.cv_results_.values())
    if decay_rate == 0:
        scores = search.cv_results_["test_score"]
        assert (scores[search.best_index_] >= scores).all()
        assert search.cv_results_["rank_test_score"][search.best_index_] == 1
    else:
        assert all(search.cv_results_["test_score"] >= 0)
        assert all(search.cv_results_["rank_test_score"] >= 1)
    assert all(search.cv_results_["partial_fit_calls"] >= 1)
    assert len(np.unique(search.cv_results_["model_id"])) == len(search.cv_results_["model_id"])
    assert sorted(search.model_history_) == list(range(20))
    # Difference: history_ records also have "error".
    assert set(search.model_history_[0][0]) - {"error"} == {
        "model_id", "params", "partial_fit_calls", "partial_fit_time", "score", "score_time",
        "elapsed_wall_time",
    }
    X_ = X.compute()
    proba, log_proba = search.predict_proba(X), search.predict_log_proba(X)
    assert proba.shape[1] == 2 and log_proba.shape[1] == 2
    assert proba.shape[0] == 1000 or math.isnan(proba.shape[0])
    assert isinstance(proba, da.Array) and isinstance(log_proba, da.Array)
    da.utils.assert_eq(proba, search.predict_proba(X_))
    da.utils.assert_eq(log_proba, search.predict_log_proba(X_))
    assert search.decision_function(X_).shape == (1000,)


def test_search_plateau_patience(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    params = {"value": np.random.rand(10)}
    search = IncrementalSearchCV(
        ConstantClassifier(), params, n_initial_parameters=10, patience=5, tol=0, max_iter=10
    )
    fit(search, X, y, classes=[0, 1])
    assert pd.DataFrame(search.history_).partial_fit_calls.max() <= 5
    assert isinstance(search.best_estimator_, SGDClassifier)
    assert search.best_score_ == params["value"].max() == search.best_estimator_.value
    X_test, y_test = X.compute(), y.compute()
    search.predict(X_test)
    search.score(X_test, y_test)


def test_search_plateau_tol(fit):
    model = LinearFunction(slope=1)
    params = {"foo": np.linspace(0, 1)}
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    # Every 3 calls the score rises by 3: tol=1, the models improve enough.
    search = IncrementalSearchCV(model, params, patience=3, tol=1, max_iter=10)
    fit(search, X, y)
    assert set(search.cv_results_["partial_fit_calls"]) == {10}
    # tol=4: they do not.
    search = IncrementalSearchCV(model, params, patience=3, tol=4, max_iter=10)
    fit(search, X, y)
    assert set(search.cv_results_["partial_fit_calls"]) == {3}


def test_search_max_iter(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    params = {"alpha": np.logspace(-2, 10, 10), "l1_ratio": np.linspace(0.01, 1, 20)}
    search = IncrementalSearchCV(
        SGDClassifier(tol=1e-3, penalty="elasticnet"), params, n_initial_parameters=10, max_iter=1
    )
    fit(search, X, y, classes=[0, 1])
    assert all(d["partial_fit_calls"] <= 1 for d in search.history_)


def test_gridsearch(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    params = {"alpha": np.logspace(-2, 10, 3), "l1_ratio": np.linspace(0.01, 1, 2)}
    search = IncrementalSearchCV(SGDClassifier(tol=1e-3), params, n_initial_parameters="grid")
    fit(search, X, y, classes=[0, 1])
    from sklearn.model_selection import ParameterGrid

    assert {frozenset(d["params"].items()) for d in search.history_} == {
        frozenset(d.items()) for d in ParameterGrid(params)
    }


def test_numpy_array(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    X, y = X.compute(), y.compute()
    params = {"alpha": np.logspace(-5, -3, 10), "l1_ratio": np.linspace(0, 1, 20)}
    search = IncrementalSearchCV(
        SGDClassifier(tol=1e-3, penalty="elasticnet"), params, n_initial_parameters=10, max_iter=10
    )
    fit(search, X, y, classes=[0, 1])
    assert search.best_score_ > 0


def test_transform(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    params = {"n_clusters": [3, 4, 5], "n_init": [1, 2]}
    search = IncrementalSearchCV(MiniBatchKMeans(random_state=0), params, n_initial_parameters="grid")
    fit(search, X, y)
    result = search.transform(X.compute())
    assert result.shape == (100, search.best_estimator_.n_clusters)


@pytest.mark.parametrize("alphas", [[0.1, 0.5, 0.75, 1.0], [0.1, 0.5]], ids=["small", "smaller"])
def test_small_and_smaller(fit, alphas):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    search = IncrementalSearchCV(
        SGDClassifier(tol=1e-3, penalty="elasticnet"), {"alpha": alphas}, n_initial_parameters="grid"
    )
    fit(search, X, y, classes=[0, 1])
    search.predict(X.compute())


def test_same_params_with_random_state(fit):
    X, y = make_classification(n_samples=100, n_features=10, chunks=10, random_state=0)
    model = SGDClassifier(tol=1e-3, penalty="elasticnet", random_state=1)
    params = {"alpha": scipy.stats.uniform(1e-4, 1)}
    kwargs = dict(n_initial_parameters=10, random_state=2)
    search1 = InverseDecaySearchCV(clone(model), params, **kwargs)
    fit(search1, X, y, classes=[0, 1])
    search2 = InverseDecaySearchCV(clone(model), params, **kwargs)
    fit(search2, X, y, classes=[0, 1])
    assert np.allclose(
        search1.cv_results_["param_alpha"].astype(float), search2.cv_results_["param_alpha"].astype(float)
    )


def test_model_random_determinism(fit):
    n, d = 50, 5
    X, y = make_classification(n_samples=n, n_features=d, chunks=n // 10, random_state=0)
    params = {
        "loss": ["hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron"],
        "average": [True, False],
        "learning_rate": ["constant", "invscaling", "optimal"],
        "eta0": np.logspace(-2, 0, num=1000),
    }
    kwargs = dict(n_initial_parameters=10, random_state=2, max_iter=10)
    search1 = InverseDecaySearchCV(SGDClassifier(random_state=1), params, **kwargs)
    fit(search1, X, y, classes=[0, 1])
    search2 = InverseDecaySearchCV(SGDClassifier(random_state=1), params, **kwargs)
    fit(search2, X, y, classes=[0, 1])
    assert search1.best_score_ == search2.best_score_
    assert search1.best_params_ == search2.best_params_
    assert np.allclose(search1.best_estimator_.coef_, search2.best_estimator_.coef_)


def test_min_max_iter(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    search = IncrementalSearchCV(SGDClassifier(), {"alpha": np.logspace(-3, 0)}, max_iter=0)
    # Difference: the message (dask-ml: "max_iter < 1 is not supported").
    with pytest.raises(ValueError, match="max_iter=0 is invalid"):
        fit(search, X, y, classes=[0, 1])


def test_history(fit):
    X, y = make_classification(n_samples=10, n_features=4, chunks=10)
    alg = IncrementalSearchCV(ConstantFunction(), {"value": scipy.stats.uniform(0, 1)}, max_iter=9,
                              random_state=42)
    fit(alg, X, y)
    checks = [
        ("mean_partial_fit_time", float, lambda x: x >= 0),
        ("mean_score_time", float, lambda x: x >= 0),
        ("std_partial_fit_time", float, lambda x: x >= 0),
        ("std_score_time", float, lambda x: x >= 0),
        ("test_score", float, lambda x: x >= 0),
        ("rank_test_score", int, lambda x: x >= 1),
        ("model_id", int, None),
        ("partial_fit_calls", int, lambda x: x >= 0),
        ("params", None, lambda d: set(d) == {"value"}),
        # Difference: param_<name> columns are masked object arrays, as in scikit-learn.
        ("param_value", None, lambda x: x >= 0),
    ]
    # Difference: more columns (error, mean_test_score, n_resources, iter).
    assert {c for c, _, _ in checks} <= set(alg.cv_results_)
    for column, dtype, condition in checks:
        if dtype:
            assert alg.cv_results_[column].dtype == dtype
        if condition:
            assert all(condition(x) for x in alg.cv_results_[column])
    alg.best_estimator_.partial_fit(X, y)
    alg.best_estimator_.score(X, y)
    alg.score(X, y)
    assert isinstance(alg.best_index_, int)
    assert isinstance(alg.best_estimator_, ConstantFunction)
    assert isinstance(alg.best_score_, float)
    assert isinstance(alg.best_params_, dict)
    assert isinstance(alg.history_, list) and all(isinstance(h, dict) for h in alg.history_)
    assert isinstance(alg.model_history_, dict)
    assert all(vi in alg.history_ for v in alg.model_history_.values() for vi in v)
    assert isinstance(alg.multimetric_, bool)
    keys = {"score", "score_time", "partial_fit_calls", "partial_fit_time", "model_id",
            "elapsed_wall_time", "params"}
    assert all(set(h) - {"error"} == keys for h in alg.history_)
    assert (np.diff([v["elapsed_wall_time"] for v in alg.history_]) >= 0).all()
    for model_hist in alg.model_history_.values():
        calls = [h["partial_fit_calls"] for h in model_hist]
        assert (np.diff(calls) >= 1).all() or len(calls) == 1


def test_search_patience_infeasible_tol(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    params = {"value": np.random.RandomState(42).rand(1000)}
    search = IncrementalSearchCV(ConstantFunction(), params, max_iter=10, patience=3, tol=-10)
    fit(search, X, y, classes=[0, 1])
    assert pd.DataFrame(search.history_).partial_fit_calls.max() == 10


def test_search_basic_patience(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    rng = np.random.RandomState(42)
    max_iter, patience = 15, 5
    search = IncrementalSearchCV(
        LinearFunction(), {"slope": 2 + rng.rand(1000)}, max_iter=max_iter, tol=patience,
        patience=patience, fits_per_score=3,
    )
    fit(search, X, y, classes=[0, 1])
    # Difference: no model is trained past max_iter (dask-ml: max_iter + 1 here).
    assert pd.DataFrame(search.history_).partial_fit_calls.max() == max_iter
    search = IncrementalSearchCV(
        LinearFunction(), {"slope": 0.9 * rng.rand(1000)}, max_iter=max_iter, tol=patience,
        patience=patience, fits_per_score=3,
    )
    fit(search, X, y, classes=[0, 1])
    assert pd.DataFrame(search.history_).partial_fit_calls.max() == patience + 2


def test_search_invalid_patience(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    params = {"value": np.random.RandomState(42).rand(1000)}
    # Difference: the messages (dask-ml: "patience >= 2", "patience must be an integer").
    with pytest.raises(ValueError, match="patience=1 is invalid"):
        fit(IncrementalSearchCV(ConstantFunction(), params, patience=1, max_iter=10), X, y)
    with pytest.raises(ValueError, match="patience=2.0 is invalid"):
        fit(IncrementalSearchCV(ConstantFunction(), params, patience=2.0, max_iter=10), X, y)
    search = IncrementalSearchCV(ConstantFunction(), params, patience=False, max_iter=10)
    fit(search, X, y, classes=[0, 1])
    assert search.history_


def test_warns_scores_per_fit(fit):
    X, y = make_classification(n_samples=100, n_features=5, chunks=10)
    params = {"value": np.random.RandomState(42).rand(1000)}
    search = IncrementalSearchCV(ConstantFunction(), params, scores_per_fit=2)
    with pytest.warns(UserWarning, match="deprecated since Dask-ML v1.4.0"):
        fit(search, X, y)


# -- test_hyperband.py -----------------------------------------------------------------


@pytest.mark.parametrize(
    "library, max_iter", [("sklearn", 9), ("ConstantFunction", 15), ("ConstantFunction", 20)]
)
def test_hyperband_basic(fit, library, max_iter):
    rng = da.random.RandomState(42)
    n, d = 50, 2
    X = rng.normal(size=(n, d), chunks=n // 2)
    y = da.sign(X.dot(rng.uniform(size=d, chunks=d)))
    X, y = X.compute(), y.compute()
    params = {
        "loss": ["hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron"],
        "average": [True, False],
        "learning_rate": ["constant", "invscaling", "optimal"],
        "eta0": np.logspace(-2, 0, num=1000),
    }
    # tol=-np.inf (no stopping rule) is tol=None since scikit-learn 1.2.
    model = SGDClassifier(tol=None, penalty="elasticnet", random_state=42, eta0=0.1)
    if library == "ConstantFunction":
        model, params = ConstantFunction(), {"value": np.linspace(0, 1, num=1000)}
    search = HyperbandSearchCV(model, params, max_iter=max_iter, random_state=42)
    fit(search, X, y, classes=np.unique(y))
    score = search.best_estimator_.score(X, y)
    assert score == search.score(X, y)
    assert 0 <= score <= 1
    if library == "ConstantFunction":
        assert score == search.best_score_
    else:
        assert abs(score - search.best_score_) < 0.1
    assert type(search.best_estimator_) is type(model)
    assert isinstance(search.best_params_, dict)
    models = {9: 17, 15: 17, 20: 17, 27: 49, 30: 49, 81: 143}
    pf_calls = {9: 69, 15: 101, 20: 144, 27: 357, 30: 379, 81: 1581}
    assert len(set(search.cv_results_["model_id"])) == models[max_iter]
    assert sum(v[-1]["partial_fit_calls"] for v in search.model_history_.values()) == pf_calls[max_iter]
    if library == "ConstantFunction":
        scores = search.cv_results_["test_score"]
        assert scores[search.best_index_] == max(scores)
    model_ids = {h["model_id"] for h in search.history_}
    assert len(model_ids) + 3 >= max_iter
    assert all("bracket" in id_ for id_ in model_ids)


@pytest.mark.parametrize("max_iter, aggressiveness", [(27, 3), (30, 4)])
def test_hyperband_mirrors_paper_and_metadata(fit, max_iter, aggressiveness):
    X, y = make_classification(n_samples=10, n_features=4, chunks=10)
    params = {"value": np.random.rand(max_iter)}
    alg = HyperbandSearchCV(
        ConstantFunction(), params, max_iter=max_iter, random_state=0, aggressiveness=aggressiveness
    )
    fit(alg, X, y)
    assert alg.metadata == alg.metadata_
    assert isinstance(alg.metadata["brackets"], list)
    # Difference: metadata also names the halving rule.
    assert set(alg.metadata) == {"n_models", "partial_fit_calls", "brackets", "halving"}
    for bracket in alg.metadata["brackets"]:
        assert set(bracket) == {
            "n_models", "partial_fit_calls", "bracket", "SuccessiveHalvingSearchCV params", "decisions"
        }
    if aggressiveness == 3:
        assert alg.best_score_ == params["value"].max()


def test_hyperband_patience(fit):
    X, y = make_classification(n_samples=10, n_features=4, chunks=10)
    model, params = ConstantFunction(), {"value": scipy.stats.uniform(0, 1)}
    max_iter = 27
    alg = HyperbandSearchCV(model, params, max_iter=max_iter, patience=True, random_state=0)
    fit(alg, X, y)
    alg_patience = max_iter // alg.aggressiveness
    actual_decisions = [b.pop("decisions") for b in alg.metadata_["brackets"]]
    paper_decisions = [b.pop("decisions") for b in alg.metadata["brackets"]]
    for paper_iter, actual_iter in zip(paper_decisions, actual_decisions):
        assert {k for k in paper_iter if k <= alg_patience} <= set(actual_iter)
        assert all(x <= alg_patience + 1 for x in actual_iter)
    assert alg.metadata_["partial_fit_calls"] <= alg.metadata["partial_fit_calls"]
    assert alg.best_score_ >= 0.9

    kwargs = dict(max_iter=6, aggressiveness=2)
    # Difference: the message (dask-ml: "The goal of `patience` ...").
    with pytest.warns(UserWarning, match="patience=2 is less than max_iter // aggressiveness"):
        fit(HyperbandSearchCV(model, params, patience=2, **kwargs), X, y)
    for tol in (np.nan, None):
        alg = HyperbandSearchCV(model, params, patience=2, tol=tol, **kwargs)
        fit(alg, X, y)
        assert pd.DataFrame(alg.history_).partial_fit_calls.max() == 6
    # Difference: the message (dask-ml: "always detect a plateau").
    with pytest.raises(ValueError, match="patience=1 is invalid"):
        fit(HyperbandSearchCV(model, params, patience=1, **kwargs), X, y)


def test_cv_results_order_preserved(fit):
    X, y = make_classification(n_samples=10, n_features=4, chunks=10)
    alg = HyperbandSearchCV(ConstantFunction(), {"value": scipy.stats.uniform(0, 1)}, max_iter=9,
                            random_state=42)
    fit(alg, X, y)
    info = {k: v[-1] for k, v in alg.model_history_.items()}
    for _, row in pd.DataFrame(alg.cv_results_).iterrows():
        model_info = info[row["model_id"]]
        assert row["bracket"] == model_info["bracket"]
        assert row["params"] == model_info["params"]
        assert np.allclose(row["test_score"], model_info["score"])


def test_successive_halving_params(fit):
    X, y = make_classification(n_samples=10, n_features=4, chunks=10)
    model, params = ConstantFunction(), {"value": scipy.stats.uniform(0, 1)}
    alg = HyperbandSearchCV(model, params, max_iter=27, random_state=42)
    for true_meta in alg.metadata["brackets"]:
        sha = SuccessiveHalvingSearchCV(model, params, **true_meta["SuccessiveHalvingSearchCV params"])
        fit(sha, X, y)
        assert true_meta["n_models"] == len(sha.model_history_)
        assert true_meta["partial_fit_calls"] == sum(
            v[-1]["partial_fit_calls"] for v in sha.model_history_.values()
        )


def test_hyperband_min_max_iter(fit):
    X, y = make_classification(n_samples=10, n_features=4, chunks=10)
    h = HyperbandSearchCV(ConstantFunction(), {"value": scipy.stats.uniform(0, 1)}, max_iter=1)
    fit(h, X, y)
    assert h.best_score_ > 0


def test_hyperband_history(fit):
    X, y = make_classification(n_samples=10, n_features=4, chunks=10)
    alg = HyperbandSearchCV(ConstantFunction(), {"value": scipy.stats.uniform(0, 1)}, max_iter=9,
                            random_state=42)
    fit(alg, X, y)
    assert alg.cv_results_["model_id"].dtype == "<U11"
    assert all(isinstance(v, str) for v in alg.cv_results_["model_id"])
    assert all("bracket=" in h["model_id"] for h in alg.history_)
    assert all("bracket" in h for h in alg.history_)
    assert (np.diff([v["elapsed_wall_time"] for v in alg.history_]) >= 0).all()
    for model_hist in alg.model_history_.values():
        calls = [h["partial_fit_calls"] for h in model_hist]
        assert (np.diff(calls) >= 1).all() or len(calls) == 1


def test_hyperband_dataframe_inputs(fit):
    X = dd.from_pandas(pd.DataFrame({"x": [1, 2, 3], "y": [4, 5, 6]}), npartitions=2)
    y = dd.from_pandas(pd.Series([False, True, True]), npartitions=2)
    alg = HyperbandSearchCV(ConstantFunction(), {"value": scipy.stats.uniform(0, 1)}, max_iter=9,
                            random_state=42)
    fit(alg, X, y)


# -- test_successive_halving.py ----------------------------------------------------------


def test_basic_successive_halving(fit):
    params = {"alpha": np.logspace(-3, 0, num=1000)}
    # Difference: settings after the space are keyword-only (dask-ml: SHA(model, params, 10, 5)).
    search = SuccessiveHalvingSearchCV(SGDClassifier(tol=1e-3), params, n_initial_parameters=10,
                                       n_initial_iter=5)
    X, y = sk_make_classification()
    fit(search, X, y, classes=np.unique(y))
    assert search.best_score_ > 0
    assert isinstance(search.best_estimator_, SGDClassifier)
