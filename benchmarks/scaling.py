"""Wall time of HyperbandSearchCV on 1 to 32 workers against the physical limit.

The estimator is simulated: ``partial_fit`` sleeps ``pf_seconds`` (0.1 s) and
``score`` sleeps ``score_seconds`` (0.15 s), and the score is a deterministic
function of the parameter ``x`` and the number of calls. Sleeping releases the
GIL, so in an in-process ``LocalCluster(processes=False, n_workers=W,
threads_per_worker=1)`` the sleeps of ``W`` workers overlap even on 2 cores
(Dask's and hbsearch's own work still shares the cores and the GIL).

For every number of workers ``W``, ``n_iterations`` and ``halving`` the script
times ``HyperbandSearchCV(max_iter=243, aggressiveness=3).fit`` on a fresh
cluster (started outside the timed region) and compares the wall time with

* the **limit** = max(total work / W, longest chain of one model), where the
  total work is the planned partial_fit calls x pf_seconds + the planned score
  calls x score_seconds, and the longest chain is the most (calls x pf_seconds
  + scores x score_seconds) of one model (243 calls and 6 scores);
* the **bound**, a tighter lower bound that no scheduler can beat: no rung of
  a bracket starts before the rung below it is decided (synchronous
  halving), bracket run ``k`` starts only once runs ``0 .. k - B`` have
  finished (``B`` brackets per iteration; this matters for
  ``n_iterations > 1``), and the last seconds of a search can only hold the
  few long jobs of the top rungs (see :func:`lower_bound`);
* the **sim**: hbsearch's own driver run in simulated time on ``W`` workers
  with no overhead at all (a free worker takes the ready job of highest
  priority). ``sim / limit`` is what the schedule itself costs (rung barriers,
  run order, priorities), ``wall / sim`` what running it on Dask costs;
* the **empty** fit: the same fit with both sleeps 0, hbsearch's and Dask's own time.

The target is wall / limit <= 1.15. Every fit is checked against the plan
(``len(history_)`` is the number of scores). Results are merged into
``benchmarks/results/scaling.json``.

    python benchmarks/scaling.py                      # the full setting: about 4 hours
    python benchmarks/scaling.py --time-scale 0.2 --n-iterations 1
"""

from __future__ import annotations

import argparse
import heapq
import inspect
import json
import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

import dask.array as da
import numpy as np
from scipy.stats import uniform
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

import hbsearch
from hbsearch import HyperbandSearchCV
from hbsearch.driver import Driver
from hbsearch.engine.loop import SearchLoop
from hbsearch.samplers import make_sampler, setup_sampler
from hbsearch.schedule import Plan, hyperband_plan
from hbsearch.space import SearchSpace

try:  # hbsearch checks for dask DataFrames: import them once here, not in the first timed fit
    import dask.dataframe  # noqa: F401
except ImportError:
    pass

MAX_ITER = 243
AGGRESSIVENESS = 3
PF_SECONDS = 0.1
SCORE_SECONDS = 0.15
TARGET = 1.15
N_ROWS = 1_000
SPACE = {"x": uniform(0, 1)}
RESULTS = Path(__file__).resolve().parent / "results" / "scaling.json"


def simulated_score(x: float, calls: int) -> float:
    """Best at ``x = 0.3``; a little better with every call, the same for every ``x``."""
    return -((x - 0.3) ** 2) + 0.05 * math.log1p(calls) / math.log1p(MAX_ITER)


class SleepyEstimator(BaseEstimator):
    """An estimator that only takes time: ``partial_fit`` and ``score`` sleep.

    The data is ignored. ``score`` is :func:`simulated_score` of ``x`` and the
    number of ``partial_fit`` calls so far.
    """

    def __init__(self, x=0.5, pf_seconds=PF_SECONDS, score_seconds=SCORE_SECONDS):
        self.x = x
        self.pf_seconds = pf_seconds
        self.score_seconds = score_seconds

    def partial_fit(self, X, y=None, **fit_params):
        time.sleep(self.pf_seconds)
        self.n_calls_ = getattr(self, "n_calls_", 0) + 1
        return self

    def score(self, X, y=None):
        time.sleep(self.score_seconds)
        return simulated_score(self.x, getattr(self, "n_calls_", 0))


# -- the plan's costs -----------------------------------------------------------


@dataclass(frozen=True)
class RunCost:
    """One bracket run: its rungs as ``(jobs, seconds per job)``."""

    iteration: int
    bracket: int
    rungs: tuple[tuple[int, float], ...]

    @property
    def work(self) -> float:
        return sum(n * seconds for n, seconds in self.rungs)

    @property
    def chain(self) -> float:
        """The run's longest model: every rung's job one after the other."""
        return sum(seconds for _, seconds in self.rungs)

    def span(self, workers: int) -> float:
        """Least time the run takes on ``workers`` with a barrier at every rung.

        A rung's jobs need ``max(one job, jobs x job / workers)`` even if the run
        has every worker (jobs taken as divisible, so this stays a lower bound).
        """
        return sum(max(seconds, n * seconds / workers) for n, seconds in self.rungs)


def run_costs(plan: Plan, pf_seconds: float, score_seconds: float) -> list[RunCost]:
    """Bracket runs in the driver's order: iteration by iteration, brackets as in the plan.

    Every model of a rung gets one job (train from the previous rung's calls to
    this rung's, then one score): Hyperband sets no ``max_calls_per_job``.
    """
    runs = []
    for iteration in range(plan.n_iterations):
        for bracket in plan.brackets:
            rungs, previous = [], 0
            for rung in bracket.rungs:
                rungs.append((rung.n_models, (rung.calls - previous) * pf_seconds + score_seconds))
                previous = rung.calls
            runs.append(RunCost(iteration, bracket.bracket, tuple(rungs)))
    return runs


def plan_counts(plan: Plan) -> dict:
    """Planned partial_fit calls, score calls, and the longest chain's calls and scores."""
    scores = plan.n_iterations * sum(r.n_models for b in plan.brackets for r in b.rungs)
    longest = max(plan.brackets, key=lambda b: (b.rungs[-1].calls, len(b.rungs)))
    return {
        "partial_fit_calls": plan.partial_fit_calls,
        "scores": scores,
        "chain_calls": longest.rungs[-1].calls,
        "chain_scores": len(longest.rungs),
    }


def physical_limit(plan: Plan, workers: int, pf_seconds: float, score_seconds: float) -> float:
    """max(total work / W, longest chain of one model)."""
    c = plan_counts(plan)
    work = c["partial_fit_calls"] * pf_seconds + c["scores"] * score_seconds
    chain = c["chain_calls"] * pf_seconds + c["chain_scores"] * score_seconds
    return max(work / workers, chain)


def _run_starts(spans: list[float], work: list[float], lag: int, workers: int) -> list[float]:
    """Lower bounds on when each run starts: run ``k`` waits for runs ``0 .. k - lag``.

    0 for the first ``lag`` runs; else the latest of ``S[j] + span[j]`` over
    ``j <= k - lag`` (those runs must have finished) and their work / W.
    """
    starts: list[float] = []
    for k in range(len(spans)):
        if k < lag:
            starts.append(0.0)
        else:
            done = range(k - lag + 1)
            starts.append(max(max(starts[j] + spans[j] for j in done), sum(work[j] for j in done) / workers))
    return starts


def ordered_bound(runs: list[RunCost], lag: int, workers: int, barriers: bool = True) -> float:
    """A lower bound on the wall time from the driver's run order.

    With ``S[k]`` from :func:`_run_starts`, the search takes at least
    ``S[k] + max(span[k], work of runs k.. / W)`` for every ``k`` (runs start
    in order, so runs ``k..`` all run after ``S[k]``), and total work / W.
    ``barriers=False`` uses a run's chain instead of its span (no rung barriers).
    """
    spans = [r.span(workers) if barriers else r.chain for r in runs]
    work = [r.work for r in runs]
    starts = _run_starts(spans, work, lag, workers)
    bound = sum(work) / workers
    for k in range(len(runs)):
        bound = max(bound, starts[k] + max(spans[k], sum(work[k:]) / workers))
    return bound


def rung_windows(runs: list[RunCost], lag: int, workers: int, barriers: bool = True) -> np.ndarray:
    """Every rung of every run as ``(jobs, seconds per job, release, tail)``.

    A rung's jobs start no earlier than ``release`` (its run's earliest start
    plus the least time of the rungs below it) and leave at least ``tail``
    seconds after them (the rungs above, then the runs that wait for this one).
    ``barriers=False``: a rung waits only for the same model's job below it.
    """

    def parts(run):
        return [max(s, n * s / workers) if barriers else s for n, s in run.rungs]

    spans = [sum(parts(r)) for r in runs]
    work = [r.work for r in runs]
    starts = _run_starts(spans, work, lag, workers)
    after = [0.0] * len(runs)  # least time from a run's end to the search's end
    for k in range(len(runs) - 1, -1, -1):
        later = range(k + lag, len(runs))
        after[k] = max([0.0] + [spans[m] + after[m] for m in later] + [sum(work[m] for m in later) / workers])
    rows = []
    for k, run in enumerate(runs):
        p = parts(run)
        for i, (n, seconds) in enumerate(run.rungs):
            rows.append((n, seconds, starts[k] + sum(p[:i]), after[k] + sum(p[i + 1 :])))
    return np.array(rows)


def lower_bound(runs: list[RunCost], lag: int, workers: int, barriers: bool = True) -> float:
    """The tighter bound: the limit, :func:`ordered_bound`, and work windows at both ends.

    Any schedule of makespan ``T`` does, in its first ``t`` and last ``u``
    seconds (``t + u <= T``), at most ``W t + W u`` work, and of each rung's
    jobs at most what their release (first window) and tail (last window)
    leave room for; the rest needs ``(work - that) / W`` seconds in between. So
    ``T >= t + u + (work - outside(t, u)) / W``. Starting from bounds already
    proven, this is raised until no ``(t, u)`` raises it further.
    """
    n, seconds, release, tail = rung_windows(runs, lag, workers, barriers).T
    work = float((n * seconds).sum())
    longest = max(r.chain for r in runs)
    bound = max(work / workers, longest, ordered_bound(runs, lag, workers, barriers))
    while True:
        grid = np.linspace(0.0, bound, 201)
        ts = np.unique(np.concatenate([grid, release, release + seconds]))
        us = np.unique(np.concatenate([grid, tail, tail + seconds]))
        ts, us = ts[ts <= bound], us[us <= bound]
        front = n * np.clip(ts[:, None] - release, 0.0, seconds)  # work doable in [0, t], per rung
        back = n * np.clip(us[:, None] - tail, 0.0, seconds)  # work doable in [T - u, T]
        best = bound
        for t, f in zip(ts, front):
            fits = us <= bound - t
            u, b = us[fits], back[fits]
            outside = np.minimum.reduce(
                [
                    workers * (t + u),
                    np.minimum(n * seconds, f + b).sum(axis=1),
                    min(workers * t, f.sum()) + np.minimum(workers * u, b.sum(axis=1)),
                ]
            )
            best = max(best, float((t + u + (work - outside) / workers).max()))
        if best <= bound * (1 + 1e-9):
            return bound
        bound = best


# -- hbsearch's schedule in simulated time ---------------------------------------


def simulate(
    plan: Plan, workers: int, pf_seconds: float, score_seconds: float, random_state: int, halving: str
) -> dict | None:
    """hbsearch's driver on ``workers`` simulated workers, with no overhead.

    Draws the configurations the search draws (its seeds, as ``fit`` makes
    them), answers every job after ``calls x pf_seconds + score_seconds`` with
    :func:`simulated_score`, and gives a free worker the ready job of highest
    priority, as Dask is asked to. Among equal priorities, jobs go in the
    order hbsearch's engine submits them: jobs asked earlier first, and of
    the jobs of one ``ask`` the longest first. Returns the makespan and every job as ``(run, model, end_calls,
    start, end)``; None if this hbsearch's driver does not take ``halving``.
    """
    space = SearchSpace(SPACE)
    seeds = [int(s) for s in check_random_state(random_state).randint(2**31 - 1, size=3)]
    sampler = setup_sampler(make_sampler("random"), space, seeds[2])
    if halving == "synchronous":
        driver = Driver(plan, space, sampler)
    elif "halving" in inspect.signature(Driver).parameters:
        driver = Driver(plan, space, sampler, halving=halving)
    else:
        return None
    ready: list = []
    running: list = []
    jobs = []
    now, asks, order = 0.0, 0, 0
    def dispatch(seq, job):
        if job.start_calls == 0:
            driver.configure(job.model)  # drawn when its first job starts, as in the engine
        heapq.heappush(running, (now + job.n_calls * pf_seconds + score_seconds, seq, job, now))

    opened = not hasattr(SearchLoop, "_open")  # this hbsearch starts with the shortest jobs
    while True:
        for job in driver.ask():
            heapq.heappush(ready, (-job.priority, asks, -job.n_calls, order, job))
            order += 1
        asks += 1
        driver.pop_retired()
        if not opened and ready:
            # As the engine does: the shortest job on every worker first.
            opened = True
            first = heapq.nsmallest(workers, ready, key=lambda e: (e[-1].n_calls, e[:-1]))
            ready = [e for e in ready if all(e is not f for f in first)]
            heapq.heapify(ready)
            for *_, seq, job in first:
                dispatch(seq, job)
        while ready and len(running) < workers:
            *_, seq, job = heapq.heappop(ready)
            dispatch(seq, job)
        if not running:
            break
        now, _, job, start = heapq.heappop(running)
        finished = [(job, start)]
        while running and running[0][0] <= now + 1e-12:
            _, _, other, other_start = heapq.heappop(running)
            finished.append((other, other_start))
        for job, start in finished:
            model = driver.models[job.model]
            driver.tell(job.model, job.end_calls, simulated_score(model.params["x"], job.end_calls))
            jobs.append((model.bracket, job.model, job.end_calls, start, now))
    assert driver.done
    runs = [(run.iteration, run.bracket.bracket) for run in driver.brackets]
    return {"wall": now, "jobs": jobs, "runs": runs}


# -- what the fit did ------------------------------------------------------------


def fitted_jobs(search, plan: Plan) -> list[tuple]:
    """Every scored step as ``(run, model_id, end_calls, start, end)``.

    ``end`` is ``elapsed_wall_time`` (when the client had the score, counted
    from the start of the search loop, after the data is split) and ``start``
    is ``end`` minus the step's fit and score times. ``run`` indexes bracket
    runs in the driver's order (iteration by iteration); a model's iteration
    is read from its id ``bracket=<s>-<iteration x n + i>``.
    """
    sizes = {b.bracket: b.n_models for b in plan.brackets}
    position = {b.bracket: i for i, b in enumerate(plan.brackets)}
    out = []
    for h in search.history_:
        s = h["bracket"]
        rank = int(str(h["model_id"]).rsplit("-", 1)[1])
        run = (rank // sizes[s]) * len(plan.brackets) + position[s]
        end = h["elapsed_wall_time"]
        out.append((run, h["model_id"], h["partial_fit_calls"], end - h["partial_fit_time"] - h["score_time"], end))
    return out


def utilization(jobs: list[tuple], workers: int, wall: float) -> dict:
    """Busy and idle worker-seconds, and how long fewer than ``workers`` jobs ran."""
    busy = sum(end - start for *_, start, end in jobs)
    events = sorted([(start, 1) for *_, start, _ in jobs] + [(end, -1) for *_, end in jobs])
    under, level, last = 0.0, 0, 0.0
    for t, step in events:
        if level < workers:
            under += t - last
        level += step
        last = t
    under += max(wall - last, 0.0)
    return {"busy": busy, "idle": workers * wall - busy, "under_full": under}


def run_timeline(jobs: list[tuple], runs: list[tuple[int, int]]) -> list[dict]:
    """Per bracket run and rung: jobs, first start and last end (the rung's decision)."""
    table = []
    for index, (iteration, bracket) in enumerate(runs):
        mine = [j for j in jobs if j[0] == index]
        rungs = []
        for calls in sorted({j[2] for j in mine}):
            level = [j for j in mine if j[2] == calls]
            rungs.append(
                {
                    "calls": calls,
                    "jobs": len(level),
                    "first_start": min(j[3] for j in level),
                    "last_start": max(j[3] for j in level),
                    "last_end": max(j[4] for j in level),
                }
            )
        table.append({"iteration": iteration, "bracket": bracket, "rungs": rungs})
    return table


def print_timeline(title: str, table: list[dict]) -> None:
    print(f"    {title}: per bracket run, rung calls: jobs [first start - last start -> decided] (s)")
    for run in table:
        cells = "  ".join(
            f"{r['calls']}:{r['jobs']} [{r['first_start']:.2f}-{r['last_start']:.2f}->{r['last_end']:.2f}]"
            for r in run["rungs"]
        )
        print(f"      it{run['iteration']} s={run['bracket']}  {cells}")


# -- the benchmark -------------------------------------------------------------------


def fit_once(workers, n_iterations, halving, pf_seconds, score_seconds, n_blocks, random_state):
    """Wall seconds of one fit on a fresh cluster, and the search.

    Returns ``(None, reason)`` if this hbsearch refuses ``halving``.
    """
    from distributed import Client, LocalCluster

    kwargs = {} if halving == "synchronous" else {"halving": halving}
    try:
        search = HyperbandSearchCV(
            SleepyEstimator(pf_seconds=pf_seconds, score_seconds=score_seconds),
            SPACE,
            max_iter=MAX_ITER,
            aggressiveness=AGGRESSIVENESS,
            n_iterations=n_iterations,
            random_state=random_state,
            **kwargs,
        )
    except (TypeError, ValueError) as error:
        return None, f"{type(error).__name__}: {error}"
    X = np.arange(2 * N_ROWS, dtype=float).reshape(N_ROWS, 2)
    if n_blocks > 1:
        X = da.from_array(X, chunks=(-(-N_ROWS // n_blocks), 2))
    with LocalCluster(
        n_workers=workers,
        threads_per_worker=1,
        processes=False,
        dashboard_address=":0",
        silence_logs=logging.ERROR,
    ) as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        start = time.perf_counter()
        try:
            search.fit(X)
        except (TypeError, ValueError) as error:
            if "halving" not in str(error):
                raise
            return None, f"{type(error).__name__}: {error}"
        return time.perf_counter() - start, search


def _ratio(a: float, b: float) -> float | None:
    return a / b if b > 0 else None


def _cell(value: float | None, width: int, digits: int) -> str:
    return f"{'-':>{width}}" if value is None else f"{value:{width}.{digits}f}"


def load_results(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return json.loads(path.read_text())["runs"]


def save_results(path: Path, rows: list[dict], new: list[dict]) -> None:
    """Merge ``new`` into ``rows`` (same settings replace the old entry) and write them."""

    def key(r):
        return (r["time_scale"], r["n_blocks"], r["workers"], r["n_iterations"], r["halving"])

    merged = {key(r): r for r in rows}
    merged.update({key(r): r for r in new})
    path.parent.mkdir(parents=True, exist_ok=True)
    document = {
        "benchmark": "benchmarks/scaling.py",
        "settings": {
            "max_iter": MAX_ITER,
            "aggressiveness": AGGRESSIVENESS,
            "pf_seconds": PF_SECONDS,
            "score_seconds": SCORE_SECONDS,
            "target_wall_over_limit": TARGET,
        },
        "runs": sorted(merged.values(), key=key),
    }
    path.write_text(json.dumps(document, indent=1) + "\n")


def measure(args, plan: Plan, runs: list[RunCost], workers: int, halving: str) -> dict | None:
    """One fit of the benchmark: print the estimate, run it, check and print the outcome."""
    pf, sc = PF_SECONDS * args.time_scale, SCORE_SECONDS * args.time_scale
    n_iterations, lag = plan.n_iterations, len(plan.brackets)
    counts = plan_counts(plan)
    work = sum(r.work for r in runs)
    limit = physical_limit(plan, workers, pf, sc)
    barriers = halving == "synchronous"
    bound = lower_bound(runs, lag, workers, barriers=barriers)
    sim = simulate(plan, workers, pf, sc, args.random_state, halving)
    print(
        f"  W={workers} n_iterations={n_iterations} halving={halving}: limit {limit:.1f} s, bound {bound:.1f} s"
        + (f", hbsearch's schedule with no overhead {sim['wall']:.1f} s" if sim else "")
        + " ...",
        flush=True,
    )
    empty = None
    if args.overhead:
        empty, search = fit_once(workers, n_iterations, halving, 0.0, 0.0, args.blocks, args.random_state)
        if empty is None:
            print(f"    skipped: this hbsearch does not take halving={halving!r} ({search})")
            return None
    wall, search = fit_once(workers, n_iterations, halving, pf, sc, args.blocks, args.random_state)
    if wall is None:
        print(f"    skipped: this hbsearch does not take halving={halving!r} ({search})")
        return None
    n_scores = len(search.history_)
    n_calls = search.metadata_["partial_fit_calls"]
    if n_scores != counts["scores"] or n_calls != counts["partial_fit_calls"]:
        print(
            f"    note: the fit made {n_scores} scores and {n_calls} partial_fit calls, "
            f"the plan {counts['scores']} and {counts['partial_fit_calls']}"
        )
    jobs = fitted_jobs(search, plan)
    use = utilization(jobs, workers, wall)
    ratio = _ratio(wall, limit)
    hit = ratio is not None and ratio <= TARGET
    row = {
        "time_scale": args.time_scale,
        "n_blocks": args.blocks,
        "workers": workers,
        "n_iterations": n_iterations,
        "halving": halving,
        "pf_seconds": pf,
        "score_seconds": sc,
        "wall": wall,
        "limit": limit,
        "bound": bound,
        "sim": sim["wall"] if sim else None,
        "empty_fit": empty,
        "wall_over_limit": ratio,
        "wall_over_bound": _ratio(wall, bound),
        "hit": hit,
        "scores": n_scores,
        "planned_scores": counts["scores"],
        "partial_fit_calls": n_calls,
        "planned_partial_fit_calls": counts["partial_fit_calls"],
        "planned_work": work,
        "busy_worker_seconds": use["busy"],
        "idle_worker_seconds": use["idle"],
        "seconds_under_full": use["under_full"],
        "load_average": os.getloadavg()[0],
        "hbsearch": hbsearch.__version__,
    }
    row = {k: round(v, 4) if isinstance(v, float) else v for k, v in row.items()}
    print(
        f"    wall {wall:.2f} s = {_cell(ratio, 0, 3).strip()} x limit ({'hit' if hit else 'missed'})"
        + (f"; with no sleeps the fit takes {empty:.2f} s" if empty is not None else "")
        + f"; {n_scores} scores (plan {counts['scores']}); busy {use['busy']:.1f} worker-s "
        f"(planned work {work:.1f}) of {workers * wall:.1f}; load average {row['load_average']:.1f}",
        flush=True,
    )
    if args.timeline:
        print_timeline("fit", run_timeline(jobs, [(r.iteration, r.bracket) for r in runs]))
        if sim:
            print_timeline("no-overhead schedule", run_timeline(sim["jobs"], sim["runs"]))
    return row


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32])
    parser.add_argument("--n-iterations", type=int, nargs="+", default=[1, 3])
    parser.add_argument(
        "--halving", nargs="+", default=["synchronous", "asynchronous"], choices=["synchronous", "asynchronous"]
    )
    parser.add_argument(
        "--time-scale", type=float, default=1.0,
        help="multiplies both sleeps (1.0: 0.1 s per partial_fit, 0.15 s per score)",
    )
    parser.add_argument(
        "--blocks", type=int, default=1,
        help="1: a NumPy array (one block); more: a dask array in that many chunks",
    )
    parser.add_argument("--random-state", type=int, default=0)
    parser.add_argument(
        "--no-overhead", dest="overhead", action="store_false",
        help="skip the fit with no sleeps that measures hbsearch's and Dask's own time",
    )
    parser.add_argument("--timeline", action="store_true", help="print every bracket run's rungs over time")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    pf, sc = PF_SECONDS * args.time_scale, SCORE_SECONDS * args.time_scale
    print(
        f"hbsearch {hbsearch.__version__}: max_iter={MAX_ITER}, aggressiveness={AGGRESSIVENESS}, "
        f"partial_fit {pf * 1e3:.1f} ms, score {sc * 1e3:.1f} ms (time scale {args.time_scale:g}), "
        f"{args.blocks} block(s), random_state={args.random_state}"
    )
    estimate = 0.0
    for n_iterations in args.n_iterations:
        plan = hyperband_plan(MAX_ITER, AGGRESSIVENESS, n_iterations)
        runs = run_costs(plan, pf, sc)
        for workers in args.workers:
            for halving in args.halving:
                bound = lower_bound(runs, len(plan.brackets), workers, barriers=halving == "synchronous")
                sim = simulate(plan, workers, pf, sc, args.random_state, halving)
                estimate += max(bound, sim["wall"] if sim else 0.0)
    print(
        f"The fits take at least {estimate / 60:.1f} minutes (their lower bounds, or hbsearch's schedule "
        "with no overhead), plus overhead and the fits with no sleeps."
    )
    rows, new = load_results(args.output), []
    for n_iterations in args.n_iterations:
        plan = hyperband_plan(MAX_ITER, AGGRESSIVENESS, n_iterations)
        counts = plan_counts(plan)
        runs = run_costs(plan, pf, sc)
        print(
            f"\nn_iterations={n_iterations}: {plan.n_models} models, {counts['partial_fit_calls']} partial_fit "
            f"calls, {counts['scores']} scores; work {sum(r.work for r in runs):.1f} s, longest chain "
            f"{counts['chain_calls']} calls + {counts['chain_scores']} scores = "
            f"{counts['chain_calls'] * pf + counts['chain_scores'] * sc:.2f} s"
        )
        for workers in args.workers:
            for halving in args.halving:
                row = measure(args, plan, runs, workers, halving)
                if row is not None:
                    new.append(row)
                    save_results(args.output, rows, new)
    print(
        f"\n{'W':>3} {'iter':>4} {'halving':>12} {'wall s':>8} {'limit s':>8} {'bound s':>8} {'sim s':>8} "
        f"{'empty s':>8} {'wall/limit':>10} {'wall/bound':>10} {'sim/limit':>9} {'busy/work':>9} "
        f"{'util':>5}  target {TARGET}"
    )
    for r in new:
        print(
            f"{r['workers']:>3} {r['n_iterations']:>4} {r['halving']:>12} {r['wall']:8.2f} {r['limit']:8.2f} "
            f"{r['bound']:8.2f} {_cell(r['sim'], 8, 2)} {_cell(r['empty_fit'], 8, 2)} "
            f"{_cell(r['wall_over_limit'], 10, 3)} {_cell(r['wall_over_bound'], 10, 3)} "
            f"{_cell(_ratio(r['sim'], r['limit']) if r['sim'] is not None else None, 9, 3)} "
            f"{_cell(_ratio(r['busy_worker_seconds'], r['planned_work']), 9, 2)} "
            f"{r['busy_worker_seconds'] / (r['workers'] * r['wall']):5.0%}  {'hit' if r['hit'] else 'missed'}"
        )


if __name__ == "__main__":
    main()
