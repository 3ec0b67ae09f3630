"""The sampler interface and the random sampler."""

from __future__ import annotations

import numpy as np
import pytest

from hbsearch.samplers import RandomSampler, Sampler, make_sampler


def test_random_sampler_shapes_bounds_and_seeds():
    a = RandomSampler().setup(n_dims=3, random_state=0)
    vectors = a.ask(500)
    assert vectors.shape == (500, 3)
    assert vectors.min() >= 0 and vectors.max() <= 1
    # Every dimension is covered evenly, not just the corner of the cube.
    assert np.allclose(vectors.mean(axis=0), 0.5, atol=0.05)
    again = RandomSampler().setup(n_dims=3, random_state=0).ask(500)
    assert np.array_equal(vectors, again)
    assert not np.array_equal(vectors, RandomSampler().setup(n_dims=3, random_state=1).ask(500))
    assert a.ask(0).shape == (0, 3)
    # Scores, NaN and inf included, are accepted and ignored.
    a.tell(vectors[:3], np.array([0.5, np.nan, np.inf]), np.array([1, 1, 3]))
    assert a.ask(2).shape == (2, 3)


def test_own_random_state_used_without_a_seed_from_the_search():
    first = RandomSampler(random_state=5).setup(n_dims=2).ask(4)
    assert np.array_equal(first, RandomSampler(random_state=5).setup(n_dims=2).ask(4))


def test_make_sampler_copies_instances_and_rejects_unknown_names():
    mine = RandomSampler(random_state=3)
    made = make_sampler(mine)
    assert made is not mine and made.random_state == 3
    assert isinstance(make_sampler("random"), RandomSampler)
    with pytest.raises(ValueError, match="sampler='de'"):
        make_sampler("de")
    with pytest.raises(ValueError, match="Sampler instance"):
        make_sampler(RandomSampler)


def test_a_users_sampler_plugs_in():
    class Corner(Sampler):
        def ask(self, n):
            return np.zeros((n, self.n_dims))

    sampler = make_sampler(Corner()).setup(n_dims=2, random_state=0)
    assert np.array_equal(sampler.ask(2), np.zeros((2, 2)))
