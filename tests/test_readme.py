"""The README's first example runs as pasted into a script."""

from __future__ import annotations

import os
import re
import subprocess
import sys

import pytest

README = os.path.join(os.path.dirname(__file__), os.pardir, "README.md")
SRC = os.path.join(os.path.dirname(__file__), os.pardir, "src")


def readme_example() -> str:
    """The first Python block under "Using it", with a smaller budget so that it runs in seconds."""
    with open(README) as handle:
        text = handle.read()
    block = re.search(r"## Using it\n\n```python\n(.*?)```", text, re.S)
    assert block, "README.md has no Python block under 'Using it'"
    code = block.group(1)
    assert "max_iter=81" in code
    return code.replace("max_iter=81", "max_iter=9")


def run_as_script(tmp_path, code: str) -> subprocess.CompletedProcess:
    script = tmp_path / "example.py"
    script.write_text(code)
    env = {**os.environ, "PYTHONPATH": os.path.abspath(SRC)}
    return subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=240
    )


def test_the_readme_example_runs_as_a_script(tmp_path):
    # No client is running: fit starts a local cluster of worker processes,
    # which import the script again (the __main__ guard is what makes that work).
    done = run_as_script(tmp_path, readme_example())
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "17 69"  # the plan of max_iter=9, as metadata says before any work
    assert lines[-1] == "True"


@pytest.mark.slow
def test_the_readme_example_reproduces(tmp_path):
    # A seeded estimator and random_state=0: the same best model and score every time.
    code = readme_example()
    first, second = run_as_script(tmp_path, code), run_as_script(tmp_path, code)
    assert first.returncode == second.returncode == 0, first.stderr + second.stderr
    assert first.stdout == second.stdout
