"""Checkpoint and resume: a search killed mid-way resumes without redoing its saved steps."""

from __future__ import annotations

import os
import re
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
from hbsearch import HyperbandSearchCV, checkpoint
from hbsearch.checkpoint import CheckpointCorrupt, CheckpointMismatch

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
        handle.write(b"\xffHBF\x40\x00\x00\x00\x00\x00\x00\x00\x01\x02\x03\x04partial-frame")
    calls = lines(log)
    again = make_search(log, checkpoint=path, max_iter=9).fit(X)
    assert lines(log) == calls
    assert results_of(again) == results_of(first)
    assert os.path.getsize(path) == size


@pytest.mark.parametrize(
    "change, fragment",
    [
        (dict(max_iter=27), "max_iter=9 in the file, max_iter=27 here"),
        (dict(aggressiveness=2), "aggressiveness=3 in the file, aggressiveness=2 here"),
        (dict(random_state=1), "random_state=0 in the file, random_state=1 here"),
        (dict(X=np.zeros((41, 2))), r"the data X shape is \[40, 2\] in the file, \[41, 2\] here"),
        (dict(X=np.zeros((40, 3))), r"the data X shape is \[40, 2\] in the file, \[40, 3\] here"),
        # Same kind, shape and dtype, other values: resuming would be a wrong result.
        (dict(X=np.ones((40, 2))), r"the values of X differ \(same kind, shape and dtype\)"),
        (dict(version="99.0"), "the hbsearch version is 0.1.0 in the file, 99.0 here"),
        (dict(parameters={"value": uniform(0, 2)}),
         r"the search space differs \('value'=uniform\(0, 1\) in the file, 'value'=uniform\(0, 2\) here\)"),
        (dict(seconds=0.02), "the estimator differs (seconds=0.01 in the file, seconds=0.02 here)"),
    ],
)
def test_a_different_search_is_refused(client, tmp_path, monkeypatch, change, fragment):
    log, path = tmp_path / "calls.log", tmp_path / "search.ckpt"
    make_search(log, checkpoint=path, max_iter=9).fit(X)
    before = path.read_bytes()
    data = change.pop("X", X)
    if "version" in change:
        monkeypatch.setattr(hbsearch.search, "__version__", change.pop("version"))
    seconds = change.pop("seconds", None)
    search = make_search(log, checkpoint=path, **{"max_iter": 9, **change})
    if seconds is not None:
        search.set_params(estimator=CountingValue(log=str(log), seconds=seconds))
    with pytest.raises(CheckpointMismatch) as info:
        search.fit(data)
    message = str(info.value)
    assert re.search(fragment, message) or fragment in message, message
    assert str(path) in message
    # Only what differs: no whole settings dict, no hash.
    assert "settings" not in message
    assert not re.search(r"[0-9a-f]{32}", message), message
    assert message.count(";") <= 1, message
    assert path.read_bytes() == before
    assert isinstance(info.value, ValueError)


def test_display_settings_are_not_part_of_the_identity(client, tmp_path):
    log, path = tmp_path / "calls.log", tmp_path / "search.ckpt"
    first = make_search(log, checkpoint=path, max_iter=9).fit(X)
    calls = lines(log)
    again = make_search(log, checkpoint=path, max_iter=9, progress=True, verbose=1, prefix="again").fit(X)
    assert lines(log) == calls
    assert results_of(again) == results_of(first)


def frame_offsets(path) -> list[int]:
    """Where each frame starts, found by walking the lengths (header frame first)."""
    data = path.read_bytes()
    offset, offsets = len(checkpoint._MAGIC), []
    while offset < len(data):
        offsets.append(offset)
        _, length, _ = checkpoint._FRAME.unpack_from(data, offset)
        offset += checkpoint._FRAME.size + length
    return offsets


def test_a_damaged_length_drops_the_frames_after_it_with_a_warning(client, tmp_path):
    log, path = tmp_path / "calls.log", tmp_path / "search.ckpt"
    first = make_search(log, checkpoint=path, max_iter=9).fit(X)
    offsets = frame_offsets(path)
    n_steps = len(offsets) - 1
    damaged = offsets[3]  # the third step's frame
    data = bytearray(path.read_bytes())
    data[damaged + 4 + 7] ^= 0x40  # one bit of the length field's highest byte
    path.write_bytes(bytes(data))
    calls = lines(log)
    with pytest.warns(UserWarning, match=rf"damaged at byte {damaged}.*\({n_steps - 3} intact frames after"):
        again = make_search(log, checkpoint=path, max_iter=9).fit(X)
    # The dropped steps were run again, and the results are those of the first fit.
    assert lines(log) > calls
    assert results_of(again) == results_of(first)


def test_a_damaged_header_is_a_clear_error(client, tmp_path):
    log, path = tmp_path / "calls.log", tmp_path / "search.ckpt"
    make_search(log, checkpoint=path, max_iter=3).fit(X)
    data = bytearray(path.read_bytes())
    data[len(checkpoint._MAGIC) + 4 + 7] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(CheckpointCorrupt, match="has no readable header .*Delete it to start afresh") as info:
        make_search(log, checkpoint=path, max_iter=3).fit(X)
    assert str(path) in str(info.value)


def test_a_file_of_an_older_format_is_refused_by_name(client, tmp_path):
    path = tmp_path / "search.ckpt"
    path.write_bytes(b"HBSEARCH CHECKPOINT 1\n" + b"\x00" * 64)
    with pytest.raises(CheckpointMismatch, match="older hbsearch .*version 1.*Delete it"):
        make_search(tmp_path / "log", checkpoint=path, max_iter=3).fit(X)


def test_not_a_checkpoint_file_is_refused(client, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("my notes")
    with pytest.raises(CheckpointMismatch, match="not an hbsearch checkpoint"):
        make_search(tmp_path / "log", checkpoint=path, max_iter=3).fit(X)
    assert path.read_text() == "my notes"
