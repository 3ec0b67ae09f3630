"""The sampler interface: proposals and feedback on the unit cube."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
from sklearn.utils import check_random_state

from ._common import _check_dimensions

__all__ = ["Sampler"]


class Sampler(ABC):
    """Proposes configurations as points of the unit cube ``[0, 1]^d``.

    A sampler never sees parameter names, distributions, estimators or Dask:
    the search space turns its vectors into parameters. The search calls
    :meth:`setup` once per fit, then :meth:`ask` for one configuration each
    time a new model is about to start training, and :meth:`tell` with the
    results of every rung (see the searches' ``learning`` parameter for
    when). A subclass's ``ask`` may take a keyword ``pending``: the search
    then passes the configurations drawn whose results are not known yet,
    so that parallel draws can spread out.

    Attributes
    ----------
    learns : bool
        Class attribute: False for a sampler that ignores :meth:`tell`; the
        search then draws its configurations in a fixed order (reproducible
        whatever ``learning`` says).

    Parameters
    ----------
    random_state : int, RandomState instance or None
        Seed of the sampler's own random numbers. The search overrides it
        through :meth:`setup` with a seed drawn from its ``random_state``.

    Examples
    --------
    A sampler that proposes the centre of the cube, jittered:

    >>> import numpy as np
    >>> class NearCentre(Sampler):
    ...     def ask(self, n):
    ...         return np.clip(0.5 + 0.1 * self.rng_.normal(size=(n, self.n_dims)), 0, 1)
    >>> NearCentre().setup(n_dims=2, random_state=0).ask(3).shape
    (3, 2)

    Any instance can be passed as ``sampler=`` to the searches.
    """

    learns = True

    def __init__(self, random_state=None):
        self.random_state = random_state

    def setup(self, n_dims: int, random_state=None, *, dimensions=None) -> Sampler:
        """Start afresh on a ``n_dims``-dimensional cube.

        Parameters
        ----------
        n_dims : int
            Number of dimensions.
        random_state : int, RandomState instance or None, default=None
            Seed; None uses the constructor's ``random_state``.
        dimensions : list of Dimension or None, default=None
            The kind of each dimension (as in ``SearchSpace.dimensions``);
            None treats all as continuous. Kept as ``n_categories_`` (the
            number of values of a categorical dimension, 0 for the others)
            and ``n_levels_`` (the same for categorical and ordinal
            dimensions, whose coordinates samplers snap to bin centres).

        Returns
        -------
        self : Sampler
        """
        self.n_dims = int(n_dims)
        seed = self.random_state if random_state is None else random_state
        self.rng_ = check_random_state(seed)
        self.n_categories_, self.n_levels_ = _check_dimensions(dimensions, self.n_dims)
        self._start()
        return self

    def _start(self) -> None:  # noqa: B027 (a hook: most samplers keep no state)
        """Forget everything learned: called by :meth:`setup`. Subclasses with state override it."""

    @abstractmethod
    def ask(self, n: int) -> np.ndarray:
        """``n`` new configurations, an array of shape ``(n, n_dims)`` in [0, 1].

        Subclasses may add a keyword ``pending=None``: an array of shape
        ``(m, n_dims)`` of configurations being evaluated, not told yet.
        """

    def tell(self, vectors: np.ndarray, scores: np.ndarray, budgets: np.ndarray) -> None:  # noqa: B027
        """Scores (higher is better; NaN for failures) of ``vectors`` after
        ``budgets`` partial_fit calls each. The default ignores them."""
