"""Client-side cost of the search's decisions as the number of models grows.

Runs the driver (successive halving over ``n`` models, aggressiveness 3, the
schedule of ``SuccessiveHalvingSearchCV``) with scores answered at once, so
what is timed is the driver's own work: sampling and decoding configurations,
handing out jobs, taking scores and deciding rungs. Prints CPU time per model
and per decision (one ``tell``), and each size's cost per model relative to
the smallest size: a flat ratio means linear growth.

With ``--search``, whole searches run instead: ``SuccessiveHalvingSearchCV``
over 1,000 to 10,000 models of a cheap estimator on a scheduler and two
single-thread workers started as processes of their own (``dask scheduler``,
``dask worker``), and the CPU time of the client process (driver, task
submission, the Dask client's threads) is reported per model and per scored
step, with the wall time.

    python benchmarks/driver_cost.py
    python benchmarks/driver_cost.py --search
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
from scipy.stats import loguniform, uniform
from sklearn.base import BaseEstimator

from hbsearch.driver import Driver
from hbsearch.samplers import RandomSampler, setup_sampler
from hbsearch.schedule import successive_halving_plan
from hbsearch.space import SearchSpace

SPACE = {
    "alpha": loguniform(1e-6, 1e-1),
    "l1_ratio": uniform(0, 1),
    "penalty": ["l2", "l1", "elasticnet"],
    "average": [True, False],
}


def run(n_models: int) -> tuple[float, int]:
    """CPU seconds of a whole driver run over ``n_models``, and its number of tells."""
    space = SearchSpace(SPACE)
    start = time.process_time()
    driver = Driver(
        successive_halving_plan(n_models, 3, 1),
        space,
        setup_sampler(RandomSampler(), space, 0),
    )
    tells = 0
    jobs = driver.ask()
    while jobs:
        for job in jobs:
            driver.tell(job.model, job.end_calls, driver.models[job.model].params["l1_ratio"])
            tells += 1
        driver.pop_retired()
        jobs = driver.ask()
    assert driver.done
    return time.process_time() - start, tells


class Cheap(BaseEstimator):
    """An estimator whose calls cost next to nothing: the search is all overhead."""

    def __init__(self, alpha=1.0, l1_ratio=0.5, penalty="l2", average=False):
        self.alpha = alpha
        self.l1_ratio = l1_ratio
        self.penalty = penalty
        self.average = average

    def partial_fit(self, X, y=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        return self

    def score(self, X, y=None):
        return self.l1_ratio * (1 - 1 / (1 + self.calls_))


def run_search(client, n_models: int) -> tuple[float, float, int]:
    """Client CPU seconds, wall seconds and scored steps of one search over ``n_models``."""
    from hbsearch import SuccessiveHalvingSearchCV

    search = SuccessiveHalvingSearchCV(
        Cheap(), SPACE, n_initial_parameters=n_models, aggressiveness=3, random_state=0
    )
    cpu, wall = time.process_time(), time.perf_counter()
    search.fit(np.zeros((100, 1)))
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    assert search.metadata_ == search.metadata
    return cpu, wall, len(search.history_)


@contextlib.contextmanager
def separate_cluster(n_workers: int = 2):
    """The address of a scheduler and workers in processes of their own."""
    dask_cli = shutil.which("dask", path=os.path.dirname(sys.executable)) or shutil.which("dask")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    address = f"tcp://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as workdir:
        quiet = dict(cwd=workdir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs = [subprocess.Popen([dask_cli, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                                   "--dashboard-address", ":0", "--no-show"], **quiet)]
        try:
            procs += [
                subprocess.Popen([dask_cli, "worker", address, "--nthreads", "1", "--no-dashboard",
                                  "--local-directory", workdir], **quiet)
                for _ in range(n_workers)
            ]
            yield address
        finally:
            for p in reversed(procs):
                p.terminate()
                p.wait(timeout=30)


def main_search() -> None:
    from distributed import Client

    sizes = [1_000, 3_000, 10_000]
    with separate_cluster() as address, Client(address, timeout=60) as client:
        client.wait_for_workers(2, timeout=60)
        run_search(client, 100)  # warm up the workers
        print(f"{'models':>8} {'steps':>8} {'wall s':>8} {'client CPU s':>13} {'us/model':>10} "
              f"{'us/step':>9} {'per model vs 1,000':>19}")
        base = None
        for n in sizes:
            cpu, wall, steps = run_search(client, n)
            per_model = cpu / n
            base = base or per_model
            print(
                f"{n:>8,} {steps:>8,} {wall:>8.1f} {cpu:>13.2f} {1e6 * per_model:>10.0f} "
                f"{1e6 * cpu / steps:>9.0f} {per_model / base:>19.2f}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--search", action="store_true", help="time whole searches on a local cluster")
    if parser.parse_args().search:
        main_search()
        return
    sizes = [1_000, 2_000, 5_000, 10_000, 20_000, 40_000]
    print(f"{'models':>8} {'tells':>8} {'CPU s':>8} {'us/model':>10} {'us/tell':>9} {'per model vs 1,000':>19}")
    base = None
    for n in sizes:
        seconds, tells = min(run(n) for _ in range(3))
        per_model = seconds / n
        base = base or per_model
        print(
            f"{n:>8,} {tells:>8,} {seconds:>8.3f} {1e6 * per_model:>10.1f} "
            f"{1e6 * seconds / tells:>9.1f} {per_model / base:>19.2f}"
        )


if __name__ == "__main__":
    main()
