"""Uniform random sampling: Hyperband's own choice."""

from __future__ import annotations

import numpy as np

from .base import Sampler

__all__ = ["RandomSampler"]


class RandomSampler(Sampler):
    """Independent uniform draws on the unit cube, blind to every score.

    Examples
    --------
    >>> sampler = RandomSampler().setup(n_dims=2, random_state=0)
    >>> sampler.ask(3).shape
    (3, 2)
    """

    learns = False

    def ask(self, n: int) -> np.ndarray:
        return self.rng_.uniform(size=(int(n), self.n_dims))
