"""Learning samplers through the search: later brackets learn from earlier ones."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Sphere
from distributed import Client, LocalCluster
from scipy.stats import loguniform, uniform
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from hbsearch import HyperbandSearchCV, IncrementalSearchCV

SPACE = {f"x{i}": uniform(0, 1) for i in range(4)}


def median_best(client, sampler, seeds=(0, 1, 2)):
    best = []
    for seed in seeds:
        search = HyperbandSearchCV(
            Sphere(), SPACE, max_iter=3, n_iterations=40, sampler=sampler, random_state=seed
        )
        search.fit(np.zeros((10, 1)))
        assert search.metadata_ == search.metadata
        best.append(search.best_score_)
    return float(np.median(best))


def test_de_and_bo_beat_random_by_a_wide_margin(client):
    # 200 models in 80 bracket runs; the optimum scores 0, so -best is the regret.
    random = median_best(client, "random")
    for sampler in ("de", "bo"):
        regret = -median_best(client, sampler)
        assert regret < -random / 5, (sampler, regret, random)


@pytest.mark.parametrize("sampler", ["de", "bo", "gp"])
def test_same_results_whatever_the_number_of_workers(sampler):
    search = HyperbandSearchCV(Sphere(), SPACE, max_iter=9, n_iterations=4, sampler=sampler, random_state=3)
    outcomes = []
    for n_workers in (1, 4):
        with LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster, Client(cluster):
            fitted = clone(search).fit(np.zeros((10, 1)))
        results = fitted.cv_results_
        outcomes.append((results["params"], results["test_score"].tolist(), list(results["model_id"])))
    assert outcomes[0] == outcomes[1]
    # Model ids stay unique across iterations.
    assert len(set(outcomes[0][2])) == len(outcomes[0][2]) == search.metadata["n_models"]


MIXED = {
    "alpha": loguniform(1e-6, 1e-1),
    "l1_ratio": [0.0, 0.15, 0.5, 0.85, 1.0],
    "penalty": ["l2", "elasticnet"],
}


def test_reproducible_learning_gives_identical_results_on_one_and_four_worker_processes():
    X, y = make_classification(n_samples=600, n_features=10, random_state=0)
    search = HyperbandSearchCV(
        SGDClassifier(random_state=0), MIXED, max_iter=9, n_iterations=3, sampler="bo", random_state=1
    )
    outcomes = []
    for n_workers, processes in ((1, False), (4, True)):
        with LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=processes, dashboard_address=":0"
        ) as cluster, Client(cluster):
            fitted = clone(search).fit(X, y)
        results = fitted.cv_results_
        outcomes.append((results["params"], results["test_score"].tolist(), fitted.best_params_))
    assert outcomes[0] == outcomes[1]


@pytest.mark.parametrize("sampler", [pytest.param("de", marks=pytest.mark.slow), "bo"])
def test_immediate_learning_runs_the_plan_and_learns(client, sampler):
    random = median_best(client, "random")
    best = []
    for seed in (0, 1, 2):
        search = HyperbandSearchCV(
            Sphere(), SPACE, max_iter=3, n_iterations=40, sampler=sampler, learning="immediate",
            random_state=seed,
        ).fit(np.zeros((10, 1)))
        assert search.metadata_ == search.metadata
        best.append(search.best_score_)
    assert -np.median(best) < -random / 5


def test_learning_is_checked_before_any_work(client):
    search = HyperbandSearchCV(Sphere(), SPACE, max_iter=3, learning="eager")
    with pytest.raises(ValueError, match=r"learning='eager' is invalid: it must be one of 'reproducible', 'immediate'"):
        search.fit(np.zeros((10, 1)))


# -- finite spaces -----------------------------------------------------------------------

FINITE = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2], "penalty": ["l2", "l1"]}  # 8 configurations


def configurations(search):
    return [tuple(sorted(p.items())) for p in search.cv_results_["params"]]


@pytest.mark.parametrize("sampler", ["random", "de", "bo", "gp"])
def test_a_finite_space_is_drawn_without_replacement(client, sampler):
    X, y = make_classification(n_samples=300, n_features=6, random_state=0)
    search = HyperbandSearchCV(
        SGDClassifier(random_state=0), FINITE, max_iter=27, sampler=sampler, random_state=0
    )
    # Brackets are capped at the 8 configurations, and metadata says so.
    assert [b["n_models"] for b in search.metadata["brackets"]] == [4, 6, 8, 8]
    search.fit(X, y)
    assert search.metadata_ == search.metadata
    drawn = configurations(search)
    brackets = search.cv_results_["bracket"]
    # No configuration is trained twice in a bracket run.
    for b in set(brackets):
        mine = [c for c, k in zip(drawn, brackets) if k == b]
        assert len(mine) == len(set(mine))
    # Rows are in the order the models were drawn: every configuration once
    # before any repeats.
    assert len(drawn) == 26
    for start in (0, 8, 16):
        assert len(set(drawn[start:start + 8])) == 8


def test_a_list_only_space_smaller_than_n_initial_parameters_trains_each_once(client):
    # scikit-learn's ParameterSampler gives 2 here, not 10.
    X, y = make_classification(n_samples=200, n_features=5, random_state=0)
    search = IncrementalSearchCV(
        SGDClassifier(random_state=0), {"alpha": [0.1, 0.5]}, n_initial_parameters=10, max_iter=3,
        random_state=0,
    )
    assert search.metadata["n_models"] == 2
    search.fit(X, y)
    assert sorted(p["alpha"] for p in search.cv_results_["params"]) == [0.1, 0.5]
