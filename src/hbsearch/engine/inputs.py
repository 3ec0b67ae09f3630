"""The kinds of data a search takes, one class each: how each becomes blocks.

A dask array gives one block per chunk of rows, a dask DataFrame one per
partition (as Delayed objects); NumPy arrays, pandas objects and scipy sparse
matrices are one block. Everything that depends on the kind of ``X`` or ``y``
(splitting into blocks, describing it for a checkpoint, computing it, applying
a fitted model to it, estimating its blocks' sizes) lives here.
"""

from __future__ import annotations

import math
import sys

import numpy as np
import scipy.sparse

__all__ = [
    "apply_blockwise",
    "as_blocks",
    "describe_data",
    "estimated_sizes",
    "input_kind",
    "materialize",
    "n_rows",
    "validation_count",
    "validation_rows",
]


def n_rows(obj) -> int:
    """The number of rows of an array, frame, sparse matrix or sequence."""
    return obj.shape[0] if hasattr(obj, "shape") else len(obj)


def validation_count(n: int, test_size: float) -> int:
    """How many of a block's ``n`` rows are set aside for validation.

    ``ceil(test_size * n)``, leaving at least one row to train on.

    Examples
    --------
    >>> validation_count(100, 0.2), validation_count(5, 0.999), validation_count(1, 0.5)
    (20, 4, 0)
    """
    return min(math.ceil(test_size * n), n - 1) if n > 1 else 0


def validation_rows(n: int, test_size: float, seed: int) -> np.ndarray:
    """A mask of a block's :func:`validation_count` validation rows, drawn with ``seed``."""
    mask = np.zeros(n, dtype=bool)
    mask[np.random.RandomState(seed).permutation(n)[:validation_count(n, test_size)]] = True
    return mask


class InMemory:
    """NumPy arrays, pandas objects, scipy sparse matrices and array-likes: one block."""

    name = "in-memory"

    @staticmethod
    def accepts(obj) -> bool:
        return True

    def normalized(self, obj):
        """The object as the estimator gets it: pandas and sparse kept, array-likes as arrays."""
        if obj is None or hasattr(obj, "iloc"):
            return obj
        if scipy.sparse.issparse(obj):
            return obj.tocsr()  # rows can be taken from CSR, not from every format
        return np.asarray(obj)

    def blocks(self, X, y):
        X, y = self.normalized(X), self.normalized(y)
        if X.ndim == 0:
            raise ValueError("X must be an array of rows, got a scalar.")
        if y is not None and n_rows(X) != n_rows(y):
            raise ValueError(
                f"X and y have different lengths: X has {n_rows(X)} rows, y has {n_rows(y)}."
            )
        if n_rows(X) < 2:
            raise ValueError(
                f"X has {n_rows(X)} sample(s): a search needs at least 2, to train on one part "
                "and validate on another."
            )
        return [X], [y]

    def describe(self, obj) -> dict:
        array = obj if hasattr(obj, "shape") else np.asarray(obj)
        return {"kind": type(obj).__name__, "shape": list(array.shape),
                "dtype": str(getattr(array, "dtype", None))}

    def materialize(self, obj):
        return obj

    def apply(self, method, X):
        return method(X)

    def block_rows(self, X) -> list[int]:
        return [n_rows(self.normalized(X))]

    def row_bytes(self, obj) -> float:
        from dask.sizeof import sizeof

        obj = self.normalized(obj)
        # Rows taken from a pandas object keep their labels: an integer index.
        index = 8.0 if hasattr(obj, "iloc") else 0.0
        return sizeof(obj) / max(n_rows(obj), 1) + index


class DaskArray(InMemory):
    """A dask array: one block per chunk of rows, columns in one chunk."""

    name = "dask array"

    @staticmethod
    def accepts(obj) -> bool:
        da = sys.modules.get("dask.array")  # as for DaskFrame: no import to look
        return da is not None and isinstance(obj, da.Array)

    def normalized(self, obj):
        if obj.ndim == 2 and len(obj.chunks[1]) > 1:
            obj = obj.rechunk({1: -1})
        return obj

    def blocks(self, X, y):
        if X.ndim not in (1, 2):
            raise ValueError(f"X must be 1- or 2-dimensional, got an array of shape {X.shape}.")
        _check_known_chunks(X, "X")
        X = self.normalized(X)
        if y is None:
            return list(np.ravel(X.to_delayed())), [None] * X.numblocks[0]
        y = self._aligned_y(X, y)
        # Unoptimized, the two graphs keep X's tasks under the same keys, so
        # a y computed from X shares them instead of computing X again.
        return (
            list(np.ravel(X.to_delayed(optimize_graph=False))),
            list(np.ravel(y.to_delayed(optimize_graph=False))),
        )

    def _aligned_y(self, X, y):
        import dask.array as da

        if not (self.accepts(y) or DaskFrame.accepts(y)):
            y = np.asarray(y)
            if len(y) != X.shape[0]:
                raise ValueError(
                    f"X and y have different lengths: X has {X.shape[0]} rows, y has {len(y)}."
                )
            y = da.from_array(y, chunks=(X.chunks[0],) + y.shape[1:])
        if not self.accepts(y):
            raise TypeError(
                f"y of type {type(y).__name__} does not go with a dask array X: "
                "pass y as a dask array, e.g. y.to_dask_array(lengths=True)."
            )
        _check_known_chunks(y, "y")
        if y.shape[0] != X.shape[0]:
            raise ValueError(
                f"X and y have different lengths: X has {X.shape[0]} rows, y has {y.shape[0]}."
            )
        return y.rechunk({0: X.chunks[0]} if y.ndim == 1 else {0: X.chunks[0], 1: -1})

    def describe(self, obj) -> dict:
        return {"kind": "dask array", "shape": list(obj.shape), "row_chunks": list(obj.chunks[0]),
                "dtype": str(obj.dtype)}

    def materialize(self, obj):
        return obj.compute()

    def apply(self, method, X):
        """``method`` mapped over the row chunks; the output's shape is learned from one row."""
        X = self.normalized(X)
        probe = np.asarray(method(X[:1].compute()))
        if probe.ndim == 1:
            drop = 1 if X.ndim == 2 else None
            return X.map_blocks(method, dtype=probe.dtype, chunks=(X.chunks[0],), drop_axis=drop)
        chunks = (X.chunks[0],) + tuple((n,) for n in probe.shape[1:])
        new_axis = None if X.ndim == 2 else 1
        return X.map_blocks(method, dtype=probe.dtype, chunks=chunks, new_axis=new_axis)

    def block_rows(self, X) -> list[int]:
        return [int(r) for r in X.chunks[0]]

    def row_bytes(self, obj) -> float:
        return float(np.prod(obj.shape[1:], dtype=float) * obj.dtype.itemsize)


class DaskFrame(InMemory):
    """A dask DataFrame or Series: one block per partition."""

    name = "dask DataFrame"

    @staticmethod
    def accepts(obj) -> bool:
        # An object of a module not imported yet cannot be a dask DataFrame:
        # looking first spares in-memory data the import (over a second).
        dd = sys.modules.get("dask.dataframe")
        return dd is not None and isinstance(obj, (dd.DataFrame, dd.Series))

    def normalized(self, obj):
        return obj

    def blocks(self, X, y):
        if y is None:
            parts = list(np.ravel(X.to_delayed()))
            return parts, [None] * len(parts)
        if not self.accepts(y):
            raise TypeError(
                f"y of type {type(y).__name__} does not go with a dask DataFrame X: "
                "pass y as a dask Series or DataFrame partitioned like X."
            )
        if y.npartitions != X.npartitions:
            raise ValueError(
                f"X and y must have the same partitions: X has {X.npartitions}, "
                f"y has {y.npartitions}."
            )
        return list(np.ravel(X.to_delayed())), list(np.ravel(y.to_delayed()))

    def describe(self, obj) -> dict:
        frame = hasattr(obj, "columns")
        return {"kind": type(obj).__name__, "partitions": obj.npartitions,
                "columns": list(obj.columns) if frame else [obj.name],
                "dtypes": [str(d) for d in (obj.dtypes if frame else [obj.dtype])]}

    def materialize(self, obj):
        return obj.compute()

    def apply(self, method, X):
        """``method`` on each partition, joined into a dask array of unknown chunk sizes."""
        import dask.array as da
        from dask import delayed

        probe = np.asarray(method(X.head(1)))
        apply = delayed(lambda block: np.asarray(method(block)), pure=True)
        blocks = [
            da.from_delayed(apply(part), shape=(math.nan,) + probe.shape[1:], dtype=probe.dtype)
            for part in X.to_delayed()
        ]
        return da.concatenate(blocks)

    def block_rows(self, X):
        return None  # partitions' lengths are unknown without computing them


_KINDS = (DaskArray(), DaskFrame(), InMemory())


def input_kind(obj) -> InMemory:
    """The class that handles ``obj``'s kind of data."""
    return next(kind for kind in _KINDS if kind.accepts(obj))


def _check_known_chunks(array, name: str) -> None:
    if any(math.isnan(c) for c in array.chunks[0]):
        raise ValueError(
            f"{name} has unknown chunk sizes; call {name}.compute_chunk_sizes() before fit."
        )


def as_blocks(X, y):
    """Aligned lists of blocks of ``X`` and ``y``, without computing anything.

    Raises before any work if ``X`` and ``y`` do not line up.
    """
    return input_kind(X).blocks(X, y)


def describe_data(X, y) -> dict:
    """What a checkpoint remembers of the data: kind, shape, blocks and types."""
    return {
        "X": input_kind(X).describe(X),
        "y": None if y is None else input_kind(y).describe(y),
    }


def materialize(obj):
    """A dask collection computed to memory; anything else as it is."""
    return input_kind(obj).materialize(obj)


def apply_blockwise(method, X):
    """``method(X)``, block by block when ``X`` is a dask collection."""
    return input_kind(X).apply(method, X)


def estimated_sizes(X, y, test_size: float) -> list | None:
    """``(training bytes, validation bytes, validation rows)`` of each split block, estimated.

    Known from shapes and dtypes for dask arrays and in-memory data; None
    when a dask DataFrame is involved, whose partitions' sizes are unknown.
    """
    kind = input_kind(X)
    rows = kind.block_rows(X)
    if rows is None or (y is not None and input_kind(y).block_rows(y) is None):
        return None
    per_row = kind.row_bytes(X) + (input_kind(y).row_bytes(y) if y is not None else 0.0)
    sizes = []
    for n in rows:
        n_val = validation_count(n, test_size)
        sizes.append((int((n - n_val) * per_row), int(n_val * per_row), n_val))
    return sizes
