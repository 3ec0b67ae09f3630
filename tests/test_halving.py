"""Asynchronous successive halving through the public API, on a real Dask cluster."""

from __future__ import annotations

from collections import Counter

import numpy as np
from conftest import ScoreIsValue, scheduler_task_count
from scipy.stats import loguniform, uniform
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from hbsearch import HyperbandSearchCV, IncrementalSearchCV, SuccessiveHalvingSearchCV

SPACE = {"alpha": loguniform(1e-5, 1e-1), "penalty": ["l2", "l1", "elasticnet"]}


def planned_final_calls(bracket, n_iterations=1):
    """How many models of a bracket end at each number of calls, by the plan."""
    rungs = bracket["decisions"]
    sizes = [bracket["n_models"] // n_iterations]
    eta = bracket["SuccessiveHalvingSearchCV params"]["aggressiveness"]
    for _ in rungs[1:]:
        sizes.append(sizes[-1] // eta)
    sizes.append(0)
    return Counter({c: (sizes[k] - sizes[k + 1]) * n_iterations for k, c in enumerate(rungs)
                    if sizes[k] > sizes[k + 1]})


def test_defaults_and_metadata_key():
    for search in (
        HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=9),
        SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, n_initial_parameters=9, max_iter=9),
    ):
        assert search.get_params()["halving"] == "synchronous"
        assert search.metadata["halving"] == "synchronous"
        asynchronous = clone(search).set_params(halving="asynchronous")
        assert asynchronous.metadata["halving"] == "asynchronous"
        # The same plan either way (each bracket's settings name the halving).
        def plan(metadata):
            brackets = [
                {k: v for k, v in b.items() if k != "SuccessiveHalvingSearchCV params"}
                for b in metadata.get("brackets", [])
            ]
            return {**{k: v for k, v in metadata.items() if k != "halving"}, "brackets": brackets}

        assert plan(asynchronous.metadata) == plan(search.metadata)
        for b in asynchronous.metadata.get("brackets", []):
            assert b["SuccessiveHalvingSearchCV params"]["halving"] == "asynchronous"
    # The passive search has a single rung: nothing to halve, no setting.
    assert "halving" not in IncrementalSearchCV(SGDClassifier(), SPACE).get_params()
    assert "halving" not in IncrementalSearchCV(SGDClassifier(), SPACE).metadata


def test_asynchronous_hyperband_follows_the_plan(client):
    X, y = make_classification(n_samples=600, n_features=8, n_informative=4, random_state=0)
    search = HyperbandSearchCV(
        SGDClassifier(random_state=0), SPACE, max_iter=27, halving="asynchronous", random_state=0
    )
    search.fit(X, y)
    planned = search.metadata
    assert planned["halving"] == "asynchronous"
    assert search.metadata_ == planned
    results = search.cv_results_
    n = planned["n_models"]
    assert all(len(v) == n for v in results.values())
    assert results["partial_fit_calls"].sum() == planned["partial_fit_calls"] == 357
    assert len(set(results["model_id"])) == n
    # Per bracket, as many models end at each rung as the plan says.
    for bracket in planned["brackets"]:
        rows = results["bracket"] == bracket["bracket"]
        assert rows.sum() == bracket["n_models"]
        assert Counter(results["partial_fit_calls"][rows].tolist()) == planned_final_calls(bracket)
    assert search.best_score_ == results["test_score"].max()
    assert results["rank_test_score"][search.best_index_] == 1
    assert search.best_params_ == results["params"][search.best_index_]
    assert all(h["error"] is None for h in search.history_)
    # One record per model and rung it reached.
    assert len(search.history_) == sum(
        len([c for c in bracket["decisions"] if c <= calls])
        for bracket in planned["brackets"]
        for calls, b in zip(results["partial_fit_calls"], results["bracket"])
        if b == bracket["bracket"]
    )
    assert search.score(X, y) > 0.5
    assert scheduler_task_count(client) == 0


def test_asynchronous_successive_halving_with_patience(client):
    search = SuccessiveHalvingSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=27, n_initial_iter=1,
        halving="asynchronous", random_state=0,
    )
    search.fit(np.zeros((100, 1)))
    assert search.metadata_ == search.metadata
    assert search.metadata == {"n_models": 27, "partial_fit_calls": 81, "max_iter": None, "halving": "asynchronous"}
    assert Counter(search.cv_results_["partial_fit_calls"].tolist()) == {1: 18, 3: 6, 9: 2, 27: 1}
    # Flat scores and patience: models stop early, and every rung keeps its place.
    flat = clone(search).set_params(patience=2, tol=1e-3)
    flat.fit(np.zeros((100, 1)))
    # Scored at 1 and 3 calls, flat between them: the 9 promoted stop at 3 calls.
    assert flat.metadata_["n_models"] == 27
    assert flat.metadata_["partial_fit_calls"] == 27 * 1 + 9 * 2
    assert Counter(flat.cv_results_["partial_fit_calls"].tolist()) == {1: 18, 3: 9}
