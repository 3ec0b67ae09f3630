"""The ask/tell front: the same schedule and samplers, evaluations run by the user."""

from __future__ import annotations

import math
import random
from collections import Counter

import numpy as np
import pytest
from scipy.stats import uniform

from hbsearch import HyperbandOptimizer
from hbsearch.schedule import hyperband_plan

SPACE = {f"x{i}": uniform(0, 1) for i in range(3)}


def sphere(params):
    return -sum((params[f"x{i}"] - 0.7) ** 2 for i in range(3))


def drive(opt, order="fifo", seed=0, score=None):
    """Run ``opt`` to the end: hand out every trial available, answer them in ``order``."""
    rng = random.Random(seed)
    score = score or (lambda trial: sphere(trial.params))
    out = []
    while not opt.done:
        waiting = []
        while (trial := opt.ask()) is not None:
            waiting.append(trial)
        assert waiting, "nothing to run, yet not done"
        if order == "lifo":
            waiting.reverse()
        elif order == "shuffle":
            rng.shuffle(waiting)
        for trial in waiting:
            out.append(trial)
            opt.tell(trial, score(trial))
    return out


@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
def test_trials_follow_the_plan(halving):
    opt = HyperbandOptimizer(SPACE, max_iter=27, halving=halving, random_state=0)
    trials = drive(opt)
    plan = hyperband_plan(27)
    assert opt.metadata["partial_fit_calls"] == plan.partial_fit_calls == 357
    assert sum(t.budget - t.start_budget for t in trials) == 357
    assert len({t.model_id for t in trials}) == plan.n_models
    firsts = [t for t in trials if t.start_budget == 0]
    assert len(firsts) == plan.n_models
    # A model's trials continue where its previous one stopped.
    last = {}
    for t in trials:
        assert t.start_budget == last.get(t.model_id, 0)
        last[t.model_id] = t.budget
    assert opt.best_score_ == max(h["score"] for h in opt.history_)
    assert opt.ask() is None


@pytest.mark.parametrize("sampler", ["random", "de", "bo", "gp"])
def test_same_trials_whatever_the_order_of_answers(sampler):
    runs = []
    for order, seed in [("fifo", 0), ("lifo", 0), ("shuffle", 4)]:
        opt = HyperbandOptimizer(SPACE, max_iter=9, n_iterations=3, sampler=sampler, random_state=2)
        trials = drive(opt, order, seed)
        runs.append(sorted((t.model_id, t.budget, tuple(t.params.values())) for t in trials))
    assert runs[0] == runs[1] == runs[2]


def test_learning_samplers_find_better_configurations():
    def best(sampler, seed):
        opt = HyperbandOptimizer(SPACE, max_iter=3, n_iterations=40, sampler=sampler, random_state=seed)
        drive(opt)
        return opt.best_score_

    random_regret = -np.median([best("random", s) for s in range(5)])
    for sampler in ("de", "bo"):
        assert -np.median([best(sampler, s) for s in range(5)]) < random_regret / 5


@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
def test_failures_are_never_promoted(halving):
    opt = HyperbandOptimizer({"x": uniform(0, 1)}, max_iter=9, halving=halving, random_state=0)
    # Every configuration above 0.5 fails: none of them may get a second trial.
    trials = drive(opt, score=lambda t: math.nan if t.params["x"] > 0.5 else t.params["x"])
    failed = {t.model_id for t in trials if t.params["x"] > 0.5}
    assert failed
    assert all(t.start_budget == 0 for t in trials if t.model_id in failed)
    assert opt.best_params_["x"] <= 0.5


def test_telling_a_trial_twice_is_an_error():
    opt = HyperbandOptimizer({"x": uniform(0, 1)}, max_iter=3, random_state=0)
    trial = opt.ask()
    opt.tell(trial, 0.5)
    with pytest.raises(ValueError, match="no job running"):
        opt.tell(trial, 0.5)
    with pytest.raises(ValueError, match="max_iter=0"):
        HyperbandOptimizer({"x": uniform(0, 1)}, max_iter=0)


@pytest.mark.parametrize("halving", ["synchronous", "asynchronous"])
def test_asynchronous_halving_hands_out_promotions_early(halving):
    opt = HyperbandOptimizer({"x": uniform(0, 1)}, max_iter=27, halving=halving, random_state=0)
    assert opt.metadata["halving"] == halving
    waiting, budgets = [], Counter()
    first_promotion = None  # results of bracket 3's first rung told before its first promotion
    # Several trials out at once: tell the oldest whenever three are waiting.
    while not opt.done:
        trial = opt.ask()
        if trial is not None:
            waiting.append(trial)
            if trial.bracket == 3 and trial.start_budget == 1 and first_promotion is None:
                first_promotion = budgets[(3, 1)]
        if trial is None or len(waiting) >= 3:
            told = waiting.pop(0)
            budgets[told.bracket, told.budget] += 1
            opt.tell(told, -((told.params["x"] - 0.3) ** 2))
    # Every rung of every bracket got the plan's number of trials.
    assert budgets == {
        (bracket.bracket, rung.calls): rung.n_models for bracket in opt.plan.brackets for rung in bracket.rungs
    }
    # The synchronous rule waits for the whole first rung (27 trials), the
    # asynchronous one goes on after 3.
    assert first_promotion == (27 if halving == "synchronous" else 3)


def test_unknown_halving_is_refused():
    with pytest.raises(ValueError, match="halving='asha' is invalid"):
        HyperbandOptimizer({"x": uniform(0, 1)}, halving="asha")
