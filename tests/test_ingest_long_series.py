"""The long public series: ONS rolling years (and the quarters they give), workforce open
data, STATS19 road casualties and Met borough crime. Small fixtures in each file's real
layout are written here; the real files (when present) are checked against sums made
with the csv module, as in docs/ingest.md."""

from __future__ import annotations

import csv
import gzip
import shutil
from pathlib import Path

import pandas as pd
import pytest

from conftest import REPO, SHARED_DATA, run_in_process
from crimeplan.errors import InputError
from crimeplan.ingest import ingest
from crimeplan.ingest.ons_recorded_crime import OnsRecordedCrimeSource, quarter_number, recover_quarters
from crimeplan.periods import Quarter

FORCES = pd.read_csv(REPO / "data" / "reference" / "forces.csv").query("type == 'force'")["area"].tolist()
ONS_ROLLING, ONS_QUARTERS = OnsRecordedCrimeSource().output_names()
ONS_HEADER = "12 months ending,PFA,Region,Offence,Rolling year total number of offences\n"


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    shutil.copytree(REPO / "data" / "reference", tmp_path / "data" / "reference")
    return tmp_path / "data"


def output(data_dir: Path, *names: str) -> dict[tuple[str, str, str], str]:
    rows = {}
    for name in names:
        with (data_dir / "measures" / name).open(encoding="utf-8") as file:
            rows |= {(r["measure"], r["area"], r["period_start"]): r["value"] for r in csv.DictReader(file)}
    return rows


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- ONS rolling years -----------------------------------------------------------------------

# Essex quarters 2016/17 Q4 .. 2018/19 Q1 (invented): the rolling years below are their sums.
QUARTERS = {"2016-17-Q4": 100, "2017-18-Q1": 110, "2017-18-Q2": 120, "2017-18-Q3": 130, "2017-18-Q4": 140,
            "2018-19-Q1": 150}
KNOWN = ("2017-18-Q1", "2017-18-Q2", "2017-18-Q3", "2017-18-Q4")


def ons_fixture(tmp_path: Path) -> Path:
    """Years ending March 2017 (90 + the four quarters before), June 2017 ... June 2018, in
    the ONS layout: day-first dates, one ISO date, the source's 30/12 day, a second offence
    group, a fraud row (left out of the total) and British Transport Police (skipped)."""
    q = {k: v for k, v in QUARTERS.items()}
    years = {  # rolling year ending with the quarter: the four quarters up to it
        "31/03/2017": 90 + 95 + 98 + q["2016-17-Q4"],  # quarters of 2016/17 not otherwise used
        "30/06/2017": 95 + 98 + q["2016-17-Q4"] + q["2017-18-Q1"],
        "2017-09-30": 98 + q["2016-17-Q4"] + q["2017-18-Q1"] + q["2017-18-Q2"],
        "30/12/2017": q["2016-17-Q4"] + q["2017-18-Q1"] + q["2017-18-Q2"] + q["2017-18-Q3"],
        "31/03/2018": sum(q[k] for k in KNOWN),
        "30/06/2018": sum(q[k] for k in KNOWN[1:]) + q["2018-19-Q1"],
    }
    lines = [ONS_HEADER]
    for day, total in years.items():
        lines.append(f"{day},Essex,East,Robbery,{total - 10}\n")
        lines.append(f"{day},Essex,East,Violence with injury,10\n")
        lines.append(f"{day},Essex,East,Fraud offences,7\n")
        lines.append(f"{day},British Transport Police,British Transport Police,Robbery,5\n")
    return write(tmp_path / "rec-crime-pfa.csv", "".join(lines))


def known_quarters(data_dir: Path, quarters=KNOWN, values=QUARTERS) -> None:
    rows = ["measure,area,period_start,period_end,value,source,note"]
    for quarter_id in quarters:
        quarter = Quarter.parse(quarter_id)
        rows.append(f"recorded_crime_total,Essex,{quarter.start},{quarter.end},{values[quarter_id]},Home Office,")
    (data_dir / "measures").mkdir(parents=True, exist_ok=True)
    write(data_dir / "measures" / "recorded_crime.csv", "\n".join(rows) + "\n")


def test_rolling_years_keep_their_twelve_months_in_either_date_style(tmp_path: Path, data_dir: Path) -> None:
    report = ingest("ons-recorded-crime", [ons_fixture(tmp_path)], data_dir, progress=False)
    rows = output(data_dir, ONS_ROLLING)
    assert rows[("recorded_crime_total_rolling_year", "Essex", "2017-04-01")] == "500"  # year ending March 2018
    assert rows[("recorded_crime_total_rolling_year", "Essex", "2016-10-01")] == "428"  # ISO 2017-09-30
    assert rows[("recorded_crime_robbery_rolling_year", "Essex", "2017-04-01")] == "490"
    assert rows[("recorded_crime_violence_against_the_person_rolling_year", "Essex", "2017-04-01")] == "10"
    ends = pd.read_csv(data_dir / "measures" / ONS_ROLLING, dtype=str)
    december = ends[ends["period_start"] == "2017-01-01"]
    assert set(december["period_end"]) == {"2017-12-31"}  # 30/12/2017 read as the year to 31 December
    assert not (ends["area"] == "British Transport Police").any()
    assert any("30/12/2017" in note for note in report.notes)
    assert any("no recorded_crime.csv" in note for note in report.notes)  # no known quarters: none recovered
    assert not ends["measure"].eq("recorded_crime_total").any()
    assert not output(data_dir, ONS_QUARTERS)  # the quarters' file is written, with no rows


def test_quarters_are_recovered_by_differencing_and_agree_with_the_known_year(tmp_path: Path, data_dir: Path) -> None:
    known_quarters(data_dir)
    ingest("ons-recorded-crime", [ons_fixture(tmp_path)], data_dir, progress=False)
    rows = output(data_dir, ONS_QUARTERS)
    assert rows[("recorded_crime_total", "Essex", "2018-04-01")] == "150"  # forwards: 140 + (R Jun 18 - R Mar 18)
    assert rows[("recorded_crime_total", "Essex", "2017-01-01")] == "100"  # backwards, from 2017/18 Q4
    assert rows[("recorded_crime_total", "Essex", "2016-10-01")] == "98"
    assert ("recorded_crime_total", "Essex", "2017-04-01") not in rows  # the known quarters stay the Home Office's
    # Any four consecutive quarters, known or recovered, add up to the rolling year they make.
    year_to_june_2018 = 120 + 130 + 140 + int(rows[("recorded_crime_total", "Essex", "2018-04-01")])
    assert year_to_june_2018 == int(output(data_dir, ONS_ROLLING)[("recorded_crime_total_rolling_year", "Essex", "2017-07-01")])
    assert not any(measure.endswith("_rolling_year") for measure, _, _ in rows)  # each kind in its own file


def test_no_quarters_where_the_rolling_year_and_the_known_quarters_disagree(tmp_path: Path, data_dir: Path) -> None:
    known_quarters(data_dir, values=QUARTERS | {"2017-18-Q2": 121})  # a revision: 501 against the ONS 500
    report = ingest("ons-recorded-crime", [ons_fixture(tmp_path)], data_dir, progress=False)
    rows = output(data_dir, ONS_ROLLING, ONS_QUARTERS)
    assert ("recorded_crime_total", "Essex", "2018-04-01") not in rows
    assert ("recorded_crime_total_rolling_year", "Essex", "2017-04-01") in rows
    assert any("Essex (recorded_crime_total)" in note for note in report.notes)


def test_recovery_refuses_a_partial_year_and_negative_quarters() -> None:
    first = quarter_number(Quarter.parse("2017-18-Q1").start)
    rolling = {first + 3: 10, first + 4: 30}
    assert recover_quarters(rolling, {first: 1, first + 1: 2, first + 2: 3}) is None  # three quarters only
    assert recover_quarters(rolling, {first: 1, first + 1: 2, first + 2: 3, first + 3: 4}) == {
        first: 1, first + 1: 2, first + 2: 3, first + 3: 4, first + 4: 21}
    assert recover_quarters({first + 3: 10, first + 2: 0}, {first: 1, first + 1: 2, first + 2: 3, first + 3: 4}) is None


@pytest.mark.parametrize("line, message", [
    ("31/04/2018,Essex,East,Robbery,5", "line 2, column 12 months ending: '31/04/2018' is not a date"),
    ("31/01/2018,Essex,East,Robbery,5", "line 2, column 12 months ending: 31/01/2018 does not end a quarter"),
    ("31/03/2018,Essex,East,Robbery,five", "line 2, column Rolling year total number of offences: 'five'"),
    ("31/03/2018,Wessex,South West,Robbery,5", "line 2, column PFA: unknown force 'Wessex'"),
])
def test_ons_errors_name_the_line_and_column(tmp_path: Path, data_dir: Path, line: str, message: str) -> None:
    path = write(tmp_path / "bad.csv", ONS_HEADER + line + "\n")
    with pytest.raises(InputError, match=message):
        ingest("ons-recorded-crime", [path], data_dir, progress=False)
    assert not (data_dir / "measures" / ONS_ROLLING).exists()
    assert not (data_dir / "measures" / ONS_QUARTERS).exists()


def test_a_year_in_two_files_is_refused(tmp_path: Path, data_dir: Path) -> None:
    one = write(tmp_path / "a.csv", ONS_HEADER + "31/03/2018,Essex,East,Robbery,5\n")
    two = write(tmp_path / "b.csv", ONS_HEADER + "2018-03-31,Kent,South East,Robbery,5\n")
    with pytest.raises(InputError, match="year ending 31 March 2018 is also in"):
        ingest("ons-recorded-crime", [one, two], data_dir, progress=False)


# --- workforce open data ---------------------------------------------------------------------

WORKFORCE_HEADER = "date,geo_code,force_name,region,sex,rank_description,worker_type,total_headcount,total_fte\n"


def workforce_fixture(tmp_path: Path, gzipped: bool = True) -> Path:
    """Every force on 31 March 2018 and 2019 in the open data's layout ("&" spellings, the
    City of London inverted, first-of-month dates), two sexes and ranks to add up."""
    spelt = {"Avon and Somerset": "Avon & Somerset", "Devon and Cornwall": "Devon & Cornwall",
             "City of London": "London, City of"}
    lines = [WORKFORCE_HEADER]
    for number, force in enumerate(FORCES):
        name = spelt.get(force, force)
        name = f'"{name}"' if "," in name else name
        for year, extra in (("2018-03-01", 0), ("2019-03-01", 5)):
            lines += [f"{year},E2300{number:04d},{name},Region,Female,Constable,police officer,{100 + extra},98.5\n",
                      f"{year},E2300{number:04d},{name},Region,Male,Sergeant,police officer,50,49.25\n",
                      f"{year},E2300{number:04d},{name},Region,Female,Special Constable,special constable,{20 + extra},0\n",
                      f"{year},E2300{number:04d},{name},Region,Male,Special Constable,special constable,30,0\n",
                      f"{year},E2300{number:04d},{name},Region,Male,Police Staff,police staff,400,380\n"]
    text = "".join(lines)
    if gzipped:
        path = tmp_path / "police-workforce-open-data.csv.gz"
        path.write_bytes(gzip.compress(text.encode("utf-8")))
        return path
    return write(tmp_path / "police-workforce-open-data.csv", text)


def test_workforce_open_data_sums_sex_and_rank_on_31_march(tmp_path: Path, data_dir: Path) -> None:
    ingest("workforce-open-data", [workforce_fixture(tmp_path)], data_dir, progress=False)
    rows = output(data_dir, "workforce_open_data.csv")
    assert rows[("workforce_specials_headcount", "Essex", "2019-03-31")] == "55"
    assert rows[("workforce_specials_headcount", "Avon and Somerset", "2018-03-31")] == "50"
    assert rows[("workforce_officers_headcount", "City of London", "2019-03-31")] == "155"
    assert rows[("workforce_officers_fte", "Devon and Cornwall", "2019-03-31")] == "147.75"
    assert rows[("workforce_pcsos_fte", "Kent", "2019-03-31")] == "0"
    frame = pd.read_csv(data_dir / "measures" / "workforce_open_data.csv", dtype=str)
    assert (frame["period_start"] == frame["period_end"]).all()  # snapshots


def test_workforce_open_data_errors(tmp_path: Path, data_dir: Path) -> None:
    path = write(tmp_path / "one.csv", WORKFORCE_HEADER + "2019-03-01,E1,Essex,East,Male,Constable,police officer,1,1\n")
    with pytest.raises(InputError, match="no rows for force\\(s\\) Avon and Somerset"):
        ingest("workforce-open-data", [path], data_dir, progress=False)
    path = write(tmp_path / "two.csv", WORKFORCE_HEADER + "2019-03-01,E1,Essex,East,Male,Constable,wizard,1,1\n")
    with pytest.raises(InputError, match="line 2, column worker_type: unknown worker type 'wizard'"):
        ingest("workforce-open-data", [path], data_dir, progress=False)
    path = write(tmp_path / "three.csv", WORKFORCE_HEADER + "2019-03-01,E1,Essex,East,Male,Constable,police officer,"
                 "many,1\n")
    with pytest.raises(InputError, match="line 2, column total_headcount: 'many'"):
        ingest("workforce-open-data", [path], data_dir, progress=False)


# --- STATS19 ---------------------------------------------------------------------------------

STATS19_HEADER = ("AREFNO,date,year,month,day,hour,mode,output_time,collision_severity,casualty_severity,"
                  "number_vehicles,number_casualties,sex,ageband,light_conditions,speed_limit,area_name,lon,lat\n")


def casualty(day: str, severity: str, district: str) -> str:
    return f"1,{day},2024,Jan,Mon,12,Pedestrian,12:00:00,{severity},{severity},1,1,Male,26-35,Daylight,30,{district},-2.2,53.4\n"


def test_stats19_killed_seriously_injured_and_ksi_by_district_and_month(tmp_path: Path, data_dir: Path) -> None:
    path = write(tmp_path / "casualties.csv", STATS19_HEADER + casualty("2024-01-03", "Fatal", "Bolton")
                 + casualty("2024-01-20", "Serious", "Manchester") + casualty("2024-01-21", "Serious", "Manchester")
                 + casualty("2024-01-22", "Slight", "Manchester") + casualty("2024-03-01", "Serious", "Wigan"))
    report = ingest("stats19", [path], data_dir, progress=False)
    rows = output(data_dir, "stats19.csv")
    assert rows[("road_casualties_killed", "Greater Manchester", "2024-01-01")] == "1"
    assert rows[("road_casualties_seriously_injured", "Greater Manchester", "2024-01-01")] == "2"
    assert rows[("road_casualties_ksi", "Greater Manchester", "2024-01-01")] == "3"
    assert rows[("road_casualties_ksi", "Manchester", "2024-01-01")] == "2"
    assert rows[("road_casualties_ksi", "Greater Manchester", "2024-02-01")] == "0"  # a month with none
    assert rows[("road_casualties_ksi", "Trafford", "2024-03-01")] == "0"
    assert rows[("road_casualties_ksi", "Wigan", "2024-03-01")] == "1"
    assert "1 fatal, 3 serious, 1 slight" in report.summary()


def test_stats19_errors(tmp_path: Path, data_dir: Path) -> None:
    path = write(tmp_path / "a.csv", STATS19_HEADER + casualty("2024-01-03", "Fatal", "Bolton")
                 + casualty("2024-01-04", "Serious", "Leeds"))
    with pytest.raises(InputError, match="line 3: district 'Leeds' is in West Yorkshire"):
        ingest("stats19", [path], data_dir, progress=False)
    path = write(tmp_path / "b.csv", STATS19_HEADER + casualty("2024-01-03", "Grave", "Bolton"))
    with pytest.raises(InputError, match="line 2, column casualty_severity: 'Grave'"):
        ingest("stats19", [path], data_dir, progress=False)
    path = write(tmp_path / "c.csv", STATS19_HEADER + casualty("2024-01-03", "Fatal", "Gotham"))
    with pytest.raises(InputError, match="line 2, column area_name: 'Gotham' is not a district"):
        ingest("stats19", [path], data_dir, progress=False)


# --- Met borough crime -----------------------------------------------------------------------

def borough_file(tmp_path: Path, name: str, months: list[str], base: int) -> Path:
    """The Met's wide layout: id columns then one column per month, a minor class with a
    comma in quotes, historical fraud (left out) and the airports (force-wide only)."""
    lines = ["MajorText,MinorText,LookUp_BoroughName," + ",".join(months)]
    for borough in ("Westminster", "Camden", "London Heathrow and London City Airports"):
        lines.append(f"Robbery,Robbery of Personal Property,{borough}," + ",".join(str(base + i) for i in range(len(months))))
        lines.append(f'Miscellaneous Crimes Against Society,"Disclosure, Obstruction",{borough},' + ",".join("1" for _ in months))
        lines.append(f"Historical Fraud and Forgery,Historical Fraud and Forgery,{borough}," + ",".join("9" for _ in months))
    for major in ("Violence Against the Person", "Sexual Offences", "Burglary", "Drug Offences", "Possession of Weapons"):
        lines.append(f"{major},{major},Camden," + ",".join("2" for _ in months))
    return write(tmp_path / name, "\n".join(lines) + "\n")


def test_met_borough_crime_by_month_from_the_wide_layout(tmp_path: Path, data_dir: Path) -> None:
    old = borough_file(tmp_path, "historical.csv", ["202112", "202201"], 10)
    new = borough_file(tmp_path, "recent.csv", ["202202"], 20)
    report = ingest("mps-borough", [old, new], data_dir, progress=False)
    rows = output(data_dir, "mps_borough.csv")
    assert rows[("borough_crime_total", "Westminster", "2022-01-01")] == "12"  # robbery 11 + 1, no fraud
    assert rows[("borough_crime_total", "Camden", "2022-02-01")] == str(20 + 1 + 5 * 2)
    assert rows[("borough_crime_total", "Hackney", "2022-02-01")] == "0"  # a borough with no rows
    assert rows[("borough_crime_total", "Metropolitan Police", "2021-12-01")] == str(3 * (10 + 1) + 5 * 2)
    assert rows[("borough_crime_robbery", "Metropolitan Police", "2022-02-01")] == "60"
    assert ("borough_crime_total", "London Heathrow and London City Airports", "2022-02-01") not in rows
    assert "the source states no licence" in report.notes


def test_met_borough_errors(tmp_path: Path, data_dir: Path) -> None:
    one = borough_file(tmp_path, "a.csv", ["202201"], 1)
    again = borough_file(tmp_path, "b.csv", ["202201", "202202"], 1)
    with pytest.raises(InputError, match="month 2022-01 is also in"):
        ingest("mps-borough", [one, again], data_dir, progress=False)
    later = borough_file(tmp_path, "c.csv", ["202203"], 1)
    with pytest.raises(InputError, match="no column for month\\(s\\) 2022-02"):
        ingest("mps-borough", [one, later], data_dir, progress=False)
    bad = write(tmp_path / "d.csv", "MajorText,MinorText,LookUp_BoroughName,2022-01\nRobbery,Robbery,Camden,1\n")
    with pytest.raises(InputError, match="column '2022-01' is not a month"):
        ingest("mps-borough", [bad], data_dir, progress=False)
    bad = write(tmp_path / "e.csv", "MajorText,MinorText,LookUp_BoroughName,202201\nRobbery,Robbery,Camden,1\n"
                "Robbery,Robbery,Brent,x\n")
    with pytest.raises(InputError, match="line 3, column 202201: 'x' is not a whole number"):
        ingest("mps-borough", [bad], data_dir, progress=False)


def test_the_new_sources_on_the_command_line(tmp_path: Path, data_dir: Path) -> None:
    result = run_in_process(data_dir.parent, "ingest", "stats19", str(write(tmp_path / "x.csv", STATS19_HEADER)))
    assert result.returncode == 2
    assert "file has a header but no data rows" in result.stderr


# --- the real files --------------------------------------------------------------------------

ONS_FILE = SHARED_DATA / "ons_recorded_crime_pfa" / "rec-crime-pfa.csv"
needs_shared = pytest.mark.skipif(not ONS_FILE.is_file(), reason=f"raw public data not present at {SHARED_DATA}")


def ons_sum(force: str, day: str) -> int:
    with ONS_FILE.open(encoding="utf-8-sig") as file:
        return sum(int(r["Rolling year total number of offences"]) for r in csv.DictReader(file)
                   if r["PFA"] == force and r["12 months ending"] == day and r["Offence"] != "Fraud offences")


def committed(*names: str) -> dict[tuple[str, str, str], str]:
    return output(REPO / "data", *names)


@needs_shared
def test_the_committed_ons_series_are_the_raw_files_and_agree_with_the_home_office_quarters() -> None:
    ons = committed(ONS_ROLLING, ONS_QUARTERS)
    home_office = committed("recorded_crime.csv")
    year_to_march_2018 = ons_sum("Essex", "31/03/2018")
    quarters = [int(home_office[("recorded_crime_total", "Essex", start)])
                for start in ("2017-04-01", "2017-07-01", "2017-10-01", "2018-01-01")]
    assert year_to_march_2018 == sum(quarters) == 134153
    assert ons[("recorded_crime_total_rolling_year", "Essex", "2017-04-01")] == "134153"
    assert ons[("recorded_crime_total_rolling_year", "Essex", "2018-01-01")] == str(ons_sum("Essex", "31/12/2018")) \
        == "151103"
    # The year to December 2018 is the Home Office's January-March 2018 and three recovered quarters.
    recovered = [int(ons[("recorded_crime_total", "Essex", start)]) for start in ("2018-04-01", "2018-07-01", "2018-10-01")]
    assert quarters[-1] + sum(recovered) == 151103
    assert ons[("recorded_crime_total_rolling_year", "Essex", "2002-04-01")] == str(ons_sum("Essex", "31/03/2003"))


@needs_shared
def test_the_committed_workforce_stats19_and_met_series_are_the_raw_files() -> None:
    with gzip.open(SHARED_DATA / "home_office_workforce_open_data" / "police-workforce-open-data-2007-2022.csv.gz",
                   "rt", encoding="utf-8") as file:
        specials = sum(int(r["total_headcount"]) for r in csv.DictReader(file)
                       if r["force_name"] == "Essex" and r["date"] == "2019-03-01" and r["worker_type"] == "special constable")
    assert committed("workforce_open_data.csv")[("workforce_specials_headcount", "Essex", "2019-03-31")] \
        == str(specials) == "517"
    with (SHARED_DATA / "stats19_greater_manchester" / "STATS19_road_casualties_2019-Jun2024.csv").open() as file:
        ksi = sum(1 for r in csv.DictReader(file) if r["date"].startswith("2024-04") and r["casualty_severity"] in
                  ("Fatal", "Serious"))
    assert committed("stats19.csv")[("road_casualties_ksi", "Greater Manchester", "2024-04-01")] == str(ksi)
    with (SHARED_DATA / "mps_borough_crime" / "MPS_Borough_Level_Crime_Recent_202202-202401.csv").open() as file:
        westminster = sum(int(r["202401"]) for r in csv.DictReader(file)
                          if r["LookUp_BoroughName"] == "Westminster" and r["MajorText"] != "Historical Fraud and Forgery")
    assert committed("mps_borough.csv")[("borough_crime_total", "Westminster", "2024-01-01")] == str(westminster) == "7790"


def test_the_committed_long_series_stay_modest() -> None:
    names = (ONS_ROLLING, ONS_QUARTERS, "workforce_open_data.csv", "stats19.csv", "mps_borough.csv")
    assert sum((REPO / "data" / "measures" / name).stat().st_size for name in names) < 5_000_000
    assert sum(path.stat().st_size for path in (REPO / "data" / "measures").glob("*.csv")) < 6_000_000
