"""Checks of a search's inputs on the client, before any cluster starts.

A mistake in the search space, the scorer or the data otherwise shows up
only after a cluster was started and every model failed on it. These checks
look at what a search would send to the workers, cheaply: the space's
parameter names, a few configurations it decodes to, the estimator's own
parameter validation, the first rows of the data (and all of in-memory
data where a full pass costs little), and whether it all serializes as Dask
will serialize it. Each error names the parameter, the value and what is
allowed.
"""

from __future__ import annotations

import ast
import difflib
import inspect
import math
import numbers
import os
import reprlib
import sys
import warnings

import cloudpickle
import dask
import numpy as np
from dask import compute, is_dask_collection
from sklearn.base import clone, is_classifier
from sklearn.utils import get_tags
from sklearn.utils.multiclass import check_classification_targets, type_of_target

from .driver import notional_order
from .engine.inputs import input_kind, validation_count
from .samplers import RandomSampler
from .space import SUBSPACE

__all__ = ["check_fit", "NumericScorer"]

# Rows of X and y read from the start of the data: enough to see its types
# and values, few enough that reading them from a dask collection is cheap.
HEAD_ROWS = 5
# Configurations drawn at random on top of those that show every listed value.
RANDOM_DRAWS = 4
# A list is checked value by value up to this many values (then its first ones).
LISTED_VALUES = 32
# The fewest validation rows and training rows a search accepts (a
# classifier needs one per class as well): one row scores every model 0 or 1.
MIN_ROWS = 2
# Names of a metric's first argument: a metric is called as metric(y_true, y_pred).
_METRIC_ARGUMENTS = {"y_true", "y_pred", "y", "labels_true", "y_score", "y_prob", "x"}


def _short(value) -> str:
    """A value as a message shows it: short, and the same from run to run."""
    if isinstance(value, np.generic):
        value = value.item()
    shape = getattr(value, "shape", None)
    if shape and not is_dask_collection(value):
        return f"<{type(value).__name__} of shape {tuple(shape)}>"
    if isinstance(value, (list, tuple)) and len(value) > 6:
        return f"<{type(value).__name__} of {len(value)} values>"
    text = reprlib.repr(value)
    if len(text) > 60 or " at 0x" in repr(value):
        kind = type(value)
        return f"<{kind.__module__}.{kind.__qualname__} object>"
    return text


def _name(estimator) -> str:
    return type(estimator).__name__


def check_fit(search, X, y, fit_params, *, space, plan, test_size, halving=None, learning="reproducible"):
    """Refuse, before any work, what would make every model of ``search`` fail.

    Parameters
    ----------
    search : BaseIncrementalSearchCV
        The search, its settings already checked one by one.
    X, y, fit_params
        As given to ``fit``.
    space : SearchSpace
        The search space built from ``search.parameters``.
    plan : Plan
        The search's plan (for the sampler's warning).
    test_size : float
        The share of each block kept for validation.
    halving, learning : str or None
        The checked ``halving`` and ``learning`` settings.

    Raises
    ------
    ValueError or TypeError
        Naming the parameter, the value and what is allowed.
    """
    estimator = search.estimator
    check_space(estimator, search.parameters, space)
    check_scoring(search.scoring)
    classes = check_data(estimator, X, y, fit_params)
    check_fit_params(X, fit_params)
    check_rows(estimator, X, test_size, classes)
    warn_if_sampler_cannot_learn(search, plan, halving, learning)
    check_entry_point()


# -- the search space ------------------------------------------------------


def _subspaces(parameters):
    if isinstance(parameters, (list, tuple)):
        return [(f"parameters[{i}]", sub) for i, sub in enumerate(parameters)]
    return [("parameters", parameters)]


def check_space(estimator, parameters, space) -> None:
    """Every key is a parameter of ``estimator``, and configurations are valid and serializable."""
    if not (hasattr(estimator, "get_params") and hasattr(estimator, "set_params")):
        raise TypeError(
            f"estimator={_name(estimator)}(...) is invalid: it has no get_params and set_params, "
            "with which the search copies it and gives each copy its configuration. Derive it from "
            "sklearn.base.BaseEstimator."
        )
    valid = estimator.get_params(deep=True)
    for label, sub in _subspaces(parameters):
        for key in sub:
            if key not in valid:
                close = difflib.get_close_matches(key, list(valid), n=3)
                hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
                raise ValueError(
                    f"{label}[{key!r}] is invalid: {_name(estimator)} has no parameter {key!r}.{hint} "
                    f"Its parameters are: {', '.join(sorted(valid))}."
                )
    try:
        cloudpickle.dumps(estimator)
    except Exception as error:
        raise TypeError(
            f"estimator={_name(estimator)}(...) cannot be serialized with cloudpickle, as Dask "
            f"sends it to the workers: {type(error).__name__}: {error}"
        ) from error
    for params in sample_configurations(space):
        check_configuration(estimator, params, _label_of(parameters, params))


def _label_of(parameters, params) -> str:
    if isinstance(parameters, (list, tuple)):
        for i, sub in enumerate(parameters):
            if set(sub) == set(params):
                return f"parameters[{i}]"
    return "parameters"


def sample_configurations(space) -> list[dict]:
    """Configurations that, between them, take every listed value (up to
    :data:`LISTED_VALUES` per list), the end points of every distribution,
    and a few random draws, all decoded by ``space`` as a search decodes
    its samplers' vectors."""
    dims = space.dimensions
    levels = [d.n_categories if d.n_categories else 3 for d in dims]
    vectors = []
    for i in range(min(max(levels, default=1), LISTED_VALUES)):
        vector = np.empty(len(dims))
        for j, (dim, k) in enumerate(zip(dims, levels)):
            if dim.n_categories:
                vector[j] = (i % k + 0.5) / k
            else:
                # Both end points and the middle of a distribution's range.
                vector[j] = (0.0, 1.0, 0.5)[i % 3]
        vectors.append(vector)
    if dims and dims[0].name == SUBSPACE:
        # Every subspace with each of its value indices, not only those the
        # selector's cycle lines up with.
        k = dims[0].n_categories
        vectors = [np.concatenate([[(s + 0.5) / k], v[1:]]) for s in range(k) for v in vectors]
    vectors.extend(space.sample_vectors(RANDOM_DRAWS, random_state=0))
    return [space.decode(v) for v in vectors]


def check_configuration(estimator, params, label) -> None:
    """``clone(estimator).set_params(**params)`` passes the estimator's own
    parameter validation and serializes."""
    name = _name(estimator)
    try:
        model = clone(estimator)
    except Exception as error:
        raise TypeError(
            f"estimator={name}(...) cannot be copied with sklearn.base.clone, as the search copies "
            f"it for every configuration: {type(error).__name__}: {error}"
        ) from error
    try:
        model.set_params(**params)
    except Exception as error:
        raise ValueError(
            f"{label} is invalid: {name}.set_params refuses the configuration {_short(params)}: "
            f"{type(error).__name__}: {error}"
        ) from error
    # scikit-learn's declared constraints; an estimator without them has none to check.
    if hasattr(model, "_parameter_constraints") and hasattr(model, "_validate_params"):
        try:
            model._validate_params()
        except Exception as error:
            culprit = _culprit(params, str(error))
            raise ValueError(
                f"{label}{culprit} is invalid: {name} refuses the configuration {_short(params)}: {error}"
            ) from error
    # The estimator itself was serialized once already: what differs is the values.
    for key, value in params.items():
        try:
            cloudpickle.dumps(value)
        except Exception as error:
            raise TypeError(
                f"{label}[{key!r}] holds {_short(value)}, which cannot be serialized with "
                f"cloudpickle, as Dask sends every configuration to the workers: "
                f"{type(error).__name__}: {error}. Use values that can be pickled."
            ) from error


def _culprit(params, message) -> str:
    # scikit-learn names the parameter it refuses as "The 'alpha' parameter".
    for key in params:
        if f"'{key}'" in message or f"'{key.rsplit('__', 1)[-1]}' parameter" in message:
            return f"[{key!r}]={_short(params[key])}"
    return ""


# -- scoring ---------------------------------------------------------------


def check_scoring(scoring) -> None:
    """A callable ``scoring`` is a scorer ``scoring(estimator, X, y)``, not a metric, and serializes."""
    if scoring is None or isinstance(scoring, str) or not callable(scoring):
        return
    label = getattr(scoring, "__name__", None) or _short(scoring)
    advice = (
        "A scorer takes (estimator, X, y) and returns a number; turn a metric "
        "metric(y_true, y_pred) into one with sklearn.metrics.make_scorer(metric), or pass "
        "the name of a scorer (e.g. scoring='accuracy')."
    )
    module = getattr(scoring, "__module__", None) or ""
    if module.startswith("sklearn.metrics") and not module.startswith("sklearn.metrics._scorer"):
        raise TypeError(f"scoring={label} is invalid: it is a metric, not a scorer. {advice}")
    try:
        signature = inspect.signature(scoring)
    except (TypeError, ValueError):
        signature = None  # a builtin or extension callable: nothing to learn from it
    if signature is not None:
        try:
            signature.bind(None, None, None)
        except TypeError:
            raise TypeError(
                f"scoring={label} is invalid: it is called as scoring(estimator, X, y), which its "
                f"signature {signature} does not accept. {advice}"
            ) from None
        first = next(iter(signature.parameters), None)
        if first in _METRIC_ARGUMENTS:
            raise TypeError(
                f"scoring={label} is invalid: its first argument is {first!r}, as a metric's, but "
                f"a scorer's first argument is the estimator. {advice}"
            )
    try:
        cloudpickle.dumps(scoring)
    except Exception as error:
        raise TypeError(
            f"scoring={label} cannot be serialized with cloudpickle, as Dask sends it to the "
            f"workers: {type(error).__name__}: {error}"
        ) from error


class NumericScorer:
    """A scorer whose scores must be real numbers.

    A score of another type (the string ``"0.9"``, a list, None) raises
    ``TypeError``, so the model that gave it fails as any model whose scoring
    raises, instead of being ranked by whatever ``float`` makes of it.

    Parameters
    ----------
    scorer : callable
        ``scorer(estimator, X, y)``.

    Examples
    --------
    >>> NumericScorer(lambda estimator, X, y: 0.5)(None, None)
    0.5
    >>> NumericScorer(lambda estimator, X, y: "0.9")(None, None)
    Traceback (most recent call last):
    ...
    TypeError: the score is '0.9' of type str: a scorer must return a real number.
    """

    def __init__(self, scorer):
        self.scorer = scorer

    def __call__(self, estimator, X, y=None):
        score = self.scorer(estimator, X, y)
        if isinstance(score, np.ndarray) and score.ndim == 0 and score.dtype.kind in "biuf":
            return score
        if isinstance(score, numbers.Real):
            return score
        raise TypeError(
            f"the score is {_short(score)} of type {type(score).__name__}: "
            "a scorer must return a real number."
        )


# -- the data --------------------------------------------------------------


def _tags(estimator):
    try:
        return get_tags(estimator)
    except Exception:
        return None  # an estimator without scikit-learn's tags: nothing declared to check


def _is_frame(obj) -> bool:
    return hasattr(obj, "iloc") and hasattr(obj, "columns")


def _head(obj):
    """The first rows of ``obj``: lazily for a dask collection (only its first block)."""
    if obj is None:
        return None
    if is_dask_collection(obj):
        if hasattr(obj, "blocks"):
            return obj.blocks[0][:HEAD_ROWS] if obj.ndim and obj.numblocks[0] else obj[:0]
        return obj.partitions[0].head(HEAD_ROWS, npartitions=1, compute=False)
    if hasattr(obj, "iloc"):
        return obj.iloc[:HEAD_ROWS]
    if hasattr(obj, "tocsr"):
        return obj.tocsr()[:HEAD_ROWS]
    return obj[:HEAD_ROWS] if getattr(obj, "ndim", 0) else obj


def _in_memory(obj):
    """``obj`` as NumPy / pandas / sparse, the way the search sends it."""
    if obj is None or is_dask_collection(obj) or hasattr(obj, "iloc") or hasattr(obj, "tocsr"):
        return obj
    return np.asarray(obj)


def _shape(obj):
    return tuple(obj.shape) if hasattr(obj, "shape") else np.shape(obj)


def check_data(estimator, X, y, fit_params) -> np.ndarray | None:
    """The first rows of X and y (all of them for in-memory data, where it is
    cheap) pass what the estimator's tags call for.

    Returns
    -------
    classes : ndarray or None
        The classes of an in-memory ``y`` of a classifier, None otherwise.
    """
    tags = _tags(estimator)
    name = _name(estimator)
    X, y = _in_memory(X), _in_memory(y)
    lazy = is_dask_collection(X) or is_dask_collection(y)
    X_head, y_head = (_head(X), _head(y))
    if lazy:
        # One pass over the first block, for X and y together (y may be computed from X).
        X_head, y_head = compute(X_head, y_head)
    where = " in its first rows" if is_dask_collection(X) else ""
    if tags is None:
        return None
    inputs = tags.input_tags
    if len(_shape(X)) == 1 and inputs.two_d_array and not inputs.one_d_array:
        raise ValueError(
            f"X has shape {_shape(X)}, a 1-D array, and {name} takes a 2-D array of shape "
            "(n_samples, n_features): use X.reshape(-1, 1) if it holds one feature."
        )
    if not inputs.string and not inputs.dict:
        _check_numeric(X_head, name, inputs.categorical)
    if not lazy:
        _check_finite("X", X, name, inputs.allow_nan, "")
    else:
        _check_finite("X", X_head, name, inputs.allow_nan, where)
    required = tags.target_tags.required
    if y is None:
        if required:
            raise ValueError(
                f"y=None is invalid: {name} requires y to be passed, but the target y is None "
                "(its target_tags.required tag is True): pass y to fit."
            )
        return None
    if not required:
        return None  # an estimator that ignores y
    _check_finite("y", y_head if is_dask_collection(y) else y, name, False,
                  " in its first rows" if is_dask_collection(y) else "")
    if not is_classifier(estimator) or is_dask_collection(y):
        return None
    given = fit_params.get("classes")
    if given is not None:
        return np.asarray(given)
    values = np.asarray(y)
    try:
        check_classification_targets(values)
    except ValueError as error:
        raise ValueError(
            f"y holds {type_of_target(values)} values (e.g. {_short(values.ravel()[0])}) and {name} is "
            f"a classifier, which needs class labels: {error}"
        ) from None
    if values.ndim != 1:
        return None  # multi-output targets: their classes are per output
    try:
        classes = np.unique(values)
    except TypeError:
        return None  # labels of mixed types: the estimator decides
    if len(classes) < 2:
        raise ValueError(
            f"y has {len(classes)} class{'es' if len(classes) != 1 else ''}"
            f"{' (' + _short(getattr(classes[0], 'item', lambda: classes[0])()) + ')' if len(classes) else ''} and {name} is a classifier, "
            "which needs at least two: pass targets of two or more classes."
        )
    return classes


def _check_numeric(head, name, categorical) -> None:
    if head is None or hasattr(head, "tocsr"):
        return
    if _is_frame(head):
        from pandas.api.types import is_bool_dtype, is_numeric_dtype

        for column, dtype in head.dtypes.items():
            if is_numeric_dtype(dtype) or is_bool_dtype(dtype):
                continue
            if categorical and str(dtype) == "category":
                continue
            example = head[column].iloc[0] if len(head) else None
            raise ValueError(
                f"X has the non-numeric column {column!r} (dtype {dtype}, e.g. {_short(example)}) "
                f"and {name} takes numbers only: encode it first, e.g. with "
                "sklearn.preprocessing.OneHotEncoder or OrdinalEncoder."
            )
        return
    values = np.asarray(head)
    if values.dtype.kind not in "OUSV":
        return
    for value in values.ravel():
        try:
            float(value)
        except (TypeError, ValueError) as error:
            # The same kind of error as float()'s, and its words, as scikit-learn's own check gives.
            raise type(error)(
                f"X holds non-numeric values (dtype {values.dtype}, e.g. {_short(value)}: {error}) "
                f"and {name} takes numbers only: encode them first, e.g. with "
                "sklearn.preprocessing.OneHotEncoder or OrdinalEncoder."
            ) from None


def _check_finite(label, data, name, allow_nan, where) -> None:
    if data is None:
        return
    if hasattr(data, "tocsr"):
        values, sparse = data.tocsr().data, True
    elif _is_frame(data) or hasattr(data, "iloc"):
        from pandas.api.types import is_numeric_dtype

        dtypes = list(data.dtypes) if _is_frame(data) else [data.dtype]
        if not all(is_numeric_dtype(d) for d in dtypes):
            return
        values, sparse = data.to_numpy(dtype=float, na_value=np.nan), False
    else:
        values, sparse = np.asarray(data), False
        if values.dtype.kind == "O":
            try:
                values = values.astype(float)
            except (TypeError, ValueError):
                return  # not numbers: for the estimator to judge
    if values.dtype.kind not in "fc":
        return  # integers and booleans are always finite
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(values.sum()):
            return  # the usual case, in one pass; an overflowing sum falls through to the exact check
    bad = ~np.isfinite(values)
    if allow_nan:
        bad &= ~np.isnan(values)
    if not bad.any():
        return
    at = tuple(int(i) for i in np.argwhere(bad)[0])
    value = float(values[at].real)
    position = "" if sparse else (
        f" (row {at[0]}{', column ' + str(at[1]) if len(at) > 1 else ''}{where})"
    )
    kind = "missing values (NaN)" if np.isnan(value) else "infinite values"
    if label == "y":
        allowed = "targets must be finite: drop or fill those rows first."
    elif allow_nan:
        allowed = f"{name} accepts NaN but not infinite values: replace them first."
    else:
        allowed = (
            f"{name} does not accept them (its allow_nan tag is False): impute or drop them "
            "first, e.g. with sklearn.impute.SimpleImputer."
        )
    shown = "NaN" if np.isnan(value) else repr(value)
    raise ValueError(f"{label} contains {shown}{position}: {kind} are invalid here; {allowed}")


# -- fit parameters ----------------------------------------------------------


def _n_rows(obj):
    if obj is None:
        return None
    if is_dask_collection(obj):
        n = obj.shape[0] if hasattr(obj, "blocks") else None
        return None if n is None or (isinstance(n, float) and math.isnan(n)) else int(n)
    shape = getattr(obj, "shape", None)
    if shape:
        return int(shape[0])
    try:
        return len(obj)
    except TypeError:
        return None


def check_fit_params(X, fit_params) -> None:
    """Refuse fit parameters with one value per row, and any that does not serialize."""
    n_rows = _n_rows(X)
    for key, value in fit_params.items():
        if key == "classes":
            continue
        per_row = key == "sample_weight" and value is not None
        per_row = per_row or is_dask_collection(value)
        if not per_row and n_rows is not None and not isinstance(value, (str, bytes, dict)):
            per_row = _n_rows(value) == n_rows
        if per_row:
            raise ValueError(
                f"{key}={_short(value)} is not supported yet: it has one value per row of X, and "
                "fit passes its fit parameters whole to every partial_fit call, while the rows are "
                "split into blocks and a validation set. Leave it out (a classifier's class_weight "
                "parameter can stand in for class-balancing weights)."
            )
        try:
            cloudpickle.dumps(value)
        except Exception as error:
            raise TypeError(
                f"{key}={_short(value)} cannot be serialized with cloudpickle, as Dask sends fit "
                f"parameters to the workers: {type(error).__name__}: {error}"
            ) from error


# -- rows for training and validation ---------------------------------------


def check_rows(estimator, X, test_size, classes) -> None:
    """Enough rows to train on and to validate on.

    At least :data:`MIN_ROWS` of each, and one per class for a classifier
    whose classes are known, in all; and on average at least
    :data:`MIN_ROWS` training rows per block, the data of one ``partial_fit``
    call.
    """
    blocks = input_kind(X).block_rows(X)
    if not blocks:
        return
    n_classes = len(classes) if classes is not None else 1
    least = max(MIN_ROWS, n_classes)
    total = sum(blocks)
    validation = sum(validation_count(n, test_size) for n in blocks)
    training = total - validation
    per_class = f" (one per class for {n_classes} classes)" if n_classes > MIN_ROWS else ""
    where = f" of {total} in {len(blocks)} block{'s' if len(blocks) > 1 else ''}"
    if validation < least:
        raise ValueError(
            f"test_size={test_size!r} leaves {validation} validation row{'s' if validation != 1 else ''}"
            f"{where}: a search needs at least {least}{per_class} to compare models. Give more rows, "
            "or a larger test_size."
        )
    least_training = max(least, MIN_ROWS * len(blocks))
    if training < least_training:
        reasons = [f"{MIN_ROWS} per block on average"] if MIN_ROWS * len(blocks) >= least else []
        if least > MIN_ROWS:
            reasons.append(f"one per class for {n_classes} classes")
        why = f" ({', '.join(reasons)})" if reasons else ""
        raise ValueError(
            f"test_size={test_size!r} leaves {training} training row{'s' if training != 1 else ''}"
            f"{where}: a search needs at least {least_training}{why} to train on. Give more rows, "
            "or a smaller test_size."
        )


# -- samplers ----------------------------------------------------------------


def warn_if_sampler_cannot_learn(search, plan, halving, learning) -> None:
    """Warn when a learning sampler draws every configuration before any score is known.

    In the plan's own order (:func:`hbsearch.driver.notional_order`), a
    draw knows the rungs decided before it. When no draw comes after a
    decision (one bracket, run once), the sampler is random search in effect.
    With asynchronous halving and ``learning="immediate"`` it is told every
    result as it arrives, so it may learn from a rung's first results.
    """
    sampler = search.sampler
    if sampler == "random" or isinstance(sampler, RandomSampler):
        return
    if halving == "asynchronous" and learning == "immediate":
        return
    _, draw_after = notional_order(plan)
    if any(draw_after):
        return
    setting = f"sampler={sampler!r}" if isinstance(sampler, str) else f"sampler={type(sampler).__name__}(...)"
    if search._hyperband:
        why = (
            f"with max_iter={search.max_iter}, aggressiveness={search.aggressiveness} and "
            f"n_iterations={search.n_iterations} the search runs one bracket once, and draws all its "
            "configurations before any score is known"
        )
        advice = "Use n_iterations >= 2 (or a larger max_iter) for it to learn, or sampler='random'."
    else:
        why = f"{type(search).__name__} draws all its configurations before any score is known"
        advice = "Use HyperbandSearchCV with n_iterations >= 2 for it to learn, or sampler='random'."
    warnings.warn(
        f"{setting} cannot learn here: {why}, so the search is a random search in effect. {advice}",
        UserWarning,
        stacklevel=5,
    )


# -- the script ----------------------------------------------------------------


def _is_main_guard(node) -> bool:
    """Whether ``node`` is ``if __name__ == "__main__":`` (either way round)."""
    if not isinstance(node, ast.If) or not isinstance(node.test, ast.Compare):
        return False
    test = node.test
    if len(test.ops) != 1 or not isinstance(test.ops[0], ast.Eq):
        return False
    sides = [test.left, test.comparators[0]]
    names = [s.id for s in sides if isinstance(s, ast.Name)]
    texts = [s.value for s in sides if isinstance(s, ast.Constant)]
    return names == ["__name__"] and texts == ["__main__"]


def check_entry_point() -> None:
    """Refuse a fit called from a script's unguarded top level when it would start a local cluster.

    The local cluster's worker processes are started with ``spawn`` (Dask's
    default), which imports the main script again: without an
    ``if __name__ == "__main__":`` guard each worker would run the search
    again, and fail to start, with one long traceback per worker. One clear
    error before any process starts says what to do instead.
    """
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None)
    if path is None or not os.path.isfile(path):
        return  # a notebook, an interactive session, python -c: not imported again
    if dask.config.get("distributed.worker.multiprocessing-method", "spawn") == "fork":
        return  # forked workers do not import the script again
    from distributed import get_client

    try:
        get_client()
        return  # fit runs on the active client and starts no process
    except ValueError:
        pass
    frame = sys._getframe(1)
    while frame is not None and not (frame.f_globals is vars(main) and frame.f_code.co_name == "<module>"):
        frame = frame.f_back
    if frame is None:
        return  # not called from the script's top level
    line = frame.f_lineno
    try:
        with open(path, encoding="utf-8") as handle:
            tree = ast.parse(handle.read())
    except (OSError, SyntaxError, ValueError):
        return
    for node in tree.body:
        if node.lineno <= line <= (node.end_lineno or node.lineno):
            if _is_main_guard(node):
                return
            break
    else:
        return
    raise RuntimeError(
        f"fit was called at the top level of the script {os.path.basename(path)!r} (line {line}), "
        "outside an `if __name__ == \"__main__\":` block, with no Dask client running: fit would "
        "start a local Dask cluster whose worker processes import the script again, and would run "
        "it again. Put the script's work under `if __name__ == \"__main__\":` (or start a "
        "distributed.Client yourself, under that guard)."
    )
