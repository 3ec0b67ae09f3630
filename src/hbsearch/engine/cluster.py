"""The Dask cluster a search runs on, and what one task may hold of it."""

from __future__ import annotations

import contextlib
import logging
import math
import os
import threading

__all__ = ["active_client", "client_for_fit", "release", "task_memory"]

logger = logging.getLogger("hbsearch")


def active_client():
    """The Dask client a fit would run on (``distributed.get_client()``), or None."""
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        return None


@contextlib.contextmanager
def client_for_fit(n_workers: int | None = None, checkpoint=None):
    """The active Dask client, or a local cluster that lives for this block.

    An error raised in the block after the connection to the scheduler was
    lost becomes a RuntimeError that says so (and names ``checkpoint``).
    """
    client = active_client()
    if client is None:
        context = _local_client(n_workers)
    else:
        context = contextlib.nullcontext(client)
    with context as client:
        try:
            yield client
        except Exception as error:
            if client.status in ("running", "newly-created"):
                raise
            raise RuntimeError(scheduler_lost(client, checkpoint)) from error


def scheduler_lost(client, checkpoint=None) -> str:
    """The message for a search stopped by the loss of its scheduler."""
    address = getattr(getattr(client, "scheduler", None), "address", None) or "(unknown)"
    resume = (
        f" The checkpoint {os.fspath(checkpoint)!r} holds every step scored so far: fit again "
        "with the same checkpoint= once a scheduler runs, and the search resumes."
        if checkpoint is not None
        else " With checkpoint= set, a search keeps what it scored through such a loss."
    )
    return f"The connection to the Dask scheduler at {address} was lost, so the search stopped." + resume


@contextlib.contextmanager
def _local_client(n_workers: int | None):
    import dask
    from distributed import Client, LocalCluster

    n_workers = n_workers or os.cpu_count() or 1
    # Dask gives up on a task once this many workers died under it, and
    # blames every task that was on them; the search runs such tasks again
    # alone to find the one that kills, so the first death is enough here.
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), LocalCluster(
        n_workers=n_workers,
        threads_per_worker=1,
        processes=True,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster, set_as_default=True) as client:
        logger.info("started a local Dask cluster with %d workers", n_workers)
        keeper = _WorkerKeeper(cluster, n_workers)
        try:
            yield client
        finally:
            keeper.stop()


class _WorkerKeeper:
    """Brings a local cluster back to ``n`` workers when some are gone for good.

    A nanny restarts a worker that dies; but one that dies again while it is
    starting (a task that crashes every worker it lands on) can take its
    nanny down, and the cluster would shrink to nothing.
    """

    def __init__(self, cluster, n: int, every: float = 2.0):
        self._cluster, self._n, self._every = cluster, n, every
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="hbsearch-worker-keeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stopped.wait(self._every):
            try:
                if len(self._cluster.workers) < self._n:
                    logger.info("restoring the local cluster to %d workers", self._n)
                    self._cluster.scale(self._n)
            except Exception:  # the cluster is closing: nothing to keep
                logger.debug("worker keeper stopped", exc_info=True)
                return

    def stop(self) -> None:
        self._stopped.set()
        self._thread.join()


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


def release(futures) -> None:
    """Let the cluster forget ``futures`` (None entries are skipped)."""
    for future in futures:
        if future is not None and hasattr(future, "release"):
            future.release()
