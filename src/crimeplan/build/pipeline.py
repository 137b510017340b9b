"""``crimeplan render``: check, execute what changed, render, then publish atomically.

A render builds in a private folder next to ``outputs/<quarter>/`` and replaces it only
when everything succeeded, so a failed or interrupted render leaves the previous update
exactly as it was. A lock per quarter keeps two renders of one quarter apart.

Publishing is two renames (the old update aside to ``.retired-*``, the build in its
place); a process killed between them leaves no ``outputs/<quarter>/``, so every render
first recovers (:func:`recover`): it puts the retired update back when the published
folder is missing, and removes the build and retired folders that dead renders of the
quarter left behind. The partly executed notebooks of a failed render are kept in
``outputs/failed/<quarter>/``, beside the published update, never inside it.

Renders are incremental (:mod:`crimeplan.build.freshness`): a notebook whose inputs are
unchanged since the published update is reused, not executed, and when nothing changed
the update is left untouched.
"""

from __future__ import annotations

import errno
import gc
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import FileLock, Timeout
from rich.console import Console
from rich.markup import escape

from crimeplan.build import freshness, interrupts
from crimeplan.build.render import Renderer, choose_renderer
from crimeplan.errors import CrimeplanError, InputError, LockedError, OutputError, raise_for_errors
from crimeplan.inputs.files import file_digest
from crimeplan.inputs.params import Plan, load_plan, load_quarter, missing_notebooks
from crimeplan.periods import Quarter
from crimeplan.project import Project

if TYPE_CHECKING:
    from crimeplan.build.kernels import Kernels

MANIFEST = "manifest.json"
UPDATE_FILES = ("update.html", "update.pdf")
INDEX = "index.html"  # the update folder's front page (as a web server, or `quarto preview`, serves it)
EDITION_FILE = "edition.pickle"
FAILED_DIR = "failed"  # outputs/failed/<quarter>/: the notebooks of the quarter's last failed render
# Errors that mean the output folder cannot take the update, wherever in it they happen.
FULL_OR_READ_ONLY = {errno.ENOSPC, errno.EDQUOT, errno.EROFS}


@dataclass
class RenderResult:
    quarter: Quarter
    output_dir: Path
    renderer: str
    seconds: float
    notebook_seconds: dict[str, float] = field(default_factory=dict)
    execute_seconds: float = 0.0
    up_to_date: bool = False


def notebook_paths(project: Project, plan: Plan) -> dict[Path, int | None]:
    """The update's notebooks in order (``params/plan.yml`` names them), each with its
    priority number (``None`` for front and back matter)."""
    raise_for_errors(missing_notebooks(project, plan))
    return {project.notebooks_dir / f"{name}.ipynb": number for name, number in plan.notebooks}


def render_quarter(
    project: Project, quarter: Quarter, *, jobs: int, renderer: str, console: Console,
    lock_timeout: float = -1, force: bool = False, kernels: Kernels | None = None, strict: bool = False,
) -> RenderResult:
    """Render one quarter's update into ``outputs/<quarter>/``; see the module docstring.

    ``kernels`` are shared with other quarters rendered by the same command; ``strict``
    refuses to render (an :class:`InputError`) while the checks give any warning.
    """
    if kernels is None:
        from crimeplan.build.kernels import Kernels

        with Kernels(jobs, project.notebooks_dir) as own:
            return render_quarter(project, quarter, jobs=jobs, renderer=renderer, console=console,
                                  lock_timeout=lock_timeout, force=force, kernels=own, strict=strict)
    if strict:
        _refuse_warnings(project, quarter)
    started = time.monotonic()
    chosen = choose_renderer(renderer)
    plan = load_plan(project.params_dir)
    load_quarter(project.params_dir, quarter.id)  # before the lock: no lock file for a quarter without params
    notebooks = notebook_paths(project, plan)
    parameters = notebook_parameters(project, quarter)
    drawing_long_series = {path for path, number in notebooks.items()
                           if number is not None and plan.priority(number).public_data}
    try:
        result = _render_locked(project, quarter, chosen, notebooks, parameters, lock_timeout, force, kernels,
                                console, drawing_long_series)
    except OSError as error:
        if error.errno in FULL_OR_READ_ONLY or _inside(error.filename, project.outputs_dir):
            raise OutputError.of(error, project.outputs_dir) from None
        raise
    result.seconds = time.monotonic() - started
    return result


def _render_locked(project: Project, quarter: Quarter, chosen: Renderer, notebooks: dict[Path, int | None],
                   parameters: dict[str, str], lock_timeout: float, force: bool, kernels: Kernels,
                   console: Console, drawing_long_series: set[Path]) -> RenderResult:
    """The render under the quarter's lock: recover, reuse what is fresh, build, publish."""
    project.outputs_dir.mkdir(parents=True, exist_ok=True)
    final_dir = project.outputs_dir / quarter.id
    with _quarter_lock(project, quarter, lock_timeout, console):
        recover(project, quarter, console)
        keys = freshness.notebook_keys(project, quarter, notebooks, parameters)
        previous = {} if force else _published_manifest(final_dir)
        reusable = [name for name, key in keys.items() if previous.get("inputs", {}).get(name) == key]
        if (len(reusable) == len(keys) and set(UPDATE_FILES) <= set(previous.get("files", {}))
                and previous.get("render_key") == _render_key(chosen, project, previous)):
            return RenderResult(quarter, final_dir, chosen.name, 0.0, up_to_date=True)
        to_execute = longest_first([path for path in notebooks if path.stem not in reusable],
                                   previous.get("notebook_seconds", {}), drawing_long_series)
        build_dir = Path(tempfile.mkdtemp(prefix=f".build-{quarter.id}-", dir=project.outputs_dir))
        build_dir.chmod(0o755)
        try:
            result = _build(project, quarter, chosen, notebooks, to_execute, parameters, final_dir, build_dir,
                            kernels, console)
            _write_manifest(build_dir, quarter, chosen, keys, project, result, previous)
            interrupts.stop_if_received()  # an interrupt another error hid still stops here
            _publish(build_dir, final_dir)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)
        shutil.rmtree(_failed_dir(project.outputs_dir, quarter), ignore_errors=True)  # it failed no more
    return result


def longest_first(notebooks: list[Path], seconds: dict[str, float], drawing_long_series: set[Path]) -> list[Path]:
    """``notebooks`` in the order to execute them: the longest first, so that the kernels
    finish together. By the seconds each took in the last render when all are known, else
    those ``drawing_long_series`` (public data) first, each group in the plan's order."""
    if all(path.stem in seconds for path in notebooks):
        return sorted(notebooks, key=lambda path: -seconds[path.stem])
    return sorted(notebooks, key=lambda path: path not in drawing_long_series)


def _inside(filename: str | bytes | None, folder: Path) -> bool:
    return isinstance(filename, str) and Path(filename).resolve().is_relative_to(folder.resolve())


def _failed_dir(outputs_dir: Path, quarter: Quarter) -> Path:
    return outputs_dir / FAILED_DIR / quarter.id


def recover(project: Project, quarter: Quarter, console: Console) -> None:
    """Undo what a render of ``quarter`` killed mid-way left (call under the quarter's lock).

    A retired update is put back when ``outputs/<quarter>/`` is missing (killed between
    the two renames of :func:`_publish`); other retired and build folders of the quarter
    are removed, and so are the lock files of quarters that have no params any more."""
    outputs_dir = project.outputs_dir
    final_dir = outputs_dir / quarter.id
    retired = sorted(outputs_dir.glob(f".retired-{quarter.id}-*"), key=lambda p: p.stat().st_mtime)
    if retired and not final_dir.exists():
        os.replace(retired.pop(), final_dir)
        console.log(f"Restored the previous update of {quarter} (a render was stopped while publishing)")
    for stale in [*retired, *outputs_dir.glob(f".build-{quarter.id}-*")]:
        shutil.rmtree(stale, ignore_errors=True)
    for lock_file in outputs_dir.glob(".*.lock"):
        if not (project.params_dir / f"{lock_file.name[1:].removesuffix('.lock')}.yml").exists():
            lock = FileLock(str(lock_file))
            try:
                with lock.acquire(timeout=0):
                    lock_file.unlink(missing_ok=True)
            except Timeout:
                continue




def notebook_parameters(project: Project, quarter: Quarter) -> dict[str, str]:
    """What Papermill gives every notebook's ``parameters`` cell (and what its freshness key
    includes); ``edition_file`` is added when the notebooks run. The project folder is named
    from the notebooks' folder, where the kernels run ("..", as in JupyterLab), so a project
    copied or moved elsewhere keeps its keys and its update stays up to date."""
    project_dir = os.path.relpath(project.root.resolve(), project.notebooks_dir.resolve())
    return {"quarter": quarter.id, "project_dir": project_dir}


def _build(project: Project, quarter: Quarter, renderer: Renderer, notebooks: dict[Path, int | None],
           to_execute: list[Path], parameters: dict[str, str], final_dir: Path, build_dir: Path,
           kernels: Kernels, console: Console, render: Callable | None = None) -> RenderResult:
    """Check, execute ``to_execute`` (reusing the other executed notebooks), render, write tables."""
    executed_dir = build_dir / "notebooks"
    executed_dir.mkdir()
    for path in notebooks:
        if path not in to_execute:
            shutil.copy2(final_dir / "notebooks" / path.name, executed_dir / path.name)
    reused = len(notebooks) - len(to_execute)
    console.log(f"Rendering {quarter.label}: executing {len(to_execute)} of {len(notebooks)} notebooks"
                + (f" ({reused} unchanged since the last render)" if reused else "")
                + f", {renderer.name} renderer")
    pool = kernels.get(len(to_execute)) if to_execute else None  # they warm up during the checks
    if pool is None:
        kernels.not_needed()
    edition = _checked_edition(project, quarter, console)
    gc.freeze()  # the edition and the modules live until the render ends: later collections skip them
    execute_started = time.monotonic()
    timings, execute_seconds = {}, 0.0
    if pool is not None:
        from crimeplan.findings.edition import save_for_kernels

        edition.compare_every_priority()  # once here, not in each kernel
        save_for_kernels(edition, build_dir / EDITION_FILE)
        pool.submit(to_execute, executed_dir, {**parameters, "edition_file": str(build_dir / EDITION_FILE)})
    if pool is not None:
        try:
            timings = pool.wait(console)
        except CrimeplanError:
            _keep_failed_notebooks(executed_dir, _failed_dir(project.outputs_dir, quarter), console)
            raise
        execute_seconds = time.monotonic() - execute_started
    (build_dir / EDITION_FILE).unlink(missing_ok=True)
    console.log(f"Rendering HTML and PDF ({renderer.name})")
    from crimeplan.build.render.document import CoverFacts

    cover = CoverFacts.of(edition.plan, edition.params)
    with ThreadPoolExecutor(max_workers=1) as beside:  # while Pandoc and Typst work (the kernels have finished)
        tables = beside.submit(_write_tables, edition, build_dir / "tables")
        (render or renderer.render)(project.root, [executed_dir / p.name for p in notebooks], cover, build_dir)
        tables.result()
    shutil.rmtree(build_dir / "_render", ignore_errors=True)
    _write_index(build_dir / INDEX, cover)
    return RenderResult(quarter, final_dir, renderer.name, 0.0, timings, execute_seconds)


def _write_index(path: Path, cover) -> None:
    """A front page for the update's folder that sends the reader on to ``update.html``."""
    from html import escape as html_escape

    title = html_escape(f"{cover.title} – Quarterly Update {cover.quarter_label}")
    path.write_text(
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        f"<title>{title}</title>\n"
        '<meta http-equiv="refresh" content="0; url=update.html">\n</head>\n<body>\n'
        f'<p><a href="update.html">{title}</a> (<a href="update.pdf">PDF</a>)</p>\n</body>\n</html>\n',
        encoding="utf-8")


def _checked_edition(project: Project, quarter: Quarter, console: Console):
    """The quarter's edition, after the same checks as ``crimeplan check``; warnings printed once."""
    from crimeplan.findings.check import summarised
    from crimeplan.findings.edition import load_edition

    edition = load_edition(project, quarter)
    for warning in dict.fromkeys(str(w) for w in summarised(edition.warnings)):
        console.log(f"[yellow]{escape(warning)}", highlight=False)
    return edition


def _refuse_warnings(project: Project, quarter: Quarter) -> None:
    """``--strict``: every warning of the checks stops the render, as an error would."""
    from dataclasses import replace

    from crimeplan.findings.check import summarised
    from crimeplan.findings.edition import load_edition

    warnings = summarised(load_edition(project, quarter).warnings)
    if warnings:
        listing = "\n".join(f"  - {str(w).removeprefix('warning: ')}" for w in warnings)
        raise InputError(f"{len(warnings)} warning(s), which --strict makes errors; nothing was rendered:\n{listing}",
                         problems=[replace(w, severity="error") for w in warnings])


class _quarter_lock:
    """The per-quarter lock: wait for another render (``lock_timeout`` < 0: for ever), or fail."""

    def __init__(self, project: Project, quarter: Quarter, lock_timeout: float, console: Console) -> None:
        self.lock = FileLock(str(project.outputs_dir / f".{quarter.id}.lock"))
        self.quarter, self.timeout, self.console = quarter, lock_timeout, console

    def __enter__(self) -> None:
        try:
            self.lock.acquire(timeout=0)
            return
        except Timeout:
            if self.timeout == 0:
                raise LockedError(f"another render of {self.quarter} is running (lock {self.lock.lock_file})") from None
        self.console.log(f"Another render of {self.quarter} is running; waiting for it to finish…")
        try:
            self.lock.acquire(timeout=self.timeout)
        except Timeout:
            raise LockedError(f"another render of {self.quarter} is still running (lock {self.lock.lock_file})") from None

    def __exit__(self, *exc_info) -> None:
        self.lock.release()


def _published_manifest(final_dir: Path) -> dict:
    """The published update's manifest, if the update is complete and unaltered (else ``{}``)."""
    try:
        manifest = json.loads((final_dir / MANIFEST).read_text(encoding="utf-8"))
        intact = all(file_digest(final_dir / name) == digest for name, digest in manifest["files"].items())
    except (OSError, ValueError, KeyError, TypeError):
        return {}
    return manifest if intact else {}


def _render_key(renderer: Renderer, project: Project, manifest: dict) -> str | None:
    files = manifest.get("files", {})
    digests = {name: digest for name, digest in files.items() if name.startswith("notebooks/")}
    return freshness.render_key(renderer.name, renderer.files_of(project.root), project, digests)


def _keep_failed_notebooks(executed_dir: Path, failed_dir: Path, console: Console) -> None:
    """Keep the partly executed notebooks for debugging, beside the untouched update; a
    failure to keep them (a full disk) is said, and never hides the render's own error."""
    shutil.rmtree(failed_dir, ignore_errors=True)
    try:
        shutil.copytree(executed_dir, failed_dir)
    except (OSError, shutil.Error) as error:
        shutil.rmtree(failed_dir, ignore_errors=True)
        reason = error.strerror if isinstance(error, OSError) and error.strerror else "could not copy them"
        console.log(f"[yellow]The partly executed notebooks could not be kept in {escape(str(failed_dir))}: "
                    f"{escape(str(reason))}", highlight=False)
        return
    console.log(f"Partly executed notebooks kept in {escape(str(failed_dir))}", highlight=False)


def _write_tables(edition, tables_dir: Path) -> None:
    """Each priority's performance table and the summary's scorecard as CSV (the same
    files the HTML offers for download)."""
    from crimeplan.sections import scorecard, summary
    from crimeplan.sections.downloads import write_csv
    from crimeplan.sections.priority import PriorityReport

    tables_dir.mkdir()
    for report in PriorityReport.all(edition):
        write_csv(report.performance_records(), tables_dir / f"{report.priority.notebook}_performance.csv")
    write_csv(summary.Summary.of(edition).scorecard.records(), tables_dir / scorecard.SCORECARD_CSV)


def _write_manifest(build_dir: Path, quarter: Quarter, renderer: Renderer, keys: dict[str, str],
                    project: Project, result: RenderResult, previous: dict) -> None:
    files = sorted(p for p in build_dir.rglob("*") if p.is_file())
    digests = {str(p.relative_to(build_dir)): file_digest(p) for p in files}
    notebook_digests = {name: digest for name, digest in digests.items() if name.startswith("notebooks/")}
    seconds = dict(previous.get("notebook_seconds", {})) | {name: round(s, 2) for name, s in result.notebook_seconds.items()}
    manifest = {
        "quarter": quarter.id,
        "renderer": renderer.name,
        "rendered_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "executed": sorted(result.notebook_seconds),
        "notebook_seconds": {name: seconds[name] for name in sorted(keys) if name in seconds},
        "inputs": keys,
        "render_key": freshness.render_key(renderer.name, renderer.files_of(project.root), project, notebook_digests),
        "files": digests,
    }
    (build_dir / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _publish(build_dir: Path, final_dir: Path, between_renames: Callable[[], None] = lambda: None) -> None:
    """Swap the finished build in for the previous update (two renames, no copying).

    ``between_renames`` runs after the first: the tests kill the process there, and
    :func:`recover` puts the previous update back on the next render."""
    retired = None
    if final_dir.exists():
        retired = final_dir.with_name(f".retired-{final_dir.name}-{os.getpid()}")
        os.replace(final_dir, retired)
    between_renames()
    os.replace(build_dir, final_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
