"""Client-side cost of the search's decisions as the number of models grows.

Runs the driver (successive halving over ``n`` models, aggressiveness 3, the
schedule of ``SuccessiveHalvingSearchCV``) with scores answered at once, so
what is timed is the driver's own work: sampling and decoding configurations,
handing out jobs, taking scores and deciding rungs. Prints CPU time per model
and per decision (one ``tell``), and each size's cost per model relative to
the smallest size: a flat ratio means linear growth.

    python benchmarks/driver_cost.py
"""

from __future__ import annotations

import time

from scipy.stats import loguniform, uniform

from hbsearch.driver import Driver
from hbsearch.samplers import RandomSampler, setup_sampler
from hbsearch.schedule import successive_halving_plan
from hbsearch.space import SearchSpace

SPACE = {
    "alpha": loguniform(1e-6, 1e-1),
    "l1_ratio": uniform(0, 1),
    "penalty": ["l2", "l1", "elasticnet"],
    "average": [True, False],
}


def run(n_models: int) -> tuple[float, int]:
    """CPU seconds of a whole driver run over ``n_models``, and its number of tells."""
    space = SearchSpace(SPACE)
    start = time.process_time()
    driver = Driver(
        successive_halving_plan(n_models, 3, 1),
        space,
        setup_sampler(RandomSampler(), space, 0),
    )
    tells = 0
    jobs = driver.ask()
    while jobs:
        for job in jobs:
            driver.tell(job.model, job.end_calls, driver.models[job.model].params["l1_ratio"])
            tells += 1
        driver.pop_retired()
        jobs = driver.ask()
    assert driver.done
    return time.process_time() - start, tells


def main() -> None:
    sizes = [1_000, 2_000, 5_000, 10_000, 20_000, 40_000]
    print(f"{'models':>8} {'tells':>8} {'CPU s':>8} {'us/model':>10} {'us/tell':>9} {'per model vs 1,000':>19}")
    base = None
    for n in sizes:
        seconds, tells = min(run(n) for _ in range(3))
        per_model = seconds / n
        base = base or per_model
        print(
            f"{n:>8,} {tells:>8,} {seconds:>8.3f} {1e6 * per_model:>10.1f} "
            f"{1e6 * seconds / tells:>9.1f} {per_model / base:>19.2f}"
        )


if __name__ == "__main__":
    main()
