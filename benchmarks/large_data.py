"""A search over a dask array several times larger than one worker's memory.

Starts a ``LocalCluster`` of 2 worker processes with 1 thread each and a
memory limit per worker (Dask's default spilling: to disk above 60% of the
limit in data, 70% in process memory; pause at 80%; restart at 95%),
generates ``X`` (float64, ``--features`` columns) block by block on the
workers and ``y`` from ``X`` (a linear rule plus noise), and runs
``HyperbandSearchCV(SGDClassifier(...), max_iter=...)`` on them with
``fit(X, y, classes=[0, 1])``.

Measured, each against its target:

* the search completes: ``metadata_ == metadata``, a finite ``best_score_``;
* the client process's resident memory (sampled every 0.1 s during ``fit``,
  and before and after): its growth stays small whatever the array's size,
  because nothing but scores and the best model is gathered;
* the bytes the cluster stores (in memory and spilled, every replica
  counted; sampled every 0.5 s from the scheduler's ``who_has`` and
  ``nbytes``): one copy of the training data (training blocks / their own
  size ~ 1) for the whole search, not one per bracket, and all stored data
  ~ the array's size;
* the validation set: more than one shard when it is larger than one task's
  memory (``hbsearch.engine.task_memory``), and each shard staying on its
  worker (X shards stored / their size = 1); a job over more training blocks
  than a task may hold becomes a chain of tasks (from the task stream);
* the workers: restarts for memory (the nanny's 95% rule), pauses, and
  what every worker fetched from the others (keys going from flight to memory).

To see which keys are the training blocks and validation shards, the script
wraps ``hbsearch.engine.persist_split`` to note the keys it returns (and to
wait until they are computed, so the "after persisting" figure is taken
then); nothing else of hbsearch is changed.

    python benchmarks/large_data.py                      # 4 GiB, workers of 1 GiB: 1-5 minutes
    python benchmarks/large_data.py --total 2GiB         # half the data, under a minute
    python benchmarks/large_data.py --task-memory 128MiB # hbsearch.task-memory set

Writes ``benchmarks/results/large_data.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import math
import platform
import re
import statistics
import threading
import time
from collections import defaultdict, deque
from pathlib import Path

import dask
import dask.array as da
import distributed
import numpy as np
import psutil
import sklearn
from dask.utils import format_bytes, parse_bytes
from distributed import Client, LocalCluster, WorkerPlugin, get_task_stream, wait
from scipy.stats import loguniform
from sklearn.linear_model import SGDClassifier

import hbsearch
from hbsearch import HyperbandSearchCV, engine

DEFAULT_OUT = Path(__file__).parent / "results" / "large_data.json"
MiB = 2**20
MEMORY_TOPIC = "large-data-memory"
FETCH_TOPIC = "large-data-fetched"
NOISE = 0.5  # y = [X @ w + NOISE * e > 0], w of unit norm, e standard normal

# Targets
CLIENT_GROWTH_MAX = 200 * MiB  # client RSS growth during fit
ONE_COPY_PEAK_MAX = 1.25  # training bytes stored / training bytes, at any sample
ONE_COPY_MEDIAN_MAX = 1.05  # ... median over the samples
ALL_STORED_MAX = 1.25  # all bytes stored on the cluster / the array's bytes, at any sample

TASK_KEY = re.compile(r"^(partial_fit_score|partial_fit|score)-(.+?)-(?:to|at)(\d+)(?:-shard(\d+))?-([0-9a-f]{32})$")


def rss() -> int:
    return psutil.Process().memory_info().rss


def make_data(total: int, features: int, chunk: int, seed: int = 0):
    """Lazy ``X`` (float64) and ``y`` (int8, from ``X``); every block is made on a worker."""
    rows_per_chunk = max(chunk // (8 * features), 1)
    n_chunks = max(math.ceil(total / (rows_per_chunk * features * 8)), 2)
    X = da.random.default_rng(seed).standard_normal(
        size=(n_chunks * rows_per_chunk, features), chunks=(rows_per_chunk, features), dtype="float64"
    )
    w = np.random.default_rng(seed + 1).standard_normal(features)
    w /= np.linalg.norm(w)

    def labels(block, block_info=None):
        i = block_info[0]["chunk-location"][0]
        noise = np.random.default_rng([seed + 2, i]).standard_normal(len(block))
        return (block @ w + NOISE * noise > 0).astype(np.int8)

    y = X.map_blocks(labels, drop_axis=1, dtype=np.int8)
    return X, y


class Sampler:
    """Background threads: the client's RSS every 0.1 s; the cluster's stored bytes every 0.5 s."""

    def __init__(self, client: Client):
        self.client = client
        self.rss: list[int] = []
        self.cluster: list[dict] = []
        self.data_keys: dict | None = None  # set once persist_split has returned
        self.workers_seen: set = set()
        self.worker_peaks: dict[str, dict] = {}
        self.recent: dict[str, deque] = {}  # worker -> its last samples
        self.lost: list[dict] = []  # workers that left during fit, with their last samples
        self.start = time.perf_counter()
        self.errors: list[str] = []
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._watch_rss, daemon=True),
            threading.Thread(target=self._watch_cluster, daemon=True),
        ]

    def __enter__(self):
        self.start = time.perf_counter()
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        for t in self._threads:
            t.join()

    def _watch_rss(self):
        while not self._stop.is_set():
            self.rss.append(rss())
            self._stop.wait(0.1)

    def _watch_cluster(self):
        while not self._stop.is_set():
            try:
                self.cluster.append(self.sample())
            except Exception as exc:  # a sample lost to a busy scheduler is not a failure
                self.errors.append(repr(exc))
            self._stop.wait(0.5)

    def sample(self) -> dict:
        """Stored bytes now: all keys, training blocks, validation shards (replicas counted)."""
        who_has = self.client.who_has()
        nbytes = self.client.nbytes(summary=False)
        stored = {k: max(nbytes.get(k, 0), 0) * len(w) for k, w in who_has.items() if w}
        out = {"t": time.perf_counter(), "all": sum(stored.values())}
        keys = self.data_keys
        if keys is not None:
            out["train"] = sum(stored.get(k, 0) for k in keys["train"])
            out["val"] = sum(stored.get(k, 0) for k in keys["val"])
            out["X_val"] = sum(stored.get(k, 0) for k in keys["X_val"])
            out["train_replicas_max"] = max((len(who_has.get(k, ())) for k in keys["train"]), default=0)
            data_keys = {*keys["train"], *keys["val"]}
            other = defaultdict(int)
            for k, b in stored.items():
                if k not in data_keys:
                    other[task_name(k).split("-")[0]] += b
            out["other"] = dict(other)
        # Asked directly: the client's cached scheduler_info() may be refreshed without workers.
        info = self.client.sync(self.client.scheduler.identity, n_workers=-1)["workers"]
        processing = self.client.processing()
        t = round(time.perf_counter() - self.start, 1)
        for address, worker in info.items():
            self.workers_seen.add(address)
            m = worker["metrics"]
            now = {
                "process": m["memory"],
                "in_memory": m["managed_bytes"] - m["spilled_bytes"]["memory"],
                "on_disk": m["spilled_bytes"]["disk"],
            }
            peak = self.worker_peaks.setdefault(address, dict.fromkeys(now, 0))
            for name, value in now.items():
                peak[name] = max(peak[name], value)
            self.recent.setdefault(address, deque(maxlen=6)).append({
                "t": t, **{k: format_bytes(v) for k, v in now.items()},
                "incoming": format_bytes(m["transfer"]["incoming_bytes"]),
                "outgoing": format_bytes(m["transfer"]["outgoing_bytes"]),
                "processing": [task_name(k) for k in processing.get(address, ())],
            })
        for address in set(self.recent) - set(info):
            self.lost.append({"worker": address, "gone_by": t, "last_samples": list(self.recent.pop(address))})
        return out


def task_name(key) -> str:
    """A task key without its tokens: ``score-bracket=2-0-at3-shard1``, ``_concat``, ..."""
    return re.sub(r"-(?:[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$", "", str(key))


class MemoryEvents(logging.Handler):
    """Counts the memory warnings of one process's logger (pauses, restarts) without printing them."""

    def __init__(self, logger: str):
        super().__init__(logging.WARNING)
        self.messages: list[str] = []
        self.times: list[float] = []
        log = logging.getLogger(logger)
        log.setLevel(logging.WARNING)  # the cluster silences warnings: take them here, quietly
        log.propagate = False
        log.addHandler(self)

    def emit(self, record):
        self.messages.append(record.getMessage())
        self.times.append(record.created)


class ToScheduler(logging.Handler):
    """A worker's memory warnings, sent to the scheduler's event log (kept if the worker dies)."""

    def __init__(self, worker):
        super().__init__(logging.WARNING)
        self.worker = worker

    def emit(self, record):
        self.worker.log_event(MEMORY_TOPIC, {"worker": self.worker.address, "time": record.created,
                                             "message": record.getMessage()})


class WatchWorkers(WorkerPlugin):
    """On every worker, restarted ones too: memory warnings and keys fetched from other workers,
    sent to the scheduler's event log."""

    name = "large-data-watch"

    def setup(self, worker):
        self.worker = worker
        log = logging.getLogger("distributed.worker.memory")
        log.setLevel(logging.WARNING)  # the cluster silences warnings: take them here, quietly
        log.propagate = False
        log.addHandler(ToScheduler(worker))

    def transition(self, key, start, finish, **kwargs):
        if start == "flight" and finish == "memory":
            ts = self.worker.state.tasks.get(key)
            self.worker.log_event(FETCH_TOPIC, {"key": str(key), "nbytes": ts.nbytes if ts else 0,
                                                "worker": self.worker.address, "time": time.time()})


def moved(client: Client, keys: dict, steals: list, t0: float) -> dict:
    """Bytes fetched between workers, by kind of data; tasks moved by work stealing, by kind of task."""
    train, x_val, val = set(map(str, keys["train"])), set(map(str, keys["X_val"])), set(map(str, keys["val"]))
    out = {"training_blocks": [0, 0], "X_shards": [0, 0], "y_shards": [0, 0], "other": [0, 0]}
    shard_times = []
    for _, event in client.get_events(FETCH_TOPIC):
        key = event["key"]
        kind = ("training_blocks" if key in train else "X_shards" if key in x_val
                else "y_shards" if key in val else "other")
        out[kind][0] += 1
        out[kind][1] += event["nbytes"]
        if kind == "X_shards":
            shard_times.append(round(event["time"] - t0, 1))
    stolen = defaultdict(int)
    for _, event in steals:
        if isinstance(event, (tuple, list)) and event and event[0] == "confirm":
            m = TASK_KEY.match(str(event[1]))
            stolen[(m.group(1) + ("-shard" if m.group(4) else "")) if m else task_name(event[1]).split("-")[0]] += 1
    return {"fetched": {k: {"count": c, "bytes": b} for k, (c, b) in out.items()},
            "X_shard_fetched_at_s": shard_times, "stolen_tasks": dict(stolen)}


def stored_now(client: Client, keys: dict) -> dict:
    who_has = client.who_has()
    nbytes = client.nbytes(summary=False)

    def total(ks):
        return sum(max(nbytes.get(k, 0), 0) * len(who_has.get(k, ())) for k in ks)

    return {
        "all": total([k for k, w in who_has.items() if w]),
        "train": total(keys["train"]),
        "val": total(keys["val"]),
        "X_val": total(keys["X_val"]),
    }


def key_of(obj):
    return getattr(obj, "key", None)


def task_counts(stream: list, n_jobs: int) -> dict:
    """Tasks per job, and tasks run more than once, from the scheduler's task stream."""
    by_token = defaultdict(list)  # job -> its training tasks' (end calls)
    shard_tasks = runs = 0
    kinds = defaultdict(int)
    seen = set()
    for task in stream:
        m = TASK_KEY.match(str(task["key"]))
        if not m:
            continue
        runs += 1
        if task["key"] in seen:
            continue  # run again: its result was lost with a worker
        seen.add(task["key"])
        kind, _, calls, shard, token = m.groups()
        kinds[kind if shard is None else "score-shard"] += 1
        if kind.startswith("partial_fit"):
            by_token[token].append(int(calls))
        elif shard is not None:
            shard_tasks += 1
    chains = [len(v) for v in by_token.values()]
    return {
        "tasks_by_kind": dict(kinds),
        "search_task_runs": runs,
        "search_tasks_run_again": runs - len(seen),
        "jobs": n_jobs,
        "jobs_in_stream": len(by_token),
        "training_tasks_per_job_max": max(chains, default=0),
        "training_tasks_per_job_mean": statistics.fmean(chains) if chains else 0.0,
        "shard_scoring_tasks": shard_tasks,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--worker-memory", default="1GiB", help="memory limit per worker (default: 1GiB)")
    parser.add_argument("--total", default=None,
                        help="size of X, e.g. 4GiB (default: 4 times --worker-memory)")
    parser.add_argument("--chunk", default="64MiB", help="bytes of X per block (default: 64MiB)")
    parser.add_argument("--features", type=int, default=64, help="columns of X (default: 64)")
    parser.add_argument("--max-iter", type=int, default=9, help="Hyperband's max_iter (default: 9)")
    parser.add_argument("--test-size", type=float, default=0.2,
                        help="validation share of every block (default: 0.2, so that the validation "
                             "set is larger than one task's memory)")
    parser.add_argument("--task-memory", default=None,
                        help="the dask config hbsearch.task-memory, e.g. 128MiB (default: unset, so a quarter "
                             "of a worker's limit)")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="JSON file (default: %(default)s; '' for none)")
    args = parser.parse_args()

    worker_memory = parse_bytes(args.worker_memory)
    total = parse_bytes(args.total) if args.total else 4 * worker_memory
    wall_start = time.perf_counter()

    cluster = LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, memory_limit=worker_memory,
        dashboard_address=":0", silence_logs=logging.ERROR,
    )
    client = Client(cluster)
    workers_at_start = set(client.scheduler_info()["workers"])
    nanny_events = MemoryEvents("distributed.nanny.memory")  # nannies run in this process
    client.register_plugin(WatchWorkers())
    if args.task_memory:
        dask.config.set({"hbsearch.task-memory": args.task_memory})
    task_bytes = engine.task_memory(client)
    X, y = make_data(total, args.features, parse_bytes(args.chunk))
    array_bytes = X.nbytes + y.nbytes
    block_bytes = X.nbytes / X.numblocks[0] + y.nbytes / y.numblocks[0]
    val_bytes_expected = args.test_size * array_bytes
    print(f"hbsearch {hbsearch.__version__}, dask/distributed {dask.__version__}/{distributed.__version__}, "
          f"scikit-learn {sklearn.__version__}")
    print(f"cluster: 2 worker processes x 1 thread, memory_limit {format_bytes(worker_memory)} each; "
          f"one task's memory (engine.task_memory) {format_bytes(task_bytes)}")
    print(f"X: {X.shape[0]:,} x {X.shape[1]} float64 in {X.numblocks[0]} blocks of "
          f"{format_bytes(X.nbytes / X.numblocks[0])}; X and y {format_bytes(array_bytes)} = "
          f"{array_bytes / worker_memory:.1f} x a worker's limit, {array_bytes / (2 * worker_memory):.1f} x "
          "the cluster's")
    print(f"test_size {args.test_size}: validation ~{format_bytes(val_bytes_expected)}, training "
          f"~{format_bytes(array_bytes - val_bytes_expected)}")

    search = HyperbandSearchCV(
        SGDClassifier(random_state=0),
        {
            "alpha": loguniform(1e-6, 1e-1),
            "penalty": ["l2", "l1", "elasticnet"],
            "learning_rate": ["optimal", "invscaling", "adaptive", "constant"],
            "eta0": loguniform(1e-4, 1e-1),
        },
        max_iter=args.max_iter,
        test_size=args.test_size,
        random_state=0,
    )
    plan = search.metadata
    n_brackets = len(plan["brackets"])
    print(f"HyperbandSearchCV(SGDClassifier, max_iter={args.max_iter}): {plan['n_models']} models, "
          f"{plan['partial_fit_calls']} partial_fit calls, {n_brackets} brackets")

    sampler = Sampler(client)
    found: dict = {}
    original_persist_split = engine.persist_split

    def persist_split(client, *a, **kw):
        start = time.perf_counter()
        data = original_persist_split(client, *a, **kw)
        wait(data.futures())
        found["persist_s"] = time.perf_counter() - start
        keys = {
            "train": [key_of(f) for f in [*data.X_train, *data.y_train] if key_of(f) is not None],
            "val": [key_of(f) for f in [*data.X_val, *data.y_val] if key_of(f) is not None],
            "X_val": [key_of(f) for f in data.X_val],
        }
        found.update(
            keys=keys, train_bytes=float(sum(data.train_bytes)), n_blocks=data.n_blocks,
            n_shards=len(data.X_val), val_rows=list(data.val_rows), task_bytes=float(data.task_bytes),
            block_train_bytes=max(data.train_bytes),
        )
        found["after_persist"] = stored_now(client, keys)
        sampler.data_keys = keys
        return data

    gc.collect()
    rss_before = rss()
    engine.persist_split = persist_split
    fit_start, fit_start_epoch = time.perf_counter(), time.time()
    try:
        with sampler, get_task_stream(client) as stream:
            search.fit(X, y, classes=[0, 1])
    finally:
        engine.persist_split = original_persist_split
    fit_s = time.perf_counter() - fit_start
    rss_after = rss()
    time.sleep(1.5)  # let the scheduler forget the released data
    after_fit = stored_now(client, found["keys"])
    workers_at_end = set(client.scheduler_info()["workers"])
    worker_events = [e["message"] for _, e in client.get_events(MEMORY_TOPIC)]
    movement = moved(client, found["keys"], client.get_events("stealing"), fit_start_epoch)
    pauses = [int(m.group(1)) for m in map(re.compile(r"at (\d+)% memory usage\. Pausing").search,
                                            worker_events) if m]
    restarts = [m for m in nanny_events.messages if "exceeded" in m]
    restart_times = [t for m, t in zip(nanny_events.messages, nanny_events.times) if "exceeded" in m]

    # -- figures -------------------------------------------------------------
    samples = [s for s in sampler.cluster if "train" in s]  # once persist_split has returned
    train_bytes = found["train_bytes"]
    train_ratios = [s["train"] / train_bytes for s in samples]
    all_ratios = [s["all"] / array_bytes for s in samples]
    val_ratios = [s["X_val"] / found["after_persist"]["X_val"] for s in samples]
    peak_sample = max(samples, key=lambda s: s["all"])
    peak_sample = {**peak_sample, "t": round(peak_sample["t"] - sampler.start, 1)}
    all_persisting = max([s["all"] for s in sampler.cluster if "train" not in s], default=0)
    rss_peak = max([rss_before, rss_after, *sampler.rss])
    growth = rss_peak - rss_before
    tasks = task_counts(stream.data, len(search.history_))
    per_task = max(int(found["task_bytes"] // found["block_train_bytes"]), 1)
    val_bytes = found["after_persist"]["val"]
    completed = search.metadata_ == plan and math.isfinite(search.best_score_)
    restarted = (workers_at_start != workers_at_end or sampler.workers_seen != workers_at_start
                 or bool(restarts))

    def bayes_accuracy():
        return 1 - math.atan(NOISE) / math.pi

    checks = [
        ("search completes (metadata_ == metadata, best_score_ finite)",
         f"{completed}; best_score_ {search.best_score_:.4f} (Bayes rate {bayes_accuracy():.4f})",
         "True", completed),
        ("client RSS growth during fit (peak - before)",
         f"{format_bytes(growth)} ({growth / array_bytes:.1%} of the array)",
         f"< {format_bytes(CLIENT_GROWTH_MAX)}", growth < CLIENT_GROWTH_MAX),
        ("training data stored after persisting / training bytes",
         f"{found['after_persist']['train'] / train_bytes:.3f}", "1.00 (one copy)",
         abs(found["after_persist"]["train"] / train_bytes - 1) < 0.01),
        ("training data stored during the search / training bytes: median, peak",
         f"{statistics.median(train_ratios):.3f}, {max(train_ratios):.3f} over {len(samples)} samples",
         f"median <= {ONE_COPY_MEDIAN_MAX}, peak <= {ONE_COPY_PEAK_MAX} (one copy per bracket: {n_brackets})",
         bool(samples) and statistics.median(train_ratios) <= ONE_COPY_MEDIAN_MAX
         and max(train_ratios) <= ONE_COPY_PEAK_MAX),
        ("all data stored on the cluster during the search / array bytes: peak",
         f"{max(all_ratios):.3f} ({format_bytes(max(s['all'] for s in samples))})",
         f"<= {ALL_STORED_MAX}", max(all_ratios) <= ALL_STORED_MAX),
        ("validation shards (validation bytes vs one task's memory)",
         f"{found['n_shards']} ({format_bytes(val_bytes)} vs {format_bytes(found['task_bytes'])})",
         "> 1 when validation > task memory" if val_bytes > found["task_bytes"] else "1",
         (found["n_shards"] > 1) == (val_bytes > found["task_bytes"])),
        ("validation X shards stored / their bytes: peak (samples with a shard copied)",
         f"{max(val_ratios):.3f} ({sum(r > 1.001 for r in val_ratios)} of {len(val_ratios)})",
         "1.00 (each shard scored where it lives, never copied)", max(val_ratios) <= 1.001),
        ("training tasks per job: max (blocks per task <= task memory / block)",
         f"{tasks['training_tasks_per_job_max']} (mean {tasks['training_tasks_per_job_mean']:.2f}; "
         f"{per_task} blocks of {format_bytes(found['block_train_bytes'])} per task)",
         f"ceil({args.max_iter} / {per_task}) = {math.ceil(args.max_iter / per_task)}",
         tasks["training_tasks_per_job_max"] == math.ceil(args.max_iter / per_task)),
        ("workers restarted for memory", f"{len(restarts)}", "0", not restarted),
        ("data left on the cluster after fit", format_bytes(after_fit["train"] + after_fit["val"]), "0 B",
         after_fit["train"] + after_fit["val"] == 0),
    ]

    print()
    print(f"persist (generate, split, keep) {found['persist_s']:.1f} s, fit {fit_s:.1f} s in all; "
          f"{len(search.history_)} jobs scored")
    print(f"client RSS: before fit {format_bytes(rss_before)}, peak {format_bytes(rss_peak)}, "
          f"after {format_bytes(rss_after)} ({len(sampler.rss)} samples)")
    print(f"training data: {format_bytes(train_bytes)} in {found['n_blocks']} blocks; validation "
          f"{format_bytes(val_bytes)} in {found['n_shards']} shards of {found['val_rows']} rows")
    for i, address in enumerate(sorted(sampler.worker_peaks)):
        p = sampler.worker_peaks[address]
        print(f"worker {i}: process memory up to {format_bytes(p['process'])}, data in memory up to "
              f"{format_bytes(p['in_memory'])}, on disk up to {format_bytes(p['on_disk'])}")
    print(f"while persisting, the cluster stored up to {format_bytes(all_persisting)} "
          f"({all_persisting / array_bytes:.2f} x the array: blocks being split, validation parts being joined)")
    print(f"workers paused for memory {len(pauses)} times (at up to {max(pauses, default=0)}% of the limit), "
          f"restarted {len(restarts)} times" + (
              f" (at {', '.join(f'{t - fit_start_epoch:.0f}' for t in restart_times)} s into fit)"
              if restarts else ""))
    print(f"tasks: {tasks['tasks_by_kind']}; run again after a worker was lost: "
          f"{tasks['search_tasks_run_again']}")
    fetched = movement["fetched"]
    print("fetched from another worker: " + ", ".join(
        f"{k.replace('_', ' ')} {v['count']} times, {format_bytes(v['bytes'])}" for k, v in fetched.items()))
    if movement["X_shard_fetched_at_s"]:
        print(f"X shards fetched at {movement['X_shard_fetched_at_s']} s into fit")
    print(f"tasks moved by work stealing: {movement['stolen_tasks'] or 0}")
    for lost in sampler.lost:
        last = lost["last_samples"][-1]
        print(f"  worker {lost['worker']} gone {lost['gone_by']:.0f} s into fit; last seen at {last['t']:.0f} s: "
              f"process {last['process']}, data in memory {last['in_memory']}, on disk {last['on_disk']}, "
              f"transfers in {last['incoming']} / out {last['outgoing']}, running {last['processing']}")
    if sampler.errors:
        print(f"cluster samples lost: {len(sampler.errors)} (first: {sampler.errors[0]})")
    print()
    width = max(len(c[0]) for c in checks)
    for name, value, target, ok in checks:
        print(f"{name:<{width}}  {value}  [target {target}: {'hit' if ok else 'MISSED'}]")
    print(f"\nwall time {time.perf_counter() - wall_start:.0f} s")

    if args.out:
        out = {
            "settings": {**{k: v for k, v in vars(args).items() if k != "out"}, "total": total, "worker_memory": worker_memory, "n_workers": 2,
                         "threads_per_worker": 1},
            "versions": {"hbsearch": hbsearch.__version__, "dask": dask.__version__,
                         "distributed": distributed.__version__, "scikit-learn": sklearn.__version__,
                         "numpy": np.__version__, "python": platform.python_version()},
            "plan": plan,
            "array": {"shape": list(X.shape), "blocks": X.numblocks[0], "bytes": array_bytes,
                      "block_bytes": block_bytes},
            "data": {k: v for k, v in found.items() if k not in ("keys",)},
            "timing_s": {"persist": found["persist_s"], "fit": fit_s},
            "best_score": search.best_score_,
            "best_params": {k: (v if isinstance(v, (str, int, float)) else repr(v))
                            for k, v in search.best_params_.items()},
            "client_rss": {"before": rss_before, "peak": rss_peak, "after": rss_after, "growth": growth},
            "stored": {"after_persist": found["after_persist"], "after_fit": after_fit,
                       "train_ratio_median": statistics.median(train_ratios) if samples else None,
                       "train_ratio_peak": max(train_ratios, default=None),
                       "val_ratio_peak": max(val_ratios), "val_ratio_median": statistics.median(val_ratios),
                       "val_samples_copied": sum(r > 1.001 for r in val_ratios),
                       "all_ratio_peak": max(all_ratios), "all_peak_persisting": all_persisting,
                       "search_peak_sample": peak_sample,
                       "samples": len(sampler.cluster)},
            "workers": {"peaks": list(sampler.worker_peaks.values()), "pauses": len(pauses),
                        "pause_percent_max": max(pauses, default=None), "restarts": len(restarts),
                        "memory_warnings": worker_events + nanny_events.messages},
            "tasks": tasks,
            "lost_workers": sampler.lost,
            "moved": movement,
            "checks": [{"figure": n, "value": v, "target": t, "hit": bool(ok)} for n, v, t, ok in checks],
        }
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1, default=str) + "\n")
        print(f"wrote {path}")
    client.close()
    cluster.close()


if __name__ == "__main__":
    main()
