"""The Dask engine: data on the cluster, block order, task priorities."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from conftest import ScoreIsValue
from distributed import Future
from distributed.diagnostics.plugin import SchedulerPlugin
from scipy.stats import uniform

from hbsearch import SuccessiveHalvingSearchCV
from hbsearch.engine import BlockOrder, apply_blockwise, as_blocks, persist_split


def test_split_keeps_every_row_once_and_is_seeded(client):
    X = np.arange(1000 * 2).reshape(1000, 2)
    y = np.arange(1000)
    Xd, yd = da.from_array(X, chunks=(100, 1)), da.from_array(y, chunks=100)
    X_parts, y_parts = as_blocks(Xd, yd)
    assert len(X_parts) == 10
    data = persist_split(client, X_parts, y_parts, 0.2, seed=3)
    assert all(isinstance(f, Future) for f in data.futures())
    train = client.gather(data.y_train)
    val = client.gather(data.y_val)
    # Each 100-row block keeps 20 rows for validation; rows stay aligned with X.
    assert [len(t) for t in train] == [80] * 10 and len(val) == 200
    assert sorted(np.concatenate([*train, val]).tolist()) == y.tolist()
    X_train = client.gather(data.X_train)
    assert all(np.array_equal(xb[:, 0] // 2, yb) for xb, yb in zip(X_train, train))
    again = persist_split(client, *as_blocks(Xd, yd), 0.2, seed=3)
    assert np.array_equal(client.gather(again.y_val), val)
    other = persist_split(client, *as_blocks(Xd, yd), 0.2, seed=4)
    assert not np.array_equal(client.gather(other.y_val), val)


def test_numpy_input_is_one_block():
    X_parts, y_parts = as_blocks(np.zeros((50, 3)), np.zeros(50))
    assert len(X_parts) == len(y_parts) == 1


def test_block_order_is_a_permutation_per_pass():
    order = BlockOrder(5, seed=0)
    calls = order.blocks(0, 15)
    for epoch in range(3):
        assert sorted(calls[5 * epoch : 5 * epoch + 5]) == list(range(5))
    assert order.blocks(3, 7) == calls[3:7]
    assert BlockOrder(5, seed=0).blocks(0, 15) == calls
    assert calls != BlockOrder(5, seed=1).blocks(0, 15)


def test_apply_blockwise_keeps_dask_arrays_lazy():
    X = np.arange(20.0).reshape(10, 2)
    Xd = da.from_array(X, chunks=(3, 1))
    out = apply_blockwise(lambda b: b.sum(axis=1), Xd)
    assert isinstance(out, da.Array) and out.chunks == ((3, 3, 3, 1),)
    assert np.array_equal(out.compute(), X.sum(axis=1))
    wide = apply_blockwise(lambda b: np.c_[b, b], Xd)
    assert wide.compute().shape == (10, 4)
    assert np.array_equal(apply_blockwise(lambda b: b * 2, X), X * 2)


class RecordPriorities(SchedulerPlugin):
    """Remembers the user priority of every task the scheduler is given."""

    name = "record-priorities"

    def __init__(self):
        self.priorities = {}

    def transition(self, key, start, finish, *args, **kwargs):
        if start == "released" and finish == "waiting":
            self.priorities[key] = -self.scheduler.tasks[key].priority[0]


def test_tasks_carry_the_models_latest_score_as_priority(client):
    plugin = RecordPriorities()
    scheduler = client.cluster.scheduler  # in-process: the plugin is this very object
    plugin.scheduler = scheduler
    scheduler.add_plugin(plugin)
    try:
        search = SuccessiveHalvingSearchCV(
            ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=9, max_iter=9, random_state=0
        )
        search.fit(np.zeros((30, 1)))
    finally:
        scheduler.remove_plugin(name=plugin.name)
    train = sorted(p for key, p in plugin.priorities.items() if str(key).startswith("partial_fit-"))
    # First jobs come before any score (priority 0); a later job has its model's latest score.
    expected = [0.0] * 9
    for records in search.model_history_.values():
        expected += [r["score"] for r in records[:-1]]
    assert train == pytest.approx(sorted(expected))
    assert len(train) == 9 + 3 + 1


def test_groups_hold_at_most_so_many_distinct_blocks():
    from hbsearch.engine import _groups

    assert _groups([0, 1, 2, 0, 1, 2], 2) == [[0, 1], [2, 0], [1, 2]]
    assert _groups([3, 3, 3, 3], 1) == [[3, 3, 3, 3]]
    assert _groups(list(range(20)), 8) == [list(range(8)), list(range(8, 16)), list(range(16, 20))]
    assert _groups([], 8) == []


GENERATED = []


def _generate_block(block, block_id=None):
    if block_id is not None:  # None: dask probing the output type
        GENERATED.append(tuple(int(i) for i in block_id))
    rng = np.random.RandomState(block_id[0] if block_id is not None else 0)
    return rng.normal(size=block.shape)


def test_long_jobs_are_chains_and_y_from_x_computes_x_once(client):
    GENERATED.clear()
    shape = da.zeros((2400, 3), chunks=(100, 3))
    X = shape.map_blocks(_generate_block, dtype=float, meta=np.empty((0, 3)))
    y = (X[:, 0] > 0).astype(int)  # labels computed from X itself
    search = SuccessiveHalvingSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=3, n_initial_iter=27,
        max_iter=27, random_state=0,
    )
    search.fit(X, y)
    # Every block of X was generated once, for X and y alike.
    assert sorted(GENERATED) == [(i, 0) for i in range(24)]
    # 27 calls over 24 blocks run as a chain of tasks, without losing a call or its time.
    assert search.best_estimator_.calls_ == 27
    assert all(h["partial_fit_time"] > 0 for h in search.history_)
    assert search.metadata_ == search.metadata
