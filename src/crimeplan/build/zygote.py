"""One process imports what a notebook kernel needs, then forks each kernel of a render.

A kernel started on its own spends about 1.5 s of CPU importing IPython, pandas, Altair
and ``crimeplan``. Forked from this process, the kernels share one import of them, so
a render's two kernels cost one import, not two, while the render reads its inputs.

The render starts it (``python -m crimeplan.build.zygote``) in the kernels' folder and
environment, then writes one connection file path a line to its standard input; for
each, it forks a kernel serving that file and answers its process id on a line of
standard output. It stops when its standard input closes, and its kernels with it
(each watches that its parent lives, as ``ipykernel`` does for the process that
started it). Linux only: elsewhere each kernel is started on its own.
"""

from __future__ import annotations

import gc
import importlib
import os
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import Any

FORKS = sys.platform == "linux"  # fork after importing pandas and Altair is safe there
# What every kernel imports before its first notebook (vl-convert's engine runs threads,
# so it starts in each kernel, never here: kernels.WARM_UP).
KERNEL_MODULES = ("pandas", "altair", "IPython.display", "crimeplan.sections.priority")
# Every kernel's options: a render's cells stay out of the user's IPython history (the
# up-arrow of their own consoles), and no kernel writes to its database.
KERNEL_OPTIONS = ("--HistoryManager.enabled=False",)


def kernel_environment() -> dict[str, str]:
    """The kernels' environment: the render's, marked as a render's, Python's warnings off."""
    from crimeplan.sections.lab import RENDERING

    return {**os.environ, "PYTHONWARNINGS": "ignore", RENDERING: "1"}


def start_zygote(cwd: Path) -> Zygote | None:
    """The process to fork kernels in ``cwd`` from, started now; ``None`` where kernels
    cannot be forked (each then starts on its own)."""
    return Zygote(cwd, kernel_environment()) if FORKS else None


class Zygote:
    """The process kernels are forked from, started in ``cwd`` with ``env``."""

    def __init__(self, cwd: Path, env: dict[str, str]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "crimeplan.build.zygote"],
            cwd=cwd,
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            start_new_session=True,  # a Ctrl-C in the terminal is the render's to handle
        )
        self._lock = threading.Lock()

    def fork(self, connection_file: str) -> int:
        """Fork a kernel serving ``connection_file`` (once the imports are done); its pid."""
        with self._lock:
            assert self._process.stdin is not None and self._process.stdout is not None
            self._process.stdin.write(f"{connection_file}\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        if not answer.strip().isdigit():
            raise RuntimeError(f"the kernels' parent process stopped (exit code {self._process.wait()})")
        return int(answer)

    def stop(self) -> None:
        """Stop it (its kernels stop when they see it gone; the pool kills them first)."""
        self._process.kill()
        self._process.wait()
        with self._lock:  # a kernel thread asking for a fork has had its answer (none) and let go
            for pipe in (self._process.stdin, self._process.stdout):
                if pipe is None:
                    continue
                try:
                    pipe.close()
                except BrokenPipeError:  # a request it was stopped before reading: nobody to read it now
                    pass


def forked_kernel_manager(zygote: Zygote, **options: Any):
    """A jupyter_client kernel manager whose kernel is forked from ``zygote``, not started."""
    import psutil
    from jupyter_client.manager import AsyncKernelManager

    class ForkedProcess(psutil.Process):
        """A forked kernel as the manager sees a process it started (``subprocess.Popen``)."""

        stdin = stdout = stderr = None

        def poll(self) -> int | None:
            try:
                return None if self.status() != psutil.STATUS_ZOMBIE else -1
            except psutil.NoSuchProcess:
                return -1

        def wait(self, timeout: float | None = None) -> int:
            try:
                super().wait(timeout)
            except psutil.NoSuchProcess:
                pass
            return -1

    class ForkedKernelManager(AsyncKernelManager):
        async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
            provisioner = self.provisioner
            assert provisioner is not None
            provisioner.process = ForkedProcess(zygote.fork(self.connection_file))  # type: ignore[attr-defined]
            provisioner.pid = provisioner.pgid = provisioner.process.pid  # type: ignore[attr-defined]
            self._reconcile_connection_info(provisioner.connection_info)

    return ForkedKernelManager(**options)


def main() -> None:
    """Import the kernels' modules, then fork a kernel for each connection file read."""
    for module in (*KERNEL_MODULES, "ipykernel.kernelapp"):
        importlib.import_module(module)
    # pandas, imported here outside a kernel, took this for a terminal; inside one it shows
    # at most 20 columns of a table's text, as the kernels of JupyterLab do.
    importlib.import_module("pandas").set_option("display.max_columns", 20)
    gc.freeze()  # the modules stay: each kernel's collections skip their objects
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels that stop leave no zombie behind
    requests, answers = sys.stdin, sys.stdout
    for line in requests:
        pid = os.fork()
        if pid == 0:
            _serve_kernel(line.strip(), requests.fileno(), answers.fileno())
        answers.write(f"{pid}\n")
        answers.flush()


def _serve_kernel(connection_file: str, requests: int, answers: int) -> None:
    """In the forked child: become a kernel serving ``connection_file`` until it is shut down."""
    code = 1
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setpgid(0, 0)  # its own process group: an interrupt for it reaches no other kernel
        null = os.open(os.devnull, os.O_RDWR)
        os.dup2(null, requests)  # the render's pipes are not the kernel's
        os.dup2(2, answers)
        from ipykernel.kernelapp import IPKernelApp

        # A kernel stops when the process it was forked from has gone (as when the render is killed).
        IPKernelApp.launch_instance(
            argv=["-f", connection_file, f"--IPKernelApp.parent_handle={os.getppid()}", *KERNEL_OPTIONS]
        )
        code = 0
    except Exception:  # on the render's error stream; the render reports the kernel dead
        traceback.print_exc()
    finally:
        os._exit(code)


if __name__ == "__main__":
    main()
