"""Learning samplers through the search: later brackets learn from earlier ones."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import Sphere
from distributed import Client, LocalCluster
from scipy.stats import uniform
from sklearn.base import clone

from hbsearch import HyperbandSearchCV

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


@pytest.mark.parametrize("sampler", ["de", "bo"])
def test_same_results_whatever_the_number_of_workers(sampler):
    search = HyperbandSearchCV(Sphere(), SPACE, max_iter=9, n_iterations=4, sampler=sampler, random_state=3)
    outcomes = []
    for n_workers in (1, 3):
        with LocalCluster(
            n_workers=n_workers, threads_per_worker=1, processes=False, dashboard_address=":0"
        ) as cluster, Client(cluster):
            fitted = clone(search).fit(np.zeros((10, 1)))
        results = fitted.cv_results_
        outcomes.append((results["params"], results["test_score"].tolist(), list(results["model_id"])))
    assert outcomes[0] == outcomes[1]
    # Model ids stay unique across iterations.
    assert len(set(outcomes[0][2])) == len(outcomes[0][2]) == search.metadata["n_models"]
