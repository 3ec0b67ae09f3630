"""Differential evolution in the spirit of DEHB, on the sampler's ask/tell.

DEHB (Awad et al., 2021) keeps one differential evolution population per
fidelity and breeds each new configuration from the population of the
highest fidelity that can support its mutation strategy. This sampler does
the same with what it is told: every budget at which scores arrive gets its
own population.
"""

from __future__ import annotations

import math

import numpy as np

from ._common import _check_ask, _check_tell, _is_int, _is_real, _snap
from .base import Sampler

__all__ = ["DifferentialEvolutionSampler"]

# Fewest members each strategy needs to draw its distinct vectors from
# (DEHB's ``_min_pop_size``).
_MIN_POOL = {"rand1": 3, "rand2": 5, "best1": 2, "currenttobest1": 2}
_CROSSOVERS = ("bin", "exp")

_MUTATION_RETRIES = 25
# Uniform draws are cheap; more of them lets small discrete spaces be
# exhausted before a duplicate has to be accepted.
_RANDOM_RETRIES = 100
_MIN_DEFAULT_POPULATION = 10


def _key(vector):
    return tuple(vector.tolist())


# -- the sampler ----------------------------------------------------------------

class DifferentialEvolutionSampler(Sampler):
    """Differential evolution over the unit cube, one population per budget.

    Scores told at a budget feed that budget's population. Each proposal
    is a DE trial vector: a mutant built from the parent population, crossed
    over with a target member of that population. The parent population is
    the one of the largest budget holding enough members for the mutation
    strategy; failing that, all budgets pooled; failing that, proposals are
    uniform random.

    Categorical dimensions are handled on the unit interval as in DEHB (so
    their categories are treated as ordered by the mutation), then snapped
    to the centre of their bin. Integer dimensions are treated as
    continuous. A proposal equal to a vector already proposed or evaluated,
    or to another proposal of the same batch, is bred again (up to 25
    times), then drawn at random.

    Parameters
    ----------
    mutation_factor : float, default=0.5
        Scale ``F`` of the difference vectors, in (0, 2].
    crossover_prob : float, default=0.5
        Crossover rate ``CR`` in [0, 1].
    strategy : {"rand1", "rand2", "best1", "currenttobest1"}, default="rand1"
        Mutation: ``r1 + F(r2 - r3)``, ``r1 + F(r2 - r3) + F(r4 - r5)``,
        ``best + F(r1 - r2)`` or ``cur + F(best - cur) + F(r1 - r2)``, with
        distinct random members ``r``, the population's best member and the
        target ``cur``. They need populations of at least 3, 5, 2 and 2
        members.
    crossover : {"bin", "exp"}, default="bin"
        ``"bin"`` takes each dimension from the mutant with probability
        ``crossover_prob`` (at least one); ``"exp"`` takes consecutive
        dimensions from a random start while a uniform draw stays below
        ``crossover_prob``.
    population_size : int or None, default=None
        Most members kept per budget. None uses the largest ``n`` asked for
        at once (the largest bracket's size, when the search asks), and at
        least 10.
    random_fraction : float, default=0.1
        Share of proposals drawn uniformly instead of bred. DEHB has none;
        without them a population that has converged on one value of a
        dimension can never leave it (on a 4-dimensional sphere, 14 seeds
        of 100 ended worse than random search's median; with 0.1, none).
    random_state : int, RandomState instance or None, default=None
        Seed of the sampler's random numbers (the search overrides it
        through :meth:`setup`).

    Attributes
    ----------
    populations_ : dict
        Budget -> ``(vectors, scores)``: the members at that budget, an
        array of shape ``(m, n_dims)``, and their best scores so far, with
        -inf for failures.

    Notes
    -----
    Selection is as in DEHB: when a budget's population is full, a trial
    replaces the member it was crossed with if it scores at least as well; a
    configuration this sampler did not breed (drawn at random, or promoted
    from a lower budget) competes with the worst member. A
    vector told again at the same budget keeps its best score.

    Out-of-range mutant dimensions are redrawn uniformly (DEHB's
    ``boundary_fix_type="random"``), and the target is always copied before
    crossover, so asking never alters the populations.

    Examples
    --------
    >>> import numpy as np
    >>> from hbsearch.space import Dimension
    >>> sampler = DifferentialEvolutionSampler(random_state=0)
    >>> dims = [Dimension("alpha", "continuous"), Dimension("loss", "categorical", 3)]
    >>> sampler = sampler.setup(n_dims=2, dimensions=dims)
    >>> X = sampler.ask(6)
    >>> sampler.tell(X, -np.abs(X[:, 0] - 0.3), budgets=np.ones(6))
    >>> Y = sampler.ask(2)
    >>> Y.shape
    (2, 2)
    >>> bool(np.allclose(Y[:, 1] * 3 % 1, 0.5))  # "loss" at its bin centres
    True
    """

    def __init__(
        self,
        mutation_factor=0.5,
        crossover_prob=0.5,
        strategy="rand1",
        crossover="bin",
        population_size=None,
        random_fraction=0.1,
        random_state=None,
    ):
        if not (_is_real(mutation_factor) and 0 < mutation_factor <= 2):
            raise ValueError(
                f"mutation_factor={mutation_factor!r} is invalid: it must be a "
                "real number in (0, 2]."
            )
        if not (_is_real(crossover_prob) and 0 <= crossover_prob <= 1):
            raise ValueError(
                f"crossover_prob={crossover_prob!r} is invalid: it must be a "
                "real number in [0, 1]."
            )
        if not isinstance(strategy, str) or strategy not in _MIN_POOL:
            raise ValueError(
                f"strategy={strategy!r} is invalid: it must be one of "
                + ", ".join(repr(s) for s in _MIN_POOL) + "."
            )
        if not isinstance(crossover, str) or crossover not in _CROSSOVERS:
            raise ValueError(
                f"crossover={crossover!r} is invalid: it must be one of "
                + ", ".join(repr(c) for c in _CROSSOVERS) + "."
            )
        if population_size is not None and not (
            _is_int(population_size) and population_size >= _MIN_POOL[strategy]
        ):
            raise ValueError(
                f"population_size={population_size!r} is invalid: it must be "
                f"None or an int >= {_MIN_POOL[strategy]}, the fewest members "
                f"strategy={strategy!r} needs."
            )
        if not (_is_real(random_fraction) and 0 <= random_fraction <= 1):
            raise ValueError(
                f"random_fraction={random_fraction!r} is invalid: it must be a "
                "real number in [0, 1]."
            )
        super().__init__(random_state)
        self.random_fraction = random_fraction
        self.mutation_factor = mutation_factor
        self.crossover_prob = crossover_prob
        self.strategy = strategy
        self.crossover = crossover
        self.population_size = population_size

    def _start(self):
        # Distinct configurations of an all-categorical space; None if endless.
        self._n_configs = (math.prod(int(k) for k in self.n_levels_)
                           if (self.n_levels_ > 0).all() else None)
        self.populations_ = {}
        self._next_target = {}
        self._seen = set()
        self._targets = {}  # trial -> index of the member it was crossed with
        self._largest_ask = 0

    @property
    def _capacity(self):
        if self.population_size is not None:
            return self.population_size
        return max(_MIN_DEFAULT_POPULATION, self._largest_ask)

    def tell(self, vectors, scores, budgets):
        """Record scores (higher is better) of ``vectors`` at ``budgets``.

        Parameters
        ----------
        vectors : array-like of shape (m, n_dims)
        scores : array-like of shape (m,)
            NaN and infinite scores count as failures, below every finite
            score.
        budgets : array-like of shape (m,) or scalar
            The partial_fit calls each score was taken after.
        """
        vectors, scores, budgets = _check_tell(
            vectors, scores, budgets, self.n_dims, self.n_levels_)
        capacity = self._capacity
        for vector, score, budget in zip(vectors, scores, budgets):
            self._seen.add(_key(vector))
            if budget not in self.populations_:
                self.populations_[budget] = (vector[None, :].copy(), np.array([score]))
                continue
            X, y = self.populations_[budget]
            same = np.flatnonzero((X == vector).all(axis=1))
            if same.size:
                if score > y[same[0]]:
                    y = y.copy()
                    y[same[0]] = score
            elif len(y) < capacity:
                X = np.vstack([X, vector])
                y = np.append(y, score)
            else:
                # A trial competes with the member it was crossed with, as in
                # DEHB: replacing the worst instead collapses the population.
                target = self._targets.get(_key(vector))
                slot = target % len(y) if target is not None else int(np.argmin(y))
                if score >= y[slot]:
                    X, y = X.copy(), y.copy()
                    X[slot], y[slot] = vector, score
            self.populations_[budget] = (X, y)

    def ask(self, n):
        """``n`` new configurations.

        Parameters
        ----------
        n : int

        Returns
        -------
        vectors : ndarray of shape (n, n_dims)
            Points of the unit cube, categorical coordinates at bin centres.
        """
        n = _check_ask(self, n)
        self._largest_ask = max(self._largest_ask, n)
        out = np.empty((n, self.n_dims))
        if self.n_dims == 0:
            return out
        pool = self._parent_pool()
        batch = set()
        for i in range(n):
            out[i] = self._propose(pool, batch)
            batch.add(_key(out[i]))
        # Proposals are about to be evaluated: breeding them again would
        # waste a slot just like breeding an evaluated one.
        self._seen |= batch
        return out

    # -- internals ---------------------------------------------------------

    def _parent_pool(self):
        """``(name, vectors, scores, best)`` to breed from, or None."""
        need = _MIN_POOL[self.strategy]
        for budget in sorted(self.populations_, reverse=True):
            X, y = self.populations_[budget]
            if len(y) >= need:
                return budget, X, y, int(np.argmax(y))
        # Pool every budget, each vector once, with the score of its largest
        # budget; the best is the finite one told at the largest budget,
        # as successive halving promotes the best of each rung.
        rows, ranks, seen = [], [], set()
        for budget in sorted(self.populations_, reverse=True):
            X, y = self.populations_[budget]
            for vector, score in zip(X, y):
                key = _key(vector)
                if key not in seen:
                    seen.add(key)
                    rows.append(vector)
                    ranks.append((np.isfinite(score), budget, score))
        if len(rows) < need:
            return None
        best = max(range(len(ranks)), key=lambda i: (ranks[i], -i))
        scores = np.array([r[2] for r in ranks])
        return "global", np.array(rows), scores, best

    def _propose(self, pool, batch):
        def fresh(v):
            key = _key(v)
            return key not in self._seen and key not in batch

        if self._n_configs is not None and len(self._seen | batch) >= self._n_configs:
            # Every configuration is taken: retries would be in vain.
            return _snap(self.rng_.uniform(size=self.n_dims), self.n_levels_)
        if pool is not None and self.rng_.uniform() >= self.random_fraction:
            for _ in range(_MUTATION_RETRIES):
                trial, target = self._trial(pool)
                if fresh(trial):
                    self._targets[_key(trial)] = target
                    return trial
        for _ in range(_RANDOM_RETRIES):
            trial = _snap(self.rng_.uniform(size=self.n_dims), self.n_levels_)
            if fresh(trial):
                return trial
        # Every draw was taken: the space is (nearly) exhausted.
        return trial

    def _trial(self, pool):
        """A trial vector bred from ``pool``, and the index of the member it was crossed with."""
        name, X, _y, best = pool
        rng, F = self.rng_, self.mutation_factor
        m = len(X)
        t = self._next_target.get(name, 0) % m
        self._next_target[name] = t + 1
        # A copy, since exp crossover writes into it: DEHB's wrote into its
        # population through a view.
        target = X[t].copy()
        if self.strategy == "rand1":
            r = X[rng.choice(m, 3, replace=False)]
            mutant = r[0] + F * (r[1] - r[2])
        elif self.strategy == "rand2":
            r = X[rng.choice(m, 5, replace=False)]
            mutant = r[0] + F * (r[1] - r[2]) + F * (r[3] - r[4])
        elif self.strategy == "best1":
            r = X[rng.choice(m, 2, replace=False)]
            mutant = X[best] + F * (r[0] - r[1])
        else:  # currenttobest1
            r = X[rng.choice(m, 2, replace=False)]
            mutant = target + F * (X[best] - target) + F * (r[0] - r[1])

        outside = (mutant < 0) | (mutant > 1)
        mutant[outside] = rng.uniform(size=int(outside.sum()))

        d = self.n_dims
        if self.crossover == "bin":
            take = rng.uniform(size=d) < self.crossover_prob
            take[rng.randint(d)] = True
            trial = np.where(take, mutant, target)
        else:
            trial = target
            start, length = rng.randint(d), 0
            while True:
                j = (start + length) % d
                trial[j] = mutant[j]
                length += 1
                if length >= d or rng.uniform() >= self.crossover_prob:
                    break
        return _snap(trial, self.n_levels_), t
