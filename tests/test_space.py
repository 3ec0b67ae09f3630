import math

import numpy as np
import pytest
from scipy import stats
from sklearn.linear_model import LogisticRegression

from hbsearch.space import Dimension, SearchSpace

ESTIMATOR = LogisticRegression()
HIDDEN = [(24,), (12, 12), (6, 6, 6, 6)]


def mixed_parameters():
    return {
        "hidden": HIDDEN,
        "activation": ["relu", "tanh", None],
        "estimator": [ESTIMATOR, None],
        "unit": stats.uniform(0, 1),
        "alpha": stats.loguniform(1e-6, 1e-3),
        "n_layers": stats.randint(1, 5),
        "shift": stats.norm(0, 1),
    }


def assert_same_config(got, expected):
    assert set(got) == set(expected)
    for name, value in expected.items():
        if isinstance(value, float):
            assert type(got[name]) is float
            assert math.isclose(got[name], value, rel_tol=1e-9, abs_tol=1e-12)
        else:
            assert got[name] == value
            assert type(got[name]) is type(value)


def test_dimensions_of_mixed_space():
    space = SearchSpace(mixed_parameters())
    assert space.n_dims == 7
    assert space.names == sorted(mixed_parameters())
    assert space.dimensions == [
        Dimension("activation", "categorical", 3, 0),
        Dimension("alpha", "continuous", None, 0),
        Dimension("estimator", "categorical", 2, 0),
        Dimension("hidden", "categorical", 3, 0),
        Dimension("n_layers", "integer", None, 0),
        Dimension("shift", "continuous", None, 0),
        Dimension("unit", "continuous", None, 0),
    ]


def test_round_trip_configs():
    space = SearchSpace(mixed_parameters())
    for config in space.sample(200, random_state=0):
        assert_same_config(space.decode(space.encode(config)), config)
    config = space.decode(np.full(space.n_dims, 0.1))
    assert config["hidden"] is HIDDEN[0]
    assert config["estimator"] is ESTIMATOR


def test_round_trip_vectors():
    space = SearchSpace(mixed_parameters())
    rng = np.random.RandomState(1)
    for u in rng.uniform(1e-6, 1 - 1e-6, size=(200, space.n_dims)):
        back = space.encode(space.decode(u))
        for d, (a, b) in enumerate(zip(u, back)):
            dim = space.dimensions[d]
            if dim.kind == "continuous":
                assert b == pytest.approx(a, abs=1e-9)
            elif dim.kind == "categorical":
                k = dim.n_categories
                assert math.floor(a * k) == math.floor(b * k)
                assert b == (math.floor(a * k) + 0.5) / k
            else:  # randint(1, 5): four steps of width 1/4
                assert math.ceil(a * 4) == math.ceil(b * 4)


def test_encode_exact_values():
    space = SearchSpace({"a": ["x", "y", "z"], "n": stats.randint(1, 5)})
    np.testing.assert_array_equal(space.encode({"a": "x", "n": 1}), [1 / 6, 0.125])
    np.testing.assert_array_equal(space.encode({"a": "z", "n": 4}), [5 / 6, 0.875])


def test_list_equal_bins():
    values = ["a", "b", "c"]
    space = SearchSpace({"p": values})
    expected = {0.0: "a", 0.1: "a", 0.3333: "a", 1 / 3: "b", 0.5: "b",
                0.6666: "b", 2 / 3: "c", 0.9999: "c", 1.0: "c"}
    for u, value in expected.items():
        assert space.decode([u])["p"] == value, u
    # Out of range values are clipped, not errors.
    assert space.decode([-3.0])["p"] == "a"
    assert space.decode([7.0])["p"] == "c"


def test_single_value_list():
    space = SearchSpace({"p": [42]})
    assert [space.decode([u])["p"] for u in (0.0, 0.5, 1.0)] == [42, 42, 42]
    assert space.encode({"p": 42}).tolist() == [0.5]


@pytest.mark.parametrize("u, value", [
    (0.0, 1), (0.2499, 1), (0.25, 1), (0.2501, 2), (0.5, 2), (0.75, 3),
    (0.7501, 4), (1.0, 4),
])
def test_randint_quarters(u, value):
    got = SearchSpace({"n": stats.randint(1, 5)}).decode([u])["n"]
    assert got == value
    assert type(got) is int


def test_unbounded_discrete():
    space = SearchSpace({"k": stats.poisson(3)})
    assert space.decode([0.0])["k"] == 0
    top = space.decode([1.0])["k"]
    assert type(top) is int and 10 < top < 100
    for k in range(15):
        assert space.decode(space.encode({"k": k}))["k"] == k


@pytest.mark.parametrize("dist, low, high", [
    (stats.uniform(0, 1), 0.0, 1.0),
    (stats.uniform(2, 3), 2.0, 5.0),
    (stats.loguniform(1e-6, 1e-3), 1e-6, 1e-3),
])
def test_bounded_continuous_end_points_exact(dist, low, high):
    space = SearchSpace({"x": dist})
    assert space.decode([0.0])["x"] == low
    assert space.decode([1.0])["x"] == high
    assert type(space.decode([0.5])["x"]) is float


def test_unbounded_continuous_end_points_finite():
    space = SearchSpace({"x": stats.norm(0, 1)})
    low, high = space.decode([0.0])["x"], space.decode([1.0])["x"]
    assert math.isfinite(low) and math.isfinite(high)
    assert low < -5 and high > 5
    assert space.decode([0.5])["x"] == 0.0


def test_index_lookup_with_odd_equality():
    array = np.arange(3)
    other = np.arange(3)  # equal content, different object
    values = [array, "a", 1, None]
    space = SearchSpace({"p": values})
    assert space.encode({"p": array}).tolist() == [0.125]
    assert space.encode({"p": 1.0}).tolist() == [0.625]
    assert space.encode({"p": None}).tolist() == [0.875]
    assert space.decode([0.0])["p"] is array
    with pytest.raises(ValueError, match=r"parameters\['p'\]"):
        space.encode({"p": other})
    with pytest.raises(ValueError, match=r"parameters\['p'\]=2 is not one"):
        space.encode({"p": 2})


def test_identity_before_equality():
    space = SearchSpace({"p": [1, True]})
    assert space.encode({"p": True}).tolist() == [0.75]
    assert space.decode([0.9])["p"] is True


def test_numpy_array_of_values():
    space = SearchSpace({"p": np.array([0.1, 0.2, 0.3])})
    assert space.dimensions[0].n_categories == 3
    assert space.decode([0.5])["p"] == 0.2
    assert space.encode({"p": 0.3}).tolist() == [5 / 6]


@pytest.mark.parametrize("params, fragment", [
    ({"n": 0}, "outside the support"),
    ({"n": 5}, "outside the support"),
    ({"n": 2.5}, "not an integer"),
    ({"n": "2"}, "outside the support"),
    ({"x": 1}, "differ"),
    ({"n": 2, "x": 1}, "differ"),
])
def test_encode_invalid(params, fragment):
    space = SearchSpace({"n": stats.randint(1, 5)})
    with pytest.raises(ValueError, match=fragment):
        space.encode(params)


def test_sampling_reproducible():
    space = SearchSpace(mixed_parameters())
    a = space.sample(20, random_state=0)
    b = space.sample(20, random_state=0)
    c = space.sample(20, random_state=1)
    assert a == b
    assert a != c
    vectors = space.sample_vectors(20, random_state=np.random.RandomState(0))
    assert vectors.shape == (20, space.n_dims)
    assert ((vectors >= 0) & (vectors <= 1)).all()
    assert [space.decode(v) for v in vectors] == a
    assert space.sample(0) == []


def test_sampling_frequencies():
    space = SearchSpace({"p": ["a", "b", "c", "d"]})
    configs = space.sample(4000, random_state=0)
    for value in "abcd":
        count = sum(c["p"] == value for c in configs)
        assert abs(count - 1000) < 100, (value, count)


def test_list_of_dicts():
    parameters = [
        {"kernel": ["linear"], "C": stats.loguniform(1e-3, 1e3)},
        {"kernel": ["rbf"], "gamma": stats.uniform(0, 1), "C": [1, 10]},
    ]
    space = SearchSpace(parameters)
    assert space.n_dims == 6
    assert space.names == ["C", "gamma", "kernel"]
    assert space.dimensions[0] == Dimension("__subspace__", "categorical", 2, None)
    assert [(d.name, d.subspace) for d in space.dimensions[1:]] == [
        ("C", 0), ("kernel", 0), ("C", 1), ("gamma", 1), ("kernel", 1)]

    assert space.decode([0.2, 0, 0, 0.9, 0.5, 0.5]) == {"C": 1e-3, "kernel": "linear"}
    assert space.decode([0.8, 0, 0, 0.9, 0.5, 0.5]) == {
        "C": 10, "gamma": 0.5, "kernel": "rbf"}

    configs = space.sample(200, random_state=0)
    kernels = [c["kernel"] for c in configs]
    assert 60 < kernels.count("linear") < 140
    for config in configs:
        keys = {"linear": {"C", "kernel"}, "rbf": {"C", "gamma", "kernel"}}
        assert set(config) == keys[config["kernel"]]
        assert_same_config(space.decode(space.encode(config)), config)

    vector = space.encode({"kernel": "rbf", "gamma": 0.25, "C": 1})
    np.testing.assert_allclose(vector, [0.75, 0.5, 0.5, 0.25, 0.25, 0.5])
    with pytest.raises(ValueError, match="not in the search space"):
        space.encode({"kernel": "rbf", "C": 1})


def test_encode_picks_first_matching_subspace():
    space = SearchSpace([{"a": [1, 2]}, {"a": [3, 2]}])
    assert space.encode({"a": 2}).tolist() == [0.25, 0.75, 0.5]
    # Numbers are ordinal: [3, 2] is sorted, 3 is the upper half.
    assert space.encode({"a": 3}).tolist() == [0.75, 0.5, 0.75]
    with pytest.raises(ValueError, match=r"parameters\[1\]\['a'\]=4"):
        space.encode({"a": 4})


def test_single_dict_in_list_has_no_selector():
    space = SearchSpace([{"a": [1, 2]}])
    assert space.n_dims == 1
    assert space.decode([0.9]) == {"a": 2}


class RvsOnly:
    def rvs(self, size=None, random_state=None):
        return 0.5


@pytest.mark.parametrize("parameters, error, fragment", [
    ("alpha", TypeError, "dict or a list of dicts"),
    (None, TypeError, "dict or a list of dicts"),
    ({}, ValueError, "at least one parameter"),
    ([], ValueError, "must not be empty"),
    ([{"a": [1]}, 3], TypeError, r"parameters\[1\]=3 is invalid"),
    ([{"a": [1]}, {}], ValueError, r"parameters\[1\]=\{\}"),
    ({1: [1, 2]}, TypeError, "must be str"),
    ({"alpha": 5}, TypeError,
     r"parameters\['alpha'\]=5 is invalid: it must be a non-empty list"),
    ({"alpha": 0.5}, TypeError, r"parameters\['alpha'\]=0.5 is invalid"),
    ({"alpha": None}, TypeError, r"parameters\['alpha'\]=None is invalid"),
    ({"alpha": "l2"}, TypeError, "wrapped in a list"),
    ({"alpha": {"a": 1}}, TypeError, r"parameters\['alpha'\]=\{'a': 1\}"),
    ({"alpha": {1, 2}}, TypeError, "non-empty list of values"),
    ({"alpha": []}, ValueError, r"parameters\['alpha'\]=\[\] is invalid"),
    ({"alpha": ()}, ValueError, "non-empty list"),
    ({"alpha": np.array([])}, ValueError, "non-empty list"),
    ({"alpha": np.ones((2, 2))}, ValueError, "must be 1-D"),
    ({"alpha": RvsOnly()}, TypeError, "ppf and cdf"),
    ({"alpha": stats.uniform}, TypeError, "not frozen"),
    ([{"a": [1]}, {"alpha": 5}], TypeError, r"parameters\[1\]\['alpha'\]=5"),
])
def test_invalid_parameters(parameters, error, fragment):
    with pytest.raises(error, match=fragment):
        SearchSpace(parameters)


@pytest.mark.parametrize("vector", [[0.5], [0.5, 0.5, 0.5], [[0.5, 0.5]],
                                    [0.5, np.nan]])
def test_decode_invalid_vector(vector):
    with pytest.raises(ValueError):
        SearchSpace({"a": [1, 2], "b": [3]}).decode(vector)
