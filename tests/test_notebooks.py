"""The example notebooks run from top to bottom, on this interpreter.

Each notebook is executed with nbclient in a temporary copy of ``notebooks/``
(so nothing it writes lands in the repository), by an IPython kernel started
with ``sys.executable``: whatever ``python3`` kernelspec is installed for the
user or the system is bypassed, so the notebooks run against the hbsearch
these tests import. Each test prints the notebook's run time.
"""

from __future__ import annotations

import re
import runpy
import shutil
import sys
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")
pytest.importorskip("pandas")

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager  # noqa: E402
from jupyter_client.manager import AsyncKernelManager  # noqa: E402

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "python3"


class ThisInterpreterKernelSpecs(KernelSpecManager):
    """Kernelspecs in which ``python3`` is ipykernel on ``sys.executable``.

    ipykernel builds the spec (``get_kernel_dict`` puts ``sys.executable``
    first in ``argv``), so no kernelspec needs to be installed, and none
    installed elsewhere (``~/.local/share/jupyter``, ``JUPYTER_PATH``) can
    point the notebooks at another Python.
    """

    def get_kernel_spec(self, kernel_name):
        if kernel_name == KERNEL:
            from ipykernel.kernelspec import RESOURCES, get_kernel_dict

            return KernelSpec(resource_dir=RESOURCES, name=KERNEL, **get_kernel_dict())
        return super().get_kernel_spec(kernel_name)


def execute(nb, path: Path):
    """Run every cell of ``nb`` with ``path`` as the working directory; returns ``nb``."""
    km = AsyncKernelManager(kernel_name=KERNEL, kernel_spec_manager=ThisInterpreterKernelSpecs())
    client = nbclient.NotebookClient(
        nb,
        km=km,
        timeout=300,
        kernel_name=KERNEL,
        resources={"metadata": {"path": str(path)}},
    )
    client.execute()
    return nb


def stream_text(nb) -> str:
    return "".join(
        output.get("text", "")
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.get("outputs", [])
        if output.output_type == "stream"
    )


def test_kernel_runs_this_interpreter(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells.append(nbformat.v4.new_code_cell("import sys, hbsearch\nprint(sys.executable)\nprint(hbsearch.__file__)"))
    executable, package = stream_text(execute(nb, tmp_path)).splitlines()
    assert Path(executable).resolve() == Path(sys.executable).resolve()
    import hbsearch

    assert Path(package).resolve() == Path(hbsearch.__file__).resolve()


def test_notebooks_are_built_and_have_no_outputs():
    # run_path, not import: no __pycache__ left in notebooks/
    builder = runpy.run_path(str(NOTEBOOKS / "build_notebooks.py"))
    assert sorted(builder["NOTEBOOKS"]) == sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    for name, cells in builder["NOTEBOOKS"].items():
        on_disk = nbformat.read(NOTEBOOKS / name, as_version=4)
        assert on_disk == builder["build"](cells), (
            f"notebooks/{name} differs from what build_notebooks.py writes: "
            "run python notebooks/build_notebooks.py"
        )
        for cell in on_disk.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None, f"{name} has outputs"


def run_notebook(name: str, tmp_path: Path, capsys) -> str:
    """Execute notebooks/<name> in a copy of the folder; returns its printed text."""
    folder = tmp_path / "notebooks"
    shutil.copytree(NOTEBOOKS, folder, ignore=shutil.ignore_patterns(".ipynb_checkpoints", "__pycache__"))
    nb = nbformat.read(folder / name, as_version=4)
    start = time.perf_counter()
    try:
        execute(nb, folder)
    finally:
        elapsed = time.perf_counter() - start
        nbformat.write(nb, folder / name)  # with outputs, for a look after a failure
        with capsys.disabled():
            print(f"\nnotebooks/{name} ran in {elapsed:.1f} s (executed copy: {folder / name})")
    return stream_text(nb)


@pytest.mark.timeout(600)
def test_quickstart(tmp_path, capsys):
    text = run_notebook("quickstart.ipynb", tmp_path, capsys)
    assert "metadata_ == metadata: True" in text


@pytest.mark.timeout(600)
def test_samplers(tmp_path, capsys):
    text = run_notebook("samplers.ipynb", tmp_path, capsys)
    assert "same configurations: True" in text
    assert "same scores:         True" in text


@pytest.mark.slow  # about 40 s on 2 idle cores (1.5 GiB generated, spilled and read back)
@pytest.mark.timeout(600)
def test_cluster(tmp_path, capsys):
    text = run_notebook("cluster.ipynb", tmp_path, capsys)
    generated, blocks = map(int, re.search(r"blocks of X generated: (\d+) \(X has (\d+) blocks\)", text).groups())
    # Once each for the search, and the first block once more for the input checks' first rows.
    assert generated == blocks + 1
    before, after, data = (
        int(n.replace(",", ""))
        for n in re.search(
            r"client process: (\d+) MiB resident before fit, (\d+) MiB after.*training data: ([\d,]+) MiB", text
        ).groups()
    )
    assert after - before < data / 4, "the client's memory grew with the data"
