"""Settings and result files shared by the runners (numpy 1.x or 2.x, no hbsearch)."""

from __future__ import annotations

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
}

CALLS_PER_ITERATION = {(27, 3): 357}


def total_calls(problem):
    """partial_fit calls of one hbsearch run on ``problem`` (the peers' budget)."""
    s = SETTINGS[problem]
    return CALLS_PER_ITERATION[(s["max_iter"], s["aggressiveness"])] * s["n_iterations"]


def result_path(problem, method, seed):
    return RESULTS / problem / method / f"seed{seed:02d}.json"


class Trace:
    """Best full-budget result against cumulative partial_fit calls.

    The incumbent is the configuration with the best *observed* score among
    evaluations at ``max_iter`` (as HpBandSter's incumbent); ``regret`` is
    ``optimum - true(incumbent)``, where ``true`` is the noise-free
    full-fidelity score (equal to the observed one except for counting ones).
    A point is stored whenever the incumbent changes.
    """

    def __init__(self, optimum, true_fn):
        self.optimum, self.true_fn = optimum, true_fn
        self.calls = 0
        self.best = None
        self.points = []  # [calls, best observed score, regret]

    def spend(self, n):
        self.calls += int(n)

    def observe(self, params, score, full_budget):
        if not full_budget or score != score:
            return
        if self.best is None or score > self.best:
            self.best = float(score)
            true = float(self.true_fn(params)) if self.true_fn else self.best
            self.points.append([self.calls, self.best, float(self.optimum - true)])

    def save(self, problem, method, seed, extra=None):
        path = result_path(problem, method, seed)
        path.parent.mkdir(parents=True, exist_ok=True)
        data = {"problem": problem, "method": method, "seed": seed,
                "total_calls": self.calls, "optimum": self.optimum, "points": self.points,
                "settings": SETTINGS[problem], **(extra or {})}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, path)
