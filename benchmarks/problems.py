"""Benchmark problems as scikit-learn style estimators with ``partial_fit``.

Every synthetic problem is a function ``evaluate(params, calls, seed)`` of a
configuration, a fidelity (the number of ``partial_fit`` calls received so far,
1 .. ``max_iter``) and a seed for its noise, wrapped in an estimator whose
``score`` returns that value (higher is better). The fidelity is mapped to a
number in [0, 1] on a log scale, ``s = log(calls) / log(max_iter)``, so the
geometric rungs of Hyperband are equally spaced in ``s``; ``s = 1`` is the
true, noise-free objective (except for counting ones, see there).

This module needs only numpy and scipy (numpy 1.x or 2.x), so the separate
``dehb`` venv can import it. The MLP problem also needs scikit-learn and
``hbsearch.demo`` and is only built on request, as are the scikit-learn tasks
(``SKLEARN_TASKS``: ``sgd_clf`` and ``mlp_reg``), real estimators trained with
``partial_fit`` on data blocks behind the same ``partial_fit()``/``score()``
interface as the synthetic problems (:class:`TaskEstimator`).
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
from scipy.stats import uniform

__all__ = ["PROBLEMS", "SKLEARN_TASKS", "SyntheticEstimator", "TaskEstimator", "fidelity",
           "get_problem", "sklearn_task"]


def fidelity(calls, max_iter):
    """Log-scaled fidelity in [0, 1]: 0 after one call, 1 after ``max_iter``."""
    if max_iter <= 1:
        return 1.0
    return min(max(math.log(max(calls, 1)) / math.log(max_iter), 0.0), 1.0)


def _noise_rng(seed, calls):
    """The noise of a model (``seed``) at ``calls``: the same every time it is asked."""
    return np.random.default_rng([int(seed) % (2**32), int(calls)])


# --------------------------------------------------------------------------
# MF-Branin (Kandasamy et al. 2017, "Multi-fidelity Bayesian optimisation
# with continuous approximations"), one fidelity z = s for all three shifts.
# --------------------------------------------------------------------------
BRANIN_OPT = 0.397887357729739


def branin_value(x1, x2, s):
    """MF-Branin at fidelity ``s`` in [0, 1] (s = 1 is the usual Branin)."""
    a, r, q = 1.0, 6.0, 10.0
    b = 5.1 / (4 * math.pi**2) - 0.01 * (1 - s)
    c = 5 / math.pi - 0.1 * (1 - s)
    t = 1 / (8 * math.pi) + 0.05 * (1 - s)
    return a * (x2 - b * x1**2 + c * x1 - r) ** 2 + q * (1 - t) * math.cos(x1) + q


def branin_evaluate(params, calls, seed, max_iter):
    """Negated MF-Branin (deterministic: the fidelity only shifts b, c and t)."""
    return -branin_value(params["x1"], params["x2"], fidelity(calls, max_iter))


# --------------------------------------------------------------------------
# MF-Hartmann-3/6 as in mf-prior-bench: alpha' = alpha - bias * (1 - s) and
# Gaussian noise with standard deviation noise * (1 - s); s = 1 <=> z = 100.
# Preset "good" (bias 2.5, noise 2.0) of mf-prior-bench.
# --------------------------------------------------------------------------
HARTMANN_PRESETS = {"good": (2.5, 2.0), "moderate": (3.0, 3.0), "bad": (3.5, 4.0),
                    "terrible": (4.0, 5.0), "default": (0.5, 0.1)}
HARTMANN_PRESET = "good"
_ALPHA = np.array([1.0, 1.2, 3.0, 3.2])
_H3_A = np.array([[3.0, 10, 30], [0.1, 10, 35], [3.0, 10, 30], [0.1, 10, 35]])
_H3_P = 1e-4 * np.array([[3689, 1170, 2673], [4699, 4387, 7470],
                         [1091, 8732, 5547], [381, 5743, 8828]])
_H6_A = np.array([[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14],
                  [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]])
_H6_P = 1e-4 * np.array([[1312, 1696, 5569, 124, 8283, 5886],
                         [2329, 4135, 8307, 3736, 1004, 9991],
                         [2348, 1451, 3522, 2883, 3047, 6650],
                         [4047, 8828, 8732, 5743, 1091, 381]])
H3_OPT = -3.86278214782076
H6_OPT = -3.32236801141551


def hartmann_value(x, s, A, P, bias=0.0):
    """MF-Hartmann value (to minimise) without noise at fidelity ``s``."""
    alpha = _ALPHA - bias * (1 - s)
    inner = np.sum(A * (np.asarray(x, float) - P) ** 2, axis=1)
    return float(-np.sum(alpha * np.exp(-inner)))


def _hartmann_evaluate(dims, A, P):
    def evaluate(params, calls, seed, max_iter, preset=HARTMANN_PRESET):
        """Negated MF-Hartmann with the preset's bias and noise at ``calls``."""
        bias, noise = HARTMANN_PRESETS[preset]
        s = fidelity(calls, max_iter)
        x = [params[f"x{i}"] for i in range(dims)]
        value = hartmann_value(x, s, A, P, bias)
        if s < 1:
            value += noise * (1 - s) * _noise_rng(seed, calls).standard_normal()
        return -value

    return evaluate


hartmann3_evaluate = _hartmann_evaluate(3, _H3_A, _H3_P)
hartmann6_evaluate = _hartmann_evaluate(6, _H6_A, _H6_P)


# --------------------------------------------------------------------------
# Stochastic counting ones (Falkner et al. 2018): N_CAT binary dims and N_CONT
# continuous dims x_j in [0, 1]; each call draws ONES_PER_CALL Bernoulli(x_j)
# samples per continuous dim, the score is the normalised sum of the
# categorical values and the sample means. Noisy even at max_iter; the true
# value (for regret) uses the expectations x_j. Optimum 1.
# --------------------------------------------------------------------------
N_CAT, N_CONT, ONES_PER_CALL = 8, 8, 4


def counting_ones_evaluate(params, calls, seed, max_iter):
    """Normalised stochastic counting ones after ``calls`` calls (``4 * calls`` draws a dim)."""
    cats = sum(params[f"c{i}"] for i in range(N_CAT))
    p = np.array([params[f"x{i}"] for i in range(N_CONT)])
    n = ONES_PER_CALL * int(calls)
    draws = np.random.default_rng(int(seed) % (2**32)).random((n, N_CONT))
    return float((cats + np.sum((draws < p).mean(axis=0))) / (N_CAT + N_CONT))


def counting_ones_true(params):
    """Expected counting-ones score of a configuration."""
    return float((sum(params[f"c{i}"] for i in range(N_CAT))
                  + sum(params[f"x{i}"] for i in range(N_CONT))) / (N_CAT + N_CONT))


# --------------------------------------------------------------------------
# The estimator wrapper
# --------------------------------------------------------------------------
class SyntheticEstimator:
    """A synthetic objective behind ``partial_fit``/``score``.

    ``partial_fit`` only counts calls (the fidelity); ``score`` evaluates the
    problem at the calls made so far with this model's ``seed``. Parameters
    are set as attributes, scikit-learn style (``get_params``/``set_params``).
    """

    def __init__(self, problem, max_iter, seed=0, **params):
        self.problem = problem
        self.max_iter = max_iter
        self.seed = seed
        self.params = dict(params)
        self.calls_ = 0

    def get_params(self, deep=True):
        return {"problem": self.problem, "max_iter": self.max_iter, "seed": self.seed,
                **self.params}

    def set_params(self, **params):
        for key in ("problem", "max_iter", "seed"):
            if key in params:
                setattr(self, key, params.pop(key))
        self.params.update(params)
        return self

    def partial_fit(self, X=None, y=None, **kwargs):
        """One unit of budget."""
        self.calls_ += 1
        return self

    def score(self, X=None, y=None):
        """The problem's score (higher is better) at the calls made so far."""
        spec = PROBLEMS[self.problem]
        return spec["evaluate"](self.params, self.calls_, self.seed, self.max_iter)


def _branin_space():
    return {"x1": uniform(-5, 15), "x2": uniform(0, 15)}


def _hartmann_space(dims):
    return {f"x{i}": uniform(0, 1) for i in range(dims)}


def _counting_ones_space():
    space = {f"c{i}": [0, 1] for i in range(N_CAT)}
    space.update({f"x{i}": uniform(0, 1) for i in range(N_CONT)})
    return space


PROBLEMS = {
    "branin": {
        "evaluate": branin_evaluate, "space": _branin_space,
        "true": lambda p: -branin_value(p["x1"], p["x2"], 1.0), "optimum": -BRANIN_OPT,
        "bounds": {"x1": (-5.0, 10.0), "x2": (0.0, 15.0)},
    },
    "hartmann3": {
        "evaluate": hartmann3_evaluate, "space": lambda: _hartmann_space(3),
        "true": lambda p: -hartmann_value([p[f"x{i}"] for i in range(3)], 1.0, _H3_A, _H3_P),
        "optimum": -H3_OPT, "bounds": {f"x{i}": (0.0, 1.0) for i in range(3)},
    },
    "hartmann6": {
        "evaluate": hartmann6_evaluate, "space": lambda: _hartmann_space(6),
        "true": lambda p: -hartmann_value([p[f"x{i}"] for i in range(6)], 1.0, _H6_A, _H6_P),
        "optimum": -H6_OPT, "bounds": {f"x{i}": (0.0, 1.0) for i in range(6)},
    },
    "counting_ones": {
        "evaluate": counting_ones_evaluate, "space": _counting_ones_space,
        "true": counting_ones_true, "optimum": 1.0,
        "bounds": {**{f"c{i}": [0, 1] for i in range(N_CAT)},
                   **{f"x{i}": (0.0, 1.0) for i in range(N_CONT)}},
    },
}


def get_problem(name):
    """The spec dict of a synthetic problem: evaluate, space(), true, optimum, bounds."""
    return PROBLEMS[name]


# --------------------------------------------------------------------------
# MLP on the circles data (needs scikit-learn and hbsearch)
# --------------------------------------------------------------------------
MLP_N_SAMPLES, MLP_CHUNK = 20000, 2000


def mlp_continuous_space():
    """``mlp_space`` with its 1000-value lists as the distributions they discretise.

    ``alpha`` and ``learning_rate_init`` log-uniform, ``power_t`` and
    ``momentum`` uniform: the learning samplers then see 4 continuous
    dimensions instead of 4 categorical ones with 1000 unordered values
    (the same ranges Optuna is given).
    """
    from scipy.stats import loguniform

    from hbsearch.demo import mlp_space

    space = mlp_space()
    space.update({"alpha": loguniform(1e-6, 1e-3), "learning_rate_init": loguniform(1e-4, 1e-2),
                  "power_t": uniform(0.1, 0.8), "momentum": uniform(0, 1)})
    return space


def mlp_problem(random_state=0):
    """``(estimator, space, X, y)`` for the MLP: 20,000 rows in 10 blocks of 2,000.

    The estimator is the demo's ``MLPClassifier(solver="sgd")``; one
    ``partial_fit`` call is one pass over one block, the score is accuracy on
    the search's hold-out split (regret = 1 - accuracy: the optimum is taken
    as 1, an upper bound).
    """
    from sklearn.neural_network import MLPClassifier

    from hbsearch.demo import make_circles_data, mlp_space

    X, y = make_circles_data(MLP_N_SAMPLES, random_state=random_state)
    model = MLPClassifier(solver="sgd", nesterovs_momentum=True, activation="relu",
                          random_state=random_state)
    return model, mlp_space(), X, y


# --------------------------------------------------------------------------
# scikit-learn tasks (need scikit-learn; data built on first use, once per
# process). A real estimator per model, trained with partial_fit: one call is
# one pass over one training block of TASK_CHUNK rows, the blocks cycling in
# a fixed order per run seed (``block_order``); the score is accuracy or R^2
# on a fixed validation split of TASK_N_VALIDATION rows (the same for every
# seed and method). The optimum is unknown: regret = 1 - validation score
# (1 - accuracy, 1 - R^2), i.e. "optimum" 1, an upper bound.
# --------------------------------------------------------------------------
TASK_CHUNK, TASK_N_VALIDATION = 2000, 4000
SGD_CLF_DATA = dict(n_samples=24000, n_features=40, n_informative=12, n_redundant=8,
                    class_sep=0.8, flip_y=0.03, random_state=0)
# Friedman #2 (4 features on very different scales, target sd about 380) with
# Gaussian noise of sd 40: the noise-free function scores R^2 = 0.989 on the
# validation rows (``mlp_reg_floor``), so regret cannot go below about 0.011.
# (Friedman's sd 125 would put that floor at 0.10 and bury the differences
# between good configurations under it.)
MLP_REG_DATA = dict(n_samples=20000, noise=40.0, random_state=0)
MLP_REG_LAYERS = [(16,), (32,), (64,), (16, 16), (32, 32), (64, 64)]


def sgd_clf_space():
    """SGDClassifier's space for ``sgd_clf`` (8 dims: 5 lists, 2 log-uniform, 2 uniform)."""
    from scipy.stats import loguniform

    return {
        "loss": ["hinge", "log_loss", "modified_huber"],
        "penalty": ["l2", "l1", "elasticnet"],
        "alpha": loguniform(1e-7, 1e-1),
        "l1_ratio": uniform(0, 1),
        "learning_rate": ["optimal", "invscaling", "adaptive"],
        "eta0": loguniform(1e-4, 1),
        "power_t": uniform(0.1, 0.8),
        "average": [False, True],
    }


def mlp_reg_space():
    """MLPRegressor's (adam) space for ``mlp_reg`` (6 dims: 3 lists, 2 log-uniform, 1 uniform)."""
    from scipy.stats import loguniform

    return {
        "hidden_layer_sizes": list(MLP_REG_LAYERS),
        "activation": ["relu", "tanh"],
        "alpha": loguniform(1e-6, 1e-1),
        "learning_rate_init": loguniform(1e-4, 1e-1),
        "batch_size": [32, 64, 128, 256],
        "beta_1": uniform(0.8, 0.19),
    }


def _sgd_clf_data():
    from sklearn.datasets import make_classification

    return make_classification(**SGD_CLF_DATA)


def _mlp_reg_data():
    from sklearn.datasets import make_friedman2

    return make_friedman2(**MLP_REG_DATA)


def _sgd_clf_estimator(random_state):
    from sklearn.linear_model import SGDClassifier

    return SGDClassifier(random_state=random_state)


def _mlp_reg_estimator(random_state):
    from sklearn.neural_network import MLPRegressor

    return MLPRegressor(solver="adam", random_state=random_state)


SKLEARN_TASKS = {
    "sgd_clf": {"data": _sgd_clf_data, "space": sgd_clf_space, "estimator": _sgd_clf_estimator,
                "classification": True},
    "mlp_reg": {"data": _mlp_reg_data, "space": mlp_reg_space, "estimator": _mlp_reg_estimator,
                "classification": False},
}


def mlp_reg_floor():
    """1 - R^2 of the noise-free Friedman #2 function on ``mlp_reg``'s validation rows.

    A reference for ``mlp_reg``'s regret (no model is expected to go below it),
    not subtracted from it.
    """
    from sklearn.datasets import make_friedman2
    from sklearn.metrics import r2_score
    from sklearn.model_selection import train_test_split

    X, y = make_friedman2(**MLP_REG_DATA)
    clean = make_friedman2(**{**MLP_REG_DATA, "noise": 0.0})[1]  # same X: drawn before the noise
    _, y_val, _, clean_val = train_test_split(y, clean, test_size=TASK_N_VALIDATION, random_state=0)
    return float(1 - r2_score(y_val, clean_val))


class _Task:
    """The prepared data of a task: training blocks, the validation split, the fallback score."""

    def __init__(self, name):
        from sklearn.model_selection import train_test_split
        from sklearn.preprocessing import StandardScaler

        spec = SKLEARN_TASKS[name]
        self.name, self.classification = name, spec["classification"]
        X, y = spec["data"]()
        X_train, X_val, y_train, y_val = train_test_split(
            X, y, test_size=TASK_N_VALIDATION, random_state=0,
            stratify=y if self.classification else None)
        scaler = StandardScaler().fit(X_train)  # fitted on the training rows only
        X_train, X_val = scaler.transform(X_train), scaler.transform(X_val)
        if self.classification:
            self.classes = np.unique(y_train)
            # A model that diverged scores as the constant majority-class prediction.
            majority = self.classes[np.argmax([np.sum(y_train == c) for c in self.classes])]
            self.fallback = float(np.mean(y_val == majority))
        else:
            # Standardised target (R^2 is unchanged by it); a diverged model
            # scores as the constant training mean, R^2 = 1 - SSE / SST on the validation rows.
            mean, std = y_train.mean(), y_train.std()
            y_train, y_val = (y_train - mean) / std, (y_val - mean) / std
            self.classes = None
            self.fallback = float(1 - np.sum(y_val**2) / np.sum((y_val - y_val.mean()) ** 2))
        n_blocks = len(y_train) // TASK_CHUNK
        self.blocks = [(np.ascontiguousarray(X_train[i * TASK_CHUNK:(i + 1) * TASK_CHUNK]),
                        np.ascontiguousarray(y_train[i * TASK_CHUNK:(i + 1) * TASK_CHUNK]))
                       for i in range(n_blocks)]
        self.X_val, self.y_val = np.ascontiguousarray(X_val), np.ascontiguousarray(y_val)
        self.estimator = spec["estimator"]


@functools.cache
def sklearn_task(name):
    """The prepared data of a scikit-learn task (built once per process)."""
    return _Task(name)


def block_order(n_blocks, seed):
    """The order in which every model of run ``seed`` cycles through the training blocks."""
    return np.random.RandomState(int(seed) % (2**32)).permutation(n_blocks)


def _diverged(error):
    """Whether ``error`` is scikit-learn giving up on non-finite weights (SGD or MLP)."""
    text = str(error)
    return isinstance(error, ValueError) and ("non-finite" in text or "under-/overflow" in text)


class TaskEstimator:
    """A scikit-learn task's estimator behind the benchmark's ``partial_fit()``/``score()``.

    ``partial_fit`` trains the real estimator (``random_state`` = the model's
    ``seed``, so a model is deterministic) on training block
    ``order[calls_ % n_blocks]``; ``score`` is its validation accuracy or
    R^2. A model whose weights became non-finite (scikit-learn raises) is
    *diverged*: it is not trained any more and scores as a constant
    prediction (majority class / training mean); so does a validation score
    that is not finite. The arguments of ``partial_fit`` and ``score`` are
    ignored (the task holds the data).
    """

    def __init__(self, problem, order, seed=0, **params):
        self.problem, self.order, self.seed, self.params = problem, order, seed, dict(params)
        self.task = sklearn_task(problem)
        self.estimator = self.task.estimator(int(seed) % (2**32)).set_params(**params)
        self.calls_ = 0
        self.diverged = False

    def partial_fit(self, X=None, y=None, **kwargs):
        if not self.diverged:
            X, y = self.task.blocks[self.order[self.calls_ % len(self.order)]]
            kwargs = {"classes": self.task.classes} if self.task.classification else {}
            try:
                with warnings.catch_warnings(), np.errstate(all="ignore"):
                    warnings.simplefilter("ignore")
                    self.estimator.partial_fit(X, y, **kwargs)
            except ValueError as error:
                if not _diverged(error):
                    raise
                self.diverged = True
        self.calls_ += 1
        return self

    def score(self, X=None, y=None):
        if self.diverged:
            return self.task.fallback
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            score = float(self.estimator.score(self.task.X_val, self.task.y_val))
        return score if math.isfinite(score) else self.task.fallback
