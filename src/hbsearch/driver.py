"""The search as a state machine: who trains next, for how long, and who stops.

The driver follows a :class:`~hbsearch.schedule.Plan` with successive halving
inside every bracket. It knows nothing of Dask, data or estimators: it hands
out :class:`Job` objects (train model ``m`` from ``a`` to ``b`` calls, then score
it) and is told the scores. With synchronous halving (the default) a
bracket's rung is a barrier: once every model of the rung has its score at the
rung's number of calls, the best ones go on. With asynchronous halving (as in
ASHA) a model goes on as soon as it ranks among the top
``1 / aggressiveness`` of the results its rung has so far, up to the number of
models the next rung keeps. All brackets run at the same time.

A model's configuration is drawn from the sampler when its first job is about
to run (:meth:`Driver.configure`), so that each draw uses what is known then;
the sampler is told every rung's results. With ``learning="reproducible"``
what a draw knows is fixed by the plan (see :func:`notional_order`), so the
same results give the same configurations whatever the timing.
"""

from __future__ import annotations

import bisect
import math
from collections import deque
from dataclasses import dataclass, field

import numpy as np
from sklearn.utils import check_random_state

from .samplers import ask_sampler
from .schedule import Bracket, Plan

__all__ = [
    "Job",
    "ModelState",
    "Driver",
    "HALVING",
    "LEARNING",
    "check_halving",
    "check_learning",
    "notional_order",
]

#: The halving rules: a barrier per rung, or promotions as results arrive.
HALVING = ("synchronous", "asynchronous")

#: What a draw knows: the results the plan puts before it, or all that arrived.
LEARNING = ("reproducible", "immediate")

# A draw that repeats a configuration already drawn is asked again this many
# times before a configuration not drawn yet is picked at random.
_DRAW_RETRIES = 25
# Random picks among a finite space's configurations before they are listed.
_RANDOM_PICKS = 100


def _check_choice(name: str, value, allowed: tuple) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(
            f"{name}={value!r} is invalid: it must be one of "
            + ", ".join(repr(a) for a in allowed)
            + "."
        )
    return value


def check_halving(value) -> str:
    """``value`` if it is one of :data:`HALVING`, else an error naming ``halving``."""
    return _check_choice("halving", value, HALVING)


def check_learning(value) -> str:
    """``value`` if it is one of :data:`LEARNING`, else an error naming ``learning``."""
    return _check_choice("learning", value, LEARNING)


def notional_order(plan: Plan) -> tuple[list[tuple[int, int]], list[int]]:
    """The plan run on one notional worker: the order of rung decisions and draws.

    Jobs run one at a time, first come first served, each bringing its model
    to its rung's calls; every model succeeds. Bracket run ``k`` starts (its
    models queued in order) once runs ``0 .. k - B`` have finished, as in
    :class:`Driver`; a rung is decided when its last job ends, and its
    survivors are queued behind the jobs already waiting.

    Returns
    -------
    decisions : list of (run, rung)
        The rung decisions in the order they happen.
    draw_after : list of int
        For each model, in the driver's numbering, how many of ``decisions``
        happen before its first job starts: with ``learning="reproducible"``
        its configuration is drawn knowing exactly those rungs.

    Examples
    --------
    >>> from hbsearch.schedule import successive_halving_plan
    >>> decisions, draw_after = notional_order(successive_halving_plan(3, 3, 1))
    >>> decisions, draw_after
    ([(0, 0), (0, 1)], [0, 0, 0])
    """
    runs = [bracket for _ in range(plan.n_iterations) for bracket in plan.brackets]
    lag = len(plan.brackets)
    decisions: list[tuple[int, int]] = []
    draw_after: list[int] = []
    queue: deque = deque()  # (run, rung): one job each
    left: dict[tuple[int, int], int] = {}  # jobs of a rung still to run
    finished = [False] * len(runs)
    started = 0

    def queue_rung(k: int, r: int) -> None:
        n = runs[k].rungs[r].n_models
        left[(k, r)] = n
        queue.extend([(k, r)] * n)
        if n == 0:
            decide(k, r)

    def decide(k: int, r: int) -> None:
        decisions.append((k, r))
        if r + 1 < len(runs[k].rungs):
            queue_rung(k, r + 1)
        else:
            finished[k] = True

    while True:
        while started < len(runs) and (started < lag or all(finished[: started - lag + 1])):
            queue_rung(started, 0)
            started += 1
        if not queue:
            return decisions, draw_after
        k, r = queue.popleft()
        if r == 0:
            draw_after.append(len(decisions))
        left[(k, r)] -= 1
        if left[(k, r)] == 0:
            decide(k, r)


@dataclass(frozen=True)
class Job:
    """Train one model from ``start_calls`` by ``n_calls`` partial_fit calls, then score it.

    ``params`` is None: a model's first job (``start_calls == 0``) builds the
    model from :meth:`Driver.configure`, which draws its configuration then.
    ``priority`` (a Dask task priority: higher runs first) is higher for
    models with more calls still ahead of them in their bracket, and among
    those for models with a better latest score.
    """

    model: int
    start_calls: int
    n_calls: int
    priority: float
    params: dict | None = None

    @property
    def end_calls(self) -> int:
        return self.start_calls + self.n_calls


@dataclass
class ModelState:
    """What the driver knows of one model."""

    index: int
    bracket: int  # index of its bracket run in Driver.brackets
    rank_in_bracket: int
    params: dict | None = None  # None until the model is configured
    vector: np.ndarray | None = None
    calls: int = 0
    scores: list[tuple[int, float]] = field(default_factory=list)
    target: int = 0  # calls to reach before the next decision
    plateaued: bool = False
    failed: bool = False
    running: bool = False
    rung: int = 0  # the rung of its bracket it is at (or has reached)

    @property
    def stopped(self) -> bool:
        """Trained no further: its scores plateaued, or it failed."""
        return self.plateaued or self.failed

    @property
    def latest_score(self) -> float:
        return self.scores[-1][1] if self.scores else math.nan

    def score_at(self, calls: int) -> tuple[int, float]:
        """``(calls, score)`` of the latest score taken at or before ``calls`` calls."""
        earlier = [(c, s) for c, s in self.scores if c <= calls]
        return earlier[-1] if earlier else (0, math.nan)


class _OpenRung:
    """One rung of a bracket run under asynchronous halving."""

    __slots__ = ("members", "ranking", "promoted", "full")

    def __init__(self, members: list[int]):
        self.members = members  # every model that reached the rung, in order of arrival
        self.ranking: list[tuple] = []  # rank keys of its results so far, best first
        self.promoted = 0  # models sent on to the next rung
        self.full = False  # the next rung has all its models: later results retire at once


class _BracketRun:
    def __init__(self, index: int, iteration: int, bracket: Bracket, members: list[int]):
        self.index = index
        self.iteration = iteration
        self.bracket = bracket
        self.rung = 0  # the lowest rung not decided yet
        self.members = members  # the models of that rung
        self.models = list(members)  # every model the bracket started
        self.waiting = len(members)  # members still short of the rung's calls (synchronous)
        self.decisions: list[int] = []
        self.rung_members: list[list[int]] = []  # the models of each decided rung
        self.finished = False
        # Asynchronous halving: every rung at once, filled as models are promoted.
        self.open_rungs = [_OpenRung(list(members))] + [_OpenRung([]) for _ in bracket.rungs[1:]]


def _rank_key(m: ModelState) -> tuple:
    """Sort key of :func:`descending_by_score`: ascending keys go from best to worst."""
    score = m.latest_score
    return (0, -score, m.index) if not math.isnan(score) else (1, 0.0, m.index)


def descending_by_score(models: list[ModelState]) -> list[ModelState]:
    """Models from best to worst latest score; NaN last, ties to the older model."""
    return sorted(models, key=_rank_key)


class Driver:
    """Successive halving in every bracket of a plan, brackets side by side.

    The brackets of the first iteration start together. Bracket run ``k``
    (counting runs in order: iteration by iteration, and within one the
    plan's brackets from the most models to the fewest) starts as soon as
    every run up to ``k - B`` has finished, ``B`` being the number of brackets
    in an iteration, so at most ``B`` runs are under way at once.

    A run's models are numbered when it starts, but a model's configuration
    is drawn only when its first job is about to run (:meth:`configure`):
    the sampler is asked for one configuration, knowing the results told so
    far and the configurations drawn but not yet scored (``pending``). A
    configuration already drawn is asked for again, then replaced by one not
    drawn yet, so a finite space has every configuration drawn once before
    any is drawn again. The sampler is told the results of every rung at the
    rung's calls.

    Parameters
    ----------
    plan : Plan
        Brackets and rungs to follow.
    space : SearchSpace
        Turns the sampler's unit-cube vectors into parameter dicts.
    sampler : Sampler
        Proposes configurations and learns from results.
    max_calls_per_job : int or None
        Split training between decisions into jobs of at most this many calls,
        each followed by a score (``patience`` needs those scores).
    patience : int or None
        Stop training a model once its scores over its last ``patience`` calls
        rose by no more than ``tol`` (dask-ml's rule). A stopped model keeps
        its latest score and its place in its rung.
    tol : float or None
        See ``patience``; None never stops a model.
    halving : {"synchronous", "asynchronous"}, default="synchronous"
        When the models of a rung go on to the next one.

        "synchronous": a rung is a barrier. Once every model of rung ``k``
        has its score at the rung's calls, the top ``rungs[k + 1].n_models``
        go on (failed models never do).

        "asynchronous" (as in ASHA): each time a model's result at rung ``k``
        arrives, ``m`` results being in so far, every model among the top
        ``floor(m / aggressiveness)`` of them goes on at once, unless it
        failed or has gone on already, until ``rungs[k + 1].n_models`` have
        gone on. When rung ``k``'s last result arrives, the best of the
        others fill the rest of rung ``k + 1``, as the synchronous rule
        would. Every rung thus gets the plan's number of models and calls,
        but which models go on depends on the order the results arrive in.
        A model of rung ``k + 1`` may train and be promoted further while
        rung ``k`` is still open; a rung is decided (``bracket_decisions``,
        ``rung_members``) once the rungs before it are decided and it has
        all its results, and a bracket run is finished, as in synchronous
        mode, when its last rung is decided.

        Either way a plateaued model keeps its place: it can go on, without
        more training, with its latest score.
    learning : {"reproducible", "immediate"}, default="reproducible"
        What the sampler knows when it draws a configuration.

        "reproducible": exactly the rungs decided before the draw when the
        plan runs on one notional worker (:func:`notional_order`); a model
        whose rungs are not all decided yet gets no job until they are.
        Draws happen in the models' order, so the same results give the same
        configurations whatever the timing or the number of workers. (With
        asynchronous halving, promotions depend on timing anyway.)

        "immediate": every rung decided so far (synchronous halving) or every
        rung result so far (asynchronous halving); draws happen in the order
        the models' first jobs run. No draw waits, but what it knows depends
        on timing.

        A sampler whose ``learns`` is False is drawn from in the models'
        order, and no model waits, in either mode.
    random_state : int, RandomState instance or None, default=None
        Seeds the picks that replace repeated configurations.
    """

    def __init__(
        self,
        plan: Plan,
        space,
        sampler,
        *,
        max_calls_per_job=None,
        patience=None,
        tol=None,
        halving="synchronous",
        learning="reproducible",
        random_state=None,
    ):
        self.plan = plan
        self.space = space
        self.sampler = sampler
        self.max_calls_per_job = max_calls_per_job
        self.patience = patience
        self.tol = tol
        self.halving = check_halving(halving)
        self.learning = check_learning(learning)
        self._asynchronous = halving == "asynchronous"
        learns = getattr(sampler, "learns", True)
        # A sampler that does not learn is reproducible without waiting.
        self._reproducible = learning == "reproducible" and learns
        # Draws in the models' order: what reproducibility needs, and all a
        # sampler that does not learn needs.
        self._in_order = self._reproducible or not learns
        self._rng = check_random_state(random_state)
        self.models: list[ModelState] = []
        self.brackets: list[_BracketRun] = []
        self._ready: list[int] = []
        self._retired: list[int] = []
        self._finite_scores: list[float] = []  # sorted, for the ranks in priorities
        # Every run of the search, in the order they start.
        self._schedule = [
            (iteration, bracket) for iteration in range(plan.n_iterations) for bracket in plan.brackets
        ]
        self._drawn = 0  # models configured so far, when draws go in order
        self._pending: dict[int, np.ndarray] = {}  # configured models not told yet
        self._seen: set = set()  # keys of the configurations drawn (this cycle, for finite spaces)
        self._presets: dict[int, np.ndarray] = {}
        if self._reproducible:
            self._notional, self._draw_after = notional_order(plan)
            self._decided: set[tuple[int, int]] = set()
            self._known = 0  # the first notional decisions that have happened
            self._told = 0  # the first notional decisions told to the sampler
            self._held: deque[int] = deque()  # new models waiting for their rungs
        self._start_runs()

    # -- public interface -------------------------------------------------

    def ask(self) -> list[Job]:
        """Every job that can run now, each handed out once.

        A new model's job has ``start_calls == 0``: call :meth:`configure`
        for its parameters just before it runs.
        """
        if self._reproducible:
            while self._held and self._draw_after[self._held[0]] <= self._known:
                self._ready.append(self._held.popleft())
        jobs = []
        for index in self._ready:
            model = self.models[index]
            n_calls = model.target - model.calls
            if self.max_calls_per_job is not None:
                n_calls = min(n_calls, self.max_calls_per_job)
            model.running = True
            jobs.append(
                Job(
                    model=index,
                    start_calls=model.calls,
                    n_calls=n_calls,
                    priority=self._priority(model),
                )
            )
        self._ready = []
        return jobs

    def configure(self, model: int) -> dict:
        """The parameters of ``model``, drawn from the sampler on the first call.

        Call it when the model's first job is about to run: the draw then
        knows every result it may know (see ``learning``). Later calls return
        the same parameters.
        """
        state = self.models[model]
        if state.params is None:
            if self._in_order:
                while self._drawn <= model:
                    self._draw(self.models[self._drawn])
                    self._drawn += 1
            else:
                self._draw(state)
        return state.params

    def preset(self, vectors: dict[int, np.ndarray]) -> None:
        """Configurations drawn by an earlier run of the same search (a checkpoint).

        ``vectors`` maps models to the vectors they were drawn. A model so
        preset gets that configuration when it is configured; when draws go
        in the models' order (``learning="reproducible"``, or a sampler that
        does not learn) the draw happens anyway, so that the sampler's state
        follows the uninterrupted search.
        """
        self._presets.update({int(m): np.asarray(v, dtype=float) for m, v in vectors.items()})

    def tell(self, model: int, calls: int, score: float, failed: bool = False) -> None:
        """Record that ``model`` scored ``score`` after ``calls`` partial_fit calls.

        A ``failed`` model (its training or scoring raised, or its score is not
        finite) is ranked last, never promoted and given no more jobs.
        """
        if not 0 <= model < len(self.models) or not self.models[model].running:
            raise ValueError(f"model {model} has no job running")
        state = self.models[model]
        if state.params is None:
            self.configure(model)  # a result means it ran: it has a configuration
        state.running = False
        state.calls = calls
        score = math.nan if failed else float(score)
        state.scores.append((calls, score))
        if failed:
            state.failed = True
            self._retired.append(model)
        elif math.isfinite(score):
            bisect.insort(self._finite_scores, score)
        if calls < state.target and not failed and self._continue(state):
            return
        if self._asynchronous:
            self._reached(self.brackets[state.bracket], state)
        else:
            self._arrived(self.brackets[state.bracket])

    def pop_retired(self) -> list[int]:
        """Models that will get no more jobs since the last call."""
        retired, self._retired = self._retired, []
        return retired

    @property
    def done(self) -> bool:
        return len(self.brackets) == len(self._schedule) and all(b.finished for b in self.brackets)

    @property
    def n_running(self) -> int:
        return sum(m.running for m in self.models)

    def bracket_decisions(self) -> list[list[int]]:
        """Cumulative calls at which each bracket took its decisions so far.

        Under asynchronous halving a rung counts as decided once the rungs
        before it are and every model that reached it has its result there.
        """
        return [list(b.decisions) for b in self.brackets]

    # -- internals --------------------------------------------------------

    def _start_runs(self) -> None:
        """Start every run whose predecessors (all runs up to ``k - B``) have finished."""
        lag = len(self.plan.brackets)
        while len(self.brackets) < len(self._schedule):
            k = len(self.brackets)
            if k >= lag and not all(run.finished for run in self.brackets[: k - lag + 1]):
                return
            self._start_bracket(*self._schedule[k])

    def _start_bracket(self, iteration: int, bracket: Bracket) -> None:
        n = bracket.n_models
        first = len(self.models)
        run = _BracketRun(len(self.brackets), iteration, bracket, list(range(first, first + n)))
        self.brackets.append(run)
        waiting = self._held if self._reproducible else self._ready
        for i in range(n):
            state = ModelState(
                index=first + i,
                bracket=run.index,
                # Numbered on from earlier iterations, so ids stay unique.
                rank_in_bracket=iteration * n + i,
                target=bracket.rungs[0].calls,
            )
            self.models.append(state)
            waiting.append(state.index)

    # -- drawing and teaching ----------------------------------------------

    def _draw(self, state: ModelState) -> None:
        if self._reproducible:
            while self._told < self._draw_after[state.index]:
                self._teach(*self._notional[self._told])
                self._told += 1
        preset = self._presets.pop(state.index, None)
        if preset is None or self._in_order:
            vector = self._propose(state)
        if preset is not None:
            vector = preset
            self._seen.add(self.space.key(vector))
        state.vector = vector
        state.params = self.space.decode(vector)
        self._pending[state.index] = vector

    def _propose(self, state: ModelState) -> np.ndarray:
        """A configuration not drawn yet (in this cycle), from the sampler if it has one."""
        space = self.space
        if len(self._seen) >= space.size:
            # Every configuration has been drawn: a new cycle, but never a
            # configuration twice in one bracket run.
            run = self.brackets[state.bracket]
            self._seen = {space.key(self.models[i].vector) for i in run.models if self.models[i].vector is not None}
        pending = np.array(list(self._pending.values()), dtype=float).reshape(-1, space.n_dims)
        for _ in range(_DRAW_RETRIES):
            vector = np.asarray(ask_sampler(self.sampler, 1, pending), dtype=float).reshape(space.n_dims)
            if space.key(vector) not in self._seen:
                break
        else:
            vector = self._unseen(vector)
        self._seen.add(space.key(vector))
        return vector

    def _unseen(self, fallback: np.ndarray) -> np.ndarray:
        """A configuration not drawn yet, uniformly; ``fallback`` if there is none."""
        space = self.space
        size = space.size
        if not math.isfinite(size):
            return self._rng.uniform(size=space.n_dims)
        for _ in range(_RANDOM_PICKS):
            vector = space.vector_at(min(int(self._rng.uniform() * size), size - 1))
            if space.key(vector) not in self._seen:
                return vector
        if size - len(self._seen) > 0 and size <= 100_000:
            free = [i for i in range(size) if space.key(space.vector_at(i)) not in self._seen]
            return space.vector_at(free[self._rng.randint(len(free))])
        return fallback

    def _teach(self, k: int, r: int) -> None:
        """Tell the sampler the results of rung ``r`` of run ``k``, models in order."""
        run = self.brackets[k]
        calls = run.decisions[r]
        models = [self.models[i] for i in run.rung_members[r]]
        if models:
            # A model stopped early is told with the calls it had when scored.
            self._tell_sampler(models, [m.score_at(calls) for m in models])

    def _tell_sampler(self, models: list[ModelState], scored: list[tuple[int, float]]) -> None:
        for m in models:
            self._pending.pop(m.index, None)
        self.sampler.tell(
            np.array([m.vector for m in models]),
            np.array([score for _, score in scored]),
            np.array([c for c, _ in scored]),
        )

    def _rung_decided(self, run: _BracketRun) -> None:
        """Rung ``len(run.decisions) - 1`` of ``run`` has just been decided."""
        r = len(run.decisions) - 1
        if self._reproducible:
            self._decided.add((run.index, r))
            while self._known < len(self._notional) and self._notional[self._known] in self._decided:
                self._known += 1
        elif not self._asynchronous:
            self._teach(run.index, r)

    def _continue(self, state: ModelState) -> bool:
        """Queue more training for ``state``, unless its scores have plateaued."""
        if self._plateaued(state):
            state.plateaued = True
            self._retired.append(state.index)
            return False
        self._ready.append(state.index)
        return True

    def _plateaued(self, state: ModelState) -> bool:
        if not self.patience or self.tol is None or state.calls < self.patience:
            return False
        window = np.array([s for c, s in state.scores if state.calls - c <= self.patience])
        if len(window) < 2:
            return False
        # A NaN anywhere in the window makes the rise NaN: never a plateau.
        return bool(np.max(window[1:] - window[0]) <= self.tol)

    def _arrived(self, run: _BracketRun, count: int = 1) -> None:
        run.waiting -= count
        if run.waiting == 0:
            self._decide(run)

    def _decide(self, run: _BracketRun) -> None:
        members = [self.models[i] for i in run.members]
        rungs = run.bracket.rungs
        run.decisions.append(rungs[run.rung].calls)
        run.rung_members.append(list(run.members))
        self._rung_decided(run)
        if run.rung + 1 == len(rungs):
            run.finished = True
            self._retired.extend(m.index for m in members if not m.stopped)
            self._start_runs()
            return
        run.rung += 1
        keep = rungs[run.rung].n_models
        ranked = descending_by_score(members)
        survivors = [m for m in ranked[:keep] if not m.failed]
        promoted = {m.index for m in survivors}
        self._retired.extend(m.index for m in members if m.index not in promoted and not m.stopped)
        run.members = sorted(promoted)
        run.waiting = len(survivors)
        arrived = 0
        for m in survivors:
            m.target = rungs[run.rung].calls
            if m.plateaued or not self._continue(m):
                arrived += 1
        # Also reached when no model is left to promote: the bracket runs out at once.
        self._arrived(run, arrived)

    # -- asynchronous halving ------------------------------------------------

    def _reached(self, run: _BracketRun, state: ModelState) -> None:
        """``state`` has its result at its rung: promote, retire, decide what follows."""
        arrivals = [state]
        while arrivals:
            # A plateaued model promoted has its next result at once: it joins the list.
            self._rung_result(run, arrivals.pop(), arrivals)
            self._decide_open_rungs(run, arrivals)

    def _rung_result(self, run: _BracketRun, state: ModelState, arrivals: list[ModelState]) -> None:
        k = state.rung
        rung = run.open_rungs[k]
        if not self._reproducible:
            calls = run.bracket.rungs[k].calls
            self._tell_sampler([state], [state.score_at(calls)])
        key = _rank_key(state)
        position = bisect.bisect_left(rung.ranking, key)
        rung.ranking.insert(position, key)
        if k + 1 == len(run.bracket.rungs):
            # The last rung: nothing more to do for this model.
            if not state.stopped:
                self._retired.append(state.index)
            return
        if rung.full:
            if not state.stopped:
                self._retired.append(state.index)
            return
        top = len(rung.ranking) // self.plan.aggressiveness
        # Only two models can have entered the top just now: this one, and the
        # one at the top's last place if the top grew. Every model that was in
        # the top before went on then (or failed, or the next rung was full).
        for place in sorted({position, top - 1}):
            if 0 <= place < top:
                self._promote(run, k, self.models[rung.ranking[place][2]], arrivals)
        if rung.full:
            self._retire_rest(run, k)

    def _promote(self, run: _BracketRun, k: int, state: ModelState, arrivals: list[ModelState]) -> None:
        """Send ``state`` from rung ``k`` to rung ``k + 1``, if it may go."""
        rung = run.open_rungs[k]
        if rung.full or state.failed or state.rung != k:
            return
        following = run.bracket.rungs[k + 1]
        state.rung = k + 1
        state.target = following.calls
        run.open_rungs[k + 1].members.append(state.index)
        rung.promoted += 1
        rung.full = rung.promoted == following.n_models
        if state.plateaued or not self._continue(state):
            arrivals.append(state)

    def _retire_rest(self, run: _BracketRun, k: int) -> None:
        """Retire the models of rung ``k`` with a result there that did not go on."""
        for key in run.open_rungs[k].ranking:
            state = self.models[key[2]]
            if state.rung == k and not state.stopped:
                self._retired.append(state.index)

    def _decide_open_rungs(self, run: _BracketRun, arrivals: list[ModelState]) -> None:
        """Decide every rung, lowest first, that has all its results."""
        rungs = run.bracket.rungs
        while not run.finished:
            k = run.rung
            rung = run.open_rungs[k]
            if len(rung.ranking) < len(rung.members):
                return
            run.decisions.append(rungs[k].calls)
            run.rung_members.append(sorted(rung.members))
            self._rung_decided(run)
            if k + 1 == len(rungs):
                # Its models retired as their results arrived.
                run.finished = True
                self._start_runs()
                return
            if not rung.full:
                # Fill the next rung with the best models that did not go on yet.
                for key in rung.ranking:
                    if rung.full:
                        break
                    self._promote(run, k, self.models[key[2]], arrivals)
                self._retire_rest(run, k)
                rung.full = True
            run.rung = k + 1
            run.members = sorted(run.open_rungs[k + 1].members)
            if arrivals:
                # Their results may decide the next rung: take them first.
                return

    def _priority(self, model: ModelState) -> float:
        """Calls the model's bracket may still give it, then its score's rank.

        The integer part is ``last rung's calls - calls so far``: jobs that
        the most training may still follow come first, which keeps the long
        chains of every bracket going and the workers busy to the end (in
        simulation this lands within 3% of the physical limit on up to 8
        workers; ranking by score alone left the long first jobs of the
        bracket with the fewest models to the end). The fraction, in [0, 1),
        is the rank of the model's latest score among all finite scores so
        far, so among equals the most promising model goes first; a model
        not yet scored ranks with the best, a failed or NaN one last.
        """
        remaining = self.brackets[model.bracket].bracket.rungs[-1].calls - model.calls
        n = len(self._finite_scores)
        if not model.scores:
            rank = n + 1
        else:
            score = model.latest_score
            rank = 0 if math.isnan(score) else 1 + bisect.bisect_left(self._finite_scores, score)
        return remaining + rank / (n + 2)
