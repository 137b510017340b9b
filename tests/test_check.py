"""``crimeplan check``: each kind of bad input is reported with its file, location, column,
value and rule, and the command exits 2; a clean project exits 0.

Every test copies the small valid project in ``tests/fixtures/check/valid`` (data and
params, with the repository's notebooks beside them) and breaks one thing (or several,
for the listing test).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import REPO
from crimeplan.cli import main
from crimeplan.errors import InputError
from crimeplan.findings.check import check_project
from crimeplan.findings.edition import load_edition
from crimeplan.periods import Quarter
from crimeplan.project import Project

VALID_PROJECT = Path(__file__).parent / "fixtures" / "check" / "valid"
HEADER = "measure,area,period_start,period_end,value,source,note\n"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(VALID_PROJECT, root)
    shutil.copytree(REPO / "notebooks", root / "notebooks")  # the notebooks its plan names
    return root


def run_check(root: Path, capsys, *args: str) -> tuple[int, list[str]]:
    """Run ``crimeplan check``; return the exit code and the problem lines it printed."""
    code = main(["--root", str(root), "check", *args])
    lines = capsys.readouterr().err.splitlines()
    return code, [line for line in lines if line.startswith(("error:", "warning:"))]


def add_measures(root: Path, name: str, rows: str, header: str = HEADER, encoding: str = "utf-8") -> None:
    (root / "data" / "measures" / name).write_text(header + rows, encoding=encoding)


def one_line(lines: list[str], *parts: str) -> str:
    """The single reported line that contains every one of ``parts``."""
    matching = [line for line in lines if all(part in line for part in parts)]
    assert len(matching) == 1, f"expected one line with {parts}, got {matching} in {lines}"
    return matching[0]


def test_valid_project_passes(project, capsys):
    code = main(["--root", str(project), "check"])
    assert code == 0
    assert "OK: no errors, 0 warning(s)" in capsys.readouterr().err


def test_missing_column_names_file_and_column(project, capsys):
    add_measures(project, "renamed.csv", "asb_incidents,Southend,2019-04-01,2019-06-30,900,,\n",
                 header="measure,area,period_start,period_end,values,source,note\n")
    code, lines = run_check(project, capsys)
    assert code == InputError.exit_code == 2
    missing = one_line(lines, "required_column")
    assert missing.startswith("error: data/measures/renamed.csv, row 1 (header), column value:")
    assert "required column 'value' is missing" in missing
    extra = one_line(lines, "unexpected_column")
    assert "unexpected column 'values'" in extra and "did you mean 'value'?" in extra


def test_extra_column_is_an_error(project, capsys):
    add_measures(project, "extra.csv", "asb_incidents,Southend,2019-04-01,2019-06-30,900,,,x\n",
                 header=HEADER.strip() + ",comment\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    line = one_line(lines, "data/measures/extra.csv")
    assert "row 1 (header), column comment: unexpected column 'comment'" in line
    assert "(rule: unexpected_column)" in line


@pytest.mark.parametrize(
    ("bad_date", "column", "rule"),
    [("Sept 19", "period_start", "iso_date_start"), ("2019-02-30", "period_end", "iso_date_end")],
)
def test_unparseable_or_impossible_date(project, capsys, bad_date, column, rule):
    start, end = ("Sept 19", "2019-09-30") if column == "period_start" else ("2019-02-01", bad_date)
    add_measures(project, "dates.csv", f"asb_incidents,Southend,2019-04-01,2019-06-30,900,,\n"
                                       f"asb_incidents,Basildon,{start},{end},12,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        f"error: data/measures/dates.csv, row 3, column {column}: '{bad_date}' is not a real calendar date "
        f"written YYYY-MM-DD (rule: {rule})"
    ]


def test_period_end_before_start(project, capsys):
    add_measures(project, "order.csv", "asb_incidents,Southend,2019-06-30,2019-04-01,900,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        "error: data/measures/order.csv, row 2, column period_end: '2019-04-01' is before period_start "
        "'2019-06-30': a period must end on or after its start (rule: period_order)"
    ]


@pytest.mark.parametrize("bad_value", ["12a", "1,234", "£5", "n/a"])
def test_non_numeric_value(project, capsys, bad_value):
    add_measures(project, "values.csv", f'asb_incidents,Southend,2019-04-01,2019-06-30,"{bad_value}",,\n')
    code, lines = run_check(project, capsys)
    assert code == 2
    line = one_line(lines, "data/measures/values.csv, row 2, column value:")
    assert f"{bad_value!r} is not a number" in line and "(rule: number)" in line


def test_a_value_not_filled_in_yet_is_named_and_left_out(project, capsys):
    """A template row (``crimeplan new-quarter``) without its figure yet: a warning, not data."""
    add_measures(project, "template.csv", "asb_incidents,Southend,2019-10-01,2019-12-31,,,\n")
    code, lines = run_check(project, capsys)
    assert code == 0
    assert one_line(lines, "template.csv") == (
        "warning: data/measures/template.csv, row 2, column value: no value yet for 'asb_incidents', Southend, "
        "2019-10-01 to 2019-12-31: fill in the figure or delete the row (until then it is left out) "
        "(rule: value_filled)")


def test_a_status_other_than_the_four_is_refused_with_file_and_row(project, capsys):
    add_measures(project, "status.csv", "asb_incidents,Southend,2019-04-01,2019-06-30,12,,,Derived,\n"
                                        "asb_incidents,Southend,2019-01-01,2019-03-31,10,,,guessed,\n"
                                        "asb_incidents,Southend,2018-10-01,2018-12-31,9,,,,maybe\n",
                 header=HEADER.rstrip("\n") + ",status,period_assumed\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert [line for line in lines if line.startswith("error:")] == [
        "error: data/measures/status.csv, row 3, column status: 'guessed' is not a status: leave it empty for a "
        "published figure or write published, derived, estimated, provisional (rule: known_status)",
        "error: data/measures/status.csv, row 4, column period_assumed: 'maybe' is not yes, no or empty (yes: the "
        "source gave no period and this one is assumed) (rule: period_assumed)",
    ]


def test_negative_count(project, capsys):
    add_measures(project, "negative.csv", "asb_incidents,Southend,2019-04-01,2019-06-30,-3,,\n"
                                          "specials_headcount,Essex,2019-06-30,2019-06-30,-1,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        "error: data/measures/negative.csv, row 2, column value: '-3' is negative, but 'asb_incidents' is "
        "measured in count, which can't be below 0 (rule: non_negative)",
        "error: data/measures/negative.csv, row 3, column value: '-1' is negative, but 'specials_headcount' is "
        "measured in people, which can't be below 0 (rule: non_negative)",
    ]


def test_percentage_outside_0_to_100(project, capsys):
    add_measures(project, "percent.csv", "calls_answered_pct,Essex,2019-04-01,2019-06-30,101.5,,\n"
                                         "calls_answered_pct,Essex,2019-01-01,2019-03-31,100,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        "error: data/measures/percent.csv, row 2, column value: '101.5' is outside 0-100, but "
        "'calls_answered_pct' is a percentage (rule: percent_range)"
    ]


def test_measure_not_in_catalogue(project, capsys):
    add_measures(project, "typo.csv", "asb_incident,Southend,2019-04-01,2019-06-30,900,,\n"
                                      "asb_incident,Basildon,2019-04-01,2019-06-30,90,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        "error: data/measures/typo.csv, rows 2-3, column measure: 'asb_incident' is not a measure in "
        "data/catalogue.yml (did you mean 'asb_incidents'?) (rule: known_measure)"
    ]


def test_area_not_in_reference(project, capsys):
    add_measures(project, "area.csv", "asb_incidents,Southend-on-Sea,2019-04-01,2019-06-30,900,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    line = one_line(lines, "data/measures/area.csv, row 2, column area:")
    assert "'Southend-on-Sea' is not an area in data/reference/" in line and "(rule: known_area)" in line


def test_conflicting_rows_name_both_rows(project, capsys):
    add_measures(project, "second.csv", "specials_headcount,Essex,2019-09-30,2019-09-30,517,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        "error: data/measures/second.csv, row 2, column value: measure 'specials_headcount', area 'Essex', "
        "period 2019-09-30 to 2019-09-30 has value 517 here but 515 in data/measures/fixture.csv row 3: "
        "one measure, area and period must have one value (rule: conflicting_rows)"
    ]


def test_conflicting_rows_show_the_earlier_value_as_typed(project, capsys):
    add_measures(project, "first.csv", "specials_headcount,Essex,2020-03-31,2020-03-31,1234567.5,,\n")
    add_measures(project, "second.csv", "specials_headcount,Essex,2020-03-31,2020-03-31,1234568,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    line = one_line(lines, "data/measures/second.csv, row 2, column value:")
    assert "has value 1234568 here but 1234567.5 in data/measures/first.csv row 2" in line  # not 1.23457e+06


def test_exact_duplicate_is_a_warning(project, capsys):
    add_measures(project, "second.csv", "specials_headcount,Essex,2019-09-30,2019-09-30,515.0,,\n")
    code, lines = run_check(project, capsys)
    assert code == 0
    assert lines == [
        "warning: data/measures/second.csv, row 2, column value: repeats data/measures/fixture.csv row 3 "
        "exactly (measure 'specials_headcount', area 'Essex', period 2019-09-30 to 2019-09-30, value 515.0); "
        "the repeat is ignored (rule: duplicate_row)"
    ]


def test_catalogue_entry_missing_required_field(project, capsys):
    catalogue = project / "data" / "catalogue.yml"
    text = catalogue.read_text()
    catalogue.write_text(text.replace("    unit: count\n", ""))
    code, lines = run_check(project, capsys)
    assert code == 2
    line = one_line(lines, "data/catalogue.yml")
    assert line.startswith("error: data/catalogue.yml, line 21, measure 'asb_incidents', column unit:")
    assert "required field 'unit' is missing" in line and "(rule: catalogue_missing)" in line


def test_params_file_with_malformed_quarter_name(project, capsys):
    params = project / "params"
    (params / "2019-Q2.yml").write_text((params / "2019-20-Q2.yml").read_text())
    code, lines = run_check(project, capsys)
    assert code == 2
    line = one_line(lines, "params/2019-Q2.yml")
    assert "the file name is not a quarter id" in line and "'2019-Q2' is malformed" in line
    assert "(rule: quarter_file_name)" in line


def test_params_quarter_field_malformed_or_not_matching_file(project, capsys):
    params = project / "params"
    text = (params / "2019-20-Q2.yml").read_text()
    (params / "2019-20-Q3.yml").write_text(text)
    (params / "2019-20-Q4.yml").write_text(text.replace("quarter: 2019-20-Q2", "quarter: 2019-20-Q5"))
    code, lines = run_check(project, capsys)
    assert code == 2
    mismatch = one_line(lines, "params/2019-20-Q3.yml")
    assert "quarter is '2019-20-Q2' but the file is named for 2019-20-Q3" in mismatch
    malformed = one_line(lines, "params/2019-20-Q4.yml")
    assert "quarter" in malformed and "'2019-20-Q5' is malformed" in malformed


def test_check_of_a_quarter_without_params(project, capsys):
    code, lines = run_check(project, capsys, "2020-21-Q1")
    assert code == 2
    line = one_line(lines, "params/2020-21-Q1.yml")
    assert "no params for quarter 2020-21-Q1 (params exist for: 2019-20-Q2)" in line


def test_check_of_a_malformed_quarter_argument(project, capsys):
    code, lines = run_check(project, capsys, "2019-20-Q5")
    assert code == 2
    assert one_line(lines, "quarter id '2019-20-Q5' is malformed")


def test_commentary_referencing_unknown_measure(project, capsys):
    path = project / "data" / "commentary" / "2019-20-Q2" / "p2.md"
    path.write_text(path.read_text() + "- {{asb_incidnets@Southend.change_pct}} change.\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        "error: data/commentary/2019-20-Q2/p2.md, line 5: {{asb_incidnets@Southend.change_pct}}: unknown measure "
        "'asb_incidnets' (not in data/catalogue.yml) (did you mean 'asb_incidents'?) (rule: commentary_reference)"
    ]


def test_missing_commentary_file_is_a_warning(project, capsys):
    (project / "data" / "commentary" / "2019-20-Q2" / "p2.md").unlink()
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 0
    assert lines == [
        "warning: data/commentary/2019-20-Q2/p2.md: no commentary for priority 2; it renders without it "
        "(rule: commentary_present)"
    ]


def test_csv_in_windows_encoding_is_reported(project, capsys):
    add_measures(project, "windows.csv", "asb_incidents,Southend,2019-04-01,2019-06-30,900,,cost £5\n",
                 encoding="cp1252")
    code, lines = run_check(project, capsys)
    assert code == 2
    line = one_line(lines, "data/measures/windows.csv")
    assert line.startswith("error: data/measures/windows.csv, line 2: the file is not UTF-8: byte 0xa3 ('£'")
    assert "save it as UTF-8" in line and "(rule: utf8)" in line


def test_csv_with_byte_order_mark_loads(project, capsys):
    add_measures(project, "bom.csv", "asb_incidents,Southend,2019-04-01,2019-06-30,900,,\n", encoding="utf-8-sig")
    assert (project / "data" / "measures" / "bom.csv").read_bytes().startswith(b"\xef\xbb\xbfmeasure,")
    code, lines = run_check(project, capsys)
    assert (code, lines) == (0, [])


def test_empty_measures_folder(project, capsys):
    (project / "data" / "measures" / "fixture.csv").unlink()
    code, lines = run_check(project, capsys)
    assert code == 2
    assert "error: data/measures: no measures CSV files found (expected data/measures/*.csv) " \
           "(rule: measures_present)" in lines


def test_every_problem_in_every_file_is_listed(project, capsys):
    add_measures(project, "a.csv", "asb_incidents,Southend,Sept 19,2019-06-30,900,,\n"
                                   "asb_incidents,Nowhere,2019-04-01,2019-06-30,-4,,\n")
    add_measures(project, "b.csv", "calls_answered_pct,Essex,2019-04-01,2019-06-30,n/a,,\n"
                                   "unknown_measure,Essex,2019-04-01,2019-03-01,5,,\n")
    catalogue = project / "data" / "catalogue.yml"
    catalogue.write_text(catalogue.read_text().replace("    kind: snapshot\n", ""))
    (project / "params" / "2019-Q2.yml").write_text("quarter: 2019-20-Q2\n")
    report = check_project(Project(project))
    found = {(p.file, p.location, p.column, p.rule) for p in report.errors}
    assert found == {
        ("data/measures/a.csv", "row 2", "period_start", "iso_date_start"),
        ("data/measures/a.csv", "row 3", "area", "known_area"),
        ("data/measures/a.csv", "row 3", "value", "non_negative"),
        ("data/measures/b.csv", "row 2", "value", "number"),
        ("data/measures/b.csv", "row 3", "measure", "known_measure"),
        ("data/measures/b.csv", "row 3", "period_end", "period_order"),
        ("data/catalogue.yml", "line 3, measure 'specials_headcount'", "kind", "catalogue_missing"),
        ("params/2019-Q2.yml", None, None, "quarter_file_name"),
    }
    code, lines = run_check(project, capsys)
    assert code == 2 and len([line for line in lines if line.startswith("error:")]) == len(found)


def test_plan_area_missing_from_reference(project, capsys):
    areas = project / "data" / "reference" / "areas.csv"
    areas.write_text(areas.read_text().replace("Harlow,district,Essex\n", ""))
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        "error: params/plan.yml, column areas: area 'Harlow' is not in data/reference/ (areas.csv, forces.csv) "
        "(rule: known_area)"
    ]


def test_render_refuses_bad_input_before_executing(project):
    """The render loads the edition through the same checks, and keeps the problems as records."""
    quarter = Quarter.parse("2019-20-Q2")
    assert check_project(Project(project), quarter).errors == []
    add_measures(project, "bad.csv", "asb_incidents,Southend,2019-04-01,2019-06-30,lots,,\n")
    with pytest.raises(InputError, match=r"data/measures/bad.csv, row 2, column value: 'lots' is not a number") as raised:
        load_edition(Project(project), quarter)
    [problem] = raised.value.problems()
    assert (problem.file, problem.location, problem.column, problem.value, problem.rule) == (
        "data/measures/bad.csv", "row 2", "value", "lots", "number")


SHIPPED_PROJECT = Path(__file__).resolve().parents[1]


def test_shipped_project_passes_check(capsys):
    code, lines = run_check(SHIPPED_PROJECT, capsys)
    assert code == 0, "\n".join(line for line in lines if line.startswith("error:"))


@pytest.mark.parametrize(("payload", "found"), [
    ("<script>alert(1)</script> Special Constables", "found <script"),
    ('<img src=x onerror="alert(1)">', "found <img"),
    ("An <iframe src=https://example.org> here", "found <iframe"),
    ("[our page](javascript:alert(1))", "link to a javascript: address"),
    ("[our page]( JavaScript:alert(1))", "link to a javascript: address"),
    ("<javascript:alert(1)>", "found <javascript:alert(1)"),
    ("A comment <!-- hidden -->", "found <!--"),
])
def test_commentary_markup_that_could_run_is_refused(project, capsys, payload, found):
    path = project / "data" / "commentary" / "2019-20-Q2" / "p1.md"
    path.write_text(path.read_text() + f"- {payload}\n")
    line = len(path.read_text().splitlines())
    code, lines = run_check(project, capsys)
    assert code == 2
    problem = one_line(lines, "commentary")
    assert problem.startswith(f"error: data/commentary/2019-20-Q2/p1.md, line {line}: ")
    assert found in problem and "(rule: commentary_no_html)" in problem


def test_plain_less_than_sign_in_commentary_is_text(project, capsys):
    path = project / "data" / "commentary" / "2019-20-Q2" / "p1.md"
    path.write_text(path.read_text() + "- Response times were < 10 minutes in most cases.\n")
    code, lines = run_check(project, capsys)
    assert code == 0, lines


def replace_row(root: Path, old: str, new: str) -> int:
    """Replace one measures row of the fixture; return its spreadsheet row number."""
    path = root / "data" / "measures" / "fixture.csv"
    lines = path.read_text().splitlines()
    index = next(i for i, line in enumerate(lines) if line.startswith(old))
    lines[index] = new + lines[index][len(old):]
    path.write_text("\n".join(lines) + "\n")
    return index + 1


def test_headcount_entered_over_a_range_is_an_error(project, capsys):
    add_measures(project, "q3.csv", "specials_headcount,Essex,2019-10-01,2019-12-31,530,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert one_line(lines, "snapshot") == (
        "error: data/measures/q3.csv, row 2, column period_start: 'specials_headcount' is a snapshot (a level on "
        "one day) but this row covers 2019-10-01 to 2019-12-31: give the day of the count as both period_start "
        "and period_end (e.g. 2019-12-31 to 2019-12-31) (rule: snapshot_period)")


def test_comparison_row_one_day_off_is_an_error_with_a_suggestion(project, capsys):
    row = replace_row(project, "asb_incidents,Southend,2018-07-01,2018-09-30", "asb_incidents,Southend,2018-07-01,2018-09-29")
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 2
    line = one_line(lines, "period_matches")
    assert line.startswith(f"error: data/measures/fixture.csv, row {row}, column period_end: 'asb_incidents' in Southend")
    assert "close to but not the same period last year (2018-07-01 to 2018-09-30)" in line
    assert "did you mean 2018-07-01 to 2018-09-30?" in line


def test_current_row_one_day_off_the_quarter_is_an_error(project, capsys):
    row = replace_row(project, "asb_incidents,Southend,2019-07-01,2019-09-30", "asb_incidents,Southend,2019-07-01,2019-09-29")
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 2
    line = one_line(lines, f"row {row}", "the quarter 2019/20 Q2")
    assert "did you mean 2019-07-01 to 2019-09-30?" in line


def test_a_catalogue_measure_without_a_value_for_the_quarter_is_listed(project, capsys):
    path = project / "data" / "measures" / "fixture.csv"
    path.write_text("".join(line for line in path.read_text().splitlines(keepends=True)
                            if not line.startswith("calls_answered_pct,Essex,2019")))
    commentary = project / "data" / "commentary" / "2019-20-Q2" / "p1.md"
    commentary.write_text(commentary.read_text().replace("{{calls_answered_pct}}", "Most"))
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 0
    assert one_line(lines, "measure_has_value").startswith(
        "warning: data/measures: priority 1 has no value for 2019/20 Q2 of: calls_answered_pct;")


def test_catalogue_source_without_publisher_and_licence(project, capsys):
    catalogue = project / "data" / "catalogue.yml"
    catalogue.write_text(catalogue.read_text().replace("    source: test fixture\n", "    source: somewhere new\n", 1))
    code, lines = run_check(project, capsys)
    assert code == 2
    line = one_line(lines, "data/sources.yml")
    assert "'somewhere new'" in line and "(rule: known_source)" in line


def test_plan_without_contact_is_an_error(project, capsys):
    plan = project / "params" / "plan.yml"
    text = plan.read_text()
    start = text.index("contact:")
    end = text.index("priorities:")
    plan.write_text(text[:start] + text[end:])
    code, lines = run_check(project, capsys)
    assert code == 2 and any("contact" in line and "Field required" in line for line in lines), lines


def test_revision_of_a_later_version_is_an_error(project, capsys):
    params = project / "params" / "2019-20-Q2.yml"
    params.write_text(params.read_text() + "revisions:\n  - version: 3\n    change: Not yet.\n")
    code, lines = run_check(project, capsys)
    assert code == 2 and any("revisions describe version(s) [3]" in line for line in lines), lines


@pytest.mark.parametrize(("typed", "hint"), [
    ("31/12/2019", "'31/12/2019' is not a real calendar date written YYYY-MM-DD: write 2019-12-31 (year-month-day)"),
    ("2019-12-31 00:00:00", "'2019-12-31 00:00:00' is not a real calendar date written YYYY-MM-DD: remove the time "
                            "and write 2019-12-31 (a spreadsheet added it to the date)"),
])
def test_a_date_in_another_layout_says_what_to_write(project, capsys, typed, hint):
    add_measures(project, "q3.csv", f"specials_headcount,Essex,{typed},{typed},530,,\n")
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [f"error: data/measures/q3.csv, row 2, column {column}: {hint} (rule: iso_date_{end})"
                     for column, end in (("period_end", "end"), ("period_start", "start"))], "and no NaT anywhere"


def test_a_semicolon_file_is_one_message(project, capsys):
    add_measures(project, "semi.csv", "asb_incidents;Southend;2019-10-01;2019-12-31;900;;\n",
                 header=HEADER.replace(",", ";"))
    code, lines = run_check(project, capsys)
    assert code == 2
    assert lines == [
        "error: data/measures/semi.csv, row 1 (header): this file uses semicolons (;) between values, not commas: "
        "save it as 'CSV UTF-8 (comma delimited)' or replace the semicolons with commas (rule: comma_separated)"]


def test_empty_template_rows_are_one_line_unless_verbose(project, capsys):
    add_measures(project, "template.csv", "asb_incidents,Southend,2019-10-01,2019-12-31,,,\n"
                                          "asb_incidents,Basildon,2019-10-01,2019-12-31,,,\n"
                                          "asb_incidents,Thurrock,2019-10-01,2019-12-31,,,\n")
    code, lines = run_check(project, capsys)
    assert code == 0
    assert one_line(lines, "template.csv") == (
        "warning: data/measures/template.csv, rows 2-4, column value: 3 rows have no value yet: fill in the figures "
        "or delete the rows (until then they are left out; --verbose lists each) (rule: value_filled)")
    code, lines = run_check(project, capsys, "--verbose")
    assert [line for line in lines if "template.csv" in line and "no value yet for 'asb_incidents'" in line] == [
        f"warning: data/measures/template.csv, row {row}, column value: no value yet for 'asb_incidents', {area}, "
        "2019-10-01 to 2019-12-31: fill in the figure or delete the row (until then it is left out) "
        "(rule: value_filled)" for row, area in ((2, "Southend"), (3, "Basildon"), (4, "Thurrock"))]


def test_a_change_beyond_the_plausible_factor_is_a_warning_and_strict_an_error(project, capsys):
    row = replace_row(project, "asb_incidents,Southend,2019-07-01,2019-09-30,1100",
                      "asb_incidents,Southend,2019-07-01,2019-09-30,110")
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 0
    assert one_line(lines, "plausible_change") == (
        f"warning: data/measures/fixture.csv, row {row}, column value: 'asb_incidents' in Southend, July to "
        "September 2019: 110 is 91% lower than the same period last year (1,200, row 6); check the figure (the "
        "catalogue's plausible_change allows up to x3 and -70%) (rule: plausible_change)")
    assert run_check(project, capsys, "2019-20-Q2", "--strict")[0] == 2
    catalogue = project / "data" / "catalogue.yml"
    catalogue.write_text(catalogue.read_text().replace(
        "  asb_incidents:\n", "  asb_incidents:\n    plausible_change: {fall: 95}\n"))
    code, lines = run_check(project, capsys, "2019-20-Q2", "--strict")
    assert code == 0 and not [line for line in lines if "plausible" in line]


def test_a_figure_far_outside_its_history_is_a_warning(project, capsys):
    history = "".join(f"specials_headcount,Essex,{year}-{month}-{day},{year}-{month}-{day},{value},test fixture,\n"
                      for year, month, day, value in ((2017, "12", "31", 470), (2018, "03", "31", 480),
                                                      (2018, "06", "30", 490), (2018, "12", "31", 500),
                                                      (2019, "03", "31", 505), (2019, "06", "30", 510)))
    add_measures(project, "history.csv", history)
    row = replace_row(project, "specials_headcount,Essex,2019-09-30,2019-09-30,515,",
                      "specials_headcount,Essex,2019-09-30,2019-09-30,5150,")
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 0
    line = one_line(lines, f"fixture.csv, row {row}")
    assert "5,150 is" in line and ("plausible_change" in line or "plausible_history" in line)
    row = replace_row(project, "specials_headcount,Essex,2019-09-30,2019-09-30,5150,",
                      "specials_headcount,Essex,2019-09-30,2019-09-30,1150,")
    catalogue = project / "data" / "catalogue.yml"
    catalogue.write_text(catalogue.read_text().replace(
        "  specials_headcount:\n", "  specials_headcount:\n    plausible_change: {rise: 10}\n"))
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert one_line(lines, "plausible_history") == (
        f"warning: data/measures/fixture.csv, row {row}, column value: 'specials_headcount' in Essex, 30 September "
        "2019: 1,150 is more than 2 times the highest of its 7 earlier periods (464 to 510); check the figure "
        "(rule: plausible_history)")


def test_a_part_larger_than_its_catalogue_total_is_a_warning(project, capsys):
    catalogue = project / "data" / "catalogue.yml"
    catalogue.write_text(catalogue.read_text() + (
        "  asb_repeat_incidents:\n    label: Repeat anti-social behaviour incidents\n    priority: 2\n"
        "    commitment: p2_repeat_high_harm\n    unit: count\n    kind: total\n    better: lower\n"
        "    at_most: asb_incidents\n    source: test fixture\n    definition: Incidents at an address reported before.\n"))
    add_measures(project, "repeats.csv", "asb_repeat_incidents,Southend,2019-07-01,2019-09-30,1300,test fixture,\n")
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 0
    assert one_line(lines, "plausible_part").startswith(
        "warning: data/measures/repeats.csv, row 2, column value: 'asb_repeat_incidents' in Southend, July to "
        "September 2019: 1,300 is more than 'asb_incidents' (anti-social behaviour incidents: 1,100, "
        "data/measures/fixture.csv row 7) for the same area and period")
    catalogue.write_text(catalogue.read_text().replace("at_most: asb_incidents", "at_most: asb_incident"))
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 2
    assert "at_most names 'asb_incident', which is not a measure in data/catalogue.yml (did you mean " \
           "'asb_incidents'?)" in one_line(lines, "column at_most")


def test_every_commentary_problem_is_listed_in_one_run_beside_the_measures_problems(project, capsys):
    p1 = project / "data" / "commentary" / "2019-20-Q2" / "p1.md"
    p1.write_text(p1.read_text() + (
        "- {{specials_headcont}} joined.\n"            # line 12: misspelt measure
        "- {{specials_headcount.chnage}} more.\n"      # line 13: misspelt field
        "- {{specials_headcount@Southend}} there.\n"   # line 14: no data for the area
        "- {{Specials}} and {{calls_answered_pct}\n"   # line 15: malformed, twice
        "### Atlantis\n- lost.\n"))                     # line 16: unknown area
    p2 = project / "data" / "commentary" / "2019-20-Q2" / "p2.md"
    p2.write_text(p2.read_text() + "- {{asb_incidents@Southend.target}} by then.\n")
    row = replace_row(project, "asb_incidents,Southend,2019-07-01,2019-09-30,1100",
                      "asb_incidents,Southend,2019-07-01,2019-09-30,110")
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 2
    commentary = [line for line in lines if "data/commentary/" in line]
    import re

    assert sorted(re.search(r"(p\d\.md), line (\d+)", line).groups() for line in commentary) == [
        ("p1.md", "12"), ("p1.md", "13"), ("p1.md", "14"), ("p1.md", "15"), ("p1.md", "15"), ("p1.md", "16"),
        ("p2.md", "5")], commentary
    assert "unknown measure 'specials_headcont' (not in data/catalogue.yml) (did you mean 'specials_headcount'?)" \
        in one_line(commentary, "line 12")
    assert "unknown field 'chnage' (did you mean 'change'?)" in one_line(commentary, "line 13")
    assert "no value of specials_headcount in Southend for 2019/20 Q2" in one_line(commentary, "line 14")
    assert "unknown area 'Atlantis'" in one_line(commentary, "line 16")
    assert "no target for asb_incidents" in one_line(commentary, "p2.md, line 5")
    assert one_line(lines, "plausible_change", f"row {row}"), "the measures' warnings are still listed"


@pytest.mark.parametrize(("text", "word"), [
    ("- {{specials_hours}} hours of duty.", "hours"), ("- {{calls_answered_pct}}% answered.", "%"),
    ("- up {{calls_answered_pct.change_pct}} per cent.", "per cent"), ("- £{{cash_seized}} taken.", "£"),
])
def test_a_unit_written_after_a_reference_that_prints_it_is_a_warning(project, capsys, text, word):
    catalogue = project / "data" / "catalogue.yml"
    catalogue.write_text(catalogue.read_text() + "".join(
        f"  {m}:\n    label: {m}\n    priority: 1\n    commitment: p1_police_family\n    unit: {unit}\n"
        "    kind: total\n    better: higher\n    source: test fixture\n    definition: A figure.\n"
        for m, unit in (("specials_hours", "hours"), ("cash_seized", "gbp"))))
    add_measures(project, "more.csv", "".join(f"{m},Essex,{y}-07-01,{y}-09-30,{v},test fixture,\n"
                                              for m in ("specials_hours", "cash_seized") for y, v in ((2018, 400), (2019, 512))))
    p1 = project / "data" / "commentary" / "2019-20-Q2" / "p1.md"
    p1.write_text(p1.read_text() + text + "\n")
    code, lines = run_check(project, capsys, "2019-20-Q2")
    assert code == 0
    line = one_line(lines, "commentary_unit")
    assert line.startswith("warning: data/commentary/2019-20-Q2/p1.md, line 12: {{")
    assert f"so {word!r} beside it repeats it" in line
    if text.startswith("- {{specials_hours}}"):
        assert "prints its unit (e.g. '51,200 hours')" in line
        assert "or write {{specials_hours.number}} for the figure without its unit" in line
        p1.write_text(p1.read_text().replace(text, "- {{specials_hours.number}} hours of duty."))
        code, lines = run_check(project, capsys, "2019-20-Q2")
        assert code == 0 and not [line for line in lines if "commentary_unit" in line]


def test_the_quarter_is_compared_once_for_the_checks_and_the_update(project, monkeypatch):
    """The row checks, the plausibility warnings and every priority's section share one
    comparison of the quarter (a fresh project: nothing remembered from another test)."""
    from crimeplan.stats import compare

    calls = []
    counted = compare.compare_all
    monkeypatch.setattr(compare, "compare_all", lambda *args, **kw: calls.append(kw) or counted(*args, **kw))
    edition = load_edition(Project(project), Quarter.parse("2019-20-Q2"))
    shown = [c for p in edition.plan.priorities for c in edition.comparisons(p.number)]
    assert len(calls) == 1 and calls[0].get("priority") is None, calls
    assert shown and all(c.area in edition.plan.areas for c in shown)
