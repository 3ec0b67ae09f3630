"""Estimators that time their own ``partial_fit`` and ``score`` calls, per process.

``compare_daskml.py`` gives these to both searches. Every call adds its
duration (``time.perf_counter``) and a count to a counter of the process it
runs in, so on a Dask cluster the counters hold the compute done on each
worker. Collect them with ``client.run(timed.collect)`` and zero them with
``client.run(timed.reset)``. Pickled estimators refer to this module by name
(``timed``): the worker processes must be able to import it, which holds for
a ``LocalCluster`` started from a script in this directory (its worker
processes are spawned with the parent's ``sys.path``).

The subclasses add no parameters, so ``clone``, ``get_params`` and
``set_params`` behave as for the parent classes.
"""

from __future__ import annotations

import os
import threading
import time

from sklearn.linear_model import SGDClassifier
from sklearn.neural_network import MLPClassifier

__all__ = ["TimedMLPClassifier", "TimedSGDClassifier", "collect", "pop_events", "reset"]

_lock = threading.Lock()
_counts = {"partial_fit_calls": 0, "partial_fit_s": 0.0, "score_calls": 0, "score_s": 0.0}
# (kind, start, end, score) of every call, wall-clock (time.time: one clock for all
# processes of the machine), for anytime curves; score is None for partial_fit.
_events: list = []


def _add(kind: str, seconds: float) -> None:
    with _lock:
        _counts[f"{kind}_calls"] += 1
        _counts[f"{kind}_s"] += seconds


def collect() -> dict:
    """This process's counters and its pid (for ``client.run``)."""
    with _lock:
        return {**_counts, "pid": os.getpid()}


def pop_events() -> list:
    """This process's ``(kind, start, end, score)`` call events since the last pop."""
    with _lock:
        events = list(_events)
        _events.clear()
        return events


def reset() -> dict:
    """Zero this process's counters; returns their values before."""
    with _lock:
        before = {**_counts, "pid": os.getpid()}
        for key in _counts:
            _counts[key] = type(_counts[key])(0)
        _events.clear()
        return before


class _Timed:
    def partial_fit(self, X, y, classes=None, **kwargs):
        start, wall = time.perf_counter(), time.time()
        try:
            return super().partial_fit(X, y, classes=classes, **kwargs)
        finally:
            _add("partial_fit", time.perf_counter() - start)
            with _lock:
                _events.append(("partial_fit", wall, time.time(), None))

    def score(self, X, y, sample_weight=None):
        start, wall = time.perf_counter(), time.time()
        value = None
        try:
            value = super().score(X, y, sample_weight=sample_weight)
            return value
        finally:
            _add("score", time.perf_counter() - start)
            with _lock:
                _events.append(("score", wall, time.time(), value))


class TimedMLPClassifier(_Timed, MLPClassifier):
    """``MLPClassifier`` counting the time of its ``partial_fit`` and ``score`` calls."""


class TimedSGDClassifier(_Timed, SGDClassifier):
    """``SGDClassifier`` counting the time of its ``partial_fit`` and ``score`` calls."""
