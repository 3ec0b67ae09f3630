"""Good models early: hbsearch's best score so far against time, next to dask-ml's.

The workloads, plan and cluster of ``compare_daskml.py`` (``max_iter=81``,
aggressiveness 3, the same data, ``test_size`` and ``random_state``, one
``LocalCluster`` of worker processes with one thread each). The estimators
record the wall-clock start, end and value of every ``partial_fit`` and
``score`` call on the workers (``timed.pop_events``), the same way for both
libraries, so that per fit the script knows:

* **time to first score**: from the start of the first ``partial_fit`` call on
  any worker to the end of the first score, over **one first-rung job**: the
  median ``partial_fit`` call plus the median score of the fit (the shortest
  job a Hyperband search has: one call, then a score). Target: <= 2. Also
  printed from the call of ``fit`` (which includes splitting the data).
* **anytime curve**: the best validation score so far at 20 times evenly
  spaced over the longer of the two fits, counted from each fit's call;
  hbsearch's at or above dask-ml's at every sampled time is the target
  (a time at which a library has no score yet counts as minus infinity).
* **makespan**: the wall time of ``fit``. Compare it with a run of the same
  script on another version of hbsearch (``PYTHONPATH``) for "no worse than
  before".

Needs dask-ml (see benchmarks/README.md for its environment); from the repository root:

    .venv-daskml/bin/python benchmarks/anytime.py
    .venv-daskml/bin/python benchmarks/anytime.py --workloads sgd --max-iter 27
"""

from __future__ import annotations

import argparse
import json
import logging
import statistics
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import timed  # noqa: E402
from compare_daskml import (  # noqa: E402
    LIBRARIES,
    WORKLOADS,
    make_search,
    make_workload,
    patch_daskml,
    wait_idle,
)

DEFAULT_OUT = HERE / "results" / "anytime.json"
SAMPLES = 20
TARGET_FIRST_SCORE = 2.0


def fit_events(client, library, workload, max_iter, random_state) -> dict:
    """One fit: its wall time and every call event on the workers, times from the call of fit."""
    import dask.array as da

    X = da.from_array(workload["X"], chunks=(workload["chunk"], -1), name=False)
    y = da.from_array(workload["y"], chunks=workload["chunk"], name=False)
    classes = np.unique(workload["y"]).tolist()
    search = make_search(library, workload, max_iter, random_state)
    wait_idle(client)
    client.run(timed.reset)
    start = time.time()
    search.fit(X, y, classes=classes)
    wall = time.time() - start
    wait_idle(client)
    events = [e for per_worker in client.run(timed.pop_events).values() for e in per_worker]
    events = [(kind, s - start, e - start, value) for kind, s, e, value in events]
    return {"wall": wall, "events": events, "best_score": float(search.best_score_)}


def summary(fit: dict) -> dict:
    """Time to first score, one first-rung job, and the curve of the best score so far."""
    events = fit["events"]
    calls = [e - s for kind, s, e, _ in events if kind == "partial_fit"]
    scores = sorted((e, v) for kind, _, e, v in events if kind == "score" and v is not None)
    first_call = min(s for kind, s, _, _ in events if kind == "partial_fit")
    job = statistics.median(calls) + statistics.median(e - s for kind, s, e, _ in events if kind == "score")
    best, curve = -np.inf, []
    for end, value in scores:
        if value > best:
            best = value
            curve.append((end, best))
    return {
        "wall": fit["wall"],
        "first_score_from_fit": scores[0][0],
        "first_score_from_first_call": scores[0][0] - first_call,
        "first_rung_job": job,
        "first_score_over_job": (scores[0][0] - first_call) / job,
        "curve": curve,
        "best_score": fit["best_score"],
    }


def best_at(curve: list, t: float) -> float:
    best = -np.inf
    for end, value in curve:
        if end > t:
            break
        best = value
    return best


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--max-iter", type=int, default=81)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="JSON file ('' for none)")
    args = parser.parse_args(argv)

    import importlib

    from distributed import Client, LocalCluster

    import hbsearch

    warnings.filterwarnings("ignore", category=FutureWarning)
    patch_daskml()
    print(f"hbsearch {hbsearch.__version__} from {Path(hbsearch.__file__).parent}; max_iter={args.max_iter}, "
          f"{args.workers} workers x 1 thread, random_state={args.random_state}")
    out = {"settings": vars(args), "fits": {}}
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        for module in ("dask_ml.model_selection", "hbsearch.engine"):
            client.run(importlib.import_module, module)
        for name in args.workloads:
            workload = make_workload(name)
            fits = {lib: summary(fit_events(client, lib, workload, args.max_iter, args.random_state))
                    for lib in LIBRARIES}
            out["fits"][name] = fits
            hb, dm = fits["hbsearch"], fits["dask-ml"]
            print(f"\n{name}:")
            for lib, f in fits.items():
                print(f"  {lib:<8} makespan {f['wall']:7.2f} s  first score {f['first_score_from_fit']:6.2f} s "
                      f"after fit, {f['first_score_from_first_call']:6.3f} s after the first call = "
                      f"{f['first_score_over_job']:6.2f} first-rung jobs ({f['first_rung_job'] * 1e3:.1f} ms)  "
                      f"best {f['best_score']:.4f}")
            horizon = max(hb["wall"], dm["wall"])
            times = [horizon * (k + 1) / SAMPLES for k in range(SAMPLES)]
            rows = [(t, best_at(hb["curve"], t), best_at(dm["curve"], t)) for t in times]
            print(f"  best score so far at {SAMPLES} times (s after fit was called):")
            print("    " + "  ".join(f"{t:6.2f}" for t, _, _ in rows))
            print("    " + "  ".join(f"{h:6.3f}" for _, h, _ in rows) + "  hbsearch")
            print("    " + "  ".join(f"{d:6.3f}" for _, _, d in rows) + "  dask-ml")
            at_or_above = sum(h >= d for _, h, d in rows)
            print(f"  targets: time to first score / one first-rung job {hb['first_score_over_job']:.2f} "
                  f"(<= {TARGET_FIRST_SCORE}: {'hit' if hb['first_score_over_job'] <= TARGET_FIRST_SCORE else 'MISSED'}); "
                  f"anytime curve at or above dask-ml's at {at_or_above}/{SAMPLES} sampled times "
                  f"({'hit' if at_or_above == SAMPLES else 'MISSED'}); makespan hbsearch / dask-ml "
                  f"{hb['wall'] / dm['wall']:.3f}")
            fits["samples"] = rows
    if args.out:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1, default=float) + "\n")
        print(f"\nWrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
