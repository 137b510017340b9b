"""The command line a user meets first: help, version and plain messages (issue 12)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from importlib.metadata import version

from conftest import REPO, copy_project, run_cli, run_in_process


def test_render_help_lists_the_checks_and_exit_codes(tmp_path):
    result = run_cli(tmp_path, "render", "--help")
    assert result.returncode == 0
    assert "same checks as `crimeplan check QUARTER`" in result.stdout
    for code in ("0 ", "2 ", "3 ", "4 ", "130"):
        assert f"\n  {code}" in result.stdout, code
    assert "--force" in result.stdout


def test_version(tmp_path):
    result = run_cli(tmp_path, "--version")
    assert result.returncode == 0 and result.stdout.strip() == f"crimeplan {version('crimeplan')}"


def test_nothing_that_imports_crimeplan_first_builds_the_grammar_jsonschema_would():
    """rfc3987_syntax compiles ~40 grammars on import (seconds): importing crimeplan marks it
    unimportable, so the CLI, the kernels and a notebook's charts import nbformat and Altair
    without it."""
    probe = (
        "import sys\n"
        "from crimeplan.sections.charts import Chart\n"
        "import nbformat, altair\n"
        "print(sys.modules.get('rfc3987_syntax', 'absent'))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines()[-1] == "None"


def test_the_render_s_own_process_never_imports_altair(tmp_path):
    """Only the kernels draw charts: the render's process checks, writes the tables and
    renders without Altair (0.4 s of import it would spend while the kernels work)."""
    probe = (
        "import sys\n"
        "from pathlib import Path\n"
        "from crimeplan.build import pipeline\n"
        "from crimeplan.build.render import builtin, quarto\n"
        "from rich.console import Console\n"
        "from crimeplan.periods import Quarter\n"
        "from crimeplan.project import Project\n"
        "project, quarter = Project(Path(sys.argv[1])), Quarter.parse('2019-20-Q2')\n"
        "edition = pipeline._checked_edition(project, quarter, Console(stderr=True))\n"
        "pipeline._write_tables(edition, Path(sys.argv[2]))\n"
        "print('altair' in sys.modules, len(list(Path(sys.argv[2]).glob('*.csv'))))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe, str(REPO), str(tmp_path / "tables")],
                          capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "8"]


def test_outside_a_project_root_is_one_plain_message(tmp_path):
    result = run_in_process(tmp_path / "notebooks", "render", "latest")
    assert result.returncode == 2
    assert "is not a crimeplan project root" in result.stderr and "--root" in result.stderr
    assert "Traceback" not in result.stderr and result.stderr.count("error:") == 1


def test_a_project_without_its_notebooks_is_refused_naming_them(tmp_path):
    """``check`` finds what the render would refuse: each notebook params/plan.yml names."""
    root = copy_project(tmp_path / "project")
    shutil.rmtree(root / "notebooks")
    missing = ("params/plan.yml: names the notebook 'p1_local_policing', but notebooks/p1_local_policing.ipynb "
               "does not exist (rule: notebook_present)")
    for command in ("check", "render"):
        result = run_in_process(root, command, "2019-20-Q2")
        assert result.returncode == 2, result.stderr
        assert missing in result.stderr and "unexpected" not in result.stderr
        assert result.stderr.count("does not exist") == 9, result.stderr
    result = run_in_process(root, "render", "2099-20-Q2")
    assert result.returncode == 2 and "quarter id '2099-20-Q2' is impossible" in result.stderr, result.stderr


def test_day_first_date_in_params_is_explained(tmp_path):
    root = copy_project(tmp_path / "project")
    params = root / "params" / "2019-20-Q2.yml"
    params.write_text(params.read_text().replace("data_to: 2019-09-30", "data_to: 30/09/2019"))
    result = run_in_process(root, "check", "2019-20-Q2")
    assert result.returncode == 2
    assert ("params/2019-20-Q2.yml: data_to: '30/09/2019' looks like a day-first date: write dates as "
            "YYYY-MM-DD, e.g. 2019-12-31 (rule: params)") in result.stderr


def test_render_prints_each_warning_once_without_source_tags(rendered_previous_year):
    result = rendered_previous_year.result  # 2018/19 Q2 has no commentary: warnings are expected
    warnings = [line for line in result.stderr.splitlines() if "warning:" in line]
    assert warnings and len(warnings) == len(set(warnings))
    assert ".py:" not in result.stderr


def test_jobs_default_to_crimeplan_jobs_when_set_and_a_bad_count_is_refused(tmp_path, monkeypatch):
    from crimeplan import cli

    monkeypatch.setenv("CRIMEPLAN_JOBS", "3")
    assert cli._parser().parse_args(["render", "latest"]).jobs == 3
    assert cli._parser().parse_args(["render", "latest", "--jobs", "1"]).jobs == 1
    monkeypatch.delenv("CRIMEPLAN_JOBS")
    assert cli._parser().parse_args(["quarto", "pre-render"]).jobs == (os.cpu_count() or 1)
    for bad in ("two", "0", "²"):
        monkeypatch.setenv("CRIMEPLAN_JOBS", bad)
        result = run_in_process(tmp_path, "render", "latest")
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"argument --jobs: '{bad}' is not a number of notebooks to run at once" in result.stderr, result.stderr
