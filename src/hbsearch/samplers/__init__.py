"""Samplers: where the configurations entering each bracket come from."""

from __future__ import annotations

import copy
import functools
import inspect
from typing import TYPE_CHECKING, Any

from .base import Sampler
from .de import DifferentialEvolutionSampler
from .gp import GaussianProcessSampler
from .kde import KernelDensitySampler
from .random import RandomSampler
from .tpe import TreeParzenSampler

if TYPE_CHECKING:
    from ..space import SearchSpace

SAMPLERS = {
    "random": RandomSampler,
    "de": DifferentialEvolutionSampler,
    "bo": KernelDensitySampler,
    "tpe": TreeParzenSampler,
    "gp": GaussianProcessSampler,
}

__all__ = [
    "SAMPLERS",
    "DifferentialEvolutionSampler",
    "GaussianProcessSampler",
    "KernelDensitySampler",
    "RandomSampler",
    "Sampler",
    "TreeParzenSampler",
    "ask_sampler",
    "make_sampler",
    "setup_sampler",
]


def make_sampler(sampler: str | Sampler) -> Sampler:
    """A fresh sampler from a name in :data:`SAMPLERS` or a Sampler instance.

    Examples
    --------
    >>> type(make_sampler("de")).__name__
    'DifferentialEvolutionSampler'
    """
    if isinstance(sampler, str) and sampler in SAMPLERS:
        return SAMPLERS[sampler]()
    if isinstance(sampler, Sampler):
        # A copy, so that one fit's state never leaks into the user's object.
        return copy.deepcopy(sampler)
    allowed = ", ".join(repr(name) for name in SAMPLERS)
    raise ValueError(
        f"sampler={sampler!r} is invalid: it must be one of {allowed} or a "
        "hbsearch.samplers.Sampler instance."
    )


def setup_sampler(sampler: Sampler, space: SearchSpace, random_state: Any) -> Sampler:
    """Set ``sampler`` up for ``space``'s unit cube, telling it the dimensions' kinds if it takes them.

    A user's sampler may override ``setup`` without the ``dimensions`` keyword.

    Examples
    --------
    >>> from hbsearch.space import SearchSpace
    >>> space = SearchSpace({"penalty": ["l1", "l2"], "alpha": [0.1, 1.0, 10.0]})
    >>> sampler = setup_sampler(make_sampler("bo"), space, random_state=0)
    >>> sampler.n_levels_.tolist()   # alpha's 3 ordered values, penalty's 2 categories
    [3, 2]
    >>> sampler.n_categories_.tolist()   # only penalty's are unordered
    [0, 2]
    """
    if "dimensions" in inspect.signature(sampler.setup).parameters:
        return sampler.setup(space.n_dims, random_state, dimensions=space.dimensions)
    return sampler.setup(space.n_dims, random_state)


@functools.lru_cache(maxsize=64)
def _takes_pending(ask) -> bool:
    return "pending" in inspect.signature(ask).parameters


def ask_sampler(sampler: Sampler, n: int, pending):
    """``sampler.ask(n, pending=pending)``, or ``sampler.ask(n)`` if its ``ask`` takes no ``pending``.

    Examples
    --------
    >>> import numpy as np
    >>> sampler = make_sampler("bo").setup(n_dims=2, random_state=0)
    >>> ask_sampler(sampler, 3, pending=np.empty((0, 2))).shape
    (3, 2)
    """
    ask = sampler.ask  # the one called: an instance may have its own
    if _takes_pending(getattr(ask, "__func__", ask)):
        return ask(n, pending=pending)
    return ask(n)
