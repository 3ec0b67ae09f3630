"""Tests of the Driver: the search as a pure state machine.

The driver is run to completion by :func:`run`, which plays the part of the
engine: it executes the jobs (in FIFO, LIFO or shuffled order), computes a
score from the model's parameters and calls, and tells it back.
"""

import functools
import math
import random
from collections import Counter
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy import stats

from hbsearch.driver import Driver, notional_order
from hbsearch.samplers import RandomSampler
from hbsearch.schedule import Bracket, Plan, Rung, hyperband_plan, passive_plan, successive_halving_plan
from hbsearch.space import SearchSpace

# -- helpers ------------------------------------------------------------------


class RecordingSampler(RandomSampler):
    """Uniform draws; keeps what the driver tells it at every decision."""

    def setup(self, n_dims, random_state=None):
        self.told = []
        self.asked_after = []  # for each draw, how many tells came before it
        return super().setup(n_dims, random_state)

    def ask(self, n):
        self.asked_after.extend([len(self.told)] * n)
        return super().ask(n)

    def tell(self, vectors, scores, budgets):
        self.told.append((np.array(vectors), np.array(scores), np.array(budgets)))


def make_driver(plan, parameters=None, seed=0, **kwargs):
    space = SearchSpace(parameters or {"x": stats.uniform(0, 1)})
    sampler = RecordingSampler().setup(space.n_dims, seed)
    return Driver(plan, space, sampler, **kwargs)


@dataclass
class Run:
    driver: Driver
    jobs: list = field(default_factory=list)  # in execution order
    events: list = field(default_factory=list)  # ("job", model) / ("retired", model)
    asked: list = field(default_factory=list)  # (job, number of results told before it was handed out)
    retired_calls: dict = field(default_factory=dict)  # model -> calls when retired

    @property
    def models(self):
        return self.driver.models

    @property
    def calls(self):
        return [m.calls for m in self.models]

    def jobs_of(self, model):
        return [(j.start_calls, j.n_calls) for j in self.jobs if j.model == model]

    def rungs(self):
        """Per bracket run, the sorted models of each decided rung."""
        return [[sorted(m) for m in b.rung_members] for b in self.driver.brackets]

    def told(self):
        """Per bracket run and decision: {model: (score, calls)} as it stood at the decision."""
        return [
            [
                {i: self.models[i].score_at(calls)[::-1] for i in members}
                for calls, members in zip(b.decisions, b.rung_members)
            ]
            for b in self.driver.brackets
        ]


def run(driver, score, order="fifo", seed=0, fails=None):
    """Run ``driver`` to completion, telling ``score(model_state, calls)``.

    ``order`` is the order in which pending jobs complete: "fifo", "lifo" or
    "shuffle" (with ``seed``). ``fails(model_state, calls)``, if given, says
    which results are told as failures. Checks the job protocol on the way.
    """
    rng = random.Random(seed)
    result = Run(driver)
    pending = []
    executed = {}  # model -> calls executed so far
    assert driver.pop_retired() == []
    while True:
        new = driver.ask()
        busy = {j.model for j in pending}
        for job in new:
            state = driver.models[job.model]
            assert job.model not in busy, "two jobs at once for one model"
            busy.add(job.model)
            assert job.n_calls >= 1
            assert job.end_calls == job.start_calls + job.n_calls
            assert job.start_calls == executed.get(job.model, 0)
            assert job.params is None
            # Drawn when the first job runs, not when it is handed out.
            assert (state.params is None) == (job.start_calls == 0) or driver.learning == "reproducible"
            if driver.max_calls_per_job is not None:
                assert job.n_calls <= driver.max_calls_per_job
            result.events.append(("job", job.model))
            result.asked.append((job, len(result.jobs)))
        pending.extend(new)
        if not pending:
            break
        assert not driver.done
        if order == "fifo":
            job = pending.pop(0)
        elif order == "lifo":
            job = pending.pop()
        elif order == "shuffle":
            job = pending.pop(rng.randrange(len(pending)))
        else:
            raise ValueError(order)
        result.jobs.append(job)
        executed[job.model] = job.end_calls
        state = driver.models[job.model]
        if job.start_calls == 0:
            assert driver.configure(job.model) is state.params is not None
        failed = fails is not None and fails(state, job.end_calls)
        driver.tell(job.model, job.end_calls, math.nan if failed else score(state, job.end_calls), failed=failed)
        for m in driver.pop_retired():
            result.events.append(("retired", m))
            result.retired_calls[m] = driver.models[m].calls
    assert driver.done
    assert driver.n_running == 0
    assert driver.ask() == []
    return result


@functools.lru_cache
def reference_run(plan, score):
    """The run of ``plan`` with jobs of one call and no early stopping; read only."""
    return run(make_driver(plan, max_calls_per_job=1), score)


def score_x(model, calls):
    """A score that does not depend on calls: the parameter itself."""
    return model.params["x"]


def score_crossing(model, calls):
    """A score whose ranking changes from one number of calls to the next."""
    return math.sin(7 * model.params["x"] + calls)


def ranked(models, score):
    """Reference ranking: finite (and infinite) scores from best to worst,
    then NaN; ties to the lower index."""
    def key(m):
        s = score(m)
        return (1, 0.0, m) if math.isnan(s) else (0, -s, m)

    return sorted(models, key=key)


PLANS = [
    hyperband_plan(1, 3),  # one model, one call
    hyperband_plan(9, 3),  # three brackets
    hyperband_plan(27, 3),  # four brackets
    hyperband_plan(30, 3),  # rungs that do not land on max_iter
    hyperband_plan(81, 3),  # the worked example
    hyperband_plan(100, 2),  # seven brackets
    hyperband_plan(299, 4),  # dask-ml's example
    hyperband_plan(9, 3, n_iterations=2),  # every bracket twice
    successive_halving_plan(10, 3, 2),  # one bracket down to one model
    successive_halving_plan(100, 3, None, 10),  # stopped by max_iter with 3 models
    successive_halving_plan(26, 3, 1),  # last rung keeps 2 models
    passive_plan(5, 7),  # nobody dropped
]
PLAN_IDS = [
    "hb1", "hb9", "hb27", "hb30", "hb81", "hb100-eta2", "hb299-eta4",
    "hb9x2", "sha10", "sha100-cap", "sha26", "passive",
]


# -- the plan is followed ------------------------------------------------------


@pytest.mark.parametrize("plan", PLANS, ids=PLAN_IDS)
def test_runs_the_plan(plan):
    result = run(make_driver(plan), score_crossing)
    driver = result.driver
    assert sum(job.n_calls for job in result.jobs) == plan.partial_fit_calls
    assert sum(job.start_calls == 0 for job in result.jobs) == plan.n_models
    assert len(driver.models) == plan.n_models
    assert sum(result.calls) == plan.partial_fit_calls
    expected = [b.decisions for b in plan.brackets] * plan.n_iterations
    assert driver.bracket_decisions() == expected
    # Per bracket: the models of rung k (and no others) reached rung k's calls.
    rungs = result.rungs()
    for b, bracket in enumerate(list(plan.brackets) * plan.n_iterations):
        members = [m.index for m in driver.models if m.bracket == b]
        assert [len(r) for r in rungs[b]] == [rung.n_models for rung in bracket.rungs]
        assert rungs[b][0] == members
        for k, rung in enumerate(bracket.rungs):
            reached = sorted(m for m in members if driver.models[m].calls >= rung.calls)
            assert reached == rungs[b][k]
        final = Counter(driver.models[m].calls for m in members)
        models = [rung.n_models for rung in bracket.rungs] + [0]
        assert final == {
            rung.calls: models[k] - models[k + 1]
            for k, rung in enumerate(bracket.rungs)
            if models[k] > models[k + 1]
        }
        assert not any(driver.models[m].plateaued for m in members)


def test_bracket_decisions_grow_rung_by_rung():
    plan = hyperband_plan(27, 3)
    driver = make_driver(plan)
    seen = [driver.bracket_decisions()]
    assert seen[0] == [[] for _ in plan.brackets]
    pending = driver.ask()
    while pending:
        job = pending.pop(0)
        driver.configure(job.model)
        driver.tell(job.model, job.end_calls, score_x(driver.models[job.model], job.end_calls))
        decisions = driver.bracket_decisions()
        if decisions != seen[-1]:
            seen.append(decisions)
        pending.extend(driver.ask())
    # One decision at a time, each the next rung of its bracket.
    assert len(seen) == 1 + sum(len(b.rungs) for b in plan.brackets)
    for before, after in zip(seen, seen[1:]):
        grown = [b for b in range(len(plan.brackets)) if before[b] != after[b]]
        assert len(grown) == 1
        (b,) = grown
        assert after[b] == plan.brackets[b].decisions[: len(before[b]) + 1]
    assert seen[-1] == [b.decisions for b in plan.brackets]


# -- successive halving keeps the top k ------------------------------------------


@pytest.mark.parametrize("score", [score_x, score_crossing], ids=["x", "crossing"])
@pytest.mark.parametrize(
    "plan",
    [
        hyperband_plan(27, 3),  # four brackets
        hyperband_plan(81, 3),  # five brackets
        hyperband_plan(64, 2),  # aggressiveness 2
        successive_halving_plan(50, 4, 1),  # one bracket, aggressiveness 4
    ],
    ids=["hb27", "hb81", "hb64-eta2", "sha50-eta4"],
)
def test_survivors_are_the_top_k_by_latest_score(plan, score):
    result = run(make_driver(plan, seed=3), score)
    models = result.models
    for b, (rungs, told, bracket) in enumerate(zip(result.rungs(), result.told(), plan.brackets)):
        for k in range(len(bracket.rungs) - 1):
            calls = bracket.rungs[k].calls
            top = ranked(rungs[k], lambda m, calls=calls: score(models[m], calls))
            assert rungs[k + 1] == sorted(top[: bracket.rungs[k + 1].n_models]), (b, k)
        for k, entry in enumerate(told):
            # The sampler hears each member's score at the rung's calls.
            calls = bracket.rungs[k].calls
            assert entry == {m: (score(models[m], calls), calls) for m in rungs[k]}


@pytest.mark.parametrize("plan", [hyperband_plan(81, 3), hyperband_plan(100, 2)], ids=["hb81", "hb100"])
def test_best_of_bracket_survives_when_score_ignores_calls(plan):
    # With score = x, rung k holds exactly the top n_k models of the bracket.
    result = run(make_driver(plan, seed=7), score_x)
    models = result.models
    for rungs, bracket in zip(result.rungs(), plan.brackets):
        members = rungs[0]
        by_x = sorted(members, key=lambda m: -models[m].params["x"])
        for rung, got in zip(bracket.rungs, rungs):
            assert got == sorted(by_x[: rung.n_models])
        best = by_x[0]
        assert all(best in got for got in rungs)
        assert models[best].calls == bracket.rungs[-1].calls
        assert models[best].calls == max(models[m].calls for m in members)


def test_survivors_use_the_latest_score():
    # Rung calls 1, 3, 9. At 1 call the higher index is better, at 3 calls the
    # lower index; at 2 calls (scored only with jobs of one call) model 7 shines.
    def score(model, calls):
        if calls == 1:
            return model.index
        if calls == 2:
            return 100.0 if model.index == 7 else 0.0
        return -model.index

    for max_calls_per_job in (None, 1):
        plan = successive_halving_plan(9, 3, 1)
        result = run(make_driver(plan, max_calls_per_job=max_calls_per_job), score)
        assert result.rungs() == [[list(range(9)), [6, 7, 8], [6]]]
        assert result.calls == [1, 1, 1, 1, 1, 1, 9, 3, 3]


NAN = math.nan
INF = math.inf


@pytest.mark.parametrize(
    "scores, rung_1, rung_2",
    [
        # distinct scores: plain top 3, then top 1
        ([0.3, 0.9, 0.1, 0.5, 0.7, 0.2, 0.8, 0.4, 0.6], [1, 4, 6], [1]),
        # all tied: the oldest models go on
        ([0.5] * 9, [0, 1, 2], [0]),
        # ties across the cut: the oldest of the tied ones
        ([0, 1, 1, 1, 1, 0, 0, 0, 0], [1, 2, 3], [1]),
        # a tie for the best at the last rung: the oldest wins
        ([0, 0, 0, 0, 0, 0, 2, 2, 1], [6, 7, 8], [6]),
        # NaN ranks last: one finite (very bad) score beats every NaN
        ([NAN] * 8 + [-100.0], [0, 1, 8], [8]),
        # NaN never promoted over a finite score
        ([NAN, 0.1, NAN, 0.2, NAN, NAN, NAN, NAN, 0.0], [1, 3, 8], [3]),
        # NaN on the oldest model does not win the tie-break
        ([NAN, 1, 1, 1, 1, 1, 1, 1, 1], [1, 2, 3], [1]),
        # all NaN: the oldest models go on
        ([NAN] * 9, [0, 1, 2], [0]),
        # -inf is a score, ranked above NaN
        ([NAN, NAN, NAN, -INF, NAN, NAN, NAN, NAN, NAN], [0, 1, 3], [3]),
        # +inf is the best score
        ([1, 2, 3, 4, INF, 5, 6, 7, 8], [4, 7, 8], [4]),
    ],
)
@pytest.mark.parametrize("order", ["fifo", "lifo"])
def test_ranking_nan_and_ties(scores, rung_1, rung_2, order):
    plan = successive_halving_plan(9, 3, 1)  # rungs (9, 1), (3, 3), (1, 9)
    result = run(make_driver(plan), lambda m, calls: scores[m.index], order=order)
    assert result.rungs() == [[list(range(9)), rung_1, rung_2]]
    assert result.models[rung_2[0]].calls == 9


# -- order of completion --------------------------------------------------------


def summary(result):
    return {
        "rungs": result.rungs(),
        "calls": result.calls,
        "scores": [m.scores for m in result.models],
        "jobs": [result.jobs_of(m.index) for m in result.models],
        "plateaued": [m.plateaued for m in result.models],
        "decisions": result.driver.bracket_decisions(),
        "retired": sorted(m for kind, m in result.events if kind == "retired"),
    }


@pytest.mark.parametrize(
    "plan, kwargs",
    [
        (hyperband_plan(81, 3), {}),  # whole rungs per job
        (hyperband_plan(27, 3), {"max_calls_per_job": 2}),  # several jobs per rung
        (hyperband_plan(9, 3, n_iterations=2), {}),  # repeated brackets
        # early stopping depends only on a model's own history
        (hyperband_plan(27, 3), {"max_calls_per_job": 1, "patience": 3, "tol": 0.3}),
    ],
    ids=["hb81", "hb27-k2", "hb9x2", "hb27-patience"],
)
def test_order_of_completion_does_not_matter(plan, kwargs):
    results = [
        summary(run(make_driver(plan, seed=11, **kwargs), score_crossing, order=order, seed=seed))
        for order, seed in [("fifo", 0), ("lifo", 0), ("shuffle", 0), ("shuffle", 1), ("shuffle", 2)]
    ]
    for other in results[1:]:
        assert other == results[0]
    if "patience" in kwargs:
        assert any(results[0]["plateaued"])  # the row does exercise early stopping


def test_orders_really_differ():
    # The orders above are different executions, not the same one.
    plan = hyperband_plan(27, 3)
    fifo = run(make_driver(plan), score_crossing, order="fifo")
    lifo = run(make_driver(plan), score_crossing, order="lifo")
    assert [j.model for j in fifo.jobs] != [j.model for j in lifo.jobs]


# -- sampler and parameters ------------------------------------------------------

PARAMETERS = {
    "x": stats.uniform(0, 1),
    "n": stats.randint(1, 100),
    "kind": ["a", "b", "c"],
}


def test_params_come_from_the_sampler():
    plan = hyperband_plan(27, 3, n_iterations=2)
    # The second iteration starts as the first one's runs finish.
    driver = make_driver(plan, PARAMETERS, seed=5)
    assert len(driver.models) == sum(b.n_models for b in plan.brackets)
    driver = run(driver, score_x).driver
    space = SearchSpace(PARAMETERS)
    reference = RandomSampler().setup(space.n_dims, 5)
    vectors = np.vstack([reference.ask(b.n_models) for b in list(plan.brackets) * 2])
    np.testing.assert_array_equal(np.array([m.vector for m in driver.models]), vectors)
    for m in driver.models:
        assert m.params == space.decode(m.vector)
    # Models are numbered bracket by bracket, in plan order.
    brackets = [m.bracket for m in driver.models]
    assert brackets == sorted(brackets)
    for bracket_run in driver.brackets:
        ranks = [m.rank_in_bracket for m in driver.models if m.bracket == bracket_run.index]
        # Numbered on across iterations, so model ids stay unique.
        first = bracket_run.iteration * len(ranks)
        assert ranks == list(range(first, first + len(ranks)))


def test_same_seed_same_params():
    plan = hyperband_plan(27, 3)

    def first_params(seed):
        driver = make_driver(plan, PARAMETERS, seed=seed)
        return [driver.configure(job.model) for job in driver.ask()]

    params = first_params(0)
    assert first_params(0) == params
    other = first_params(1)
    assert other != params
    # Not a shuffle of the same draws either.
    assert {p["x"] for p in other}.isdisjoint(p["x"] for p in params)


def test_same_seed_same_run():
    plan = hyperband_plan(27, 3)
    a = summary(run(make_driver(plan, seed=4), score_x))
    b = summary(run(make_driver(plan, seed=4), score_x))
    c = summary(run(make_driver(plan, seed=5), score_x))
    assert a == b
    assert a["scores"] != c["scores"]


# -- max_calls_per_job --------------------------------------------------------------


def chunks(targets, k):
    """Jobs (start, n_calls) that train from 0 through ``targets`` in steps of at most k."""
    jobs, start = [], 0
    for target in targets:
        while start < target:
            n = target - start if k is None else min(k, target - start)
            jobs.append((start, n))
            start += n
    return jobs


@pytest.mark.parametrize(
    "max_calls_per_job",
    [
        None,  # one job per rung
        1,  # one call per job
        2,  # splits 3 -> 2 + 1, 6 -> 2 + 2 + 2
        4,  # splits 18 -> 4 + 4 + 4 + 4 + 2
        1000,  # larger than max_iter: the same as None
    ],
)
@pytest.mark.parametrize("plan", [hyperband_plan(27, 3), hyperband_plan(30, 3)], ids=["hb27", "hb30"])
def test_max_calls_per_job(plan, max_calls_per_job):
    reference = reference_run(plan, score_x)
    result = run(make_driver(plan, max_calls_per_job=max_calls_per_job), score_x)
    assert sum(j.n_calls for j in result.jobs) == plan.partial_fit_calls
    assert result.calls == reference.calls
    assert result.rungs() == reference.rungs()
    for m in result.models:
        rungs = plan.brackets[m.bracket].rungs
        targets = [r.calls for r in rungs if r.calls <= m.calls]
        assert result.jobs_of(m.index) == chunks(targets, max_calls_per_job)
        # One score per job.
        assert [c for c, _ in m.scores] == [s + n for s, n in result.jobs_of(m.index)]


# -- patience and tol ------------------------------------------------------------

STEP = [0.25 * c for c in range(1, 11)]


@pytest.mark.parametrize(
    "script, patience, tol, max_calls_per_job, stopped_at",
    [
        # constant score: stops once it has `patience` calls
        ([1.0] * 10, 2, 0.0, 1, 2),
        ([1.0] * 10, 3, 0.0, 1, 3),
        ([1.0] * 10, 5, 0.0, 1, 5),
        # rising by more than tol per call: never stops
        (STEP, 2, 0.125, 1, None),
        # rising by exactly tol: stops (the rule is "rose by no more than tol")
        (STEP, 2, 0.25, 1, 2),
        # a window of patience calls back from the latest, both ends included:
        # at 4 calls the window {2, 3, 4} rose by 1.25, at 5 {3, 4, 5} by 0.25
        ([0, 1, 2, 2.25, 2.25, 2.25, 2.25, 2.25, 2.25, 2.25], 2, 0.25, 1, 5),
        # the rise is measured from the window's first score, not max - min
        ([0, 5, 4, 5.25, 5.25, 5.25, 5.25, 5.25, 5.25, 5.25], 2, 0.5, 1, 4),
        # a falling score has plateaued
        ([1 - s for s in STEP], 2, 0.0, 1, 2),
        # jobs of 2 calls: the first window with two scores is at 4 calls
        ([1.0] * 10, 2, 0.0, 2, 4),
        # jobs longer than patience: never two scores in a window, no stop
        ([1.0] * 10, 2, 0.0, 3, None),
        # tol=None never stops
        ([1.0] * 10, 2, None, 1, None),
        # patience=None never stops
        ([1.0] * 10, None, 0.0, 1, None),
        # patience longer than the training
        ([1.0] * 10, 20, 0.0, 1, None),
        # dask-ml: any NaN in the window (np.max of the rises is NaN) means no
        # plateau, wherever the NaN is; {5, 6, 7} is the first window without NaN
        # (a Python max() would stop at [1, 1, nan], 4 calls).
        ([0, 1, 1, NAN, 1, 1, 1, 1, 1, 1], 2, 0.0, 1, 7),
        # NaN in the middle of the window, then first: {6, 7, 8} has no NaN
        ([0, 1, 2, 2, NAN, 2, 2, 2, 2, 2], 2, 0.0, 1, 8),
    ],
)
def test_patience_rule(script, patience, tol, max_calls_per_job, stopped_at):
    plan = passive_plan(1, 10)
    driver = make_driver(plan, max_calls_per_job=max_calls_per_job, patience=patience, tol=tol)
    result = run(driver, lambda m, calls: script[calls - 1])
    (model,) = result.models
    if stopped_at is None:
        assert model.calls == 10
        assert not model.plateaued
    else:
        assert model.calls == stopped_at
        assert model.plateaued
        # Retired when it stopped, before the bracket's decision.
        assert result.events[-1] == ("retired", 0)
    assert driver.bracket_decisions() == [[10]]
    assert result.events.count(("retired", 0)) == 1


def test_plateaued_model_gets_no_job_but_keeps_its_place():
    plan = hyperband_plan(27, 3)
    reference = reference_run(plan, score_x)
    for patience in (2, 3, 5):
        result = run(make_driver(plan, max_calls_per_job=1, patience=patience, tol=0.0), score_x)
        # Constant scores: every model stops at `patience` calls, or sooner if dropped.
        assert result.calls == [min(c, patience) for c in reference.calls]
        assert sum(result.calls) < plan.partial_fit_calls
        assert [m.plateaued for m in result.models] == [c > patience for c in reference.calls]
        # Same rungs: a stopped model is still ranked by its last score, and
        # the sampler hears it with the calls it stopped at.
        assert result.rungs() == reference.rungs()
        for told, bracket in zip(result.told(), plan.brackets):
            for entry, rung in zip(told, bracket.rungs):
                assert entry == {
                    m: (result.models[m].params["x"], min(rung.calls, result.models[m].calls))
                    for m in entry
                }
        # No job after a model's stop.
        for m in result.models:
            if m.plateaued:
                assert result.jobs_of(m.index)[-1] == (m.calls - 1, 1)
        # The best model of every bracket may stop early, but is in every rung.
        for rungs in result.rungs():
            best = max(rungs[0], key=lambda m: result.models[m].params["x"])
            assert all(best in members for members in rungs)


@pytest.mark.parametrize(
    "score, patience, tol",
    [
        # rising by 0.01 per call, more than tol: no model stops
        (lambda m, calls: m.params["x"] + 0.01 * calls, 2, 0.001),
        (lambda m, calls: m.params["x"] + 0.01 * calls, 10, 0.001),
        # constant score, but tol=None
        (score_x, 2, None),
        # constant score, but patience=None
        (score_x, None, 0.0),
    ],
)
def test_no_stop_follows_the_plan(score, patience, tol):
    plan = hyperband_plan(27, 3)
    reference = reference_run(plan, score)
    result = run(make_driver(plan, max_calls_per_job=1, patience=patience, tol=tol), score)
    assert sum(result.calls) == plan.partial_fit_calls
    assert result.calls == reference.calls
    assert not any(m.plateaued for m in result.models)


def test_patience_without_small_jobs():
    # Jobs run from rung to rung: the scores are those of the rungs.
    plan = hyperband_plan(27, 3)
    result = run(make_driver(plan, patience=3, tol=0.0), score_x)
    reference = run(make_driver(plan), score_x)
    # A model is checked when it would continue past a rung: the window of its
    # last 3 calls holds two scores only for the rungs at 1 and 3 calls.
    expected = [3 if c > 3 and plan.brackets[m.bracket].rungs[0].calls == 1 else c
                for m, c in zip(reference.models, reference.calls)]
    assert result.calls == expected
    assert sum(result.calls) < plan.partial_fit_calls


# -- priority -------------------------------------------------------------------


def priorities_after(scores):
    """Priorities of the second jobs of models told ``scores`` after their first call."""
    driver = make_driver(passive_plan(len(scores), 3), max_calls_per_job=1)
    first = driver.ask()
    assert len({j.priority for j in first}) == 1  # nobody scored yet
    for job in first:
        driver.tell(job.model, job.end_calls, scores[job.model])
    return {j.model: j.priority for j in driver.ask()}


@pytest.mark.parametrize(
    "scores",
    [
        [0.5, NAN, -3.0, 1e6, 0.0, -1e250],  # all signs and sizes
        [NAN, 0.1],  # NaN first
        [0.1, 0.2, 0.2, 0.3],  # ties
        [-5.0, NAN, NAN],  # several NaN
        [0.5, INF, 0.0],  # +inf is the best score, as in the ranking
        [NAN, -1e301, -1e308],  # NaN below even the most negative finite scores
    ],
)
def test_priority_follows_the_latest_score(scores):
    priority = priorities_after(scores)
    assert sorted(priority) == list(range(len(scores)))
    finite = [i for i, s in enumerate(scores) if not math.isnan(s)]
    for i in finite:
        for j in finite:
            if scores[i] < scores[j]:
                assert priority[i] < priority[j], (scores[i], scores[j])
            if scores[i] == scores[j]:
                assert priority[i] == priority[j]
    for i, s in enumerate(scores):
        if math.isnan(s):
            assert all(priority[i] < priority[j] for j in finite)


def test_priority_uses_the_latest_not_the_best_score():
    driver = make_driver(passive_plan(2, 3), max_calls_per_job=1)
    history = {0: [1.0, 0.0], 1: [0.5, 0.5]}
    for step in range(2):
        jobs = driver.ask()
        for job in jobs:
            driver.tell(job.model, job.end_calls, history[job.model][step])
    priority = {j.model: j.priority for j in driver.ask()}
    assert priority[1] > priority[0]


# -- pop_retired ------------------------------------------------------------------


@pytest.mark.parametrize(
    "plan, kwargs",
    [
        (hyperband_plan(30, 3), {}),
        (hyperband_plan(9, 3, n_iterations=2), {"max_calls_per_job": 2}),
        (hyperband_plan(27, 3), {"max_calls_per_job": 1, "patience": 2, "tol": 0.0}),
        (successive_halving_plan(26, 3, 1), {}),
        (passive_plan(4, 5), {"max_calls_per_job": 1, "patience": 3, "tol": 0.0}),
    ],
    ids=["hb30", "hb9x2-k2", "hb27-patience", "sha26", "passive-patience"],
)
@pytest.mark.parametrize("order", ["fifo", "lifo", "shuffle"])
@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
def test_pop_retired(plan, kwargs, order, halving):
    result = run(make_driver(plan, halving=halving, **kwargs), score_x, order=order)
    check_retired(result)


def check_retired(result):
    retired = [m for kind, m in result.events if kind == "retired"]
    # Every model exactly once.
    assert sorted(retired) == list(range(len(result.models)))
    # Never a model that gets a job afterwards.
    position = {m: i for i, (kind, m) in enumerate(result.events) if kind == "retired"}
    for i, (kind, m) in enumerate(result.events):
        if kind == "job":
            assert i < position[m]
    # Retired with its final calls.
    assert result.retired_calls == {m.index: m.calls for m in result.models}
    assert result.driver.pop_retired() == []


def test_dropped_models_retire_at_the_decision():
    plan = successive_halving_plan(9, 3, 1)  # rungs (9, 1), (3, 3), (1, 9)
    driver = make_driver(plan)
    jobs = driver.ask()
    for job in jobs[:-1]:
        driver.tell(job.model, 1, job.model)
        assert driver.pop_retired() == []  # the rung is not decided yet
    driver.tell(jobs[-1].model, 1, jobs[-1].model)
    assert sorted(driver.pop_retired()) == [0, 1, 2, 3, 4, 5]
    assert sorted(j.model for j in driver.ask()) == [6, 7, 8]
    assert driver.pop_retired() == []


# -- tell errors ----------------------------------------------------------------


def _fresh(driver):
    """Jobs are ready but not handed out."""
    return 0


def _told_twice(driver):
    job = driver.ask()[0]
    driver.tell(job.model, job.end_calls, 0.5)
    return job.model


def _dropped(driver):
    for job in driver.ask():
        driver.tell(job.model, job.end_calls, job.model)
    return 0  # the worst model of the first rung


def _finished(driver):
    run(driver, score_x)
    return 8


def _unknown(driver):
    return len(driver.models)


def _negative(driver):
    driver.ask()  # the last model has a job running
    return -1


@pytest.mark.parametrize(
    "setup",
    [
        _fresh,  # no ask() yet
        _told_twice,  # the job's result was already told
        _dropped,  # dropped at the first rung
        _finished,  # the search is over
        _unknown,  # no such model: ValueError, not IndexError
        _negative,  # -1 is not "the last model"
    ],
)
def test_tell_without_running_job(setup):
    driver = make_driver(successive_halving_plan(9, 3, 1))
    model = setup(driver)
    n_scores = [len(m.scores) for m in driver.models]
    with pytest.raises(ValueError, match=f"model {model} has no job running"):
        driver.tell(model, 1, 0.5)
    assert [len(m.scores) for m in driver.models] == n_scores


def test_tell_to_a_plateaued_model():
    driver = make_driver(passive_plan(2, 10), max_calls_per_job=1, patience=2, tol=0.0)
    for _ in range(2):
        for job in driver.ask():
            driver.tell(job.model, job.end_calls, 1.0 if job.model == 0 else job.end_calls)
    assert driver.models[0].plateaued
    assert driver.pop_retired() == [0]
    with pytest.raises(ValueError, match="model 0 has no job running"):
        driver.tell(0, 3, 1.0)
    assert [j.model for j in driver.ask()] == [1]


def test_failed_models_are_never_promoted_and_get_no_more_jobs():
    # 9 models, keep 3 then 1; the 4 best fail at their first score.
    driver = make_driver(successive_halving_plan(9, 3, 1))
    failing = set()
    jobs = driver.ask()
    for job in jobs:
        driver.configure(job.model)
    for job in jobs:
        x = driver.models[job.model].params["x"]
        failing_now = x > sorted(driver.models[j.model].params["x"] for j in jobs)[-5]
        if failing_now:
            failing.add(job.model)
        driver.tell(job.model, job.end_calls, math.nan if failing_now else x, failed=failing_now)
    assert len(failing) == 4
    assert failing <= set(driver.pop_retired())
    promoted = {job.model for job in driver.ask()}
    assert len(promoted) == 3 and not promoted & failing
    assert all(driver.models[i].failed for i in failing)


def test_a_rung_where_every_model_failed_ends_the_bracket():
    driver = make_driver(successive_halving_plan(9, 3, 1))
    for job in driver.ask():
        driver.tell(job.model, job.end_calls, 0.0, failed=True)
    assert driver.ask() == []
    assert driver.done
    assert sorted(driver.pop_retired()) == list(range(9))


def told_rungs(driver):
    """(run, rung) of each tell the recording sampler heard, in order."""
    keys = {driver.space.key(m.vector): m for m in driver.models}
    rungs = []
    for vectors, _, budgets in driver.sampler.told:
        run = driver.brackets[keys[driver.space.key(vectors[0])].bracket]
        rungs.append((run.index, [r.calls for r in run.bracket.rungs].index(budgets.max())))
    return rungs


class LearningRecorder(RecordingSampler):
    learns = True


@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
@pytest.mark.parametrize("order, seed", [("fifo", 0), ("lifo", 0), ("shuffle", 3)])
def test_reproducible_draws_know_exactly_the_rungs_the_plan_puts_before_them(halving, order, seed):
    plan = hyperband_plan(9, 3, n_iterations=3)  # 3 brackets a run, 9 runs
    space = SearchSpace({"x": stats.uniform(0, 1)})
    driver = Driver(plan, space, LearningRecorder().setup(1, 0), halving=halving)
    run(driver, score_x, order=order, seed=seed)
    decisions, draw_after = notional_order(plan)
    # Rungs are told in the notional order, whatever the real one, as far
    # as the last draw needs.
    assert told_rungs(driver) == decisions[: draw_after[-1]]
    # Model m is drawn knowing the first draw_after[m] of them.
    assert driver.sampler.asked_after == draw_after
    assert len(driver.models) == len(draw_after)


def test_notional_order_of_a_hyperband_plan():
    plan = hyperband_plan(9, 3, n_iterations=2)
    decisions, draw_after = notional_order(plan)
    runs = [b for _ in range(2) for b in plan.brackets]
    assert sorted(decisions) == [(k, r) for k, b in enumerate(runs) for r in range(len(b.rungs))]
    assert len(draw_after) == plan.n_models
    assert draw_after == sorted(draw_after)
    # The first run knows nothing; the second knows the first's first rung,
    # which one worker finishes before it starts the second run.
    n0 = plan.brackets[0].n_models
    assert draw_after[:n0] == [0] * n0
    assert draw_after[n0] == 1 and decisions[0] == (0, 0)
    # The second iteration's first run starts once the first run has finished.
    first = sum(b.n_models for b in plan.brackets)
    assert decisions[draw_after[first] - 1] == (0, len(runs[0].rungs) - 1)


def test_only_a_learning_sampler_holds_models_back_to_stay_reproducible():
    plan = hyperband_plan(9, 3)
    first_run = plan.brackets[0].n_models
    space = SearchSpace({"x": stats.uniform(0, 1)})
    # Random search learns nothing: the whole iteration starts at once.
    random_driver = Driver(plan, space, RecordingSampler().setup(1, 0))
    assert len(random_driver.ask()) == plan.n_models
    # A learning sampler: run 1 waits for run 0's first rung, as on one worker.
    learning = Driver(plan, space, LearningRecorder().setup(1, 0))
    jobs = learning.ask()
    assert [j.model for j in jobs] == list(range(first_run))
    for job in jobs[:-1]:
        learning.configure(job.model)
        learning.tell(job.model, job.end_calls, 0.5)
        assert learning.ask() == []
    learning.configure(jobs[-1].model)
    learning.tell(jobs[-1].model, jobs[-1].end_calls, 0.5)
    assert {j.model for j in learning.ask()} >= {first_run}
    # Immediate learning never waits.
    assert len(Driver(plan, space, LearningRecorder().setup(1, 0), learning="immediate").ask()) == plan.n_models


@pytest.mark.parametrize("order, seed", [("fifo", 0), ("lifo", 0), ("shuffle", 3)])
def test_immediate_synchronous_draws_know_every_rung_decided_before_them(order, seed):
    plan = hyperband_plan(9, 3, n_iterations=3)
    space = SearchSpace({"x": stats.uniform(0, 1)})
    driver = Driver(plan, space, LearningRecorder().setup(1, 0), learning="immediate")
    decided = []  # rungs decided when each model was configured, in draw order
    original = driver.configure

    def configure(model):
        if driver.models[model].params is None:
            decided.append(sum(len(b.rung_members[r]) > 0 for b in driver.brackets for r in range(len(b.decisions))))
        return original(model)

    driver.configure = configure
    run(driver, score_x, order=order, seed=seed)
    rungs = told_rungs(driver)
    assert sorted(rungs) == sorted(set(rungs))
    assert len(rungs) == sum(len(b.decisions) for b in driver.brackets)
    assert driver.sampler.asked_after == decided
    # Iteration 0's later rungs teach the draws of iteration 1 that follow them.
    assert max(driver.sampler.asked_after) > 0


def test_immediate_asynchronous_tells_every_rung_result():
    plan = hyperband_plan(9, 3, n_iterations=2)
    space = SearchSpace({"x": stats.uniform(0, 1)})
    driver = Driver(plan, space, LearningRecorder().setup(1, 0), learning="immediate", halving="asynchronous")
    run(driver, score_x, order="shuffle", seed=1)
    told = driver.sampler.told
    assert all(len(v) == 1 for v, _, _ in told)
    results = Counter((driver.space.key(v[0]), float(b[0])) for v, _, b in told)
    expected = Counter(
        (driver.space.key(driver.models[m].vector), float(calls))
        for b in driver.brackets
        for calls, members in zip(b.decisions, b.rung_members)
        for m in members
    )
    assert results == expected


@pytest.mark.parametrize("sampler_name", ["de", "bo"])
def test_learning_samplers_are_reproducible_whatever_the_order(sampler_name):
    from hbsearch.samplers import make_sampler

    plan = hyperband_plan(9, 3, n_iterations=4)
    space = SearchSpace(PARAMETERS)
    outcomes = []
    for order, seed in [("fifo", 0), ("lifo", 0), ("shuffle", 1), ("shuffle", 2)]:
        sampler = make_sampler(sampler_name)
        sampler.setup(space.n_dims, 7, dimensions=space.dimensions)
        result = run(Driver(plan, space, sampler), score_x, order=order, seed=seed)
        outcomes.append(([m.params for m in result.models], result.calls))
    assert all(o == outcomes[0] for o in outcomes[1:])


@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
def test_at_most_one_iteration_of_runs_at_once(halving):
    plan = hyperband_plan(27, 3, n_iterations=3)
    driver = make_driver(plan, halving=halving)
    n_brackets = len(plan.brackets)
    pending = driver.ask()
    most = 0
    while pending:
        job = pending.pop(0)
        driver.configure(job.model)
        driver.tell(job.model, job.end_calls, score_x(driver.models[job.model], job.end_calls))
        pending += driver.ask()
        active = sum(not b.finished for b in driver.brackets)
        most = max(most, active)
        assert active <= n_brackets
    assert driver.done and len(driver.brackets) == 3 * n_brackets


# -- asynchronous halving ----------------------------------------------------------


def test_halving_is_synchronous_by_default():
    driver = make_driver(hyperband_plan(9, 3))
    assert driver.halving == "synchronous"


@pytest.mark.parametrize("halving", ["async", "Synchronous", None, 1])
def test_unknown_halving_is_refused(halving):
    with pytest.raises(ValueError, match=r"halving=.* is invalid: it must be one of 'synchronous', 'asynchronous'"):
        make_driver(hyperband_plan(9, 3), halving=halving)


def tell_all(driver, jobs, score):
    for job in jobs:
        driver.tell(job.model, job.end_calls, score(job.model))


def test_asynchronous_promotes_before_the_rung_is_complete():
    plan = successive_halving_plan(9, 3, 1)  # rungs (9, 1), (3, 3), (1, 9)
    driver = make_driver(plan, halving="asynchronous")
    first = {j.model: j for j in driver.ask()}
    assert sorted(first) == list(range(9))
    # Model i scores i, and the results arrive in that order: worst first.
    tell_all(driver, [first[0], first[1]], float)
    assert driver.ask() == []  # the top third of 2 results is no model
    tell_all(driver, [first[2]], float)
    # The best of the first 3 results goes on at once, the rung still open.
    (job,) = driver.ask()
    assert (job.model, job.start_calls, job.end_calls) == (2, 1, 3)
    assert driver.bracket_decisions() == [[]]
    tell_all(driver, [first[3]], float)
    # 4 results: model 3 is the best of them, and the top third is one model.
    (job3,) = driver.ask()
    assert job3.model == 3
    assert driver.pop_retired() == []
    tell_all(driver, [first[4]], float)
    (job4,) = driver.ask()
    assert job4.model == 4
    # Rung 1 has its 3 models: those of rung 0 that did not go on retire,
    # and later results of rung 0 retire as they arrive.
    assert sorted(driver.pop_retired()) == [0, 1]
    tell_all(driver, [first[5]], float)
    assert driver.ask() == [] and driver.pop_retired() == [5]
    # Rung 1's results promote to rung 2 while rung 0 is still open.
    tell_all(driver, [job, job3, job4], float)
    (last,) = driver.ask()
    assert (last.model, last.start_calls, last.end_calls) == (4, 3, 9)
    assert sorted(driver.pop_retired()) == [2, 3]
    assert driver.bracket_decisions() == [[]]
    # Rung 0's last results decide rungs 0 and 1 together.
    tell_all(driver, [first[6], first[7], first[8]], float)
    assert driver.bracket_decisions() == [[1, 3]]
    assert driver.brackets[0].rung_members == [list(range(9)), [2, 3, 4]]
    assert sorted(driver.pop_retired()) == [6, 7, 8]
    assert driver.ask() == []
    tell_all(driver, [last], float)
    assert driver.done
    assert driver.bracket_decisions() == [[1, 3, 9]]
    assert driver.brackets[0].rung_members == [list(range(9)), [2, 3, 4], [4]]
    assert driver.pop_retired() == [4]
    # The synchronous rule keeps the best 3 of all 9: 6, 7 and 8.
    sync = run(make_driver(plan), lambda m, calls: float(m.index))
    assert sync.rungs() == [[list(range(9)), [6, 7, 8], [8]]]


def test_asynchronous_equals_synchronous_when_the_best_arrive_first():
    plan = successive_halving_plan(9, 3, 1)
    score = lambda m, calls: -float(m.index)  # noqa: E731
    sync = run(make_driver(plan), score)
    asynchronous = run(make_driver(plan, halving="asynchronous"), score)
    assert asynchronous.rungs() == sync.rungs() == [[list(range(9)), [0, 1, 2], [0]]]
    # But earlier: model 0 went on after 3 results of rung 0, not 9.
    promotion = next(n for job, n in asynchronous.asked if job.model == 0 and job.start_calls == 1)
    assert promotion == 3


def check_asynchronous_rule(result):
    """Every promotion the asynchronous rule asks for, and no other.

    For every rung and every result arriving there: while the next rung is
    not full, every model in the top ``floor(m / aggressiveness)`` of the
    ``m`` results so far (ranked by the scores told at the rung's calls,
    NaN for a failure) has gone on unless it failed, and the models sent on
    by this result are in that top; the rung's last result fills the next
    rung with the best of the others. Returns the number of promotions made
    before their rung was complete.
    """
    driver = result.driver
    eta = driver.plan.aggressiveness
    models = driver.models
    early = 0
    for b, bracket_run in enumerate(driver.brackets):
        rungs = bracket_run.bracket.rungs
        for k in range(len(rungs) - 1):
            calls, keep = rungs[k].calls, rungs[k + 1].n_models
            members = bracket_run.rung_members[k]
            # Tell number (from 1) of each result of rung k, in order.
            results = [
                (n, job.model)
                for n, job in enumerate(result.jobs, 1)
                if job.end_calls == calls and models[job.model].bracket == b
            ]
            promoted = {
                job.model: n
                for job, n in result.asked
                if job.start_calls == calls and models[job.model].bracket == b
            }
            assert len(results) == len(members)
            assert sorted(promoted) == bracket_run.rung_members[k + 1]
            failed = {m for m in members if models[m].failed and models[m].calls <= calls}
            assert len(promoted) == min(keep, len(members) - len(failed))
            seen = []
            for n, model in results:
                seen.append(model)
                order = ranked(seen, lambda m, calls=calls: models[m].score_at(calls)[1])
                before = {m for m, t in promoted.items() if t < n}
                now = {m for m, t in promoted.items() if t == n}
                if len(seen) < len(members):
                    top = set(order[: len(seen) // eta])
                    assert now <= top
                    if len(before | now) < keep:
                        assert top - failed <= before | now
                    early += len(now)
                else:
                    rest = [m for m in order if m not in before and m not in failed]
                    assert now == set(rest[: keep - len(before)])
    return early


ASYNC_PLANS = [hyperband_plan(max_iter, eta) for max_iter in (9, 27, 81) for eta in (2, 3, 4)]
ASYNC_PLAN_IDS = [f"hb{max_iter}-eta{eta}" for max_iter in (9, 27, 81) for eta in (2, 3, 4)]


@pytest.mark.parametrize("plan", ASYNC_PLANS, ids=ASYNC_PLAN_IDS)
def test_asynchronous_rungs_have_the_plans_counts(plan):
    early = 0
    for order, seed in [("fifo", 0), ("lifo", 0), ("shuffle", 1), ("shuffle", 2), ("shuffle", 3)]:
        result = run(make_driver(plan, seed=seed, halving="asynchronous"), score_crossing, order, seed)
        driver = result.driver
        assert sum(job.n_calls for job in result.jobs) == plan.partial_fit_calls
        assert sum(result.calls) == plan.partial_fit_calls
        assert len(driver.models) == plan.n_models
        assert driver.bracket_decisions() == [b.decisions for b in plan.brackets]
        for rungs, bracket in zip(result.rungs(), plan.brackets):
            assert [len(r) for r in rungs] == [rung.n_models for rung in bracket.rungs]
            for k, rung in enumerate(bracket.rungs):
                # The models of rung k, and no others, reached rung k's calls.
                assert sorted(m for m in rungs[0] if result.models[m].calls >= rung.calls) == rungs[k]
        early += check_asynchronous_rule(result)
    # A promotion can come early once a rung has more results than aggressiveness.
    possible = any(
        rung.n_models > plan.aggressiveness for b in plan.brackets for rung in b.rungs[:-1]
    )
    assert (early > 0) == possible


@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
@pytest.mark.parametrize("plan", [hyperband_plan(27, 3), hyperband_plan(81, 2)], ids=["hb27", "hb81-eta2"])
def test_failed_models_are_never_promoted_in_either_mode(plan, halving):
    # A quarter of the models fail, at their first or a later rung.
    fails = lambda m, calls: (m.index * 7919 + calls) % 4 == 0  # noqa: E731
    for order, seed in [("fifo", 0), ("lifo", 0), ("shuffle", 4)]:
        result = run(make_driver(plan, halving=halving), score_crossing, order, seed, fails=fails)
        models = result.models
        assert any(m.failed for m in models)
        for m in models:
            if m.failed:
                # Failed at its last job: no job after it.
                assert fails(m, m.calls)
                assert result.jobs_of(m.index)[-1][0] + result.jobs_of(m.index)[-1][1] == m.calls
        for bracket_run in result.driver.brackets:
            rungs = bracket_run.bracket.rungs
            for k in range(len(rungs) - 1):
                # Those that did not fail on the way to rung k, and only those, may go on.
                eligible = [
                    m for m in bracket_run.rung_members[k]
                    if not (models[m].failed and models[m].calls <= rungs[k].calls)
                ]
                assert len(bracket_run.rung_members[k + 1]) == min(rungs[k + 1].n_models, len(eligible))
                assert set(bracket_run.rung_members[k + 1]) <= set(eligible)
        check_retired(result)
        if halving == "asynchronous":
            check_asynchronous_rule(result)


def test_asynchronous_plateaued_models_keep_their_place():
    plan = hyperband_plan(27, 3)
    for patience in (2, 3, 5):
        for order, seed in [("fifo", 0), ("shuffle", 5)]:
            driver = make_driver(plan, max_calls_per_job=1, patience=patience, tol=0.0, halving="asynchronous")
            result = run(driver, score_x, order, seed)
            # Constant scores: every model stops at `patience` calls, or sooner if dropped.
            assert all(m.calls <= patience for m in result.models)
            assert any(m.plateaued for m in result.models)
            # Every rung still has the plan's number of models, stopped ones included.
            for rungs, bracket in zip(result.rungs(), plan.brackets):
                assert [len(r) for r in rungs] == [rung.n_models for rung in bracket.rungs]
            for m in result.models:
                if m.plateaued:
                    assert result.jobs_of(m.index)[-1] == (m.calls - 1, 1)


@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
def test_the_last_result_of_a_rung_fills_the_next_one(halving):
    # Hyperband's rungs keep n // aggressiveness models: the top of a full rung
    # fills the next one by itself. A plan keeping more needs the fill-up.
    plan = Plan((Bracket(0, (Rung(9, 1), Rung(5, 3), Rung(2, 9))),), aggressiveness=3, max_iter=9)
    for order, seed in [("fifo", 0), ("lifo", 0), ("shuffle", 6), ("shuffle", 7)]:
        result = run(make_driver(plan, halving=halving), score_crossing, order, seed)
        assert [len(r) for r in result.rungs()[0]] == [9, 5, 2]
        assert sum(result.calls) == plan.partial_fit_calls
        check_retired(result)
        if halving == "asynchronous":
            check_asynchronous_rule(result)
