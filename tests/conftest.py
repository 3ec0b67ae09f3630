"""Shared fixtures: real Dask clusters, in-process and multi-process."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time

import numpy as np
import pytest
from distributed import Client, LocalCluster
from sklearn.base import BaseEstimator


@pytest.fixture(scope="module")
def client():
    """Two single-thread workers in this process."""
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster, Client(cluster) as c:
        yield c


def scheduler_task_count(c: Client, timeout: float = 5.0) -> int:
    """Tasks the scheduler still holds, once released futures have gone."""
    deadline = time.monotonic() + timeout
    while True:
        n = c.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
        if n == 0 or time.monotonic() > deadline:
            return n
        time.sleep(0.05)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def process_cluster_address(tmp_path_factory):
    """A scheduler and two worker processes started with the dask command line."""
    dask_cli = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    if dask_cli is None:
        pytest.fail("the dask command line is not installed")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    workdir = tmp_path_factory.mktemp("dask-cluster")
    common = dict(cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    procs = [
        subprocess.Popen(
            [dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port),
             "--dashboard-address", ":0", "--no-show"],
            **common,
        )
    ]
    try:
        for _ in range(2):
            procs.append(
                subprocess.Popen(
                    [dask_cli, "worker", address, "--nthreads", "1", "--nworkers", "1",
                     "--no-dashboard", "--local-directory", str(workdir)],
                    **common,
                )
            )
        with Client(address, timeout=60) as c:
            c.wait_for_workers(2, timeout=60)
        yield address
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


class ScoreIsValue(BaseEstimator):
    """A model whose validation score is its ``value`` parameter: the best is known."""

    def __init__(self, value=0.0, slope=0.0):
        self.value = value
        self.slope = slope

    def partial_fit(self, X, y=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        self.rows_seen_ = getattr(self, "rows_seen_", 0) + len(X)
        return self

    def score(self, X, y=None):
        return self.value + self.slope * self.calls_

    def predict(self, X):
        return np.full(len(X), self.value)


class CountingValue(BaseEstimator):
    """Scores ``value`` plus a little per call; appends a line to ``log`` per partial_fit call."""

    def __init__(self, value=0.0, log=None, seconds=0.0):
        self.value = value
        self.log = log
        self.seconds = seconds

    def partial_fit(self, X, y=None):
        if self.log is not None:
            with open(self.log, "a") as handle:
                handle.write("call\n")
        time.sleep(self.seconds)
        self.calls_ = getattr(self, "calls_", 0) + 1
        return self

    def score(self, X, y=None):
        return self.value + 0.001 * self.calls_


class Sphere(BaseEstimator):
    """Scores ``-sum((x_i - 0.7)**2)`` over four parameters: an easy problem to learn."""

    def __init__(self, x0=0.0, x1=0.0, x2=0.0, x3=0.0):
        self.x0, self.x1, self.x2, self.x3 = x0, x1, x2, x3

    def partial_fit(self, X, y=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        return self

    def score(self, X, y=None):
        x = np.array([self.x0, self.x1, self.x2, self.x3])
        return -float(np.sum((x - 0.7) ** 2))
