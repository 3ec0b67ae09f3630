"""Where do the learning samplers put their proposals? (evidence for samplers.md)

1. Per Hyperband iteration, the median true regret of the configurations the
   sampler proposed (all brackets of the iteration, 49 new models each at
   max_iter=27), median over seeds 0-9. Iteration 0 is the same random draw
   for every sampler.
2. For the first learning iteration (iteration 1), the share of proposals
   with a unit-cube coordinate within 0.02 of the boundary (uniform: about
   ``1 - 0.96**d``), and what the "bo" model was built on, seeds 0-19.

Usage::

    python benchmarks/diagnose_samplers.py   # a few minutes
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from problems import PROBLEMS, SyntheticEstimator  # noqa: E402

MAX_ITER, NEW_PER_ITERATION = 27, 49


def run(problem, sampler, seed, n_iterations):
    """One run; returns (asks after construction: [(model info, vectors)], regrets of new models)."""
    from hbsearch import HyperbandOptimizer

    spec = PROBLEMS[problem]
    opt = HyperbandOptimizer(spec["space"](), max_iter=MAX_ITER, aggressiveness=3, sampler=sampler,
                             n_iterations=n_iterations, random_state=seed)
    # The first iteration's brackets are asked for when the optimizer is built;
    # from here on every ask is a later iteration's bracket run.
    log, smp = [], opt.sampler
    original = smp.ask

    def ask(n, **kwargs):
        model = getattr(smp, "model_", None)
        vectors = original(n, **kwargs)
        info = (model[0], len(smp.observations_[model[0]][1]), len(model[1].data)) if model else None
        log.append((info, vectors))
        return vectors

    smp.ask = ask
    models, regrets = {}, []
    while not opt.done:
        t = opt.ask()
        if t._model not in models:
            models[t._model] = SyntheticEstimator(problem, MAX_ITER, seed=seed * 1_000_003 + len(models),
                                                  **t.params)
            regrets.append(spec["optimum"] - spec["true"](t.params))
        est = models[t._model]
        for _ in range(t.budget - t.start_budget):
            est.partial_fit()
        opt.tell(t, est.score())
    return log, np.array(regrets)


def main():
    print("1. median regret of newly proposed configurations per iteration (seeds 0-9)")
    for problem in ["branin", "hartmann3", "hartmann6", "counting_ones"]:
        for sampler in ["random", "de", "bo", "tpe"]:
            per_seed = []
            for seed in range(10):
                _, regrets = run(problem, sampler, seed, 8)
                per_seed.append([np.median(regrets[i * NEW_PER_ITERATION:(i + 1) * NEW_PER_ITERATION])
                                 for i in range(8)])
            print(f"  {problem:13s} {sampler:6s}", np.round(np.median(per_seed, axis=0), 3))
    print("2. iteration 1: share of proposals within 0.02 of the boundary (seeds 0-19)")
    for problem in ["branin", "hartmann3"]:
        for sampler in ["random", "bo"]:
            edge, med = [], []
            for seed in range(20):
                log, regrets = run(problem, sampler, seed, 3)
                V = np.vstack([v for _, v in log[0:4]])
                edge.append(np.mean(np.any((V < 0.02) | (V > 0.98), axis=1)))
                med.append(np.median(regrets[NEW_PER_ITERATION:2 * NEW_PER_ITERATION]))
            print(f"  {problem:13s} {sampler:6s} boundary share {np.mean(edge):.2f}, "
                  f"median regret of its proposals {np.median(med):.3g}")
            if sampler == "bo":
                print("    bo model per run of iteration 1 (budget, observations, good set):",
                      [info for info, _ in log[0:4]])


if __name__ == "__main__":
    main()
