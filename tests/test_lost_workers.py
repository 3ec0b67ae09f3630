"""A worker process killed in the middle of a search loses nothing: its work is recomputed."""

from __future__ import annotations

import os
import signal
import threading
import time

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from hbsearch import HyperbandSearchCV


class SlowSGD(SGDClassifier):
    """SGDClassifier whose partial_fit takes at least 10 ms: a search long enough to interrupt."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        time.sleep(0.01)
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


def outcome(search):
    results = search.cv_results_
    return (
        [tuple(sorted(p.items())) for p in results["params"]],
        results["test_score"].tolist(),
        results["partial_fit_calls"].tolist(),
    )


@pytest.mark.parametrize(
    "kind, kill_at",
    [
        # Later, mid-search (the default run keeps the early kill for every input type).
        pytest.param("dask", 0.4, marks=pytest.mark.slow),
        # Early, while the split blocks of in-memory data are on one worker only.
        ("dask", 0.02),
        ("numpy", 0.02),
        ("pandas", 0.02),
    ],
)
def test_search_survives_a_killed_worker(kind, kill_at):
    X, y = make_classification(n_samples=6000, n_features=20, random_state=0)
    if kind == "dask":
        Xd, yd = da.from_array(X, chunks=600), da.from_array(y, chunks=600)
    elif kind == "numpy":
        # One block: the data the split parts were computed from must outlive them.
        Xd, yd = X, y
    else:
        Xd, yd = pd.DataFrame(X), pd.Series(y)
    search = HyperbandSearchCV(
        SlowSGD(random_state=0),
        {"alpha": loguniform(1e-6, 1e-1), "penalty": ["l2", "l1", "elasticnet"]},
        max_iter=27,
        random_state=0,
    )
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        clone(search).set_params(max_iter=1).fit(Xd, yd)  # warm the workers up
        start = time.perf_counter()
        undisturbed = clone(search).fit(Xd, yd)
        wall = time.perf_counter() - start

        victims = []

        def kill_the_worker_holding_most_data():
            held = client.run(lambda dask_worker: (os.getpid(), len(dask_worker.data)))
            victims.append(max(held.values(), key=lambda pid_keys: pid_keys[1])[0])
            os.kill(victims[0], signal.SIGKILL)

        killer = threading.Timer(kill_at * wall, kill_the_worker_holding_most_data)
        killer.start()
        start = time.perf_counter()
        disturbed = clone(search).fit(Xd, yd)
        disturbed_wall = time.perf_counter() - start
        killer.join()
        (victim,) = victims
        client.wait_for_workers(2, timeout=30)
        # The worker died while the search ran, not after it.
        assert disturbed_wall > kill_at * wall
        assert victim not in client.run(os.getpid).values()
        print(
            f"\n{len(disturbed.cv_results_['params'])} models; undisturbed {wall:.2f} s; worker killed "
            f"at {kill_at * wall:.2f} s; disturbed run {disturbed_wall:.2f} s"
        )

    assert outcome(disturbed) == outcome(undisturbed)
    assert disturbed.metadata_ == undisturbed.metadata_ == search.metadata
    assert disturbed.best_params_ == undisturbed.best_params_
    assert np.array_equal(disturbed.best_estimator_.coef_, undisturbed.best_estimator_.coef_)
