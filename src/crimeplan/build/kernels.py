"""Executing the priority notebooks with Papermill on a small pool of warm kernels.

Each kernel is started once per render, while the render is still checking its inputs:
forked, on Linux, from one process that imported pandas, Altair and ``crimeplan`` for
them all (:mod:`crimeplan.build.zygote`). The edition the render loaded reaches the
notebooks as a parameter, ``edition_file`` (:func:`crimeplan.findings.edition.notebook_edition`),
so no notebook reads the data again.
Papermill runs each notebook in-process through its Python API on one of these kernels
(parameters injected into the tagged cell, Papermill's metadata in the executed copy),
after the kernel's namespace is reset: nothing one priority defines is visible to the
next. Interrupts and failures stop every kernel before they propagate. A cell that runs
longer than the cell timeout stops the render, naming the notebook and the cell.
"""

from __future__ import annotations

import logging
import os
import queue
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
)

from crimeplan.build import interrupts
from crimeplan.build.zygote import (
    KERNEL_MODULES,
    KERNEL_OPTIONS,
    Zygote,
    forked_kernel_manager,
    kernel_environment,
    start_zygote,
)
from crimeplan.errors import ExecutionError

KERNEL = "python3"
STARTUP_SECONDS = 120
SOCKETS_PREFIX = "crimeplan-"  # the kernels' local sockets: <temp>/crimeplan-<render pid>-<thread>-<n>
# Run by each kernel before its first notebook.
WARM_UP = (
    f"import {', '.join(KERNEL_MODULES)}, crimeplan.sections.vega\n"
    "crimeplan.sections.vega.start_drawing_for_a_first_render()\n"
    "import gc\n"
    "gc.freeze()  # the modules stay: each collection (every RESET makes one) skips their objects\n"
)
# Before each notebook: a clean namespace, chart ids numbered as in a fresh kernel, and the
# kernel's own folder (the notebooks', which the ``project_dir`` parameter is relative to).
RESET = (
    "get_ipython().reset(new_session=True, aggressive=False)\n"
    "from crimeplan.sections.charts import forget_drawn_charts\n"
    "forget_drawn_charts()\n"
    "del forget_drawn_charts\n"
    "__import__('os').chdir({folder!r})\n"
)
WARM_ENGINE = "crimeplan-warm-kernel"


@dataclass
class _Kernel:
    """One warm kernel and its client, owned by one worker thread (their event loop lives there)."""

    manager: Any = None
    client: Any = None
    pid: int | None = None
    ready: bool = False  # its kernel started and warmed up: the thread now serves notebooks


@dataclass
class KernelPool:
    """``size`` kernels started at once in the background, each serving notebooks in turn.

    Use as a context manager: leaving it (normally, on an error or on Ctrl-C) shuts every
    kernel down, killing any that do not stop.
    """

    size: int
    cwd: Path
    cell_timeout: float | None = None  # seconds a cell may run (None: no limit)
    kernels: list[_Kernel] = field(default_factory=list)
    _work: queue.Queue = field(default_factory=queue.Queue)
    _done: queue.Queue = field(default_factory=queue.Queue)
    _threads: list[threading.Thread] = field(default_factory=list)
    _outstanding: int = 0
    zygote: Zygote | None = None  # the process the kernels are forked from, if the caller started it
    _own_zygote: bool = False

    def __enter__(self) -> KernelPool:
        logging.getLogger("papermill").setLevel(logging.CRITICAL)  # failures are reported as ExecutionError
        remove_stale_sockets()
        if self.zygote is None:
            self.zygote = start_zygote(self.cwd)
            self._own_zygote = True
        for number in range(self.size):
            kernel = _Kernel()
            self.kernels.append(kernel)
            thread = threading.Thread(target=self._serve, args=(kernel,), name=f"kernel-{number + 1}", daemon=True)
            self._threads.append(thread)
            thread.start()
        _register_warm_engine()  # Papermill's import while the kernels start; no notebook is submitted before
        return self

    def __exit__(self, *exc_info) -> None:
        for _ in self._threads:
            self._work.put(None)
        self.kill()  # the kernels hold nothing worth a graceful shutdown
        if self._own_zygote and self.zygote is not None:
            self.zygote.stop()
        for thread, kernel in zip(self._threads, self.kernels):
            if kernel.ready:  # one still starting its kernel waits for an answer that no longer comes
                thread.join(0.5)

    def kill(self) -> None:
        """Kill every kernel process that is still running and remove its connection file."""
        import psutil

        for kernel in self.kernels:
            if kernel.pid is not None:
                try:
                    process = psutil.Process(kernel.pid)
                    for child in process.children(recursive=True):
                        child.kill()
                    process.kill()
                except psutil.NoSuchProcess:
                    pass
            if kernel.manager is not None:
                try:
                    kernel.manager.cleanup_connection_file()
                    kernel.manager.cleanup_ipc_files()
                except OSError:
                    pass

    def submit(self, sources: list[Path], output_dir: Path, parameters: dict[str, str]) -> None:
        """Queue each notebook to run into ``output_dir`` with ``parameters``; :meth:`wait` for them."""
        output_dir.mkdir(parents=True, exist_ok=True)
        self._outstanding += len(sources)
        for source in sources:
            self._work.put((source, output_dir / source.name, parameters))

    def wait(self, console: Console) -> dict[str, float]:
        """Show progress until every submitted notebook ran; return seconds per notebook.

        The first failure stops the rest and raises :class:`ExecutionError` naming the
        notebook, cell and exception.
        """
        timings: dict[str, float] = {}
        running: dict[str, float] = {}
        progress = Progress(
            TextColumn("[bold]Executing notebooks"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
            TextColumn("{task.description}"), console=console, transient=True,
        )
        with progress:
            task = progress.add_task("starting kernels", total=self._outstanding)
            while self._outstanding:
                interrupts.stop_if_received()
                try:
                    event, name, detail = self._done.get(timeout=0.2)
                except queue.Empty:
                    continue
                if event == "started":
                    running[name] = time.monotonic()
                elif event == "finished":
                    self._outstanding -= 1
                    timings[name] = time.monotonic() - running.pop(name)
                    progress.advance(task)
                    console.log(f"[green]✓[/] {name} ({timings[name]:.1f} s)")
                else:
                    raise ExecutionError(detail)
                progress.update(task, description=", ".join(running))
        return timings

    # --- in each worker thread -----------------------------------------------------------

    def _serve(self, kernel: _Kernel) -> None:
        try:
            self._start(kernel)
        except Exception as error:  # reported to the main thread, which raises it
            self._done.put(("failed", "kernel", f"a notebook kernel did not start: {error}"))
            return
        while (job := self._work.get()) is not None:
            source, output, parameters = job
            self._done.put(("started", source.stem, None))
            try:
                self._run(kernel, source, output, parameters)
            except Exception as error:
                self._done.put(("failed", source.stem, failure_message(source, output, error, self.cell_timeout)))
                return
            self._done.put(("finished", source.stem, None))

    def _start(self, kernel: _Kernel) -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        # Local sockets, not TCP, named by an absolute path (the kernel runs in another folder).
        sockets = Path(tempfile.gettempdir()) / f"{SOCKETS_PREFIX}{os.getpid()}-{threading.current_thread().name}"
        options = {"kernel_name": KERNEL, "transport": "ipc", "ip": str(sockets)}
        manager = (AsyncKernelManager(**options) if self.zygote is None
                   else forked_kernel_manager(self.zygote, **options))
        kernel.manager = manager
        run_sync(manager.start_kernel)(cwd=str(self.cwd), env=kernel_environment(),
                                       extra_arguments=list(KERNEL_OPTIONS))
        kernel.pid = manager.provisioner.pid  # type: ignore[union-attr]  # the local provisioner just started
        kernel.client = manager.client()
        kernel.client.start_channels()
        _wait_for_ready(kernel.client)
        _run_code(kernel, WARM_UP)
        kernel.ready = True

    def _run(self, kernel: _Kernel, source: Path, output: Path, parameters: dict[str, str]) -> None:
        import papermill

        _run_code(kernel, RESET.format(folder=str(self.cwd)))
        papermill.execute_notebook(
            str(source), str(output), parameters=parameters, kernel_name=KERNEL, engine_name=WARM_ENGINE,
            km=kernel.manager, kc=kernel.client, progress_bar=False, log_output=False,
            request_save_on_cell_execute=False, execution_timeout=self.cell_timeout, partial_output=output,
        )


class Kernels:
    """The warm kernels of one command, shared by the quarters it renders and started
    when a quarter first has notebooks to execute (so an up-to-date render starts none).
    The process they are forked from (:mod:`crimeplan.build.zygote`) starts at once, before
    the render's own imports: its imports, the longest, overlap them, the reading of the
    plan and the freshness check."""

    def __init__(self, jobs: int, notebooks_dir: Path, cell_timeout: float | None = None) -> None:
        self.jobs, self.notebooks_dir, self.cell_timeout = max(1, jobs), notebooks_dir, cell_timeout
        self.pool: KernelPool | None = None
        self.zygote: Zygote | None = None

    def get(self, notebooks: int):
        if self.pool is None:
            self.pool = KernelPool(min(self.jobs, notebooks), self.notebooks_dir, cell_timeout=self.cell_timeout,
                                   zygote=self.zygote).__enter__()
        return self.pool

    def not_needed(self) -> None:
        """A quarter with nothing to execute: the process kernels would be forked from stops
        importing (its CPU is the renderer's); a later quarter's pool starts its own."""
        if self.pool is None and self.zygote is not None:
            self.zygote.stop()
            self.zygote = None

    def __enter__(self) -> Kernels:
        # Without a notebooks folder the render stops, naming the notebooks, before any kernel.
        self.zygote = start_zygote(self.notebooks_dir) if self.notebooks_dir.is_dir() else None
        return self

    def __exit__(self, *exc_info) -> None:
        if self.pool is not None:
            self.pool.__exit__(*exc_info)
        if self.zygote is not None:
            self.zygote.stop()


def remove_stale_sockets() -> None:
    """Remove the kernel sockets that renders which were killed (so never cleaned up) left."""
    import psutil

    for path in Path(tempfile.gettempdir()).glob(f"{SOCKETS_PREFIX}*"):
        pid = path.name.removeprefix(SOCKETS_PREFIX).split("-", 1)[0]
        if pid.isdigit() and not psutil.pid_exists(int(pid)) and path.is_socket():
            path.unlink(missing_ok=True)


def _wait_for_ready(client) -> None:
    """Return once the kernel answers on its shell channel and its IOPub messages reach
    ``client`` (the checks of jupyter_client's ``wait_for_ready``, without its last 0.2 s of
    waiting for IOPub to fall silent: a notebook's client skips messages not its own)."""
    from jupyter_core.utils import run_sync

    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        client.kernel_info()
        try:
            if run_sync(client.get_shell_msg)(timeout=1)["msg_type"] == "kernel_info_reply":
                run_sync(client.get_iopub_msg)(timeout=0.2)
                return
        except queue.Empty:
            pass
        if not run_sync(client.is_alive)():
            raise RuntimeError("the kernel stopped before it answered")
    raise RuntimeError(f"the kernel did not answer in {STARTUP_SECONDS} s")


def _run_code(kernel: _Kernel, code: str) -> None:
    """Run ``code`` silently in ``kernel``, waiting for its reply only; raise if it fails.

    Only the shell channel is read: the IOPub messages the code causes are left to the
    next notebook's client, which skips messages that are not its own.
    """
    from jupyter_core.utils import run_sync

    message_id = kernel.client.execute(code, silent=True, store_history=False)
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        reply = run_sync(kernel.client.get_shell_msg)(timeout=max(0.0, deadline - time.monotonic()))
        if reply["parent_header"].get("msg_id") == message_id:
            break
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"{content.get('ename')}: {content.get('evalue')}")


def _register_warm_engine() -> None:
    """A Papermill engine that executes on a kernel and client that are already running."""
    import nbformat
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import NBClientEngine, papermill_engines

    class WarmClient(PapermillNotebookClient):
        def __init__(self, nb_man, kc=None, **kw):
            super().__init__(nb_man, **kw)
            self.kc = kc  # nbclient keeps a client it did not start (and a kernel it does not own)

    class WarmKernelEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                     stderr_file=None, start_timeout=60, execution_timeout=None,
                                     km=None, kc=None, *, partial_output, **kwargs):
            try:
                return WarmClient(
                    nb_man, km=km, kc=kc, kernel_name=kernel_name, timeout=execution_timeout,
                    startup_timeout=start_timeout, log=logging.getLogger("papermill"), log_output=log_output,
                    stdout_file=stdout_file, stderr_file=stderr_file,
                ).execute()
            except Exception:
                # A timeout or a dead kernel: Papermill writes nothing, so the notebook as far
                # as it ran is written here (the cells that started carry a start time).
                nbformat.write(nb_man.nb, partial_output)
                raise

    papermill_engines.register(WARM_ENGINE, WarmKernelEngine)


def failure_message(source: Path, output: Path, error: Exception, cell_timeout: float | None = None) -> str:
    """Name the notebook, the failing code cell and what went wrong, from the executed copy:
    the cell with an error output, else the last cell that started (a cell that timed out,
    or the one running when the kernel died)."""
    import nbformat
    from nbclient.exceptions import CellTimeoutError, DeadKernelError

    where = f"notebook {source.name}"
    if isinstance(error, CellTimeoutError):
        what = f"did not finish within {cell_timeout:g} s (--cell-timeout)"
    elif isinstance(error, DeadKernelError):
        what = "the kernel died (it ran out of memory or was killed)"
    else:
        what = f"{type(error).__name__}: {error}"
    try:
        notebook = nbformat.read(output, as_version=4)
    except (OSError, ValueError):
        notebook = None
    if notebook is not None:
        code_cells = [
            c for c in notebook.cells
            if c.cell_type == "code" and "injected-parameters" not in c.metadata.get("tags", [])
        ]
        started = None
        for number, cell in enumerate(code_cells, start=1):
            first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
            for cell_output in cell.get("outputs", []):
                if cell_output.get("output_type") == "error":
                    return f"{where} failed in code cell {number} ({first_line!r}): {cell_output.ename}: {cell_output.evalue}"
            if cell.metadata.get("papermill", {}).get("start_time"):
                started = (number, first_line)
        if started is not None:
            return f"{where}, code cell {started[0]} ({started[1]!r}): {what}"
    return f"{where} failed before executing its cells: {what}"
