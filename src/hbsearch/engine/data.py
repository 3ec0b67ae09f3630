"""The data on the cluster: split once into training blocks and validation shards.

Block ``i`` keeps a seeded share of its rows for validation; the training
parts stay where they are computed, and the validation parts are joined into
shards of at most one task's memory. Every model of every bracket trains on
the same blocks, in the same seeded order, and is scored on the same shards.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse

from .cluster import release, task_memory
from .inputs import n_rows, validation_rows

__all__ = ["BlockOrder", "ClusterData", "distinct_values", "persist_split"]


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


def _split_block(block, test_size: float, seed: int, validation: bool):
    if block is None:
        return None
    mask = validation_rows(n_rows(block), test_size, seed)
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


def _sizes(X_train, y_train, X_val, y_val) -> tuple[int, int, int]:
    """``(training bytes, validation bytes, validation rows)`` of one split block."""
    from dask.sizeof import sizeof

    train = sizeof(X_train) + (sizeof(y_train) if y_train is not None else 0)
    val = sizeof(X_val) + (sizeof(y_val) if y_val is not None else 0)
    return int(train), int(val), int(n_rows(X_val))


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
    if task_bytes is None:
        task_bytes = task_memory(client)
    parts = _split_parts(client, X_blocks, y_blocks, test_size, seed)
    if sizes is None:
        sizes = client.gather([client.submit(_sizes, *block, pure=False) for block in parts])
    X_val, y_val, val_rows, val_workers = _validation_shards(client, parts, sizes, task_bytes)
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


def _split_parts(client, X_blocks, y_blocks, test_size, seed) -> list[list]:
    """Futures of ``[X_train, y_train, X_val, y_val]`` for each block (None where y is)."""
    from dask import delayed
    from dask.delayed import Delayed

    # In-memory parts go to the cluster inside the graph, not scattered: the
    # scheduler keeps them as the split's lineage, so a part lost with its
    # worker is computed again instead of failing the search.
    def lazy(block):
        return block if block is None or isinstance(block, Delayed) else delayed(block, traverse=False)

    block_seeds = np.random.SeedSequence(seed).generate_state(len(X_blocks))
    split = delayed(_split_block, pure=True)
    parts = []
    for Xb, yb, s in zip(map(lazy, X_blocks), map(lazy, y_blocks), block_seeds):
        s = int(s)
        parts.append([
            split(Xb, test_size, s, False),
            split(yb, test_size, s, False) if yb is not None else None,
            split(Xb, test_size, s, True),
            split(yb, test_size, s, True) if yb is not None else None,
        ])
    futures = iter(client.compute([p for block in parts for p in block if p is not None]))
    return [[next(futures) if p is not None else None for p in block] for block in parts]


def _validation_shards(client, parts, sizes, task_bytes):
    """Consecutive validation parts joined into shards of at most ``task_bytes``.

    Returns the shards' X and y futures, their rows, and the workers each is on
    (None: anywhere, when there is one shard).
    """
    from distributed import wait

    has_y = parts[0][1] is not None
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
    return X_val, y_val, val_rows, val_workers


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
