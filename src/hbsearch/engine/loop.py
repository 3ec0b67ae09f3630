"""The search loop: the driver's jobs as prioritized tasks, results back to the driver.

Jobs wait on the client, best first, and Dask holds only a few per worker
thread, so that a free worker gets the best job there is (Dask's priorities
act only within a worker's queue). Results travel with their completions;
each becomes a :class:`~hbsearch.results.Record` told to the driver, which
answers with new jobs. Models stay on the cluster as futures until the
driver retires them; only the best one is gathered at the end.

Faults are data, as failed fits are: a job whose worker died under it twice
is a failed model; a job whose inputs were lost is run again; a job that
runs past ``max_job_time`` is failed and its worker restarted; a cluster
with no worker for ``hbsearch.no-workers-timeout`` stops the search with
what was scored.
"""

from __future__ import annotations

import dataclasses
import heapq
import itertools
import logging
import math
import time
import uuid
import warnings
from dataclasses import dataclass

from ..results import Record, selection_key
from . import tasks
from .cluster import release, scheduler_lost
from .data import BlockOrder, ClusterData

__all__ = ["SearchOutcome", "run_search"]

logger = logging.getLogger("hbsearch")

# How long the client may take to answer a result: Dask holds enough jobs per
# worker thread to last that long (at least two); the rest wait in the client.
CLIENT_SECONDS = 0.1

# Seconds of training a task aims at once a model's pace is known (longer jobs are chains).
TASK_SECONDS = 0.5

# Models up to this size come back to the client with their scores (one task a
# job); larger ones stay on the cluster and are scored by a task of their own.
MODEL_BYTES_TO_TRAVEL = 1 << 20


# A job that Dask gave up on (its workers died under it) runs again alone; it
# is failed when the worker it runs alone on dies this many times.
SOLO_DEATHS = 2

# A job whose inputs were lost (every copy died with its workers) is run again
# this many times before the search gives up.
RESENDS = 3

# Seconds between checks of the cluster (its threads, its workers, hung jobs) while waiting.
WATCH_SECONDS = 0.5


@dataclass
class SearchOutcome:
    """What a run leaves: every record, the best model, and why it stopped early (if it did)."""

    records: list
    best_model: object
    best_index: int | None
    stopped_early: str | None = None


@dataclass
class _Running:
    """A job on the cluster: its futures, and what is needed to run it again."""

    job: object
    params: dict | None
    trained: object  # future of the trained state (model, fit_time, error)
    scored: object  # future of the job's result (model, fit_time, error, score, score_time, size)
    keys: list
    suspect: bool = False  # running alone, after Dask gave up on it (KilledWorker)
    solo_deaths: int = 0  # workers that died while it ran alone on them
    seen_on: str | None = None  # the worker a suspect was seen on
    resends: int = 0
    started: float | None = None  # when a task of the job was first seen running
    overdue: bool = False  # ended in a fault the queue of results has not delivered yet
    from_scratch: bool = False  # retrain the model from its first call (its state may be lost)


class _Stop(Exception):
    """The search stops early, keeping what was scored; the message says why."""


def run_search(client, jobs, estimator, data: ClusterData, **settings) -> SearchOutcome:
    """Run the jobs of ``jobs`` (a driver, or a :class:`~hbsearch.replay.Replay`) on the cluster.

    Returns the records of every scored step, and the fitted model that is
    best by :func:`~hbsearch.results.selection_key` (only that one is
    gathered; other models are released as soon as the driver retires them).
    A model whose training or scoring fails, whose worker dies under it
    twice, or that runs past ``max_job_time`` seconds, is recorded with its
    error and ``error_score``; with ``error_score="raise"`` the first failure
    is raised.

    After ``max_time`` seconds, at a KeyboardInterrupt, or with no worker for
    the ``hbsearch.no-workers-timeout`` setting, no more work is submitted,
    work under way is dropped, and the outcome holds what was scored so far
    (``stopped_early`` says why).

    With a ``checkpoint``, every scored step is saved with its model as it
    arrives. ``label(model)`` names a model in task keys, so that the
    dashboard shows tasks as ``partial_fit-<label>-to<calls>`` and
    ``score-<label>-at<calls>``. Keyword settings: ``fit_params``,
    ``scorer``, ``order_seed``, ``error_score``, ``max_time``,
    ``max_job_time``, ``checkpoint``, ``on_record``, ``label``.
    """
    return SearchLoop(client, jobs, estimator, data, **settings).run()


class SearchLoop:
    """One search's run on the cluster; :func:`run_search` is how it is used."""

    def __init__(self, client, jobs, estimator, data, *, fit_params, scorer, order_seed,
                 error_score=math.nan, max_time=None, max_job_time=None, checkpoint=None,
                 on_record=None, label=str):
        self.client, self.jobs, self.estimator, self.data = client, jobs, estimator, data
        self.fit_params, self.scorer, self.error_score = fit_params, scorer, error_score
        self.max_time, self.max_job_time = max_time, max_job_time
        self.checkpoint, self.on_record, self.label = checkpoint, on_record, label
        self.catch = not (isinstance(error_score, str) and error_score == "raise")
        self.order = BlockOrder(data.n_blocks, order_seed)
        self.records: list[Record] = []
        # model -> the state behind its latest record: a future of
        # (model, fit_time, error), or such a tuple restored from a checkpoint
        self.states: dict[int, object] = {}
        self.latest: dict[int, Record] = {}
        self.restored: dict[int, tuple] = {}  # model -> its state restored from a checkpoint
        self.best = None  # (selection key, model index, state)
        self.running: dict[str, _Running] = {}  # by the key of the job's result
        self.waiting: list = []  # heap of (-priority, arrival, job): not given to Dask yet
        self.arrival = itertools.count()
        self.pace: dict[int, float] = {}  # model -> seconds per partial_fit call in its latest job
        self.job_seconds = None  # running mean of a job's training and scoring time
        self.models_travel = True
        self.threads = 1
        self.opened = False  # the first jobs were given to Dask
        self.watched = -math.inf  # when the cluster was last looked at
        self.workerless_since = None
        self.suspects: list[_Running] = []  # jobs to run alone, one at a time
        self.memory_limits: dict[str, int | None] = {}
        self.start = time.perf_counter()

    # -- the run -----------------------------------------------------------

    def run(self) -> SearchOutcome:
        from distributed import as_completed

        # Results travel with completions, in the background: no round trip per batch.
        self.queue = as_completed(with_results=True, raise_errors=False)
        stopped_early = None
        try:
            try:
                self._loop()
            except _Stop as stop:
                stopped_early = str(stop)
            except KeyboardInterrupt:
                if not self.records:
                    raise
                stopped_early = "it was interrupted (KeyboardInterrupt)"
            for model in list(self.states):
                self._retire(model)
            best_model, best_index = None, self.best[1] if self.best else None
            try:
                best_model = self._best_model()
            except _Stop as stop:  # it was lost with workers that never came back
                stopped_early = stopped_early or f"{stop}, and the best model was lost with them"
            return SearchOutcome(self.records, best_model, best_index, stopped_early)
        finally:
            self._release_all()

    def _loop(self) -> None:
        while True:
            self._take_jobs()
            self._fill_cluster()
            if not self.running and not self.suspects:
                return
            batch = self._next_batch()
            for future, result in batch:
                entry = self.running.pop(future.key, None)
                if entry is None:
                    continue  # a job already given up (past max_job_time)
                if future.status == "finished":
                    self._finished(entry, result)
                else:
                    self._faulted(entry, future)
            batch = future = result = None  # hold no future past its turn

    def _take_jobs(self) -> None:
        # Among equal priorities the longest jobs go first, so that no long
        # job is left to run alone at the end.
        for job in sorted(self.jobs.ask(), key=lambda job: -job.n_calls):
            heapq.heappush(self.waiting, (-job.priority, next(self.arrival), job))
        for record, model in getattr(self.jobs, "restored", list)():
            self._accept(record, (model, record.partial_fit_time, record.error), tell=False)
        for model in self.jobs.pop_retired():
            self._retire(model)

    def _fill_cluster(self) -> None:
        # Dask sends a task to a worker as soon as it can run, and that
        # worker's queue is the only place priorities act; so jobs wait here,
        # best first, and Dask holds a few per worker thread: a free worker
        # gets the best job there is, and has its next ones at hand while the
        # client answers (more when jobs are short, so workers never wait).
        if self.suspects:
            self._try_suspect()
            return
        if not self.opened and self.waiting:
            self._open()
        per_thread = 2 + (min(30, int(CLIENT_SECONDS / self.job_seconds)) if self.job_seconds else 0)
        while self.waiting and len(self.running) < per_thread * self.threads:
            job = heapq.heappop(self.waiting)[2]
            # A new model's configuration is drawn now, knowing all there is to know.
            params = self.jobs.configure(job.model) if job.start_calls == 0 else None
            self._submit(_Running(job, params, None, None, []))

    def _open(self) -> None:
        """Start with the shortest waiting job on every worker thread, ahead of all others.

        The first scores then come after one short job's time, not after the
        jobs that priorities put first (often the longest: they start the
        longest chains of work). It delays those by one short job each.
        """
        self.opened = True
        self.threads = max(sum(self.client.nthreads().values()), 1)
        shortest = heapq.nsmallest(self.threads, self.waiting, key=lambda e: (e[2].n_calls, e[:2]))
        chosen = {id(e) for e in shortest}
        self.waiting = [e for e in self.waiting if id(e) not in chosen]
        heapq.heapify(self.waiting)
        top = max((e[2].priority for e in shortest), default=0.0)
        if self.waiting:
            top = max(top, -self.waiting[0][0])
        for _, _, job in shortest:
            job = dataclasses.replace(job, priority=top + 1)
            params = self.jobs.configure(job.model) if job.start_calls == 0 else None
            self._submit(_Running(job, params, None, None, []))

    def _next_batch(self) -> list:
        """The next completed results, watching the clock and the cluster while none is ready."""
        while True:
            self._watch()
            batch = self.queue.next_batch(block=False)
            if batch or (self.suspects and not self.running):
                return batch  # (a suspect waits for its turn: look again)
            with self.queue.thread_condition:
                self.queue.thread_condition.wait(timeout=WATCH_SECONDS / 5)

    # -- tasks -------------------------------------------------------------

    def _submit(self, entry: _Running) -> None:
        """Give ``entry``'s job to Dask: a chain of training tasks, then its score."""
        state = self._state_future(entry.job.model)
        lost = entry.from_scratch or getattr(state, "status", None) in ("error", "cancelled")
        if entry.job.start_calls and lost:
            # The model's state was lost and Dask could not compute it again
            # (a worker died under that too): the model is trained again from
            # its first call, which gives the same model.
            entry.job = dataclasses.replace(entry.job, start_calls=0, n_calls=entry.job.end_calls)
            entry.params, state = self.jobs.configure(entry.job.model), None
        job, client = entry.job, self.client
        name, token = self.label(job.model), uuid.uuid4().hex
        trained, calls = state, job.start_calls
        # Small models come back with their score: the job's last task trains
        # and scores, and one task is the whole job when the data is small too.
        fused = len(self.data.X_val) == 1 and self.models_travel
        options = {"priority": job.priority, "fifo_timeout": 0}
        groups = self._task_groups(job)
        keys = []
        for n, idx in enumerate(groups):
            calls += len(idx)
            args = (trained, self.estimator, entry.params, [self.data.X_train[i] for i in idx],
                    [self.data.y_train[i] for i in idx], self.fit_params, self.catch, n > 0)
            if n == len(groups) - 1 and fused:
                key = f"partial_fit_score-{name}-to{calls}-{token}"
                trained = client.submit(tasks.train_and_score, *args, self.data.X_val[0],
                                        self.data.y_val[0], self.scorer, key=key, **options)
            else:
                key = f"partial_fit-{name}-to{calls}-{token}"
                trained = client.submit(tasks.train, *args, key=key, **options)
            keys.append(key)
        scored = trained if fused else self._submit_scoring(trained, name, calls, token, keys, options)
        entry.trained, entry.scored, entry.keys = trained, scored, keys
        entry.started, entry.overdue = None, False
        self.running[scored.key] = entry
        self.queue.add(scored)

    def _submit_scoring(self, trained, name, calls, token, keys, options):
        """Score tasks for a model that stays on the cluster: one per shard, where the shard lives."""
        data = self.data
        parts = []
        for j, (X_shard, y_shard, where) in enumerate(zip(data.X_val, data.y_val, data.val_workers)):
            key = f"score-{name}-at{calls}-shard{j}-{token}"
            parts.append(self.client.submit(
                tasks.score_part, trained, X_shard, y_shard, self.scorer, self.catch, key=key,
                # Where the shard is, unless that worker is gone.
                workers=where, allow_other_workers=where is not None, **options,
            ))
            keys.append(key)
        key = f"score-{name}-at{calls}-{token}"
        keys.append(key)
        return self.client.submit(tasks.scored, trained, parts, data.val_rows, False, key=key, **options)

    def _task_groups(self, job) -> list[list[int]]:
        """The job's training blocks, cut into the runs of blocks its tasks take."""
        # A task holds at most data.task_bytes of training blocks, and once the
        # model's pace is known, takes about TASK_SECONDS: a longer job is a
        # chain of tasks, each placed when the one before ends, so that no
        # worker waits while a long job runs alone on another at the end.
        blocks = self.order.blocks(job.start_calls, job.end_calls)
        groups = task_groups(blocks, self.data.train_bytes, self.data.task_bytes)
        if job.model in self.pace:
            most = max(1, int(TASK_SECONDS / max(self.pace[job.model], 1e-9)))
            groups = [group[i : i + most] for group in groups for i in range(0, len(group), most)]
        return groups or [[]]

    def _state_future(self, model: int):
        from distributed import Future

        state = self.states.get(model)
        if state is None or isinstance(state, Future):
            return state
        # Kept on the client too: scattered data has no lineage to recompute it from.
        self.restored[model] = state
        self.states[model] = self.client.scatter(state, hash=False)
        return self.states[model]

    # -- results -----------------------------------------------------------

    def _finished(self, entry: _Running, result) -> None:
        job = entry.job
        fitted, fit_time, error, score, score_time, size = result
        if fitted is None and error is None and self.checkpoint is not None:
            # A model that stayed on the cluster is fetched to be saved.
            fitted = entry.trained.result()[0]
        if error is None and job.n_calls:
            self.pace[job.model] = fit_time / job.n_calls
        seconds = fit_time + score_time
        self.job_seconds = seconds if self.job_seconds is None else 0.9 * self.job_seconds + 0.1 * seconds
        if size > MODEL_BYTES_TO_TRAVEL:
            self.models_travel = False
        self._record(job, score, fit_time, score_time, error, fitted, entry.trained)

    def _record(self, job, score, fit_time, score_time, error, fitted, state) -> None:
        if error is not None:
            score = float(self.error_score)
        now = time.perf_counter() - self.start
        record = Record(job.model, job.end_calls, score, fit_time, score_time, now, error)
        if self.checkpoint is not None:
            self.checkpoint.save(record, fitted)
        self._accept(record, state)

    def _accept(self, record: Record, state, tell: bool = True) -> None:
        self.records.append(record)
        self.latest[record.model] = record
        self.states[record.model] = state
        if tell:
            self.jobs.tell(record.model, record.partial_fit_calls, record.score,
                           failed=record.error is not None)
        if self.on_record is not None:
            self.on_record(record)

    def _faulted(self, entry: _Running, future) -> None:
        """A job's task erred, or Dask cancelled it: run it again, fail its model, or raise."""
        from distributed import KilledWorker

        if future.status != "error":
            # Cancelled, or back to waiting because an input was lost (older Dask): asking for its
            # exception would wait for a result that may never come (no workers): send it again.
            self._resend(entry)
            return
        exception = future.exception()
        if isinstance(exception, KilledWorker):
            self._killed(entry, exception)
            return
        traceback = future.traceback()
        # The traceback keeps this frame, and the futures in it, alive: let them go now.
        release([entry.trained, entry.scored])
        raise exception.with_traceback(traceback)

    def _resend(self, entry: _Running) -> None:
        if self.client.status != "running":
            raise RuntimeError(scheduler_lost(self.client, getattr(self.checkpoint, "path", None)))
        if entry.resends >= RESENDS:
            raise RuntimeError(
                f"Dask cancelled task {entry.scored.key!r} of the search {RESENDS + 1} times: its "
                "inputs were lost from the cluster (for example every worker holding them died)."
            )
        entry.resends += 1
        # What was cancelled may be the model's own state: do without it.
        entry.from_scratch = True
        model = entry.job.model
        state = self.states.get(model)
        if model in self.restored and getattr(state, "status", "finished") != "finished":
            self.states[model] = self.restored[model]  # scattered again from the client's copy
        self._submit(entry)

    def _killed(self, entry: _Running, exception) -> None:
        """Dask gave up on a job whose workers kept dying: find out whether it killed them."""
        # Dask blames every task that was on a dying worker, queued or running;
        # so a job is run again alone, and failed only if its worker dies then.
        if exception.task not in entry.keys:
            # A task the job depends on died (its model's state, being computed
            # again): the job itself is not to blame.
            self._resend(entry)
            return
        worker = exception.last_worker
        self._died_under(entry, getattr(worker, "address", worker), getattr(worker, "memory_limit", None))

    def _died_under(self, entry: _Running, worker, memory_limit) -> None:
        """A worker died under ``entry``'s job: run it again alone, or blame it."""
        if entry.suspect:
            entry.solo_deaths += 1
        # A worker killed from outside (a lost machine, a pre-empted node) could
        # die under an innocent job running alone: it must happen twice.
        if entry.solo_deaths >= SOLO_DEATHS:
            self._blame(entry, worker, memory_limit)
            return
        logger.info("a worker died under %s; running it again alone", entry.scored.key)
        entry.suspect = True
        self.suspects.append(entry)

    def _blame(self, entry: _Running, worker, memory_limit) -> None:
        error = (
            f"the worker training this model died each of the {SOLO_DEATHS} times it ran alone "
            f"there (last: {worker}): the model crashed its worker process, "
            + (f"for example by exceeding the worker's memory limit of {_bytes(memory_limit)}."
               if memory_limit else "for example by exhausting the machine's memory.")
        )
        self._fail(entry, error)

    def _try_suspect(self) -> None:
        """Run the next suspect once nothing else of the search runs or is computed again."""
        if self.running:
            return
        # Data and models lost with the dead worker are being computed again:
        # a suspect that kills would take that work down with it.
        held = [*self.data.futures(), *(s for s in self.states.values() if hasattr(s, "status"))]
        if any(f.status == "pending" for f in held):
            return
        entry = self.suspects.pop(0)
        entry.seen_on = None
        self._submit(entry)

    def _watch_suspect(self) -> None:
        """Blame a suspect whose worker dies while it runs there alone."""
        entry = next((e for e in self.running.values() if e.suspect), None)
        if entry is None:
            return
        if entry.seen_on is not None and entry.seen_on not in self.client.nthreads():
            del self.running[entry.scored.key]
            self.client.cancel([entry.trained, entry.scored])
            self._died_under(entry, entry.seen_on, self.memory_limits.get(entry.seen_on))
            return
        keys = set(entry.keys)
        for worker, processing in self.client.processing().items():
            if keys.intersection(processing):
                entry.seen_on = worker
                self.memory_limits[worker] = _worker_info(self.client, worker).get("memory_limit")

    def _fail(self, entry: _Running, error: str) -> None:
        """Record ``entry``'s job as failed with ``error``: ranked last, never promoted."""
        if not self.catch:
            release([entry.trained, entry.scored])
            raise RuntimeError(f"model {entry.job.model} failed: {error}")
        logger.warning("model %s failed: %s", entry.job.model, error)
        self._record(entry.job, math.nan, 0.0, 0.0, error, None, None)

    # -- the watch ---------------------------------------------------------

    def _watch(self) -> None:
        """Stop at max_time or with no workers; handle lost faults, suspects and late jobs."""
        now = time.perf_counter()
        if self.max_time is not None and now - self.start >= self.max_time:
            raise _Stop(f"max_time={self.max_time} s was reached")
        if now - self.watched < WATCH_SECONDS:
            return
        self.watched = now
        self._watch_workers(now)
        self._collect_undelivered()
        self._watch_suspect()
        if self.max_job_time is not None:
            self._time_jobs(now)

    def _collect_undelivered(self) -> None:
        """Handle faults that the queue of results did not deliver within a watch."""
        # as_completed loses a result when a future errs between its wait and
        # its fetch (a KilledWorker under worker restarts): without this, the
        # search would wait for it forever.
        for key, entry in list(self.running.items()):
            if entry.scored.status not in ("error", "cancelled"):
                continue
            if entry.overdue:
                del self.running[key]
                self._faulted(entry, entry.scored)
            else:
                entry.overdue = True

    def _watch_workers(self, now: float) -> None:
        """Count the cluster's threads; stop when the scheduler is gone or no worker came back in time."""
        if self.client.status != "running":
            raise RuntimeError(scheduler_lost(self.client, getattr(self.checkpoint, "path", None)))
        self.threads = sum(self.client.nthreads().values())
        if self.threads:
            self.workerless_since = None
        else:
            self._no_workers(now)
        self.threads = max(self.threads, 1)

    def _no_workers(self, now: float) -> None:
        import dask
        from dask.utils import parse_timedelta

        if self.workerless_since is None:
            self.workerless_since = now
            logger.info("the cluster has no workers: the search waits for some")
        limit = parse_timedelta(dask.config.get("hbsearch.no-workers-timeout", "60s"))
        if now - self.workerless_since >= limit:
            raise _Stop(
                f"the cluster had no worker for {limit:g} s (the dask config "
                "'hbsearch.no-workers-timeout')"
            )

    def _time_jobs(self, now: float) -> None:
        """Note when each job is first seen running; fail those past max_job_time."""
        keys = {key: entry for entry in self.running.values() for key in entry.keys}
        # Every executing task, filtered here: the scheduler refuses keys it forgot.
        stacks = self.client.call_stack() if keys else {}
        where = {}
        for worker, executing in stacks.items():
            for key in set(executing).intersection(keys):
                where[keys[key].scored.key] = worker
                keys[key].started = keys[key].started or now
        late = [(entry, where.get(key)) for key, entry in self.running.items()
                if entry.started is not None and now - entry.started > self.max_job_time]
        for entry, worker in late:
            del self.running[entry.scored.key]
            # Cancelled, not only released: the queue of results still holds them.
            self.client.cancel([entry.trained, entry.scored])
            self._fail(entry, f"the job ran past max_job_time={self.max_job_time} s "
                              f"(on worker {worker}) and was stopped")
            self._restart(worker, entry)

    def _restart(self, worker, entry) -> None:
        """Restart the worker a late job runs on, through its nanny, or say why not."""
        if worker is None:
            return
        if _worker_info(self.client, worker).get("nanny"):
            self.client.restart_workers([worker], raise_for_error=False)
            return
        warnings.warn(
            f"task {entry.keys[0]!r} ran past max_job_time={self.max_job_time} s on worker "
            f"{worker}, which has no nanny to restart it: the task keeps a thread of that "
            "worker until it returns.", RuntimeWarning, stacklevel=2,
        )

    # -- models ------------------------------------------------------------

    def _retire(self, model: int) -> None:
        self.pace.pop(model, None)
        self.restored.pop(model, None)
        state = self.states.pop(model, None)
        record = self.latest.get(model)
        if state is None or record is None:
            return
        key = selection_key(record.score, record.partial_fit_calls, model, record.error is not None)
        if self.best is None or key > self.best[0]:
            self.best = (key, model, state)

    def _best_model(self):
        from distributed import Future

        if self.best is None:
            return None
        state = self.best[2]
        if isinstance(state, Future):
            from distributed import wait

            # It may be computed again (lost with a worker): watch the cluster meanwhile.
            while True:
                try:
                    wait([state], timeout=WATCH_SECONDS)
                    break
                except TimeoutError:
                    self._watch_workers(time.perf_counter())
            state = state.result()
        return state[0]

    def _release_all(self) -> None:
        # Releasing every future we hold lets the scheduler forget the work,
        # including work under way; client.cancel would also walk into
        # dependents we already let go.
        leftovers = list(self.states.values())
        for entry in self.running.values():
            leftovers += [entry.trained, entry.scored]
        if self.best is not None:
            leftovers.append(self.best[2])
        release(leftovers)
        if self.max_job_time is not None and self.running and self.client.status == "running":
            self._stop_running_tasks()
        self.queue.clear()
        self.states.clear()
        self.running.clear()
        self.best = None

    def _stop_running_tasks(self) -> None:
        """Restart the workers still running tasks of this search, so that none outlives fit."""
        keys = {key for entry in self.running.values() for key in entry.keys}
        busy = [w for w, executing in self.client.call_stack().items() if keys.intersection(executing)]
        with_nanny = [w for w in busy if _worker_info(self.client, w).get("nanny")]
        if with_nanny:
            self.client.restart_workers(with_nanny, raise_for_error=False)


def task_groups(blocks: list[int], sizes: list, most: float) -> list[list[int]]:
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


def _worker_info(client, worker: str) -> dict:
    """What the scheduler tells of one worker (empty when it is gone)."""
    try:
        workers = client.scheduler_info(n_workers=-1)["workers"]  # every worker, not the first few
    except TypeError:  # older Dask lists them all
        workers = client.scheduler_info()["workers"]
    return workers.get(worker, {})


def _bytes(n) -> str:
    from dask.utils import format_bytes

    return format_bytes(n)
