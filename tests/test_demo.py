"""The demo: its data, and ``python -m hbsearch`` run end to end."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from hbsearch.demo import make_circles_data, mlp_space


def test_make_circles_data_shape_and_classes():
    X, y = make_circles_data(1001)
    assert X.shape == (1001, 6)
    assert y.shape == (1001,)
    assert sorted(np.unique(y)) == [0, 1, 2, 3]
    counts = np.bincount(y)
    assert counts.min() >= 0.24 * len(y) and counts.max() <= 0.26 * len(y)
    np.testing.assert_allclose(X.mean(axis=0), 0, atol=1e-10)
    np.testing.assert_allclose(X.std(axis=0), 1)


def test_make_circles_data_noise_features_and_seed():
    X, y = make_circles_data(500, n_noise_features=2, random_state=3)
    assert X.shape == (500, 4)
    X_again, y_again = make_circles_data(500, n_noise_features=2, random_state=3)
    np.testing.assert_array_equal(X, X_again)
    np.testing.assert_array_equal(y, y_again)
    X_other, _ = make_circles_data(500, n_noise_features=2, random_state=4)
    assert not np.array_equal(X, X_other)


def test_mlp_space():
    space = mlp_space()
    assert len(space) == 7
    assert len(space["alpha"]) == 1000
    assert (4, 4, 4, 4, 4, 4) in space["hidden_layer_sizes"]


def _run(*args, timeout=120):
    return subprocess.run(
        [sys.executable, "-m", "hbsearch", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def test_demo_end_to_end():
    result = _run(
        "demo", "--max-iter", "3", "--n-samples", "2400", "--test-size", "600",
        "--chunk-size", "800", "--workers", "1",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    # The plan for max_iter=3: brackets of 3 and 2 models, 11 calls in all.
    assert "Hyperband plan (max_iter=3, aggressiveness=3)" in out
    assert "    total       5                 11" in out
    assert out.index("Hyperband plan") < out.index("Fitting...")
    assert "Best parameters:" in out
    for name in mlp_space():
        assert f"  {name} " in out
    assert "Best validation score (best_score_):" in out
    assert "Held-out test score (score):" in out
    assert "metadata_ == metadata: True" in out


def test_no_command_exits_2():
    result = _run()
    assert result.returncode == 2
    assert "demo" in result.stderr


def test_help():
    result = _run("demo", "--help")
    assert result.returncode == 0
    assert "--max-iter" in result.stdout and "--chunk-size" in result.stdout
