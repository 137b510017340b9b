"""Each notebook runs top to bottom with its defaults, as JupyterLab would (issue 2)."""

from __future__ import annotations

import io
import json

import nbformat
import pytest
from nbclient import NotebookClient
from rich.console import Console

from conftest import REPO, copy_project, printed
from crimeplan.build.kernels import KernelPool
from crimeplan.inputs.params import load_plan

PRIORITY_NOTEBOOKS = [p.notebook for p in load_plan(REPO / "params").priorities]
NOTEBOOKS = [name for name, _ in load_plan(REPO / "params").notebooks]


DTYPES_PROBE = "print({column: str(dtype) for column, dtype in report.tidy().dtypes.items()})"


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> dict:
    """Every notebook of the plan executed as-is, with no parameter given (its own
    defaults: the latest quarter of the project above it), on two kernels that start each
    notebook in a clean namespace, as a render's do (test_lab runs one in JupyterLab
    itself). A priority's notebook then also says what types its table to explore has."""
    project = copy_project(tmp_path_factory.mktemp("lab") / "project")
    notebooks = project / "notebooks"
    for name in PRIORITY_NOTEBOOKS:
        path = notebooks / f"{name}.ipynb"
        notebook = nbformat.read(path, as_version=4)
        notebook.cells.append(nbformat.v4.new_code_cell(DTYPES_PROBE))
        nbformat.write(notebook, path)
    with KernelPool(2, notebooks) as pool:
        pool.submit([notebooks / f"{name}.ipynb" for name in NOTEBOOKS], project / "executed", {})
        pool.wait(Console(file=io.StringIO()))
    return {name: nbformat.read(project / "executed" / f"{name}.ipynb", as_version=4) for name in NOTEBOOKS}


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_with_default_parameters(executed, name):
    shown = [o for c in executed[name].cells for o in c.get("outputs", [])]
    assert shown and not [o for o in shown if o.output_type == "error"]


@pytest.mark.parametrize("name", PRIORITY_NOTEBOOKS)
def test_priority_notebook_ends_with_a_table_to_explore(executed, name):
    notebook = executed[name]
    shown = [o for c in notebook.cells for o in c.get("outputs", [])]
    assert any("# Priority" in o.get("data", {}).get("text/markdown", "") for o in shown)
    [explore] = [c for c in notebook.cells if "report.tidy()" in c.source and "#| include: false" in c.source]
    table = explore.outputs[0]["data"]
    assert "<table" in table["text/html"]
    for column in ("measure", "label", "unit", "area", "period_start", "period_end", "value", "judgement"):
        assert column in table["text/plain"]
    dtypes = printed(notebook.cells[-1])
    assert "'period_start': 'datetime64[ns]'" in dtypes and "'period_end': 'datetime64[ns]'" in dtypes
    assert "'value': 'float64'" in dtypes


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_is_committed_clean_with_a_parameters_cell(name):
    raw = json.loads((REPO / "notebooks" / f"{name}.ipynb").read_text())
    code = [c for c in raw["cells"] if c["cell_type"] == "code"]
    assert "parameters" in code[0]["metadata"].get("tags", [])
    assert all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert raw["metadata"]["kernelspec"]["name"] == "python3"


def test_charts_draw_interactively_in_jupyterlab_offline(browser, tmp_path):
    """The notebook's own outputs, in order, as JupyterLab shows them (a kernel of its own,
    not a render's): the offline Vega libraries first, then the charts, which draw as live
    SVG with no network."""
    path = copy_project(tmp_path / "project") / "notebooks" / "p7_road_safety.ipynb"
    notebook = nbformat.read(path, as_version=4)
    NotebookClient(notebook, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}},
                   timeout=300).execute()
    html = [o["data"]["text/html"] for c in notebook.cells for o in c.get("outputs", [])
            if "text/html" in o.get("data", {})]
    charts = [h for h in html if "crimeplan-chart" in h]
    assert "vegaEmbed" in html[0] and charts
    page_path = tmp_path / "lab.html"
    page_path.write_text("<!DOCTYPE html><html><body>" + "".join(html) + "</body></html>", encoding="utf-8")
    page = browser.new_page()
    page.route("**/*", lambda route: route.continue_() if route.request.url.startswith(("file:", "data:"))
               else route.abort())
    page.goto(page_path.as_uri())
    drawn = page.locator("figure.crimeplan-chart svg.marks")
    drawn.nth(len(charts) - 1).wait_for(state="attached", timeout=30_000)
    assert drawn.count() == len(charts)
    page.close()


def test_a_render_does_not_embed_the_libraries_in_each_notebook(rendered_default):
    executed = nbformat.read(rendered_default.output_dir / "notebooks" / "p7_road_safety.ipynb", as_version=4)
    [cell] = [c for c in executed.cells if "interactive_charts()" in c.source]
    assert cell.outputs == []
