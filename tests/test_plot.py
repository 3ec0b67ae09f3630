"""hbsearch.plot: what the plots draw, from real searches fitted on an in-process cluster."""

from __future__ import annotations

import importlib
import math
import sys
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.datasets import make_classification  # noqa: E402
from sklearn.exceptions import FitFailedWarning, NotFittedError  # noqa: E402
from sklearn.linear_model import SGDClassifier  # noqa: E402

import hbsearch  # noqa: E402
from hbsearch import HyperbandSearchCV, IncrementalSearchCV, SuccessiveHalvingSearchCV  # noqa: E402
from hbsearch.plot import (  # noqa: E402
    plot_best_score,
    plot_learning_curves,
    plot_plan,
    plot_samplers,
)
from hbsearch.schedule import hyperband_plan, successive_halving_plan  # noqa: E402

SPACE = {"alpha": loguniform(1e-5, 1e-1), "penalty": ["l2", "l1"]}


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def data():
    return make_classification(n_samples=300, n_features=10, random_state=0)


def _hyperband(seed, **kwargs):
    return HyperbandSearchCV(
        SGDClassifier(random_state=0), SPACE, max_iter=9, random_state=seed, **kwargs
    )


@pytest.fixture(scope="module")
def hyperband(client, data):
    return _hyperband(0).fit(*data)


@pytest.fixture(scope="module")
def halving(client, data):
    search = SuccessiveHalvingSearchCV(
        SGDClassifier(random_state=0), SPACE, n_initial_parameters=9, max_iter=9, random_state=0
    )
    return search.fit(*data)


@pytest.fixture(scope="module")
def failing(client, data):
    """Some models fail: SGDClassifier refuses alpha=0 with its default learning rate in partial_fit
    (its declared parameter constraints, checked before fit, allow it)."""
    search = HyperbandSearchCV(
        SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-2, 0.0]}, max_iter=9, random_state=0
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        search.fit(*data)
    assert any(e["error"] is not None for e in search.history_)
    assert any(e["error"] is None for e in search.history_)
    return search


def _texts(ax, gid):
    return [t.get_text() for t in ax.texts if t.get_gid() == gid]


def _valid(entry):
    return entry["error"] is None and not math.isnan(entry["score"])


# -- plot_plan ---------------------------------------------------------------------


@pytest.mark.parametrize("max_iter, n_brackets", [(81, 5), (243, 6)])
def test_plan_bars_are_rungs_of_each_bracket(max_iter, n_brackets):
    search = HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=max_iter, aggressiveness=3)
    plan = hyperband_plan(max_iter, 3)
    ax = plot_plan(search)
    assert len(ax.containers) == len(plan.brackets) == n_brackets
    for bars, bracket in zip(ax.containers, plan.brackets):
        assert bars.get_label() == f"bracket {bracket.bracket}"
        assert [bar.get_height() for bar in bars] == [r.n_models for r in bracket.rungs]
        colors = {to_hex(bar.get_facecolor()) for bar in bars}
        assert len(colors) == 1
    # Above each bar: the cumulative calls per model at the rung.
    calls = [str(r.calls) for b in plan.brackets for r in b.rungs]
    assert _texts(ax, "rung calls") == calls
    assert _texts(ax, "rung models") == [str(r.n_models) for b in plan.brackets for r in b.rungs]
    # Under each group: the bracket's models and partial_fit calls.
    labels = [t.get_text() for t in ax.get_xticklabels()]
    assert len(labels) == n_brackets
    for label, entry in zip(labels, sorted(search.metadata["brackets"], key=lambda e: -e["bracket"])):
        assert f"bracket {entry['bracket']}" in label
        assert f"{entry['n_models']} models" in label
        assert f"{entry['partial_fit_calls']} calls" in label
    md = search.metadata
    assert f"{md['n_models']} models, {md['partial_fit_calls']} partial_fit calls" in ax.get_title()
    assert ax.get_ylabel() and ax.get_xlabel()


def test_plan_from_metadata_dict_equals_plan_from_search():
    search = HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=81)
    from_search = plot_plan(search)
    from_dict = plot_plan(search.metadata)
    heights = [[b.get_height() for b in bars] for bars in from_search.containers]
    assert heights == [[b.get_height() for b in bars] for bars in from_dict.containers]
    assert [t.get_text() for t in from_search.texts] == [t.get_text() for t in from_dict.texts]
    assert _texts(from_dict, "rung calls")


def test_plan_with_iterations_counts_every_iteration():
    search = HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=27, n_iterations=2)
    for ax in (plot_plan(search), plot_plan(search.metadata)):
        firsts = [bars[0].get_height() for bars in ax.containers]
        # The bracket with the most models on the left.
        assert firsts == [b["n_models"] for b in search.metadata["brackets"][::-1]]
        assert [bars[-1].get_height() for bars in ax.containers] == [2, 2, 4, 8]


def test_plan_of_successive_halving_is_one_bracket():
    search = SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, n_initial_parameters=10, max_iter=27)
    rungs = successive_halving_plan(10, 3, None, 27).brackets[0].rungs
    ax = plot_plan(search)
    assert len(ax.containers) == 1
    assert [bar.get_height() for bar in ax.containers[0]] == [r.n_models for r in rungs] == [10, 3, 1]
    assert _texts(ax, "rung calls") == [str(r.calls) for r in rungs]
    assert "SuccessiveHalvingSearchCV" in ax.get_title()

    passive = plot_plan(IncrementalSearchCV(SGDClassifier(), SPACE, n_initial_parameters=4, max_iter=10))
    assert [bar.get_height() for bar in passive.containers[0]] == [4]
    assert _texts(passive, "rung calls") == ["10"]


def test_plan_refuses_metadata_without_brackets():
    search = SuccessiveHalvingSearchCV(SGDClassifier(), SPACE)
    with pytest.raises(ValueError, match="pass the search itself"):
        plot_plan(search.metadata)


def test_plan_draws_on_the_given_axes():
    fig, ax = plt.subplots()
    assert plot_plan(HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=9), ax=ax) is ax


# -- plot_learning_curves -----------------------------------------------------------


def _line_colors_by_bracket(ax, search):
    bracket_of = {str(m): b for m, b in zip(search.cv_results_["model_id"], search.cv_results_["bracket"])}
    colors = {}
    for line in ax.get_lines():
        colors.setdefault(bracket_of[line.get_gid()], set()).add(to_hex(line.get_color()))
    return colors


def test_learning_curves_one_line_per_model_coloured_by_bracket(hyperband):
    ax = plot_learning_curves(hyperband)
    lines = ax.get_lines()
    model_ids = [str(m) for m in hyperband.cv_results_["model_id"]]
    assert len(lines) == len(model_ids) == hyperband.metadata_["n_models"]
    assert sorted(line.get_gid() for line in lines) == sorted(model_ids)
    # Each line is its model's scores against its calls.
    for line in lines:
        entries = hyperband.model_history_[line.get_gid()]
        xs, ys = line.get_data()
        assert list(xs) == [e["partial_fit_calls"] for e in entries]
        assert list(ys) == [e["score"] for e in entries]
    # One colour per bracket, different between brackets.
    colors = _line_colors_by_bracket(ax, hyperband)
    assert set(colors) == {b["bracket"] for b in hyperband.metadata["brackets"]}
    assert all(len(c) == 1 for c in colors.values())
    assert len({c.pop() for c in colors.values()}) == len(colors)
    # A legend entry per bracket.
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == [
        f"bracket {b['bracket']} ({b['n_models']} models)" for b in hyperband.metadata_["brackets"][::-1]
    ]
    assert ax.get_xlabel() and ax.get_ylabel() and ax.get_title()


def test_learning_curves_skip_failed_records(failing):
    ax = plot_learning_curves(failing)
    valid_models = {str(e["model_id"]) for e in failing.history_ if _valid(e)}
    failed_models = {str(e["model_id"]) for e in failing.history_ if not _valid(e)}
    assert failed_models
    assert {line.get_gid() for line in ax.get_lines()} == valid_models
    for line in ax.get_lines():
        assert not np.isnan(line.get_ydata()).any()


def test_learning_curves_of_successive_halving(halving):
    ax = plot_learning_curves(halving)
    assert len(ax.get_lines()) == halving.metadata_["n_models"]
    assert len({to_hex(line.get_color()) for line in ax.get_lines()}) == 1
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [f"{halving.metadata_['n_models']} models"]


# -- plot_best_score ----------------------------------------------------------------


@pytest.mark.parametrize("name", ["hyperband", "halving", "failing"])
def test_best_score_against_calls(name, request):
    search = request.getfixturevalue(name)
    ax = plot_best_score(search)
    (line,) = ax.get_lines()
    xs, ys = line.get_data()
    assert np.all(np.diff(xs) >= 0)
    assert np.all(np.diff(ys) >= 0)
    assert ys[-1] == max(e["score"] for e in search.history_ if _valid(e))
    assert ys[-1] >= search.best_score_
    assert xs[-1] == search.metadata_["partial_fit_calls"]
    assert ax.get_legend() is None


def test_best_score_against_wall_time(hyperband):
    ax = plot_best_score(hyperband, x="elapsed_wall_time", label="random")
    xs, ys = ax.get_lines()[0].get_data()
    assert np.all(np.diff(xs) >= 0) and np.all(np.diff(ys) >= 0)
    assert xs[-1] == hyperband.history_[-1]["elapsed_wall_time"]
    assert "wall time" in ax.get_xlabel()
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["random"]


def test_best_score_curves_share_an_axes(hyperband, halving):
    ax = plot_best_score(hyperband, label="hyperband")
    assert plot_best_score(halving, ax=ax, label="halving") is ax
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["hyperband", "halving"]


def test_best_score_bad_x(hyperband):
    with pytest.raises(ValueError, match=r"x='calls' is invalid.*'partial_fit_calls', 'elapsed_wall_time'"):
        plot_best_score(hyperband, x="calls")
    with pytest.raises(ValueError, match="x='calls' is invalid"):
        plot_samplers({"a": [hyperband]}, x="calls")


# -- plot_samplers ------------------------------------------------------------------


def test_samplers_one_median_line_per_label(hyperband, failing, halving):
    searches = {"hyperband": [hyperband, failing], "halving": [halving]}
    ax = plot_samplers(searches)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["hyperband (2 runs)", "halving (1 run)"]
    assert len(ax.collections) == 2  # the interquartile bands
    finals = {
        label: [max(e["score"] for e in s.history_ if _valid(e)) for s in group]
        for label, group in searches.items()
    }
    for line, label in zip(lines, searches):
        xs, ys = line.get_data()
        assert np.all(np.diff(ys) >= 0)
        assert ys[-1] == pytest.approx(np.median(finals[label]))
    # A common x grid, ending at the largest number of calls.
    end = max(s.metadata_["partial_fit_calls"] for g in searches.values() for s in g)
    assert lines[0].get_xdata()[-1] == lines[1].get_xdata()[-1] == end
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["hyperband (2 runs)", "halving (1 run)"]


def test_samplers_against_wall_time(hyperband, failing):
    ax = plot_samplers({"random": [hyperband, failing]}, x="elapsed_wall_time")
    (line,) = ax.get_lines()
    end = max(hyperband.history_[-1]["elapsed_wall_time"], failing.history_[-1]["elapsed_wall_time"])
    assert line.get_xdata()[-1] == pytest.approx(end)
    assert "wall time" in ax.get_xlabel()


def test_samplers_bad_input(hyperband):
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_samplers([hyperband])
    with pytest.raises(ValueError, match=r"searches\['a'\] is empty"):
        plot_samplers({"a": []})


# -- errors ---------------------------------------------------------------------------


def test_unfitted_search_errors():
    search = _hyperband(0)
    calls = [
        lambda: plot_learning_curves(search),
        lambda: plot_best_score(search),
        lambda: plot_samplers({"random": [search]}),
    ]
    for call in calls:
        with pytest.raises(NotFittedError, match="needs a fitted search.*call fit first") as info:
            call()
        assert isinstance(info.value, ValueError)


def test_missing_matplotlib_gives_a_clear_import_error(monkeypatch, hyperband):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    # The module imports without matplotlib (the original is put back afterwards)...
    monkeypatch.setattr(hbsearch, "plot", sys.modules["hbsearch.plot"])
    monkeypatch.delitem(sys.modules, "hbsearch.plot")
    plot = importlib.import_module("hbsearch.plot")
    message = (
        r"hbsearch.plot needs matplotlib: pip install 'hbsearch\[plot\]' "
        r"\(or pip install matplotlib\)\."
    )
    # ...and every plot function says what to install when called.
    for call in (
        lambda: plot.plot_plan(_hyperband(0)),
        lambda: plot.plot_learning_curves(hyperband),
        lambda: plot.plot_best_score(hyperband),
        lambda: plot.plot_samplers({"a": [hyperband]}),
    ):
        with pytest.raises(ImportError, match=message):
            call()
