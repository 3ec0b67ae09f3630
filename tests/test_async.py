"""``fit`` on an asynchronous Dask client: awaited there, as in dask-ml."""

from __future__ import annotations

import asyncio

import dask.array as da
import dask.dataframe as dd
import numpy as np
import pandas as pd
import pytest
from conftest import ScoreIsValue
from distributed import Client, Future, LocalCluster
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier

from hbsearch import HyperbandSearchCV, IncrementalSearchCV


def _inputs(kind):
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    if kind == "numpy":
        return X, y
    if kind == "pandas":
        return pd.DataFrame(X, columns=list("abcd")), pd.Series(y)
    if kind == "dask array":
        return da.from_array(X, chunks=30), da.from_array(y, chunks=30)
    frame = dd.from_pandas(pd.DataFrame(X, columns=list("abcd")), npartitions=4)
    return frame, dd.from_pandas(pd.Series(y), npartitions=4)


def _run(main):
    async def with_client():
        async with LocalCluster(
            n_workers=2, threads_per_worker=1, processes=False, asynchronous=True,
            dashboard_address=":0",
        ) as cluster, Client(cluster, asynchronous=True) as client:
            return await main(client)

    return asyncio.run(with_client())


INPUTS = ["numpy", "pandas", "dask array", "dask DataFrame"]


def test_fit_is_awaited_on_an_asynchronous_client_for_every_input_type():
    async def main(client):
        results = {}
        ticks = []

        async def tick():
            while True:
                ticks.append(None)
                await asyncio.sleep(0.005)

        ticker = asyncio.create_task(tick())
        for kind in INPUTS:
            X, y = _inputs(kind)
            search = HyperbandSearchCV(
                SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-3, 1e-2, 1e-1]},
                max_iter=3, random_state=0,
            )
            fitted = search.fit(X, y)
            assert asyncio.iscoroutine(fitted), kind
            before = len(ticks)
            assert await fitted is search
            # The event loop was free while the search ran: other tasks went on.
            assert len(ticks) - before >= 3, kind
            assert search.metadata_ == search.metadata
            results[kind] = search.best_score_
        ticker.cancel()
        return results

    results = _run(main)
    assert set(results) == set(INPUTS)
    assert all(0.5 < score <= 1 for score in results.values())


def test_asynchronous_fit_gives_what_a_synchronous_one_gives(client):
    X, y = _inputs("dask array")

    def search():
        return IncrementalSearchCV(
            ScoreIsValue(), {"value": [0.1, 0.5, 0.9, 0.3]}, n_initial_parameters=4,
            max_iter=3, random_state=1,
        )

    async def main(_):
        return await search().fit(X, y)

    asynchronous = _run(main)
    synchronous = search().fit(X, y)
    assert asynchronous.best_params_ == synchronous.best_params_ == {"value": 0.9}
    np.testing.assert_array_equal(
        asynchronous.cv_results_["partial_fit_calls"], synchronous.cv_results_["partial_fit_calls"]
    )


def test_an_error_in_settings_is_raised_at_the_await():
    async def main(_):
        search = IncrementalSearchCV(ScoreIsValue(), {"value": [0.1]}, max_iter=0)
        with pytest.raises(ValueError, match="max_iter=0 is invalid"):
            await search.fit(*_inputs("numpy"))
        return True

    assert _run(main)


def test_an_estimator_given_as_a_future(client):
    X, y = _inputs("numpy")
    estimator = client.scatter(SGDClassifier(random_state=0))
    search = IncrementalSearchCV(estimator, {"alpha": [1e-3, 1e-1]}, n_initial_parameters=2, max_iter=2)
    # A fit parameter may be a Future too (dask-ml's tests pass classes=client.compute(...)).
    search.fit(X, y, classes=client.submit(np.unique, y))
    assert isinstance(search.estimator, Future)  # the parameter stays as given
    np.testing.assert_array_equal(search.classes_, [0, 1])
    assert isinstance(search.best_estimator_, SGDClassifier)

    async def main(c):
        future = await c.scatter(SGDClassifier(random_state=0))
        search = IncrementalSearchCV(future, {"alpha": [1e-3, 1e-1]}, n_initial_parameters=2, max_iter=2)
        await search.fit(X, y)
        return search

    fitted = _run(main)
    assert isinstance(fitted.best_estimator_, SGDClassifier)


@pytest.mark.slow
def test_asynchronous_client_of_a_multi_process_cluster(process_cluster_address):
    X, y = _inputs("dask DataFrame")

    async def main():
        async with Client(process_cluster_address, asynchronous=True) as client:
            estimator = await client.scatter(SGDClassifier(random_state=0))
            search = HyperbandSearchCV(estimator, {"alpha": [1e-4, 1e-3, 1e-2, 1e-1]}, max_iter=9,
                                       random_state=0)
            return await search.fit(X, y)

    search = asyncio.run(main())
    assert search.metadata_ == search.metadata
    assert isinstance(search.best_estimator_, SGDClassifier)
