"""Which notebooks a render executes again: the freshness key of each notebook changes with
exactly the inputs it reads (the renders in test_incremental show the same end to end)."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import copy_project
from crimeplan.build.freshness import notebook_keys
from crimeplan.build.pipeline import _published_manifest, longest_first, notebook_parameters, notebook_paths
from crimeplan.inputs.files import file_digest
from crimeplan.inputs.params import load_plan
from crimeplan.periods import Quarter
from crimeplan.project import Project

QUARTER = Quarter.parse("2019-20-Q2")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    return Project(copy_project(tmp_path / "project"))


def keys(project: Project, **parameters: str) -> dict[str, str]:
    notebooks = notebook_paths(project, load_plan(project.params_dir))
    return notebook_keys(project, QUARTER, notebooks, notebook_parameters(project, QUARTER) | parameters)


def changed(before: dict[str, str], after: dict[str, str]) -> list[str]:
    assert before.keys() == after.keys()
    return sorted(name for name in before if before[name] != after[name])


def test_nothing_changed_gives_the_same_keys(project):
    assert keys(project) == keys(project)


def test_a_project_copied_elsewhere_keeps_its_keys(project, tmp_path):
    """The notebooks are given the project folder relative to theirs, as in JupyterLab: a
    copy (a colleague's clone, a moved folder) finds its update up to date."""
    moved = Project(Path(shutil.copytree(project.root, tmp_path / "elsewhere" / "deeper" / "project")))
    assert notebook_parameters(moved, QUARTER)["project_dir"] == ".."
    assert keys(moved) == keys(project)


@pytest.mark.parametrize(
    "shared",
    [
        "data/measures/essex_pcp.csv",
        "data/measures/ons_recorded_crime_quarters.csv",
        "data/catalogue.yml",
        "data/sources.yml",
        "params/plan.yml",
        f"params/{QUARTER.id}.yml",
        "data/reference/areas.csv",
        "data/reference/force_districts.csv",
    ],
)
def test_a_shared_input_changes_every_notebook_s_key(project, shared):
    before = keys(project)
    path = project.root / shared
    path.write_text(path.read_text() + ("\n" if shared.endswith(".csv") else "\n# changed by the test\n"))
    assert changed(before, keys(project)) == sorted(before)


def test_a_changed_byte_with_the_old_timestamp_changes_every_key(project):
    """Keys hash content: an edit that keeps the file's size and modification time counts."""
    before = keys(project)
    path = project.data_dir / "measures" / "essex_pcp.csv"
    stat, text = path.stat(), path.read_text()
    path.write_text(
        text.replace(
            "specials_headcount,Essex,2019-09-30,2019-09-30,515",
            "specials_headcount,Essex,2019-09-30,2019-09-30,516",
            1,
        )
    )
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    assert changed(before, keys(project)) == sorted(before)


@pytest.mark.parametrize("alter", ["changed", "removed"])
def test_an_update_with_an_altered_file_is_not_reused(tmp_path, alter):
    """A published update whose files are not those its manifest lists (a PDF overwritten
    or deleted by hand) counts as no update: the next render makes it all again."""
    update = tmp_path / "update"
    update.mkdir()
    for name in ("update.html", "update.pdf"):
        (update / name).write_bytes(f"the {name} as rendered".encode())
    manifest = {"inputs": {}, "files": {name: file_digest(update / name) for name in ("update.html", "update.pdf")}}
    (update / "manifest.json").write_text(json.dumps(manifest))
    assert _published_manifest(update) == manifest
    if alter == "changed":
        (update / "update.pdf").write_bytes(b"not the update")
    else:
        (update / "update.pdf").unlink()
    assert _published_manifest(update) == {}


def test_a_new_measures_file_changes_every_key(project):
    before = keys(project)
    (project.data_dir / "measures" / "extra.csv").write_text("measure,area,period_start,period_end,value\n")
    assert changed(before, keys(project)) == sorted(before)


def test_a_priority_s_commentary_changes_only_its_notebook(project):
    before = keys(project)
    path = project.data_dir / "commentary" / QUARTER.id / "p3.md"
    path.write_text(path.read_text() + "\n- One more line.\n")
    assert changed(before, keys(project)) == ["p3_domestic_abuse"]


def test_a_notebook_s_cells_change_only_its_key_and_its_outputs_change_none(project):
    before = keys(project)
    path = project.root / "notebooks" / "p5_gangs_organised_crime.ipynb"
    notebook = nbformat.read(path, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "code":
            cell.execution_count = 7
            cell.outputs = [nbformat.v4.new_output("stream", text="as JupyterLab saves it\n")]
    nbformat.write(notebook, path)
    assert keys(project) == before
    notebook.cells.append(nbformat.v4.new_markdown_cell("A note added by the test."))
    nbformat.write(notebook, path)
    assert changed(before, keys(project)) == ["p5_gangs_organised_crime"]


def test_other_parameters_change_every_key(project):
    before = keys(project)
    assert changed(before, keys(project, quarter="2018-19-Q2")) == sorted(before)


def test_the_longest_notebooks_are_executed_first_so_that_the_kernels_finish_together():
    paths = [Path(f"{name}.ipynb") for name in ("summary", "p1", "p2", "p3", "about")]
    last_render = {"summary": 0.6, "p1": 1.3, "p2": 0.2, "p3": 0.9, "about": 0.5}
    assert [p.stem for p in longest_first(paths, last_render, set())] == ["p1", "p3", "summary", "about", "p2"]
    public = {Path("p3.ipynb"), Path("p1.ipynb")}
    without_p2 = {name: s for name, s in last_render.items() if name != "p2"}
    assert [p.stem for p in longest_first(paths, without_p2, public)] == ["p1", "p3", "summary", "p2", "about"]
