"""Tests of the budget plans: Hyperband brackets, successive halving, passive."""

import math
import re

import numpy as np
import pytest

from hbsearch.schedule import (
    Bracket,
    Plan,
    Rung,
    hyperband_plan,
    passive_plan,
    plan_metadata,
    successive_halving_plan,
)


def rungs_of(bracket):
    return [(rung.n_models, rung.calls) for rung in bracket.rungs]


def calls_of(bracket):
    """partial_fit calls of a bracket: the models dropped after rung k (and
    the survivors of the last rung) received rung k's calls."""
    models = [rung.n_models for rung in bracket.rungs] + [0]
    return sum((models[k] - models[k + 1]) * rung.calls for k, rung in enumerate(bracket.rungs))


# -- hyperband_plan -----------------------------------------------------------


@pytest.mark.parametrize(
    "max_iter, aggressiveness, n_models, partial_fit_calls",
    [
        (9, 3, 17, 69),  # 9 = 3**2: three brackets whose last rungs land on 9
        (15, 3, 17, 101),  # same brackets as 9, starting at 15 // 3**s calls
        (20, 3, 17, 144),  # below 27: still three brackets
        (27, 3, 49, 357),  # 27 = 3**3: a fourth bracket
        (30, 3, 49, 379),  # just above a power of 3
        (81, 3, 143, 1581),  # the worked example of the Hyperband paper
        (299, 4, 378, 5721),  # dask-ml's documented example
        (1, 3, 1, 1),  # one model trained once
    ],
)
def test_hyperband_totals(max_iter, aggressiveness, n_models, partial_fit_calls):
    plan = hyperband_plan(max_iter, aggressiveness)
    assert plan.n_models == n_models
    assert plan.partial_fit_calls == partial_fit_calls
    assert plan.max_iter == max_iter
    assert plan.aggressiveness == aggressiveness
    assert plan.n_iterations == 1
    assert plan.n_models == sum(b.n_models for b in plan.brackets)
    assert plan.partial_fit_calls == sum(calls_of(b) for b in plan.brackets)


def test_hyperband_default_aggressiveness_is_3():
    assert hyperband_plan(81) == hyperband_plan(81, 3)


def test_hyperband_max_iter_1():
    plan = hyperband_plan(1, 3)
    assert plan.brackets == (Bracket(0, (Rung(1, 1),)),)


def test_hyperband_worked_example():
    plan = hyperband_plan(81, 3)
    got = [(b.bracket, b.n_models, rungs_of(b), b.partial_fit_calls) for b in plan.brackets]
    assert got == [
        # s, n, rungs as (models, cumulative calls), calls
        (4, 81, [(81, 1), (27, 3), (9, 9), (3, 27), (1, 81)], 297),
        (3, 34, [(34, 3), (11, 9), (3, 27), (1, 81)], 276),
        (2, 15, [(15, 9), (5, 27), (1, 81)], 279),
        (1, 8, [(8, 27), (2, 81)], 324),
        (0, 5, [(5, 81)], 405),
    ]
    assert [b.decisions for b in plan.brackets] == [
        [1, 3, 9, 27, 81],
        [3, 9, 27, 81],
        [9, 27, 81],
        [27, 81],
        [81],
    ]


def test_hyperband_counts_brackets_with_integers():
    # floor(log(243, 3)) is 4 in floating point: the plan must not lose the
    # bracket that starts 243 models at one call each.
    assert math.floor(math.log(243, 3)) == 4
    plan = hyperband_plan(243, 3)
    assert [b.bracket for b in plan.brackets] == [5, 4, 3, 2, 1, 0]
    assert rungs_of(plan.brackets[0]) == [
        (243, 1), (81, 3), (27, 9), (9, 27), (3, 81), (1, 243)
    ]


def _s_max(max_iter, eta):
    s, power = 0, eta
    while power <= max_iter:
        s += 1
        power *= eta
    return s


@pytest.mark.parametrize("eta", [2, 3, 4, 5])
def test_hyperband_sweep(eta):
    for max_iter in range(1, 2001):
        plan = hyperband_plan(max_iter, eta)
        s_max = _s_max(max_iter, eta)
        assert len(plan.brackets) == s_max + 1, max_iter
        for b, s in zip(plan.brackets, range(s_max, -1, -1)):
            assert b.bracket == s
            calls = [rung.calls for rung in b.rungs]
            models = [rung.n_models for rung in b.rungs]
            assert len(calls) == s + 1
            # ceil((s_max + 1) * eta**s / (s + 1)) models at max_iter // eta**s calls
            assert models[0] == ((s_max + 1) * eta**s + s) // (s + 1)
            assert calls[0] == max_iter // eta**s
            # The last rung is at most max_iter, within a factor eta of it.
            assert calls[-1] <= max_iter < calls[-1] * eta, (max_iter, s)
            assert models[-1] >= 1
            assert calls == sorted(set(calls)), (max_iter, s)  # strictly increasing
            assert models == sorted(models, reverse=True), (max_iter, s)
        # Bracket 0 trains every one of its models to max_iter.
        assert calls == [max_iter]
        assert models == [s_max + 1]


def test_hyperband_accepts_numpy_integers():
    plan = hyperband_plan(np.int64(81), np.int32(3), n_iterations=np.int8(1))
    assert plan == hyperband_plan(81, 3)
    assert type(plan.max_iter) is int
    assert type(plan.aggressiveness) is int


@pytest.mark.parametrize("n_iterations", [1, 2, 5])
def test_hyperband_n_iterations_multiplies_totals(n_iterations):
    one = hyperband_plan(81, 3)
    plan = hyperband_plan(81, 3, n_iterations=n_iterations)
    assert plan.brackets == one.brackets
    assert plan.n_models == n_iterations * 143
    assert plan.partial_fit_calls == n_iterations * 1581


def test_plan_and_rungs_are_frozen():
    plan = hyperband_plan(9, 3)
    with pytest.raises(AttributeError):
        plan.max_iter = 10
    with pytest.raises(AttributeError):
        plan.brackets[0].rungs[0].calls = 2


# -- plan_metadata ------------------------------------------------------------


def test_plan_metadata_layout():
    meta = plan_metadata(hyperband_plan(81, 3))
    assert set(meta) == {"n_models", "partial_fit_calls", "brackets"}
    assert meta["n_models"] == 143
    assert meta["partial_fit_calls"] == 1581
    assert [b["bracket"] for b in meta["brackets"]] == [0, 1, 2, 3, 4]
    for entry in meta["brackets"]:
        assert set(entry) == {
            "bracket",
            "n_models",
            "partial_fit_calls",
            "decisions",
            "SuccessiveHalvingSearchCV params",
        }
    assert meta["brackets"][3] == {
        "bracket": 3,
        "n_models": 34,
        "partial_fit_calls": 276,
        "decisions": [3, 9, 27, 81],
        "SuccessiveHalvingSearchCV params": {
            "n_initial_parameters": 34,
            "n_initial_iter": 3,
            "max_iter": 81,
            "aggressiveness": 3,
        },
    }
    assert sum(b["n_models"] for b in meta["brackets"]) == meta["n_models"]
    assert sum(b["partial_fit_calls"] for b in meta["brackets"]) == meta["partial_fit_calls"]


@pytest.mark.parametrize(
    "max_iter, eta", [(1, 3), (9, 3), (9, 2), (30, 3), (81, 3), (299, 4), (100, 2), (2999, 5)]
)
def test_plan_metadata_sums(max_iter, eta):
    plan = hyperband_plan(max_iter, eta)
    meta = plan_metadata(plan)
    assert meta["n_models"] == plan.n_models
    assert meta["partial_fit_calls"] == plan.partial_fit_calls
    assert sum(b["n_models"] for b in meta["brackets"]) == meta["n_models"]
    assert sum(b["partial_fit_calls"] for b in meta["brackets"]) == meta["partial_fit_calls"]
    for entry, bracket in zip(meta["brackets"], sorted(plan.brackets, key=lambda b: b.bracket)):
        assert entry["decisions"] == [rung.calls for rung in bracket.rungs]
        params = entry["SuccessiveHalvingSearchCV params"]
        assert params["n_initial_parameters"] == bracket.n_models
        assert params["n_initial_iter"] == bracket.rungs[0].calls
        assert params["max_iter"] == bracket.rungs[-1].calls <= max_iter
        assert params["aggressiveness"] == eta
        # Fed back to successive halving, a bracket's settings rebuild it.
        rebuilt = successive_halving_plan(
            params["n_initial_parameters"], eta, params["n_initial_iter"], params["max_iter"]
        )
        assert rebuilt.brackets[0].rungs == bracket.rungs


def test_plan_metadata_n_iterations_doubles():
    one = plan_metadata(hyperband_plan(81, 3))
    two = plan_metadata(hyperband_plan(81, 3, n_iterations=2))
    assert two["n_models"] == 2 * one["n_models"]
    assert two["partial_fit_calls"] == 2 * one["partial_fit_calls"]
    for a, b in zip(one["brackets"], two["brackets"]):
        assert b["n_models"] == 2 * a["n_models"]
        assert b["partial_fit_calls"] == 2 * a["partial_fit_calls"]
        assert b["decisions"] == a["decisions"]
        # One bracket's own settings do not change with the repetitions.
        assert b["SuccessiveHalvingSearchCV params"] == a["SuccessiveHalvingSearchCV params"]
    assert sum(b["n_models"] for b in two["brackets"]) == two["n_models"]
    assert sum(b["partial_fit_calls"] for b in two["brackets"]) == two["partial_fit_calls"]


def test_plan_metadata_without_hyperband():
    meta = plan_metadata(successive_halving_plan(10, 3, 2), hyperband=False)
    assert meta == {
        "n_models": 10,
        "partial_fit_calls": 10 * 2 + 3 * 4 + 1 * 12,
        "brackets": [
            {"bracket": 0, "n_models": 10, "partial_fit_calls": 44, "decisions": [2, 6, 18]}
        ],
    }


# -- successive_halving_plan --------------------------------------------------


@pytest.mark.parametrize(
    "n_models, eta, n_initial_iter, max_iter, expected",
    [
        # The docstring example: halve until one model is left.
        (10, 3, 2, None, [(10, 2), (3, 6), (1, 18)]),
        # n_initial_iter=None and no max_iter: start at one call.
        (9, 3, None, None, [(9, 1), (3, 3), (1, 9)]),
        # n_initial_iter=None: chosen so that the last rung lands on max_iter.
        (10, 3, None, 81, [(10, 9), (3, 27), (1, 81)]),
        (9, 3, None, 9, [(9, 1), (3, 3), (1, 9)]),
        (8, 2, None, 64, [(8, 8), (4, 16), (2, 32), (1, 64)]),
        # max_iter not a multiple of eta**halvings: the last rung is raised to it.
        (9, 3, None, 10, [(9, 1), (3, 3), (1, 10)]),
        (8, 2, None, 100, [(8, 12), (4, 24), (2, 48), (1, 100)]),
        # max_iter caps the last rung (18 -> 20 would overshoot: 5 * 9 = 45).
        (10, 3, 5, 20, [(10, 5), (3, 15), (1, 20)]),
        # max_iter reached before one model is left: halving stops there.
        (100, 3, None, 10, [(100, 1), (33, 3), (11, 9), (3, 10)]),
        (27, 3, 2, 18, [(27, 2), (9, 6), (3, 18)]),
        # n_initial_iter == max_iter: a single rung, nobody dropped.
        (5, 3, 4, 4, [(5, 4)]),
        # One model: a single rung.
        (1, 3, None, None, [(1, 1)]),
        (1, 3, None, 7, [(1, 7)]),
        (1, 2, 3, None, [(1, 3)]),
        # As many halvings as leave at least one model: 26 // 27 == 0, so the
        # last rung keeps 2 models (dask-ml's _simulate_sha does the same).
        (26, 3, 1, None, [(26, 1), (8, 3), (2, 9)]),
        (27, 3, 1, None, [(27, 1), (9, 3), (3, 9), (1, 27)]),
        # Fewer models than eta: one rung.
        (2, 3, 1, None, [(2, 1)]),
        (2, 2, None, None, [(2, 1), (1, 2)]),
        # aggressiveness 4, max_iter above the last power.
        (64, 4, 1, 100, [(64, 1), (16, 4), (4, 16), (1, 64)]),
    ],
)
def test_successive_halving_rungs(n_models, eta, n_initial_iter, max_iter, expected):
    plan = successive_halving_plan(n_models, eta, n_initial_iter, max_iter)
    assert len(plan.brackets) == 1
    (bracket,) = plan.brackets
    assert bracket.bracket == 0
    assert rungs_of(bracket) == expected
    assert plan.n_models == n_models
    assert plan.partial_fit_calls == calls_of(bracket)
    assert plan.max_iter == max_iter
    assert plan.aggressiveness == eta


@pytest.mark.parametrize(
    "n_models, eta, max_iter",
    [
        (10, 3, 81),  # 81 = 9 * 3**2
        (9, 3, 27),  # 27 = 3 * 3**2
        (1, 3, 5),  # a single rung at max_iter
        (2, 3, 5),  # a single rung at max_iter
        (100, 3, 10),  # the cap lands on max_iter
        (5, 2, 12),  # 12 = 3 * 2**2
        # 10 // 3**2 = 1 call to start: rungs 1, 3, 9, the last one raised to 10.
        (9, 3, 10),
        # 100 // 2**3 = 12 calls to start: rungs 12, 24, 48, 96 -> 100.
        (8, 2, 100),
    ],
)
def test_successive_halving_default_initial_iter_reaches_max_iter(n_models, eta, max_iter):
    # Docstring: "n_initial_iter=None is chosen so that the last rung
    # reaches max_iter".
    (bracket,) = successive_halving_plan(n_models, eta, None, max_iter).brackets
    assert bracket.rungs[-1].calls == max_iter
    assert bracket.rungs[0].n_models == n_models


@pytest.mark.parametrize("eta", [2, 3, 4])
def test_successive_halving_default_initial_iter_sweep(eta):
    for n_models in (1, 2, 3, 5, 9, 10, 26, 27, 100):
        for max_iter in range(1, 101):
            (b,) = successive_halving_plan(n_models, eta, None, max_iter).brackets
            assert b.rungs[-1].calls == max_iter, (n_models, max_iter)
            assert b.rungs[0].n_models == n_models
            assert b.rungs[0].calls >= 1
            calls = [rung.calls for rung in b.rungs]
            assert calls == sorted(set(calls)), (n_models, max_iter)


def test_successive_halving_sweep():
    for eta in (2, 3, 4):
        for n_models in range(1, 60):
            for n_initial_iter in (None, 1, 2, 5):
                for max_iter in (None, 1, 5, 17, 81, 200):
                    if n_initial_iter is not None and max_iter is not None and n_initial_iter > max_iter:
                        continue
                    (b,) = successive_halving_plan(n_models, eta, n_initial_iter, max_iter).brackets
                    calls = [rung.calls for rung in b.rungs]
                    models = [rung.n_models for rung in b.rungs]
                    assert models == [n_models // eta**k for k in range(len(models))]
                    assert models[-1] >= 1
                    assert all(a < c for a, c in zip(calls, calls[1:]))
                    if max_iter is not None:
                        assert calls[-1] <= max_iter
                        # Only the last rung may be capped.
                        assert all(c < max_iter for c in calls[:-1])
                    if n_initial_iter is not None:
                        assert calls[0] == min(n_initial_iter, max_iter or n_initial_iter)
                        assert calls[:-1] == [n_initial_iter * eta**k for k in range(len(calls) - 1)]
                    # Halving stops when one more halving would leave no model,
                    # or when max_iter was reached.
                    stopped_by_models = n_models // eta ** len(models) == 0
                    stopped_by_max_iter = max_iter is not None and calls[-1] == max_iter
                    assert stopped_by_models or stopped_by_max_iter


# -- passive_plan -------------------------------------------------------------


@pytest.mark.parametrize(
    "n_models, max_iter",
    [
        (1, 1),  # smallest plan
        (10, 100),  # a typical IncrementalSearchCV-like plan
        (7, 3),  # more models than calls
    ],
)
def test_passive_plan(n_models, max_iter):
    plan = passive_plan(n_models, max_iter)
    assert plan.brackets == (Bracket(0, (Rung(n_models, max_iter),)),)
    assert plan.n_models == n_models
    assert plan.partial_fit_calls == n_models * max_iter
    assert plan.max_iter == max_iter
    assert plan.n_iterations == 1
    assert plan.brackets[0].decisions == [max_iter]


# -- invalid inputs -----------------------------------------------------------


@pytest.mark.parametrize(
    "call, error, message",
    [
        # max_iter must be an integer >= 1
        (lambda: hyperband_plan(0), ValueError, "max_iter=0 is invalid"),
        (lambda: hyperband_plan(-1), ValueError, "max_iter=-1 is invalid"),
        (lambda: hyperband_plan(2.5), TypeError, "max_iter=2.5 is invalid"),
        (lambda: hyperband_plan(True), TypeError, "max_iter=True is invalid"),
        (lambda: hyperband_plan(None), TypeError, "max_iter=None is invalid"),
        (lambda: hyperband_plan("81"), TypeError, "max_iter='81' is invalid"),
        # aggressiveness must be an integer >= 2
        (lambda: hyperband_plan(81, 1), ValueError, "aggressiveness=1 is invalid"),
        (lambda: hyperband_plan(81, 0), ValueError, "aggressiveness=0 is invalid"),
        (lambda: hyperband_plan(81, 1.5), TypeError, "aggressiveness=1.5 is invalid"),
        (lambda: hyperband_plan(81, 3.0), TypeError, "aggressiveness=3.0 is invalid"),
        (lambda: hyperband_plan(81, False), TypeError, "aggressiveness=False is invalid"),
        # n_iterations must be an integer >= 1
        (lambda: hyperband_plan(81, 3, 0), ValueError, "n_iterations=0 is invalid"),
        (lambda: hyperband_plan(81, 3, 1.0), TypeError, "n_iterations=1.0 is invalid"),
        # successive halving
        (lambda: successive_halving_plan(0), ValueError, "n_initial_parameters=0 is invalid"),
        (lambda: successive_halving_plan(-3), ValueError, "n_initial_parameters=-3 is invalid"),
        (lambda: successive_halving_plan(2.0), TypeError, "n_initial_parameters=2.0 is invalid"),
        (lambda: successive_halving_plan(10, 1), ValueError, "aggressiveness=1 is invalid"),
        (lambda: successive_halving_plan(10, 3, 0), ValueError, "n_initial_iter=0 is invalid"),
        (lambda: successive_halving_plan(10, 3, 1.5), TypeError, "n_initial_iter=1.5 is invalid"),
        (lambda: successive_halving_plan(10, 3, None, 0), ValueError, "max_iter=0 is invalid"),
        (lambda: successive_halving_plan(10, 3, None, 2.5), TypeError, "max_iter=2.5 is invalid"),
        (
            lambda: successive_halving_plan(10, 3, 5, 4),
            ValueError,
            "n_initial_iter=5 is invalid with max_iter=4",
        ),
        # passive
        (lambda: passive_plan(0, 10), ValueError, "n_initial_parameters=0 is invalid"),
        (lambda: passive_plan(5, 0), ValueError, "max_iter=0 is invalid"),
        (lambda: passive_plan(5, None), TypeError, "max_iter=None is invalid"),
        (lambda: passive_plan(True, 5), TypeError, "n_initial_parameters=True is invalid"),
    ],
)
def test_invalid_inputs(call, error, message):
    with pytest.raises(error, match=re.escape(message)):
        call()


def test_invalid_message_states_the_rule():
    with pytest.raises(ValueError, match=re.escape("max_iter=0 is invalid: it must be an integer >= 1.")):
        hyperband_plan(0)
    with pytest.raises(TypeError, match=re.escape("aggressiveness=1.5 is invalid: it must be an integer >= 2.")):
        hyperband_plan(81, 1.5)


def test_plan_is_a_plain_value():
    # Plans compare by value, so the search can compare metadata before and after.
    assert hyperband_plan(30, 3) == hyperband_plan(30, 3)
    assert hyperband_plan(30, 3) != hyperband_plan(27, 3)
    assert isinstance(hyperband_plan(30, 3), Plan)
