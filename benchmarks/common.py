"""Settings and result files shared by the runners (numpy 1.x or 2.x, no hbsearch)."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "results"

# Identical for every sampler and peer on a problem. The total partial_fit
# calls of one run are those of Hyperband's plan (357 calls per iteration at
# max_iter=27, aggressiveness=3); peers run until they have spent as many.
SETTINGS = {
    "branin": {"max_iter": 27, "aggressiveness": 3, "n_iterations": 8},
    "hartmann3": {"max_iter": 27, "aggressiveness": 3, "n_iterations": 8},
    "hartmann6": {"max_iter": 27, "aggressiveness": 3, "n_iterations": 8},
    "counting_ones": {"max_iter": 27, "aggressiveness": 3, "n_iterations": 8},
    "mlp": {"max_iter": 27, "aggressiveness": 3, "n_iterations": 4},
    # The same MLP with mlp_space's value lists as continuous distributions.
    "mlp_cont": {"max_iter": 27, "aggressiveness": 3, "n_iterations": 4},
    # scikit-learn tasks on the simulated path (problems.SKLEARN_TASKS).
    "sgd_clf": {"max_iter": 27, "aggressiveness": 3, "n_iterations": 4},
    "mlp_reg": {"max_iter": 27, "aggressiveness": 3, "n_iterations": 4},
}

CALLS_PER_ITERATION = {(27, 3): 357}


# hbsearch's methods: the only ones ``learning`` applies to.
HBSEARCH = ("random", "de", "bo", "tpe", "gp")
LEARNING = ("reproducible", "immediate")
DEFAULT_WORKERS, DEFAULT_LEARNING = 1, "reproducible"


def positive_int(text):
    """argparse type: an int >= 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive int")
    return value


def add_setting_arguments(parser):
    """The options that name a setting: --n-iterations, --workers, --learning."""
    parser.add_argument("--n-iterations", type=positive_int, default=None,
                        help="Hyperband iterations (and the peers' call budget); default: the problem's")
    parser.add_argument("--workers", type=positive_int, default=DEFAULT_WORKERS,
                        help="simulated workers (default 1)")
    parser.add_argument("--learning", choices=LEARNING, default=DEFAULT_LEARNING,
                        help="HyperbandOptimizer/HyperbandSearchCV(learning=...) for random, de, bo")


def n_iterations_of(problem, n_iterations=None):
    """``n_iterations``, or the problem's default from SETTINGS when None."""
    return SETTINGS[problem]["n_iterations"] if n_iterations is None else int(n_iterations)


def total_calls(problem, n_iterations=None):
    """partial_fit calls of one hbsearch run on ``problem`` (the peers' budget)."""
    s = SETTINGS[problem]
    return CALLS_PER_ITERATION[(s["max_iter"], s["aggressiveness"])] * n_iterations_of(problem, n_iterations)


def variant(problem, method, n_iterations=None, workers=DEFAULT_WORKERS, learning=DEFAULT_LEARNING):
    """Subdirectory of a non-default setting, e.g. ``"it2-w8-immediate"``; None for the default.

    ``learning`` only applies to hbsearch's methods: the other methods of an
    ``immediate`` setting share the directory of its ``reproducible`` twin
    (the default directory when iterations and workers are the defaults).
    """
    n = n_iterations_of(problem, n_iterations)
    if method not in HBSEARCH:
        learning = DEFAULT_LEARNING
    if n == SETTINGS[problem]["n_iterations"] and workers == DEFAULT_WORKERS and learning == DEFAULT_LEARNING:
        return None
    return f"it{n}-w{workers}" + ("" if learning == DEFAULT_LEARNING else f"-{learning}")


def run_settings(problem, method, n_iterations=None, workers=DEFAULT_WORKERS, learning=DEFAULT_LEARNING):
    """The ``settings`` stored in a result file: SETTINGS for the default, else with the options."""
    if variant(problem, method, n_iterations, workers, learning) is None:
        return SETTINGS[problem]
    if method not in HBSEARCH:
        learning = DEFAULT_LEARNING
    return {**SETTINGS[problem], "n_iterations": n_iterations_of(problem, n_iterations),
            "workers": int(workers), "learning": learning}


def result_path(problem, method, seed, variant=None):
    """``results/<problem>/<method>[/<variant>]/seedNN.json``."""
    base = RESULTS / problem / method
    return (base / variant if variant else base) / f"seed{seed:02d}.json"


class Trace:
    """Best full-budget result against cumulative partial_fit calls.

    The incumbent is the configuration with the best *observed* score among
    evaluations at ``max_iter`` (as HpBandSter's incumbent); ``regret`` is
    ``optimum - true(incumbent)``, where ``true`` is the noise-free
    full-fidelity score (equal to the observed one except for counting ones).
    A point is stored whenever the incumbent changes.

    With ``timed=True`` the runner keeps ``time`` (its simulated clock) up to
    date and every point also records it, in the parallel list ``times``
    (saved as ``"times"``; files without it ran on one worker, where the
    time of a point equals its calls).
    """

    def __init__(self, optimum, true_fn, timed=False):
        self.optimum, self.true_fn = optimum, true_fn
        self.calls = 0
        self.best = None
        self.points = []  # [calls, best observed score, regret]
        self.time = 0  # the simulated clock (set by the runner)
        self.times = [] if timed else None  # the clock at each point

    def spend(self, n):
        self.calls += int(n)

    def observe(self, params, score, full_budget):
        if not full_budget or score != score:
            return
        if self.best is None or score > self.best:
            self.best = float(score)
            true = float(self.true_fn(params)) if self.true_fn else self.best
            self.points.append([self.calls, self.best, float(self.optimum - true)])
            if self.times is not None:
                self.times.append(self.time)

    def save(self, problem, method, seed, extra=None, variant=None, settings=None):
        path = result_path(problem, method, seed, variant)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"problem": problem, "method": method, "seed": seed,
                "total_calls": self.calls, "optimum": self.optimum, "points": self.points,
                "settings": settings or SETTINGS[problem], **(extra or {})}
        if self.times is not None:
            data["times"] = self.times
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)
