"""``crimeplan render``: validate, execute, render, then publish atomically.

A render builds in a private folder next to ``outputs/<quarter>/`` and replaces it only
when everything succeeded, so a failed or interrupted render leaves the previous update
exactly as it was. A lock per quarter keeps two renders of one quarter apart.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from filelock import FileLock, Timeout
from rich.console import Console

from crimeplan.errors import CrimeplanError, InputError, LockedError
from crimeplan.execute import execute_notebooks
from crimeplan.params import Plan, load_plan, load_quarter
from crimeplan.render.builtin import render_builtin
from crimeplan.render.document import CoverFacts
from crimeplan.render.quarto import quarto_available, render_quarto

RENDERERS = ("auto", "quarto", "builtin")


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live (all relative to its root)."""

    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    def notebooks(self, plan: Plan) -> list[Path]:
        paths = [self.notebooks_dir / f"{p.notebook}.ipynb" for p in plan.priorities]
        missing = [str(p) for p in paths if not p.is_file()]
        if missing:
            raise InputError(f"notebook(s) named in params/plan.yml not found: {', '.join(missing)}")
        return paths


@dataclass
class RenderResult:
    quarter: str
    output_dir: Path
    renderer: str
    seconds: float
    execute_seconds: float


def choose_renderer(requested: str) -> str:
    if requested == "quarto" and not quarto_available():
        raise InputError("--renderer quarto: the `quarto` command is not on PATH (install Quarto >= 1.5)")
    if requested == "auto":
        return "quarto" if quarto_available() else "builtin"
    return requested


def render_quarter(
    project: Project, quarter_id: str, *, jobs: int, renderer: str, console: Console, lock_timeout: float = -1
) -> RenderResult:
    """Render one quarter's update into ``outputs/<quarter>/``; see module docstring."""
    from crimeplan.check import check_project  # the same checks as `crimeplan check`

    started = time.monotonic()
    params = load_quarter(project.params_dir, quarter_id)
    quarter = params.quarter
    plan = load_plan(project.params_dir)
    check_project(project, quarter).raise_for_errors(console)
    notebooks = project.notebooks(plan)
    renderer = choose_renderer(renderer)

    project.outputs_dir.mkdir(parents=True, exist_ok=True)
    final_dir = project.outputs_dir / quarter
    lock = FileLock(str(project.outputs_dir / f".{quarter}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if lock_timeout == 0:
            raise LockedError(f"another render of {quarter} is running (lock {lock.lock_file})") from None
        console.log(f"Another render of {quarter} is running; waiting for it to finish…")
        try:
            lock.acquire(timeout=lock_timeout)
        except Timeout:
            raise LockedError(f"another render of {quarter} is still running (lock {lock.lock_file})") from None
    build_dir = Path(tempfile.mkdtemp(prefix=f".build-{quarter}-", dir=project.outputs_dir))
    build_dir.chmod(0o755)
    try:
        console.log(f"Rendering {params.period.label} with {len(notebooks)} notebooks ({renderer} renderer)")
        execute_started = time.monotonic()
        try:
            timings = execute_notebooks(
                notebooks,
                build_dir / "notebooks",
                {"quarter": quarter, "data_dir": str(project.data_dir.resolve()),
                 "params_dir": str(project.params_dir.resolve())},
                jobs=jobs,
                console=console,
            )
        except CrimeplanError:
            _keep_failed_notebooks(build_dir / "notebooks", final_dir / "failed", console)
            raise
        execute_seconds = time.monotonic() - execute_started
        executed = [build_dir / "notebooks" / p.name for p in notebooks]
        console.log(f"Rendering HTML and PDF ({renderer})")
        _write_tables(project, quarter, build_dir / "tables")
        cover = CoverFacts.of(plan, params)
        if renderer == "quarto":
            render_quarto(project.root, executed, cover, build_dir)
        else:
            render_builtin(executed, cover, build_dir)
        for leftover in build_dir.glob("notebooks/*.log"):
            leftover.unlink()
        shutil.rmtree(build_dir / "_render", ignore_errors=True)
        _write_manifest(build_dir, quarter, renderer, timings)
        _publish(build_dir, final_dir)
    finally:
        shutil.rmtree(build_dir, ignore_errors=True)
        lock.release()
    seconds = time.monotonic() - started
    return RenderResult(quarter, final_dir, renderer, seconds, execute_seconds)


def _keep_failed_notebooks(executed_dir: Path, failed_dir: Path, console: Console) -> None:
    """Keep the partly executed notebooks for debugging, beside the untouched update."""
    if not executed_dir.is_dir():
        return
    shutil.rmtree(failed_dir, ignore_errors=True)
    shutil.copytree(executed_dir, failed_dir)
    console.log(f"Partly executed notebooks kept in {failed_dir}")


def _write_tables(project: Project, quarter: str, tables_dir: Path) -> None:
    """Each priority's performance table as CSV, for reviewers checking figures."""
    from crimeplan.report import PriorityReport

    tables_dir.mkdir()
    for report in PriorityReport.load_all(quarter, project.data_dir, project.params_dir):
        report.performance_records().to_csv(tables_dir / f"{report.priority.notebook}_performance.csv", index=False)


def _write_manifest(build_dir: Path, quarter: str, renderer: str, timings: dict[str, float]) -> None:
    files = sorted(p for p in build_dir.rglob("*") if p.is_file())
    manifest = {
        "quarter": quarter,
        "renderer": renderer,
        "rendered_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "notebook_seconds": {name: round(s, 2) for name, s in sorted(timings.items())},
        "files": {
            str(p.relative_to(build_dir)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files
        },
    }
    (build_dir / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")


def _publish(build_dir: Path, final_dir: Path) -> None:
    """Swap the finished build in for the previous update (two renames, no copying)."""
    retired = None
    if final_dir.exists():
        retired = final_dir.with_name(f".retired-{final_dir.name}-{os.getpid()}")
        os.replace(final_dir, retired)
    os.replace(build_dir, final_dir)
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
