"""Scored steps, and the tables users read: cv_results_, history_, metadata_."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

__all__ = ["Record", "ModelInfo", "selection_key", "history", "model_history", "cv_results"]


@dataclass(frozen=True)
class Record:
    """One scored step of one model.

    ``partial_fit_time`` is the time spent in the partial_fit calls made since
    the model's previous record; ``elapsed_wall_time`` counts from the moment
    the search began handing jobs to the cluster (once the data was set up) to
    the moment the client received the score.
    """

    model: int
    partial_fit_calls: int
    score: float
    partial_fit_time: float
    score_time: float
    elapsed_wall_time: float
    error: str | None = None


@dataclass(frozen=True)
class ModelInfo:
    """How a model is shown to users."""

    model_id: object
    params: dict
    bracket: int | None = None
    rung: int = 0  # the last rung of its bracket it reached (0: the first)


def selection_key(score: float, calls: int, model: int, failed: bool = False) -> tuple:
    """Sort key of a model's final state: the largest is the best model.

    Highest score first; a failed model or a NaN score never wins over
    another; ties go to the model trained longer, then to the older model.
    """
    valid = not failed and not math.isnan(score)
    return (valid, score if valid else 0.0, calls, -model)


def history(records: list[Record], models: list[ModelInfo]) -> list[dict]:
    """dask-ml's ``history_``: one dict per record, in the order received."""
    out = []
    for r in sorted(records, key=lambda r: r.elapsed_wall_time):
        info = models[r.model]
        entry = {
            "model_id": info.model_id,
            "params": info.params,
            "partial_fit_calls": r.partial_fit_calls,
            "partial_fit_time": r.partial_fit_time,
            "score": r.score,
            "score_time": r.score_time,
            "elapsed_wall_time": r.elapsed_wall_time,
            "error": r.error,
        }
        if info.bracket is not None:
            entry["bracket"] = info.bracket
        out.append(entry)
    return out


def model_history(history_: list[dict]) -> dict:
    """``model_history_``: the records of ``history_`` grouped by model_id."""
    grouped = defaultdict(list)
    for entry in history_:
        grouped[entry["model_id"]].append(entry)
    return dict(grouped)


def _records_by_model(records: list[Record]) -> dict[int, list[Record]]:
    grouped = defaultdict(list)
    for r in records:
        grouped[r.model].append(r)
    for rs in grouped.values():
        rs.sort(key=lambda r: r.partial_fit_calls)
    return grouped


def cv_results(records: list[Record], models: list[ModelInfo]) -> tuple[dict, list[int]]:
    """``cv_results_`` with one row per scored model, in model order.

    Returns the dict and the model index of each row. ``test_score`` is each
    model's latest score; ``rank_test_score`` ranks all rows together (NaN last).
    As scikit-learn's halving searches name them, ``mean_test_score`` is
    ``test_score`` (one validation split), ``n_resources`` the model's
    ``partial_fit_calls`` and ``iter`` the last rung it reached (from 0).
    ``model_id`` is an integer array when ids are integers, else strings, as
    in dask-ml.
    ``param_<name>`` columns are masked object arrays, as in scikit-learn, so
    tuples of different lengths and estimators stay as they are.
    """
    grouped = _records_by_model(records)
    rows = sorted(grouped)
    n = len(rows)
    last = [grouped[i][-1] for i in rows]
    pf_times = [[r.partial_fit_time for r in grouped[i]] for i in rows]
    sc_times = [[r.score_time for r in grouped[i]] for i in rows]
    test_score = np.array([r.score for r in last], dtype=float)
    failed = np.array([r.error is not None for r in last], dtype=bool)
    # Failed models rank after every other, whatever error_score they were given.
    ranked = np.where(failed | np.isnan(test_score), -np.inf, test_score)
    results = {
        "mean_partial_fit_time": np.array([np.mean(t) for t in pf_times]),
        "std_partial_fit_time": np.array([np.std(t) for t in pf_times]),
        "mean_score_time": np.array([np.mean(t) for t in sc_times]),
        "std_score_time": np.array([np.std(t) for t in sc_times]),
        "test_score": test_score,
        "mean_test_score": test_score.copy(),
        "rank_test_score": rankdata(-ranked, method="min").astype(int),
        "model_id": np.array([models[i].model_id for i in rows]),
        "partial_fit_calls": np.array([r.partial_fit_calls for r in last], dtype=int),
        "n_resources": np.array([r.partial_fit_calls for r in last], dtype=int),
        "iter": np.array([models[i].rung for i in rows], dtype=int),
        "params": [models[i].params for i in rows],
        "error": _object_array([r.error for r in last]),
    }
    names = sorted({name for i in rows for name in models[i].params})
    for name in names:
        column = np.ma.MaskedArray(np.empty(n, dtype=object), mask=True)
        for j, i in enumerate(rows):
            if name in models[i].params:
                column[j] = models[i].params[name]
        results[f"param_{name}"] = column
    if any(models[i].bracket is not None for i in rows):
        results["bracket"] = np.array([models[i].bracket for i in rows], dtype=int)
    return results, rows


def _object_array(values: list) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def fitted_metadata(records: list[Record], models: list[ModelInfo], brackets: list[dict]) -> dict:
    """``metadata_``: what the search actually did, in ``metadata``'s layout.

    ``brackets`` gives, per bracket, ``bracket`` (its id), ``models`` (model
    indices) and ``decisions`` (the calls at which its plan decides). As in
    dask-ml, a bracket's fitted ``decisions`` are the calls at which its
    models were scored, so they show where ``patience`` stopped models; the
    score after a model's first call counts only where the plan decides at 1.
    """
    final_calls = defaultdict(int)
    scored_at = defaultdict(set)
    for r in records:
        final_calls[r.model] = max(final_calls[r.model], r.partial_fit_calls)
        scored_at[r.model].add(r.partial_fit_calls)
    # Bracket runs of several iterations share their bracket id and its entry.
    by_id: dict = {}
    for b in brackets:
        scored = [i for i in b["models"] if i in final_calls]
        entry = by_id.setdefault(
            b["bracket"],
            {"bracket": b["bracket"], "n_models": 0, "partial_fit_calls": 0, "decisions": []},
        )
        entry["n_models"] += len(scored)
        entry["partial_fit_calls"] += sum(final_calls[i] for i in scored)
        calls = set().union(*(scored_at[i] for i in scored))
        if 1 not in b["decisions"]:
            calls.discard(1)
        entry["decisions"] = sorted(set(entry["decisions"]) | calls)
    out_brackets = sorted(by_id.values(), key=lambda b: b["bracket"])
    return {
        "n_models": sum(b["n_models"] for b in out_brackets),
        "partial_fit_calls": sum(b["partial_fit_calls"] for b in out_brackets),
        "brackets": out_brackets,
    }
