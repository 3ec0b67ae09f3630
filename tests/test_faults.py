"""Faults as they happen on real clusters, through the public API.

A configuration that crashes its worker (``os._exit``, or memory past the
worker's limit) is a failed model and the rest of the search is the
undisturbed one; a hung ``partial_fit`` costs at most ``max_job_time``;
workers killed at random while the search runs change nothing; a cluster
left without workers stops the search with what was scored.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time

import dask
import dask.array as da
import numpy as np
import pandas as pd
import pytest
from distributed import Client, LocalCluster
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import SGDClassifier

from hbsearch import HyperbandSearchCV, SuccessiveHalvingSearchCV

X, y = make_classification(n_samples=1500, n_features=10, random_state=0)
ALPHAS = [float(a) for a in np.logspace(-6, -1, 20)]

# Set by the tests that hang a model in this process, so that its thread ends with them.
RELEASE_HUNG = threading.Event()


class Troublesome(SGDClassifier):
    """SGDClassifier whose partial_fit misbehaves when ``alpha == trouble_alpha``.

    ``trouble`` is "exit" (the worker process exits), "memory" (it allocates
    until its worker is killed for it) or "hang" (it never returns).
    """

    def __init__(self, alpha=1e-4, trouble_alpha=None, trouble="exit", random_state=None):
        super().__init__(alpha=alpha, random_state=random_state)
        self.trouble_alpha = trouble_alpha
        self.trouble = trouble

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        if self.alpha == self.trouble_alpha:
            if self.trouble == "exit":
                os._exit(1)
            if self.trouble == "memory":
                held = []
                for _ in range(64):  # up to 16 GiB, in steps the nanny's monitor sees
                    held.append(np.ones(1 << 25))
                    time.sleep(0.02)
                raise MemoryError("the worker was not stopped at its memory limit")
            while self.trouble == "hang" and not RELEASE_HUNG.wait(0.1):
                pass
        return super().partial_fit(X, y, classes=classes)


def search_for(**settings):
    return HyperbandSearchCV(
        Troublesome(random_state=0, **settings), {"alpha": ALPHAS}, max_iter=9, random_state=0
    )


def rows(search) -> dict:
    """params -> (test_score, partial_fit_calls, error) of every model."""
    results = search.cv_results_
    return {
        p["alpha"]: (s, c, e)
        for p, s, c, e in zip(
            results["params"], results["test_score"].tolist(), results["partial_fit_calls"].tolist(),
            results["error"],
        )
    }


def unpromoted_alpha(search) -> float:
    """A configuration the undisturbed search scored once and did not promote."""
    results = search.cv_results_
    first_rung = results["partial_fit_calls"] == results["partial_fit_calls"].min()
    worst = np.argmin(np.where(first_rung, results["test_score"], np.inf))
    return results["params"][worst]["alpha"]


def as_kind(kind: str):
    if kind == "dask":
        return da.from_array(X, chunks=500), da.from_array(y, chunks=500)
    if kind == "pandas":
        return pd.DataFrame(X), pd.Series(y)
    return X, y


def check_only_the_troublemaker_differs(disturbed, undisturbed, alpha, error_words):
    got, expected = rows(disturbed), rows(undisturbed)
    assert got.keys() == expected.keys()
    failed = {a: e for a, (_, _, e) in got.items() if e}
    assert list(failed) == [alpha], failed
    score, calls, error = got[alpha]
    assert np.isnan(score) and all(word in error for word in error_words), error
    del got[alpha], expected[alpha]
    assert got == expected
    assert disturbed.best_params_ == undisturbed.best_params_
    assert disturbed.best_score_ == undisturbed.best_score_


def test_a_model_that_crashes_its_worker_is_failed_on_a_cluster_fit_starts():
    undisturbed = search_for().fit(X, y)
    alpha = unpromoted_alpha(undisturbed)
    with pytest.warns(FitFailedWarning, match="models failed"):
        disturbed = search_for(trouble_alpha=alpha, trouble="exit").fit(X, y)
    check_only_the_troublemaker_differs(disturbed, undisturbed, alpha, ["crashed its worker process"])


@pytest.mark.slow
def test_a_model_that_crashes_its_worker_is_failed_with_asynchronous_halving():
    undisturbed = search_for().set_params(halving="asynchronous").fit(X, y)
    alpha = unpromoted_alpha(undisturbed)
    with pytest.warns(FitFailedWarning, match="1 of 17 models failed"):
        disturbed = search_for(trouble_alpha=alpha, trouble="exit").set_params(halving="asynchronous").fit(X, y)
    assert "crashed its worker process" in rows(disturbed)[alpha][2]
    # Promotions follow the order scores arrive in: the plan is what stays the same.
    assert disturbed.metadata_ == disturbed.metadata


@pytest.fixture
def limited_cluster():
    """Two worker processes with nannies and 1 GiB each; Dask gives up on a task at the first death."""
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), LocalCluster(
        n_workers=2, threads_per_worker=1, memory_limit="1GiB", dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        yield client


@pytest.mark.parametrize(
    "trouble, kind",
    [
        pytest.param("memory", "dask", marks=pytest.mark.slow),
        pytest.param("memory", "numpy", marks=pytest.mark.slow),
        pytest.param("exit", "pandas", marks=pytest.mark.slow),
    ],
)
def test_a_model_that_crashes_its_worker_is_failed_on_a_users_cluster(limited_cluster, trouble, kind):
    Xk, yk = as_kind(kind)
    undisturbed = search_for().fit(Xk, yk)
    alpha = unpromoted_alpha(undisturbed)
    with pytest.warns(FitFailedWarning, match="1 of 17 models failed"):
        disturbed = search_for(trouble_alpha=alpha, trouble=trouble).fit(Xk, yk)
    words = ["crashed its worker process"] + (["memory limit of 1.00 GiB"] if trouble == "memory" else [])
    check_only_the_troublemaker_differs(disturbed, undisturbed, alpha, words)


@pytest.mark.slow
def test_error_score_raise_stops_at_a_model_that_crashes_its_worker(limited_cluster):
    undisturbed = search_for().fit(X, y)
    search = search_for(trouble_alpha=unpromoted_alpha(undisturbed), trouble="exit")
    with pytest.raises(RuntimeError, match="crashed its worker process"):
        search.set_params(error_score="raise").fit(X, y)


@pytest.mark.slow
@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
def test_a_hung_model_costs_at_most_max_job_time(halving):
    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        start = time.perf_counter()
        undisturbed = search_for().set_params(halving=halving).fit(X, y)
        undisturbed_wall = time.perf_counter() - start
        alpha = unpromoted_alpha(undisturbed)
        pids = set(client.run(os.getpid).values())
        search = search_for(trouble_alpha=alpha, trouble="hang").set_params(
            halving=halving, max_job_time=3
        )
        start = time.perf_counter()
        with pytest.warns(FitFailedWarning, match="1 of 17 models failed"):
            disturbed = search.fit(X, y)
        wall = time.perf_counter() - start
        client.wait_for_workers(2, timeout=60)
        # Its worker was restarted: the hung thread is gone with its process.
        assert len(pids - set(client.run(os.getpid).values())) == 1
        assert not any(client.call_stack().values())
    if halving == "synchronous":
        check_only_the_troublemaker_differs(disturbed, undisturbed, alpha, ["max_job_time=3"])
    else:  # the order results arrive in decides promotions: only the failure is the same
        assert "max_job_time=3" in rows(disturbed)[alpha][2]
    # The hung model costs its limit, plus a worker's restart and the half-second watch.
    assert wall < undisturbed_wall + 3 + 15, (wall, undisturbed_wall)


def test_a_hung_model_on_a_worker_without_nanny_is_named():
    RELEASE_HUNG.clear()
    # Threads in this process: no nanny can restart them. Four of them, so
    # that the rest of the search runs beside the hung one.
    with LocalCluster(
        n_workers=1, threads_per_worker=4, processes=False, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        check_hung_model_is_named(client)


def check_hung_model_is_named(client):
    try:
        undisturbed = SuccessiveHalvingSearchCV(
            Troublesome(random_state=0), {"alpha": ALPHAS}, n_initial_parameters=6, max_iter=3,
            random_state=0,
        ).fit(X, y)
        alpha = undisturbed.cv_results_["params"][0]["alpha"]
        search = clone(undisturbed).set_params(
            estimator=Troublesome(random_state=0, trouble_alpha=alpha, trouble="hang"), max_job_time=1
        )
        with pytest.warns(RuntimeWarning, match="has no nanny to restart it") as record:
            search.fit(X, y)
        assert any(str(worker) in str(w.message) for w in record for worker in client.nthreads())
        assert "max_job_time=1" in rows(search)[alpha][2]
    finally:
        RELEASE_HUNG.set()


class Steady(SGDClassifier):
    """SGDClassifier whose partial_fit takes 20 ms: a search that lasts long enough to kill workers in."""

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        time.sleep(0.02)
        return super().partial_fit(X, y, classes=classes, sample_weight=sample_weight)


@pytest.mark.slow
@pytest.mark.parametrize("kind", ["numpy", "dask"])
def test_workers_killed_at_random_change_nothing(kind):
    Xk, yk = as_kind(kind)
    search = HyperbandSearchCV(
        Steady(random_state=0), {"alpha": ALPHAS, "penalty": ["l2", "l1"]}, max_iter=27, random_state=0
    )
    with LocalCluster(
        n_workers=2, threads_per_worker=1, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        undisturbed = clone(search).fit(Xk, yk)
        kills, stop = [], threading.Event()
        rng = random.Random(0)

        def kill_workers():
            # Each kill waits for both workers to be back, then a seeded random
            # while. A nanny sometimes goes down with its worker (under load,
            # its restart times out): the cluster is scaled back, as a cluster
            # manager would.
            while len(kills) < 8 and not stop.is_set():
                try:
                    if len(cluster.workers) < 2:
                        cluster.scale(2)
                    client.wait_for_workers(2, timeout=30)
                    if stop.wait(rng.uniform(0.3, 1.5)):
                        return
                    pids = sorted(client.run(os.getpid, wait=True).values())
                except Exception:  # a worker is restarting: try again
                    continue
                victim = rng.choice(pids)
                os.kill(victim, signal.SIGKILL)
                kills.append(victim)

        killer = threading.Thread(target=kill_workers)
        killer.start()
        try:
            disturbed = clone(search).fit(Xk, yk)
        finally:
            stop.set()
            killer.join()
    assert len(kills) >= 8, f"the search ended before 8 kills ({len(kills)})"
    assert rows(disturbed) == rows(undisturbed)
    assert disturbed.best_params_ == undisturbed.best_params_


def test_no_workers_for_the_configured_time_stops_with_what_was_scored():
    search = HyperbandSearchCV(
        Steady(random_state=0), {"alpha": ALPHAS}, max_iter=27, random_state=0
    )
    with dask.config.set({"hbsearch.no-workers-timeout": "2s"}), LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster, Client(cluster):
        threading.Timer(1.5, cluster.scale, args=(0,)).start()
        start = time.perf_counter()
        with pytest.warns(UserWarning, match="no worker for 2 s"):
            search.fit(X, y)
        assert time.perf_counter() - start < 30
    assert 0 < len(search.cv_results_["params"]) < search.metadata["n_models"]


@pytest.mark.slow
def test_losing_the_scheduler_names_it_and_the_checkpoint(tmp_path):
    from conftest import _free_port
    from sklearn.neural_network import MLPClassifier

    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    dask_cli = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    quiet = dict(cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    scheduler = subprocess.Popen(
        [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port), "--dashboard-address", ":0",
         "--no-show"], **quiet,
    )
    worker = subprocess.Popen([dask_cli, "worker", address, "--nthreads", "1", "--no-dashboard"], **quiet)
    checkpoint = tmp_path / "search.ckpt"
    search = HyperbandSearchCV(
        MLPClassifier(hidden_layer_sizes=(200, 200), random_state=0),
        {"alpha": [1e-5, 1e-4, 1e-3, 1e-2, 1e-1]}, max_iter=81, random_state=0, checkpoint=checkpoint,
    )
    try:
        with Client(address, timeout=60) as client:
            client.wait_for_workers(1, timeout=60)
            threading.Timer(6, scheduler.kill).start()
            with pytest.raises(RuntimeError) as info:
                search.fit(*make_classification(n_samples=5000, n_features=20, random_state=0))
    finally:
        worker.kill()
        scheduler.kill()
    message = str(info.value)
    assert f"Dask scheduler at {address} was lost" in message
    assert str(checkpoint) in message and "resumes" in message
