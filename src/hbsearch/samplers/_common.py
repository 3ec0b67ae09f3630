"""Checks and snapping shared by the samplers that know the kinds of their dimensions."""

from __future__ import annotations

import numbers

import numpy as np

_KINDS = ("categorical", "ordinal", "integer", "continuous")


def _is_real(x):
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def _is_int(x):
    return isinstance(x, numbers.Integral) and not isinstance(x, (bool, np.bool_))


def _check_dimensions(dimensions, n_dims):
    """``(n_categories, n_levels)`` per dimension.

    ``n_categories`` counts the values of categorical dimensions (0 for the
    others); ``n_levels`` those of categorical and ordinal ones, whose
    coordinates are snapped to their bins' centres (0 for integer and
    continuous ones).
    """
    n_categories = np.zeros(n_dims, dtype=int)
    n_levels = np.zeros(n_dims, dtype=int)
    if dimensions is None:
        return n_categories, n_levels
    dimensions = list(dimensions)
    if len(dimensions) != n_dims:
        raise ValueError(
            f"dimensions has {len(dimensions)} entries, but n_dims={n_dims}."
        )
    for i, dim in enumerate(dimensions):
        kind = getattr(dim, "kind", None)
        if kind not in _KINDS:
            raise ValueError(
                f"dimensions[{i}].kind={kind!r} is invalid: it must be one of "
                + ", ".join(repr(k) for k in _KINDS) + "."
            )
        if kind in ("categorical", "ordinal"):
            k = getattr(dim, "n_categories", None)
            if not _is_int(k) or k < 1:
                raise ValueError(
                    f"dimensions[{i}].n_categories={k!r} is invalid: a "
                    f"{kind} dimension needs an int >= 1."
                )
            n_levels[i] = k
            if kind == "categorical":
                n_categories[i] = k
    return n_categories, n_levels


def _snap(vectors, n_categories):
    """A copy of ``vectors`` with categorical and ordinal coordinates at their bin centres.

    ``n_categories`` is the number of bins of each dimension (0: not snapped).

    Bins follow the search space's decoding ``min(floor(u*k), k-1)``, so the
    snapped vector decodes to the same configuration; snapping makes equal
    configurations equal vectors.
    """
    out = np.array(vectors, dtype=float, copy=True)
    cat = n_categories > 0
    if cat.any():
        k = n_categories[cat]
        codes = np.minimum(np.floor(np.clip(out[..., cat], 0.0, 1.0) * k), k - 1)
        out[..., cat] = (codes + 0.5) / k
    return out


def _check_ask(sampler, n):
    if not hasattr(sampler, "rng_"):
        raise RuntimeError(
            f"{type(sampler).__name__} is not set up: call setup(n_dims) first."
        )
    if not _is_int(n) or n < 0:
        raise ValueError(f"n={n!r} is invalid: it must be an int >= 0.")
    return int(n)


def _check_tell(vectors, scores, budgets, n_dims, n_categories):
    """Validated ``(vectors, scores, budgets)``.

    Vectors come back clipped to the cube and snapped; non-finite scores
    (failures, and +inf, which no real score reaches) become -inf so that
    they rank below every finite score; budgets become Python numbers used
    as dict keys.
    """
    vectors = np.asarray(vectors, dtype=float)
    if vectors.size == 0:
        vectors = vectors.reshape(0, n_dims)
    if vectors.ndim != 2 or vectors.shape[1] != n_dims:
        raise ValueError(
            f"vectors must have shape (n, {n_dims}), got {vectors.shape}."
        )
    if np.isnan(vectors).any():
        raise ValueError("vectors must not contain NaN.")
    m = len(vectors)
    scores = np.asarray(scores, dtype=float).reshape(-1)
    if scores.shape != (m,):
        raise ValueError(
            f"scores must have shape ({m},) like vectors, got {scores.shape}."
        )
    budgets = np.asarray(budgets, dtype=float)
    if budgets.ndim == 0:
        budgets = np.full(m, float(budgets))
    budgets = budgets.reshape(-1)
    if budgets.shape != (m,):
        raise ValueError(
            f"budgets must have shape ({m},) like vectors, got {budgets.shape}."
        )
    if not np.isfinite(budgets).all():
        raise ValueError("budgets must be finite.")
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    vectors = _snap(np.clip(vectors, 0.0, 1.0), n_categories)
    keys = [int(b) if float(b).is_integer() else float(b) for b in budgets]
    return vectors, scores, keys


