"""Samplers: where the configurations entering each bracket come from."""

import copy

from .base import Sampler
from .de import DifferentialEvolutionSampler
from .kde import KernelDensitySampler
from .random import RandomSampler

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
]


def make_sampler(sampler) -> Sampler:
    """A fresh sampler from a name in :data:`SAMPLERS` or a Sampler instance."""
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
