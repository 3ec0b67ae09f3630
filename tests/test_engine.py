"""The Dask engine: data on the cluster, block order, task priorities."""

from __future__ import annotations

import dask
import dask.array as da
import numpy as np
import pytest
from conftest import CountingValue, ScoreIsValue
from distributed import Future
from distributed.diagnostics.plugin import SchedulerPlugin
from scipy.stats import loguniform, uniform

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
    # Small data: the validation rows of every block form one shard.
    assert len(data.y_val) == 1 and data.val_rows == [200]
    val = client.gather(data.y_val[0])
    # Each 100-row block keeps 20 rows for validation; rows stay aligned with X.
    assert [len(t) for t in train] == [80] * 10 and len(val) == 200
    assert sorted(np.concatenate([*train, val]).tolist()) == y.tolist()
    X_train = client.gather(data.X_train)
    assert all(np.array_equal(xb[:, 0] // 2, yb) for xb, yb in zip(X_train, train))
    assert np.array_equal(client.gather(data.X_val[0])[:, 0] // 2, val)
    assert data.train_bytes == [80 * 2 * 8 + 80 * 8] * 10
    again = persist_split(client, *as_blocks(Xd, yd), 0.2, seed=3)
    assert np.array_equal(client.gather(again.y_val[0]), val)
    other = persist_split(client, *as_blocks(Xd, yd), 0.2, seed=4)
    assert not np.array_equal(client.gather(other.y_val[0]), val)


def test_a_large_validation_set_stays_in_shards(client):
    X = np.arange(1000 * 2).reshape(1000, 2)
    y = np.arange(1000)
    Xd, yd = da.from_array(X, chunks=(100, 1)), da.from_array(y, chunks=100)
    # A block's 20 validation rows take 20 * (2 + 1) * 8 = 480 bytes: three fit in 1,500.
    data = persist_split(client, *as_blocks(Xd, yd), 0.2, seed=3, task_bytes=1500)
    assert data.val_rows == [60, 60, 60, 20]
    shards = client.gather(data.y_val)
    assert [len(s) for s in shards] == data.val_rows
    whole = persist_split(client, *as_blocks(Xd, yd), 0.2, seed=3)
    assert np.array_equal(np.concatenate(shards), client.gather(whole.y_val[0]))


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


def _recording(client):
    plugin = RecordPriorities()
    plugin.scheduler = client.cluster.scheduler  # in-process: the plugin is this very object
    plugin.scheduler.add_plugin(plugin)
    return plugin


class RecordPriorities(SchedulerPlugin):
    """Remembers the user priority of every task the scheduler is given."""

    name = "record-priorities"

    def __init__(self):
        self.priorities = {}

    def transition(self, key, start, finish, *args, **kwargs):
        if start == "released" and finish == "waiting":
            self.priorities[key] = -self.scheduler.tasks[key].priority[0]


def test_priority_is_calls_still_ahead_then_the_rank_of_the_latest_score_after_an_opening(client):
    plugin = _recording(client)
    try:
        search = SuccessiveHalvingSearchCV(
            ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=9, max_iter=9, random_state=0
        )
        search.fit(np.zeros((30, 1)))
    finally:
        client.cluster.scheduler.remove_plugin(name=plugin.name)
    assert search.metadata["partial_fit_calls"] == 9 * 1 + 3 * 2 + 1 * 6  # rungs at 1, 3 and 9 calls
    # key "partial_fit_score-<model>-to<calls>-<token>" -> (model, calls at the end of the job)
    jobs = {}
    for key, priority in plugin.priorities.items():
        if not str(key).startswith("partial_fit"):
            continue  # the data's tasks
        model, calls = str(key).split("-")[1:3]
        jobs[int(model), int(calls[2:])] = priority
    assert len(jobs) == 9 + 3 + 1
    scores = {m: {r["partial_fit_calls"]: r["score"] for r in rs} for m, rs in search.model_history_.items()}
    # The search opens with one shortest job per worker thread (2), ahead of all others.
    opening = {job for job, priority in jobs.items() if priority > 10}
    assert len(opening) == 2 and all(end == 1 for _, end in opening)
    for (model, end), priority in jobs.items():
        if (model, end) in opening:
            continue
        start = {1: 0, 3: 1, 9: 3}[end]
        # Whole part: the calls the bracket may still give the model (9 in all).
        assert int(priority) == 9 - start
        if start == 0:
            assert priority == 9.5  # nothing scored yet: ranks with the best
    # Among the jobs from the first rung on, a better score means a higher priority.
    promoted = sorted((p, scores[m][1]) for (m, end), p in jobs.items() if end == 3)
    assert [score for _, score in promoted] == sorted(score for _, score in promoted)
    assert all(0 < p - 8 < 1 for p, _ in promoted)


def test_groups_hold_at_most_so_many_distinct_blocks():
    from hbsearch.engine import task_groups as _groups

    ones = [1] * 20
    assert _groups([0, 1, 2, 0, 1, 2], ones, 2) == [[0, 1], [2, 0], [1, 2]]
    assert _groups([3, 3, 3, 3], ones, 1) == [[3, 3, 3, 3]]
    assert _groups(list(range(20)), ones, 8) == [list(range(8)), list(range(8, 16)), list(range(16, 20))]
    assert _groups([], ones, 8) == []


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
    # test_size is 1/24: a training block keeps 95 rows of X and y, 95 * 3 * 8 + 95 * 8 bytes.
    plugin = _recording(client)
    try:
        with dask.config.set({"hbsearch.task-memory": 8 * 3040}):
            search.fit(X, y)
    finally:
        client.cluster.scheduler.remove_plugin(name=plugin.name)
    # Every block of X was generated once, for X and y alike; the first once more, on the client,
    # for the checks that read its first rows before the search starts.
    assert sorted(GENERATED) == [(0, 0)] + [(i, 0) for i in range(24)]
    # 27 calls over 24 blocks run as a chain of 4 tasks (8 + 8 + 8 + 3 blocks), the last one
    # also scoring, without losing a call or its time.
    calls = sorted(int(str(k).split("-to")[1].split("-")[0]) for k in plugin.priorities
                   if str(k).startswith("partial_fit"))
    assert calls == sorted([8, 16, 24, 27] * 3)
    assert search.best_estimator_.calls_ == 27
    assert all(h["partial_fit_time"] > 0 for h in search.history_)
    assert search.metadata_ == search.metadata


def test_a_sharded_validation_set_gives_the_scores_of_the_whole(client):
    from sklearn.linear_model import SGDClassifier

    rng = np.random.RandomState(0)
    X = rng.normal(size=(3000, 4))
    y = (X[:, 0] + X[:, 1] + rng.normal(size=3000) > 0).astype(int)
    Xd, yd = da.from_array(X, chunks=(300, 4)), da.from_array(y, chunks=300)

    def search():
        return SuccessiveHalvingSearchCV(
            SGDClassifier(tol=None, random_state=0), {"alpha": loguniform(1e-5, 1)},
            n_initial_parameters=6, max_iter=9, random_state=0, test_size=0.2,
        )

    whole = search().fit(Xd, yd)
    plugin = _recording(client)
    try:
        # 60 validation rows of a block take 60 * (4 + 1) * 8 = 2,400 bytes: one block a shard.
        with dask.config.set({"hbsearch.task-memory": "3000B"}):
            sharded = search().fit(Xd, yd)
    finally:
        client.cluster.scheduler.remove_plugin(name=plugin.name)
    shard_tasks = [k for k in plugin.priorities if "-shard" in str(k)]
    # Every scored step ran one task per shard (10 blocks, so 10 shards).
    assert len(shard_tasks) == 10 * len(sharded.history_)
    # Accuracy is a mean over rows: the row-weighted mean of the shards' is the whole set's.
    def scores(search):
        return [h["score"] for h in sorted(search.history_, key=lambda h: (h["model_id"], h["partial_fit_calls"]))]

    np.testing.assert_allclose(scores(sharded), scores(whole), rtol=1e-12)
    assert sharded.best_params_ == whole.best_params_


def test_a_bad_task_memory_setting_is_named(client):
    search = SuccessiveHalvingSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=3, max_iter=3, random_state=0
    )
    with dask.config.set({"hbsearch.task-memory": -5}), pytest.raises(ValueError, match="task-memory"):
        search.fit(np.zeros((30, 1)))


class HeavyValue(ScoreIsValue):
    """ScoreIsValue carrying 2 MiB of weights: too large to come back with each score."""

    def partial_fit(self, X, y=None):
        self.weights_ = np.zeros(1 << 18)
        return super().partial_fit(X, y)


def test_large_models_stay_on_the_cluster_and_are_scored_apart(client, tmp_path):
    def search(**kwargs):
        return SuccessiveHalvingSearchCV(
            HeavyValue(), {"value": uniform(0, 1)}, n_initial_parameters=9, max_iter=9,
            random_state=0, **kwargs,
        )

    plugin = _recording(client)
    try:
        heavy = search(checkpoint=tmp_path / "search.ckpt").fit(np.zeros((30, 1)))
    finally:
        client.cluster.scheduler.remove_plugin(name=plugin.name)
    keys = [str(k) for k in plugin.priorities]
    fused = [k for k in keys if k.startswith("partial_fit_score-")]
    scores = [k for k in keys if k.startswith("score-") and "-shard" not in k]
    # The first results show how large the models are; after them, every job scores apart.
    assert fused and scores and len(fused) + len(scores) == len(heavy.history_)
    light = SuccessiveHalvingSearchCV(
        ScoreIsValue(), {"value": uniform(0, 1)}, n_initial_parameters=9, max_iter=9, random_state=0
    ).fit(np.zeros((30, 1)))
    assert heavy.cv_results_["test_score"].tolist() == light.cv_results_["test_score"].tolist()
    assert heavy.best_estimator_.weights_.nbytes == 1 << 21
    # The checkpoint holds every model, also those that stayed on the cluster.
    resumed = search(checkpoint=tmp_path / "search.ckpt").fit(np.zeros((30, 1)))
    assert resumed.cv_results_["test_score"].tolist() == light.cv_results_["test_score"].tolist()


def test_once_a_models_pace_is_known_its_long_jobs_are_chains_of_short_tasks(client):
    from hbsearch import SuccessiveHalvingSearchCV
    from hbsearch.engine import TASK_SECONDS

    seconds = TASK_SECONDS / 10  # so ten calls make one task
    # Four models to 12 calls, the best two to 24.
    search = SuccessiveHalvingSearchCV(
        CountingValue(seconds=seconds), {"value": uniform(0, 1)}, n_initial_parameters=4,
        aggressiveness=2, n_initial_iter=12, max_iter=24, random_state=0,
    )
    plugin = _recording(client)
    try:
        search.fit(np.zeros((30, 1)))
    finally:
        client.cluster.scheduler.remove_plugin(name=plugin.name)
    ends = sorted(
        (str(k).split("-")[0], int(str(k).split("-to")[1].split("-")[0]))
        for k in plugin.priorities if str(k).startswith("partial_fit")
    )
    # First jobs (pace unknown): one task of 12 calls. Second jobs: at most ~10 calls a task
    # (a sleep lasts at least its time, so the pace measured is a little over `seconds`).
    firsts = [e for e in ends if e == ("partial_fit_score", 12)]
    assert len(firsts) == 4
    seconds_jobs = [e for e in ends if e[1] > 12]
    assert ("partial_fit_score", 24) in seconds_jobs and len(seconds_jobs) >= 2 * 2
    assert all(calls <= 12 + 10 for kind, calls in seconds_jobs if kind == "partial_fit")
    assert [r["partial_fit_calls"] for r in search.history_].count(24) == 2
    assert search.best_estimator_.calls_ == 24


@pytest.mark.parametrize("kind", ["dask", "numpy", "sparse", "pandas"])
def test_sizes_estimated_on_the_client_match_the_measured(client, kind):
    import pandas as pd
    import scipy.sparse

    from hbsearch.engine import estimated_sizes

    rng = np.random.RandomState(0)
    X, y = rng.normal(size=(1000, 3)), rng.randint(0, 2, size=1000)
    if kind == "dask":
        X, y = da.from_array(X, chunks=(300, 3)), da.from_array(y, chunks=300)
    elif kind == "sparse":
        X = scipy.sparse.random(1000, 30, density=0.1, format="csr", random_state=0)
    elif kind == "pandas":
        X, y = pd.DataFrame(X, columns=["a", "b", "c"]), pd.Series(y)
    estimated = estimated_sizes(X, y, 0.2)
    measured = persist_split(client, *as_blocks(X, y), 0.2, seed=0)
    assert [v for _, _, v in estimated] == [int(np.ceil(0.2 * n)) for n in ([300] * 3 + [100] if kind == "dask" else [1000])]
    assert sum(measured.val_rows) == sum(v for _, _, v in estimated)
    # Bytes agree within the per-object overheads dask's sizeof counts.
    measured_train = sum(measured.train_bytes)
    assert sum(t for t, _, _ in estimated) == pytest.approx(measured_train, rel=0.1)
