"""The four slips that once passed ``check`` in silence and put wrong or missing figures
into the update, as a new analyst makes them: the shipped project, a new quarter from
``crimeplan new-quarter`` with its template filled in, and one slip each. Each test gives
the input line, the message, and shows that the update takes no wrong figure.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest

from conftest import copy_project, run_in_process

QUARTER = "2019-20-Q3"


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> Path:
    """The shipped project with 2019/20 Q3 started by ``new-quarter`` and every template
    row that has history filled with the measure's latest figure (3% up)."""
    root = copy_project(tmp_path_factory.mktemp("filled") / "project")
    assert run_in_process(root, "new-quarter", QUARTER).returncode == 0
    latest: dict[tuple[str, str], float] = {}
    with open(root / "data" / "measures" / "essex_pcp.csv", encoding="utf-8") as source:
        for row in sorted(csv.DictReader(source), key=lambda r: r["period_end"]):
            latest[row["measure"], row["area"]] = float(row["value"])
    path = root / "data" / "measures" / f"{QUARTER}.csv"
    with open(path, encoding="utf-8") as template:
        rows = list(csv.DictReader(template))
    for row in rows:
        if (key := (row["measure"], row["area"])) in latest:
            row["value"] = f"{latest[key] * 1.03:.1f}"
    with open(path, "w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return root


@pytest.fixture
def project(filled, tmp_path) -> Path:
    return Path(shutil.copytree(filled, tmp_path / "project"))


def edit_template(root: Path, starts: str, line: str | None, add: str | None = None) -> int:
    """Replace the template line starting with ``starts`` by ``line`` (and add ``add`` after
    it); returns the spreadsheet row number of ``line`` (or of ``add``)."""
    path = root / "data" / "measures" / f"{QUARTER}.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    index = next(i for i, text in enumerate(lines) if text.startswith(starts))
    if line is not None:
        lines[index] = line
    if add is not None:
        lines.insert(index + 1, add)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return index + (2 if add is not None else 1)


def check(root: Path, *args: str) -> tuple[int, list[str]]:
    result = run_in_process(root, "check", QUARTER, *args)
    return result.returncode, [line for line in result.stderr.splitlines() if line.startswith(("error:", "warning:"))]


def only(lines: list[str], *parts: str) -> str:
    matching = [line for line in lines if all(part in line for part in parts)]
    assert len(matching) == 1, f"expected one line with {parts}, got {matching}"
    return matching[0]


def assert_not_rendered(root: Path, *options: str) -> str:
    """``render`` refuses (exit 2) and publishes nothing; returns what it printed."""
    result = run_in_process(root, "render", QUARTER, "--renderer", "builtin", *options)
    assert result.returncode == 2, result.stderr
    assert not (root / "outputs" / QUARTER / "update.html").exists()
    return result.stderr


def test_the_filled_template_passes(project):
    code, lines = check(project)
    assert code == 0
    assert not [line for line in lines if "plausible" in line or "error" in line[:6]], lines


def test_a_short_row_with_a_thousands_comma_is_an_error(project):
    line = "crime_bureau_101_calls,Essex,2019-10-01,2019-12-31,27,800"
    row = edit_template(project, "crime_bureau_101_calls,Essex,2019-10-01", line)
    code, lines = check(project)
    assert code == 2
    assert only(lines, "field_count") == (
        f"error: data/measures/{QUARTER}.csv, row {row}: the row has 6 fields but the header has 10 ('27,800' reads "
        "as two values: write the number without its comma (27800) or put it in quotes); the row was not read "
        "(rule: field_count)")
    stderr = assert_not_rendered(project)
    assert "27,800" in stderr and "fell to 27" not in stderr


def test_a_source_that_is_only_a_number_is_an_error(project):
    line = "crime_bureau_101_calls,Essex,2019-10-01,2019-12-31,27,800,,,,"
    row = edit_template(project, "crime_bureau_101_calls,Essex,2019-10-01", line)
    code, lines = check(project)
    assert code == 2
    message = only(lines, "source_text")
    assert message.startswith(f"error: data/measures/{QUARTER}.csv, row {row}, column source: the source is only "
                              "a number ('800'): a number with a comma that is not in quotes (27,800)")


def test_a_percentage_typed_as_a_fraction_is_a_warning_and_strict_renders_nothing(project):
    line = "specials_applications_bame_pct,Essex,2019-10-01,2019-12-31,0.14,,,,,"
    row = edit_template(project, "specials_applications_bame_pct,Essex,2019-10-01", line)
    code, lines = check(project)
    assert code == 0
    assert only(lines, "plausible_percent") == (
        f"warning: data/measures/{QUARTER}.csv, row {row}, column value: 'specials_applications_bame_pct' in Essex, "
        "October to December 2019: 0.14 would be shown as 0.14%, but its other 2 period(s) are 12% to 12.4%: typed "
        "as a fraction? For 14% write 14 (rule: plausible_percent)")
    assert not [line for line in lines if "plausible_change" in line], "one warning for the row, not two"
    code, _ = check(project, "--strict")
    assert code == 2
    stderr = assert_not_rendered(project, "--strict")
    assert "which --strict makes errors" in stderr and "typed as a fraction?" in stderr


def test_a_valid_area_the_plan_does_not_report_is_named(project):
    line = "gang_team_arrests,Colchester,2019-10-01,2019-12-31,12,,,,,"
    row = edit_template(project, "gang_team_arrests,Basildon,2019-10-01", None, add=line)
    code, lines = check(project)
    assert code == 0
    message = only(lines, "area_in_plan")
    assert message.startswith(
        f"warning: data/measures/{QUARTER}.csv, row {row}, column area: area 'Colchester' is in data/reference/ but "
        "not one of the plan's areas (params/plan.yml areas: Essex, ")
    assert "so the update shows none of these rows (gang_team_arrests)" in message
    assert_not_rendered(project, "--strict")


def test_a_comparison_row_a_day_off_beside_the_empty_exact_row_is_an_error(project):
    empty = "drink_drive_arrests,Essex,2018-10-01,2018-12-31,,,,,,"
    near = "drink_drive_arrests,Essex,2018-10-02,2018-12-31,301,,,,,"
    row = edit_template(project, "drink_drive_arrests,Essex,2018-10-01", empty, add=near)
    code, lines = check(project)
    assert code == 2
    assert only(lines, "period_matches") == (
        f"error: data/measures/{QUARTER}.csv, row {row}, column period_start: 'drink_drive_arrests' in Essex: this "
        "row covers 2018-10-02 to 2018-12-31, close to but not the same period last year (2018-10-01 to "
        "2018-12-31), so the update cannot use it: did you mean 2018-10-01 to 2018-12-31? (rule: period_matches)")
    assert only(lines, "value_filled", f"row {row - 1}")
    assert "did you mean 2018-10-01 to 2018-12-31?" in assert_not_rendered(project)


def test_a_row_a_day_off_beside_a_filled_exact_row_is_named_as_unused(project):
    near = "drink_drive_arrests,Essex,2018-10-02,2018-12-31,301,,,,,"
    row = edit_template(project, "drink_drive_arrests,Essex,2018-10-01", None, add=near)
    code, lines = check(project)
    assert code == 0
    message = only(lines, "period_superseded")
    assert message.startswith(f"warning: data/measures/{QUARTER}.csv, row {row}, column period_start:")
    assert f"which row {row - 1} gives exactly, so this row is not used" in message
