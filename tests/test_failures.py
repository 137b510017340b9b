"""A failed, interrupted or concurrent render never damages the previous update (issue 5)."""

from __future__ import annotations

import hashlib
import json
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pdfplumber
import psutil
import pytest

from conftest import run_cli, run_in_process

QUARTER = "2019-20-Q2"


@pytest.fixture
def project(rendered_default, tmp_path) -> Path:
    """A copy of a project with a finished 2019/20 Q2 update (built-in renderer)."""
    root = tmp_path / "project"
    shutil.copytree(rendered_default.root, root)
    return root


def fingerprint(root: Path) -> dict[str, str]:
    out = root / "outputs" / QUARTER
    return {name: hashlib.sha256((out / name).read_bytes()).hexdigest()
            for name in ("update.html", "update.pdf", "manifest.json")}


def add_cell(notebook: Path, source: str, index: int) -> None:
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, notebook)


def test_notebook_that_raises_fails_render_and_keeps_previous_update(project):
    before = fingerprint(project)
    # Inserted after the parameters, load and heading cells: it is the 4th code cell.
    add_cell(project / "notebooks" / "p1_local_policing.ipynb", 'raise ValueError("figures do not add up")', 3)
    result = run_cli(project, "render", QUARTER, "--renderer", "builtin")
    assert result.returncode == 3, result.stderr
    assert "p1_local_policing.ipynb failed in code cell 4" in result.stderr
    assert "ValueError: figures do not add up" in result.stderr
    assert fingerprint(project) == before
    kept = project / "outputs" / "failed" / QUARTER / "p1_local_policing.ipynb"
    assert kept.is_file(), "the partly executed notebook is kept for debugging"
    assert any(o.get("ename") == "ValueError" for c in nbformat.read(kept, as_version=4).cells
               for o in c.get("outputs", []))
    assert not list((project / "outputs").glob(".build-*")), "no half-built folder is left behind"


def test_bad_data_is_refused_before_anything_runs(project):
    before = fingerprint(project)
    measures = project / "data" / "measures" / "essex_pcp.csv"
    measures.write_text(measures.read_text() + "specials_headcunt,Essex,2019-09-30,2019-09-30,1,,,,,\n")
    result = run_in_process(project, "render", QUARTER)
    assert result.returncode == 2
    assert "specials_headcunt" in result.stderr and "essex_pcp.csv" in result.stderr
    assert fingerprint(project) == before


def _kernels_of(process: psutil.Process) -> tuple[set[psutil.Process], set[psutil.Process]]:
    """The render's kernels (started, or forked from crimeplan.build.zygote) and that zygote."""
    try:
        children = process.children(recursive=True)
        zygotes = {p for p in children if "crimeplan.build.zygote" in " ".join(p.cmdline())}
        kernels = {p for p in children if "ipykernel" in " ".join(p.cmdline()) or p in set().union(
            *(z.children() for z in zygotes))}
    except psutil.NoSuchProcess:
        return set(), set()
    return kernels, zygotes


@pytest.mark.parametrize("executing", [False, True], ids=["while-checking", "while-executing"])
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_render_keeps_previous_update_and_leaves_no_kernels(project, tmp_path, signum, executing):
    """Interrupted once a kernel has started (the inputs still being checked), or once a
    notebook is executing: a cell of p7 that says so, then sleeps past the signal."""
    before = fingerprint(project)
    running = tmp_path / "p7 is executing"
    add_cell(project / "notebooks" / "p7_road_safety.ipynb",
             f"import pathlib, time\npathlib.Path({str(running)!r}).touch()\ntime.sleep(60)", 3)
    command = [sys.executable, "-m", "crimeplan", "--root", str(project), "render", QUARTER, "--renderer", "builtin",
               "--jobs", "2"]
    render_process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watched = psutil.Process(render_process.pid)
    kernels: set[psutil.Process] = set()
    deadline = time.monotonic() + 120
    while (not kernels or executing and not running.exists()) and time.monotonic() < deadline:
        kernels, _ = _kernels_of(watched)
        time.sleep(0.2)
    assert kernels, "the render started kernels"
    assert running.exists() or not executing, "p7 started executing"
    more, zygotes = _kernels_of(watched)
    kernels |= more | zygotes
    render_process.send_signal(signum)
    _, stderr = render_process.communicate(timeout=60)
    assert render_process.returncode == 130, stderr
    assert "previous update was left as it was" in stderr
    gone, alive = psutil.wait_procs(list(kernels), timeout=10)
    assert not alive, f"kernels still running: {[p.pid for p in alive]}"
    assert fingerprint(project) == before
    assert not list((project / "outputs").glob(".build-*"))


INTERRUPTED_IN_EXEC = """\
import os, signal, sys
from crimeplan import cli
from crimeplan.build import pipeline

def render_quarter(*args, **kwargs):  # the signal lands in code run by exec, as in an import
    exec("os.kill(os.getpid(), signal.SIGINT)\\nfor _ in range(10**7): pass", {"os": os, "signal": signal})

pipeline.render_quarter = render_quarter
sys.exit(cli.main())
"""


def test_an_interrupt_inside_an_import_exits_130_not_by_the_signal(project, tmp_path):
    """Python remembers a KeyboardInterrupt that left code run by ``exec`` (each import) even
    once it was caught, and a ``python -m`` command would then end by SIGINT (-2) after
    saying it was interrupted: on a loaded machine, a render interrupted while reading its
    inputs sometimes did."""
    (tmp_path / "interrupted_in_exec.py").write_text(INTERRUPTED_IN_EXEC)
    result = subprocess.run([sys.executable, "-m", "interrupted_in_exec", "--root", str(project), "render", QUARTER],
                            capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert result.returncode == 130, result.stderr
    assert "interrupted: the previous update was left as it was" in result.stderr


def test_two_renders_of_one_quarter_give_one_complete_update(project):
    commentary = project / "data" / "commentary" / QUARTER / "p7.md"
    commentary.write_text(commentary.read_text() + "\n- A line the test adds: the first render has p7 to execute.\n")
    command = [sys.executable, "-m", "crimeplan", "--root", str(project), "render", QUARTER, "--renderer", "builtin"]
    first = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1)
    second = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    outcomes = [p.communicate(timeout=1200) for p in (first, second)]
    assert (first.returncode, second.returncode) == (0, 0), outcomes
    assert "Another render of 2019-20-Q2 is running" in outcomes[1][1]
    out = project / "outputs" / QUARTER
    manifest = json.loads((out / "manifest.json").read_text())
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((out / name).read_bytes()).hexdigest() == digest, name
    with pdfplumber.open(out / "update.pdf") as pdf:  # a new file, read once: not kept open
        assert "2019/20 Q2" in pdf.pages[0].extract_text()


def test_lock_timeout_zero_refuses_a_second_render(project):
    from filelock import FileLock

    with FileLock(str(project / "outputs" / f".{QUARTER}.lock")):
        result = run_cli(project, "render", QUARTER, "--lock-timeout", "0")
    assert result.returncode == 4
    assert "another render of 2019-20-Q2 is running" in result.stderr
