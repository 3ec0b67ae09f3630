"""The demo: Hyperband tuning a small neural network, as in the SciPy 2019 paper.

``python -m hbsearch demo`` reproduces the example of the Dask blog post and
of Sievert et al., "Better and faster hyperparameter optimization with Dask"
(SciPy 2019): seven hyperparameters of a scikit-learn ``MLPClassifier`` are
tuned on two shifted circles with noise features. The demo starts a local Dask
cluster, shows Hyperband's plan before fitting, fits, and reports the best
model on a held-out test set.
"""

from __future__ import annotations

import argparse
import importlib.util
import logging
import os
import time

import numpy as np

__all__ = ["make_circles_data", "mlp_space", "add_arguments", "run", "main"]

SUMMARY = "Hyperband tuning a neural network on Dask (the SciPy 2019 example)."


def make_circles_data(n_samples, n_noise_features=4, random_state=0):
    """Two shifted pairs of circles plus uniform noise features, standardized.

    Half the rows come from ``make_circles(noise=0.04)`` seeded with
    ``random_state`` (classes 0 and 1), half from one seeded with
    ``random_state + 1``, shifted by +0.6 in x (classes 2 and 3). Then
    ``n_noise_features`` columns uniform in [-1, 1] are appended, the rows
    are shuffled and every column is scaled with ``StandardScaler``.

    Parameters
    ----------
    n_samples : int
        Rows in all.
    n_noise_features : int, default=4
        Uninformative columns added after the two coordinates.
    random_state : int, default=0
        Seeds the circles, the noise features and the shuffle.

    Returns
    -------
    X : ndarray of shape (n_samples, 2 + n_noise_features)
    y : ndarray of shape (n_samples,)
        Labels 0 to 3.

    Examples
    --------
    >>> X, y = make_circles_data(1000)
    >>> X.shape, np.unique(y).tolist()
    ((1000, 6), [0, 1, 2, 3])
    """
    from sklearn.datasets import make_circles
    from sklearn.preprocessing import StandardScaler

    n_first = n_samples - n_samples // 2
    X1, y1 = make_circles(n_first, noise=0.04, random_state=random_state)
    X2, y2 = make_circles(n_samples // 2, noise=0.04, random_state=random_state + 1)
    X2[:, 0] += 0.6
    X = np.vstack([X1, X2])
    y = np.concatenate([y1, y2 + 2])
    rng = np.random.default_rng(random_state)
    X = np.hstack([X, rng.uniform(-1, 1, size=(n_samples, n_noise_features))])
    order = rng.permutation(n_samples)
    return StandardScaler().fit_transform(X[order]), y[order]


def mlp_space():
    """The paper's search space: seven parameters of ``MLPClassifier``.

    Returns
    -------
    dict
        Parameter name to list of values, for ``HyperbandSearchCV``.
    """
    return {
        "hidden_layer_sizes": [(24,), (12, 12), (6, 6, 6, 6), (4, 4, 4, 4, 4, 4), (12, 6, 3, 3)],
        "alpha": list(np.logspace(-6, -3, 1000)),
        "batch_size": [32, 64, 128, 256, 512],
        "learning_rate": ["constant", "invscaling"],
        "learning_rate_init": list(np.logspace(-4, -2, 1000)),
        "power_t": list(np.linspace(0.1, 0.9, 1000)),
        "momentum": list(np.linspace(0, 1, 1000)),
    }


def _int_at_least(minimum):
    def parse(text):
        value = int(text)
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{text} is not an integer >= {minimum}")
        return value

    parse.__name__ = "int"  # argparse names the type in its error messages
    return parse


def add_arguments(parser):
    """Add the demo's flags to an ``argparse`` parser.

    Parameters
    ----------
    parser : argparse.ArgumentParser
    """
    parser.add_argument(
        "--max-iter", type=_int_at_least(1), default=81,
        help="most partial_fit calls any model gets (Hyperband's R; default: %(default)s)",
    )
    parser.add_argument(
        "--aggressiveness", type=_int_at_least(2), default=3,
        help="how many times fewer models each rung keeps (default: %(default)s)",
    )
    parser.add_argument(
        "--n-samples", type=_int_at_least(1), default=50_000,
        help="training rows (default: %(default)s)",
    )
    parser.add_argument(
        "--test-size", type=_int_at_least(1), default=10_000,
        help="held-out test rows, never seen by the search (default: %(default)s)",
    )
    parser.add_argument(
        "--chunk-size", type=_int_at_least(1), default=5_000,
        help="training rows per dask chunk, i.e. per partial_fit call (default: %(default)s)",
    )
    parser.add_argument(
        "--workers", type=_int_at_least(1), default=os.cpu_count() or 1,
        help="Dask worker processes, one thread each (default: the number of cores, %(default)s)",
    )
    parser.add_argument(
        "--random-state", type=_int_at_least(0), default=0,
        help="seeds the data, the models and the search (default: %(default)s)",
    )
    return parser


def _print_plan(metadata, max_iter, aggressiveness):
    print(f"Hyperband plan (max_iter={max_iter}, aggressiveness={aggressiveness}):")
    print(f"  {'bracket':>7}  {'models':>6}  {'partial_fit calls':>17}  decisions at calls")
    for b in metadata["brackets"]:
        decisions = ", ".join(str(d) for d in b["decisions"])
        print(f"  {b['bracket']:>7}  {b['n_models']:>6}  {b['partial_fit_calls']:>17}  {decisions}")
    print(f"  {'total':>7}  {metadata['n_models']:>6}  {metadata['partial_fit_calls']:>17}")


def run(args):
    """Run the demo with parsed flags.

    Parameters
    ----------
    args : argparse.Namespace
        As parsed by a parser given :func:`add_arguments`.

    Returns
    -------
    int
        0, or 1 if ``metadata_`` differs from ``metadata``.
    """
    import dask.array as da
    from distributed import Client, LocalCluster
    from sklearn.model_selection import train_test_split
    from sklearn.neural_network import MLPClassifier

    from .search import HyperbandSearchCV

    X, y = make_circles_data(args.n_samples + args.test_size, random_state=args.random_state)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=args.test_size, random_state=args.random_state
    )
    X_train = da.from_array(X_train, chunks=(args.chunk_size, -1))
    y_train = da.from_array(y_train, chunks=args.chunk_size)
    print(
        f"Data: {len(y_train):,} training rows in {X_train.numblocks[0]} chunks of "
        f"<= {args.chunk_size:,}, {len(y_test):,} held-out test rows, {X.shape[1]} features, 4 classes"
    )

    model = MLPClassifier(
        solver="sgd", nesterovs_momentum=True, activation="relu", random_state=args.random_state
    )
    search = HyperbandSearchCV(
        model,
        mlp_space(),
        max_iter=args.max_iter,
        aggressiveness=args.aggressiveness,
        random_state=args.random_state,
    )
    metadata = search.metadata
    _print_plan(metadata, args.max_iter, args.aggressiveness)

    with LocalCluster(
        n_workers=args.workers, threads_per_worker=1, silence_logs=logging.ERROR
    ) as cluster, Client(cluster):
        note = "" if importlib.util.find_spec("bokeh") else " (install bokeh to serve it)"
        workers = f"{args.workers} worker{'s' if args.workers > 1 else ''}"
        print(f"Dask cluster: {workers}, dashboard at {cluster.dashboard_link}{note}")
        print("Fitting...", flush=True)
        start = time.perf_counter()
        search.fit(X_train, y_train)
        wall_time = time.perf_counter() - start
    test_score = search.score(X_test, y_test)

    print(f"Fit in {wall_time:.1f} s")
    print("Best parameters:")
    for name, value in sorted(search.best_params_.items()):
        shown = f"{value:.3g}" if isinstance(value, float) else repr(value)
        print(f"  {name:<20} {shown}")
    print(f"Best validation score (best_score_): {search.best_score_:.4f}")
    print(f"Held-out test score (score):         {test_score:.4f}")
    same = search.metadata_ == metadata
    print(f"metadata_ == metadata: {same}")
    if not same:
        print(
            f"  planned {metadata['n_models']} models / {metadata['partial_fit_calls']} calls, "
            f"fitted {search.metadata_['n_models']} / {search.metadata_['partial_fit_calls']}"
        )
    return 0 if same else 1


def main(argv=None) -> int:
    """``python -m hbsearch demo``: parse ``argv`` (default ``sys.argv[1:]``) and run.

    Parameters
    ----------
    argv : list of str, optional

    Returns
    -------
    int
        The exit code.
    """
    parser = argparse.ArgumentParser(prog="python -m hbsearch demo", description=SUMMARY)
    return run(add_arguments(parser).parse_args(argv))
