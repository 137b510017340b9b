"""`crimeplan new-quarter`: a new quarter from the previous one, filled in and rendered (issue 12)."""

from __future__ import annotations

import csv

from conftest import copy_project, run_cli, run_in_process
from pdf_text import html_text

QUARTER = "2019-20-Q3"


def fill(path, values: dict[tuple[str, str, str], str]) -> None:
    """Fill in the template's values for (measure, area, period_end) keys."""
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        row["value"] = values.get((row["measure"], row["area"], row["period_end"]), row["value"])
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_a_new_quarter_is_started_filled_in_and_rendered(tmp_path):
    root = copy_project(tmp_path / "project")
    started = run_in_process(root, "new-quarter", QUARTER)
    assert started.returncode == 0, started.stderr
    params = (root / "params" / f"{QUARTER}.yml").read_text()
    assert "quarter: 2019-20-Q3" in params and "data_to: 2019-12-31" in params and "produced: January 2020" in params
    assert "next_release: 2020-04" in params or "next_release: '2020-04'" in params, "a quarter after January 2020"
    template = root / "data" / "measures" / f"{QUARTER}.csv"
    with template.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert list(rows[0])[-3:] == ["status", "period_assumed", "qualifier"], "every optional column to fill in"
    keys = {(r["measure"], r["area"], r["period_start"], r["period_end"]) for r in rows}
    assert ("specials_headcount", "Essex", "2019-12-31", "2019-12-31") in keys
    assert ("ksi_casualties", "Essex", "2019-10-01", "2019-12-31") in keys
    assert ("ksi_casualties", "Essex", "2018-10-01", "2018-12-31") in keys, "last year, which the data lacks"
    assert ("specials_headcount", "Essex", "2018-09-30", "2018-09-30") not in keys, "nothing the data holds"
    assert all(r["value"] == "" for r in rows)

    checked = run_in_process(root, "check", QUARTER)
    assert checked.returncode == 0
    empty = len(rows)
    assert (f"warning: data/measures/{QUARTER}.csv, rows 2-{empty + 1}, column value: {empty} rows have no value "
            "yet: fill in the figures or delete the rows") in checked.stderr, "one line for the empty template rows"
    assert "no value yet for 'ksi_casualties'" not in checked.stderr
    listed = run_in_process(root, "check", QUARTER, "--verbose")
    assert "no value yet for 'ksi_casualties', Essex, 2019-10-01 to 2019-12-31" in listed.stderr
    assert listed.stderr.count("(rule: value_filled)") == empty
    assert "no text yet under '### Essex' of p7_killed_seriously_injured" in checked.stderr

    fill(template, {("specials_headcount", "Essex", "2019-12-31"): "541",
                    ("specials_headcount", "Essex", "2018-12-31"): "470",
                    ("ksi_casualties", "Essex", "2019-12-31"): "187",
                    ("ksi_casualties", "Essex", "2018-12-31"): "209"})
    commentary = root / "data" / "commentary" / QUARTER / "p7.md"
    commentary.write_text(commentary.read_text().replace(
        "## p7_killed_seriously_injured\n\n### Essex\n",
        "## p7_killed_seriously_injured\n\n### Essex\n- Winter enforcement began in November.\n"))
    rendered = run_cli(root, "render", QUARTER, "--renderer", "builtin")
    assert rendered.returncode == 0, rendered.stderr
    text = html_text(root / "outputs" / QUARTER / "update.html")
    assert "Quarterly Update 2019/20 Q3" in text
    assert "541" in text and "470" in text and "187" in text and "209" in text
    assert "Winter enforcement began in November." in text


def test_a_started_quarter_is_not_overwritten(tmp_path):
    root = copy_project(tmp_path / "project")
    assert run_in_process(root, "new-quarter", QUARTER).returncode == 0
    params = root / "params" / f"{QUARTER}.yml"
    params.write_text(params.read_text() + "# edited\n")
    again = run_in_process(root, "new-quarter", QUARTER)
    assert again.returncode == 2
    assert "2019-20-Q3 has been started already (params/2019-20-Q3.yml" in again.stderr
    assert params.read_text().endswith("# edited\n")


def test_a_quarter_needs_its_previous_quarter(tmp_path):
    root = copy_project(tmp_path / "project")
    result = run_in_process(root, "new-quarter", "2021-22-Q1")
    assert result.returncode == 2
    assert "no params for quarter 2020-21-Q4" in result.stderr
    assert not (root / "params" / "2021-22-Q1.yml").exists()
