"""The renderers' engines run as child processes under a time and a memory bound.

Pandoc, Typst and Quarto (both of its passes) each get :data:`SECONDS` to finish; Pandoc's heap is capped with
its own runtime option (``+RTS -M``) and Typst's address space with ``RLIMIT_AS``. An
engine over a bound stops with :class:`~crimeplan.errors.ExecutionError` (exit code 3)
saying which bound, and every process it started is killed (it runs in its own session).
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
from functools import partial
from pathlib import Path

from crimeplan.errors import ExecutionError

SECONDS = 600
PANDOC_HEAP = "2g"  # Pandoc's documented way to bound its memory: pandoc +RTS -M2g -RTS
TYPST_MEMORY = 4 * 1024**3


def run(
    command: list[str],
    what: str,
    *,
    stdin: str | None = None,
    cwd: Path | None = None,
    memory: int | None = None,
    seconds: float | None = None,
) -> subprocess.CompletedProcess:
    """Run ``command`` (``what`` names it in messages) with ``stdin``; its output is captured as text.

    Raises :class:`ExecutionError` when it runs over ``seconds`` (default :data:`SECONDS`); the
    caller reads the return code.
    """
    seconds = SECONDS if seconds is None else seconds
    limit_memory = None if memory is None else partial(resource.setrlimit, resource.RLIMIT_AS, (memory, memory))

    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        encoding="utf-8",
        errors="replace",
        start_new_session=True,
        preexec_fn=limit_memory,
    )
    try:
        stdout, stderr = process.communicate(stdin, timeout=seconds)
    except subprocess.TimeoutExpired:
        _kill(process)
        raise ExecutionError(f"{what} did not finish within {seconds:g} s; it was stopped") from None
    except BaseException:
        _kill(process)
        raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _kill(process: subprocess.Popen) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.communicate()
