"""JupyterLab as an analyst uses it, in Chromium: a priority notebook runs, its charts and a
plain Altair chart of the tidy measures table draw, with no network request and no error.
Also: the tidy table's columns and types, and outputs saved in a notebook do not change
its freshness key."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import copy_project

NOTEBOOK = "p1_local_policing"
EXPLORE = [
    "import altair as alt\n",
    "from crimeplan.sections.lab import measures_table, offline_altair\n",
    "\n",
    "offline_altair()",
]
CHART = [
    "table = measures_table()\n",
    "hours = table[table['measure'] == 'specials_hours']\n",
    "alt.Chart(hours).mark_line(point=True).encode(x='period_end:T', y='value:Q')",
]


def test_measures_table_is_tidy_and_typed():
    from crimeplan.sections.lab import MEASURES_COLUMNS, measures_table

    table = measures_table(Path(__file__).resolve().parents[1])
    assert list(table.columns)[: len(MEASURES_COLUMNS)] == MEASURES_COLUMNS
    assert str(table["period_start"].dtype).startswith("datetime64")
    assert str(table["period_end"].dtype).startswith("datetime64")
    hours = table[(table["measure"] == "specials_hours") & (table["quarter"] == "2019-20-Q2")].iloc[0]
    assert (hours["label"], hours["unit"], hours["value"]) == ("Hours worked by Special Constables", "hours", 48810)
    assert hours["file"] == "data/measures/essex_pcp.csv"
    assert set(table["quarter"]) >= {"2018-19-Q2", "2019-20-Q2"}


def test_outputs_saved_in_a_notebook_do_not_change_its_key(tmp_path):
    from crimeplan.build.freshness import notebook_digest

    path = Path(copy_project(tmp_path / "project") / "notebooks" / f"{NOTEBOOK}.ipynb")
    before = notebook_digest(path)
    notebook = json.loads(path.read_text())
    for cell in notebook["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": ["1.2 MB of output\n"]}]
            cell["execution_count"] = 7
    notebook["metadata"]["widgets"] = {"state": {}}
    path.write_text(json.dumps(notebook))
    assert notebook_digest(path) == before
    notebook["cells"][-1]["source"] = ["report.tidy().head()"]
    path.write_text(json.dumps(notebook))
    assert notebook_digest(path) != before


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """JupyterLab on a copy of the project (free port, a token); killed at the end."""
    root = copy_project(tmp_path / "project")
    notebook = json.loads((root / "notebooks" / f"{NOTEBOOK}.ipynb").read_text())
    for cell_id, source in (("explore-altair", EXPLORE), ("explore-chart", CHART)):
        notebook["cells"].append({"cell_type": "code", "execution_count": None, "id": cell_id, "metadata": {},
                                  "outputs": [], "source": source})
    (root / "notebooks" / "explore.ipynb").write_text(json.dumps(notebook))
    port, token = free_port(), "crimeplan-test-token"
    home = tmp_path / "home"
    env = {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / "config"),
           "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
           "XDG_CACHE_HOME": os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")}
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--ServerApp.port={port}",
               "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}",
               f"--ServerApp.root_dir={root}", "--LabApp.news_url=", "--LabApp.check_for_updates_class="
               "jupyterlab.NeverCheckForUpdate"]
    if os.getuid() == 0:
        command.append("--allow-root")
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=open(tmp_path / "lab.log", "w"),
                              start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=5)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"JupyterLab did not start:\n{(tmp_path / 'lab.log').read_text()}")
                time.sleep(0.5)
        yield base, token
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def test_a_priority_notebook_and_a_plain_altair_chart_draw_offline_in_jupyterlab(lab, browser, tmp_path):
    base, token = lab
    outside, errors = [], []
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    try:

        def only_local(route):
            if route.request.url.startswith((base, "data:", "blob:")):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        page.route("**/*", only_local)
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: errors.append(message.text) if message.type == "error"
                and "Error loading script" in message.text else None)
        page.goto(f"{base}/lab/tree/notebooks/explore.ipynb?token={token}")
        page.locator(".jp-Notebook .jp-Cell").first.wait_for(timeout=120_000)
        page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=120_000)
        page.locator(".lm-MenuBar-item", has_text="Run").click()  # the kernel just started: no restart
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        chart = page.locator("[id^='crimeplan-altair-'] svg")
        try:
            chart.first.wait_for(timeout=180_000)
        except Exception:
            page.screenshot(path=str(tmp_path / "jupyterlab-failed.png"), full_page=True)
            raise
        page.locator("figure.crimeplan-chart svg.marks").first.wait_for(state="attached", timeout=60_000)
        page.wait_for_timeout(1000)
        chart.first.scroll_into_view_if_needed()
        page.screenshot(path=str(tmp_path / "jupyterlab.png"))
        outputs = page.locator(".jp-OutputArea-output").all_inner_texts()
    finally:
        page.close()
    assert not outside, f"network requests outside JupyterLab: {outside}"
    assert not errors, errors
    assert not [text for text in outputs if "Traceback" in text or "Error" in text.split("\n")[0]], outputs
    assert (tmp_path / "jupyterlab.png").stat().st_size > 10_000
