"""Each notebook runs top to bottom with its defaults, as JupyterLab would (issue 2)."""

from __future__ import annotations

import json

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import REPO, copy_project
from crimeplan.params import load_plan

NOTEBOOKS = [p.notebook for p in load_plan(REPO / "params").priorities]


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    return copy_project(tmp_path_factory.mktemp("lab") / "project")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_default_parameters(project, name):
    path = project / "notebooks" / f"{name}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   timeout=300).execute()
    shown = [o for c in notebook.cells for o in c.get("outputs", [])]
    assert any("# Priority" in o.get("data", {}).get("text/markdown", "") for o in shown)
    assert not [o for o in shown if o.output_type == "error"]
    [explore] = [c for c in notebook.cells if "report.tidy()" in c.source]
    table = explore.outputs[0]["data"]
    assert "<table" in table["text/html"]
    for column in ("measure", "label", "unit", "area", "period_start", "period_end", "value", "judgement"):
        assert column in table["text/plain"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_clean_with_a_parameters_cell(name):
    raw = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text())
    code = [c for c in raw["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert raw["metadata"]["kernelspec"]["name"] == "python3"
