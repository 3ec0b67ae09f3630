"""The ``dehb`` package (v0.1.2) on the synthetic problems, in its own numpy<2 venv.

DEHB evaluates every (configuration, fidelity) from scratch: a job at
fidelity ``f`` costs ``round(f)`` partial_fit calls on a fresh model, and the
run stops once the calls spent reach hbsearch's total for the problem
(a last job that would overshoot the total is not evaluated). Same min/max fidelity (1, max_iter) and eta as hbsearch, DEHB's
default DE settings, ``n_workers=1``, ask/tell.

Usage (see README.md for the venv)::

    .venv-dehb/bin/python benchmarks/dehb_runner.py --problems branin hartmann3 --seeds 0-9
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import SETTINGS, Trace, positive_int, result_path, run_settings, total_calls, variant  # noqa: E402
from problems import PROBLEMS  # noqa: E402


def config_space(problem, seed):
    """A ConfigSpace with the problem's dimensions (floats and categoricals)."""
    import ConfigSpace as CS

    cs = CS.ConfigurationSpace(seed=seed)
    for name, bound in PROBLEMS[problem]["bounds"].items():
        if isinstance(bound, list):
            cs.add(CS.CategoricalHyperparameter(name, bound))
        else:
            cs.add(CS.UniformFloatHyperparameter(name, lower=bound[0], upper=bound[1]))
    return cs


def run_dehb(problem, seed, n_iterations=None):
    from dehb import DEHB

    spec, s = PROBLEMS[problem], SETTINGS[problem]
    max_iter, budget = s["max_iter"], total_calls(problem, n_iterations)
    out = tempfile.mkdtemp(prefix=f"dehb-{problem}-{seed}-")
    opt = DEHB(cs=config_space(problem, seed), f=None, dimensions=len(spec["bounds"]),
               min_fidelity=1, max_fidelity=max_iter, eta=s["aggressiveness"], n_workers=1,
               seed=seed, output_path=out, log_level="ERROR", save_freq="end")
    trace = Trace(spec["optimum"], spec["true"])
    n = 0
    while trace.calls < budget:
        job = opt.ask()
        calls = int(round(job["fidelity"]))
        params = {k: (int(v) if isinstance(spec["bounds"][k], list) else float(v))
                  for k, v in dict(job["config"]).items()}
        if trace.calls + calls > budget:  # cannot be paid for in full: not counted
            trace.spend(budget - trace.calls)
            break
        score = spec["evaluate"](params, calls, seed * 1_000_003 + n, max_iter)
        n += 1
        trace.spend(calls)
        opt.tell(job, {"fitness": -score, "cost": calls})
        trace.observe(params, score, calls == max_iter)
    return trace, {"n_evaluations": n}


def main(argv=None):
    logging.disable(logging.WARNING)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--problems", nargs="+", default=[p for p in PROBLEMS if "bounds" in PROBLEMS[p]])
    parser.add_argument("--seeds", default="0-9")
    parser.add_argument("--n-iterations", type=positive_int, default=None,
                        help="the hbsearch run whose calls are the budget (default: the problem's)")
    args = parser.parse_args(argv)
    lo, hi = (int(t) for t in args.seeds.split("-"))
    for seed in range(lo, hi + 1):
        for problem in args.problems:
            where = variant(problem, "dehb", args.n_iterations)
            if result_path(problem, "dehb", seed, where).exists():
                continue
            start = time.perf_counter()
            trace, extra = run_dehb(problem, seed, args.n_iterations)
            extra["seconds"] = round(time.perf_counter() - start, 2)
            trace.save(problem, "dehb", seed, extra, variant=where,
                       settings=run_settings(problem, "dehb", args.n_iterations))
            final = trace.points[-1][2] if trace.points else float("nan")
            print(f"{problem:14s} dehb    seed {seed:2d}: regret {final:.4g} "
                  f"calls {trace.calls} ({extra['seconds']} s)", flush=True)


if __name__ == "__main__":
    main()
