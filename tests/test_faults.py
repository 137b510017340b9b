"""Faults and hostile files (issue 22): each ends in a documented exit code with one plain
line naming the file or folder, and the previous update is byte-identical afterwards.

Each test works on a fresh copy of the shared 2019/20 Q2 render (a copied project is up to
date, as its notebooks name the project folder relative to theirs). Faults the operating
system would cause (a process killed between the two renames of publishing, a read-only
or full disk) are injected by running the CLI in a child Python that patches one call.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import nbformat
import pytest

from conftest import copy_project, run_cli, run_in_process

QUARTER = "2019-20-Q2"
OUTPUT_FILES = ("update.html", "update.pdf", "manifest.json")


@pytest.fixture
def project(rendered_default, tmp_path) -> Path:
    """A copy of a project with a finished 2019/20 Q2 update (built-in renderer)."""
    return Path(shutil.copytree(rendered_default.root, tmp_path / "project", symlinks=True))


def fingerprint(root: Path) -> dict[str, str]:
    out = root / "outputs" / QUARTER
    return {name: hashlib.sha256((out / name).read_bytes()).hexdigest() for name in OUTPUT_FILES}


def leftovers(root: Path) -> list[str]:
    outputs = root / "outputs"
    return sorted(p.name for p in [*outputs.glob(".build-*"), *outputs.glob(".retired-*")])


def render_cli(root: Path, *extra: str) -> subprocess.CompletedProcess:
    return run_cli(root, "render", QUARTER, "--renderer", "builtin", *extra, timeout=300)


def render_patched(root: Path, patch: str, *extra: str) -> subprocess.CompletedProcess:
    """``crimeplan render`` in a child Python that first runs ``patch`` (``OUT`` is the
    project's outputs folder)."""
    script = (
        f"import sys\nOUT = {str(root / 'outputs')!r}\n"
        + textwrap.dedent(patch)
        + "\nfrom crimeplan.cli import main\n"
        + f"sys.exit(main(['--root', {str(root)!r}, 'render', {QUARTER!r}, '--renderer', 'builtin', *{list(extra)!r}]))\n"
    )
    return subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)


def assert_plain_failure(result: subprocess.CompletedProcess, code: int, *phrases: str) -> None:
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    for phrase in phrases:
        assert phrase in result.stderr, f"{phrase!r} not in:\n{result.stderr}"


def add_cell(notebook: Path, source: str, index: int = 3) -> None:
    """Insert a code cell; at index 3 (after the parameters, load and exploring cells) it is code cell 4."""
    nb = nbformat.read(notebook, as_version=4)
    nb.cells.insert(index, nbformat.v4.new_code_cell(source))
    nbformat.write(nb, notebook)


# --- 1. publishing is two renames ---------------------------------------------------------------


@pytest.mark.render
def test_a_render_killed_between_the_renames_is_recovered_by_the_next(project):
    before = fingerprint(project)
    commentary = project / "data" / "commentary" / QUARTER / "p7.md"
    original = commentary.read_bytes()
    commentary.write_bytes(original + b"\n")  # something to render: one notebook executes
    (project / "outputs" / ".2031-32-Q1.lock").touch()  # a lock file of a quarter that has no params
    killed = render_patched(
        project,
        """
        import functools, os, signal, psutil
        import crimeplan.build.pipeline as pipeline
        def kill():  # the kernels first, so that none outlives the test
            for child in psutil.Process().children(recursive=True):
                child.kill()
            os.kill(os.getpid(), signal.SIGKILL)
        pipeline._publish = functools.partial(pipeline._publish, between_renames=kill)
    """,
    )
    assert killed.returncode == -9, killed.stderr
    assert not (project / "outputs" / QUARTER).exists(), "the kill came between the renames"
    assert [name.split("-")[0] for name in leftovers(project)] == [".build", ".retired"]

    commentary.write_bytes(original)
    result = render_cli(project)
    assert result.returncode == 0, result.stderr
    assert "Restored the previous update of 2019-20-Q2" in result.stderr
    assert "2019-20-Q2 is up to date" in result.stderr
    assert fingerprint(project) == before
    assert leftovers(project) == []
    assert not (project / "outputs" / ".2031-32-Q1.lock").exists()


def test_a_quarter_without_params_leaves_no_lock_file(project):
    result = run_in_process(project, "render", "2031-32-Q1")
    assert_plain_failure(result, 2, "no params for quarter 2031-32-Q1")
    assert not (project / "outputs" / ".2031-32-Q1.lock").exists()


def test_stale_kernel_sockets_of_dead_renders_are_removed(tmp_path):
    from crimeplan.build.kernels import SOCKETS_PREFIX, remove_stale_sockets

    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    temp = Path(os.environ.get("TMPDIR", "/tmp"))
    stale, alive = (
        temp / f"{SOCKETS_PREFIX}{dead.stdout.strip()}-kernel-1-1",
        temp / f"{SOCKETS_PREFIX}{os.getpid()}-kernel-1-1",
    )
    sockets = []
    for path in (stale, alive):
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
        sockets.append(sock)
    try:
        remove_stale_sockets()
        assert not stale.exists() and alive.exists()
    finally:
        for sock in sockets:
            sock.close()
        alive.unlink(missing_ok=True)
        stale.unlink(missing_ok=True)


# --- 2. hangs and unbounded memory; 3. tracebacks; 4. leaky messages -----------------------------


def _fifo(root: Path) -> None:
    os.mkfifo(root / "data" / "measures" / "extra.csv")


def _folder(root: Path) -> None:
    (root / "data" / "measures" / "extra.csv").mkdir()


def _dangling(root: Path) -> None:
    (root / "data" / "measures" / "extra.csv").symlink_to(root / "data" / "measures" / "gone.csv")


def _dev_zero(root: Path) -> None:
    (root / "data" / "measures" / "extra.csv").symlink_to("/dev/zero")


def _anchor_bomb(root: Path) -> None:
    levels = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    levels += [f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, 10)]
    catalogue = root / "data" / "catalogue.yml"
    text = catalogue.read_text().replace("    label: Special Constable headcount\n", "    label: *a9\n", 1)
    catalogue.write_text("bombs:\n" + textwrap.indent("\n".join(levels), "  ") + "\n" + text)


def _params_not_utf8(root: Path) -> None:
    params = root / "params" / f"{QUARTER}.yml"
    params.write_bytes(params.read_bytes().replace(b"Performance Analysis Unit", b"Performance Analysis \xe9 Unit"))


def _commentary_not_utf8(root: Path) -> None:
    path = root / "data" / "commentary" / QUARTER / "p2.md"
    path.write_bytes(path.read_bytes() + b"\n- caf\xe9\n")


def _oversized_commentary(root: Path) -> None:
    path = root / "data" / "commentary" / QUARTER / "p1.md"
    path.write_text(path.read_text() + "- a long line of text that goes on.\n" * 8000)  # 288 KiB


def _duplicate_keys(root: Path) -> None:
    plan = root / "params" / "plan.yml"
    plan.write_text(plan.read_text().replace("force: Essex Police\n", "force: Essex Police\nforce: Kent Police\n", 1))


def _params_outside(root: Path) -> None:
    params = root / "params" / f"{QUARTER}.yml"
    params.unlink()
    params.symlink_to("/etc/passwd")


HOSTILE = {
    "fifo-in-measures": (_fifo, ["data/measures/extra.csv", "not a regular file (a named pipe)"]),
    "folder-named-csv": (_folder, ["data/measures/extra.csv", "not a regular file (a folder)"]),
    "dangling-link": (_dangling, ["data/measures/extra.csv", "a link to a file that does not exist"]),
    "dev-zero": (_dev_zero, ["data/measures/extra.csv", "outside the project folder"]),
    "anchor-bomb": (_anchor_bomb, ["data/catalogue.yml", "line 2", "anchors and aliases"]),
    "params-not-utf8": (_params_not_utf8, [f"params/{QUARTER}.yml", "not UTF-8: byte 0xe9"]),
    "commentary-not-utf8": (_commentary_not_utf8, [f"data/commentary/{QUARTER}/p2.md", "not UTF-8: byte 0xe9"]),
    "oversized-commentary": (
        _oversized_commentary,
        [f"data/commentary/{QUARTER}/p1.md", "more than the 256 KiB limit for commentary files"],
    ),
    "duplicate-key": (_duplicate_keys, ["params/plan.yml", "key 'force' appears more than once"]),
    "params-outside-project": (_params_outside, [f"params/{QUARTER}.yml", "outside the project folder"]),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_input_is_refused_naming_the_file(project, case):
    make, phrases = HOSTILE[case]
    before = fingerprint(project)
    make(project)
    result = run_in_process(project, "render", QUARTER, "--renderer", "builtin")
    assert_plain_failure(result, 2, *phrases)
    assert "root:x:0" not in result.stderr, "no content of a file outside the project is shown"
    assert fingerprint(project) == before
    assert leftovers(project) == []


def test_a_device_is_refused_even_where_outside_files_are_allowed(project):
    before = fingerprint(project)
    _dev_zero(project)
    result = run_cli(project, "--allow-outside-root", "check", QUARTER, timeout=120)
    assert result.returncode == 2, result.stderr
    assert "data/measures/extra.csv" in result.stderr and "not a regular file (a device)" in result.stderr
    assert fingerprint(project) == before


@pytest.mark.render
def test_an_endless_cell_stops_at_the_cell_timeout_naming_notebook_and_cell(project):
    before = fingerprint(project)
    # endless, but idle: a busy loop would take a core from the other tests for the 4 s
    add_cell(project / "notebooks" / "p3_domestic_abuse.ipynb", "while True:\n    __import__('time').sleep(0.1)")
    result = render_cli(project, "--cell-timeout", "4")
    assert_plain_failure(
        result, 3, "p3_domestic_abuse.ipynb, code cell 4 ('while True:'): did not finish within 4 s (--cell-timeout)"
    )
    assert fingerprint(project) == before
    failed = project / "outputs" / "failed" / QUARTER
    assert (failed / "p3_domestic_abuse.ipynb").is_file(), "kept beside the update"
    assert not (project / "outputs" / QUARTER / "failed").exists(), "never inside the published update"


@pytest.mark.render
def test_a_kernel_that_dies_is_reported_at_its_cell(project):
    before = fingerprint(project)
    add_cell(project / "notebooks" / "p2_antisocial_behaviour.ipynb", "import os\nos._exit(1)")
    result = render_cli(project)
    assert_plain_failure(result, 3, "p2_antisocial_behaviour.ipynb, code cell 4 ('import os'): the kernel died")
    assert "before executing its cells" not in result.stderr
    assert fingerprint(project) == before


# --- 3. read-only output folder and full disk ----------------------------------------------------

READ_ONLY = """
    import errno, os
    def refuse(real):
        def call(path, *args, **kwargs):
            writes = os.O_WRONLY | os.O_RDWR | os.O_CREAT
            if str(path).startswith(OUT) and (real is not os.open or args[0] & writes):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(path))
            return real(path, *args, **kwargs)
        return call
    os.open, os.mkdir = refuse(os.open), refuse(os.mkdir)
"""


def test_a_read_only_output_folder_exits_5_even_when_up_to_date(project):
    before = fingerprint(project)
    result = render_patched(project, READ_ONLY)
    assert_plain_failure(result, 5, "cannot write", str(project / "outputs"), "Read-only file system")
    assert fingerprint(project) == before


DISK_FULL_AT_MANIFEST = """
    import errno, os, pathlib
    real = pathlib.Path.write_text
    def write_text(self, *args, **kwargs):
        if self.name == "manifest.json":
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))
        return real(self, *args, **kwargs)
    pathlib.Path.write_text = write_text
"""


@pytest.mark.render
def test_a_full_disk_while_building_exits_5_and_keeps_the_update(project):
    before = fingerprint(project)
    commentary = project / "data" / "commentary" / QUARTER / "p7.md"
    commentary.write_text(commentary.read_text() + "\n")
    result = render_patched(project, DISK_FULL_AT_MANIFEST)
    assert_plain_failure(result, 5, "manifest.json", "No space left on device", str(project / "outputs"))
    assert fingerprint(project) == before
    assert leftovers(project) == []


@pytest.mark.render
def test_a_full_disk_while_keeping_failed_notebooks_does_not_hide_the_notebook_error(project):
    before = fingerprint(project)
    add_cell(project / "notebooks" / "p7_road_safety.ipynb", 'raise ValueError("figures do not add up")')
    result = render_patched(
        project,
        """
        import errno, os, shutil
        def copytree(source, target, *args, **kwargs):
            os.makedirs(target)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(target))
        shutil.copytree = copytree
    """,
    )
    assert_plain_failure(
        result,
        3,
        "p7_road_safety.ipynb failed in code cell 4",
        "ValueError: figures do not add up",
        "could not be kept",
        "No space left on device",
    )
    assert fingerprint(project) == before
    assert not (project / "outputs" / "failed" / QUARTER).exists()


# --- 5. silent or stale; reproducible -----------------------------------------------------------


@pytest.mark.render
def test_two_renders_of_the_same_inputs_give_byte_identical_html_and_pdf(rendered_default, project):
    """Rendered again from scratch, in another folder: chart ids, the PDF's dates and
    document id come from the inputs, not from the run or where the project is."""
    result = render_cli(project, "--force")
    assert result.returncode == 0, result.stderr
    for name in ("update.html", "update.pdf"):
        again = (project / "outputs" / QUARTER / name).read_bytes()
        assert again == (rendered_default.output_dir / name).read_bytes(), name
    pdf = rendered_default.pdf.read_bytes()
    assert b"/CreationDate(D:20191001000000Z)" in pdf, "created the month the update was produced (October 2019)"


def test_every_runtime_package_is_in_the_freshness_key(monkeypatch):
    from importlib import metadata

    from crimeplan.inputs import cache

    assert {"scipy", "pandas", "numpy", "altair", "typst", "pypandoc-binary"} <= set(cache.key_packages())
    cache.environment_digest.cache_clear()
    before = cache.environment_digest()
    real = metadata.version
    monkeypatch.setattr(metadata, "version", lambda name: "0.0" if name == "scipy" else real(name))
    cache.environment_digest.cache_clear()
    try:
        assert cache.environment_digest() != before, "another scipy gives other p-values: render again"
    finally:
        monkeypatch.undo()
        cache.environment_digest.cache_clear()


def test_the_in_process_edition_sees_a_same_size_edit_that_keeps_the_time(tmp_path):
    from crimeplan.findings.edition import load_edition
    from crimeplan.periods import Quarter
    from crimeplan.project import Project

    root = copy_project(tmp_path / "project")
    project, quarter = Project(root), Quarter.parse(QUARTER)
    assert load_edition(project, quarter).catalogue["specials_headcount"].label == "Special Constable headcount"
    catalogue = root / "data" / "catalogue.yml"
    times = catalogue.stat()
    catalogue.write_text(catalogue.read_text().replace("Special Constable headcount", "Special Constable headcoun7"))
    os.utime(catalogue, ns=(times.st_atime_ns, times.st_mtime_ns))
    assert catalogue.stat().st_size == times.st_size
    assert load_edition(project, quarter).catalogue["specials_headcount"].label == "Special Constable headcoun7"


def test_a_renderer_over_its_time_bound_is_stopped():
    from crimeplan.build.render import bounded
    from crimeplan.errors import ExecutionError

    with pytest.raises(ExecutionError, match=r"^sleep did not finish within 0.5 s; it was stopped$"):
        bounded.run(["sleep", "30"], "sleep", seconds=0.5)
    over = bounded.run([sys.executable, "-c", "bytearray(2 * 1024**3)"], "python", memory=1024**3)
    assert over.returncode != 0 and "MemoryError" in over.stderr


def test_a_quarto_pass_over_its_time_bound_is_stopped(tmp_path, monkeypatch):
    from crimeplan.build.render import bounded, quarto
    from crimeplan.errors import ExecutionError

    fake = tmp_path / "bin" / "quarto"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:{os.environ['PATH']}")
    monkeypatch.setattr(bounded, "SECONDS", 0.5)
    with pytest.raises(ExecutionError, match=r"^quarto render --to crimeplan-typst did not finish within 0.5 s"):
        quarto._quarto_render(tmp_path / "update.ipynb", "crimeplan-typst")


def test_an_unexpected_error_is_one_line_without_debug(project, monkeypatch):
    from crimeplan.findings import check

    def broken(*args, **kwargs):
        raise RuntimeError("something nobody expected")

    monkeypatch.setattr(check, "check_project", broken)
    result = run_in_process(project, "check", QUARTER)
    assert result.returncode == 1
    assert "unexpected RuntimeError: something nobody expected" in result.stderr and "--debug" in result.stderr
    assert "Traceback" not in result.stderr
    with pytest.raises(RuntimeError):
        run_in_process(project, "--debug", "check", QUARTER)
