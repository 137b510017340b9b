"""Recorded crime ingest: quarterly sums by force and offence group, errors, real file.

Hand check of the real-file figure with awk (see docs/ingest.md):
    awk -F, '$3=="Essex" && $2=="1" {s+=$NF} END {print s}' prc-pfa-mar2013-onwards-tables201718.csv
    -> 32890 offences recorded by Essex in 2017/18 Q1.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from crimeplan.errors import InputError
from crimeplan.ingest import SOURCES, ingest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "ingest" / "recorded_crime" / "fixture-recorded-crime.csv"
from conftest import SHARED_DATA as SHARED  # noqa: E402

REAL_FILE = SHARED / "home_office_recorded_crime" / "prc-pfa-mar2013-onwards-tables201718.csv"
needs_shared = pytest.mark.skipif(
    not REAL_FILE.is_file(), reason=f"real Home Office recorded crime file not present at {SHARED}"
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "data" / "reference", tmp_path / "data" / "reference")
    return tmp_path / "data"


def read_output(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "measures" / "recorded_crime.csv", dtype=str,
                       keep_default_na=False)


def value(rows: pd.DataFrame, measure: str, area: str, start: str, end: str) -> int:
    match = rows[(rows.measure == measure) & (rows.area == area) & (rows.period_start == start)]
    assert len(match) == 1, f"{measure} {area} {start}: {len(match)} rows"
    assert match["period_end"].iloc[0] == end
    return int(match["value"].iloc[0])


def test_sums_by_force_group_and_quarter(data_dir: Path) -> None:
    report = ingest("recorded-crime", [FIXTURE], data_dir, progress=False)
    rows = read_output(data_dir)
    q1, q2 = ("2017-04-01", "2017-06-30"), ("2017-07-01", "2017-09-30")
    assert value(rows, "recorded_crime_total", "Essex", *q1) == 40 + 25 + 3 + 1200 + 30 + 50 + 400 + 1
    assert value(rows, "recorded_crime_total", "Essex", *q2) == 410 - 1
    assert value(rows, "recorded_crime_sexual_offences", "Essex", *q1) == 65
    assert value(rows, "recorded_crime_rape", "Essex", *q1) == 40
    assert value(rows, "recorded_crime_modern_slavery", "Essex", *q1) == 3
    assert value(rows, "recorded_crime_violence_against_the_person", "Essex", *q1) == 1204
    assert value(rows, "recorded_crime_drug_offences", "Essex", *q1) == 80
    assert value(rows, "recorded_crime_drug_trafficking", "Essex", *q1) == 30
    assert value(rows, "recorded_crime_possession_of_weapons_offences", "Essex", *q1) == 0
    assert value(rows, "recorded_crime_total", "City of London", *q1) == 7
    assert value(rows, "recorded_crime_total", "Avon and Somerset", *q1) == 300
    assert value(rows, "recorded_crime_total", "Avon and Somerset", *q2) == 0
    assert set(rows.area) == {"Essex", "City of London", "Avon and Somerset"}
    assert "recorded_crime_theft_offences" not in set(rows.measure)
    assert report.rows_written == len(rows) == 11 * 3 * 2
    assert report.rows_read == 14
    assert report.notes[0].startswith("1 rows of bodies other than the 43 forces skipped (Action Fraud)")


def test_ingest_twice_gives_a_byte_identical_file(data_dir: Path) -> None:
    output = data_dir / "measures" / "recorded_crime.csv"
    ingest("recorded-crime", [FIXTURE], data_dir, progress=False)
    first = output.read_bytes()
    ingest("recorded-crime", [FIXTURE.parent], data_dir, progress=False)
    assert output.read_bytes() == first


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "broken-recorded-crime.csv"
    text = FIXTURE.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("Offence Group,", "Group,", "missing column(s) offence_group"),
        ("2017/18,2,Essex,Shoplifting", "2017/18,5,Essex,Shoplifting",
         "line 11, column Financial Quarter: '5' is not valid (expected 1, 2, 3 or 4)"),
        ("2017/18,2,Essex,Shoplifting", "2017-18,2,Essex,Shoplifting",
         "line 11, column Financial Year: '2017-18' is not valid"),
        ("2017/18,2,Essex,Shoplifting", "2017/19,2,Essex,Shoplifting",
         "line 11: quarter id '2017-19-Q2' is impossible"),
        ("Avon and Somerset", "Avalon", "line 14, column Force Name: unknown force 'Avalon'"),
        ("Shoplifting,46, 410 ", "Shoplifting,46, many ",
         "line 11, column Number of Offences: 'many' is not a whole number"),
        ("Drug offences,Trafficking", "Drugs,Trafficking",
         "line 6, column Offence Group: unknown offence group 'Drugs'"),
    ],
)
def test_malformed_file_names_file_and_problem_and_writes_nothing(
    data_dir: Path, tmp_path: Path, old: str, new: str, message: str
) -> None:
    broken = broken_copy(tmp_path, old, new)
    with pytest.raises(InputError) as error:
        ingest("recorded-crime", [broken], data_dir, progress=False)
    assert str(broken) in str(error.value)
    assert message in str(error.value)
    assert not (data_dir / "measures").exists()


def test_empty_file_and_repeated_quarter_are_errors(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(InputError, match=r"empty\.csv: file is empty"):
        ingest("recorded-crime", [empty], data_dir, progress=False)
    again = tmp_path / "again.csv"
    shutil.copy(FIXTURE, again)
    with pytest.raises(InputError, match=r"again\.csv: quarter 2017/18 Q1 is also in"):
        ingest("recorded-crime", [FIXTURE, again], data_dir, progress=False)
    assert not (data_dir / "measures").exists()


def test_unknown_source_is_an_error(data_dir: Path) -> None:
    with pytest.raises(InputError, match="unknown ingest source 'crime'"):
        ingest("crime", [FIXTURE], data_dir, progress=False)
    assert SOURCES["recorded-crime"].output_name == "recorded_crime.csv"


@needs_shared
def test_real_file(data_dir: Path) -> None:
    report = ingest("recorded-crime", [REAL_FILE], data_dir, progress=False)
    rows = read_output(data_dir)
    assert value(rows, "recorded_crime_total", "Essex", "2017-04-01", "2017-06-30") == 32890
    assert value(rows, "recorded_crime_total", "Essex", "2018-01-01", "2018-03-31") == 33505
    assert rows["area"].nunique() == 43
    assert report.rows_read == 23_068
    committed = REPO / "data" / "measures" / "recorded_crime.csv"
    assert (data_dir / "measures" / "recorded_crime.csv").read_bytes() == committed.read_bytes()
