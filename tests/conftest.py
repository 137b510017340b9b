"""Shared fixtures: project copies in temporary folders and rendered updates.

Rendering runs the real pipeline (Papermill kernels, Pandoc, Typst), so rendered
updates are made once per test run and shared by every xdist worker's tests that read them.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
from filelock import FileLock

import crimeplan  # noqa: F401  # before any test module imports Altair: jsonschema's slow grammar is skipped
import pdf_text

REPO = Path(__file__).resolve().parents[1]
# The raw public data beside the repository; CRIMEPLAN_SHARED_DATA points elsewhere (e.g. from a worktree).
SHARED_DATA = Path(os.environ.get("CRIMEPLAN_SHARED_DATA") or REPO.parent / "shared" / "data")
# The Quarto project (_quarto.yml, its profiles and the extension) and git's files come along,
# so that a copy renders with `quarto render` and can be a git repository of its own.
PROJECT_PARTS = ("_quarto.yml", "_extensions", ".gitignore", ".gitattributes", "params", "data", "notebooks")
CHROMIUM = Path("/usr/bin/chromium")
# A render in the suite runs its notebooks on one kernel (--jobs 1) unless the test asks for
# more: the two workers keep both cores busy already, and each kernel more costs its start-up
# (about 0.8 s of CPU). The shared renders the document tests read, and the interrupt tests,
# use two kernels, as on a user's two-core machine.
os.environ.setdefault("CRIMEPLAN_JOBS", "1")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]


def shown(markdown) -> str:
    """Markdown (or a displayed ``Markdown`` object) as its text reads: every character the
    library escaped (crimeplan.markup.text) without its backslash."""
    return re.sub(r"\\(.)", r"\1", getattr(markdown, "data", markdown))


def copy_project(destination: Path) -> Path:
    """A copy of this project's inputs (no outputs) that a test may change freely."""
    destination.mkdir(parents=True, exist_ok=True)
    for profile in REPO.glob("_quarto-*.yml"):
        shutil.copy(profile, destination / profile.name)
    for part in PROJECT_PARTS:
        source = REPO / part
        if source.is_dir():
            shutil.copytree(source, destination / part)
        else:
            shutil.copy(source, destination / part)
    return destination


def run_cli(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """Run ``crimeplan --root ROOT ARGS...`` as a user would; output captured as text."""
    return subprocess.run(
        [sys.executable, "-m", "crimeplan", "--root", str(root), *args],
        capture_output=True, text=True, timeout=timeout,
    )


def run_in_process(root: Path, *args: str) -> subprocess.CompletedProcess:
    """``crimeplan --root ROOT ARGS...`` run in the test's own process (no interpreter to
    start, the library already imported), its exit code and output as :func:`run_cli` gives
    them. For commands that end before notebooks run (refusals, check, init, ingest): kills
    and signals need a process of their own, so their tests use :func:`run_cli`."""
    from crimeplan import cli
    from crimeplan.build import interrupts

    out, err = io.StringIO(), io.StringIO()
    # pytest keeps its own signal handlers
    with mock.patch.object(interrupts, "install", lambda: None), redirect_stdout(out), redirect_stderr(err):
        try:
            code = cli.main(["--root", str(root), *args])
        except SystemExit as exit_:  # argparse refusing the arguments, as the command line would
            code = exit_.code if isinstance(exit_.code, int) else 1
    return subprocess.CompletedProcess(["crimeplan", "--root", str(root), *args], code, out.getvalue(), err.getvalue())


@dataclass(frozen=True)
class Rendered:
    root: Path
    quarter: str
    result: subprocess.CompletedProcess

    @property
    def output_dir(self) -> Path:
        return self.root / "outputs" / self.quarter

    @property
    def html(self) -> Path:
        return self.output_dir / "update.html"

    @property
    def pdf(self) -> Path:
        return self.output_dir / "update.pdf"


def printed(cell) -> str:
    """What a code cell printed (a kernel under load may send one print in several parts)."""
    return "".join(output.get("text", "") for output in cell.outputs if output["output_type"] == "stream")


def render(root: Path, quarter: str, *extra: str) -> Rendered:
    result = run_cli(root, "render", quarter, *extra)
    assert result.returncode == 0, f"render {quarter} failed:\n{result.stderr}"
    return Rendered(root, quarter, result)


VALID_DATA = Path(__file__).parent / "fixtures" / "check" / "valid" / "data"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A copy of the valid fixture project's data/ folder."""
    root = tmp_path / "data"
    shutil.copytree(VALID_DATA, root)
    return root


def write_measures(data_dir: Path, text: str, name: str = "fixture.csv") -> Path:
    """Write ``text`` as the measures file ``name`` in ``data_dir``."""
    path = data_dir / "measures" / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def run_dir(tmp_path_factory) -> Path:
    """A folder every pytest-xdist worker of this test run shares (the session's own without xdist)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


@pytest.fixture(scope="session", autouse=True)
def _pdf_pages_parsed_once(run_dir) -> None:
    """Every worker loads the pages of a PDF another has parsed (tests/pdf_text.py)."""
    pdf_text.PARSED_PAGES_DIR = run_dir / "pdf-pages"


def shared_render(run_dir: Path, name: str, make: Callable[[Path], Rendered]) -> Rendered:
    """What ``make(folder)`` renders, made once for the whole test run by whichever worker
    asks first (the others wait for it and read the same files). For reading only: a test
    that changes a project works on a copy of its own."""
    folder = run_dir / name
    with FileLock(str(run_dir / f"{name}.lock")):
        done = folder / "render.json"
        if not done.exists():
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            made = make(folder)
            done.write_text(json.dumps({"root": str(made.root), "quarter": made.quarter, "args": made.result.args,
                                        "stdout": made.result.stdout, "stderr": made.result.stderr}))
        saved = json.loads(done.read_text())
    result = subprocess.CompletedProcess(saved["args"], 0, saved["stdout"], saved["stderr"])
    return Rendered(Path(saved["root"]), saved["quarter"], result)


def shipped_render(quarter: str) -> Callable[[Path], Rendered]:
    """How :func:`shared_render` makes the shipped project's ``quarter`` with the built-in renderer."""
    return lambda folder: render(copy_project(folder / "project"), quarter, "--renderer", "builtin",
                                 "--jobs", "2")


@pytest.fixture(scope="session")
def rendered_default(run_dir) -> Rendered:
    """The shipped project's 2019/20 Q2 update, rendered with the built-in renderer."""
    return shared_render(run_dir, "default", shipped_render("2019-20-Q2"))


@pytest.fixture(scope="session")
def rendered_previous_year(run_dir) -> Rendered:
    return shared_render(run_dir, "previous", shipped_render("2018-19-Q2"))


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium, driven by Playwright, for the whole test session."""
    if not CHROMIUM.exists():
        pytest.skip("Debian's chromium is not installed at /usr/bin/chromium (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def page_opener(browser, rendered: Rendered, charts: int):
    """A function that opens ``rendered``'s HTML at a viewport width once its ``charts``
    charts are drawn; yields it, then closes the pages it opened (for module fixtures).
    Tests that only read a page share the one opened at their width; ``fresh=True`` opens
    one of its own (for a test that moves the focus)."""
    pages: dict[int | tuple[int, int], Any] = {}

    def open_page(width: int, fresh: bool = False):
        key = (width, len(pages)) if fresh else width
        if key not in pages:
            page = pages[key] = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(rendered.html.as_uri())
            page.locator("figure.crimeplan-chart svg.marks").nth(charts - 1).wait_for(state="attached", timeout=30_000)
            page.evaluate("document.fonts.ready")
        return pages[key]

    yield open_page
    for page in pages.values():
        page.close()


# Test modules that run the CLI, notebook kernels, a renderer or a browser: `make test-fast`
# (-m "not e2e") runs the rest, the unit tests of the library.
E2E_MODULES = frozenset({
    "test_accessibility", "test_any_force", "test_browser", "test_bulletin_layout", "test_check", "test_cli",
    "test_failures", "test_faults", "test_incremental", "test_init", "test_kernels", "test_lab", "test_new_quarter",
    "test_no_markup_injection",
    "test_notebooks", "test_quarto", "test_render", "test_reviewer_render", "test_silent_slips",
    "test_update_figures",
})


# Test modules whose tests may each run on any xdist worker, as they read shared renders
# only; a test class there keeps its tests on one worker (its class fixtures are made once).
# Every other module keeps its tests on one worker (its module fixtures are made once).
SPREAD_MODULES = frozenset({"test_quarto"})
# Handed out first: the scopes whose tests are one long chain on a worker (Quarto's root
# render, profile, preview and lab, about a minute and a half), so that the other worker
# runs the rest beside it instead of waiting for it at the end. The others go largest first.
LONGEST_SCOPES = ("tests/test_quarto.py::TestTheQuartoProject",)


def scheduling_scope(nodeid: str) -> str:
    """The unit of work a worker takes whole: a module, or in SPREAD_MODULES a test class or test."""
    module, _, rest = nodeid.partition("::")
    if Path(module).stem not in SPREAD_MODULES:
        return module
    return f"{module}::{rest.split('::')[0]}" if "::" in rest else nodeid


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.stem in E2E_MODULES or item.get_closest_marker("render"):
            item.add_marker(pytest.mark.e2e)
    if config.pluginmanager.hasplugin("xdist"):
        scopes = {item.nodeid: scheduling_scope(item.nodeid) for item in items}
        sizes = Counter(scopes.values())
        items.sort(key=lambda item: (scopes[item.nodeid] not in LONGEST_SCOPES,
                                     -sizes[scopes[item.nodeid]]))  # stable: in file order within


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("xdist"):
        config.option.loadscopereorder = False  # the order is pytest_collection_modifyitems'
        config.pluginmanager.register(_Scheduling())


class _Scheduling:
    """How ``make test`` (``-n 2``) hands tests to its pytest-xdist workers: see SPREAD_MODULES
    and LONGEST_SCOPES."""

    @pytest.hookimpl(tryfirst=True)
    def pytest_xdist_make_scheduler(self, config, log):
        from xdist.scheduler import LoadScopeScheduling

        class ByModule(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                return scheduling_scope(nodeid)

        return ByModule(config, log)
