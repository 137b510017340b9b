"""The warm kernel pool: a clean namespace per notebook, failures named, no kernel left (issue 9)."""

from __future__ import annotations

import io
import os
import queue
import sqlite3
import subprocess
import sys
import threading
import time

import nbformat
import psutil
import pytest
from rich.console import Console

from conftest import printed
from crimeplan.build.kernels import KernelPool, Kernels, _wait_for_ready
from crimeplan.errors import ExecutionError
from crimeplan.inputs.params import load_plan


def notebook(path, *sources: str):
    """A notebook of code cells, the first tagged ``parameters`` as Papermill expects."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell('quarter = "latest"', metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(nb, path)
    return path


def quiet() -> Console:
    return Console(file=io.StringIO())


def alive(pids) -> list[int]:
    """The processes still running (a killed one may linger a moment as a zombie)."""
    running = []
    for pid in pids:
        try:
            if psutil.Process(pid).status() != psutil.STATUS_ZOMBIE:
                running.append(pid)
        except psutil.NoSuchProcess:
            pass
    return running


def left_running(pids) -> list[int]:
    """The processes still running after up to ten seconds for them to end."""
    psutil.wait_procs([psutil.Process(p) for p in alive(pids)], timeout=10)
    return alive(pids)


CHART_IDS = (
    "import altair as alt, pandas as pd\n"
    "from crimeplan.sections.charts import Chart\n"
    "def chart():\n"
    "    return Chart(alt.Chart(pd.DataFrame({'a': [1]})).mark_point().encode(x='a:Q'), 'A title', 'Alt text.')\n"
    "print(chart().element_id, chart().element_id)"
)


@pytest.fixture(scope="module")
def one_kernel(tmp_path_factory):
    """Notebooks run in turn on one kernel, as a render's kernel runs priority after
    priority: what each printed, by name, and the kernel's pid."""
    folder = tmp_path_factory.mktemp("one-kernel")
    sources = [
        notebook(folder / "a.ipynb", "leaked = 'from priority a'", "import json as leaked_module"),
        notebook(
            folder / "b.ipynb",
            "assert 'leaked' not in dir() and 'leaked_module' not in dir(), sorted(dir())",
            "print(quarter)",
        ),
        notebook(folder / "frozen.ipynb", "import gc, sys", "print(gc.get_freeze_count(), 'altair' in sys.modules)"),
        notebook(folder / "chart_a.ipynb", CHART_IDS),
        notebook(folder / "chart_b.ipynb", CHART_IDS),
    ]
    with KernelPool(1, folder) as pool:
        pool.submit(sources, folder / "out", {"quarter": "2019-20-Q2"})
        timings = pool.wait(quiet())
        pids = [kernel.pid for kernel in pool.kernels]
    executed = {path.stem: nbformat.read(folder / "out" / path.name, as_version=4) for path in sources}
    return executed, timings, pids


def test_a_notebook_sees_nothing_the_previous_one_defined(one_kernel):
    executed, timings, pids = one_kernel  # b ran where a ran
    assert set(timings) == {"a", "b", "frozen", "chart_a", "chart_b"}
    second = executed["b"]
    assert second.metadata["papermill"]["parameters"] == {"quarter": "2019-20-Q2"}
    assert printed(second.cells[-1]) == "2019-20-Q2\n"
    counts = [c.execution_count for c in second.cells if c.cell_type == "code"]
    assert counts == list(range(1, len(counts) + 1)), "each notebook starts a fresh session"
    assert len(pids) == 1 and left_running(pids) == []


def test_what_a_kernel_imported_before_its_notebooks_is_left_out_of_garbage_collection(one_kernel):
    """Each notebook starts with a reset, which collects garbage: over the objects of pandas
    and Altair that is a tenth of a second per notebook, unless the warm-up froze them."""
    frozen, altair = printed(one_kernel[0]["frozen"].cells[-1]).split()
    assert int(frozen) > 100_000 and altair == "True"


def test_a_chart_s_id_does_not_depend_on_what_the_kernel_ran_before(one_kernel):
    """`render --all` runs several quarters' notebooks on one kernel: an identical chart
    drawn by an earlier notebook must not renumber this one's (the update would then
    depend on which kernel ran what)."""
    ids = [printed(one_kernel[0][name].cells[-1]).split() for name in ("chart_a", "chart_b")]
    assert ids[0] == ids[1] and ids[0][1] == f"{ids[0][0]}-2", ids


def test_a_render_s_kernels_are_forked_from_one_process_that_imported_their_modules(tmp_path):
    """Two kernels cost one import of IPython, pandas and Altair: each is a child of one
    process (not of the render's) that had them imported, which goes when the pool does."""
    probe = "import os, sys\nprint(os.getppid(), 'altair' in sys.modules)"
    sources = [notebook(tmp_path / f"{name}.ipynb", probe, "import time; time.sleep(1)") for name in ("a", "b")]
    with KernelPool(2, tmp_path) as pool:
        pool.submit(sources, tmp_path / "out", {"quarter": "2019-20-Q2"})
        pool.wait(quiet())
        pids = [kernel.pid for kernel in pool.kernels]
    parents = {printed(nbformat.read(tmp_path / "out" / f"{name}.ipynb", as_version=4).cells[2]) for name in ("a", "b")}
    assert len(parents) == 1 and len(set(pids)) == 2, (parents, pids)
    parent, imported = parents.pop().split()
    assert int(parent) != os.getpid() and imported == "True"
    assert left_running([*pids, int(parent)]) == []


def test_the_cells_a_render_executes_stay_out_of_the_user_s_ipython_history(tmp_path, monkeypatch):
    """An analyst's IPython history (the up-arrow of their own consoles) holds their own
    code, not the cells of every notebook each render ran."""
    monkeypatch.setenv("IPYTHONDIR", str(tmp_path / "ipython"))
    source = notebook(tmp_path / "a.ipynb", "figure = 48810", "print(figure)")
    with KernelPool(1, tmp_path) as pool:
        pool.submit([source], tmp_path / "out", {"quarter": "2019-20-Q2"})
        pool.wait(quiet())
    assert printed(nbformat.read(tmp_path / "out" / "a.ipynb", as_version=4).cells[-1]) == "48810\n"
    history = tmp_path / "ipython" / "profile_default" / "history.sqlite"
    if history.exists():
        with sqlite3.connect(history) as database:
            assert database.execute("SELECT source FROM history").fetchall() == []


def test_kernels_stop_when_the_render_is_killed(tmp_path):
    """A render killed outright (``kill -9``) runs no clean-up: its kernels see their parent go and stop."""
    notebook(
        tmp_path / "slow.ipynb",
        "import os; open('kernel.pid', 'w').write(str(os.getpid()))",
        "import time; time.sleep(120)",
    )
    render = subprocess.Popen(
        [
            sys.executable,
            "-c",
            (
                "import io, sys; from pathlib import Path; from rich.console import Console\n"
                "from crimeplan.build.kernels import KernelPool\n"
                "with KernelPool(1, Path(sys.argv[1])) as pool:\n"
                "    pool.submit([Path(sys.argv[1]) / 'slow.ipynb'], Path(sys.argv[1]) / 'out', {})\n"
                "    pool.wait(Console(file=io.StringIO()))\n"
            ),
            str(tmp_path),
        ]
    )
    marker = tmp_path / "kernel.pid"
    deadline = time.monotonic() + 120
    while not (marker.is_file() and marker.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    kernel = int(marker.read_text())
    render.kill()
    render.wait()
    assert left_running([kernel]) == []


def test_a_failing_notebook_is_named_and_every_kernel_stops(tmp_path):
    sources = [notebook(tmp_path / f"n{i}.ipynb", "x = 1") for i in range(3)]
    sources.insert(1, notebook(tmp_path / "bad.ipynb", "x = 1", "raise ValueError('figures do not add up')"))
    with pytest.raises(ExecutionError, match=r"bad.ipynb failed in code cell 3 .*ValueError: figures do not add up"):
        with KernelPool(2, tmp_path) as pool:
            pool.submit(sources, tmp_path / "out", {"quarter": "2019-20-Q2"})
            pool.wait(quiet())
    pids = [kernel.pid for kernel in pool.kernels if kernel.pid]
    assert len(pids) == 2
    assert left_running(pids) == []


def test_an_interrupt_stops_every_kernel(tmp_path):
    slow = [notebook(tmp_path / f"s{i}.ipynb", "import time; time.sleep(60)") for i in range(2)]
    with pytest.raises(KeyboardInterrupt):
        with KernelPool(2, tmp_path) as pool:
            pool.submit(slow, tmp_path / "out", {"quarter": "2019-20-Q2"})
            while not all(kernel.pid for kernel in pool.kernels):
                time.sleep(0.05)
            raise KeyboardInterrupt
    pids = [kernel.pid for kernel in pool.kernels]
    assert left_running(pids) == []


class _Client:
    """A kernel client whose kernel answers ``kernel_info`` (or never does, and is dead)."""

    def __init__(self, answers: bool) -> None:
        self.answers, self.iopub_reads = answers, 0

    def kernel_info(self) -> str:
        return "request"

    async def get_shell_msg(self, timeout: float) -> dict:
        if not self.answers:
            raise queue.Empty
        return {"msg_type": "kernel_info_reply"}

    async def get_iopub_msg(self, timeout: float) -> dict:
        self.iopub_reads += 1
        if self.iopub_reads > 1:  # the kernel's status when it answered, then nothing more
            raise queue.Empty
        return {"msg_type": "status"}

    async def is_alive(self) -> bool:
        return self.answers


def test_a_kernel_is_ready_once_it_answers_and_its_output_arrives_without_waiting_for_silence():
    """Ready at its kernel_info reply and one IOPub message: not after jupyter_client's
    further 0.2 s of waiting for IOPub to fall silent (a notebook's client skips messages
    that are not its own)."""
    client = _Client(answers=True)
    _wait_for_ready(client)
    assert client.iopub_reads == 1


def test_a_kernel_that_stops_before_it_answers_is_reported():
    with pytest.raises(RuntimeError, match="stopped before it answered"):
        _wait_for_ready(_Client(answers=False))


class _StoppedZygote:
    def stop(self) -> None:
        pass


def test_leaving_the_pool_waits_only_for_threads_serving_notebooks(tmp_path, monkeypatch):
    """A render refused by its checks ends at once: leaving the pool does not wait for a
    thread still starting its kernel (the answer it waits for no longer comes)."""
    released, in_place = threading.Event(), threading.Barrier(3)  # the test and both threads

    def start(pool, kernel):  # kernel-1 starts its kernel; kernel-2 is still waiting for its own
        kernel.ready = threading.current_thread().name == "kernel-1"
        in_place.wait()
        if not kernel.ready:
            released.wait(30)

    monkeypatch.setattr(KernelPool, "_start", start)
    joined = []
    try:
        with KernelPool(2, tmp_path, zygote=_StoppedZygote()) as pool:
            in_place.wait()
            for thread in pool._threads:
                thread.join = lambda timeout=None, name=thread.name: joined.append(name)
    finally:
        released.set()
    assert joined == ["kernel-1"]


def test_stopping_the_zygote_with_a_fork_request_unread_raises_nothing(tmp_path):
    """A refused render stops the process kernels are forked from while a kernel thread may
    still be asking it for a fork: the request it never read is dropped, not an error."""
    from crimeplan.build.zygote import Zygote

    zygote = Zygote(tmp_path, dict(os.environ))
    zygote._process.stdin.write("a connection file\n")  # written, not yet flushed to it
    zygote.stop()
    assert zygote._process.returncode is not None


def test_a_quarter_with_nothing_to_execute_stops_the_process_kernels_are_forked_from(rendered_default, tmp_path):
    """A render whose notebooks are all up to date (another renderer, say) stops that process
    before the renderer runs, instead of letting it import pandas and Altair beside it."""
    from crimeplan.build import pipeline
    from crimeplan.build.render import RENDERERS
    from crimeplan.periods import Quarter
    from crimeplan.project import Project

    project, quarter = Project(rendered_default.root), Quarter.parse(rendered_default.quarter)
    notebooks = pipeline.notebook_paths(project, load_plan(project.params_dir))
    seen = []
    with Kernels(2, project.notebooks_dir) as kernels:
        zygote = kernels.zygote
        assert zygote is not None
        pipeline._build(
            project,
            quarter,
            RENDERERS["builtin"],
            notebooks,
            [],
            pipeline.notebook_parameters(project, quarter),
            rendered_default.output_dir,
            tmp_path,
            kernels,
            quiet(),
            render=lambda *_: seen.append((kernels.zygote, zygote._process.poll())),
        )
    assert seen == [(None, -9)], "stopped (killed) before the renderer ran"
