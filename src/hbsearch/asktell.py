"""Hyperband for evaluations you run yourself: ask for a trial, tell its score.

:class:`HyperbandOptimizer` drives the same schedule, driver and sampler as
:class:`~hbsearch.HyperbandSearchCV`, without Dask, data or estimators: you
train and score however and wherever you like.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.utils import check_random_state

from .driver import Driver, check_halving, check_learning
from .samplers import Sampler, make_sampler, setup_sampler
from .schedule import cap_plan, hyperband_plan, plan_metadata
from .space import SearchSpace

__all__ = ["Trial", "HyperbandOptimizer"]


@dataclass(frozen=True)
class Trial:
    """One evaluation to run: bring model ``model_id`` to ``budget`` and score it.

    Attributes
    ----------
    model_id : str
        The model, as ``"bracket=B-I"`` (the same ids as ``cv_results_``).
    params : dict
        Its configuration.
    budget : int
        The resource (partial_fit calls, epochs, ...) the model must have
        received in all when it is scored.
    start_budget : int
        The resource it had at its previous trial (0 for a new model): a
        model you kept can be trained on from there instead of from scratch.
    bracket : int
        Its Hyperband bracket.

    Examples
    --------
    >>> from scipy.stats import uniform
    >>> trial = HyperbandOptimizer({"x": uniform(0, 1)}, max_iter=9, random_state=0).ask()
    >>> trial.model_id, trial.start_budget, trial.budget
    ('bracket=2-0', 0, 1)
    """

    model_id: str
    params: dict
    budget: int
    start_budget: int
    bracket: int
    _model: int = -1


class HyperbandOptimizer:
    """Hyperband's brackets and a sampler behind an ask/tell interface.

    Parameters
    ----------
    parameters : dict or list of dicts
        The search space, as for :class:`~hbsearch.HyperbandSearchCV`.
    max_iter : int, default=81
        The most resource any model receives.
    aggressiveness : int, default=3
        How many times fewer models each rung keeps.
    sampler : {"random", "de", "bo", "tpe", "gp"} or Sampler, default="random"
        Where the models' configurations come from: each is drawn when
        ``ask`` first hands out its model.
    n_iterations : int, default=1
        How many times the brackets are run.
    halving : {"synchronous", "asynchronous"}, default="synchronous"
        When a rung's models go on to the next one. "synchronous": once
        every trial of the rung has been told. "asynchronous" (as in ASHA):
        as soon as a model is in the top ``1 / aggressiveness`` of the
        scores its rung has so far, until the next rung has the plan's number
        of models, so ``ask`` has trials ready sooner when several run in
        parallel; ``ask`` then hands out a model's next trial before any
        new model's first one. Each rung still gets the plan's number of
        trials and resource, but which models go on then depends on the
        order the scores are told in.
    learning : {"reproducible", "immediate"}, default="reproducible"
        What a learning sampler's draws know, as for
        :class:`~hbsearch.HyperbandSearchCV`: "reproducible", the results
        the plan puts before them when played one trial at a time (``ask``
        returns None while a new model waits for them); "immediate", all
        results told so far.
    random_state : int, RandomState instance or None, default=None
        Seeds the sampler.

    Examples
    --------
    >>> from scipy.stats import uniform
    >>> opt = HyperbandOptimizer({"x": uniform(0, 1)}, max_iter=9, random_state=0)
    >>> opt.metadata["n_models"], opt.metadata["partial_fit_calls"]
    (17, 69)
    >>> while not opt.done:
    ...     trial = opt.ask()
    ...     opt.tell(trial, -(trial.params["x"] - 0.3) ** 2)
    >>> round(opt.best_params_["x"], 1)
    0.3
    """

    def __init__(
        self,
        parameters: Mapping[str, Any] | Sequence[Mapping[str, Any]],
        *,
        max_iter: int = 81,
        aggressiveness: int = 3,
        sampler: str | Sampler = "random",
        n_iterations: int = 1,
        halving: str = "synchronous",
        learning: str = "reproducible",
        random_state: int | np.random.RandomState | None = None,
    ) -> None:
        self.halving = check_halving(halving)
        self.learning = check_learning(learning)
        self.space = SearchSpace(parameters)
        self.plan = cap_plan(hyperband_plan(max_iter, aggressiveness, n_iterations), self.space.size)
        rng = check_random_state(random_state)
        self.sampler = setup_sampler(make_sampler(sampler), self.space, int(rng.randint(2**31 - 1)))
        self._driver = Driver(
            self.plan, self.space, self.sampler, halving=self.halving, learning=self.learning,
            random_state=int(rng.randint(2**31 - 1)),
        )
        self._queue = deque()  # trials that can run now, in the order they became ready
        self._promoted = deque()  # asynchronous halving: next trials of models that went on
        self.history_: list[dict] = []
        self._best = None  # (score, calls, model_id, params)

    @property
    def metadata(self) -> dict:
        """The plan: models, resource in all, each bracket's rungs, and ``halving``."""
        return {**plan_metadata(self.plan), "halving": self.halving}

    @property
    def done(self) -> bool:
        """True once every trial of the plan has been told."""
        return self._driver.done

    def ask(self) -> Trial | None:
        """The next trial, or None while every trial handed out waits for its score."""
        for job in self._driver.ask():
            ahead = self.halving == "asynchronous" and job.start_calls > 0
            (self._promoted if ahead else self._queue).append(job)
        queue = self._promoted or self._queue
        if not queue:
            return None
        job = queue.popleft()
        state = self._driver.models[job.model]
        if job.start_calls == 0:
            self._driver.configure(job.model)
        run = self._driver.brackets[state.bracket]
        bracket = run.bracket.bracket
        return Trial(
            model_id=f"bracket={bracket}-{state.rank_in_bracket}",
            params=state.params,
            budget=job.end_calls,
            start_budget=job.start_calls,
            bracket=bracket,
            _model=job.model,
        )

    def tell(self, trial: Trial, score: float) -> None:
        """The score (higher is better) of ``trial``; NaN or inf marks a failure."""
        score = float(score)
        failed = not math.isfinite(score)
        self._driver.tell(trial._model, trial.budget, score, failed=failed)
        self.history_.append(
            {"model_id": trial.model_id, "params": trial.params, "budget": trial.budget,
             "score": score, "bracket": trial.bracket}
        )
        if not failed and (self._best is None or (score, trial.budget) > self._best[:2]):
            self._best = (score, trial.budget, trial.model_id, trial.params)

    @property
    def best_params_(self) -> dict:
        """The configuration with the best score told so far (ties: more resource)."""
        if self._best is None:
            raise AttributeError("no finite score has been told yet")
        return self._best[3]

    @property
    def best_score_(self) -> float:
        """The best score told so far."""
        if self._best is None:
            raise AttributeError("no finite score has been told yet")
        return self._best[0]
