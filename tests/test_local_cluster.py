"""fit with no Dask client: a local cluster is started for the fit and closed after."""

from __future__ import annotations

import pytest
from distributed import get_client
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from hbsearch import SuccessiveHalvingSearchCV


def test_local_cluster_started_and_closed_when_no_client():
    X, y = make_classification(n_samples=500, random_state=0)
    with pytest.raises(ValueError):
        get_client()
    search = SuccessiveHalvingSearchCV(
        SGDClassifier(random_state=0), {"alpha": loguniform(1e-5, 1e-1)}, n_initial_parameters=3, max_iter=3, random_state=0
    )
    search.fit(X, y)
    assert search.metadata_ == search.metadata
    with pytest.raises(ValueError):
        get_client()
