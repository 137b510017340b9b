"""Incremental renders: nothing redone when nothing changed, and a changed input re-executes
exactly the notebooks that read it (the keys behind it, input by input, and an update whose
files were altered, in test_freshness)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest

from conftest import render, run_cli
from crimeplan.inputs.params import load_plan

QUARTER = "2019-20-Q2"
ALL = sorted(name for name, _ in load_plan(Path(__file__).resolve().parents[1] / "params").notebooks)


@pytest.fixture(scope="module")
def project(rendered_default, tmp_path_factory) -> Path:
    """A copy of the shared rendered project (up to date where it is copied to); the tests
    below change it in turn and render again."""
    return Path(shutil.copytree(rendered_default.root, tmp_path_factory.mktemp("incremental") / "project"))


def manifest(root: Path) -> dict:
    return json.loads((root / "outputs" / QUARTER / "manifest.json").read_text())


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file under ``folder`` with its inode and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_ino, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


def rerender(root: Path) -> list[str]:
    """Render again; the notebooks that were executed."""
    result = render(root, QUARTER, "--renderer", "builtin")
    assert "up to date" not in result.result.stderr
    return manifest(root)["executed"]


def test_an_unchanged_render_writes_nothing(project):
    out = project / "outputs" / QUARTER
    before, folder_inode = snapshot(out), out.stat().st_ino
    result = run_cli(project, "render", QUARTER, "--renderer", "builtin")
    assert result.returncode == 0, result.stderr
    assert f"{QUARTER} is up to date" in result.stderr
    assert snapshot(out) == before and out.stat().st_ino == folder_inode


def test_one_priority_commentary_re_executes_only_that_priority(project):
    commentary = project / "data" / "commentary" / QUARTER / "p3.md"
    commentary.write_text(commentary.read_text() + "\n- A further line of update text for the test.\n")
    assert rerender(project) == ["p3_domestic_abuse"]
    notebooks = manifest(project)["notebook_seconds"]
    assert sorted(notebooks) == ALL, "the manifest still times every notebook"


def test_an_edited_notebook_re_executes_only_itself(project):
    path = project / "notebooks" / "p5_gangs_organised_crime.ipynb"
    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A note added by the test."))
    nbformat.write(nb, path)
    assert rerender(project) == ["p5_gangs_organised_crime"]
    assert "A note added by the test." in (project / "outputs" / QUARTER / "update.html").read_text()


def test_force_re_executes_everything(project):
    result = run_cli(project, "render", QUARTER, "--renderer", "builtin", "--force")
    assert result.returncode == 0, result.stderr
    assert manifest(project)["executed"] == ALL
