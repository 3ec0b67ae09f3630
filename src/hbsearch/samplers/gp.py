"""Gaussian-process proposals (Bayesian optimization with expected improvement) on the unit cube.

A Gaussian process with a Matern kernel models the scores at one budget as
a function of the configuration; the next configuration is the candidate
with the largest expected improvement over the best score, as in
Optuna's GPSampler.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
from scipy import special
from sklearn.exceptions import ConvergenceWarning
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.gaussian_process.kernels import ConstantKernel, Matern, WhiteKernel
from threadpoolctl import threadpool_limits

from ._common import _check_ask, _check_tell, _is_int, _is_real, _snap
from .base import Sampler

__all__ = ["GaussianProcessSampler"]


def _log_expected_improvement(mean, std, best):
    """log EI of a maximisation, stable where the improvement is far in the tail."""
    std = np.maximum(std, 1e-12)
    z = (mean - best) / std
    # EI = std * (z Phi(z) + phi(z)); log of the bracket via log_ndtr for z << 0.
    log_h = np.where(
        z > -6,
        np.log(np.maximum(z * special.ndtr(z) + np.exp(-0.5 * z**2) / math.sqrt(2 * math.pi), 1e-300)),
        -0.5 * z**2 - math.log(math.sqrt(2 * math.pi)) - 2 * np.log(np.maximum(-z, 1e-300)),
    )
    return np.log(std) + log_h


def _robust_scale(y):
    """Scores centred on their median in units of their spread, within +-10.

    Failures take the worst score; outliers (a diverged model's huge loss)
    are clipped so that they cannot flatten the model of the others.
    """
    finite = np.isfinite(y)
    if not finite.any():
        return np.zeros_like(y)
    y = np.where(finite, y, y[finite].min())
    q25, q50, q75 = np.percentile(y, [25, 50, 75])
    spread = q75 - q25
    if not (np.isfinite(spread) and spread > 0):
        spread = np.ptp(y)
    if not (np.isfinite(spread) and spread > 0):
        return np.zeros_like(y)
    with np.errstate(over="ignore", invalid="ignore"):
        z = (y - q50) / spread
    return np.clip(np.nan_to_num(z, nan=0.0, posinf=10.0, neginf=-10.0), -10.0, 10.0)


class GaussianProcessSampler(Sampler):
    """Proposals from a Gaussian process fitted to the scores at one budget.

    The model's budget is the largest one at which at least ``min_points``
    configurations have been told (scores of lower budgets stand in until
    then: every rung teaches something from the first one on). Scores are
    modelled by a Gaussian process with a Matern 5/2 kernel, one length
    scale per dimension and a noise term, its hyperparameters fitted by
    maximum likelihood. The proposal is, of ``n_candidates`` candidates
    (uniform ones and perturbations of the best configurations), the one
    with the largest expected improvement over the best score. Configurations
    being evaluated (``pending``) and the earlier proposals of the same
    :meth:`ask` join the data with the median score, without refitting the
    hyperparameters (a "constant liar"), so that proposals made before their
    neighbours' results are known spread out. A share ``random_fraction`` of the proposals are
    uniform, as in BOHB: the model's optimum is not always the problem's.
    Categorical and ordinal coordinates are modelled as continuous and
    snapped to their bins. Scores are centred on their median and scaled by
    their spread, within 10 spreads: failures and diverged models take the
    worst place without flattening the model of the others.

    Parameters
    ----------
    min_points : int or None, default=None
        Configurations a budget needs before it is modelled; None: the
        number of dimensions plus 2.
    n_startup : int, default=10
        Configurations told (at any budget) before the model is used, >= 1;
        until then proposals are uniform.
    n_candidates : int, default=2048
        Candidates scored by expected improvement per proposal, >= 1: half
        uniform, half near the five best configurations.
    random_fraction : float, default=0.2
        Share of uniform proposals, in [0, 1].
    random_state : int, RandomState instance or None, default=None

    Examples
    --------
    >>> import numpy as np
    >>> sampler = GaussianProcessSampler(random_state=0).setup(n_dims=2)
    >>> X = sampler.ask(12)
    >>> sampler.tell(X, -np.sum((X - 0.5) ** 2, axis=1), budgets=np.full(12, 3))
    >>> sampler.ask(2).shape
    (2, 2)
    """

    def __init__(self, min_points=None, n_startup=10, n_candidates=2048, random_fraction=0.2,
                 random_state=None):
        if min_points is not None and not (_is_int(min_points) and min_points >= 2):
            raise ValueError(f"min_points={min_points!r} is invalid: it must be None or an int >= 2.")
        for name, value in (("n_startup", n_startup), ("n_candidates", n_candidates)):
            if not (_is_int(value) and value >= 1):
                raise ValueError(f"{name}={value!r} is invalid: it must be an int >= 1.")
        if not (_is_real(random_fraction) and 0 <= random_fraction <= 1):
            raise ValueError(
                f"random_fraction={random_fraction!r} is invalid: it must be a real number in [0, 1].")
        super().__init__(random_state)
        self.min_points = min_points
        self.n_startup = n_startup
        self.n_candidates = n_candidates
        self.random_fraction = random_fraction

    def _start(self):
        self.observations_ = {}
        self._model = None  # (budget, fitted regressor, X, y) while the data are unchanged
        self._kernel = None

    def tell(self, vectors, scores, budgets):
        """Record scores (higher is better) of ``vectors`` at ``budgets``.

        NaN and infinite scores are failures: modelled as the worst score
        seen at their budget.
        """
        vectors, scores, budgets = _check_tell(vectors, scores, budgets, self.n_dims, self.n_levels_)
        for v, s, b in zip(vectors, scores, budgets):
            at = self.observations_.setdefault(b, {})
            key = tuple(v.tolist())
            at[key] = max(s, at.get(key, -np.inf))
        if len(vectors):
            self._model = None

    def model_budget(self):
        """The budget the model is fitted to (None before any score)."""
        need = self.n_dims + 2 if self.min_points is None else self.min_points
        budgets = sorted(self.observations_, reverse=True)
        for b in budgets:
            if sum(np.isfinite(s) for s in self.observations_[b].values()) >= need:
                return b
        # No budget has enough yet: the one with most finite scores, the larger on ties.
        return max(budgets, key=lambda b: (sum(np.isfinite(s) for s in self.observations_[b].values()), b),
                   default=None)

    def _fit(self):
        if self._model is None:
            budget = self.model_budget()
            at = self.observations_[budget]
            X = np.array(list(at), dtype=float).reshape(-1, self.n_dims)
            y = np.array(list(at.values()), dtype=float)
            y = _robust_scale(y)
            # Warm start from the last fit's hyperparameters: one local search instead of restarts.
            kernel = self._kernel if self._kernel is not None else (
                ConstantKernel(1.0, (1e-3, 1e3)) * Matern(np.full(self.n_dims, 0.5), (1e-2, 1e2), nu=2.5)
                + WhiteKernel(1e-2, (1e-6, 1e0)))
            gp = GaussianProcessRegressor(kernel, normalize_y=True)
            with warnings.catch_warnings(), threadpool_limits(1):
                warnings.simplefilter("ignore", ConvergenceWarning)
                gp.fit(X, y)
            self._kernel = gp.kernel_
            self._model = (budget, gp, X, y)
        return self._model

    def ask(self, n, pending=None):
        """``n`` new configurations.

        Parameters
        ----------
        n : int
        pending : array-like of shape (m, n_dims), optional
            Configurations being evaluated, counted with the median score.

        Returns
        -------
        vectors : ndarray of shape (n, n_dims)
        """
        n = _check_ask(self, n)
        out = np.empty((n, self.n_dims))
        if self.n_dims == 0:
            return out
        told = {k for at in self.observations_.values() for k in at}
        if len(told) < max(self.n_startup, 2):
            return _snap(self.rng_.uniform(size=(n, self.n_dims)), self.n_levels_)
        with threadpool_limits(1):  # small matrices: threads only add contention
            return self._propose(n, pending, out)

    def _propose(self, n, pending, out):
        _, gp, X, y = self._fit()
        best = y.max()
        liars = np.empty((0, self.n_dims))
        if pending is not None and len(pending):
            liars = _snap(np.clip(np.asarray(pending, float).reshape(-1, self.n_dims), 0, 1), self.n_levels_)
        lie = np.median(y)
        for i in range(n):
            model = gp
            if len(liars):
                model = GaussianProcessRegressor(gp.kernel_, normalize_y=True, optimizer=None)
                model.fit(np.vstack([X, liars]), np.concatenate([y, np.full(len(liars), lie)]))
            if self.rng_.uniform() < self.random_fraction:
                out[i] = _snap(self.rng_.uniform(size=self.n_dims), self.n_levels_)
            else:
                out[i] = self._best_candidate(model, X, y, best)
            liars = np.vstack([liars, out[i:i + 1]])
        return out

    def _best_candidate(self, gp, X, y, best):
        rng, m = self.rng_, self.n_candidates
        top = X[np.argsort(-y)[:5]]
        n_local = m // 2
        centres = top[rng.randint(len(top), size=n_local)]
        scales = np.where(rng.uniform(size=(n_local, 1)) < 0.5, 0.02, 0.1)
        local = np.clip(centres + scales * rng.normal(size=centres.shape), 0, 1)
        candidates = _snap(np.vstack([rng.uniform(size=(m - n_local, self.n_dims)), local]), self.n_levels_)
        mean, std = gp.predict(candidates, return_std=True)
        score = _log_expected_improvement(mean, std, best)
        return candidates[int(np.argmax(np.nan_to_num(score, nan=-np.inf)))]
