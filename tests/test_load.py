"""Load: a search of 10,000 models completes and leaves the scheduler as it found it."""

from __future__ import annotations

import time

import numpy as np
import pytest
from conftest import ScoreIsValue, scheduler_task_count
from distributed import Client, LocalCluster
from scipy.stats import uniform

from hbsearch import IncrementalSearchCV


@pytest.mark.slow
def test_ten_thousand_models():
    search = IncrementalSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=10_000, max_iter=1, random_state=0
    )
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster, Client(cluster) as client:
        scheduler = cluster.scheduler
        before = (len(scheduler.tasks), len(scheduler.task_groups), dict(client.refcount))
        start = time.perf_counter()
        search.fit(np.zeros((20, 1)))
        wall = time.perf_counter() - start
        assert scheduler_task_count(client, timeout=30) == 0
        assert not client.refcount
        assert not scheduler.clients[client.id].wants_what
        print(f"\n10,000 models in {wall:.1f} s; scheduler tasks before/after: {before[0]}/{len(scheduler.tasks)}")
    results = search.cv_results_
    assert len(results["params"]) == 10_000
    assert search.best_score_ == max(p["value"] for p in results["params"])
