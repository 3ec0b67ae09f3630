"""Run problem x method x seed and save one JSON per run under benchmarks/results/.

Methods: hbsearch's samplers "random", "de", "bo", "tpe", the peers "optuna"
(TPESampler + HyperbandPruner) and "optuna_gp" (GPSampler + HyperbandPruner,
synthetic problems only; needs PyTorch, see README.md) and the baseline "topk" (every configuration
one call, the best K on to max_iter; not on the MLP). The peer
"dehb" runs in its own venv, see ``dehb_runner.py``. Runs whose JSON exists
are skipped, so the script can be stopped and started again.

Synthetic problems are driven through :class:`hbsearch.HyperbandOptimizer`
(the search's schedule, driver and samplers without Dask): each model's
estimator is kept between its trials and receives ``budget - start_budget``
partial_fit calls. They run on ``--workers`` simulated workers (one partial_fit
call = one time unit, see :func:`run_simulated`). The scikit-learn tasks
``sgd_clf`` and ``mlp_reg`` (``problems.SKLEARN_TASKS``) take the same path
with a real estimator per model (``problems.TaskEstimator``: one partial_fit
call trains on one data block, the score is the validation accuracy or R^2)
and every method; they are not in the default ``--problems``. The MLP uses
:class:`hbsearch.HyperbandSearchCV` on an in-process Dask cluster and reads
``history_``.

``--n-iterations``, ``--workers`` and ``--learning`` other than the defaults
(the problem's SETTINGS, 1, "reproducible") write to
``results/<problem>/<method>/it<N>-w<W>[-immediate]/`` (``common.variant``).

Usage::

    python benchmarks/samplers.py --problems branin hartmann3 --methods random de bo optuna --seeds 0-9
    python benchmarks/samplers.py --problems branin --methods random bo topk optuna --seeds 0-9 \
        --n-iterations 2 --workers 8
    python benchmarks/samplers.py --problems sgd_clf mlp_reg --methods random de bo topk optuna --seeds 0-9
"""

from __future__ import annotations

import argparse
import contextlib
import heapq
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import (  # noqa: E402
    DEFAULT_LEARNING,
    DEFAULT_WORKERS,
    HBSEARCH,
    SETTINGS,
    Trace,
    add_setting_arguments,
    n_iterations_of,
    result_path,
    run_settings,
    total_calls,
    variant,
)
from problems import (  # noqa: E402
    MLP_CHUNK,
    PROBLEMS,
    SKLEARN_TASKS,
    SyntheticEstimator,
    TaskEstimator,
    block_order,
    mlp_continuous_space,
    mlp_problem,
    sklearn_task,
)


def model_seed(seed, index):
    """The noise seed of model ``index`` in run ``seed``."""
    return seed * 1_000_003 + index


def problem_spec(problem):
    """``space`` (a callable), ``optimum`` and ``true`` of a problem run through the simulated path.

    The scikit-learn tasks have no known optimum: ``optimum`` 1 and no
    ``true``, so regret = 1 - the observed validation score.
    """
    if problem in SKLEARN_TASKS:
        return {"space": SKLEARN_TASKS[problem]["space"], "optimum": 1.0, "true": None}
    return PROBLEMS[problem]


def model_factory(problem, seed):
    """``make(index, params)``: the estimator of model ``index`` (draw order) in run ``seed``.

    Synthetic problems: a :class:`SyntheticEstimator` with the model's noise
    seed. scikit-learn tasks: a :class:`TaskEstimator` with ``random_state``
    = that seed, cycling through the training blocks in the run's order.
    """
    max_iter = SETTINGS[problem]["max_iter"]
    if problem in SKLEARN_TASKS:
        order = block_order(len(sklearn_task(problem).blocks), seed)
        return lambda index, params: TaskEstimator(problem, order, seed=model_seed(seed, index), **params)
    return lambda index, params: SyntheticEstimator(problem, max_iter, seed=model_seed(seed, index), **params)


def run_simulated(opt, problem, seed, trace, workers=1):
    """Run an ask/tell optimizer on ``workers`` simulated workers; returns the final clock.

    Up to ``workers`` trials are outstanding: ``opt.ask()`` is called while
    fewer are and it returns a trial (None: nothing can start until a result
    is told). A trial costs ``budget - start_budget`` time units (one per
    partial_fit call); the outstanding trial that finishes first on the
    clock (ties: the one asked first) is told next. ``trace.calls`` counts
    the calls done by the clock's time (the outstanding trials' calls are
    spent as the clock passes), ``trace.time`` is the clock. With one worker
    this is ask, train, tell, one trial after the other.
    """
    max_iter = SETTINGS[problem]["max_iter"]
    make = model_factory(problem, seed)
    models = {}
    running = []  # heap of (finish time, ask order, trial, estimator)
    now = asked = 0
    while not opt.done:
        while len(running) < workers:
            trial = opt.ask()
            if trial is None:
                break
            key = trial._model
            if key not in models:
                models[key] = make(len(models), trial.params)
            est = models[key]
            if est.calls_ != trial.start_budget:
                raise RuntimeError(f"{trial.model_id}: has {est.calls_} calls, "
                                   f"trial starts at {trial.start_budget}")
            cost = trial.budget - trial.start_budget
            for _ in range(cost):  # the score depends only on the model's calls: train now
                est.partial_fit()
            heapq.heappush(running, (now + cost, asked, trial, est))
            asked += 1
        if not running:
            raise RuntimeError("ask() returned None with nothing outstanding")
        finish, _, trial, est = heapq.heappop(running)
        trace.spend((len(running) + 1) * (finish - now))  # every outstanding trial ran until then
        now = trace.time = finish
        score = est.score()
        opt.tell(trial, score)
        trace.observe(trial.params, score, trial.budget == max_iter)
    return now


def run_hbsearch_synthetic(problem, sampler, seed, n_iterations=None, workers=DEFAULT_WORKERS,
                           learning=DEFAULT_LEARNING):
    """One HyperbandOptimizer run on a synthetic problem or task; returns its Trace and extras."""
    from hbsearch import HyperbandOptimizer

    spec, s = problem_spec(problem), SETTINGS[problem]
    opt = HyperbandOptimizer(spec["space"](), max_iter=s["max_iter"],
                             aggressiveness=s["aggressiveness"], sampler=sampler,
                             n_iterations=n_iterations_of(problem, n_iterations),
                             learning=learning, random_state=seed)
    trace = Trace(spec["optimum"], spec["true"], timed=workers > 1)
    end = run_simulated(opt, problem, seed, trace, workers)
    return trace, ({"time": end} if workers > 1 else {})


def topk_sizes(total, max_iter):
    """``(n, k)``: draw ``n``, keep ``k``, with ``n + k (max_iter - 1) == total`` calls."""
    k = max(1, total // (2 * max_iter))
    return total - k * (max_iter - 1), k


class TopK:
    """The baseline "train all one epoch, keep the top K" as an ask/tell optimizer.

    Every configuration gets a trial of budget 1; once all are told, the
    ``k`` best (ties: drawn first; NaN last) get a trial from 1 to
    ``max_iter``. ``ask`` returns None while the first round is outstanding.
    """

    def __init__(self, configs, k, max_iter):
        from hbsearch import Trial

        self._trial, self.configs, self.k, self.max_iter = Trial, list(configs), int(k), max_iter
        self._ready = [self._make(i, 1, 0) for i in range(len(self.configs))][::-1]
        self._first = {}  # index -> score of the 1-call trial
        self._final = 0

    def _make(self, i, budget, start):
        return self._trial(model_id=f"topk-{i}", params=self.configs[i], budget=budget,
                           start_budget=start, bracket=0, _model=i)

    @property
    def done(self):
        return self._final == min(self.k, len(self.configs))

    def ask(self):
        return self._ready.pop() if self._ready else None

    def tell(self, trial, score):
        if trial.budget < self.max_iter:
            self._first[trial._model] = score if score == score else -np.inf
            if len(self._first) == len(self.configs):
                best = sorted(self._first, key=lambda i: (-self._first[i], i))[:self.k]
                self._ready = [self._make(i, self.max_iter, 1) for i in best][::-1]
        else:
            self._final += 1


def run_topk_synthetic(problem, seed, n_iterations=None, workers=DEFAULT_WORKERS):
    """The top-K baseline with the calls of one hbsearch run; uniform draws of the space."""
    from hbsearch import SearchSpace

    spec, max_iter = problem_spec(problem), SETTINGS[problem]["max_iter"]
    n, k = topk_sizes(total_calls(problem, n_iterations), max_iter)
    opt = TopK(SearchSpace(spec["space"]()).sample(n, random_state=seed), k, max_iter)
    trace = Trace(spec["optimum"], spec["true"], timed=workers > 1)
    end = run_simulated(opt, problem, seed, trace, workers)
    return trace, {"n_configs": n, "k": k, **({"time": end} if workers > 1 else {})}


def _suggest(trial, name, dist):
    """Optuna's equivalent of one entry of our search space.

    A list: ``suggest_categorical`` (of the indices when a value is not
    None, bool, int, float or str, e.g. layer tuples); ``uniform(a, w)``:
    ``suggest_float(a, a + w)``; ``loguniform(a, b)``: ``suggest_float(a, b,
    log=True)``.
    """
    from scipy.stats import loguniform, uniform

    if isinstance(dist, list):
        if all(v is None or isinstance(v, (bool, int, float, str)) for v in dist):
            return trial.suggest_categorical(name, dist)
        return dist[trial.suggest_categorical(name, list(range(len(dist))))]
    kind = type(getattr(dist, "dist", None))
    if kind not in (type(uniform), type(loguniform)):
        raise ValueError(f"{name}: no Optuna equivalent for {dist!r} (uniform or loguniform)")
    lo, hi = dist.support()
    if kind is type(loguniform):
        return trial.suggest_float(name, float(lo), float(hi), log=True)
    return trial.suggest_float(name, float(lo), float(hi))


OPTUNA = ("optuna", "optuna_gp")


def _optuna_sampler(method, seed, workers):
    """Optuna's sampler for a peer method: "optuna" is TPE, "optuna_gp" GPSampler (needs torch)."""
    import optuna

    if method == "optuna_gp":
        # GPSampler models COMPLETE trials only: under the pruner, the ones that reached max_iter.
        return optuna.samplers.GPSampler(seed=seed)
    return (optuna.samplers.TPESampler(seed=seed, constant_liar=True) if workers > 1
            else optuna.samplers.TPESampler(seed=seed))


def run_optuna_synthetic(problem, seed, n_iterations=None, workers=DEFAULT_WORKERS, method="optuna"):
    """Optuna's sampler + HyperbandPruner, one report per partial_fit call, until our call count is spent.

    Up to ``workers`` trials run at once (``constant_liar=True`` when more
    than one): each time unit every running trial, in ask order, makes one
    partial_fit call, reports it and is pruned or completed as with one
    worker; free workers ask for new trials at the start of the next unit
    while calls remain. When the calls run out, the trials still running stop
    (pruned). With one worker this is trial after trial, as before.
    """
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spec, s = problem_spec(problem), SETTINGS[problem]
    max_iter, budget = s["max_iter"], total_calls(problem, n_iterations)
    space = spec["space"]()
    make = model_factory(problem, seed)
    study = optuna.create_study(
        study_name=f"{problem}-{seed}", direction="maximize",
        sampler=_optuna_sampler(method, seed, workers),
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_iter,
                                              reduction_factor=s["aggressiveness"]))
    pruned = optuna.trial.TrialState.PRUNED
    trace = Trace(spec["optimum"], spec["true"], timed=workers > 1)
    running = []  # [trial, params, estimator, steps done], in ask order
    n = now = 0
    while True:
        while len(running) < workers and trace.calls < budget:
            trial = study.ask()
            params = {name: _suggest(trial, name, dist) for name, dist in space.items()}
            running.append([trial, params, make(n, params), 0])
            n += 1
        if not running:
            break
        now = trace.time = now + 1
        still = []
        for trial, params, est, step in running:
            if trace.calls >= budget:  # spent by the trials before it in this time unit
                study.tell(trial, state=pruned)
                continue
            step += 1
            est.partial_fit()
            trace.spend(1)
            score = est.score()
            trial.report(score, step)
            if step == max_iter:
                study.tell(trial, score)
                trace.observe(params, score, True)
            elif trial.should_prune() or trace.calls >= budget:
                study.tell(trial, state=pruned)
            else:
                still.append([trial, params, est, step])
        running = still
    return trace, {"n_trials": n, **({"time": now} if workers > 1 else {})}


def run_hbsearch_mlp(sampler, seed, problem="mlp", n_iterations=None, learning=DEFAULT_LEARNING):
    """HyperbandSearchCV on the circles MLP, on an in-process 2-worker Dask cluster."""
    import dask.array as da
    from distributed import Client

    from hbsearch import HyperbandSearchCV

    s = SETTINGS[problem]
    model, space, X, y = mlp_problem(random_state=0)
    if problem == "mlp_cont":
        space = mlp_continuous_space()
    Xd = da.from_array(X, chunks=(MLP_CHUNK, -1))
    yd = da.from_array(y, chunks=MLP_CHUNK)
    search = HyperbandSearchCV(model, space, max_iter=s["max_iter"],
                               aggressiveness=s["aggressiveness"], sampler=sampler,
                               n_iterations=n_iterations_of(problem, n_iterations),
                               learning=learning, random_state=seed)
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=None):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            search.fit(Xd, yd, classes=[0, 1, 2, 3])
    # Cumulative calls in the order scores arrived: each record adds the
    # calls its model received since its previous record.
    trace = Trace(1.0, None)
    last = {}
    for rec in sorted(search.history_, key=lambda r: r["elapsed_wall_time"]):
        calls = rec["partial_fit_calls"]
        trace.spend(calls - last.get(rec["model_id"], 0))
        last[rec["model_id"]] = calls
        trace.observe(rec["params"], rec["score"], calls == s["max_iter"])
    return trace, {"planned_calls": search.metadata["partial_fit_calls"]}


def _mlp_suggest(trial):
    """Optuna's view of ``mlp_space``: the log-spaced/linear lists as float ranges."""
    from hbsearch.demo import mlp_space

    layers = mlp_space()["hidden_layer_sizes"]
    return {
        "hidden_layer_sizes": layers[trial.suggest_categorical("layers", list(range(len(layers))))],
        "alpha": trial.suggest_float("alpha", 1e-6, 1e-3, log=True),
        "batch_size": trial.suggest_categorical("batch_size", [32, 64, 128, 256, 512]),
        "learning_rate": trial.suggest_categorical("learning_rate", ["constant", "invscaling"]),
        "learning_rate_init": trial.suggest_float("learning_rate_init", 1e-4, 1e-2, log=True),
        "power_t": trial.suggest_float("power_t", 0.1, 0.9),
        "momentum": trial.suggest_float("momentum", 0.0, 1.0),
    }


def run_optuna_mlp(seed, n_iterations=None):
    """TPE + HyperbandPruner on the MLP, without Dask, under the same protocol.

    The same data and blocks; each block keeps ``1 / n_blocks`` of its rows
    for validation (as the search does by default, but not the identical
    rows), a model's ``k``-th call trains on training block ``k mod n_blocks``
    (blocks in a seeded order), its score is the validation accuracy.
    """
    import optuna
    from sklearn.base import clone
    from sklearn.model_selection import train_test_split

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    s = SETTINGS["mlp"]
    max_iter, budget = s["max_iter"], total_calls("mlp", n_iterations)
    model, _space, X, y = mlp_problem(random_state=0)
    n_blocks = len(y) // MLP_CHUNK
    rng = np.random.RandomState(seed)
    train, X_val, y_val = [], [], []
    for b in range(n_blocks):
        Xb, yb = X[b * MLP_CHUNK:(b + 1) * MLP_CHUNK], y[b * MLP_CHUNK:(b + 1) * MLP_CHUNK]
        Xt, Xv, yt, yv = train_test_split(Xb, yb, test_size=1 / n_blocks, random_state=rng)
        train.append((Xt, yt))
        X_val.append(Xv)
        y_val.append(yv)
    X_val, y_val = np.vstack(X_val), np.concatenate(y_val)
    order = rng.permutation(n_blocks)
    study = optuna.create_study(
        study_name=f"mlp-{seed}", direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_iter,
                                              reduction_factor=s["aggressiveness"]))
    trace = Trace(1.0, None)
    n = 0
    while trace.calls < budget:
        trial = study.ask()
        params = _mlp_suggest(trial)
        est = clone(model).set_params(**params)
        n += 1
        pruned = False
        for step in range(1, max_iter + 1):
            Xt, yt = train[order[(step - 1) % n_blocks]]
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                est.partial_fit(Xt, yt, classes=[0, 1, 2, 3])
            trace.spend(1)
            score = est.score(X_val, y_val)
            trial.report(score, step)
            if step == max_iter:
                break
            if trial.should_prune() or trace.calls >= budget:
                pruned = True
                break
        if pruned:
            study.tell(trial, state=optuna.trial.TrialState.PRUNED)
        else:
            study.tell(trial, score)
            trace.observe(params, score, True)
    return trace, {"n_trials": n}


def _one_thread():
    from threadpoolctl import threadpool_limits

    return threadpool_limits(1)


def run_one(problem, method, seed, n_iterations=None, workers=DEFAULT_WORKERS, learning=DEFAULT_LEARNING):
    if method not in (*HBSEARCH, *OPTUNA, "topk"):
        raise ValueError(f"unknown method {method!r} (dehb runs via dehb_runner.py)")
    var = variant(problem, method, n_iterations, workers, learning)
    if result_path(problem, method, seed, var).exists():
        return
    start = time.perf_counter()
    extra = {}
    if problem in ("mlp", "mlp_cont"):
        if workers != 1:
            print(f"skip {problem}/{method}: the MLP runs on a real Dask cluster, "
                  "--workers only simulates the synthetic problems", flush=True)
            return
        if problem == "mlp_cont" and method not in HBSEARCH:
            print(f"skip {problem}/{method}: its Optuna run is the same as on mlp", flush=True)
            return
        if method == "optuna_gp":
            print(f"skip {problem}/{method}: GPSampler is run on the synthetic problems only", flush=True)
            return
        if method == "optuna":
            trace, extra = run_optuna_mlp(seed, n_iterations)
        elif method in HBSEARCH:
            trace, extra = run_hbsearch_mlp(method, seed, problem, n_iterations, learning)
        else:
            print(f"skip {problem}/{method}: not run on the MLP", flush=True)
            return
    else:
        # The scikit-learn tasks on one BLAS/OpenMP thread: a run uses one core.
        with _one_thread() if problem in SKLEARN_TASKS else contextlib.nullcontext():
            if method in HBSEARCH:
                trace, extra = run_hbsearch_synthetic(problem, method, seed, n_iterations, workers, learning)
            elif method in OPTUNA:
                trace, extra = run_optuna_synthetic(problem, seed, n_iterations, workers, method)
            else:
                trace, extra = run_topk_synthetic(problem, seed, n_iterations, workers)
    extra["seconds"] = round(time.perf_counter() - start, 2)
    trace.save(problem, method, seed, extra, variant=var,
               settings=run_settings(problem, method, n_iterations, workers, learning))
    final = trace.points[-1][2] if trace.points else float("nan")
    clock = f" time {extra['time']}" if "time" in extra else ""
    print(f"{problem:14s} {method:7s} seed {seed:2d}: regret {final:.4g} "
          f"calls {trace.calls}{clock} ({extra['seconds']} s)" + (f" [{var}]" if var else ""), flush=True)


def parse_seeds(text):
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(t) for t in text.split(",")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", choices=list(SETTINGS), metavar="PROBLEM",
                        default=[p for p in SETTINGS if p != "mlp_cont" and p not in SKLEARN_TASKS],
                        help="default: all but mlp_cont and the scikit-learn tasks (sgd_clf, mlp_reg)")
    parser.add_argument("--methods", nargs="+", default=[*HBSEARCH, "optuna"])
    parser.add_argument("--seeds", default="0-9", help="e.g. 0-9 or 0,3,5")
    add_setting_arguments(parser)
    args = parser.parse_args(argv)
    # Seeds outermost, so a stopped run still has every method on the first seeds.
    for seed in parse_seeds(args.seeds):
        for problem in args.problems:
            for method in args.methods:
                run_one(problem, method, seed, args.n_iterations, args.workers, args.learning)


if __name__ == "__main__":
    main()
