"""Executing the priority notebooks with Papermill, several at once, with progress."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import psutil
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from crimeplan.errors import ExecutionError

KERNEL = "python3"
GRACE_SECONDS = 10


@dataclass
class NotebookRun:
    """One notebook's Papermill process and, once finished, its outcome."""

    source: Path
    output: Path
    process: subprocess.Popen | None = None
    started: float = 0.0
    seconds: float = 0.0
    stderr_path: Path | None = None
    kernel_pids: set[int] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.source.stem


def execute_notebooks(
    sources: list[Path],
    output_dir: Path,
    parameters: dict[str, str],
    jobs: int,
    console: Console,
) -> dict[str, float]:
    """Run each notebook into ``output_dir`` with ``parameters``, ``jobs`` at a time.

    Returns seconds per notebook. The first failure stops the rest and raises
    :class:`ExecutionError` naming the notebook, cell and exception. Interrupts (Ctrl-C,
    SIGTERM) stop every Papermill process and kernel before propagating.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    pending = [NotebookRun(s, output_dir / s.name) for s in sources]
    running: list[NotebookRun] = []
    timings: dict[str, float] = {}
    progress = Progress(
        TextColumn("[bold]Executing notebooks"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
    )
    try:
        with progress:
            task = progress.add_task("", total=len(pending))
            while pending or running:
                while pending and len(running) < max(1, jobs):
                    run = pending.pop(0)
                    _start(run, parameters)
                    running.append(run)
                progress.update(task, description=", ".join(r.name for r in running))
                time.sleep(0.2)
                for run in [r for r in running if r.process.poll() is not None]:
                    running.remove(run)
                    run.seconds = time.monotonic() - run.started
                    if run.process.returncode != 0:
                        raise ExecutionError(_failure_message(run))
                    timings[run.name] = run.seconds
                    progress.advance(task)
                    console.log(f"[green]✓[/] {run.name} ({run.seconds:.1f} s)")
                for run in running:
                    _note_kernels(run)
    except BaseException:
        for run in running:
            _stop(run)
        raise
    return timings


def _start(run: NotebookRun, parameters: dict[str, str]) -> None:
    command = [
        sys.executable, "-m", "papermill", str(run.source), str(run.output),
        "--kernel", KERNEL, "--cwd", str(run.source.parent), "--no-progress-bar",
        "--log-level", "ERROR",
    ]
    for name, value in parameters.items():
        command += ["-p", name, value]
    run.stderr_path = run.output.with_suffix(".log")
    run.started = time.monotonic()
    run.process = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=run.stderr_path.open("wb"),
        start_new_session=True,  # Ctrl-C reaches us; we stop children in order
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def _note_kernels(run: NotebookRun) -> None:
    """Remember the kernel processes Papermill started (they run in their own sessions)."""
    try:
        run.kernel_pids |= {c.pid for c in psutil.Process(run.process.pid).children(recursive=True)}
    except psutil.NoSuchProcess:
        pass


def _stop(run: NotebookRun) -> None:
    """Interrupt Papermill (it shuts its kernel down), then kill whatever is left."""
    _note_kernels(run)
    if run.process.poll() is None:
        run.process.send_signal(signal.SIGINT)
        try:
            run.process.wait(GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            run.process.kill()
            run.process.wait()
    for pid in run.kernel_pids:
        try:
            psutil.Process(pid).kill()
        except psutil.NoSuchProcess:
            pass


def _failure_message(run: NotebookRun) -> str:
    """Name the notebook, the failing cell and the exception, from the executed copy."""
    where = f"notebook {run.source.name}"
    try:
        notebook = nbformat.read(run.output, as_version=4)
    except (OSError, ValueError):
        notebook = None
    if notebook is not None:
        code_cells = [
            c for c in notebook.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
        ]
        for number, cell in enumerate(code_cells, start=1):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                    return (
                        f"{where} failed in code cell {number} ({first_line!r}): "
                        f"{output.ename}: {output.evalue}"
                    )
    log = run.stderr_path.read_text(errors="replace").strip().splitlines() if run.stderr_path else []
    tail = "\n".join(log[-15:]) or "no output"
    return f"{where} failed before executing its cells (papermill exit {run.process.returncode}):\n{tail}"
