"""Samplers: where the configurations entering each bracket come from."""

from __future__ import annotations

import copy
import inspect
from typing import TYPE_CHECKING, Any

from .base import Sampler
from .de import DifferentialEvolutionSampler
from .kde import KernelDensitySampler
from .random import RandomSampler

if TYPE_CHECKING:
    from ..space import SearchSpace

SAMPLERS = {
    "random": RandomSampler,
    "de": DifferentialEvolutionSampler,
    "bo": KernelDensitySampler,
}

__all__ = [
    "SAMPLERS",
    "DifferentialEvolutionSampler",
    "KernelDensitySampler",
    "RandomSampler",
    "Sampler",
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
    >>> sampler.n_categories_.tolist()
    [3, 2]
    """
    if "dimensions" in inspect.signature(sampler.setup).parameters:
        return sampler.setup(space.n_dims, random_state, dimensions=space.dimensions)
    return sampler.setup(space.n_dims, random_state)
