"""Write the example notebooks of hbsearch, without outputs.

The notebooks are generated from the cells below so that they stay easy to
review and edit: change a cell here, run ``python notebooks/build_notebooks.py``
and commit both. ``tests/test_notebooks.py`` executes the written notebooks.

- ``quickstart.ipynb``: a neural network tuned on a local Dask cluster; the
  plan, the results and the plots.
- ``samplers.ipynb``: the samplers ``"random"``, ``"de"`` and ``"bo"`` over
  several seeds, and the rule that keeps their results reproducible.
- ``cluster.ipynb``: a search on data larger than a worker's memory, kept on
  the cluster and never gathered by the client.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent


def md(text: str):
    return ("markdown", text)


def code(text: str):
    return ("code", text)


def strip(text: str) -> str:
    return text.strip("\n")


# -- quickstart ------------------------------------------------------------------

QUICKSTART = [
    md("""
# Quickstart: Hyperband on a Dask cluster

This notebook tunes seven hyperparameters of a small neural network, scikit-learn's `MLPClassifier`,
with `hbsearch.HyperbandSearchCV` on a local Dask cluster. It is the example of the Dask blog post and
of Sievert et al., *Better and faster hyperparameter optimization with Dask* (SciPy 2019), at a smaller
scale: it runs in about a minute on 2 cores.

The steps: start a cluster, make the data, read Hyperband's plan before any work, fit, read the results,
and plot what the search did.
"""),
    code("""
import logging
import time

import dask.array as da
import matplotlib.pyplot as plt
import pandas as pd
from distributed import Client
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier

from hbsearch import HyperbandSearchCV
from hbsearch.demo import make_circles_data, mlp_space
from hbsearch.plot import plot_best_score, plot_learning_curves, plot_plan
"""),
    md("""
## A local Dask cluster

Two worker processes with one thread each. `fit` runs on the active client; with none, it would start a
local cluster and keep it for later fits (closed at exit, or by `hbsearch.close_local_cluster()`).
`dashboard_address=":0"` serves the
dashboard on a free port (open the link to watch the tasks; it needs `bokeh`).
"""),
    code("""
client = Client(n_workers=2, threads_per_worker=1, dashboard_address=":0", silence_logs=logging.ERROR)
client
"""),
    md("""
## The data

Two shifted pairs of circles, 4 classes, plus 4 uniform noise features (`make_circles_data`). 10,000 rows
are held out for a final test and never seen by the search. The 100,000 training rows become a dask array
in chunks of 10,000 rows: **one chunk is the data of one `partial_fit` call**.
"""),
    code("""
X, y = make_circles_data(110_000, random_state=0)
X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=10_000, random_state=0)
X_train = da.from_array(X_train, chunks=(10_000, -1))
y_train = da.from_array(y_train, chunks=10_000)
print(f"training: {X_train.shape[0]:,} rows in {X_train.numblocks[0]} chunks, {X_train.shape[1]} features")
print(f"held out: {X_test.shape[0]:,} rows")
"""),
    md("""
## The search

An `MLPClassifier` trained by stochastic gradient descent: each `partial_fit` call is one pass over one
chunk. `mlp_space()` gives the paper's search space: layer sizes, L2 penalty `alpha`, batch size, learning
rate schedule, initial learning rate, `power_t` and momentum, as lists of values to draw from.
`max_iter=27`: no model receives more than 27 `partial_fit` calls.
"""),
    code("""
model = MLPClassifier(solver="sgd", nesterovs_momentum=True, activation="relu", random_state=0)
search = HyperbandSearchCV(model, mlp_space(), max_iter=27, random_state=0)
{name: len(values) for name, values in mlp_space().items()}  # values to choose from, per parameter
"""),
    md("""
## The plan, before fitting

`metadata` follows from `max_iter` and `aggressiveness` (3 by default) alone: no data, no Dask, no random
numbers. Hyperband runs several *brackets* of successive halving at once. Bracket 3 starts 27 models with
one call each, and at each decision keeps the best third and trains them 3 times longer; bracket 0
trains 4 models for all 27 calls without a decision on the way. The brackets hedge between "many
models, stopped early" and "few models, trained long".
"""),
    code("""
metadata = search.metadata
print(f"{metadata['n_models']} models, {metadata['partial_fit_calls']} partial_fit calls in all")
pd.DataFrame(metadata["brackets"]).drop(columns="SuccessiveHalvingSearchCV params")
"""),
    code("""
plot_plan(search);
"""),
    md("""
## Fit

The training chunks are split once, on the workers: a share of the rows of every chunk (here 1/10)
becomes one validation set, on which every model of every bracket is scored. Each model's training and
scoring are Dask tasks, prioritized by the model's latest score. The data is never gathered to this
process.
"""),
    code("""
start = time.perf_counter()
search.fit(X_train, y_train)
print(f"fit in {time.perf_counter() - start:.1f} s")
"""),
    md("""
## Results

`cv_results_` has one row per model and turns into a `DataFrame` as it is: its latest validation score
(`test_score`), one ranking over all brackets, the calls it received and its parameters (`param_*`).
"""),
    code("""
results = pd.DataFrame(search.cv_results_)
columns = ["rank_test_score", "test_score", "model_id", "bracket", "partial_fit_calls",
           "param_hidden_layer_sizes", "param_batch_size", "param_learning_rate_init", "param_momentum"]
results.sort_values("rank_test_score")[columns].head(10)
"""),
    md("""
`best_params_`, `best_score_` (the best model's validation score) and the accuracy of `best_estimator_`
on the held-out rows, which the search never saw (4 classes: guessing scores 0.25). With `max_iter=27` no
model trains for long: a larger `max_iter`, as in the paper (81), or larger chunks give the models more
training, at more cost.
"""),
    code("""
for name, value in sorted(search.best_params_.items()):
    print(f"  {name:<20} {value:.3g}" if isinstance(value, float) else f"  {name:<20} {value!r}")
print(f"validation score (best_score_): {search.best_score_:.4f}")
print(f"held-out accuracy (score):       {search.score(X_test, y_test):.4f}")
"""),
    md("""
## The plan was followed

`metadata_` counts what the fit did, in the layout of `metadata`. They are equal: every planned model
received exactly its planned calls. (With `patience=...`, models stopped early would make them differ.)
"""),
    code("""
print("metadata_ == metadata:", search.metadata_ == search.metadata)
"""),
    md("""
## What the search did

One line per model, its validation score against the calls it received, coloured by bracket: most models
of the largest bracket stop after 1 or 3 calls, and only the best go on to 27.
"""),
    code("""
plot_learning_curves(search);
"""),
    md("""
The best validation score found so far, against the `partial_fit` calls made by the whole search and
against wall time since the start of `fit`: when the good models turned up, and what they cost.
"""),
    code("""
fig, axes = plt.subplots(1, 2, figsize=(11, 4), layout="constrained")
plot_best_score(search, ax=axes[0])
plot_best_score(search, x="elapsed_wall_time", ax=axes[1]);
"""),
    code("""
client.close()
"""),
    md("""
Next: `samplers.ipynb` (configurations that learn from earlier brackets) and `cluster.ipynb` (data larger
than a worker's memory).
"""),
]


# -- samplers ---------------------------------------------------------------------

SAMPLERS = [
    md("""
# Samplers: random search, differential evolution, kernel density

Hyperband decides *how long* each configuration trains. A **sampler** decides *which* configurations
enter each bracket:

- `sampler="random"` (the default): uniform draws from the search space, as in Hyperband.
- `sampler="de"`: differential evolution, as in DEHB: mutations and crossovers of configurations that
  scored well.
- `sampler="bo"`: a kernel-density model, as in BOHB: draws around the best configurations, kept where
  good results are denser than the rest.

The learning samplers learn from every rung: each model's configuration is drawn when it starts
training, knowing the rungs decided before it. With `n_iterations > 1` the brackets are run that many
times, and later runs draw from all that earlier ones learned. This notebook compares the three samplers
over three seeds each, on a cheap problem, in well under a minute.
"""),
    code("""
import re
import time

import numpy as np
import pandas as pd
from distributed import Client
from scipy.stats import uniform
from sklearn.base import BaseEstimator

from hbsearch import HyperbandSearchCV
from hbsearch.plot import plot_samplers
"""),
    md("""
## A cheap problem: stochastic counting ones

Nine searches of real models would take a while, so the "model" here is a stand-in for training, the
*counting ones* benchmark of the BOHB paper (Falkner et al., 2018). It has 4 binary parameters `c0..c3`
and 4 continuous ones `x0..x3` in [0, 1]. Each `partial_fit` call draws 32 Bernoulli samples of each
`x_j`; the score is `(c0 + ... + c3 + frequencies of ones seen so far) / 8`, so it gets less noisy with
more calls, like a validation score with more training. Its true value, `(sum of c + sum of x) / 8`, is
known, and the best configuration, all ones, scores 1. It ignores its data.

Any estimator with `partial_fit` and `score` works the same way: put yours in its place.
"""),
    code('''
class CountingOnes(BaseEstimator):
    """Stochastic counting ones: scores get less noisy with partial_fit calls."""

    def __init__(self, c0=0, c1=0, c2=0, c3=0, x0=0.5, x1=0.5, x2=0.5, x3=0.5, draws=32):
        self.c0, self.c1, self.c2, self.c3 = c0, c1, c2, c3
        self.x0, self.x1, self.x2, self.x3 = x0, x1, x2, x3
        self.draws = draws

    def partial_fit(self, X, y=None):
        x = np.array([self.x0, self.x1, self.x2, self.x3])
        calls = getattr(self, "calls_", 0)
        # Seeded by the configuration and the call: the same model always draws the same samples.
        rng = np.random.default_rng([self.c0, self.c1, self.c2, self.c3, *(x * 1e9).astype(int), calls])
        self.ones_ = getattr(self, "ones_", 0) + (rng.random((self.draws, 4)) < x).sum(axis=0)
        self.calls_ = calls + 1
        return self

    def score(self, X=None, y=None):
        frequencies = self.ones_ / (self.draws * self.calls_)
        return float((self.c0 + self.c1 + self.c2 + self.c3 + frequencies.sum()) / 8)


def true_value(params):
    """The noise-free score of a configuration: the mean of its parameters."""
    return float(np.mean([params[f"c{i}"] for i in range(4)] + [params[f"x{i}"] for i in range(4)]))


space = {**{f"c{i}": [0, 1] for i in range(4)}, **{f"x{i}": uniform(0, 1) for i in range(4)}}
X = np.zeros((10, 1))  # data for the search to split and pass around; CountingOnes ignores it
'''),
    md("""
## The learning rule

With `n_iterations=6` and `max_iter=9`, Hyperband's 3 brackets run 6 times: 18 *bracket runs*. They are
numbered in the order they start: iteration by iteration, and within one from the bracket with the most
models to the one with the fewest. With `B` brackets an iteration, run `k` starts as soon as every run up
to `k - B` has finished.

A model's configuration is drawn when the model starts training. With the default
`learning="reproducible"`, what that draw knows is fixed by the plan: the plan is played on one notional
worker, first come first served, and the draw knows exactly the rungs decided there before the model's
first job. On a real cluster a model whose rungs are not decided yet waits for them. So results depend
on `random_state`, not on timing or on the number of workers. The schedule of this notebook's searches,
with how many rungs the first model of each run knows:
"""),
    code("""
from hbsearch.driver import notional_order
from hbsearch.schedule import hyperband_plan

template = HyperbandSearchCV(CountingOnes(), space, max_iter=9, n_iterations=6)
brackets = [b["bracket"] for b in template.metadata["brackets"]]
B = len(brackets)
plan = hyperband_plan(9, 3, n_iterations=6)
decisions, draw_after = notional_order(plan)
first_model = np.cumsum([0] + [plan.brackets[k % B].n_models for k in range(6 * B)])
pd.DataFrame(
    [
        {
            "run": k,
            "iteration": k // B,
            "bracket": brackets[k % B],
            "starts once finished": "-" if k < B else "run 0" if k == B else f"runs 0..{k - B}",
            "rungs its first model knows": draw_after[first_model[k]],
        }
        for k in range(6 * B)
    ]
).set_index("run")
"""),
    md("""
## Nine searches

Three samplers, three seeds each, with the same plan: 102 models and 414 `partial_fit` calls per search.
The tasks are tiny, so a cluster of two worker threads in this process is enough.
"""),
    code("""
client = Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0")
print(template.metadata["n_models"], "models,", template.metadata["partial_fit_calls"], "partial_fit calls per search")

searches = {"random": [], "de": [], "bo": []}
for sampler, runs in searches.items():
    start = time.perf_counter()
    for seed in range(3):
        search = HyperbandSearchCV(
            CountingOnes(), space, max_iter=9, n_iterations=6, sampler=sampler, random_state=seed
        )
        runs.append(search.fit(X))
    print(f"{sampler:>6}: 3 searches in {time.perf_counter() - start:.1f} s")
"""),
    md("""
The best score found so far against the `partial_fit` calls spent: the median over the three seeds, and
the band from the 25th to the 75th percentile. The first iteration's configurations are the same for the
three samplers (random draws, from the same seeds); the learning samplers can pull ahead once they have
results to learn from.
"""),
    code("""
plot_samplers(searches);
"""),
    md("""
Scores are noisy, so a lucky model can look better than it is. This problem's true values are known:
the true value of the configuration each search picked (`best_params_`), per seed.
"""),
    code("""
table = pd.DataFrame(
    {sampler: [true_value(s.best_params_) for s in runs] for sampler, runs in searches.items()}
)
table.index.name = "seed"
table.loc["median"] = table.median()
table.round(3)
"""),
    md("""
## Where the configurations came from

Each model's `model_id` reads `bracket=<bracket>-<number>`, numbered on across iterations, so its
iteration is its number divided by the bracket's models per iteration. The mean true value of the
configurations that entered the brackets, per iteration (mean over seeds): flat for random draws, rising
for the samplers that learn.
"""),
    code("""
per_iteration = {
    b["bracket"]: b["SuccessiveHalvingSearchCV params"]["n_initial_parameters"]
    for b in template.metadata["brackets"]
}
rows = []
for sampler, runs in searches.items():
    for search in runs:
        for model_id, params in zip(search.cv_results_["model_id"], search.cv_results_["params"]):
            bracket, number = map(int, re.fullmatch(r"bracket=(\\d+)-(\\d+)", model_id).groups())
            rows.append({"sampler": sampler, "iteration": number // per_iteration[bracket],
                         "true value": true_value(params)})
pd.DataFrame(rows).pivot_table(index="sampler", columns="iteration", values="true value").loc[
    list(searches)
].round(3)
"""),
    md("""
## Reproducible whatever the timing

The same search again, on a cluster of one worker instead of two: the tasks finish in another order,
but the learning rule makes the sampler see the same results, so it proposes the same configurations
and the scores are equal.
"""),
    code("""
client.close()
with Client(processes=False, n_workers=1, threads_per_worker=1, dashboard_address=":0"):
    again = HyperbandSearchCV(
        CountingOnes(), space, max_iter=9, n_iterations=6, sampler="de", random_state=0
    ).fit(X)
first = searches["de"][0]
print("same models:        ", list(again.cv_results_["model_id"]) == list(first.cv_results_["model_id"]))
print("same configurations:", again.cv_results_["params"] == first.cv_results_["params"])
print("same scores:        ", np.array_equal(again.cv_results_["test_score"], first.cv_results_["test_score"]))
"""),
    md("""
## In short

- `sampler="de"` or `"bo"` with `n_iterations > 1` spends later iterations on better configurations;
  the first iteration is random draws for every sampler, so with `n_iterations=1` there is nothing to
  learn from.
- `metadata` counts every iteration: `n_iterations=6` costs 6 times the calls of one.
- Results are reproducible from `random_state`, whatever the cluster.
"""),
]


# -- cluster ------------------------------------------------------------------------

CLUSTER = [
    md("""
# Data larger than a worker's memory

`HyperbandSearchCV.fit` takes dask arrays and DataFrames as they are: each block (chunk of rows, or
partition) is computed **on the workers**, split there into training rows and validation rows, and kept
there, once, for every model of every bracket. Nothing is gathered to the client.

This notebook shows it with a cluster whose workers may use 512 MiB each, and a dataset three times
that size, generated block by block on the workers. Dask spills what does not fit to disk.
"""),
    code("""
import logging
import sys
import threading
import time

import dask.array as da
import numpy as np
import psutil
from distributed import Client, LocalCluster, get_task_stream
from scipy.stats import loguniform, norm
from sklearn.linear_model import SGDClassifier

from hbsearch import HyperbandSearchCV

MiB = 2**20


def rss():
    \"\"\"Resident memory of this process (the client), in bytes.\"\"\"
    return psutil.Process().memory_info().rss


def peak_rss():
    \"\"\"Peak resident memory of this process so far, in bytes.\"\"\"
    try:
        import resource
    except ImportError:  # Windows
        return max(rss(), getattr(psutil.Process().memory_info(), "peak_wset", 0))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return max(rss(), peak if sys.platform == "darwin" else peak * 1024)  # bytes on macOS, KiB on Linux
"""),
    md("""
## A cluster with a memory limit

Two worker processes, one thread each, 512 MiB each. A worker spills data to its local directory when
its process memory passes 70% of the limit, pauses at 80% and is restarted at 95% (Dask's defaults).
"""),
    code("""
cluster = LocalCluster(
    n_workers=2, threads_per_worker=1, memory_limit="512MiB",
    dashboard_address=":0", silence_logs=logging.ERROR,
)
client = Client(cluster)
memory_limit = min(w["memory_limit"] for w in client.scheduler_info()["workers"].values())
print(f"{len(cluster.workers)} workers, memory_limit {memory_limit / MiB:.0f} MiB each")
client_rss_before = rss()
print(f"client process: {client_rss_before / MiB:.0f} MiB resident")
"""),
    md("""
## Data generated on the workers

A binary classification problem: the labels first, then the features of each block given its labels
(two Gaussian clouds, 50 float32 features). The arrays are lazy: nothing is computed here, the blocks
are made by the workers when `fit` needs them.
"""),
    code("""
N_FEATURES = 50
BLOCK_ROWS = 20_000  # 4 MB per block of X
CENTER = np.random.default_rng(42).standard_normal(N_FEATURES).astype("float32")
CENTER *= 0.6 / np.linalg.norm(CENTER)  # half the distance between the two clouds


def features(labels, seed):
    \"\"\"The features of one block, given its labels.\"\"\"
    X = np.random.default_rng(seed).standard_normal((len(labels), N_FEATURES), dtype=np.float32)
    X += np.where(labels[:, None] == 1, CENTER, -CENTER)
    return X


def make_data(n_blocks, seed):
    \"\"\"X, y as lazy dask arrays of n_blocks blocks, each generated where it is computed.\"\"\"
    y = da.random.default_rng(seed).integers(
        0, 2, size=n_blocks * BLOCK_ROWS, chunks=BLOCK_ROWS, dtype="int8"
    )
    seeds = da.from_array(np.arange(n_blocks) + 1_000_000 * seed, chunks=1)
    X = da.map_blocks(
        lambda labels, block_seed: features(labels, int(block_seed[0])),
        y, seeds, new_axis=1, chunks=(y.chunks[0], (N_FEATURES,)), dtype="float32",
        token="features",
    )
    return X, y


n_blocks = int(np.ceil(3 * memory_limit / (BLOCK_ROWS * N_FEATURES * 4)))
X, y = make_data(n_blocks, seed=0)
X_test, y_test = make_data(5, seed=1)  # held out, generated the same way
print(f"X: {X.shape[0]:,} rows x {X.shape[1]} features, {X.dtype}, {X.nbytes / MiB:,.0f} MiB in "
      f"{X.numblocks[0]} blocks of {X.nbytes / X.numblocks[0] / MiB:.1f} MiB")
print(f"   {X.nbytes / memory_limit:.1f} times a worker's memory_limit, "
      f"{X.nbytes / (2 * memory_limit):.1f} times the whole cluster's")
"""),
    md("""
## The search

A linear model trained by SGD, its regularization and learning rate tuned. While `fit` runs, a thread
asks the scheduler every 0.2 s how much data each worker holds in memory and on disk, and Dask's task
stream records every task the workers run.
"""),
    code("""
search = HyperbandSearchCV(
    SGDClassifier(random_state=0),
    {
        "alpha": loguniform(1e-6, 1e-1),
        "penalty": ["l2", "l1", "elasticnet"],
        "learning_rate": ["optimal", "invscaling", "adaptive", "constant"],
        "eta0": loguniform(1e-4, 1e-1),
    },
    max_iter=27,
    random_state=0,
)
print(search.metadata["n_models"], "models,", search.metadata["partial_fit_calls"], "partial_fit calls")

peaks = {}  # worker -> the most data it held, in memory, on disk; its process memory
done = threading.Event()


def watch():
    while not done.is_set():
        for address, worker in client.scheduler_info()["workers"].items():
            m = worker["metrics"]
            now = (m["managed_bytes"], m["managed_bytes"] - m["spilled_bytes"]["memory"],
                   m["spilled_bytes"]["disk"], m["memory"])
            peaks[address] = [max(a, b) for a, b in zip(peaks.get(address, (0, 0, 0, 0)), now)]
        done.wait(0.2)


watcher = threading.Thread(target=watch, daemon=True)
watcher.start()
start = time.perf_counter()
with get_task_stream(client) as stream:
    search.fit(X, y)
done.set()
watcher.join()
print(f"fit in {time.perf_counter() - start:.1f} s")
"""),
    md("""
## Where the data was

Every block of `X` was generated once for the search, on a worker (the first block once more, before
the search, for the checks of its first rows). No worker could hold its share: the data
that did not fit in memory went to disk, and came back when a task needed it.
"""),
    code("""
generated = sum(1 for task in stream.data if "features" in str(task["key"]))
print(f"blocks of X generated: {generated} (X has {X.numblocks[0]} blocks)")
for i, (held, in_memory, on_disk, process) in enumerate(peaks[a] for a in sorted(peaks)):
    print(f"worker {i}: held up to {held / MiB:,.0f} MiB of data, at most {in_memory / MiB:,.0f} MiB of it "
          f"in memory and {on_disk / MiB:,.0f} MiB on disk; process memory up to {process / MiB:,.0f} MiB")
"""),
    md("""
And the client: its memory did not grow with the data. The search gathered only scores and the best
model.
"""),
    code("""
print(f"client process: {client_rss_before / MiB:.0f} MiB resident before fit, {rss() / MiB:.0f} MiB after, "
      f"peak {peak_rss() / MiB:.0f} MiB; the training data: {X.nbytes / MiB:,.0f} MiB")
"""),
    md("""
## The result

`best_params_` and `best_score_` as usual. The held-out accuracy is computed on the cluster too:
`predict` on a dask array applies the best model block by block, and only the mean comes back. The two
classes overlap, so even the best possible classifier is often wrong.
"""),
    code("""
for name, value in sorted(search.best_params_.items()):
    print(f"  {name:<14} {value:.3g}" if isinstance(value, float) else f"  {name:<14} {value!r}")
print(f"validation score (best_score_): {search.best_score_:.4f}")
accuracy = (search.predict(X_test) == y_test).mean().compute()
print(f"held-out accuracy:              {accuracy:.4f}")
# Two Gaussian clouds 2 * 0.6 apart: no classifier does better than norm.cdf(0.6) on average.
print(f"best possible accuracy:         {norm.cdf(np.linalg.norm(CENTER)):.4f}")
"""),
    md("""
## Sizing blocks

- One block is the data of one `partial_fit` call. A training task holds at most 8 distinct blocks at
  once (a model's longer run of calls between two decisions is a chain of tasks), so keep 8 blocks well
  within a worker's memory: here 8 blocks of 3.8 MiB.
- A model sees at most `max_iter` blocks; to let the longest-trained models see all the data, use
  `max_iter` at least the number of blocks.
- One validation set is joined from every block (`test_size`, by default `min(0.2, 1 / n_blocks)` of
  each block) and held by one worker.
"""),
    code("""
client.close()
cluster.close()
"""),
]


NOTEBOOKS = {
    "quickstart.ipynb": QUICKSTART,
    "samplers.ipynb": SAMPLERS,
    "cluster.ipynb": CLUSTER,
}


def build(cells) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    for i, (kind, text) in enumerate(cells):
        cell = new_markdown_cell(strip(text)) if kind == "markdown" else new_code_cell(strip(text))
        cell.id = f"cell-{i:02d}"  # stable ids: rebuilding gives the same files
        nb.cells.append(cell)
    nbformat.validate(nb)
    return nb


def main(argv=None) -> int:
    names = (argv if argv is not None else sys.argv[1:]) or list(NOTEBOOKS)
    for name in names:
        path = HERE / name
        nbformat.write(build(NOTEBOOKS[name]), path)
        print(f"wrote {path.relative_to(HERE.parent)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
