"""The functions that run on the workers: train a model on blocks, score it on shards.

Tasks take the model, the blocks and plain values, never the search or the
sampler. They copy the model they receive, so a result lost with its worker
can be computed again from the same inputs.
"""

from __future__ import annotations

import copy
import math
import pickle
import time
import traceback

import cloudpickle
import numpy as np
from sklearn.base import clone

from .inputs import n_rows


def train(state, estimator, params, X_blocks, y_blocks, fit_params, catch, carried=False):
    """A new model (``state`` None) or a copy of ``state``'s, trained on the blocks.

    Returns ``(model, fit_time, error)``. The input is never mutated, so a
    lost result can be recomputed. With ``catch``, an exception becomes the
    error's traceback text instead of failing the task. ``carried`` marks a
    task that continues the same job, whose fit time adds to ``state``'s.
    """
    if state is not None and state[2] is not None:
        return state  # failed earlier in this job: nothing to train
    start = time.perf_counter() - (state[1] if carried else 0.0)
    try:
        if state is None:
            model = clone(estimator).set_params(**params)
        else:
            model = copy.deepcopy(state[0])
        for Xb, yb in zip(X_blocks, y_blocks):
            if n_rows(Xb):
                model.partial_fit(Xb, yb, **fit_params)
    except Exception:
        if not catch:
            raise
        return None, time.perf_counter() - start, traceback.format_exc()
    return model, time.perf_counter() - start, None


def score_part(state, X_val, y_val, scorer, catch):
    """``(score, score_time, error)`` of a trained state on one validation shard."""
    model, _, error = state[:3]
    if error is not None:
        return math.nan, 0.0, error
    start = time.perf_counter()
    try:
        score = float(scorer(model, X_val, y_val))
    except Exception:
        if not catch:
            raise
        return math.nan, time.perf_counter() - start, traceback.format_exc()
    if not math.isfinite(score):
        error = f"the validation score is {score}, not a finite number"
        if not catch:
            raise ValueError(error)
    return score, time.perf_counter() - start, error


def scored(state, parts, weights, with_model=True):
    """``(model, fit_time, error, score, score_time, size)``: a trained state and its shards' scores.

    The score is the mean of the shards' scores weighted by their rows: the
    score of the whole validation set for scores that are means over rows
    (accuracy, mean squared error, log loss, ...). Without ``with_model``,
    the model is None (it stays in ``state``). ``size`` is the bytes of the
    model's pickle (0 without the model).
    """
    model, fit_time, error = state[:3]
    if not with_model:
        model = None
    score_time = sum(t for _, t, _ in parts)
    if error is None:
        error = next((e for _, _, e in parts if e is not None), None)
    # Measured here, where the model is, not on the client's path of every result.
    size = model_size(model) if model is not None else 0
    if error is not None:
        return model, fit_time, error, math.nan, score_time, size
    score = float(np.average([s for s, _, _ in parts], weights=weights))
    return model, fit_time, None, score, score_time, size


def train_and_score(
    state, estimator, params, X_blocks, y_blocks, fit_params, catch, carried, X_val, y_val, scorer
):
    """:func:`train`, then the score on the one validation shard, in a single task."""
    trained = train(state, estimator, params, X_blocks, y_blocks, fit_params, catch, carried)
    return scored(trained, [score_part(trained, X_val, y_val, scorer, catch)], [1])


def model_size(model) -> int:
    """Bytes of ``model``'s pickle as Dask makes it (cloudpickle).

    Dask's sizeof does not look inside estimators; the pickle is what travels.
    """
    return len(cloudpickle.dumps(model, protocol=pickle.HIGHEST_PROTOCOL))
