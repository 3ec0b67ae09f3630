"""Run problem x method x seed and save one JSON per run under benchmarks/results/.

Methods: hbsearch's samplers "random", "de", "bo" and the peer "optuna"
(TPESampler + HyperbandPruner). The peer "dehb" runs in its own venv, see
``dehb_runner.py``. Runs whose JSON exists are skipped, so the script can be
stopped and started again.

Synthetic problems are driven through :class:`hbsearch.HyperbandOptimizer`
(the search's schedule, driver and samplers without Dask): each model's
estimator is kept between its trials and receives ``budget - start_budget``
partial_fit calls. The MLP uses :class:`hbsearch.HyperbandSearchCV` on an
in-process Dask cluster and reads ``history_``.

Usage::

    python benchmarks/samplers.py --problems branin hartmann3 --methods random de bo optuna --seeds 0-9
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SETTINGS, Trace, result_path, total_calls  # noqa: E402
from problems import (  # noqa: E402
    MLP_CHUNK,
    PROBLEMS,
    SyntheticEstimator,
    mlp_continuous_space,
    mlp_problem,
)

HBSEARCH = ("random", "de", "bo")


def model_seed(seed, index):
    """The noise seed of model ``index`` in run ``seed``."""
    return seed * 1_000_003 + index


def run_hbsearch_synthetic(problem, sampler, seed):
    """One HyperbandOptimizer run on a synthetic problem; returns its Trace."""
    from hbsearch import HyperbandOptimizer

    spec, s = PROBLEMS[problem], SETTINGS[problem]
    opt = HyperbandOptimizer(spec["space"](), max_iter=s["max_iter"],
                             aggressiveness=s["aggressiveness"], sampler=sampler,
                             n_iterations=s["n_iterations"], random_state=seed)
    trace = Trace(spec["optimum"], spec["true"])
    models = {}
    while not opt.done:
        trial = opt.ask()
        if trial is None:  # cannot happen when every trial is told at once
            raise RuntimeError("ask() returned None with nothing pending")
        key = trial._model
        if key not in models:
            models[key] = SyntheticEstimator(problem, s["max_iter"], seed=model_seed(seed, len(models)),
                                             **trial.params)
        est = models[key]
        if est.calls_ != trial.start_budget:
            raise RuntimeError(f"{trial.model_id}: has {est.calls_} calls, trial starts at {trial.start_budget}")
        for _ in range(trial.budget - trial.start_budget):
            est.partial_fit()
        trace.spend(trial.budget - trial.start_budget)
        score = est.score()
        opt.tell(trial, score)
        trace.observe(trial.params, score, trial.budget == s["max_iter"])
    return trace


def _suggest(trial, name, dist):
    """Optuna suggestion for one entry of our search space."""
    if isinstance(dist, list):
        return trial.suggest_categorical(name, dist)
    lo, hi = dist.support()
    return trial.suggest_float(name, float(lo), float(hi))


def run_optuna_synthetic(problem, seed):
    """TPE + HyperbandPruner, one report per partial_fit call, until our call count is spent."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    spec, s = PROBLEMS[problem], SETTINGS[problem]
    max_iter, budget = s["max_iter"], total_calls(problem)
    space = spec["space"]()
    study = optuna.create_study(
        study_name=f"{problem}-{seed}", direction="maximize",
        sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.HyperbandPruner(min_resource=1, max_resource=max_iter,
                                              reduction_factor=s["aggressiveness"]))
    trace = Trace(spec["optimum"], spec["true"])
    n = 0
    while trace.calls < budget:
        trial = study.ask()
        params = {name: _suggest(trial, name, dist) for name, dist in space.items()}
        est = SyntheticEstimator(problem, max_iter, seed=model_seed(seed, n), **params)
        n += 1
        state = None
        for step in range(1, max_iter + 1):
            est.partial_fit()
            trace.spend(1)
            score = est.score()
            trial.report(score, step)
            if step == max_iter:
                break
            if trial.should_prune() or trace.calls >= budget:
                state = optuna.trial.TrialState.PRUNED
                break
        if state is None:
            study.tell(trial, score)
            trace.observe(params, score, True)
        else:
            study.tell(trial, state=state)
    return trace, {"n_trials": n}


def run_hbsearch_mlp(sampler, seed, problem="mlp"):
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
                               n_iterations=s["n_iterations"], random_state=seed)
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


def run_optuna_mlp(seed):
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
    max_iter, budget = s["max_iter"], total_calls("mlp")
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


def run_one(problem, method, seed):
    if result_path(problem, method, seed).exists():
        return
    start = time.perf_counter()
    extra = {}
    if problem == "mlp_cont":
        if method not in HBSEARCH:
            print(f"skip {problem}/{method}: its Optuna run is the same as on mlp", flush=True)
            return
        trace, extra = run_hbsearch_mlp(method, seed, problem)
    elif problem == "mlp":
        if method == "optuna":
            trace, extra = run_optuna_mlp(seed)
        elif method in HBSEARCH:
            trace, extra = run_hbsearch_mlp(method, seed)
        else:
            print(f"skip {problem}/{method}: not run on the MLP", flush=True)
            return
    elif method in HBSEARCH:
        trace = run_hbsearch_synthetic(problem, method, seed)
    elif method == "optuna":
        trace, extra = run_optuna_synthetic(problem, seed)
    else:
        raise ValueError(f"unknown method {method!r} (dehb runs via dehb_runner.py)")
    extra["seconds"] = round(time.perf_counter() - start, 2)
    trace.save(problem, method, seed, extra)
    final = trace.points[-1][2] if trace.points else float("nan")
    print(f"{problem:14s} {method:7s} seed {seed:2d}: regret {final:.4g} "
          f"calls {trace.calls} ({extra['seconds']} s)", flush=True)


def parse_seeds(text):
    if "-" in text:
        lo, hi = text.split("-")
        return list(range(int(lo), int(hi) + 1))
    return [int(t) for t in text.split(",")]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=[p for p in SETTINGS if p != "mlp_cont"])
    parser.add_argument("--methods", nargs="+", default=[*HBSEARCH, "optuna"])
    parser.add_argument("--seeds", default="0-9", help="e.g. 0-9 or 0,3,5")
    args = parser.parse_args(argv)
    # Seeds outermost, so a stopped run still has every method on the first seeds.
    for seed in parse_seeds(args.seeds):
        for problem in args.problems:
            for method in args.methods:
                run_one(problem, method, seed)


if __name__ == "__main__":
    main()
