"""scikit-learn's estimator checks, on a real in-process cluster (slow: about 100 s)."""

from __future__ import annotations

import pytest
from distributed import Client, LocalCluster
from sklearn.linear_model import SGDClassifier, SGDRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from hbsearch import HyperbandSearchCV, SuccessiveHalvingSearchCV

# Checks that cannot apply to a search that trains its models with partial_fit on workers
# (none at present: string data, once one, is refused on the client before any work).
EXPECTED_FAILURES: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def client():
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=":0"
    ) as cluster, Client(cluster) as c:
        yield c


@pytest.mark.slow
@parametrize_with_checks(
    [
        HyperbandSearchCV(SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-3]}, max_iter=3, random_state=0),
        HyperbandSearchCV(SGDRegressor(random_state=0), {"alpha": [1e-4, 1e-3]}, max_iter=3, random_state=0),
        SuccessiveHalvingSearchCV(
            SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-3]}, n_initial_parameters=3, max_iter=3,
            random_state=0,
        ),
    ],
    expected_failed_checks=lambda estimator: EXPECTED_FAILURES,
)
def test_scikit_learn_conventions(estimator, check):
    check(estimator)
