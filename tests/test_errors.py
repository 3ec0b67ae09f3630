"""Bad input: a clear error naming the parameter, before any work starts."""

from __future__ import annotations

import dask.array as da
import numpy as np
import pytest
from conftest import scheduler_task_count
from distributed import get_client
from sklearn.base import BaseEstimator, clone
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import SGDClassifier

from hbsearch import HyperbandSearchCV, IncrementalSearchCV, SuccessiveHalvingSearchCV

SPACE = {"alpha": [1e-4, 1e-3]}
X = np.random.RandomState(0).normal(size=(100, 3))
y = np.arange(100) % 2


def unknown_chunks():
    Xd = da.from_array(X, chunks=50)
    return Xd[Xd[:, 0] > 0], y


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
    # data that does not line up
    (HyperbandSearchCV(SGDClassifier(), SPACE), (X, y[:90]), ValueError, "different lengths"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), (da.from_array(X, chunks=30), da.from_array(y[:90])),
     ValueError, "different lengths"),
    (HyperbandSearchCV(SGDClassifier(), SPACE), unknown_chunks(), ValueError, "unknown chunk sizes"),
]


@pytest.mark.parametrize("search, data, error, fragment", CASES)
def test_bad_input_fails_before_any_work(search, data, error, fragment, tmp_path):
    data = data if data is not None else (X, y)
    never = tmp_path / "never.ckpt"
    if "checkpoint" not in fragment:
        search = clone(search).set_params(checkpoint=never)
    with pytest.raises(error) as info:
        search.fit(*data)
    assert fragment in str(info.value)
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
