"""Running a driver's jobs on a Dask cluster: the only module that knows Dask.

The data is split and persisted once: training blocks and validation shards
stay on the workers, shared by every model. Each job of the driver becomes
tasks submitted with the model's priority: ``partial_fit`` calls over
training blocks, then a score. When the data is small (the usual case), that
is one task per job. A task holds at most :func:`task_memory` bytes of
training blocks, so a long job over large data is a chain of tasks; a
validation set larger than that is kept in shards, each scored where it
lives. Scores come back with their tasks' completions and go to the driver,
which answers with new jobs.
"""

from __future__ import annotations

import contextlib
import copy
import heapq
import itertools
import logging
import math
import os
import pickle
import time
import traceback
import uuid
from dataclasses import dataclass, field

import cloudpickle
import numpy as np
import scipy.sparse
from sklearn.base import clone

from .results import Record, selection_key

__all__ = [
    "ClusterData",
    "BlockOrder",
    "as_blocks",
    "apply_blockwise",
    "client_for_fit",
    "describe_data",
    "distinct_values",
    "estimated_sizes",
    "materialize",
    "persist_split",
    "task_memory",
    "run_search",
]

logger = logging.getLogger("hbsearch")

# How long the client may take to answer a result: Dask holds enough jobs per
# worker thread to last that long (at least two); the rest wait in the client.
CLIENT_SECONDS = 0.1

# Seconds of training a task aims at once a model's pace is known (longer jobs are chains).
TASK_SECONDS = 0.5

# Models up to this size come back to the client with their scores (one task a
# job); larger ones stay on the cluster and are scored by a task of their own.
MODEL_BYTES_TO_TRAVEL = 1 << 20

# -- the cluster -----------------------------------------------------------


@contextlib.contextmanager
def client_for_fit(n_workers: int | None = None):
    """The active Dask client, or a local cluster that lives for this block."""
    from distributed import Client, LocalCluster, get_client

    try:
        client = get_client()
    except ValueError:
        client = None
    if client is not None:
        yield client
        return
    n_workers = n_workers or os.cpu_count() or 1
    with LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster, set_as_default=True) as client:
        logger.info("started a local Dask cluster with %d workers", n_workers)
        yield client


# -- the data --------------------------------------------------------------


@dataclass
class ClusterData:
    """Futures of the data on the cluster: training blocks and validation shards.

    ``train_bytes[i]`` is the size of training block ``i`` (X and y);
    ``val_rows[j]`` the number of rows of validation shard ``j``, and
    ``val_workers[j]`` the workers its score tasks go to (None: any).
    ``task_bytes`` is the most data one task is meant to hold.
    """

    X_train: list
    y_train: list
    X_val: list
    y_val: list
    train_bytes: list = field(default_factory=list)
    val_rows: list = field(default_factory=list)
    val_workers: list = field(default_factory=list)  # where each shard is (None: anywhere)
    task_bytes: float = math.inf

    @property
    def n_blocks(self) -> int:
        return len(self.X_train)

    def futures(self) -> list:
        from distributed import Future

        items = [*self.X_train, *self.y_train, *self.X_val, *self.y_val]
        return [f for f in items if isinstance(f, Future)]


def _is_dask_array(obj) -> bool:
    import dask.array as da

    return isinstance(obj, da.Array)


def _is_dask_frame(obj) -> bool:
    try:
        import dask.dataframe as dd
    except ImportError:  # dask[dataframe] is optional
        return False
    return isinstance(obj, (dd.DataFrame, dd.Series))


def _n_rows(obj):
    return obj.shape[0] if hasattr(obj, "shape") else len(obj)


def as_blocks(X, y):
    """Aligned lists of blocks of ``X`` and ``y``, without computing anything.

    Dask arrays give one block per chunk of rows, dask DataFrames one per
    partition (as Delayed objects); NumPy arrays and pandas objects are one
    block. Raises before any work if ``X`` and ``y`` do not line up.
    """
    import dask.array as da

    if _is_dask_array(X) or _is_dask_frame(X):
        if _is_dask_array(X):
            if X.ndim not in (1, 2):
                raise ValueError(f"X must be 1- or 2-dimensional, got an array of shape {X.shape}.")
            if any(math.isnan(c) for c in X.chunks[0]):
                raise ValueError(
                    "X has unknown chunk sizes; call X.compute_chunk_sizes() before fit."
                )
            if X.ndim == 2 and len(X.chunks[1]) > 1:
                X = X.rechunk({1: -1})
            if y is not None and not (_is_dask_array(y) or _is_dask_frame(y)):
                y = np.asarray(y)
                if len(y) != X.shape[0]:
                    raise ValueError(
                        f"X and y have different lengths: X has {X.shape[0]} rows, y has {len(y)}."
                    )
                y = da.from_array(y, chunks=(X.chunks[0],) + y.shape[1:])
            if y is not None:
                if not _is_dask_array(y):
                    raise TypeError(
                        f"y of type {type(y).__name__} does not go with a dask array X: "
                        "pass y as a dask array, e.g. y.to_dask_array(lengths=True)."
                    )
                if any(math.isnan(c) for c in y.chunks[0]):
                    raise ValueError("y has unknown chunk sizes; call y.compute_chunk_sizes() before fit.")
                if y.shape[0] != X.shape[0]:
                    raise ValueError(
                        f"X and y have different lengths: X has {X.shape[0]} rows, y has {y.shape[0]}."
                    )
                y = y.rechunk({0: X.chunks[0]} if y.ndim == 1 else {0: X.chunks[0], 1: -1})
        else:
            if y is not None:
                if not _is_dask_frame(y):
                    raise TypeError(
                        f"y of type {type(y).__name__} does not go with a dask DataFrame X: "
                        "pass y as a dask Series or DataFrame partitioned like X."
                    )
                if y.npartitions != X.npartitions:
                    raise ValueError(
                        f"X and y must have the same partitions: X has {X.npartitions}, "
                        f"y has {y.npartitions}."
                    )
        if y is None:
            X_parts = list(np.ravel(X.to_delayed()))
            return X_parts, [None] * len(X_parts)
        if _is_dask_array(X) and _is_dask_array(y):
            # Unoptimized, the two graphs keep X's tasks under the same keys, so
            # a y computed from X shares them instead of computing X again.
            return (
                list(np.ravel(X.to_delayed(optimize_graph=False))),
                list(np.ravel(y.to_delayed(optimize_graph=False))),
            )
        return list(np.ravel(X.to_delayed())), list(np.ravel(y.to_delayed()))
    # pandas objects and scipy sparse matrices go to the estimator as they are.
    if scipy.sparse.issparse(X):
        X = X.tocsr()  # rows can be taken from CSR, not from every format
    elif not hasattr(X, "iloc"):
        X = np.asarray(X)
    if y is not None and not hasattr(y, "iloc"):
        y = np.asarray(y)
    if X.ndim == 0:
        raise ValueError("X must be an array of rows, got a scalar.")
    if y is not None and _n_rows(X) != _n_rows(y):
        raise ValueError(
            f"X and y have different lengths: X has {_n_rows(X)} rows, y has {_n_rows(y)}."
        )
    if _n_rows(X) < 2:
        raise ValueError(
            f"X has {_n_rows(X)} sample(s): a search needs at least 2, to train on one part "
            "and validate on another."
        )
    return [X], [y]


def describe_data(X, y) -> dict:
    """What a checkpoint remembers of the data: kind, shape, blocks and types."""

    def describe(obj):
        if obj is None:
            return None
        if _is_dask_frame(obj):
            columns = list(obj.columns) if hasattr(obj, "columns") else [obj.name]
            return {"kind": type(obj).__name__, "partitions": obj.npartitions, "columns": columns,
                    "dtypes": [str(d) for d in (obj.dtypes if hasattr(obj, "columns") else [obj.dtype])]}
        if _is_dask_array(obj):
            return {"kind": "dask array", "shape": list(obj.shape), "row_chunks": list(obj.chunks[0]),
                    "dtype": str(obj.dtype)}
        array = obj if hasattr(obj, "shape") else np.asarray(obj)
        return {"kind": type(obj).__name__, "shape": list(array.shape),
                "dtype": str(getattr(array, "dtype", None))}

    return {"X": describe(X), "y": describe(y)}


def materialize(obj):
    """A dask collection computed to memory; anything else as it is."""
    if _is_dask_array(obj) or _is_dask_frame(obj):
        return obj.compute()
    return obj


def apply_blockwise(method, X):
    """``method(X)``, block by block when ``X`` is a dask collection.

    The output's shape and dtype are learned from one row of the first block.
    """
    if _is_dask_array(X):
        if X.ndim == 2 and len(X.chunks[1]) > 1:
            X = X.rechunk({1: -1})
        probe = np.asarray(method(X[:1].compute()))
        if probe.ndim == 1:
            drop = 1 if X.ndim == 2 else None
            return X.map_blocks(method, dtype=probe.dtype, chunks=(X.chunks[0],), drop_axis=drop)
        chunks = (X.chunks[0],) + tuple((n,) for n in probe.shape[1:])
        new_axis = None if X.ndim == 2 else 1
        return X.map_blocks(method, dtype=probe.dtype, chunks=chunks, new_axis=new_axis)
    if _is_dask_frame(X):
        import dask.array as da

        probe = np.asarray(method(X.head(1)))
        blocks = [
            da.from_delayed(
                _delayed_apply(method, part),
                shape=(math.nan,) + probe.shape[1:],
                dtype=probe.dtype,
            )
            for part in X.to_delayed()
        ]
        return da.concatenate(blocks)
    return method(X)


def _delayed_apply(method, part):
    from dask import delayed

    return delayed(lambda block: np.asarray(method(block)), pure=True)(part)


def distinct_values(client, data: ClusterData) -> np.ndarray:
    """Sorted distinct values of y over training and validation blocks, found on the cluster."""
    uniques = [client.submit(_unique, b, pure=False) for b in [*data.y_train, *data.y_val]]
    return client.submit(_union, uniques, pure=False).result()


def _unique(block):
    return np.unique(np.asarray(block))


def _union(arrays):
    return np.unique(np.concatenate(arrays))


def _take(block, index):
    return block.iloc[index] if hasattr(block, "iloc") else block[index]


def _validation_rows(n_rows: int, test_size: float, seed: int) -> np.ndarray:
    """A block's validation rows: ceil(test_size * n), leaving one row to train on."""
    n_test = min(math.ceil(test_size * n_rows), n_rows - 1) if n_rows > 1 else 0
    mask = np.zeros(n_rows, dtype=bool)
    mask[np.random.RandomState(seed).permutation(n_rows)[:n_test]] = True
    return mask


def _split_block(block, test_size: float, seed: int, validation: bool):
    if block is None:
        return None
    mask = _validation_rows(_n_rows(block), test_size, seed)
    return _take(block, mask if validation else ~mask)


def _concat(parts):
    parts = [p for p in parts if p is not None]
    if not parts:
        return None
    if hasattr(parts[0], "iloc"):
        import pandas as pd

        return pd.concat(parts)
    if scipy.sparse.issparse(parts[0]):
        return scipy.sparse.vstack(parts, format=parts[0].format)
    return np.concatenate(parts)


def task_memory(client) -> float:
    """Bytes of data one task may hold: the ``hbsearch.task-memory`` setting if any.

    Otherwise an eighth of the smallest memory a worker thread has (a worker's
    ``memory_limit`` over its threads); unlimited when no worker has a limit.
    An eighth leaves room for what a worker holds besides: its own code
    (about 200 MiB with scikit-learn), the data Dask keeps in memory before
    spilling (60% of the limit by default), and blocks fetched for a task.
    """
    import dask
    from dask.utils import parse_bytes

    setting = dask.config.get("hbsearch.task-memory", None)
    if setting is not None:
        value = parse_bytes(setting) if isinstance(setting, str) else setting
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0:
            raise ValueError(
                f"the dask config 'hbsearch.task-memory' is {setting!r}: it must be a positive "
                "number of bytes or a string such as '256MiB'."
            )
        return float(value)
    per_thread = [
        w["memory_limit"] / max(w.get("nthreads", 1), 1)
        for w in client.scheduler_info()["workers"].values()
        if w.get("memory_limit")
    ]
    return min(per_thread) / 8 if per_thread else math.inf


def _sizes(X_train, y_train, X_val, y_val) -> tuple[int, int, int]:
    """``(training bytes, validation bytes, validation rows)`` of one split block."""
    from dask.sizeof import sizeof

    train = sizeof(X_train) + (sizeof(y_train) if y_train is not None else 0)
    val = sizeof(X_val) + (sizeof(y_val) if y_val is not None else 0)
    return int(train), int(val), int(_n_rows(X_val))


def _runs_within(sizes: list, most: float) -> list[list[int]]:
    """Indices of ``sizes`` cut, in order, into runs whose sizes add up to at most ``most``.

    Every run has at least one index, even when that one is larger than ``most``.
    """
    runs, current, total = [], [], 0.0
    for i, size in enumerate(sizes):
        if current and total + size > most:
            runs.append(current)
            current, total = [], 0.0
        current.append(i)
        total += size
    if current:
        runs.append(current)
    return runs


def estimated_sizes(X, y, test_size: float) -> list | None:
    """What :func:`_sizes` would find for each block, from shapes and dtypes.

    Known without computing anything for dask arrays and in-memory data (one
    block); None for dask DataFrames, whose partitions' sizes are unknown.
    """
    from dask.sizeof import sizeof

    if _is_dask_frame(X) or _is_dask_frame(y):
        return None
    # As as_blocks takes them: array-likes become arrays.
    if not (_is_dask_array(X) or scipy.sparse.issparse(X) or hasattr(X, "iloc")):
        X = np.asarray(X)
    if y is not None and not (_is_dask_array(y) or hasattr(y, "iloc")):
        y = np.asarray(y)

    def row_bytes(obj):
        if obj is None:
            return 0.0
        if _is_dask_array(obj):
            return float(np.prod(obj.shape[1:], dtype=float) * obj.dtype.itemsize)
        # Rows taken from a pandas object keep their labels: an integer index.
        index = 8.0 if hasattr(obj, "iloc") else 0.0
        return sizeof(obj) / max(_n_rows(obj), 1) + index

    if _is_dask_array(X):
        rows = [int(r) for r in X.chunks[0]]
        per_row = row_bytes(X) + row_bytes(y)
    else:
        rows = [_n_rows(X)]
        per_row = row_bytes(X) + row_bytes(y)
    sizes = []
    for n in rows:
        n_val = int(_validation_rows(n, test_size, 0).sum())
        sizes.append((int((n - n_val) * per_row), int(n_val * per_row), n_val))
    return sizes


def persist_split(
    client,
    X_blocks: list,
    y_blocks: list,
    test_size: float,
    seed: int,
    task_bytes: float | None = None,
    sizes: list | None = None,
) -> ClusterData:
    """Split every block into training and validation rows on the workers.

    ``X_blocks`` and ``y_blocks`` are aligned lists of Delayed objects or
    futures (``y_blocks`` may hold None). Block ``i`` keeps a random
    ``test_size`` share of its rows (seeded by ``seed`` and ``i``) for
    validation. Consecutive validation parts are joined into shards of at
    most ``task_bytes`` (default :func:`task_memory`), so the validation set
    is one shard when it is small and stays spread over the workers when it is
    large. ``sizes`` (from :func:`estimated_sizes`) saves measuring the
    blocks on the cluster, and waiting for that; nothing but those sizes is
    gathered to the client.
    """
    from dask import delayed
    from dask.delayed import Delayed
    from distributed import wait

    if task_bytes is None:
        task_bytes = task_memory(client)
    # In-memory parts go to the cluster inside the graph, not scattered: the
    # scheduler keeps them as the split's lineage, so a part lost with its
    # worker is computed again instead of failing the search.
    X_blocks = [b if isinstance(b, Delayed) else delayed(b, traverse=False) for b in X_blocks]
    y_blocks = [
        b if b is None or isinstance(b, Delayed) else delayed(b, traverse=False)
        for b in y_blocks
    ]
    block_seeds = np.random.SeedSequence(seed).generate_state(len(X_blocks))
    split = delayed(_split_block, pure=True)
    parts = []
    for Xb, yb, s in zip(X_blocks, y_blocks, block_seeds):
        s = int(s)
        parts.append(
            [
                split(Xb, test_size, s, False),
                split(yb, test_size, s, False) if yb is not None else None,
                split(Xb, test_size, s, True),
                split(yb, test_size, s, True) if yb is not None else None,
            ]
        )
    has_y = parts[0][1] is not None
    flat = [p for block in parts for p in block if p is not None]
    futures = iter(client.compute(flat))
    parts = [[next(futures) if p is not None else None for p in block] for block in parts]
    if sizes is None:
        sizes = client.gather([client.submit(_sizes, *block, pure=False) for block in parts])
    X_val, y_val, val_rows = [], [], []
    for shard in _runs_within([val for _, val, _ in sizes], task_bytes):
        X_parts = [parts[i][2] for i in shard]
        y_parts = [parts[i][3] for i in shard]
        val_rows.append(sum(sizes[i][2] for i in shard))
        if len(shard) == 1:
            X_val.append(X_parts[0])
            y_val.append(y_parts[0])
        else:
            X_val.append(client.submit(_concat, X_parts, pure=False))
            y_val.append(client.submit(_concat, y_parts, pure=False) if has_y else None)
            release([*X_parts, *y_parts])
    val_workers = [None] * len(X_val)
    if len(X_val) > 1:
        # Shards are scored where they are: the score tasks ask for these workers.
        wait([*X_val, *(y for y in y_val if y is not None)])
        who_has = client.who_has(X_val)
        val_workers = [sorted(who_has[shard.key])[:1] for shard in X_val]
    return ClusterData(
        X_train=[block[0] for block in parts],
        y_train=[block[1] for block in parts],
        X_val=X_val,
        y_val=y_val,
        train_bytes=[train for train, _, _ in sizes],
        val_rows=val_rows,
        val_workers=val_workers,
        task_bytes=task_bytes,
    )


class BlockOrder:
    """Which training block the ``c``-th partial_fit call of every model gets.

    Each epoch is a new random permutation of the blocks, the same for all
    models, so that models are compared on the same data.
    """

    def __init__(self, n_blocks: int, seed: int):
        self.n_blocks = n_blocks
        self._rng = np.random.RandomState(seed)
        self._order: list[int] = []

    def blocks(self, start: int, stop: int) -> list[int]:
        while len(self._order) < stop:
            self._order.extend(int(i) for i in self._rng.permutation(self.n_blocks))
        return self._order[start:stop]


def release(futures) -> None:
    """Let the cluster forget ``futures`` (None entries are skipped)."""
    for future in futures:
        if future is not None and hasattr(future, "release"):
            future.release()


# -- the tasks -------------------------------------------------------------


def _train(state, estimator, params, X_blocks, y_blocks, fit_params, catch, carried=False):
    """A new model (``state`` None) or a copy of ``state``'s, trained on the blocks.

    Returns ``(model, fit_time, error)``. The input is never mutated, so a
    lost result can be recomputed. With ``catch``, an exception becomes the
    error's traceback text instead of failing the task. ``carried`` marks a
    task that continues the same job, whose fit time adds to ``state``'s.
    """
    if state is not None and state[2] is not None:
        return state  # failed earlier in this job: nothing to train
    start = time.perf_counter() - (state[1] if carried else 0.0)
    try:
        if state is None:
            model = clone(estimator).set_params(**params)
        else:
            model = copy.deepcopy(state[0])
        for Xb, yb in zip(X_blocks, y_blocks):
            if _n_rows(Xb):
                model.partial_fit(Xb, yb, **fit_params)
    except Exception:
        if not catch:
            raise
        return None, time.perf_counter() - start, traceback.format_exc()
    return model, time.perf_counter() - start, None


def _groups(blocks: list[int], sizes: list, most: float) -> list[list[int]]:
    """``blocks`` cut, in order, into runs whose distinct blocks' ``sizes`` add up to at most ``most``.

    A run has at least one block, even one larger than ``most``.
    """
    groups, current, distinct, total = [], [], set(), 0.0
    for block in blocks:
        if block not in distinct:
            if current and total + sizes[block] > most:
                groups.append(current)
                current, distinct, total = [], set(), 0.0
            distinct.add(block)
            total += sizes[block]
        current.append(block)
    if current:
        groups.append(current)
    return groups


def _score_part(state, X_val, y_val, scorer, catch):
    """``(score, score_time, error)`` of a trained state on one validation shard."""
    model, _, error = state[:3]
    if error is not None:
        return math.nan, 0.0, error
    start = time.perf_counter()
    try:
        score = float(scorer(model, X_val, y_val))
    except Exception:
        if not catch:
            raise
        return math.nan, time.perf_counter() - start, traceback.format_exc()
    if not math.isfinite(score):
        error = f"the validation score is {score}, not a finite number"
        if not catch:
            raise ValueError(error)
    return score, time.perf_counter() - start, error


def _scored(state, parts, weights, with_model=True):
    """``(model, fit_time, error, score, score_time)``: a trained state and its shards' scores.

    The score is the mean of the shards' scores weighted by their rows: the
    score of the whole validation set for scores that are means over rows
    (accuracy, mean squared error, log loss, ...). Without ``with_model``,
    the model is None (it stays in ``state``).
    """
    model, fit_time, error = state[:3]
    if not with_model:
        model = None
    score_time = sum(t for _, t, _ in parts)
    if error is None:
        error = next((e for _, _, e in parts if e is not None), None)
    if error is not None:
        return model, fit_time, error, math.nan, score_time
    score = float(np.average([s for s, _, _ in parts], weights=weights))
    return model, fit_time, None, score, score_time


def _train_and_score(
    state, estimator, params, X_blocks, y_blocks, fit_params, catch, carried, X_val, y_val, scorer
):
    """:func:`_train`, then the score on the one validation shard, in a single task."""
    trained = _train(state, estimator, params, X_blocks, y_blocks, fit_params, catch, carried)
    return _scored(trained, [_score_part(trained, X_val, y_val, scorer, catch)], [1])


# -- the loop --------------------------------------------------------------


def _pickled_size(obj) -> int:
    # dask's sizeof does not look inside estimators; their pickle is what
    # travels, made by cloudpickle as Dask makes it (the standard library's
    # refuses locally defined classes and lambdas, which Dask ships).
    return len(cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


@dataclass
class SearchOutcome:
    """What a run leaves: every record, the best model, and why it stopped early (if it did)."""

    records: list
    best_model: object
    best_index: int | None
    stopped_early: str | None = None


def run_search(
    client,
    driver,
    estimator,
    data: ClusterData,
    *,
    fit_params,
    scorer,
    order_seed: int,
    error_score=math.nan,
    max_time: float | None = None,
    checkpoint=None,
    on_record=None,
    label=str,
):
    """Run the driver's jobs on the cluster until it is done.

    Returns the records of every scored step, and the fitted model that is
    best by :func:`~hbsearch.results.selection_key` (only that one is
    gathered; other models are released as soon as the driver retires them).
    A model whose training or scoring fails is recorded with its error and
    ``error_score``; with ``error_score="raise"`` the first failure is raised.

    After ``max_time`` seconds, or at a KeyboardInterrupt, no more work is
    submitted, work under way is dropped, and the outcome holds what was
    scored so far (``stopped_early`` says why).

    With a :class:`~hbsearch.checkpoint.Checkpoint`, every scored step is
    saved with its model as it arrives, and a step already saved is not run
    again: its record and model are taken from the checkpoint.

    ``label(model)`` names a model in task keys, so that the dashboard shows
    tasks as ``partial_fit-<label>-to<calls>`` and ``score-<label>-at<calls>``.
    """
    from distributed import Future, as_completed

    catch = not (isinstance(error_score, str) and error_score == "raise")
    order = BlockOrder(data.n_blocks, order_seed)
    # model -> its (model, fit_time, error) behind its latest record: a future,
    # or a tuple restored from a checkpoint
    scored_state: dict[int, object] = {}
    latest_record: dict[int, Record] = {}
    best = None  # (key, model index, state)
    pending = {}  # score future key -> (job, trained future, score future)
    records: list[Record] = []
    start = time.perf_counter()
    # Results travel with completions, in the background: no round trip per batch.
    queue = as_completed(with_results=True, raise_errors=False, timeout=max_time)
    stopped_early = None
    saved = checkpoint.steps if checkpoint is not None else {}
    models_travel = True
    waiting: list = []  # heap of (-priority, arrival, job): jobs not given to Dask yet
    arrival = itertools.count()
    threads, threads_checked = 1, -math.inf
    job_seconds = None  # running mean of a job's training and scoring time
    pace: dict[int, float] = {}  # model -> seconds per partial_fit call in its latest job

    def state_future(model: int):
        state = scored_state.get(model)
        if state is None or isinstance(state, Future):
            return state
        scored_state[model] = client.scatter(state, hash=False)
        return scored_state[model]

    def submit(job):
        name, token = label(job.model), uuid.uuid4().hex
        trained, calls = state_future(job.model), job.start_calls
        # A new model's configuration is drawn now, knowing all there is to know.
        params = driver.configure(job.model) if job.start_calls == 0 else None
        # A task holds at most data.task_bytes of training blocks, and once the
        # model's pace is known, takes about TASK_SECONDS: a longer job is a
        # chain of tasks, each placed when the one before ends, so that no
        # worker waits while a long job runs alone on another at the end.
        groups = _groups(order.blocks(job.start_calls, job.end_calls), data.train_bytes, data.task_bytes)
        if job.model in pace:
            most = max(1, int(TASK_SECONDS / max(pace[job.model], 1e-9)))
            groups = [group[i : i + most] for group in groups for i in range(0, len(group), most)]
        groups = groups or [[]]
        # Small models come back with their score: the job's last task trains and
        # scores, and one task is the whole job when the data is small too.
        fused = len(data.X_val) == 1 and models_travel
        for n, idx in enumerate(groups):
            first, last = calls == job.start_calls, n == len(groups) - 1
            calls += len(idx)
            train_args = (
                trained, estimator, params, [data.X_train[i] for i in idx],
                [data.y_train[i] for i in idx], fit_params, catch, not first,
            )
            if last and fused:
                trained = client.submit(
                    _train_and_score, *train_args, data.X_val[0], data.y_val[0], scorer,
                    priority=job.priority, fifo_timeout=0, key=f"partial_fit_score-{name}-to{calls}-{token}",
                )
            else:
                trained = client.submit(
                    _train, *train_args,
                    priority=job.priority, fifo_timeout=0, key=f"partial_fit-{name}-to{calls}-{token}",
                )
        if fused:
            scored = trained
        else:
            # Each shard is scored where it lives; the model goes there, the data stays.
            parts = [
                client.submit(
                    _score_part, trained, X_shard, y_shard, scorer, catch,
                    priority=job.priority, fifo_timeout=0, key=f"score-{name}-at{calls}-shard{j}-{token}",
                    # Where the shard is, unless that worker is gone.
                    workers=where, allow_other_workers=where is not None,
                )
                for j, (X_shard, y_shard, where) in enumerate(zip(data.X_val, data.y_val, data.val_workers))
            ]
            scored = client.submit(
                _scored, trained, parts, data.val_rows, False,
                priority=job.priority, fifo_timeout=0, key=f"score-{name}-at{calls}-{token}",
            )
        pending[scored.key] = (job, trained, scored)
        queue.add(scored)

    def accept(record: Record, state) -> None:
        records.append(record)
        latest_record[record.model] = record
        scored_state[record.model] = state
        driver.tell(record.model, record.partial_fit_calls, record.score, failed=record.error is not None)
        if on_record is not None:
            on_record(record)

    def retire(model: int):
        nonlocal best
        pace.pop(model, None)
        state = scored_state.pop(model, None)
        record = latest_record.get(model)
        if state is None or record is None:
            return
        key = selection_key(record.score, record.partial_fit_calls, model, record.error is not None)
        if best is None or key > best[0]:
            best = (key, model, state)

    future = batch = failed = trained = None
    batches = queue.batches()
    try:
        try:
            while True:
                restored = []
                # Among equal priorities the longest jobs go first, so that no
                # long job is left to run alone at the end.
                for job in sorted(driver.ask(), key=lambda job: -job.n_calls):
                    if (job.model, job.end_calls) in saved:
                        if job.start_calls == 0:
                            driver.configure(job.model)
                        restored.append(saved[(job.model, job.end_calls)])
                    else:
                        heapq.heappush(waiting, (-job.priority, next(arrival), job))
                for record, model in restored:
                    accept(record, (model, record.partial_fit_time, record.error))
                for model in driver.pop_retired():
                    retire(model)
                if restored:
                    continue  # their successors may be saved too
                # Dask sends a task to a worker as soon as it can run, and that
                # worker's queue is the only place priorities act; so jobs wait
                # here, best first, and Dask holds a few per worker thread: a
                # free worker gets the best job there is, and has its next ones
                # at hand while the client answers (more of them when jobs are
                # short, so that the workers never wait for the client).
                if time.perf_counter() - threads_checked > 2.0:
                    threads = max(1, sum(client.nthreads().values()))
                    threads_checked = time.perf_counter()
                per_thread = 2 + (min(30, int(CLIENT_SECONDS / job_seconds)) if job_seconds else 0)
                while waiting and len(pending) < per_thread * threads:
                    submit(heapq.heappop(waiting)[2])
                if not pending:
                    break
                if max_time is not None and time.perf_counter() - start >= max_time:
                    stopped_early = f"max_time={max_time} s was reached"
                    break
                batch = next(batches)
                failed = [f for f, _ in batch if f.status != "finished"]
                if failed and failed[0].status == "cancelled":
                    raise RuntimeError(
                        f"Dask cancelled task {failed[0].key!r} of the search: its inputs were lost "
                        "from the cluster (for example every worker holding them died)."
                    )
                if failed:
                    # No local may hold the exception: it would keep this frame,
                    # and the futures in it, alive in a reference cycle.
                    raise failed[0].exception().with_traceback(failed[0].traceback())
                now = time.perf_counter() - start
                jobs = [pending.pop(f.key) for f, _ in batch]
                results = [result for _, result in batch]
                if checkpoint is not None and any(r[0] is None and r[2] is None for r in results):
                    # Models that stayed on the cluster are fetched to be saved.
                    fetched = client.gather([trained for _, trained, _ in jobs])
                    results = [(state[0], *r[1:]) for state, r in zip(fetched, results)]
                # `future` and `result` are cleared in `finally`, with the other futures this frame may keep.
                for (job, trained, _), result in zip(jobs, results):
                    fitted, fit_time, error, score, score_time = result
                    if error is None and job.n_calls:
                        pace[job.model] = fit_time / job.n_calls
                    seconds = fit_time + score_time
                    job_seconds = seconds if job_seconds is None else 0.9 * job_seconds + 0.1 * seconds
                    if models_travel and fitted is not None and _pickled_size(fitted) > MODEL_BYTES_TO_TRAVEL:
                        models_travel = False
                    if error is not None:
                        score = float(error_score)
                    record = Record(job.model, job.end_calls, score, fit_time, score_time, now, error)
                    if checkpoint is not None:
                        checkpoint.save(record, fitted)
                    accept(record, trained)
                jobs = trained = batch = result = results = fitted = fetched = None
        except (TimeoutError, StopIteration):
            if pending:
                stopped_early = f"max_time={max_time} s was reached"
        except KeyboardInterrupt:
            if not records:
                raise
            stopped_early = "it was interrupted (KeyboardInterrupt)"
        for model in list(scored_state):
            retire(model)
        best_model = None
        if best is not None:
            state = best[2].result() if isinstance(best[2], Future) else best[2]
            best_model = state[0]
        return SearchOutcome(
            records, best_model, best[1] if best is not None else None, stopped_early
        )
    finally:
        # Releasing every future we hold lets the scheduler forget the work,
        # including work under way; client.cancel would also walk into
        # dependents we already let go.
        leftovers = list(scored_state.values())
        for _, trained_f, scored_f in pending.values():
            leftovers += [trained_f, scored_f]
        if best is not None:
            leftovers.append(best[2])
        release(leftovers)
        # An exception's traceback keeps this frame alive: drop its futures too.
        future = batch = failed = leftovers = scored_f = trained = result = results = fitted = fetched = None  # noqa: F841
        batches.close()
        queue.clear()
        scored_state.clear()
        pending.clear()
