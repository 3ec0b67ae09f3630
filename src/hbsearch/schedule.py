"""The budget plan of a search: brackets and rungs in whole numbers.

Everything here is integer arithmetic on ``(max_iter, aggressiveness)``, with no
data, Dask or randomness, so the plan can be read before fitting (``metadata``)
and followed exactly during fitting (the driver reads the same objects).
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

__all__ = [
    "Rung",
    "Bracket",
    "Plan",
    "hyperband_plan",
    "successive_halving_plan",
    "passive_plan",
    "inverse_decay_plan",
    "cap_plan",
]


@dataclass(frozen=True)
class Rung:
    """One decision level of a bracket.

    Parameters
    ----------
    n_models : int
        Models trained up to this rung.
    calls : int
        Cumulative ``partial_fit`` calls each of those models has received when
        the rung's decision is taken.
    """

    n_models: int
    calls: int


@dataclass(frozen=True)
class Bracket:
    """A run of successive halving: rungs of fewer models trained for longer.

    Parameters
    ----------
    bracket : int
        Identifier; for Hyperband the number of halvings ``s`` (0 is the bracket
        that trains every model to ``max_iter``).
    rungs : tuple of Rung
        In increasing order of calls. The top ``rungs[k + 1].n_models`` models
        of rung ``k`` go on to rung ``k + 1``.
    """

    bracket: int
    rungs: tuple[Rung, ...]

    @property
    def n_models(self) -> int:
        return self.rungs[0].n_models

    @property
    def partial_fit_calls(self) -> int:
        total, previous = 0, 0
        for rung in self.rungs:
            total += rung.n_models * (rung.calls - previous)
            previous = rung.calls
        return total

    @property
    def decisions(self) -> list[int]:
        return [rung.calls for rung in self.rungs]


@dataclass(frozen=True)
class Plan:
    """All brackets of a search, repeated ``n_iterations`` times.

    Parameters
    ----------
    brackets : tuple of Bracket
        The brackets of one iteration.
    aggressiveness : int
        Factor by which each rung cuts the number of models.
    max_iter : int or None
        The most ``partial_fit`` calls one model may receive.
    n_iterations : int
        How many times the brackets are run, each time with new models.
    """

    brackets: tuple[Bracket, ...]
    aggressiveness: int
    max_iter: int | None
    n_iterations: int = 1

    @property
    def n_models(self) -> int:
        return self.n_iterations * sum(b.n_models for b in self.brackets)

    @property
    def partial_fit_calls(self) -> int:
        return self.n_iterations * sum(b.partial_fit_calls for b in self.brackets)


def check_int(name: str, value, minimum: int) -> int:
    """``value`` as an int, or an error naming ``name`` if it is not an integer >= minimum."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name}={value!r} is invalid: it must be an integer >= {minimum}.")
    if value < minimum:
        raise ValueError(f"{name}={value!r} is invalid: it must be an integer >= {minimum}.")
    return int(value)


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def halving_rungs(n_models: int, calls: int, aggressiveness: int, n_rungs: int) -> tuple[Rung, ...]:
    """Rungs of successive halving: rung ``k`` keeps ``n // eta**k`` models
    trained to ``calls * eta**k`` cumulative calls."""
    return tuple(
        Rung(n_models // aggressiveness**k, calls * aggressiveness**k) for k in range(n_rungs)
    )


def hyperband_plan(max_iter: int, aggressiveness: int = 3, n_iterations: int = 1) -> Plan:
    """The Hyperband brackets for ``max_iter`` calls per model.

    Bracket ``s`` (from ``s_max`` down to 0) starts
    ``ceil((s_max + 1) * eta**s / (s + 1))`` models at ``max_iter // eta**s``
    calls and halves ``s`` times. ``s_max`` is the largest ``s`` with
    ``eta**s <= max_iter``, counted with integers: ``floor(log(243, 3))`` is 4
    in floating point, which loses a bracket.

    Examples
    --------
    >>> plan = hyperband_plan(81, 3)
    >>> plan.n_models, plan.partial_fit_calls
    (143, 1581)
    >>> [b.n_models for b in plan.brackets]
    [81, 34, 15, 8, 5]
    """
    max_iter = check_int("max_iter", max_iter, 1)
    eta = check_int("aggressiveness", aggressiveness, 2)
    n_iterations = check_int("n_iterations", n_iterations, 1)
    s_max = 0
    while eta ** (s_max + 1) <= max_iter:
        s_max += 1
    brackets = []
    for s in range(s_max, -1, -1):
        n = _ceil_div((s_max + 1) * eta**s, s + 1)
        r = max_iter // eta**s
        brackets.append(Bracket(s, halving_rungs(n, r, eta, s + 1)))
    return Plan(tuple(brackets), eta, max_iter, n_iterations)


def successive_halving_plan(
    n_models: int,
    aggressiveness: int = 3,
    n_initial_iter: int | None = None,
    max_iter: int | None = None,
) -> Plan:
    """One bracket of successive halving over ``n_models`` models.

    Rung ``k`` keeps ``n_models // eta**k`` models trained to
    ``n_initial_iter * eta**k`` calls (capped at ``max_iter``). Halving stops
    at the last rung that keeps a model (``n_models // eta**k >= 1``), or where
    ``max_iter`` is reached.
    ``n_initial_iter=None`` is chosen so that the last rung reaches
    ``max_iter`` (1 when ``max_iter`` is None too).

    Examples
    --------
    >>> plan = successive_halving_plan(10, 3, n_initial_iter=2)
    >>> [(r.n_models, r.calls) for r in plan.brackets[0].rungs]
    [(10, 2), (3, 6), (1, 18)]
    """
    n_models = check_int("n_initial_parameters", n_models, 1)
    eta = check_int("aggressiveness", aggressiveness, 2)
    if max_iter is not None:
        max_iter = check_int("max_iter", max_iter, 1)
    n_halvings = 0
    while n_models // eta ** (n_halvings + 1) >= 1:
        n_halvings += 1
    chosen = n_initial_iter is None
    if chosen:
        # As many halvings as the models allow, the last one landing at max_iter.
        n_initial_iter = 1 if max_iter is None else max(1, max_iter // eta**n_halvings)
    else:
        n_initial_iter = check_int("n_initial_iter", n_initial_iter, 1)
    if max_iter is not None and n_initial_iter > max_iter:
        raise ValueError(
            f"n_initial_iter={n_initial_iter} is invalid with max_iter={max_iter}: "
            "it must be <= max_iter."
        )
    rungs = []
    for rung in halving_rungs(n_models, n_initial_iter, eta, n_halvings + 1):
        if max_iter is not None and rung.calls >= max_iter:
            rungs.append(Rung(rung.n_models, max_iter))
            break
        rungs.append(rung)
    if chosen and max_iter is not None and rungs[-1].calls < max_iter:
        # max_iter // eta**k rounds down: the last rung still trains to max_iter.
        rungs[-1] = Rung(rungs[-1].n_models, max_iter)
    return Plan((Bracket(0, tuple(rungs)),), eta, max_iter)


def passive_plan(n_models: int, max_iter: int) -> Plan:
    """Every model trained to ``max_iter`` calls, none dropped."""
    n_models = check_int("n_initial_parameters", n_models, 1)
    max_iter = check_int("max_iter", max_iter, 1)
    return Plan((Bracket(0, (Rung(n_models, max_iter),)),), 1, max_iter)


def inverse_decay_plan(
    n_models: int, max_iter: int, decay_rate: float = 1.0, fits_per_score: int = 1, patience: bool = False
) -> Plan:
    """dask-ml's inverse decay: after ``t`` calls, the best ``n / (1 + t) ** decay_rate`` go on.

    Every model is scored after its first call. At each decision, with ``t``
    calls so far, the next decision is at the first ``t' > t + 1`` where
    ``inverse(t') = int(n / (1 + t') ** decay_rate)`` differs from
    ``inverse(t + 1)`` (with ``patience``, or ``decay_rate=0``, at most
    ``fits_per_score`` calls later); the best ``max(1, inverse(t'))`` models
    are trained to ``t' - 1`` calls. Training ends when one model is left or
    ``max_iter`` is reached; unlike dask-ml, no model is trained past
    ``max_iter``.

    Examples
    --------
    >>> plan = inverse_decay_plan(10, max_iter=100)
    >>> [(r.n_models, r.calls) for r in plan.brackets[0].rungs]
    [(10, 1), (2, 2)]
    """
    n_models = check_int("n_initial_parameters", n_models, 1)
    max_iter = check_int("max_iter", max_iter, 1)
    fits_per_score = check_int("fits_per_score", fits_per_score, 1)
    if isinstance(decay_rate, bool) or not isinstance(decay_rate, numbers.Real) or not decay_rate >= 0:
        raise ValueError(f"decay_rate={decay_rate!r} is invalid: it must be a number >= 0.")

    def inverse(t: int) -> int:
        return int(n_models / (1 + t) ** decay_rate)

    rungs = [Rung(n_models, 1)]
    calls, alive = 1, n_models
    while alive > 1 and calls < max_iter:
        current = following = calls + 1
        if inverse(current) == 0:
            break  # no model would go on: the best one is kept as it is
        while (
            inverse(current) == inverse(following)
            and ((decay_rate and not patience) or following - current < fits_per_score)
            and following <= max_iter
        ):
            following += 1
        target = max(1, inverse(following))
        if target == 1:
            break  # dask-ml keeps the best model without training it further
        calls, alive = min(following - 1, max_iter), target
        rungs.append(Rung(target, calls))
    return Plan((Bracket(0, tuple(rungs)),), 1, max_iter)


def cap_plan(plan: Plan, n_configurations) -> Plan:
    """``plan`` with no rung training more models than there are configurations.

    A search space of ``n_configurations`` distinct configurations (lists
    only, or bounded integers) cannot fill a larger rung without training a
    configuration twice side by side; as scikit-learn's ``ParameterSampler``
    does, such a rung trains each configuration once. An infinite space
    leaves the plan as it is.

    Examples
    --------
    >>> plan = cap_plan(hyperband_plan(9, 3), 4)
    >>> [[(r.n_models, r.calls) for r in b.rungs] for b in plan.brackets]
    [[(4, 1), (3, 3), (1, 9)], [(4, 3), (1, 9)], [(3, 9)]]
    """
    if n_configurations >= max(b.n_models for b in plan.brackets):
        return plan
    cap = int(n_configurations)
    brackets = tuple(
        Bracket(b.bracket, tuple(Rung(min(r.n_models, cap), r.calls) for r in b.rungs))
        for b in plan.brackets
    )
    return Plan(brackets, plan.aggressiveness, plan.max_iter, plan.n_iterations)


def plan_metadata(plan: Plan, hyperband: bool = True) -> dict:
    """The plan in dask-ml's ``metadata`` layout, brackets by increasing id (as dask-ml)."""
    brackets = []
    for b in sorted(plan.brackets, key=lambda b: b.bracket):
        entry = {
            "bracket": b.bracket,
            "n_models": b.n_models * plan.n_iterations,
            "partial_fit_calls": b.partial_fit_calls * plan.n_iterations,
            "decisions": b.decisions,
        }
        if hyperband:
            entry["SuccessiveHalvingSearchCV params"] = {
                "n_initial_parameters": b.n_models,
                "n_initial_iter": b.rungs[0].calls,
                # The bracket's own last rung, so these settings rebuild it exactly.
                "max_iter": b.rungs[-1].calls,
                "aggressiveness": plan.aggressiveness,
            }
        brackets.append(entry)
    return {
        "n_models": plan.n_models,
        "partial_fit_calls": plan.partial_fit_calls,
        "brackets": brackets,
    }
