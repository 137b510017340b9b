"""``make bench``: how long renders take, against the naive pipeline, measured in one run.

Scenarios, each run several times on fresh copies of the project (medians reported):

- naive: what a user would write without crimeplan's pipeline: the Papermill CLI once per
  notebook, one after another, then the built-in renderer on the executed notebooks;
- cold: ``crimeplan render QUARTER`` in a fresh process with no previous update, no
  chart drawn and no measures file checked before (the benchmark's own cache folder, its
  charts and checked files removed; the offline Vega bundle, built once per machine, is kept);
- cold, charts drawn and files checked before: the same in another fresh copy, with what
  the first left in the cache folder (as when a new quarter is first rendered);
- unchanged: the same command again, nothing changed;
- one edit: after one line of one priority's commentary changed;
- all cold: ``crimeplan render --all`` with no previous updates;
- with Quarto, when ``quarto`` is on PATH: the Quarto renderer cold and after the same
  one-line edit (``crimeplan render --renderer quarto``: HTML and Typst passes at once),
  and ``quarto render`` at the project's root after the edit (one Quarto process, both
  formats, crimeplan's pre-render and post-render steps);
- ``crimeplan --help`` and ``crimeplan check QUARTER``.

Timings on a shared machine are noisy: compare the ratios within one run. The table is
printed and written as JSON (``outputs/bench.json`` by default).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT_PARTS = ("_quarto.yml", "_extensions", ".gitignore", "params", "data", "notebooks")
NAIVE_RENDER = (
    "import sys; from pathlib import Path\n"
    "from crimeplan.inputs.params import load_plan, load_quarter\n"
    "from crimeplan.build.render.builtin import render_builtin\n"
    "from crimeplan.build.render.document import CoverFacts\n"
    "root, quarter, executed = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])\n"
    "plan = load_plan(root / 'params')\n"
    "notebooks = [executed / f'{p.notebook}.ipynb' for p in plan.priorities]\n"
    "build = root / 'outputs' / 'naive'; build.mkdir(parents=True, exist_ok=True)\n"
    "render_builtin(root, notebooks, CoverFacts.of(plan, load_quarter(root / 'params', quarter)), build)\n"
)


def fresh_project(parent: Path) -> Path:
    root = Path(tempfile.mkdtemp(dir=parent))
    for profile in ROOT.glob("_quarto-*.yml"):
        shutil.copy(profile, root / profile.name)
    for part in PROJECT_PARTS:
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    return root


def timed(command: list[str], cwd: Path | None = None) -> float:
    started = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, text=True, cwd=cwd,
                               env=os.environ | {"QUARTO_PYTHON": sys.executable})
    seconds = time.perf_counter() - started
    if completed.returncode != 0:
        raise SystemExit(f"benchmark command failed: {' '.join(command)}\n{completed.stderr[-3000:]}")
    return seconds


def crimeplan(root: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "crimeplan", "--root", str(root), *args]


def naive(root: Path, quarter: str) -> float:
    from crimeplan.inputs.params import load_plan

    executed = root / "outputs" / "naive-notebooks"
    executed.mkdir(parents=True)
    started = time.perf_counter()
    for priority in load_plan(root / "params").priorities:
        timed([sys.executable, "-m", "papermill", str(root / "notebooks" / f"{priority.notebook}.ipynb"),
               str(executed / f"{priority.notebook}.ipynb"), "--kernel", "python3", "--cwd", str(root / "notebooks"),
               "-p", "quarter", quarter, "-p", "project_dir", str(root)])
    timed([sys.executable, "-c", NAIVE_RENDER, str(root), quarter, str(executed)])
    return time.perf_counter() - started


def use_own_cache(folder: Path) -> Callable[[], None]:
    """Point this process and the commands it times at a cache folder of their own, with the
    offline Vega bundle already built in it; returns what each cold scenario calls first:
    it removes the drawn charts and checked files (a cold render draws and checks them all)."""
    os.environ["XDG_CACHE_HOME"] = str(folder)
    from crimeplan.sections.vega import vega_javascript

    vega_javascript()

    def forget() -> None:
        for made in ("charts", "checked"):
            shutil.rmtree(folder / "crimeplan" / made, ignore_errors=True)

    return forget


def edit_commentary(root: Path, quarter: str, run: int) -> None:
    path = root / "data" / "commentary" / quarter / "p3.md"
    path.write_text(path.read_text(encoding="utf-8") + f"\n- Benchmark edit {run}.\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quarter", default="2019-20-Q2")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--json", type=Path, default=ROOT / "outputs" / "bench.json")
    args = parser.parse_args()
    quarter, runs = args.quarter, args.runs
    results: dict[str, list[float]] = {}

    def record(name: str, seconds: float) -> None:
        results.setdefault(name, []).append(seconds)
        print(f"  {name}: {seconds:.2f} s", flush=True)

    with tempfile.TemporaryDirectory(prefix="crimeplan-bench-") as scratch:
        scratch = Path(scratch)
        forget_charts_and_checks = use_own_cache(scratch / "cache")
        for run in range(runs):
            print(f"run {run + 1} of {runs}", flush=True)
            forget_charts_and_checks()
            record("naive (Papermill CLI per notebook, then render)", naive(fresh_project(scratch), quarter))
            root = fresh_project(scratch)
            forget_charts_and_checks()
            record("crimeplan cold", timed(crimeplan(root, "render", quarter, "--renderer", "builtin")))
            record("crimeplan cold, charts drawn and files checked before",
                   timed(crimeplan(fresh_project(scratch), "render", quarter, "--renderer", "builtin")))
            record("crimeplan unchanged", timed(crimeplan(root, "render", quarter, "--renderer", "builtin")))
            edit_commentary(root, quarter, run)
            record("crimeplan one commentary edit", timed(crimeplan(root, "render", quarter, "--renderer", "builtin")))
            forget_charts_and_checks()
            record("crimeplan --all cold", timed(crimeplan(fresh_project(scratch), "render", "--all", "--renderer", "builtin")))
            if shutil.which("quarto"):
                quarto_root = fresh_project(scratch)
                forget_charts_and_checks()
                record("crimeplan cold, Quarto renderer",
                       timed(crimeplan(quarto_root, "render", quarter, "--renderer", "quarto")))
                edit_commentary(quarto_root, quarter, run)
                record("crimeplan one commentary edit, Quarto renderer",
                       timed(crimeplan(quarto_root, "render", quarter, "--renderer", "quarto")))
                edit_commentary(quarto_root, quarter, run + runs)
                record("quarto render at the root, one commentary edit",
                       timed(["quarto", "render", "--profile", quarter], cwd=quarto_root))
            record("crimeplan --help", timed(crimeplan(root, "--help")))
            record("crimeplan check", timed(crimeplan(root, "check", quarter)))

    naive_median = statistics.median(results["naive (Papermill CLI per notebook, then render)"])
    rows = [{"scenario": name, "median_s": round(statistics.median(times), 2),
             "runs_s": [round(t, 2) for t in times], "naive_over_this": round(naive_median / statistics.median(times), 1)}
            for name, times in results.items()]
    print(f"\n{quarter}, {runs} runs each (medians):\n")
    print("| scenario | median (s) | naive ÷ this |")
    print("|---|---:|---:|")
    for row in rows:
        print(f"| {row['scenario']} | {row['median_s']:.2f} | {row['naive_over_this']:.1f}× |")
    edit = "crimeplan one commentary edit"
    for name in (f"{edit}, Quarto renderer", "quarto render at the root, one commentary edit"):
        if name in results:
            ratio = statistics.median(results[name]) / statistics.median(results[edit])
            print(f"\n{name} ÷ built-in renderer after the same edit: {ratio:.2f}× (target: at most 1.5×)")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps({"quarter": quarter, "runs": runs, "results": rows}, indent=2) + "\n")
    print(f"\nwritten to {args.json}")


if __name__ == "__main__":
    main()
