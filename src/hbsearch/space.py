"""Mapping between scikit-learn style search spaces and the unit cube.

Samplers work on vectors in ``[0, 1]^d``; :class:`SearchSpace` decodes
such vectors into parameter dicts and encodes parameter dicts back.
"""

from __future__ import annotations

import math
import numbers
import reprlib
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats
from sklearn.utils import check_random_state

__all__ = ["Dimension", "SearchSpace"]

SUBSPACE = "__subspace__"

# Used to keep ``ppf`` finite on unbounded distributions.
_EPS = 1e-12


@dataclass(frozen=True)
class Dimension:
    """One dimension of the unit cube.

    Attributes
    ----------
    name : str
        The parameter name, or ``"__subspace__"`` for the subspace selector.
    kind : {"categorical", "ordinal", "integer", "continuous"}
        ``"categorical"`` for lists of values and the subspace selector,
        ``"ordinal"`` for lists of numbers (their bins in increasing order
        of value, so that neighbouring values are neighbours on the cube),
        ``"integer"`` for discrete scipy distributions and ``"continuous"``
        for continuous ones.
    n_categories : int or None
        Number of values of a categorical or ordinal dimension, None
        otherwise.
    subspace : int or None
        Index of the subspace the parameter belongs to, None for the
        subspace selector.

    Examples
    --------
    >>> from scipy.stats import randint
    >>> SearchSpace({"layers": [(8,), (4, 4)], "batch": randint(16, 65)}).dimensions[0]
    Dimension(name='batch', kind='integer', n_categories=None, subspace=0)
    """

    name: str
    kind: str
    n_categories: int | None = None
    subspace: int | None = None


def _short(value):
    return reprlib.repr(value)


def _bin(u, k):
    """Index of the equal-width bin of ``[0, 1]`` (out of ``k``) holding ``u``."""
    return min(math.floor(u * k), k - 1)


def _is_real(x):
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


class _Categorical:
    kind = "categorical"

    def __init__(self, label, values):
        self.label = label
        self.values = list(values)

    def decode(self, u):
        return self.values[_bin(u, len(self.values))]

    def encode(self, x):
        return (self._index(x) + 0.5) / len(self.values)

    def _index(self, x):
        # Identity first, so that objects with an odd ``==`` (arrays,
        # estimators) are found without comparing them at all.
        for i, v in enumerate(self.values):
            if v is x:
                return i
        for i, v in enumerate(self.values):
            try:
                equal = v == x
            except Exception:
                continue
            if isinstance(equal, (bool, np.bool_)) and equal:
                return i
        raise ValueError(
            f"{self.label}={_short(x)} is not one of the allowed values "
            f"{_short(self.values)}."
        )


class _Ordinal(_Categorical):
    """A list of numbers: bins in increasing order of value."""

    kind = "ordinal"

    def __init__(self, label, values):
        # A stable sort, so that equal values keep the user's order.
        super().__init__(label, sorted(values, key=float))


def _is_number_list(values):
    return len(values) > 1 and all(_is_real(v) and math.isfinite(v) for v in values)


class _Distribution:
    def __init__(self, label, dist):
        self.label = label
        self.dist = dist
        self.discrete = isinstance(getattr(dist, "dist", None), stats.rv_discrete)
        self.kind = "integer" if self.discrete else "continuous"
        if hasattr(dist, "support"):
            low, high = dist.support()
        else:
            low, high = dist.ppf(0.0), dist.ppf(1.0)
        self.low, self.high = float(low), float(high)
        # Clip only on unbounded sides, so that bounded distributions
        # decode 0 and 1 to their exact end points.
        self.u_min = 0.0 if math.isfinite(self.low) else _EPS
        self.u_max = 1.0 if math.isfinite(self.high) else 1.0 - _EPS

    def _cast(self, x):
        return int(x) if self.discrete else float(x)

    def decode(self, u):
        # Also needed because a discrete ppf(0) is one below the support.
        if u <= 0.0 and math.isfinite(self.low):
            return self._cast(self.low)
        if u >= 1.0 and math.isfinite(self.high):
            return self._cast(self.high)
        return self._cast(self.dist.ppf(min(max(u, self.u_min), self.u_max)))

    def encode(self, x):
        if not (_is_real(x) and self.low <= x <= self.high and math.isfinite(x)):
            raise ValueError(
                f"{self.label}={_short(x)} is outside the support "
                f"[{self.low}, {self.high}] of the distribution."
            )
        if self.discrete:
            if x != math.floor(x):
                raise ValueError(
                    f"{self.label}={_short(x)} is not an integer, but the "
                    "distribution is discrete."
                )
            # Middle of the cdf step of x, so that ppf maps it back to x.
            u = (self.dist.cdf(x - 1) + self.dist.cdf(x)) / 2
        else:
            u = self.dist.cdf(x)
        return min(max(float(u), 0.0), 1.0)


def _n_levels(codec):
    """Distinct values of one parameter: its list's length, a bounded discrete
    distribution's support size, else ``math.inf``."""
    if isinstance(codec, _Categorical):
        return len(codec.values)
    if codec.discrete and math.isfinite(codec.low) and math.isfinite(codec.high):
        return int(codec.high - codec.low) + 1
    return math.inf


def _level(codec, u):
    """Which value of the parameter ``u`` decodes to, as a hashable number."""
    if isinstance(codec, _Categorical):
        return _bin(u, len(codec.values))
    return codec.decode(u) if codec.discrete else u


def _level_vector(codec, level):
    """The coordinate of value number ``level`` of a finite parameter."""
    if isinstance(codec, _Categorical):
        return (level + 0.5) / len(codec.values)
    return codec.encode(int(codec.low) + level)


def _make_codec(label, value):
    """Validate one search space entry and build its codec."""
    invalid = f"{label}={_short(value)} is invalid: "
    if isinstance(value, (stats.rv_continuous, stats.rv_discrete)):
        raise TypeError(
            invalid + "it is a scipy.stats distribution that is not frozen; "
            "call it with its parameters, e.g. scipy.stats.uniform(0, 1)."
        )
    if hasattr(value, "ppf") or hasattr(value, "rvs"):
        if not (callable(getattr(value, "ppf", None))
                and callable(getattr(value, "cdf", None))):
            raise TypeError(
                invalid + "a distribution must have the methods ppf and cdf, "
                "like a frozen scipy.stats distribution."
            )
        return _Distribution(label, value)
    if isinstance(value, np.ndarray) and value.ndim != 1:
        raise ValueError(invalid + f"a numpy array of values must be 1-D, "
                                   f"got shape {value.shape}.")
    if isinstance(value, (list, tuple, range, np.ndarray)):
        if len(value) == 0:
            raise ValueError(
                invalid + "it must be a non-empty list of values or a frozen "
                "scipy.stats distribution."
            )
        values = list(value)
        return _Ordinal(label, values) if _is_number_list(values) else _Categorical(label, values)
    raise TypeError(
        invalid + "it must be a non-empty list of values or a frozen "
        "scipy.stats distribution. Single values must be wrapped in a list."
    )


class SearchSpace:
    """A search space mapped onto the unit cube ``[0, 1]^n_dims``.

    Each parameter of each subspace gets one dimension: subspaces in
    order, parameter names sorted within a subspace. With several
    subspaces, an extra first categorical dimension selects the subspace;
    the dimensions of the other subspaces are then ignored by
    :meth:`decode` and set to 0.5 by :meth:`encode`.

    Lists of ``k`` values split ``[0, 1]`` into ``k`` equal bins; lists of
    numbers are ordinal, their bins in increasing order of value (so a
    sampler finds neighbouring values next to each other).
    Distributions are mapped through their ``ppf`` (decode) and ``cdf``
    (encode); a discrete value is encoded as the middle of its cdf step.

    Parameters
    ----------
    parameters : dict or list of dict
        As accepted by :class:`sklearn.model_selection.ParameterSampler`:
        dicts mapping a parameter name to a non-empty list of values or to
        a frozen ``scipy.stats`` distribution. A list of dicts is a union of
        subspaces; a configuration comes from one subspace, chosen
        uniformly.

    Attributes
    ----------
    names : list of str
        All parameter names, over all subspaces, sorted.
    dimensions : list of Dimension
        One entry per dimension of the cube, in order.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> space = SearchSpace({"alpha": loguniform(1e-4, 1), "loss": ["l1", "l2"]})
    >>> space.decode([0.0, 0.9])
    {'alpha': 0.0001, 'loss': 'l2'}
    """

    def __init__(self, parameters):
        if isinstance(parameters, Mapping):
            subspaces, multi = [parameters], False
        elif isinstance(parameters, (list, tuple)):
            subspaces, multi = list(parameters), True
            if not subspaces:
                raise ValueError("parameters=[] is invalid: a list of "
                                 "parameter dicts must not be empty.")
            for i, sub in enumerate(subspaces):
                if not isinstance(sub, Mapping):
                    raise TypeError(
                        f"parameters[{i}]={_short(sub)} is invalid: it must "
                        "be a dict of parameter names to values."
                    )
        else:
            raise TypeError(
                f"parameters={_short(parameters)} is invalid: it must be a "
                "dict or a list of dicts of parameter names to values."
            )

        self.dimensions = []
        # Per subspace: list of (position in the vector, name, codec).
        self._subspaces = []
        if len(subspaces) > 1:
            self.dimensions.append(
                Dimension(SUBSPACE, "categorical", len(subspaces), None))
        for s, sub in enumerate(subspaces):
            prefix = f"parameters[{s}]" if multi else "parameters"
            if not sub:
                raise ValueError(f"{prefix}={{}} is invalid: it must contain "
                                 "at least one parameter.")
            for name in sub:
                if not isinstance(name, str):
                    raise TypeError(
                        f"{prefix} has the key {name!r} of type "
                        f"{type(name).__name__}: parameter names must be str."
                    )
            entries = []
            for name in sorted(sub):
                codec = _make_codec(f"{prefix}[{name!r}]", sub[name])
                n_categories = (len(codec.values)
                                if isinstance(codec, _Categorical) else None)
                entries.append((len(self.dimensions), name, codec))
                self.dimensions.append(
                    Dimension(name, codec.kind, n_categories, s))
            self._subspaces.append(entries)
        self.names = sorted({name for sub in subspaces for name in sub})

    @property
    def n_dims(self):
        """int : Number of dimensions of the unit cube."""
        return len(self.dimensions)

    def decode(self, vector):
        """Turn a point of the unit cube into a parameter dict.

        Parameters
        ----------
        vector : array-like of shape (n_dims,)
            Coordinates; values outside ``[0, 1]`` are clipped.

        Returns
        -------
        params : dict
            The configuration. List values are returned as the very objects
            of the list; distribution values as Python int (discrete) or
            float (continuous).
        """
        u = np.asarray(vector, dtype=float)
        if u.shape != (self.n_dims,):
            raise ValueError(f"vector must have shape ({self.n_dims},), "
                             f"got {u.shape}.")
        if np.isnan(u).any():
            raise ValueError(f"vector must not contain NaN, got {u}.")
        u = np.clip(u, 0.0, 1.0)
        s = _bin(u[0], len(self._subspaces)) if len(self._subspaces) > 1 else 0
        return {name: codec.decode(float(u[i]))
                for i, name, codec in self._subspaces[s]}

    def encode(self, params):
        """Turn a parameter dict into a point of the unit cube.

        Parameters
        ----------
        params : dict
            A configuration of one subspace: the first subspace with exactly
            these names and whose values or supports contain the values is
            used.

        Returns
        -------
        vector : ndarray of shape (n_dims,)
            Lists values map to the middle of their bin, inactive
            dimensions to 0.5.

        Raises
        ------
        ValueError
            If no subspace contains the configuration.
        """
        reasons = []
        for s, entries in enumerate(self._subspaces):
            names = {name for _, name, _ in entries}
            if set(params) != names:
                reasons.append(f"names {sorted(names, key=str)} differ from "
                               f"{sorted(params, key=str)}")
                continue
            vector = np.full(self.n_dims, 0.5)
            try:
                for i, name, codec in entries:
                    vector[i] = codec.encode(params[name])
            except ValueError as exc:
                reasons.append(str(exc))
                continue
            if len(self._subspaces) > 1:
                vector[0] = (s + 0.5) / len(self._subspaces)
            return vector
        raise ValueError(f"params={_short(params)} is not in the search "
                         "space: " + "; ".join(reasons))

    @property
    def size(self):
        """int or float : Number of distinct configurations (``math.inf`` if any
        parameter is continuous or unbounded)."""
        total = 0
        for entries in self._subspaces:
            count = 1
            for _, _, codec in entries:
                count *= _n_levels(codec)
            total += count
        return total

    def key(self, vector):
        """A hashable identity of the configuration ``vector`` decodes to.

        Vectors decoding to the same parameters have the same key: lists and
        discrete distributions by the value chosen, continuous ones by the
        coordinate.
        """
        u = np.clip(np.asarray(vector, dtype=float), 0.0, 1.0)
        s = _bin(u[0], len(self._subspaces)) if len(self._subspaces) > 1 else 0
        return (s, *(_level(codec, float(u[i])) for i, _, codec in self._subspaces[s]))

    def vector_at(self, index):
        """The vector of configuration number ``index`` of a finite space.

        Configurations are numbered subspace by subspace, in mixed radix over
        their dimensions, so ``range(size)`` enumerates each once.
        """
        vector = np.full(self.n_dims, 0.5)
        index = int(index)
        for s, entries in enumerate(self._subspaces):
            levels = [_n_levels(codec) for _, _, codec in entries]
            count = math.prod(levels)
            if index >= count:
                index -= count
                continue
            for (i, _, codec), k in zip(entries, levels):
                index, level = divmod(index, k)
                vector[i] = _level_vector(codec, level)
            if len(self._subspaces) > 1:
                vector[0] = (s + 0.5) / len(self._subspaces)
            return vector
        raise IndexError(f"index={index} is outside a space of {self.size} configurations.")

    def sample_vectors(self, n, random_state=None):
        """Draw points uniformly from the unit cube.

        Parameters
        ----------
        n : int
            Number of points.
        random_state : int, RandomState instance or None, default=None
            Passed to :func:`sklearn.utils.check_random_state`.

        Returns
        -------
        vectors : ndarray of shape (n, n_dims)
        """
        if not isinstance(n, numbers.Integral) or n < 0:
            raise ValueError(f"n={n!r} is invalid: it must be an int >= 0.")
        rng = check_random_state(random_state)
        return rng.uniform(size=(int(n), self.n_dims))

    def sample(self, n, random_state=None):
        """Draw configurations at random.

        Parameters
        ----------
        n : int
            Number of configurations.
        random_state : int, RandomState instance or None, default=None
            Passed to :func:`sklearn.utils.check_random_state`.

        Returns
        -------
        configs : list of dict
            The decoded :meth:`sample_vectors`.
        """
        return [self.decode(v) for v in self.sample_vectors(n, random_state)]
