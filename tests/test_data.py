"""Loaders: typed columns on good input; one InputError listing every problem (never a
pandas traceback) on bad input; fast enough for ingested data."""

from __future__ import annotations

import os
import shutil
from datetime import date

import pandas as pd
import pytest

from conftest import write_measures
from crimeplan.errors import InputError
from crimeplan.inputs.measures import read_catalogue, read_measures
from loaders import load_areas, load_catalogue, load_measures

HEADER = "measure,area,period_start,period_end,value,source,note\n"




def test_load_measures_types_and_columns(data_dir):
    measures = load_measures(data_dir)
    assert list(measures.columns) == [
        "measure", "area", "period_start", "period_end", "value", "source", "note", "status", "period_assumed",
        "qualifier", "row", "file",
    ]
    first = measures.iloc[0]
    assert first["period_start"] == date(2018, 9, 30) and isinstance(first["period_start"], date)
    assert first["value"] == 464.0 and measures["value"].dtype == float
    assert first["file"] == str(data_dir / "measures" / "fixture.csv")
    assert measures["row"].tolist() == [2, 3, 4, 5, 6, 7]
    assert measures.loc[4, "note"] == "a note, with a comma"


def test_optional_columns_may_be_left_out_and_blank_lines_keep_row_numbers(data_dir):
    write_measures(data_dir, "measure,area,period_start,period_end,value\n"
                             "asb_incidents,Southend,2019-04-01,2019-06-30,900\n\n"
                             "asb_incidents,Basildon,2019-04-01,2019-06-30, 12 \n")
    measures = load_measures(data_dir)
    assert measures[["area", "value", "row", "source"]].values.tolist() == [
        ["Southend", 900.0, 2, ""], ["Basildon", 12.0, 4, ""],
    ]


def test_load_measures_lists_every_problem_in_one_error(data_dir):
    write_measures(data_dir, HEADER + "asb_incidents,Southend,Sept 19,2019-06-30,900,,\n"
                                      "asb_incidents,Southend,2019-04-01,2019-06-30,12.5.1,,\n"
                                      "Bad Id,Southend,2019-04-01,2019-06-30,1,,\n")
    with pytest.raises(InputError) as caught:
        load_measures(data_dir)
    message = str(caught.value)
    assert message.startswith("3 problem(s) in the input:")
    assert "data/measures/fixture.csv, row 2, column period_start: 'Sept 19' is not a real calendar date" in message
    assert "data/measures/fixture.csv, row 3, column value: '12.5.1' is not a number" in message
    assert "data/measures/fixture.csv, row 4, column measure: 'Bad Id' is not a measure id" in message
    assert "Traceback" not in message


def test_row_with_too_many_fields_is_reported_not_a_parser_crash(data_dir):
    write_measures(data_dir, HEADER + "asb_incidents,Southend,2019-04-01,2019-06-30,1,200,,\n")
    with pytest.raises(InputError, match=r"fixture.csv, row 2: the row has 8 fields but the header has 7"):
        load_measures(data_dir)


def test_duplicate_header_and_empty_file(data_dir):
    write_measures(data_dir, "measure,area,period_start,period_end,value,value\n")
    write_measures(data_dir, "", name="empty.csv")
    _, problems = read_measures(data_dir)
    assert [str(p) for p in problems] == [
        "error: data/measures/empty.csv, row 1: the file is empty: it needs a header row (rule: header)",
        "error: data/measures/fixture.csv, row 1 (header), column value: column 'value' appears more than once "
        "in the header (rule: unique_column)",
    ]


def test_exact_repeats_are_dropped_and_conflicts_raise(data_dir):
    write_measures(data_dir, HEADER + "asb_incidents,Southend,2019-04-01,2019-06-30,900,,\n", name="a.csv")
    write_measures(data_dir, HEADER + "asb_incidents,Southend,2019-04-01,2019-06-30,900,other source,\n", name="b.csv")
    measures = load_measures(data_dir)
    repeated = measures[(measures["area"] == "Southend") & (measures["period_start"] == date(2019, 4, 1))]
    assert repeated["file"].tolist() == [str(data_dir / "measures" / "a.csv")]
    write_measures(data_dir, HEADER + "asb_incidents,Southend,2019-04-01,2019-06-30,901,,\n", name="c.csv")
    with pytest.raises(InputError, match=r"c.csv, row 2, column value: .* has value 901 here but 900 in "
                                         r"data/measures/a.csv row 2"):
        load_measures(data_dir)


def test_a_file_read_again_is_checked_by_its_content_and_keeps_its_own_path(data_dir, tmp_path):
    row = "asb_incidents,Southend,2019-04-01,2019-06-30,{},,\n"
    path = write_measures(data_dir, HEADER + row.format("900"))
    assert load_measures(data_dir)["value"].tolist() == [900.0]
    copy = tmp_path / "copy"
    shutil.copytree(data_dir, copy)  # the same files elsewhere: the rows name the copy's files
    assert load_measures(copy)["file"].tolist() == [str(copy / "measures" / "fixture.csv")]
    before = path.stat()
    write_measures(data_dir, HEADER + row.format("9x0"))  # the same size, then the same time
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    with pytest.raises(InputError, match="row 2, column value: '9x0' is not a number"):
        load_measures(data_dir)
    assert load_measures(copy)["value"].tolist() == [900.0]


def test_many_rows_breaking_a_rule_the_same_way_are_grouped(data_dir):
    rows = "".join(f"asb_incidents,Nowhere,{year}-04-01,{year}-06-30,5,,\n" for year in (2017, 2018, 2019))
    write_measures(data_dir, HEADER + rows + "asb_incidents,Elsewhere,2019-04-01,2019-06-30,1,,\n")
    _, problems = read_measures(data_dir, units={"asb_incidents": "count"}, area_names={"Essex"})
    assert [(p.location, p.value) for p in problems] == [("rows 2-4", "Nowhere"), ("row 5", "Elsewhere")]


def test_load_measures_reads_every_row_of_ingest_sized_data(data_dir):
    periods = pd.period_range("2010-01", periods=200, freq="M")
    rows = [
        f"measure_{m},Area {a},{p.start_time:%Y-%m-%d},{p.end_time:%Y-%m-%d},{m * a + 0.5},police.uk,\n"
        for m in range(10) for a in range(10) for p in periods
    ]
    write_measures(data_dir, HEADER + "".join(rows), name="big.csv")
    measures = load_measures(data_dir)
    assert len(measures) == 20_006


def test_catalogue_problems_name_line_and_field(data_dir):
    path = data_dir / "catalogue.yml"
    text = path.read_text()
    path.write_text(text.replace("    unit: percent\n", "    unit: percentage\n")
                    .replace("  asb_incidents:\n", "  asb_incidents:\n    colour: red\n"))
    catalogue, declared, problems = read_catalogue(data_dir)
    assert declared == {"specials_headcount", "calls_answered_pct", "asb_incidents"}
    rules = [(p.location, p.column, p.rule) for p in problems]
    assert ("line 16, measure 'calls_answered_pct'", "unit", "catalogue_literal_error") in rules
    assert ("line 22, measure 'asb_incidents'", "colour", "catalogue_extra_forbidden") in rules
    with pytest.raises(InputError, match=r"data/catalogue.yml, line 16, measure 'calls_answered_pct', column unit: "
                                         r"field 'unit': Input should be 'count', .* \(got 'percentage'\)"):
        load_catalogue(data_dir)


def test_catalogue_that_is_not_yaml(data_dir):
    (data_dir / "catalogue.yml").write_text("measures:\n  a: [unclosed\n")
    with pytest.raises(InputError, match=r"data/catalogue.yml, line 3: not valid YAML"):
        load_catalogue(data_dir)


def test_areas_merge_files_and_report_conflicts_and_unknown_parents(data_dir):
    (data_dir / "reference" / "forces.csv").write_text("area,type,parent\nEssex,force,\nKent,force,\n")
    areas = load_areas(data_dir)
    assert list(areas.columns) == ["area", "type", "parent"]
    assert areas["area"].tolist().count("Essex") == 1 and "Kent" in set(areas["area"])
    (data_dir / "reference" / "forces.csv").write_text("area,type,parent\nEssex,district,Kent\nWessex,force,Mercia\n")
    with pytest.raises(InputError) as caught:
        load_areas(data_dir)
    message = str(caught.value)
    assert ("data/reference/forces.csv, row 2, column area: area 'Essex' is listed as (district, parent 'Kent') "
            "here but as (force, parent '') in data/reference/areas.csv row 2") in message
    assert ("data/reference/forces.csv, row 3, column parent: parent 'Mercia' of area 'Wessex' is not itself an "
            "area in data/reference/") in message


def test_catalogue_entry_missing_several_fields_is_one_problem(data_dir):
    path = data_dir / "catalogue.yml"
    path.write_text(path.read_text() + "  123:\n    label: Numbered\n")
    _, declared, problems = read_catalogue(data_dir)
    assert "123" in declared
    assert [str(p) for p in problems] == [
        "error: data/catalogue.yml, line 30, measure '123': '123' is not a measure id: use lower-case snake_case "
        "(rule: measure_id)",
        "error: data/catalogue.yml, line 30, measure '123': required fields 'priority', 'commitment', 'unit', "
        "'kind', 'better', 'source', 'definition' are missing (required: label, priority, commitment, unit, kind, "
        "better, source, definition) (rule: catalogue_missing)",
    ]


def test_a_column_transformed_per_distinct_value_is_the_cell_by_cell_result_in_row_order():
    from crimeplan.inputs.schemas import parsed_dates, parsed_numbers

    cells = pd.Series(["2019-09-30", "30/09/2019", "2019-09-30", "", "2019-02-30", "2019-09-30"], index=[7, 3, 9, 1, 4, 2])
    assert parsed_dates(cells).equals(pd.to_datetime(cells, format="%Y-%m-%d", errors="coerce"))
    numbers = parsed_numbers(pd.Series(["12", "12,3", "nan", "12", "-4.5", None], index=list("abcdef")))
    assert numbers.index.tolist() == list("abcdef")
    assert numbers.isna().tolist() == [False, True, True, False, False, True]
    assert numbers[["a", "d", "e"]].tolist() == [12.0, 12.0, -4.5]
