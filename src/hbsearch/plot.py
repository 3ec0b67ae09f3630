"""Plots of a search: its plan before fitting, and what the fit did.

Every function draws on a matplotlib ``Axes`` (a new figure when ``ax=None``)
and returns it. matplotlib is imported only when a function is called, so
``import hbsearch.plot`` works without it; install it with
``pip install 'hbsearch[plot]'``.

- :func:`plot_plan`: the brackets and rungs of the plan, before fitting.
- :func:`plot_learning_curves`: the score of every model against its
  ``partial_fit`` calls, coloured by bracket.
- :func:`plot_best_score`: the best score so far against the
  ``partial_fit`` calls made, or against wall time.
- :func:`plot_samplers`: median best-so-far curves of several searches per
  label (seeds), with their interquartile band.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
from sklearn.exceptions import NotFittedError

from .schedule import Plan

if TYPE_CHECKING:  # matplotlib stays optional at run time
    from matplotlib.axes import Axes

__all__ = ["plot_plan", "plot_learning_curves", "plot_best_score", "plot_samplers"]

_MATPLOTLIB_MISSING = (
    "hbsearch.plot needs matplotlib: pip install 'hbsearch[plot]' (or pip install matplotlib)."
)
_X_CHOICES = ("partial_fit_calls", "elapsed_wall_time")
_X_LABELS = {
    "partial_fit_calls": "partial_fit calls made by the search",
    "elapsed_wall_time": "wall time since the start of fit (s)",
}


# -- helpers ------------------------------------------------------------------


def _pyplot():
    """``matplotlib.pyplot``, or an ImportError saying how to install it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(_MATPLOTLIB_MISSING) from error
    return plt


def _axes(ax, figsize):
    plt = _pyplot()
    if ax is None:
        _, ax = plt.subplots(figsize=figsize, layout="constrained")
    return ax


def _bracket_color(bracket):
    """One colour per bracket id, the same in every plot of this module."""
    if bracket is None:
        return "C0"
    return f"C{int(bracket) % 10}"


def _check_fitted(search, function: str):
    if not hasattr(search, "history_"):
        raise NotFittedError(
            f"{function} needs a fitted search: this {type(search).__name__} has no history_ "
            "(call fit first; plot_plan shows the plan before fitting)."
        )


def _check_x(x):
    if not (isinstance(x, str) and x in _X_CHOICES):
        raise ValueError(f"x={x!r} is invalid: it must be one of {', '.join(map(repr, _X_CHOICES))}.")


def _valid(entry) -> bool:
    score = entry.get("score")
    if entry.get("error") is not None or score is None:
        return False
    try:
        return not math.isnan(score)
    except TypeError:
        return False


def _search_name(search) -> str:
    return type(search).__name__


def _score_name(search) -> str:
    scoring = getattr(search, "scoring", None)
    return f"validation score ({scoring})" if isinstance(scoring, str) else "validation score"


# -- the plan ------------------------------------------------------------------


def _groups_from_plan(plan: Plan):
    """(bracket id, [(models, calls) per rung], bracket calls) from a Plan."""
    k = plan.n_iterations
    return [
        (b.bracket, [(r.n_models * k, r.calls) for r in b.rungs], b.partial_fit_calls * k)
        for b in plan.brackets
    ]


def _groups_from_metadata(metadata: Mapping):
    """The same, read from a metadata dict in Hyperband's layout.

    Rung ``k`` of a bracket keeps ``n_initial_parameters // aggressiveness**k``
    models per iteration, as the search does.
    """
    if "brackets" not in metadata:
        raise ValueError(
            "plot_plan got metadata without 'brackets' (the layout of SuccessiveHalvingSearchCV "
            "and IncrementalSearchCV, which does not give the rungs): pass the search itself, "
            "plot_plan(search)."
        )
    groups = []
    # The bracket with the most models first, as the plan runs them (metadata lists them by id).
    for b in sorted(metadata["brackets"], key=lambda b: -b["bracket"]):
        decisions = list(b["decisions"])
        params = b.get("SuccessiveHalvingSearchCV params") or {}
        n0 = params.get("n_initial_parameters", b["n_models"])
        eta = params.get("aggressiveness")
        if eta is None:
            eta = decisions[1] // decisions[0] if len(decisions) > 1 and decisions[0] > 0 else 1
        repeats = max(b["n_models"] // n0, 1) if n0 else 1
        rungs = [(n0 // eta**i * repeats, calls) for i, calls in enumerate(decisions)]
        groups.append((b["bracket"], rungs, b["partial_fit_calls"]))
    return groups


def _plan_of(search_or_metadata):
    """(groups, n_models, partial_fit_calls, title, hyperband) of a search, Plan or dict."""
    obj = search_or_metadata
    if isinstance(obj, Plan):
        title = f"Plan: max_iter={obj.max_iter}, aggressiveness={obj.aggressiveness}"
        return _groups_from_plan(obj), obj.n_models, obj.partial_fit_calls, title, len(obj.brackets) > 1
    if isinstance(obj, Mapping):
        groups = _groups_from_metadata(obj)
        return groups, obj["n_models"], obj["partial_fit_calls"], "Hyperband plan", True
    if not hasattr(obj, "metadata"):
        raise TypeError(
            f"plot_plan needs a search, its metadata dict or a Plan, not {type(obj).__name__}."
        )
    metadata = obj.metadata
    hyperband = "brackets" in metadata
    plan = obj._plan() if hasattr(obj, "_plan") else None
    if plan is not None:
        groups = _groups_from_plan(plan)
    else:
        groups = _groups_from_metadata(metadata)
    name = _search_name(obj)
    settings = []
    for attr in ("max_iter", "aggressiveness", "n_iterations"):
        value = getattr(obj, attr, None)
        if value is not None and not (attr == "n_iterations" and value == 1):
            settings.append(f"{attr}={value}")
    title = f"{name} plan" + (f": {', '.join(settings)}" if settings else "")
    return groups, metadata["n_models"], metadata["partial_fit_calls"], title, hyperband


def plot_plan(search_or_metadata: Any, ax: Axes | None = None) -> Axes:
    """Bar chart of the plan: models per rung of every bracket, before fitting.

    One group of bars per bracket (for Hyperband the bracket that starts the
    most models on the left), one bar per rung: its height is the number of
    models trained up to that rung (log scale), and the number above it the
    cumulative ``partial_fit`` calls each of them has received when the rung's
    decision is taken. Under each group: the bracket's models and its
    ``partial_fit`` calls; the title gives the totals. Nothing is fitted.

    Parameters
    ----------
    search_or_metadata : search, dict or Plan
        A :class:`~hbsearch.HyperbandSearchCV`,
        :class:`~hbsearch.SuccessiveHalvingSearchCV` or
        :class:`~hbsearch.IncrementalSearchCV` (its own plan is read), a
        Hyperband ``metadata`` (or ``metadata_``) dict, in which rung ``k``
        of a bracket keeps ``n_initial_parameters // aggressiveness**k``
        models, or a :class:`hbsearch.schedule.Plan`. With
        ``n_iterations > 1`` the bars count the models of every iteration.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        One bar container per bracket in ``ax.containers``, labelled
        ``"bracket <id>"``; the texts with gid ``"rung calls"`` and
        ``"rung models"`` are the numbers drawn above and in each bar.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import SGDClassifier
    >>> from hbsearch import HyperbandSearchCV
    >>> from scipy.stats import loguniform
    >>> from hbsearch.plot import plot_plan
    >>> search = HyperbandSearchCV(SGDClassifier(), {"alpha": loguniform(1e-5, 1e-1)}, max_iter=81)
    >>> ax = plot_plan(search)
    >>> [len(bars) for bars in ax.containers]   # rungs of each of the 5 brackets
    [5, 4, 3, 2, 1]
    >>> [int(bar.get_height()) for bar in ax.containers[0]]   # models per rung
    [81, 27, 9, 3, 1]
    >>> ax.get_title()
    'HyperbandSearchCV plan: max_iter=81, aggressiveness=3\\n143 models, 1581 partial_fit calls'
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    _pyplot()
    groups, n_models, calls, title, hyperband = _plan_of(search_or_metadata)
    n_bars = sum(len(rungs) for _, rungs, _ in groups)
    ax = _axes(ax, (max(6.4, 0.42 * (n_bars + len(groups)) + 1.5), 4.8))
    width = 0.8
    position = 0.0
    ticks, tick_labels = [], []
    top = max(n for _, rungs, _ in groups for n, _ in rungs)
    small = n_bars > 16
    for bracket, rungs, bracket_calls in groups:
        xs = position + np.arange(len(rungs))
        heights = [n for n, _ in rungs]
        name = f"bracket {bracket}" if hyperband else "models"
        bars = ax.bar(
            xs, heights, width=width, color=_bracket_color(bracket if hyperband else None),
            edgecolor="black", linewidth=0.5, label=name,
        )
        fontsize = 7 if small else 8
        for text in ax.bar_label(bars, labels=[str(c) for _, c in rungs], padding=2,
                                 fontsize=fontsize):
            text.set_gid("rung calls")
        for x, n in zip(xs, heights):
            ax.text(x, 0.78, str(n), ha="center", va="center", fontsize=fontsize,
                    color="white", fontweight="bold", gid="rung models")
        ticks.append(float(xs.mean()))
        first = f"bracket {bracket}\n" if hyperband else ""
        tick_labels.append(f"{first}{rungs[0][0]} models\n{bracket_calls} calls")
        position = xs[-1] + 1 + 0.9
    ax.set_yscale("log")
    ax.set_ylim(0.6, top * 2.2)
    ax.set_xticks(ticks, tick_labels, fontsize=8)
    ax.set_xlim(-0.8, position - 0.9 - 0.2)
    from matplotlib.ticker import FuncFormatter, LogLocator, NullLocator

    ax.yaxis.set_major_locator(LogLocator(base=10))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
    ax.set_ylabel("models in the rung (log scale)")
    ax.set_xlabel(
        "one bar per rung: the models trained up to it (number at its foot);\n"
        "above it: the partial_fit calls each has received at the rung's decision",
        fontsize=9,
    )
    ax.set_title(f"{title}\n{n_models} models, {calls} partial_fit calls")
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return ax


# -- learning curves -------------------------------------------------------------


def plot_learning_curves(search: Any, ax: Axes | None = None) -> Axes:
    """Validation score against ``partial_fit`` calls, one line per model.

    Lines are coloured by bracket (the picture of the Dask blog post "Better
    and faster hyperparameter optimization with Dask"), with one legend entry
    per bracket. Records of failed models (``error`` set) and NaN scores are
    left out; a model with no other record draws no line.

    Parameters
    ----------
    search : fitted search
        Its ``model_history_`` is drawn.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        One line per model, its ``gid`` the model's ``model_id`` (as text).

    Raises
    ------
    sklearn.exceptions.NotFittedError
        If the search is not fitted.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from distributed import Client
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from hbsearch import HyperbandSearchCV
    >>> from scipy.stats import loguniform
    >>> from hbsearch.plot import plot_learning_curves
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> search = HyperbandSearchCV(SGDClassifier(random_state=0),
    ...                            {"alpha": loguniform(1e-5, 1e-1)}, max_iter=9, random_state=0)
    >>> with Client(processes=False, n_workers=1, dashboard_address=":0"):
    ...     _ = search.fit(X, y)
    >>> ax = plot_learning_curves(search)
    >>> len(ax.get_lines()) == len(search.cv_results_["model_id"])   # one line per model
    True
    >>> [text.get_text() for text in ax.get_legend().get_texts()]
    ['bracket 2 (9 models)', 'bracket 1 (5 models)', 'bracket 0 (3 models)']
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    _pyplot()
    _check_fitted(search, "plot_learning_curves")
    from matplotlib.lines import Line2D

    ax = _axes(ax, (7.5, 4.8))
    brackets = {}  # bracket -> models drawn, in order of first appearance
    for model_id, entries in search.model_history_.items():
        points = sorted(
            (e["partial_fit_calls"], e["score"]) for e in entries if _valid(e)
        )
        if not points:
            continue
        bracket = entries[0].get("bracket")
        xs, ys = zip(*points)
        (line,) = ax.plot(
            xs, ys, color=_bracket_color(bracket), marker="o", markersize=2.5,
            linewidth=1, alpha=0.7, label="_nolegend_",
        )
        line.set_gid(str(model_id))
        brackets[bracket] = brackets.get(bracket, 0) + 1
    order = sorted(brackets, key=lambda b: -b if b is not None else 0)
    handles = [
        Line2D([], [], color=_bracket_color(b), marker="o", markersize=3,
               label=f"bracket {b} ({brackets[b]} models)" if b is not None
               else f"{brackets[b]} models")
        for b in order
    ]
    if handles:
        ax.legend(handles=handles, title="bracket" if order != [None] else None, fontsize=8)
    ax.set_xlabel("partial_fit calls received by the model")
    ax.set_ylabel(_score_name(search))
    ax.set_title(f"{_search_name(search)}: learning curves of every model")
    ax.grid(alpha=0.3)
    return ax


# -- best score so far -------------------------------------------------------------


def _best_so_far(search, x):
    """Best valid score so far after each record, against ``x``.

    Returns two arrays. With ``x="partial_fit_calls"`` the x value of a
    record is the total of the calls made since each model's previous
    record, summed over the records received so far (failed ones included),
    so the last x equals ``metadata_["partial_fit_calls"]``. Records before
    the first valid score give no point.
    """
    xs, ys = [], []
    best = -math.inf
    previous = {}
    total = 0
    for entry in search.history_:
        model, calls = entry["model_id"], entry["partial_fit_calls"]
        total += max(calls - previous.get(model, 0), 0)
        previous[model] = max(calls, previous.get(model, 0))
        if _valid(entry):
            best = max(best, float(entry["score"]))
        if best == -math.inf:
            continue
        xs.append(total if x == "partial_fit_calls" else float(entry["elapsed_wall_time"]))
        ys.append(best)
    return np.asarray(xs, dtype=float), np.asarray(ys, dtype=float)


def plot_best_score(
    search: Any, x: str = "partial_fit_calls", ax: Axes | None = None, label: str | None = None
) -> Axes:
    """The best validation score so far, against work done or time taken.

    The best of every valid score received (the largest score of any model
    at any of its records, so it can exceed ``best_score_``, which is the
    chosen model's latest score), drawn as a step line.

    Parameters
    ----------
    search : fitted search
        Its ``history_`` is read in the order the scores were received.
    x : {"partial_fit_calls", "elapsed_wall_time"}, default="partial_fit_calls"
        ``"partial_fit_calls"``: the calls made by the whole search so far,
        the sum over records of the calls made since each model's previous
        record (the last point is at ``metadata_["partial_fit_calls"]``).
        ``"elapsed_wall_time"``: seconds from the start of ``fit``.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None. Draw several searches on one
        Axes by passing it again, with a ``label`` each.
    label : str, optional
        Legend label of the line; a legend is drawn when given.

    Returns
    -------
    ax : matplotlib Axes

    Raises
    ------
    ValueError
        If ``x`` is not one of the two values above.
    sklearn.exceptions.NotFittedError
        If the search is not fitted.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from distributed import Client
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from hbsearch import HyperbandSearchCV
    >>> from scipy.stats import loguniform
    >>> from hbsearch.plot import plot_best_score
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> search = HyperbandSearchCV(SGDClassifier(random_state=0),
    ...                            {"alpha": loguniform(1e-5, 1e-1)}, max_iter=9, random_state=0)
    >>> with Client(processes=False, n_workers=1, dashboard_address=":0"):
    ...     _ = search.fit(X, y)
    >>> ax = plot_best_score(search, label="random")
    >>> xs, ys = ax.get_lines()[0].get_data()
    >>> int(xs[-1]) == search.metadata_["partial_fit_calls"] == 69
    True
    >>> bool((ys[1:] >= ys[:-1]).all() and ys[-1] >= search.best_score_)
    True
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    _pyplot()
    _check_x(x)
    _check_fitted(search, "plot_best_score")
    ax = _axes(ax, (6.4, 4.8))
    xs, ys = _best_so_far(search, x)
    ax.plot(xs, ys, drawstyle="steps-post", marker=".", markersize=3,
            label=label if label is not None else "_nolegend_")
    if label is not None:
        ax.legend()
    ax.set_xlabel(_X_LABELS[x])
    ax.set_ylabel(f"best {_score_name(search)} so far")
    ax.set_title(f"{_search_name(search)}: best score so far")
    ax.grid(alpha=0.3)
    return ax


# -- samplers ---------------------------------------------------------------------


def _step_values(xs, ys, grid):
    """The step function through (xs, ys) on ``grid``: NaN before the first x,
    the last y after the last x."""
    if len(xs) == 0:
        return np.full(len(grid), np.nan)
    index = np.searchsorted(xs, grid, side="right") - 1
    values = ys[np.clip(index, 0, None)]
    return np.where(index >= 0, values, np.nan)


def plot_samplers(searches: Mapping[str, Any], x: str = "partial_fit_calls", ax: Axes | None = None) -> Axes:
    """Median best-so-far curves of several runs per label, with the IQR band.

    For each label the best score so far of every search (see
    :func:`plot_best_score`) is read on a common x grid, shared by all
    labels (a run that finished holds its final best); the median over the
    runs is drawn as a line and the 25th to 75th percentiles as a band,
    where every run of the label has a score.

    Parameters
    ----------
    searches : dict
        ``{label: list of fitted searches}``, e.g. one search per seed for
        each sampler; a single search is taken as a list of one.
    x : {"partial_fit_calls", "elapsed_wall_time"}, default="partial_fit_calls"
        As for :func:`plot_best_score`.
    ax : matplotlib Axes, optional
        Where to draw; a new figure when None.

    Returns
    -------
    ax : matplotlib Axes
        One line (the median) per label, labelled ``"<label> (<n> runs)"``.

    Raises
    ------
    ValueError
        If ``x`` is invalid or ``searches`` is empty or has an empty list.
    sklearn.exceptions.NotFittedError
        If one of the searches is not fitted.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from distributed import Client
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from hbsearch import HyperbandSearchCV
    >>> from hbsearch.plot import plot_samplers
    >>> X, y = make_classification(n_samples=200, random_state=0)
    >>> runs = {"max_iter=3": [], "max_iter=9": []}
    >>> with Client(processes=False, n_workers=1, dashboard_address=":0"):
    ...     for max_iter, label in [(3, "max_iter=3"), (9, "max_iter=9")]:
    ...         for seed in range(2):
    ...             search = HyperbandSearchCV(
    ...                 SGDClassifier(random_state=seed), {"alpha": [1e-4, 1e-3, 1e-2]},
    ...                 max_iter=max_iter, random_state=seed)
    ...             runs[label].append(search.fit(X, y))
    >>> ax = plot_samplers(runs)
    >>> [line.get_label() for line in ax.get_lines()]
    ['max_iter=3 (2 runs)', 'max_iter=9 (2 runs)']
    >>> import matplotlib.pyplot as plt
    >>> plt.close("all")
    """
    _pyplot()
    _check_x(x)
    if not isinstance(searches, Mapping) or not searches:
        raise ValueError(
            "searches must be a non-empty dict {label: list of fitted searches}, "
            f"not {type(searches).__name__}."
        )
    groups, runs = {}, {}
    for label, group in searches.items():
        group = [group] if hasattr(group, "fit") else list(group)
        if not group:
            raise ValueError(f"searches[{label!r}] is empty: give at least one fitted search.")
        for search in group:
            _check_fitted(search, "plot_samplers")
        groups[label] = group
        runs[label] = [_best_so_far(search, x) for search in group]
    end = max((xs[-1] for group in runs.values() for xs, _ in group if len(xs)), default=1.0)
    start = min((xs[0] for group in runs.values() for xs, _ in group if len(xs)), default=0.0)
    grid = np.linspace(min(start, 0.0), end, 512)
    ax = _axes(ax, (7.0, 4.8))
    for i, (label, group) in enumerate(runs.items()):
        values = np.vstack([_step_values(xs, ys, grid) for xs, ys in group])
        ok = ~np.isnan(values).any(axis=0)
        if not ok.any():
            continue
        lower, median, upper = np.percentile(values[:, ok], [25, 50, 75], axis=0)
        color = f"C{i % 10}"
        ax.plot(grid[ok], median, color=color, drawstyle="steps-post",
                label=f"{label} ({len(group)} run{'s' if len(group) != 1 else ''})")
        ax.fill_between(grid[ok], lower, upper, color=color, alpha=0.2, step="post",
                        linewidth=0)
    names = {_score_name(search) for group in groups.values() for search in group}
    score = names.pop() if len(names) == 1 else "validation score"
    ax.legend(title="median, 25-75% band")
    ax.set_xlabel(_X_LABELS[x])
    ax.set_ylabel(f"best {score} so far")
    ax.set_title("Best score so far: median over runs")
    ax.grid(alpha=0.3)
    return ax
