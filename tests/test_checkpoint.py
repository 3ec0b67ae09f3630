"""Checkpoint and resume: a search killed mid-way resumes without redoing its saved steps."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time

import numpy as np
import pytest
from conftest import CountingValue, scheduler_task_count
from scipy.stats import uniform

import hbsearch.search
from hbsearch import HyperbandSearchCV
from hbsearch.checkpoint import CheckpointMismatch

X = np.zeros((40, 2))


def lines(path) -> int:
    if not os.path.exists(path):
        return 0
    with open(path) as handle:
        return sum(1 for _ in handle)


def make_search(log, checkpoint=None, parameters=None, **settings):
    params = dict(max_iter=27, random_state=0, checkpoint=checkpoint)
    params.update(settings)
    return HyperbandSearchCV(
        CountingValue(log=str(log), seconds=0.01), parameters or {"value": uniform(0, 1)}, **params
    )


def results_of(search):
    r = search.cv_results_
    return [p["value"] for p in r["params"]], r["test_score"].tolist(), r["partial_fit_calls"].tolist()


SCRIPT = textwrap.dedent(
    """
    import sys
    sys.path.insert(0, {tests!r})
    import numpy as np
    from distributed import Client
    from test_checkpoint import make_search
    with Client(processes=False, n_workers=2, threads_per_worker=1, dashboard_address=":0"):
        make_search({log!r}, checkpoint={path!r}, **{settings!r}).fit(np.zeros((40, 2)))
    """
)


@pytest.mark.parametrize(
    "settings",
    [{}, {"sampler": "bo", "n_iterations": 2}],
    ids=["random", "bo-learning"],
)
def test_resume_after_the_process_was_killed(client, tmp_path, settings):
    # A learning sampler draws configurations as models start: the resumed
    # search presets those saved and draws the rest as the first run would.
    log, path = tmp_path / "calls.log", tmp_path / "search.ckpt"
    reference = make_search(tmp_path / "reference.log", **settings).fit(X)
    planned = reference.metadata["partial_fit_calls"]

    script = SCRIPT.format(tests=os.path.dirname(__file__), log=str(log), path=str(path), settings=settings)
    process = subprocess.Popen([sys.executable, "-c", script])
    try:
        deadline = time.monotonic() + 120
        while lines(log) < 0.4 * planned:
            assert process.poll() is None, "the search ended before it could be killed"
            assert time.monotonic() < deadline
            time.sleep(0.05)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    done_before = lines(log)
    assert done_before < planned

    resumed = make_search(log, checkpoint=path, **settings).fit(X)
    done_after = lines(log) - done_before
    print(f"\nplanned {planned} calls; killed after {done_before}; the resumed fit ran {done_after}")
    assert results_of(resumed) == results_of(reference)
    assert resumed.best_params_ == reference.best_params_
    assert resumed.best_estimator_.calls_ == reference.best_estimator_.calls_
    # Saved steps were not run again; only work lost in flight was.
    assert done_after < planned
    assert done_before + done_after >= planned
    assert scheduler_task_count(client) == 0

    # A finished checkpoint answers a new fit without any training.
    again = make_search(log, checkpoint=path, **settings).fit(X)
    assert lines(log) == done_before + done_after
    assert results_of(again) == results_of(reference)


def test_a_torn_last_write_is_dropped(client, tmp_path):
    log, path = tmp_path / "calls.log", tmp_path / "search.ckpt"
    first = make_search(log, checkpoint=path, max_iter=9).fit(X)
    size = os.path.getsize(path)
    with open(path, "ab") as handle:
        handle.write(b"\x40\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04partial-frame")
    calls = lines(log)
    again = make_search(log, checkpoint=path, max_iter=9).fit(X)
    assert lines(log) == calls
    assert results_of(again) == results_of(first)
    assert os.path.getsize(path) == size


@pytest.mark.parametrize(
    "change, fragment",
    [
        (dict(max_iter=27), "settings"),
        (dict(aggressiveness=2), "settings"),
        (dict(random_state=1), "settings"),
        (dict(X=np.zeros((41, 2))), "data"),
        (dict(X=np.zeros((40, 3))), "data"),
        (dict(version="99.0"), "hbsearch"),
        (dict(parameters={"value": uniform(0, 2)}), "configurations"),
    ],
)
def test_a_different_search_is_refused(client, tmp_path, monkeypatch, change, fragment):
    log, path = tmp_path / "calls.log", tmp_path / "search.ckpt"
    make_search(log, checkpoint=path, max_iter=9).fit(X)
    before = path.read_bytes()
    data = change.pop("X", X)
    if "version" in change:
        monkeypatch.setattr(hbsearch.search, "__version__", change.pop("version"))
    search = make_search(log, checkpoint=path, **{"max_iter": 9, **change})
    with pytest.raises(CheckpointMismatch, match=fragment) as info:
        search.fit(data)
    assert str(path) in str(info.value)
    assert path.read_bytes() == before
    assert isinstance(info.value, ValueError)


def test_not_a_checkpoint_file_is_refused(client, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes")
    with pytest.raises(CheckpointMismatch, match="not an hbsearch checkpoint"):
        make_search(tmp_path / "log", checkpoint=path, max_iter=3).fit(X)
    assert path.read_text() == "my notes"
