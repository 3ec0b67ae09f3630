"""The Dask cluster a search runs on, and what one task may hold of it."""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import threading
import time

__all__ = ["active_client", "client_for_fit", "close_local_cluster", "is_future", "release", "task_memory"]

logger = logging.getLogger("hbsearch")


def is_future(value) -> bool:
    """Whether ``value`` is a Dask Future (an estimator or fit parameter the user scattered)."""
    from distributed import Future

    return isinstance(value, Future)


def active_client():
    """The Dask client a fit would run on (``distributed.get_client()``), or None."""
    from distributed import get_client

    try:
        return get_client()
    except ValueError:
        return None


@contextlib.contextmanager
def client_for_fit(n_workers: int | None = None, checkpoint=None):
    """The active Dask client, or the local cluster that fits share.

    With no active client, the local cluster an earlier fit of this process
    started is used again (started now if there is none, or if it closed or
    cannot bring back its workers); it is closed at interpreter exit, or by
    :func:`close_local_cluster`. It is not made the default client: outside
    ``fit``, ``distributed.get_client()`` does not return it.

    An error raised in the block after the connection to the scheduler was
    lost becomes a RuntimeError that says so (and names ``checkpoint``).
    """
    client = active_client()
    if client is None:
        local = _shared_local_cluster(n_workers)
        client = local.client
        # Current for the fit only, so that dask collections computed in it
        # use this cluster as they would a default client.
        context = client.as_current()
    else:
        local, context = None, contextlib.nullcontext()
    with context:
        try:
            yield client
        except Exception as error:
            if client.status in ("running", "newly-created"):
                raise
            if local is not None:
                close_local_cluster()
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


# The local cluster started by a fit, shared by the later fits of the process.
_local: _LocalCluster | None = None
_local_lock = threading.Lock()
# Seconds a fit waits for the shared cluster to have its workers back.
WORKERS_BACK_SECONDS = 60


class _LocalCluster:
    """A local cluster of ``n`` single-threaded worker processes, its client and its keeper."""

    def __init__(self, n: int):
        import dask
        from distributed import Client, LocalCluster

        self.n = n
        # Dask gives up on a task once this many workers died under it, and
        # blames every task that was on them; the search runs such tasks again
        # alone to find the one that kills, so the first death is enough here.
        # (The scheduler reads the setting when it starts.)
        with dask.config.set({"distributed.scheduler.allowed-failures": 0}):
            self.cluster = LocalCluster(
                n_workers=n,
                threads_per_worker=1,
                processes=True,
                dashboard_address=":0",
                silence_logs=logging.ERROR,
            )
        try:
            self.client = Client(self.cluster, set_as_default=False)
        except BaseException:
            self.cluster.close()
            raise
        self.keeper = _WorkerKeeper(self.cluster, n)
        logger.info("started a local Dask cluster with %d workers", n)

    def ready(self) -> bool:
        """Whether it still runs, with its ``n`` workers (brought back if some are gone)."""
        if self.client.status != "running" or getattr(self.cluster.status, "name", "") != "running":
            return False
        # Workers that died since the last fit may still be listed by the
        # scheduler: tasks sent to them would fail at once (the cluster allows
        # no failures), so every worker must answer before the fit starts.
        deadline = time.monotonic() + WORKERS_BACK_SECONDS
        while True:
            try:
                answers = self.client.run(os.getpid, on_error="return")
                if len(answers) >= self.n and not any(isinstance(a, BaseException) for a in answers.values()):
                    return True
                self.cluster.scale(self.n)
            except Exception:
                logger.debug("the local Dask cluster did not answer", exc_info=True)
            if time.monotonic() > deadline:
                logger.info("the local Dask cluster did not get its %d workers back", self.n)
                return False
            time.sleep(0.2)

    def close(self) -> None:
        self.keeper.stop()
        for closable in (self.client, self.cluster):
            try:
                closable.close(timeout=10)
            except Exception:  # already closed, or closing at exit
                logger.debug("closing the local Dask cluster", exc_info=True)


def _shared_local_cluster(n_workers: int | None) -> _LocalCluster:
    """The local cluster fits share: the running one if it is usable, else a new one."""
    global _local
    n = n_workers or os.cpu_count() or 1
    with _local_lock:
        if _local is not None and (_local.n != n or not _local.ready()):
            logger.info("closing the local Dask cluster of an earlier fit: it cannot be used again")
            _local.close()
            _local = None
        if _local is None:
            _local = _LocalCluster(n)
            # Registered after distributed's own exit handlers, so it runs
            # before them: the client closes before its cluster.
            atexit.unregister(close_local_cluster)
            atexit.register(close_local_cluster)
        return _local


def close_local_cluster() -> None:
    """Close the local Dask cluster that ``fit`` started, if it runs.

    ``fit`` without an active Dask client starts a local cluster and keeps it
    for later fits of the same process; it closes at interpreter exit. Call
    this to free its worker processes earlier. A later such fit starts a new one.
    """
    global _local
    with _local_lock:
        local, _local = _local, None
    if local is not None:
        local.close()


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
