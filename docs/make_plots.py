"""Make the PNGs of docs/_static/plots: ``python docs/make_plots.py``.

- ``plan.png``: the Hyperband plan for ``max_iter=81, aggressiveness=3``
  (nothing is fitted).
- ``learning_curves.png`` and ``best_score.png``: a smaller version of the
  demo (``python -m hbsearch demo``): an ``MLPClassifier`` tuned on the
  shifted circles, ``max_iter=81``.
- ``samplers.png``: the samplers "random", "de" and "bo" on a cheap toy
  problem, several seeds each.

Everything runs on an in-process Dask cluster with two workers: about a
minute for the MLP search and a minute and a half for the 15 sampler runs on
2 cores. Pass file names to make only those, e.g.
``python docs/make_plots.py plan.png``.
"""

from __future__ import annotations

import logging
import sys
import time
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import dask.array as da  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
from distributed import Client, LocalCluster  # noqa: E402
from scipy.stats import uniform  # noqa: E402
from sklearn.base import BaseEstimator  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402

from hbsearch import HyperbandSearchCV  # noqa: E402
from hbsearch.demo import make_circles_data, mlp_space  # noqa: E402
from hbsearch.plot import plot_best_score, plot_learning_curves, plot_plan, plot_samplers  # noqa: E402

HERE = Path(__file__).resolve().parent / "_static" / "plots"
DPI = 110
N_SAMPLES, CHUNK_SIZE = 15_000, 1_500  # the demo: 50_000 rows in chunks of 5_000


def save(ax, name):
    fig = ax.figure
    fig.savefig(HERE / name, dpi=DPI)
    plt.close(fig)
    print(f"wrote {HERE / name}", flush=True)


def mlp_search(max_iter=81, random_state=0):
    model = MLPClassifier(solver="sgd", nesterovs_momentum=True, activation="relu",
                          random_state=random_state)
    return HyperbandSearchCV(model, mlp_space(), max_iter=max_iter, aggressiveness=3,
                             random_state=random_state)


def make_plan():
    save(plot_plan(mlp_search(max_iter=81)), "plan.png")


def make_mlp_plots():
    X, y = make_circles_data(N_SAMPLES, random_state=0)
    X = da.from_array(X, chunks=(CHUNK_SIZE, -1))
    y = da.from_array(y, chunks=CHUNK_SIZE)
    search = mlp_search(max_iter=81)
    start = time.perf_counter()
    search.fit(X, y)
    print(f"MLP search: {time.perf_counter() - start:.1f} s, best score {search.best_score_:.3f}",
          flush=True)
    ax = plot_learning_curves(search)
    ax.set_title("Hyperband on the demo's MLP (max_iter=81): every model's learning curve")
    save(ax, "learning_curves.png")

    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), layout="constrained")
    plot_best_score(search, ax=left)
    plot_best_score(search, x="elapsed_wall_time", ax=right)
    left.set_title("against partial_fit calls")
    right.set_title("against wall time (2 in-process workers)")
    fig.suptitle("Hyperband on the demo's MLP (max_iter=81): best validation score so far")
    save(left, "best_score.png")


TOY_MAX_ITER, TOY_ITERATIONS, TOY_SEEDS = 9, 8, range(5)


class Toy(BaseEstimator):
    """A cheap multi-fidelity problem on [0, 1]^6 (higher is better, best 0).

    The score after ``calls`` partial_fit calls is ``-sum((x - c)**2)`` with
    the target ``c`` moving from 0.5 (one call) to 0.7 (``TOY_MAX_ITER``
    calls), so short runs rank configurations roughly but not exactly as long
    ones do.
    """

    def __init__(self, x0=0.0, x1=0.0, x2=0.0, x3=0.0, x4=0.0, x5=0.0):
        self.x0, self.x1, self.x2, self.x3, self.x4, self.x5 = x0, x1, x2, x3, x4, x5

    def partial_fit(self, X, y=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        return self

    def score(self, X, y=None):
        x = np.array([self.x0, self.x1, self.x2, self.x3, self.x4, self.x5])
        fidelity = min(np.log(self.calls_) / np.log(TOY_MAX_ITER), 1.0)
        return -float(np.sum((x - (0.5 + 0.2 * fidelity)) ** 2))


def make_samplers():
    space = {f"x{i}": uniform(0, 1) for i in range(6)}
    X = np.zeros((10, 1))
    runs = {}
    start = time.perf_counter()
    for sampler in ("random", "de", "bo"):
        runs[sampler] = [
            HyperbandSearchCV(Toy(), space, max_iter=TOY_MAX_ITER, aggressiveness=3,
                              n_iterations=TOY_ITERATIONS, sampler=sampler,
                              random_state=seed).fit(X)
            for seed in TOY_SEEDS
        ]
    print(f"samplers: {time.perf_counter() - start:.1f} s", flush=True)
    ax = plot_samplers(runs)
    ax.set_ylim(-0.4, 0.01)
    ax.set_title(
        f"Samplers on a toy problem with 6 parameters, {len(TOY_SEEDS)} seeds each\n"
        f"HyperbandSearchCV(max_iter={TOY_MAX_ITER}, n_iterations={TOY_ITERATIONS}): "
        "median best score so far", fontsize=11)
    save(ax, "samplers.png")


MAKERS = {
    "plan.png": make_plan,
    "learning_curves.png": make_mlp_plots,
    "best_score.png": make_mlp_plots,
    "samplers.png": make_samplers,
}


def main(names):
    makers = []
    for name in names or MAKERS:
        if name not in MAKERS:
            raise SystemExit(f"unknown plot {name!r}: choose from {', '.join(MAKERS)}")
        if MAKERS[name] not in makers:
            makers.append(MAKERS[name])
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                      dashboard_address=":0", silence_logs=logging.ERROR) as cluster, Client(cluster):
        for make in makers:
            make()


if __name__ == "__main__":
    # Small chunks: MLPClassifier warns when batch_size exceeds the rows of a call.
    warnings.filterwarnings("ignore", message="Got `batch_size`", category=UserWarning)
    main(sys.argv[1:])
