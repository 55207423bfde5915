"""The notebooks in notebooks/: each runs top to bottom, is committed without outputs, and uses only the public API."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import sim

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
FILES = sorted(NOTEBOOKS.glob("*.ipynb"))
PUBLIC_MODULES = {"sim", "sim.plots", "sim.experiments", "sim.sensitivity"}
SIM_IMPORT = re.compile(r"^\s*(?:from\s+(sim(?:\.\w+)*)\s+import\s+(.+)|import\s+(sim(?:\.\w+)*))", re.MULTILINE)


def code_cells(path: Path) -> list[str]:
    notebook = nbformat.read(path, as_version=4)
    return [cell.source for cell in notebook.cells if cell.cell_type == "code"]


def test_there_are_four_notebooks() -> None:
    """Quick start, restart plans, interventions and uncertainty are shipped."""
    assert [p.name for p in FILES] == [
        "01_quick_start.ipynb",
        "02_restart_plans.ipynb",
        "03_interventions.ipynb",
        "04_uncertainty.ipynb",
    ]


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_notebook_is_committed_without_outputs(path: Path) -> None:
    """No outputs, no execution counts: the committed file is the code and the prose only."""
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [], f"{path.name}: a code cell has outputs"
            assert cell.execution_count is None, f"{path.name}: a code cell has an execution count"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_notebook_imports_only_the_public_api(path: Path) -> None:
    """Every `sim` import names a public module (or the simulate function), never the engine's internals."""
    imports = [m for source in code_cells(path) for m in SIM_IMPORT.finditer(source)]
    assert imports, f"{path.name}: imports nothing from sim"
    for match in imports:
        module = match.group(1) or match.group(3)
        names = {n.strip().split(" as ")[0] for n in (match.group(2) or "").strip("()").split(",")} - {""}
        if module == "sim":  # `from sim import X`: X is an export of the package or a public module
            public = set(sim.__all__) | {m.removeprefix("sim.") for m in PUBLIC_MODULES}
            assert names <= public, f"{path.name}: private import {match.group(0)!r}"
        else:
            assert module in PUBLIC_MODULES, f"{path.name}: private import {match.group(0)!r}"


@pytest.mark.notebooks
@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The notebook executes top to bottom in a fresh kernel of this interpreter (small batches: SUPPLYSIM_FAST=1)."""
    monkeypatch.setenv("SUPPLYSIM_FAST", "1")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("import sys\nprint(sys.prefix)"))  # which environment ran it
    client = nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}})
    client.execute()  # raises CellExecutionError, naming the cell and the error, on the first failure
    probe = notebook.cells[-1].outputs
    assert probe and probe[0].get("text", "").strip() == sys.prefix, f"the python3 kernel is not {sys.executable}"
