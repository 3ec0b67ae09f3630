"""hbsearch against dask-ml's HyperbandSearchCV on the same cluster, data and plan.

Both libraries run the same Hyperband plan (``max_iter=81``, aggressiveness 3:
143 models, 1,581 partial_fit calls) on the same data, with the same
``test_size`` and ``random_state``, through one ``LocalCluster`` of worker
processes with one thread each, started once. Runs alternate dask-ml,
hbsearch, dask-ml, hbsearch, ... and the medians over runs are compared.

Workloads:

* ``mlp``: the Dask blog / SciPy 2019 example: 50,000 rows of
  ``hbsearch.demo.make_circles_data`` (4 classes) in 5,000-row chunks,
  ``MLPClassifier(solver="sgd")`` over the demo's seven-parameter space.
* ``sgd``: ``SGDClassifier`` on 2,000 rows of ``make_classification`` in
  200-row chunks; a call takes about a millisecond, so the wall time is
  mostly the search's own overhead.

The estimators are ``timed.TimedMLPClassifier`` / ``TimedSGDClassifier``,
which add the duration of every ``partial_fit`` and ``score`` call to a
counter of the worker process they run in; both searches use
``scoring=None`` (the estimator's ``score``), so scoring is timed too.

Figures per fit: ``wall`` (``fit``, client connected), ``compute`` (partial_fit
and score time summed over the workers during the fit), ``efficiency =
compute / (workers * wall)``, ``overhead per call = (wall - compute / workers)
/ planned calls``, partial_fit calls executed on the workers (including
calls still running when ``fit`` returned, e.g. dask-ml's speculative ones)
against ``metadata["partial_fit_calls"]``, and ``best_score_``.

Needs dask-ml, which only runs with dask/distributed <= 2025.2.0 (see
benchmarks/README.md for the environment), from the repository root:

    .venv-daskml/bin/python benchmarks/compare_daskml.py              # full: 3 runs
    .venv-daskml/bin/python benchmarks/compare_daskml.py --runs 1 --max-iter 9 --out ""
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import logging
import os
import platform
import statistics
import sys
import time
import warnings
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    # Worker processes are spawned with this sys.path, so they can import timed too.
    sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import timed  # noqa: E402

LIBRARIES = ("dask-ml", "hbsearch")
WORKLOADS = ("mlp", "sgd")
DEFAULT_OUT = HERE / "results" / "compare_daskml.json"
TEST_SIZE = 0.1  # both libraries' default for 10 blocks, min(0.2, 1 / n_blocks), set explicitly
RANDOM_STATE = 0  # the data and the estimators' own seeds
AGGRESSIVENESS = 3

# Targets for hbsearch relative to dask-ml (medians over runs).
TARGET_OVERHEAD_RATIO = 0.1
TARGET_MLP_EFFICIENCY = 0.95
TARGET_WALL_RATIO = {"mlp": 0.7, "sgd": 0.25}


def make_workload(name: str) -> dict:
    """Data (NumPy), rows per chunk, estimator and parameter space of a workload."""
    if name == "mlp":
        from hbsearch.demo import make_circles_data, mlp_space

        X, y = make_circles_data(50_000, random_state=RANDOM_STATE)
        estimator = timed.TimedMLPClassifier(
            solver="sgd", nesterovs_momentum=True, activation="relu", random_state=RANDOM_STATE
        )
        return {"X": X, "y": y, "chunk": 5_000, "estimator": estimator, "space": mlp_space()}
    if name == "sgd":
        from scipy.stats import loguniform, uniform
        from sklearn.datasets import make_classification

        X, y = make_classification(
            n_samples=2_000, n_features=20, n_informative=10, random_state=RANDOM_STATE
        )
        space = {
            "alpha": loguniform(1e-6, 1e-1),
            "penalty": ["l2", "l1", "elasticnet"],
            "l1_ratio": uniform(0, 1),
            "loss": ["hinge", "log_loss", "modified_huber", "squared_hinge", "perceptron"],
        }
        estimator = timed.TimedSGDClassifier(random_state=RANDOM_STATE)
        return {"X": X, "y": y, "chunk": 200, "estimator": estimator, "space": space}
    raise ValueError(name)


class _RaggedArrays:
    """``numpy`` for dask-ml's result tables, with numpy < 1.24's ``np.array`` of ragged lists.

    dask-ml 2025.1.0 builds ``cv_results_`` with ``np.array(list_of_values)``.
    With the MLP's ``hidden_layer_sizes`` (tuples of 1 to 6 layers) that raises
    "inhomogeneous shape" since numpy 1.24, after all models are trained; dask
    2025.2.0 needs numpy >= 1.24. Older numpy made an object array (with a
    warning), which is what this does for those lists. Nothing else changes.
    """

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def array(obj, *args, **kwargs):
        try:
            return np.array(obj, *args, **kwargs)
        except ValueError:
            if args or kwargs or not isinstance(obj, list):
                raise
            out = np.empty(len(obj), dtype=object)
            for i, value in enumerate(obj):
                out[i] = value
            return out


def patch_daskml() -> None:
    from dask_ml.model_selection import _hyperband, _incremental

    _hyperband.np = _incremental.np = _RaggedArrays()


def make_search(library: str, workload: dict, max_iter: int, random_state: int):
    if library == "dask-ml":
        from dask_ml.model_selection import HyperbandSearchCV
    else:
        from hbsearch import HyperbandSearchCV
    return HyperbandSearchCV(
        workload["estimator"],
        workload["space"],
        max_iter=max_iter,
        aggressiveness=AGGRESSIVENESS,
        test_size=TEST_SIZE,
        random_state=random_state,
        scoring=None,
    )


def wait_idle(client, timeout: float = 60.0) -> float:
    """Seconds until no worker is processing a task (calls cut short by fit's return finish)."""
    start = time.perf_counter()
    while time.perf_counter() - start < timeout:
        if not any(client.processing().values()):
            return time.perf_counter() - start
        time.sleep(0.05)
    return time.perf_counter() - start


def summed(counters: dict) -> dict:
    keys = ("partial_fit_calls", "partial_fit_s", "score_calls", "score_s")
    return {k: sum(c[k] for c in counters.values()) for k in keys}


def fit_once(client, library, name, workload, max_iter, random_state, n_workers) -> dict:
    import dask.array as da

    # Fresh keys for every fit, so nothing is left over from an earlier one.
    X = da.from_array(workload["X"], chunks=(workload["chunk"], -1), name=False)
    y = da.from_array(workload["y"], chunks=workload["chunk"], name=False)
    classes = np.unique(workload["y"]).tolist()
    search = make_search(library, workload, max_iter, random_state)
    planned = int(search.metadata["partial_fit_calls"])

    wait_idle(client)
    client.run(timed.reset)
    timed.reset()
    start = time.perf_counter()
    search.fit(X, y, classes=classes)
    wall = time.perf_counter() - start
    during = summed(client.run(timed.collect))
    tail = wait_idle(client)
    total = summed(client.run(timed.reset))
    on_client = timed.reset()

    compute = during["partial_fit_s"] + during["score_s"]
    steps = None
    if "param_batch_size" in search.cv_results_:
        # MLPClassifier's cost per call grows with its minibatches: rows / batch_size.
        rows = workload["chunk"] * (1 - TEST_SIZE)
        calls = np.asarray(search.cv_results_["partial_fit_calls"], dtype=float)
        batch = np.asarray(search.cv_results_["param_batch_size"], dtype=float)
        steps = float(np.sum(calls * np.ceil(rows / batch)) / np.sum(calls))
    row = {
        "library": library,
        "workload": name,
        "random_state": random_state,
        "wall_s": wall,
        "compute_s": compute,
        "partial_fit_s": during["partial_fit_s"],
        "score_s": during["score_s"],
        "efficiency": compute / (n_workers * wall),
        "overhead_ms_per_call": 1e3 * (wall - compute / n_workers) / planned,
        "planned_calls": planned,
        "reported_calls": int(search.metadata_["partial_fit_calls"]),
        "executed_calls": int(total["partial_fit_calls"]),
        "calls_after_fit": int(total["partial_fit_calls"] - during["partial_fit_calls"]),
        "score_calls": int(total["score_calls"]),
        "idle_after_fit_s": tail,
        "client_partial_fit_calls": on_client["partial_fit_calls"],
        "n_models": int(search.metadata["n_models"]),
        "best_score": float(search.best_score_),
        "minibatches_per_call": steps,
    }
    del search, X, y
    gc.collect()
    return row


def run_line(i: int, r: dict) -> str:
    late = f" ({r['calls_after_fit']} after fit returned)" if r["calls_after_fit"] else ""
    client = f", {r['client_partial_fit_calls']} on the client" if r["client_partial_fit_calls"] else ""
    return (
        f"run {i} {r['workload']:<4} {r['library']:<8} wall {r['wall_s']:7.2f} s  compute "
        f"{r['compute_s']:7.2f} s (partial_fit {r['partial_fit_s']:.2f}, score {r['score_s']:.2f})  "
        f"eff {r['efficiency']:.3f}  overhead {r['overhead_ms_per_call']:7.3f} ms/call  "
        f"calls {r['executed_calls']}/{r['planned_calls']}{late}{client}  scores {r['score_calls']}  "
        f"best {r['best_score']:.4f}"
    )


FIGURES = ("wall_s", "compute_s", "efficiency", "overhead_ms_per_call", "executed_calls",
           "reported_calls", "score_calls", "best_score")


def medians(rows: list[dict], workloads) -> dict:
    out = {}
    for w in workloads:
        for lib in LIBRARIES:
            sel = [r for r in rows if r["workload"] == w and r["library"] == lib]
            out[f"{w}/{lib}"] = {f: statistics.median(r[f] for r in sel) for f in FIGURES}
            out[f"{w}/{lib}"]["planned_calls"] = sel[0]["planned_calls"]
            out[f"{w}/{lib}"]["runs"] = len(sel)
    return out


def check_targets(rows: list[dict], med: dict, workloads) -> list[dict]:
    targets = []

    def add(name, value, goal, hit):
        targets.append({"target": name, "value": value, "goal": goal, "hit": bool(hit)})

    for w in workloads:
        hb, dm = med[f"{w}/hbsearch"], med[f"{w}/dask-ml"]
        ratio = hb["overhead_ms_per_call"] / dm["overhead_ms_per_call"]
        add(f"{w}: overhead per call, hbsearch / dask-ml", ratio, f"<= {TARGET_OVERHEAD_RATIO}",
            ratio <= TARGET_OVERHEAD_RATIO)
        if w == "mlp":
            add("mlp: hbsearch efficiency", hb["efficiency"], f">= {TARGET_MLP_EFFICIENCY}",
                hb["efficiency"] >= TARGET_MLP_EFFICIENCY)
        ratio = hb["wall_s"] / dm["wall_s"]
        add(f"{w}: wall, hbsearch / dask-ml", ratio, f"<= {TARGET_WALL_RATIO[w]}",
            ratio <= TARGET_WALL_RATIO[w])
        runs = [r for r in rows if r["workload"] == w and r["library"] == "hbsearch"]
        exact = sum(r["executed_calls"] == r["planned_calls"] for r in runs)
        add(f"{w}: hbsearch calls executed == planned", f"{exact}/{len(runs)} runs", "all runs",
            exact == len(runs))
        add(f"{w}: best score, hbsearch - dask-ml", hb["best_score"] - dm["best_score"], ">= 0",
            hb["best_score"] >= dm["best_score"])
    return targets


def checks(rows: list[dict], workloads) -> list[str]:
    """Plausibility of the measurements, one line per workload and library."""
    lines = []
    for w in workloads:
        for lib in LIBRARIES:
            sel = [r for r in rows if r["workload"] == w and r["library"] == lib]
            planned = sel[0]["planned_calls"]
            executed = sorted(r["executed_calls"] for r in sel)
            extra = [100 * (e - planned) / planned for e in executed]
            late = sum(r["calls_after_fit"] for r in sel)
            lines.append(
                f"{w} {lib}: partial_fit calls executed {'/'.join(map(str, executed))} for {planned} planned "
                f"({'/'.join(f'{x:+.1f}%' for x in extra)}; {late} finished after fit returned), "
                f"metadata_ reports {'/'.join(str(r['reported_calls']) for r in sel)}; "
                f"score calls {'/'.join(str(r['score_calls']) for r in sel)}; "
                f"compute / (workers x wall) at most {max(r['efficiency'] for r in sel):.3f}"
                f"{' (> 1: impossible, timing broken)' if max(r['efficiency'] for r in sel) > 1 else ''}; "
                f"partial_fit calls in the client process: {sum(r['client_partial_fit_calls'] for r in sel)}"
            )
            if sel[0]["minibatches_per_call"] is not None:
                lines[-1] += (
                    "; minibatches per partial_fit call (calls-weighted, from the configurations drawn) "
                    + "/".join(f"{r['minibatches_per_call']:.1f}" for r in sel)
                    + "; compute per call "
                    + "/".join(f"{1e3 * r['compute_s'] / r['executed_calls']:.1f}" for r in sel)
                    + " ms"
                )
    return lines


def print_summary(med: dict, targets: list[dict], notes: list[str], workloads, n_workers: int) -> None:
    print(f"\nMedians ({n_workers} workers x 1 thread):")
    head = (f"{'workload':<8} {'library':<8} {'wall s':>8} {'compute s':>9} {'eff':>6} "
            f"{'ovh ms/call':>11} {'calls exec/plan':>15} {'reported':>8} {'scores':>6} {'best':>7}")
    print(head)
    for w in workloads:
        for lib in LIBRARIES:
            m = med[f"{w}/{lib}"]
            calls = f"{m['executed_calls']:g}/{m['planned_calls']}"
            print(f"{w:<8} {lib:<8} {m['wall_s']:8.2f} {m['compute_s']:9.2f} {m['efficiency']:6.3f} "
                  f"{m['overhead_ms_per_call']:11.3f} {calls:>15} {m['reported_calls']:8g} "
                  f"{m['score_calls']:6g} {m['best_score']:7.4f}")
    print("\nRatios hbsearch / dask-ml (medians):")
    for w in workloads:
        hb, dm = med[f"{w}/hbsearch"], med[f"{w}/dask-ml"]
        print(f"  {w}: overhead per call {hb['overhead_ms_per_call'] / dm['overhead_ms_per_call']:.4f}, "
              f"wall {hb['wall_s'] / dm['wall_s']:.3f}, compute {hb['compute_s'] / dm['compute_s']:.3f}")
    print("\nChecks:")
    for line in notes:
        print(f"  {line}")
    print("\nTargets:")
    for t in targets:
        value = t["value"] if isinstance(t["value"], str) else f"{t['value']:.4f}"
        print(f"  {'hit   ' if t['hit'] else 'MISSED'}  {t['target']}: {value} (target {t['goal']})")


def environment(n_workers: int) -> dict:
    packages = ("hbsearch", "dask-ml", "dask", "distributed", "scikit-learn", "numpy", "scipy", "pandas")
    return {
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "workers": n_workers,
        "threads_per_worker": 1,
        "packages": {p: version(p) for p in packages},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="fits per library and workload (default: 3)")
    parser.add_argument("--workloads", nargs="+", choices=WORKLOADS, default=list(WORKLOADS))
    parser.add_argument("--max-iter", type=int, default=81,
                        help="Hyperband's max_iter, both workloads (default: 81; smaller for a quick try)")
    parser.add_argument("--workers", type=int, default=2, help="worker processes, 1 thread each (default: 2)")
    parser.add_argument("--random-state", type=int, default=0,
                        help="the searches' random_state, the same for both libraries (default: 0)")
    parser.add_argument("--seed-per-run", action="store_true",
                        help="run i uses random_state + i - 1 (both libraries alike), so the best scores "
                             "are compared over several draws of configurations")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="JSON file (default: %(default)s)")
    args = parser.parse_args(argv)

    from distributed import Client, LocalCluster

    warnings.filterwarnings("ignore", category=FutureWarning)
    patch_daskml()
    workloads = {name: make_workload(name) for name in args.workloads}
    env = environment(args.workers)
    print("Versions: " + ", ".join(f"{k} {v}" for k, v in env["packages"].items()))
    seeds = f"{args.random_state} + run - 1" if args.seed_per_run else args.random_state
    print(f"Settings: max_iter={args.max_iter}, aggressiveness={AGGRESSIVENESS}, test_size={TEST_SIZE}, "
          f"random_state={seeds}, runs={args.runs}, workloads={' '.join(args.workloads)}")

    started = time.perf_counter()
    rows = []
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      dashboard_address=":0", silence_logs=logging.CRITICAL) as cluster, Client(cluster) as client:
        pids = sorted(c["pid"] for c in client.run(timed.reset).values())
        assert os.getpid() not in pids and len(pids) == args.workers, pids
        # Neither library's first run pays for importing it on the workers.
        for module in ("dask_ml.model_selection", "hbsearch.engine"):
            client.run(importlib.import_module, module)
        print(f"Cluster: {args.workers} worker processes (pids {pids}), timed importable on each, "
              "dask_ml and hbsearch imported on each")
        for i in range(1, args.runs + 1):
            for name, workload in workloads.items():
                for library in LIBRARIES:
                    seed = args.random_state + (i - 1 if args.seed_per_run else 0)
                    row = {"run": i, **fit_once(client, library, name, workload, args.max_iter, seed,
                                                args.workers)}
                    rows.append(row)
                    print(run_line(i, row), flush=True)

    med = medians(rows, args.workloads)
    targets = check_targets(rows, med, args.workloads)
    notes = checks(rows, args.workloads)
    print_summary(med, targets, notes, args.workloads, args.workers)
    print(f"\nTotal {time.perf_counter() - started:.0f} s")

    settings = {"max_iter": args.max_iter, "aggressiveness": AGGRESSIVENESS, "test_size": TEST_SIZE,
                "random_state": args.random_state, "seed_per_run": args.seed_per_run,
                "data_and_estimator_random_state": RANDOM_STATE, "runs": args.runs,
                "workloads": args.workloads, "seconds": round(time.perf_counter() - started, 1)}
    out = {"settings": settings, "environment": env, "runs": rows, "medians": med, "checks": notes,
           "targets": targets}
    if args.out:
        path = Path(args.out)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=1) + "\n")
        print(f"\nWrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
