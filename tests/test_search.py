"""The searches end to end, through the public API, on real Dask clusters."""

from __future__ import annotations

import logging
import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from conftest import ScoreIsValue, scheduler_task_count
from distributed import Client, LocalCluster, get_client
from scipy.stats import loguniform, randint, uniform
from sklearn.base import clone
from sklearn.cluster import MiniBatchKMeans
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.neural_network import MLPClassifier

from hbsearch import HyperbandSearchCV, IncrementalSearchCV, InverseDecaySearchCV, SuccessiveHalvingSearchCV

CV_RESULTS_KEYS = {
    "mean_partial_fit_time",
    "std_partial_fit_time",
    "mean_score_time",
    "std_score_time",
    "test_score",
    "rank_test_score",
    "model_id",
    "partial_fit_calls",
    "params",
    "error",
    "mean_test_score",
    "n_resources",
    "iter",
}
HISTORY_KEYS = {
    "model_id",
    "params",
    "partial_fit_calls",
    "partial_fit_time",
    "score",
    "score_time",
    "elapsed_wall_time",
    "bracket",
    "error",
}


@pytest.fixture(scope="module")
def classification():
    X, y = make_classification(
        n_samples=2000, n_features=10, n_informative=5, n_classes=3, random_state=0
    )
    return X, y


def sgd_space():
    return {"alpha": loguniform(1e-5, 1e-1), "penalty": ["l2", "l1", "elasticnet"]}


# -- the known answer --------------------------------------------------------


def test_hyperband_finds_the_known_best(client):
    X = np.zeros((300, 2))
    search = HyperbandSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=27, random_state=0
    )
    planned = search.metadata
    search.fit(X)
    results = search.cv_results_
    values = np.array([p["value"] for p in results["params"]])
    # Every model's score is its value, so the best is the largest value sampled.
    assert search.best_params_ == {"value": values.max()}
    assert search.best_score_ == pytest.approx(values.max())
    assert results["test_score"] == pytest.approx(values)
    assert search.metadata_ == planned == search.metadata
    assert len(values) == planned["n_models"] == 49
    assert results["partial_fit_calls"].sum() == planned["partial_fit_calls"] == 357
    # The best model of each bracket's first rung survives to its bracket's end.
    for bracket in planned["brackets"]:
        rows = results["bracket"] == bracket["bracket"]
        best_row = np.flatnonzero(rows)[np.argmax(values[rows])]
        assert results["partial_fit_calls"][best_row] == max(bracket["decisions"])
    assert search.best_estimator_.calls_ == 27
    assert search.best_estimator_.value == values.max()


def test_cv_results_history_and_ranks(client, classification):
    X, y = classification
    search = HyperbandSearchCV(SGDClassifier(random_state=0), sgd_space(), max_iter=9, random_state=1)
    search.fit(X, y)
    results = search.cv_results_
    n = search.metadata["n_models"]
    assert CV_RESULTS_KEYS | {"bracket", "param_alpha", "param_penalty"} == set(results)
    assert all(len(v) == n for v in results.values())
    for key in ("param_alpha", "param_penalty"):
        assert results[key].dtype == object
    assert results["model_id"].dtype.kind == "U"  # strings, as dask-ml's
    order = np.argsort(-results["test_score"], kind="stable")
    ranks = results["rank_test_score"]
    # One ranking over all brackets: ranks follow scores, ties share a rank.
    assert ranks[order[0]] == 1 and ranks.min() == 1
    assert np.all(np.diff(ranks[order]) >= 0)
    assert ranks[search.best_index_] == 1
    assert search.best_score_ == results["test_score"].max()
    assert search.best_params_ == results["params"][search.best_index_]
    assert set(results["model_id"]) == {
        f"bracket={b['bracket']}-{i}" for b in search.metadata["brackets"] for i in range(b["n_models"])
    }
    assert pd.DataFrame(results).shape[0] == n
    # history_: every score, in the order received.
    assert all(set(h) == HISTORY_KEYS for h in search.history_)
    times = [h["elapsed_wall_time"] for h in search.history_]
    assert times == sorted(times)
    assert len(search.history_) == sum(len(v) for v in search.model_history_.values())
    for model_id, records in search.model_history_.items():
        assert {r["model_id"] for r in records} == {model_id}
        row = list(results["model_id"]).index(model_id)
        assert records[-1]["score"] == results["test_score"][row]
        assert records[-1]["partial_fit_calls"] == results["partial_fit_calls"][row]
    assert search.n_splits_ == 1 and search.multimetric_ is False
    assert scheduler_task_count(client) == 0


# -- real estimators, numpy and dask ---------------------------------------------


def test_sgd_on_numpy_and_dask_arrays(client, classification):
    X, y = classification
    search = HyperbandSearchCV(SGDClassifier(random_state=0), sgd_space(), max_iter=9, random_state=0)
    search.fit(X, y)
    assert search.best_score_ > 0.6
    assert set(search.classes_) == {0, 1, 2}
    numpy_predictions = search.predict(X)
    assert numpy_predictions.shape == (len(X),)

    Xd, yd = da.from_array(X, chunks=250), da.from_array(y, chunks=250)
    search.fit(Xd, yd)
    assert search.metadata_ == search.metadata
    assert search.best_score_ > 0.6
    predicted = search.predict(Xd)
    assert isinstance(predicted, da.Array)
    assert np.array_equal(predicted.compute(), search.best_estimator_.predict(X))
    decision = search.decision_function(Xd)
    assert isinstance(decision, da.Array) and decision.compute().shape == (len(X), 3)
    assert search.score(Xd, yd) == pytest.approx(search.best_estimator_.score(X, y))
    # Each partial_fit call got one block: the training part of a 250-row chunk.
    assert scheduler_task_count(client) == 0


def test_mlp_on_dask_array_with_tuple_parameters(client):
    X, y = make_classification(n_samples=1200, n_features=6, random_state=0)
    Xd, yd = da.from_array(X, chunks=300), da.from_array(y, chunks=300)
    layers = [(8,), (6, 6), (4, 4, 4)]
    search = HyperbandSearchCV(
        MLPClassifier(random_state=0),
        {"hidden_layer_sizes": layers, "alpha": loguniform(1e-5, 1e-2), "batch_size": randint(16, 65)},
        max_iter=9,
        random_state=0,
    )
    search.fit(Xd, yd)
    column = search.cv_results_["param_hidden_layer_sizes"]
    assert column.dtype == object
    assert all(any(value is layer for layer in layers) for value in column)
    assert all(isinstance(v, int) for v in search.cv_results_["param_batch_size"])
    assert search.best_score_ > 0.5
    assert search.predict_proba(Xd).compute().shape == (len(X), 2)


def test_pandas_and_dask_dataframe_inputs(client, classification):
    X, y = classification
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    target = pd.Series(y, name="target")
    search = SuccessiveHalvingSearchCV(
        SGDClassifier(random_state=0), sgd_space(), n_initial_parameters=6, max_iter=6, random_state=0
    )
    search.fit(frame, target)
    assert search.metadata_ == search.metadata
    import dask.dataframe as dd

    dframe = dd.from_pandas(frame, npartitions=4)
    dtarget = dd.from_pandas(target, npartitions=4)
    search.fit(dframe, dtarget)
    assert search.metadata_ == search.metadata
    # The models saw DataFrames, so they know the feature names.
    assert list(search.best_estimator_.feature_names_in_) == list(frame.columns)
    predicted = search.predict(dframe).compute()
    assert np.array_equal(predicted, search.best_estimator_.predict(frame))


def test_regression_with_a_scoring_string(client):
    X, y = make_regression(n_samples=800, n_features=5, noise=1.0, random_state=0)
    search = HyperbandSearchCV(
        SGDRegressor(random_state=0),
        {"alpha": loguniform(1e-6, 1e-1), "eta0": [0.001, 0.01]},
        max_iter=9,
        scoring="neg_mean_squared_error",
        random_state=0,
    )
    search.fit(da.from_array(X, chunks=200), da.from_array(y, chunks=200))
    assert search.best_score_ <= 0
    assert search.best_score_ == pytest.approx(search.score(X, y), rel=0.5)


def test_unsupervised_estimator_without_y(client):
    X, _ = make_classification(n_samples=600, n_features=4, random_state=0)
    search = IncrementalSearchCV(
        MiniBatchKMeans(random_state=0, n_init=1),
        {"n_clusters": [2, 3, 4]},
        n_initial_parameters=3,
        max_iter=3,
        random_state=0,
    )
    search.fit(da.from_array(X, chunks=150))
    assert search.metadata_ == search.metadata == {"n_models": 3, "partial_fit_calls": 9, "max_iter": 3}
    assert search.transform(X).shape[0] == len(X)


def test_fit_params_reach_partial_fit(client, classification):
    X, y = classification
    # Classes beyond those in y are only known to the model if fit_params arrive.
    search = IncrementalSearchCV(
        SGDClassifier(random_state=0), sgd_space(), n_initial_parameters=2, max_iter=2, random_state=0
    )
    search.fit(X, y, classes=np.array([0, 1, 2, 3]))
    assert list(search.best_estimator_.classes_) == [0, 1, 2, 3]


# -- the other searches and patience ----------------------------------------------


def test_successive_halving_with_default_n_initial_iter(client):
    search = SuccessiveHalvingSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=9, max_iter=27, random_state=0
    )
    # 9 models at 3 calls, 3 at 9, 1 at 27.
    assert search.metadata == {"n_models": 9, "partial_fit_calls": 63, "max_iter": 27, "halving": "synchronous"}
    search.fit(np.zeros((100, 1)))
    assert search.metadata_ == search.metadata
    values = [p["value"] for p in search.cv_results_["params"]]
    assert search.best_params_["value"] == max(values)
    assert search.best_estimator_.calls_ == 27
    assert "bracket" not in search.cv_results_


def test_incremental_search_trains_every_model_fully(client):
    search = IncrementalSearchCV(
        ScoreIsValue(slope=0.01), {"value": uniform(0, 1)}, n_initial_parameters=5, max_iter=6,
        fits_per_score=2, random_state=0,
    )
    search.fit(np.zeros((50, 1)))
    assert list(search.cv_results_["partial_fit_calls"]) == [6] * 5
    # Scored after the first call, then every 2 calls, and at max_iter (as dask-ml).
    assert all(
        [r["partial_fit_calls"] for r in h] == [1, 3, 5, 6] for h in search.model_history_.values()
    )


def test_patience_stops_models_whose_score_is_flat(client):
    flat = HyperbandSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=27, patience=True, tol=1e-3, random_state=0
    )
    flat.fit(np.zeros((60, 1)))
    # patience=True is max_iter // aggressiveness = 9 calls. As in dask-ml, every
    # model is scored after its first call, then every 9 calls and at each rung:
    # flat scores stop every model by 10 calls.
    assert max(flat.cv_results_["partial_fit_calls"]) == 10
    assert all(h[0]["partial_fit_calls"] == 1 for h in flat.model_history_.values())
    assert flat.metadata_["partial_fit_calls"] < flat.metadata["partial_fit_calls"]
    assert flat.metadata_["n_models"] == flat.metadata["n_models"]
    # metadata_ counts from the fit: decisions are the calls at which the models
    # were scored (the first call's score only where the plan decides at 1).
    assert {b["bracket"]: b["decisions"] for b in flat.metadata_["brackets"]} == {
        0: [10], 1: [9], 2: [3, 9], 3: [1, 3, 9]
    }

    rising = clone(flat).set_params(estimator=ScoreIsValue(slope=0.01))
    rising.fit(np.zeros((60, 1)))
    assert rising.metadata_["partial_fit_calls"] == rising.metadata["partial_fit_calls"]
    assert rising.metadata_["n_models"] == rising.metadata["n_models"]
    for fitted, planned in zip(rising.metadata_["brackets"], rising.metadata["brackets"]):
        # The scores between rungs are decisions too (to go on or stop).
        assert set(planned["decisions"]) < set(fitted["decisions"])


def test_incremental_search_scores_as_dask_ml_does(client):
    # Scored after the first call, then every min(fits_per_score, patience) calls.
    search = IncrementalSearchCV(
        ScoreIsValue(slope=1.0), {"value": [0.5]}, n_initial_parameters=1, max_iter=8,
        fits_per_score=3, random_state=0,
    )
    search.fit(np.zeros((40, 1)))
    assert [h["partial_fit_calls"] for h in search.history_] == [1, 4, 7, 8]
    search.set_params(patience=2, tol=None).fit(np.zeros((40, 1)))
    assert [h["partial_fit_calls"] for h in search.history_] == [1, 3, 5, 7, 8]
    # A flat model stops once two scores lie within patience calls: at 3.
    search.set_params(estimator=ScoreIsValue(), tol=0.0).fit(np.zeros((40, 1)))
    assert [h["partial_fit_calls"] for h in search.history_] == [1, 3]
    assert search.metadata_ == {"n_models": 1, "partial_fit_calls": 3, "max_iter": 8}


def test_small_patience_warns_as_dask_ml_does(client):
    search = HyperbandSearchCV(
        ScoreIsValue(slope=0.01), {"value": [0.2, 0.4]}, max_iter=9, patience=2, random_state=0
    )
    with pytest.warns(UserWarning, match=r"patience=2 is less than max_iter // aggressiveness = 3"):
        search.fit(np.zeros((30, 1)))
    # None for patience=True, a patience as large, or tol=None.
    for settings in ({"patience": True}, {"patience": 3}, {"tol": None}):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            clone(search).set_params(**settings).fit(np.zeros((30, 1)))


# -- reproducibility and clusters ----------------------------------------------------


def _search_results(search):
    results = search.cv_results_
    return [(p, s) for p, s in zip(results["params"], results["test_score"])]


def test_same_random_state_same_results_whatever_the_workers(classification):
    X, y = classification
    Xd, yd = da.from_array(X, chunks=400), da.from_array(y, chunks=400)
    search = HyperbandSearchCV(SGDClassifier(random_state=0), sgd_space(), max_iter=9, random_state=7)
    outcomes = []
    for n_workers in (1, 3):
        with LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster, Client(cluster):
            assert len(get_client().scheduler_info()["workers"]) == n_workers
            outcomes.append(_search_results(clone(search).fit(Xd, yd)))
    assert outcomes[0] == outcomes[1]
    with LocalCluster(n_workers=2, processes=False, dashboard_address=":0") as cluster, Client(cluster):
        other = _search_results(clone(search).set_params(random_state=8).fit(Xd, yd))
    assert other != outcomes[0]


def test_multi_process_cluster_from_the_command_line(process_cluster_address, classification):
    X, y = classification
    with Client(process_cluster_address) as c:
        search = HyperbandSearchCV(
            SGDClassifier(random_state=0), sgd_space(), max_iter=9, random_state=0
        )
        search.fit(da.from_array(X, chunks=500), da.from_array(y, chunks=500))
        assert search.metadata_ == search.metadata
        assert search.best_score_ > 0.6
        assert scheduler_task_count(c) == 0
        workers = {h["model_id"] for h in search.history_}
        assert len(workers) == search.metadata["n_models"]


# -- estimator conventions ---------------------------------------------------------


def test_clone_get_and_set_params():
    search = HyperbandSearchCV(SGDClassifier(), sgd_space(), max_iter=9, aggressiveness=4)
    params = search.get_params()
    assert params["max_iter"] == 9 and params["aggressiveness"] == 4
    assert params["estimator__alpha"] == SGDClassifier().alpha
    cloned = clone(search)
    assert cloned.get_params()["max_iter"] == 9
    cloned.set_params(max_iter=27, estimator__alpha=0.5)
    # max_iter=27 at aggressiveness 4: brackets of 16, 6 and 3 models.
    assert cloned.metadata["n_models"] == 25 and cloned.estimator.alpha == 0.5
    assert search.max_iter == 9


def test_metadata_touches_nothing():
    state = np.random.RandomState(3)
    before = state.get_state()[1].copy()
    search = HyperbandSearchCV(SGDClassifier(), sgd_space(), max_iter=243, random_state=state)
    metadata = search.metadata
    assert np.array_equal(state.get_state()[1], before)
    assert len(metadata["brackets"]) == 6
    assert [b["bracket"] for b in metadata["brackets"]] == [0, 1, 2, 3, 4, 5]


def test_verbose_logs_with_prefix(client, capsys):
    search = SuccessiveHalvingSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=3, max_iter=3,
        verbose=True, prefix="-demo", random_state=0,
    )
    search.fit(np.zeros((30, 1)))
    out = capsys.readouterr().out
    assert "[CV-demo] fitting 3 models" in out
    assert "best score" in out
    assert logging.getLogger("hbsearch").handlers == []


def test_progress_bar_and_decision_log(client, capsys):
    search = HyperbandSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=9, progress=True, verbose=2, random_state=0
    )
    search.fit(np.zeros((30, 1)))
    captured = capsys.readouterr()
    # The bar counts planned partial_fit calls and shows the best score.
    assert "69/69" in captured.err
    assert f"best={search.best_score_:.4g}" in captured.err
    decisions = [line for line in captured.out.splitlines() if "decided" in line]
    assert len(decisions) == sum(len(b["decisions"]) for b in search.metadata["brackets"])
    assert any("bracket=2 (iteration 0): rung at 1 calls decided: 9 models scored, 3 go on" in d for d in decisions)
    assert sum("bracket finished" in d for d in decisions) == len(search.metadata["brackets"])


def test_sparse_input_and_estimator_attributes(client, classification):
    import scipy.sparse

    X, y = classification
    search = SuccessiveHalvingSearchCV(
        SGDClassifier(random_state=0), sgd_space(), n_initial_parameters=3, max_iter=3, random_state=0
    )
    search.fit(scipy.sparse.coo_matrix(X), y)
    assert search.n_features_in_ == X.shape[1]
    assert search.n_iter_ == 3
    assert not hasattr(search, "feature_names_in_")  # numpy-like input has no column names
    assert search.score(X, y) > 0.5
    with pytest.raises(AttributeError):
        SuccessiveHalvingSearchCV(SGDClassifier(), sgd_space()).n_features_in_


@pytest.mark.parametrize("checkpoint", [False, True], ids=["plain", "checkpoint"])
def test_a_locally_defined_estimator_and_a_lambda_value_are_shipped_as_dask_ships_them(tmp_path, checkpoint):
    from sklearn.base import BaseEstimator

    class Local(BaseEstimator):  # defined here: the standard library cannot pickle it
        def __init__(self, transform=None, value=0.0):
            self.transform, self.value = transform, value

        def partial_fit(self, X, y=None):
            self.calls_ = getattr(self, "calls_", 0) + 1
            return self

        def score(self, X, y=None):
            return self.transform(self.value)

    search = HyperbandSearchCV(
        Local(), {"transform": [lambda v: -v], "value": uniform(0, 1)}, max_iter=9, random_state=0,
        checkpoint=str(tmp_path / "search.ckpt") if checkpoint else None,
    )
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0") as c, Client(c):
        search.fit(np.zeros((20, 2)))
        assert search.best_score_ == max(search.cv_results_["test_score"])
        assert search.best_params_["value"] == min(p["value"] for p in search.cv_results_["params"])
        if checkpoint:
            # The saved models load again: a second fit answers from the file.
            again = clone(search).fit(np.zeros((20, 2)))
            assert again.cv_results_["test_score"].tolist() == search.cv_results_["test_score"].tolist()


def test_metadata_brackets_in_dask_ml_order_with_settings_that_rebuild_them():
    search = HyperbandSearchCV(
        SGDClassifier(), sgd_space(), max_iter=243, aggressiveness=2, patience=True, tol=0.01,
        test_size=0.25, random_state=3, scoring="accuracy", prefix="hb",
    )
    brackets = search.metadata["brackets"]
    assert [b["bracket"] for b in brackets] == list(range(len(brackets)))
    names = set(SuccessiveHalvingSearchCV(SGDClassifier(), {}).get_params(deep=False)) - {"estimator", "parameters"}
    for b in brackets:
        settings = b["SuccessiveHalvingSearchCV params"]
        assert set(settings) == names
        assert settings["patience"] == 243 // 2 and settings["tol"] == 0.01
        assert settings["test_size"] == 0.25 and settings["scoring"] == "accuracy"
        assert settings["random_state"] == 3 and settings["prefix"] == f"hb, bracket={b['bracket']}"
        # The settings run the same bracket on its own.
        alone = SuccessiveHalvingSearchCV(SGDClassifier(), sgd_space(), **settings).metadata
        assert (alone["n_models"], alone["partial_fit_calls"]) == (b["n_models"], b["partial_fit_calls"])


# -- dask-ml's other settings and classes ---------------------------------------------


def test_inverse_decay_keeps_the_best_models_as_dask_ml_schedules(client):
    values = [i / 20 for i in range(20)]
    search = InverseDecaySearchCV(
        ScoreIsValue(slope=0.001), {"value": values}, n_initial_parameters=20, max_iter=10, random_state=0
    )
    # int(20 / (1 + t)): 20 models after 1 call, then 5, 4, 3 and 2 for one call each.
    assert search.metadata == {"n_models": 20, "partial_fit_calls": 34, "max_iter": 10}
    search.fit(np.zeros((50, 1)))
    assert search.metadata_ == search.metadata
    calls = dict(zip([p["value"] for p in search.cv_results_["params"]], search.cv_results_["partial_fit_calls"]))
    # The best models by score go on: 0.95 and 0.9 to 5 calls, 0.85 to 4, 0.8 to 3, 0.75 to 2.
    assert [calls[v] for v in (0.95, 0.9, 0.85, 0.8, 0.75, 0.7)] == [5, 5, 4, 3, 2, 1]
    assert search.best_params_ == {"value": 0.95}
    assert set(search.cv_results_["iter"]) == {0, 1, 2, 3, 4}
    # decay_rate=0 keeps every model to max_iter.
    assert clone(search).set_params(decay_rate=0).metadata["partial_fit_calls"] == 200


def test_scores_per_fit_and_decay_rate_as_dask_ml_treats_them(client):
    search = IncrementalSearchCV(
        ScoreIsValue(), {"value": [0.5]}, n_initial_parameters=1, max_iter=7, scores_per_fit=3
    )
    with pytest.warns(UserWarning, match="scores_per_fit=3 is used as fits_per_score=3"):
        search.fit(np.zeros((30, 1)))
    assert [h["partial_fit_calls"] for h in search.history_] == [1, 4, 7]
    with pytest.warns(FutureWarning, match="decay_rate=1.0 is ignored by IncrementalSearchCV"):
        search.set_params(scores_per_fit=None, decay_rate=1.0).fit(np.zeros((30, 1)))
    assert search.metadata_ == search.metadata


def test_cv_results_have_scikit_learn_and_dask_ml_columns(client):
    hyperband = HyperbandSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=9, random_state=0)
    hyperband.fit(np.zeros((30, 1)))
    results = hyperband.cv_results_
    np.testing.assert_array_equal(results["mean_test_score"], results["test_score"])
    np.testing.assert_array_equal(results["n_resources"], results["partial_fit_calls"])
    # iter: the last rung a model reached; its calls are that rung's.
    plan = {b["bracket"]: b["decisions"] for b in hyperband.metadata["brackets"]}
    for bracket, it, calls in zip(results["bracket"], results["iter"], results["partial_fit_calls"]):
        assert plan[bracket][it] == calls
    # model_id as in dask-ml: strings for Hyperband, integers for the others.
    assert results["model_id"].dtype.kind == "U"
    incremental = IncrementalSearchCV(ScoreIsValue(), {"value": [0.1, 0.2]}, n_initial_parameters=2, max_iter=2)
    assert incremental.fit(np.zeros((30, 1))).cv_results_["model_id"].dtype.kind == "i"
    assert sorted(incremental.model_history_) == list(incremental.cv_results_["model_id"])
