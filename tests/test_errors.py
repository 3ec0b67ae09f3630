"""Bad input: a clear error naming the parameter, before any work starts."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import warnings

import dask.array as da
import numpy as np
import pandas as pd
import pytest
from conftest import ScoreIsValue, scheduler_task_count
from distributed import get_client
from scipy.stats import uniform
from sklearn.base import BaseEstimator
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier
from sklearn.metrics import accuracy_score

from hbsearch import HyperbandSearchCV, IncrementalSearchCV, InverseDecaySearchCV, SuccessiveHalvingSearchCV

SPACE = {"alpha": [1e-4, 1e-3]}
X = np.random.RandomState(0).normal(size=(100, 3))
y = np.arange(100) % 2


def unknown_chunks():
    Xd = da.from_array(X, chunks=50)
    return Xd[Xd[:, 0] > 0], y


def with_value(data, row, column, value):
    data = data.astype(object if isinstance(value, str) else float)
    data[row, column] = value
    return data


def dask_nan_in_first_block():
    # Computing more than the first block would fail: the head is all that is read.
    Xd = da.from_array(with_value(X, 0, 0, np.nan), chunks=50)
    poisoned = da.map_blocks(lambda b: b / 0 if b.shape[0] else b, Xd[50:], dtype=float)
    return da.concatenate([Xd[:50], poisoned]), da.from_array(y, chunks=50)


class Holds(BaseEstimator):
    """An estimator with a parameter of any value."""

    def __init__(self, resource=None):
        self.resource = resource

    def partial_fit(self, X, y=None):
        return self

    def score(self, X, y=None):
        return 0.0


class NoParams:
    """An estimator that is not a scikit-learn BaseEstimator."""

    def partial_fit(self, X, y=None):
        return self

    def score(self, X, y=None):
        return 0.0


def my_metric(y_true, y_pred, sample_weight=None):
    return float(np.mean(y_true == y_pred))


COLOURS = pd.DataFrame({"size": X[:, 0], "colour": np.where(y == 1, "red", "blue")})


CASES = [
    # (search, data, exception, message fragment)
    # an estimator that cannot be trained a block at a time
    (HyperbandSearchCV(RandomForestClassifier(), SPACE), None, TypeError, "RandomForestClassifier"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=0), None, ValueError, "max_iter=0 is invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=-3), None, ValueError, "max_iter=-3 is invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=2.5), None, TypeError, "max_iter=2.5 is invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, max_iter="81"), None, TypeError, "max_iter='81'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, aggressiveness=1), None, ValueError, "aggressiveness=1"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, aggressiveness=2.5), None, TypeError, "aggressiveness=2.5"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, test_size=0), None, ValueError, "test_size=0 is"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, test_size=1.0), None, ValueError, "test_size=1.0"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, test_size=1.5), None, ValueError, "in (0, 1)"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, test_size="a"), None, ValueError, "test_size='a'"),
    # search spaces: empty, malformed, a bare value
    (HyperbandSearchCV(SGDClassifier(), {}), None, ValueError, "parameters"),
    (HyperbandSearchCV(SGDClassifier(), []), None, ValueError, "parameters"),
    (HyperbandSearchCV(SGDClassifier(), {"alpha": 5}), None, TypeError, "parameters['alpha']=5"),
    (HyperbandSearchCV(SGDClassifier(), {"alpha": []}), None, ValueError, "parameters['alpha']"),
    (HyperbandSearchCV(SGDClassifier(), {"penalty": "l2"}), None, TypeError, "parameters['penalty']"),
    (HyperbandSearchCV(SGDClassifier(), "alpha"), None, TypeError, "parameters"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, sampler="bayes"), None, ValueError, "sampler='bayes'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, sampler=3), None, ValueError, "'random'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, scoring="no_such_score"), None, ValueError,
     "scoring='no_such_score' is invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, scoring=["accuracy"]), None, TypeError, "scoring="),
    (HyperbandSearchCV(SGDClassifier(), SPACE, patience=1), None, ValueError, "patience=1"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, patience=2.5), None, ValueError, "patience=2.5"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, tol="x"), None, TypeError, "tol='x'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, verbose=-1), None, ValueError, "verbose=-1"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, error_score="skip"), None, ValueError, "error_score='skip'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, error_score=None), None, ValueError, "error_score=None"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, max_time=0), None, ValueError, "max_time=0 is invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, max_time="1h"), None, ValueError, "max_time='1h'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, max_job_time=-1), None, ValueError, "max_job_time=-1 is invalid"),
    (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, max_job_time=True), None, ValueError,
     "max_job_time=True is invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, checkpoint=7), None, ValueError, "checkpoint=7 is invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, progress="yes"), None, ValueError, "progress='yes'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, checkpoint="."), None, ValueError, "checkpoint='.'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, checkpoint="no_such_directory/search.ckpt"), None, ValueError,
     "checkpoint='no_such_directory/search.ckpt' is invalid: its directory"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, learning="eager"), None, ValueError,
     "learning='eager' is invalid: it must be one of 'reproducible', 'immediate'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, random_state="seed"), None, ValueError, "seed"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, halving="async"), None, ValueError,
     "halving='async' is invalid: it must be one of 'synchronous', 'asynchronous'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, halving=None), None, ValueError, "halving=None is invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, halving=True), None, ValueError, "halving=True is invalid"),
    # the other searches' own settings
    (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, n_initial_parameters=0), None, ValueError,
     "n_initial_parameters=0"),
    (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, n_initial_iter=0), None, ValueError, "n_initial_iter=0"),
    (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, n_initial_iter=9, max_iter=3), None, ValueError,
     "n_initial_iter=9"),
    (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, halving="ASYNCHRONOUS"), None, ValueError,
     "halving='ASYNCHRONOUS' is invalid"),
    (IncrementalSearchCV(SGDClassifier(), SPACE, max_iter=0), None, ValueError, "max_iter=0"),
    (IncrementalSearchCV(SGDClassifier(), SPACE, fits_per_score=0), None, ValueError, "fits_per_score=0"),
    (IncrementalSearchCV(SGDClassifier(), SPACE, fits_per_score=2, scores_per_fit=3), None, ValueError,
     "scores_per_fit=3 is invalid with fits_per_score=2"),
    (IncrementalSearchCV(SGDClassifier(), SPACE, scores_per_fit=0), None, ValueError, "scores_per_fit=0"),
    (InverseDecaySearchCV(SGDClassifier(), SPACE, decay_rate=-1), None, ValueError,
     "decay_rate=-1 is invalid: it must be a number >= 0"),
    (InverseDecaySearchCV(SGDClassifier(), SPACE, decay_rate="fast"), None, ValueError, "decay_rate='fast'"),
    # data that does not line up
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, y[:90]), ValueError, "different lengths"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (da.from_array(X, chunks=30), da.from_array(y[:90])),
     ValueError, "different lengths"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), unknown_chunks(), ValueError, "unknown chunk sizes"),
    # search-space keys that are not parameters of the estimator
    (HyperbandSearchCV(SGDClassifier(), {"alphaa": [1e-4]}), None, ValueError,
     "parameters['alphaa'] is invalid: SGDClassifier has no parameter 'alphaa'. Did you mean 'alpha'?"),
    (HyperbandSearchCV(SGDClassifier(), [SPACE, {"penaltyy": ["l2"]}]), None, ValueError,
     "parameters[1]['penaltyy'] is invalid"),
    (SuccessiveHalvingSearchCV(SGDClassifier(), {"alphaa": [1e-4]}), None, ValueError, "parameters['alphaa']"),
    (IncrementalSearchCV(SGDClassifier(), {"alphaa": [1e-4]}), None, ValueError, "parameters['alphaa']"),
    # values the estimator's own parameter validation refuses: any value of a list, a distribution's end
    (HyperbandSearchCV(SGDClassifier(), {"alpha": ["big"]}), None, ValueError,
     "parameters['alpha']='big' is invalid: SGDClassifier refuses the configuration {'alpha': 'big'}"),
    (HyperbandSearchCV(SGDClassifier(), {"alpha": [1e-4, 1e-3, -1.0]}), None, ValueError,
     "parameters['alpha']=-1.0 is invalid"),
    (HyperbandSearchCV(SGDClassifier(), {"alpha": uniform(-1, 2)}), None, ValueError,
     "parameters['alpha']=-1.0 is invalid"),
    (HyperbandSearchCV(SGDClassifier(), {"loss": ["hinge", "hinj"]}), None, ValueError,
     "parameters['loss']='hinj' is invalid"),
    (SuccessiveHalvingSearchCV(SGDClassifier(), {"alpha": ["big"]}), None, ValueError, "parameters['alpha']='big'"),
    # what Dask cannot send to the workers
    (HyperbandSearchCV(Holds(), {"resource": [1, threading.Lock()]}), None, TypeError,
     "parameters['resource'] holds <_thread.lock object>, which cannot be serialized"),
    (HyperbandSearchCV(Holds(resource=threading.Lock()), {"resource": [1]}), None, TypeError,
     "estimator=Holds(...) cannot be serialized"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, y, {"callback": threading.Lock()}), TypeError,
     "callback=<_thread.lock object> cannot be serialized with cloudpickle"),
    (HyperbandSearchCV(NoParams(), {"alpha": [1]}), None, TypeError,
     "estimator=NoParams(...) is invalid: it has no get_params and set_params"),
    # scoring that is not a scorer(estimator, X, y)
    (HyperbandSearchCV(SGDClassifier(), SPACE, scoring=accuracy_score), None, TypeError,
     "scoring=accuracy_score is invalid: it is a metric, not a scorer"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, scoring=accuracy_score), None, TypeError, "make_scorer"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, scoring=my_metric), None, TypeError,
     "scoring=my_metric is invalid: its first argument is 'y_true'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, scoring=lambda estimator, X: 1.0), None, TypeError,
     "scoring=<lambda> is invalid: it is called as scoring(estimator, X, y)"),
    (IncrementalSearchCV(SGDClassifier(), SPACE, scoring=accuracy_score), None, TypeError, "make_scorer"),
    # data the estimator's tags refuse
    (HyperbandSearchCV(SGDClassifier(), SPACE), (with_value(X, 57, 2, np.nan), y), ValueError,
     "X contains NaN (row 57, column 2): missing values (NaN) are invalid here; SGDClassifier does not"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (with_value(X, 3, 0, np.inf), y), ValueError,
     "X contains inf (row 3, column 0): infinite values are invalid"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, np.where(np.arange(100) == 70, np.nan, y)), ValueError,
     "y contains NaN (row 70)"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), dask_nan_in_first_block(), ValueError,
     "X contains NaN (row 0, column 0 in its first rows)"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X[:, 0], y), ValueError,
     "X has shape (100,), a 1-D array, and SGDClassifier takes a 2-D array"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (with_value(X, 0, 1, "red"), y), ValueError,
     "X holds non-numeric values (dtype object, e.g. 'red': could not convert string to float"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (COLOURS, y), ValueError,
     "X has the non-numeric column 'colour'"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, None), ValueError,
     "y=None is invalid: SGDClassifier requires y to be passed, but the target y is None"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, np.zeros(100, dtype=int)), ValueError,
     "y has 1 class (0) and SGDClassifier is a classifier, which needs at least two"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, X[:, 0]), ValueError,
     "y holds continuous values (e.g. 1.764052345967664) and SGDClassifier is a classifier, which needs class labels"),
    (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE), (with_value(X, 5, 1, np.nan), y), ValueError,
     "X contains NaN (row 5, column 1)"),
    (IncrementalSearchCV(SGDClassifier(), SPACE), (X, None), ValueError, "y=None is invalid"),
    # too few rows to train or validate on
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X[:5], y[:5]), ValueError,
     "test_size=0.2 leaves 1 validation row of 5 in 1 block: a search needs at least 2"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X[:12], np.arange(12) % 4), ValueError,
     "test_size=0.2 leaves 3 validation rows of 12 in 1 block: a search needs at least 4 (one per class"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, test_size=0.999), None, ValueError,
     "test_size=0.999 leaves 1 training row of 100 in 1 block"),
    (HyperbandSearchCV(SGDClassifier(), SPACE, test_size=0.999),
     (da.from_array(X, chunks=50), da.from_array(y, chunks=50)), ValueError,
     "test_size=0.999 leaves 2 training rows of 100 in 2 blocks: a search needs at least 4 (2 per block"),
    # fit parameters with one value per row
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, y, {"sample_weight": np.ones(100)}), ValueError,
     "sample_weight=<ndarray of shape (100,)> is not supported yet: it has one value per row of X"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, y, {"weights": list(range(100))}), ValueError,
     "weights=<list of 100 values> is not supported yet"),
    (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE), (X, y, {"sample_weight": np.ones(100)}), ValueError,
     "sample_weight="),
]


@pytest.mark.parametrize("search, data, error, fragment", CASES)
def test_bad_input_fails_before_any_work(search, data, error, fragment, tmp_path):
    data = data if data is not None else (X, y)
    fit_params = data[2] if len(data) > 2 else {}
    never = tmp_path / "never.ckpt"
    if "checkpoint" not in fragment:
        # Not a clone: a clone deep-copies its parameters, which some rows make impossible.
        search.set_params(checkpoint=never)
    with pytest.raises(error) as info:
        search.fit(*data[:2], **fit_params)
    assert fragment in str(info.value), str(info.value)
    # No cluster was started and no file written for a fit that could not begin.
    with pytest.raises(ValueError):
        get_client()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "search, error, fragment",
    [
        (HyperbandSearchCV(SGDClassifier(), SPACE, max_iter=0), ValueError, "max_iter=0 is invalid"),
        (HyperbandSearchCV(SGDClassifier(), SPACE, aggressiveness=1), ValueError, "aggressiveness=1"),
        (HyperbandSearchCV(SGDClassifier(), SPACE, halving="asha"), ValueError, "halving='asha' is invalid"),
        (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, halving=3), ValueError, "halving=3 is invalid"),
        (SuccessiveHalvingSearchCV(SGDClassifier(), SPACE, n_initial_parameters=0), ValueError,
         "n_initial_parameters=0"),
        (IncrementalSearchCV(SGDClassifier(), SPACE, max_iter=None), TypeError, "max_iter=None"),
    ],
)
def test_metadata_reports_budget_errors(search, error, fragment):
    with pytest.raises(error) as info:
        search.metadata
    assert fragment in str(info.value)


class FailsAtCall(BaseEstimator):
    """partial_fit raises at its ``fail_at``-th call."""

    def __init__(self, fail_at=2):
        self.fail_at = fail_at

    def partial_fit(self, X, y=None):
        self.calls_ = getattr(self, "calls_", 0) + 1
        if self.calls_ >= self.fail_at:
            raise RuntimeError(f"broken at call {self.calls_}")
        return self

    def score(self, X, y=None):
        return 0.0


def test_error_during_fit_leaves_nothing_on_the_cluster(client):
    search = HyperbandSearchCV(
        FailsAtCall(), {"fail_at": [3]}, max_iter=9, error_score="raise", random_state=0
    )
    with pytest.raises(RuntimeError, match="broken at call 3"):
        search.fit(X, y)
    assert scheduler_task_count(client) == 0
    assert not hasattr(search, "best_estimator_")


def test_when_every_model_fails_the_first_line_is_the_first_error(client):
    search = HyperbandSearchCV(FailsAtCall(), {"fail_at": [1]}, max_iter=3, random_state=0)
    with pytest.raises(ValueError) as info:
        search.fit(X, y)
    first_line = str(info.value).splitlines()[0]
    assert first_line.startswith("RuntimeError: broken at call 1 (model bracket=")
    assert "with parameters {'fail_at': 1}; all 2 models failed, this is the first error" in first_line
    assert "Traceback (most recent call last)" in str(info.value)


def test_a_score_that_is_not_a_number_fails_its_model(client):
    search = HyperbandSearchCV(
        SGDClassifier(random_state=0), SPACE, max_iter=3, random_state=0, scoring=lambda est, X, y: "0.9"
    )
    with pytest.raises(ValueError) as info:
        search.fit(X, y)
    assert str(info.value).startswith("TypeError: the score is '0.9' of type str: a scorer must return a real")


@pytest.mark.parametrize(
    "search, warns",
    [
        # One bracket, run once: every configuration is drawn before any score.
        (HyperbandSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=2, sampler="de"), True),
        (HyperbandSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=2, sampler="bo"), True),
        (SuccessiveHalvingSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=9, sampler="bo"), True),
        (IncrementalSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=3, sampler="de"), True),
        # Two runs of the bracket: the second learns from the first.
        (HyperbandSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=2, sampler="de", n_iterations=2),
         False),
        # Several brackets: later brackets draw after the first rungs of earlier ones are decided.
        (HyperbandSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=9, sampler="de"), False),
        # Told every result as it arrives.
        (HyperbandSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=2, sampler="de",
                           halving="asynchronous", learning="immediate"), False),
        (HyperbandSearchCV(ScoreIsValue(), {"value": uniform(0, 1)}, max_iter=2), False),
    ],
)
def test_a_sampler_that_cannot_learn_warns(client, search, warns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.set_params(random_state=0).fit(X, y)
    messages = [str(w.message) for w in caught if "cannot learn" in str(w.message)]
    assert len(messages) == (1 if warns else 0), messages
    if warns:
        assert f"sampler={search.sampler!r} cannot learn here" in messages[0]
        assert "random search in effect" in messages[0]


UNGUARDED = """
import numpy as np
from sklearn.linear_model import SGDClassifier
from hbsearch import HyperbandSearchCV

X = np.random.RandomState(0).normal(size=(100, 3))
search = HyperbandSearchCV(SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-3]}, max_iter=3)
search.fit(X, np.arange(100) % 2)
"""


def test_a_script_without_the_main_guard_gets_one_clear_error(tmp_path):
    # Its local cluster's worker processes would import the script again and
    # fail to start, each with a traceback of its own.
    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED)
    env = {**os.environ, "PYTHONPATH": os.path.join(os.path.dirname(__file__), os.pardir, "src")}
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert done.stderr.count("RuntimeError: fit was called at the top level of the script 'unguarded.py'") == 1
    assert 'if __name__ == "__main__":' in done.stderr
    assert "Nanny" not in done.stderr
