"""Home Office workforce ingest: tables found by content, releases merged, errors, real files.

Hand check of the real-file figures without pandas (see docs/ingest.md):
    unzip -p police-workforce-sep19-tables.ods content.xml, find the "Table 12: Special
    constables" table and its Essex row: 476 (30 Sep 2018), 517 (31 Mar 2019), 519 (30 Sep 2019).
"""

from __future__ import annotations

import shutil
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from crimeplan.errors import InputError
from crimeplan.ingest import SOURCES, ingest
from crimeplan.ingest.common import ForceNames

REPO = Path(__file__).resolve().parents[1]
FORCES = ForceNames.load(REPO / "data" / "reference").forces
from conftest import SHARED_DATA as SHARED  # noqa: E402

needs_shared = pytest.mark.skipif(
    not (SHARED / "home_office_workforce").is_dir(),
    reason=f"real Home Office workforce tables not present at {SHARED}",
)
SEP18, MAR19, SEP19 = datetime(2018, 9, 30), datetime(2019, 3, 31), datetime(2019, 9, 30)
SPELLINGS = {"Avon and Somerset": "Avon & Somerset", "City of London": "London, City of",
             "Devon and Cornwall": "Devon & Cornwall", "South Wales": "South Wales3"}


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "data" / "reference", tmp_path / "data" / "reference")
    return tmp_path / "data"


def force_table(title: str, unit: str, dates: list[datetime],
                values: dict[str, list[object]], total_offset: float = 0) -> pd.DataFrame:
    """A sheet laid out like the Home Office tables: title, unit, dates, regions, forces."""
    width = len(dates) + 1
    rows: list[list[object]] = [[title] + [None] * len(dates), [None] * width,
                                ["England and Wales"] + [None] * (width - 2) + [unit],
                                [None, "As at:"] + [None] * (width - 2),
                                [None] + dates]
    rows.append(["West Midlands "] + [99999] * len(dates))  # a region, named like a force
    for force in FORCES:
        rows.append([SPELLINGS.get(force, force)] + values.get(force, [1] * len(dates)))
    totals = [sum(v for v in column if isinstance(v, (int, float))) + total_offset
              for column in zip(*(values.get(f, [1] * len(dates)) for f in FORCES))]
    rows += [["Total 43 forces"] + totals, ["British Transport Police"] + [5] * len(dates),
             [None] * width, ["Notes"] + [None] * len(dates), ["1. A footnote."] + [None] * len(dates)]
    return pd.DataFrame(rows)


def write_ods(path: Path, sheets: dict[str, pd.DataFrame]) -> Path:
    with pd.ExcelWriter(path, engine="odf") as writer:
        for name, sheet in sheets.items():
            sheet.to_excel(writer, sheet_name=name, header=False, index=False)
    return path


def release_2019(path: Path, **specials_options: object) -> Path:
    return write_ods(path, {
        "Index": pd.DataFrame([["Police Workforce, England and Wales, 30 September 2019"]]),
        "Table_1": force_table("Table 1: Police officers by police force area, England and "
                               "Wales (FTE)", "Full-time equivalents", [SEP18, SEP19],
                               {"Essex": [2959.9001, 3187.4950000000003]}),
        "Table_7": force_table("Table 7: Police officers by police force area, England and "
                               "Wales (headcount)", "Headcount", [MAR19, SEP19],
                               {"Essex": [3162, 3274]}),
        "Table_12": force_table("Table 12: Special constables by police force area, England "
                                "and Wales1 (headcount)", "Headcount", [SEP18, MAR19, SEP19],
                                {"Essex": [476, 517, 519], "Kent": [300, 310, "-"]},
                                **specials_options),
        "Table_13": force_table("Table 13: Police support volunteers by police force area",
                                "Headcount", [SEP18, SEP19],
                                {"Essex": [141, 132], "Gwent": ["..", 22]}),
    })


def release_2018(path: Path) -> Path:
    return write_ods(path, {
        "Table_5": force_table("Table 5: Special constables by police force area, English "
                               "region and Wales", "Headcount", [datetime(2017, 9, 30), SEP18],
                               {"Essex": [390, 470]}),
    })


def read_output(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "measures" / "home_office_workforce.csv", dtype=str,
                       keep_default_na=False)


def pick(rows: pd.DataFrame, measure: str, area: str, day: str) -> pd.Series:
    match = rows[(rows.measure == measure) & (rows.area == area) & (rows.period_start == day)]
    assert len(match) == 1, f"{measure} {area} {day}: {len(match)} rows"
    return match.iloc[0]


def test_tables_found_by_content_and_latest_release_wins(data_dir: Path, tmp_path: Path) -> None:
    files = [release_2019(tmp_path / "sep19.ods"), release_2018(tmp_path / "sep18.ods")]
    report = ingest("home-office-workforce", files, data_dir, progress=False)
    rows = read_output(data_dir)
    specials = pick(rows, "specials_headcount_home_office", "Essex", "2019-09-30")
    assert (specials["value"], specials["period_end"]) == ("519", "2019-09-30")
    assert specials["source"] == "Home Office police workforce tables, 30 September 2019 release"
    revised = pick(rows, "specials_headcount_home_office", "Essex", "2018-09-30")
    assert revised["value"] == "476"
    assert revised["note"] == "revised: the 30 September 2018 release gave 470"
    assert pick(rows, "specials_headcount_home_office", "Essex", "2017-09-30")["value"] == "390"
    assert pick(rows, "specials_headcount_home_office", "Kent", "2019-09-30")["value"] == "0"
    assert pick(rows, "officers_fte_home_office", "Essex", "2019-09-30")["value"] == "3187.5"
    assert pick(rows, "officers_headcount_home_office", "Essex", "2019-03-31")["value"] == "3162"
    assert pick(rows, "police_support_volunteers_home_office", "Gwent", "2019-09-30")["value"] == "22"
    assert rows[(rows.area == "Gwent") & (rows.period_start == "2018-09-30")
                & (rows.measure == "police_support_volunteers_home_office")].empty
    assert {"Avon and Somerset", "City of London", "South Wales", "West Midlands"} <= set(rows.area)
    assert set(rows.area) == set(FORCES)
    assert pick(rows, "specials_headcount_home_office", "West Midlands", "2019-09-30")["value"] == "1"
    assert len(rows) == 43 * (2 + 2 + 4 + 2) - 1
    assert report.rows_written == len(rows)
    assert any("not available" in note and "Gwent 2018-09-30" in note for note in report.notes)


def test_ingest_twice_gives_a_byte_identical_file(data_dir: Path, tmp_path: Path) -> None:
    files = [release_2018(tmp_path / "a.ods"), release_2019(tmp_path / "b.ods")]
    output = data_dir / "measures" / "home_office_workforce.csv"
    ingest("home-office-workforce", files, data_dir, progress=False)
    first = output.read_bytes()
    ingest("home-office-workforce", list(reversed(files)), data_dir, progress=False)
    assert output.read_bytes() == first


def expect_error(data_dir: Path, path: Path, message: str) -> None:
    with pytest.raises(InputError) as error:
        ingest("home-office-workforce", [path], data_dir, progress=False)
    assert str(path) in str(error.value)
    assert message in str(error.value)
    assert not (data_dir / "measures").exists()


def test_unknown_force_is_named(data_dir: Path, tmp_path: Path) -> None:
    sheet = force_table("Table 5: Special constables by police force area", "Headcount",
                        [SEP19], {})
    sheet.iat[10, 0] = "Essexshire"
    expect_error(data_dir, write_ods(tmp_path / "unknown.ods", {"Table_5": sheet}),
                 "sheet 'Table_5': row 11: unknown force 'Essexshire'")


def test_missing_force_is_named(data_dir: Path, tmp_path: Path) -> None:
    sheet = force_table("Table 5: Special constables by police force area", "Headcount",
                        [SEP19], {})
    sheet = sheet[sheet[0] != "Kent"]
    expect_error(data_dir, write_ods(tmp_path / "no-kent.ods", {"Table_5": sheet}),
                 "no row for force(s) Kent")


def test_table_without_dates_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    sheet = force_table("Table 5: Special constables by police force area", "Headcount",
                        [SEP19], {})
    sheet.iat[4, 1] = "September 2019"
    expect_error(data_dir, write_ods(tmp_path / "no-dates.ods", {"Table_5": sheet}),
                 "no row of snapshot dates")


def test_total_that_does_not_add_up_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    sheet = force_table("Table 5: Special constables by police force area", "Headcount",
                        [SEP19], {}, total_offset=10)
    expect_error(data_dir, write_ods(tmp_path / "bad-total.ods", {"Table_5": sheet}),
                 "the 43 forces add up to 43 on 30 September 2019 but the table's total says 53")


def test_text_in_a_value_cell_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    sheet = force_table("Table 5: Special constables by police force area", "Headcount",
                        [SEP19], {"Essex": ["five hundred"]})
    expect_error(data_dir, write_ods(tmp_path / "text.ods", {"Table_5": sheet}),
                 "'five hundred' is not a number")


def test_workbook_without_workforce_tables_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    other = force_table("Table 2: Police staff by police force area", "Headcount", [SEP19], {})
    expect_error(data_dir, write_ods(tmp_path / "staff.ods", {"Table_2": other}),
                 "no workforce tables found")


def test_empty_and_non_ods_files_are_errors(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.ods"
    empty.write_bytes(b"")
    expect_error(data_dir, empty, "file is empty")
    text = tmp_path / "text.ods"
    text.write_text("Force,Specials\nEssex,519\n")
    expect_error(data_dir, text, "not a readable ODS spreadsheet")


def test_source_interface() -> None:
    assert SOURCES["home-office-workforce"].output_name == "home_office_workforce.csv"


@pytest.fixture(scope="module")
def real_rows(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, object]:
    data_dir = tmp_path_factory.mktemp("workforce") / "data"
    shutil.copytree(REPO / "data" / "reference", data_dir / "reference")
    report = ingest("home-office-workforce", [SHARED / "home_office_workforce"], data_dir,
                    progress=False)
    committed = REPO / "data" / "measures" / "home_office_workforce.csv"
    written = data_dir / "measures" / "home_office_workforce.csv"
    assert written.read_bytes() == committed.read_bytes()
    return read_output(data_dir), report


@needs_shared
def test_real_essex_specials_match_the_published_tables(real_rows) -> None:
    rows, _ = real_rows
    specials = rows[(rows.measure == "specials_headcount_home_office") & (rows.area == "Essex")]
    by_day = dict(zip(specials.period_start, specials["value"].astype(int)))
    assert by_day["2019-09-30"] == 519  # not the force's own 515
    assert by_day["2018-09-30"] == 476
    assert by_day["2014-09-30"] == 388
    assert len(by_day) == 11  # every 31 March and 30 September, 2014 to 2019
    revised = pick(rows, "specials_headcount_home_office", "Essex", "2015-09-30")
    assert (revised["value"], revised["note"]) == (
        "353", "revised: the 30 September 2015 release gave 361")


@needs_shared
def test_real_officers_and_volunteers(real_rows) -> None:
    rows, report = real_rows
    assert pick(rows, "officers_headcount_home_office", "Essex", "2019-09-30")["value"] == "3274"
    assert pick(rows, "officers_fte_home_office", "Essex", "2019-09-30")["value"] == "3187.5"
    assert pick(rows, "police_support_volunteers_home_office", "Essex", "2019-09-30")["value"] == "132"
    assert pick(rows, "specials_headcount_home_office", "Metropolitan Police", "2019-09-30")["value"] == "1838"
    assert set(rows.area) == set(FORCES)
    assert report.rows_written == len(rows)
