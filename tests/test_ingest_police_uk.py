"""police.uk street-level ingest: fixtures in both header styles, zip input, errors, real files.

Hand check of the real-file figures (independent of pandas; see docs/ingest.md):
    grep -c ",Anti-social behaviour," ../shared/data/police_uk_street/essex/2018-04-essex-street.csv
    -> 4194 Essex ASB records in April 2018; the same awk join on the ONS LSOA lookup gives
    Basildon 434 and Southend-on-Sea 587.
"""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from crimeplan.errors import InputError
from crimeplan.ingest import SOURCES, ingest
from crimeplan.ingest.police_uk import PoliceUkSource

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures" / "ingest" / "police_uk"
ORIGINAL = FIXTURES / "original" / "2018-04-fixture-street.csv"
SNAKE = FIXTURES / "snake" / "2018-05-fixture-street.csv"
from conftest import SHARED_DATA as SHARED  # noqa: E402

needs_shared = pytest.mark.skipif(
    not (SHARED / "police_uk_street").is_dir(),
    reason=f"real police.uk files not present at {SHARED} (raw public data lives beside the repo)",
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A data folder with the committed reference files and no measures yet."""
    shutil.copytree(REPO / "data" / "reference", tmp_path / "reference")
    return tmp_path


def value(rows: pd.DataFrame, measure: str, area: str, start: str) -> int:
    match = rows[(rows.measure == measure) & (rows.area == area) & (rows.period_start == start)]
    assert len(match) == 1, f"{measure} {area} {start}: {len(match)} rows"
    return int(match["value"].iloc[0])


def read_output(data_dir: Path) -> pd.DataFrame:
    return pd.read_csv(data_dir / "measures" / "police_uk.csv", dtype=str, keep_default_na=False)


def test_both_header_styles_aggregate_by_month_district_and_force(data_dir: Path) -> None:
    report = ingest("police-uk", [ORIGINAL, SNAKE], data_dir, progress=False)
    rows = read_output(data_dir)
    assert list(rows.columns) == ["measure", "area", "period_start", "period_end", "value",
                                  "source", "note"]
    # April: 3 Essex ASB records (2 in Basildon, 1 without a location); Kent's is skipped.
    assert value(rows, "police_uk_asb_incidents", "Essex", "2018-04-01") == 3
    assert value(rows, "police_uk_asb_incidents", "Basildon", "2018-04-01") == 2
    assert value(rows, "police_uk_asb_incidents", "Thurrock", "2018-04-01") == 0
    # Drugs record in a Suffolk LSOA: force-wide only.
    assert value(rows, "police_uk_drugs", "Essex", "2018-04-01") == 1
    assert rows[(rows.measure == "police_uk_drugs") & (rows.area != "Essex")
                & (rows.period_start == "2018-04-01")]["value"].astype(int).sum() == 0
    assert value(rows, "police_uk_possession_of_weapons", "Southend-on-Sea", "2018-05-01") == 1
    assert value(rows, "police_uk_asb_incidents", "Southend-on-Sea", "2018-05-01") == 1
    assert set(rows[rows.period_start == "2018-05-01"]["period_end"]) == {"2018-05-31"}
    assert "police_uk_burglary" not in set(rows.measure)
    assert report.rows_read == 10
    assert report.rows_written == len(rows) == 2 * 7 * 15
    assert "1 records of other forces skipped" in report.notes
    assert any(n.startswith("1 Essex records without an LSOA") for n in report.notes)
    assert any(n.startswith("1 Essex records in an LSOA outside") for n in report.notes)


def test_zip_archive_gives_the_same_file_as_folders(data_dir: Path, tmp_path: Path) -> None:
    ingest("police-uk", [FIXTURES], data_dir, progress=False)
    from_folders = (data_dir / "measures" / "police_uk.csv").read_bytes()
    archive = tmp_path / "police-uk-archive.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.write(ORIGINAL, "2018-04/2018-04-essex-street.csv")
        zipped.write(SNAKE, "2018-05/2018-05-essex-street.csv")
        zipped.writestr("2018-05/2018-05-essex-outcomes.csv", "not,a,street,file\n")
    report = ingest("police-uk", [archive], data_dir, progress=False)
    assert (data_dir / "measures" / "police_uk.csv").read_bytes() == from_folders
    assert report.rows_read == 10


def test_ingest_twice_gives_a_byte_identical_file(data_dir: Path) -> None:
    output = data_dir / "measures" / "police_uk.csv"
    ingest("police-uk", [SNAKE, ORIGINAL], data_dir, progress=False)
    first = output.read_bytes()
    ingest("police-uk", [ORIGINAL, SNAKE], data_dir, progress=False)
    assert output.read_bytes() == first


def broken_copy(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "broken-street.csv"
    text = ORIGINAL.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("LSOA code,", "LSOA,", "missing column(s) lsoa_code"),
        (",2018-04,Essex Police,Essex Police,0.4602", ",2018-13,Essex Police,Essex Police,0.4602",
         "line 3, column Month: '2018-13' is not a month"),
        ("a3,2018-04,Essex Police,Essex Police", "a3,2018-04,Essex Police,Essx Police",
         "line 7, column Falls within: unknown force 'Essx Police'"),
        ("Burglary", "Burgling", "line 7, column Crime type: unknown crime type 'Burgling'"),
    ],
)
def test_malformed_file_names_file_and_problem_and_writes_nothing(
    data_dir: Path, tmp_path: Path, old: str, new: str, message: str
) -> None:
    broken = broken_copy(tmp_path, old, new)
    with pytest.raises(InputError) as error:
        ingest("police-uk", [SNAKE, broken], data_dir, progress=False)
    assert str(broken) in str(error.value)
    assert message in str(error.value)
    assert not (data_dir / "measures").exists()


def test_empty_and_header_only_files_are_errors(data_dir: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty-street.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty-street\.csv: file is empty"):
        ingest("police-uk", [empty], data_dir, progress=False)
    header_only = tmp_path / "header-street.csv"
    header_only.write_text(ORIGINAL.read_text().splitlines()[0] + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"header-street\.csv: file has a header but no data"):
        ingest("police-uk", [header_only], data_dir, progress=False)
    assert not (data_dir / "measures").exists()


def test_failed_ingest_leaves_the_previous_file_untouched(data_dir: Path, tmp_path: Path) -> None:
    ingest("police-uk", [ORIGINAL], data_dir, progress=False)
    before = (data_dir / "measures" / "police_uk.csv").read_bytes()
    with pytest.raises(InputError):
        ingest("police-uk", [broken_copy(tmp_path, "2018-04,Kent", "April,Kent")], data_dir,
               progress=False)
    assert (data_dir / "measures" / "police_uk.csv").read_bytes() == before
    assert sorted(p.name for p in (data_dir / "measures").iterdir()) == ["police_uk.csv"]


def test_same_month_twice_is_refused(data_dir: Path, tmp_path: Path) -> None:
    again = tmp_path / "again-street.csv"
    shutil.copy(ORIGINAL, again)
    with pytest.raises(InputError, match=r"again-street\.csv: month 2018-04 is also in"):
        ingest("police-uk", [ORIGINAL, again], data_dir, progress=False)


def test_no_records_for_the_force_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    kent_only = tmp_path / "kent-street.csv"
    lines = ORIGINAL.read_text().splitlines()
    kent_only.write_text("\n".join([lines[0], lines[-1]]) + "\n")
    with pytest.raises(InputError, match="no records for Essex"):
        ingest("police-uk", [kent_only], data_dir, progress=False)


def test_missing_path_is_an_error(data_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"nowhere\.csv: file not found"):
        ingest("police-uk", [tmp_path / "nowhere.csv"], data_dir, progress=False)


def test_source_interface() -> None:
    source = SOURCES["police-uk"]
    assert source.output_name == "police_uk.csv"
    rows = source.read([ORIGINAL], progress=False)
    assert value(rows.assign(period_start=rows.period_start.astype(str)),
                 "police_uk_asb_incidents", "Essex", "2018-04-01") == 3


@needs_shared
def test_real_essex_files(data_dir: Path) -> None:
    report = ingest("police-uk", [SHARED / "police_uk_street" / "essex"], data_dir,
                    progress=False)
    rows = read_output(data_dir)
    assert value(rows, "police_uk_asb_incidents", "Essex", "2018-04-01") == 4194
    assert value(rows, "police_uk_asb_incidents", "Basildon", "2018-04-01") == 434
    assert value(rows, "police_uk_asb_incidents", "Southend-on-Sea", "2018-04-01") == 587
    assert report.rows_read == 115_065
    assert sorted(rows.period_start.unique())[0] == "2018-01-01"
    assert sorted(rows.period_end.unique())[-1] == "2018-07-31"
    committed = REPO / "data" / "measures" / "police_uk.csv"
    assert (data_dir / "measures" / "police_uk.csv").read_bytes() == committed.read_bytes()


@needs_shared
def test_real_west_yorkshire_file_in_original_header_style() -> None:
    path = SHARED / "police_uk_street" / "west_yorkshire" / "2018-07-west-yorkshire-street.csv"
    result = PoliceUkSource(force="West Yorkshire").read_all(
        [path], progress=False, reference_dir=REPO / "data" / "reference")
    rows = result.measures
    asb = rows[(rows.measure == "police_uk_asb_incidents") & (rows.area == "West Yorkshire")]
    assert asb["value"].tolist() == [5442]  # grep -c ",Anti-social behaviour," on the file
    assert set(rows.area) == {"West Yorkshire", "Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield"}
    assert result.rows_read == 31_635
