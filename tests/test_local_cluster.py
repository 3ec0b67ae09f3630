"""fit with no Dask client: a local cluster is started, shared by later fits, closed at exit."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

import pytest
from distributed import get_client
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from hbsearch import SuccessiveHalvingSearchCV, close_local_cluster
from hbsearch.engine import cluster as cluster_module

SRC = os.path.join(os.path.dirname(__file__), os.pardir, "src")


def _search():
    return SuccessiveHalvingSearchCV(
        SGDClassifier(random_state=0), {"alpha": loguniform(1e-5, 1e-1)}, n_initial_parameters=3,
        max_iter=3, random_state=0,
    )


def _address() -> str:
    return cluster_module._local.client.scheduler.address


def _kill_workers() -> list[int]:
    """Kill every worker process of the shared cluster, as a crash would."""
    pids = list(cluster_module._local.client.run(os.getpid).values())
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    return pids


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
def test_local_cluster_shared_by_fits_and_replaced_when_closed():
    X, y = make_classification(n_samples=500, random_state=0)
    with pytest.raises(ValueError):
        get_client()
    close_local_cluster()
    try:
        first = _search().fit(X, y)
        address = _address()
        # Not the default client: code outside fit does not run on it by accident.
        with pytest.raises(ValueError):
            get_client()
        # Its workers crash between fits: the next fit uses the same cluster
        # once its nannies have brought them back, with the same results.
        killed = _kill_workers()
        second = _search().fit(X, y)
        assert _address() == address
        assert not set(killed) & set(cluster_module._local.client.run(os.getpid).values())
        assert second.cv_results_["test_score"].tolist() == first.cv_results_["test_score"].tolist()
        # Closed behind the search's back: the next fit starts a new one.
        cluster_module._local.cluster.close()
        third = _search().fit(X, y)
        assert _address() != address
        assert third.metadata_ == third.metadata
        pids = list(cluster_module._local.client.run(os.getpid).values())
    finally:
        close_local_cluster()
    assert cluster_module._local is None
    # Closing waits for its worker processes to end.
    assert not any(map(_alive, pids))
    close_local_cluster()  # closing twice is harmless
    with pytest.raises(ValueError):
        get_client()


SCRIPT = """
import atexit
import sys

import distributed
import numpy as np
from sklearn.linear_model import SGDClassifier

from hbsearch import HyperbandSearchCV
from hbsearch.engine import cluster


def report_at_exit():
    # Registered before the first fit, so it runs after hbsearch's own exit
    # handler and before distributed's.
    local = cluster.CLOSED_AT_EXIT
    print("cluster at exit:", local.cluster.status.name, local.client.status, flush=True)


if __name__ == "__main__":
    atexit.register(report_at_exit)
    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(200, 3)), np.arange(200) % 2
    addresses = []
    for seed in (0, 1):
        HyperbandSearchCV(SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-3]}, max_iter=3,
                          random_state=seed).fit(X, y)
        addresses.append(cluster._local.client.scheduler.address)
    cluster.CLOSED_AT_EXIT = cluster._local
    try:
        distributed.get_client()
        print("the default client after fit: the shared cluster's")
    except ValueError:
        print("the default client after fit: none")
    print("dask.dataframe imported:", "dask.dataframe" in sys.modules)
    print("one cluster for both fits:", addresses[0] == addresses[1])
"""


def test_numpy_fit_in_a_fresh_process_imports_no_dataframe_and_closes_its_cluster_at_exit(tmp_path):
    script = tmp_path / "two_fits.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.path.abspath(SRC)}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stdout.splitlines() == [
        "the default client after fit: none",
        "dask.dataframe imported: False",
        "one cluster for both fits: True",
        "cluster at exit: closed closed",
    ], done.stdout
