"""`crimeplan init DIR --force NAME`: a working project for each of the 43 forces, and West
Yorkshire's update from open data alone, checked against the raw files (issue 11)."""

from __future__ import annotations

import csv
import json
import re
import shutil
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import pytest
import yaml

from conftest import REPO, SHARED_DATA, run_cli, run_in_process
from crimeplan.findings.check import check_project
from crimeplan.ingest.reference import read_force_districts
from crimeplan.inputs.params import load_plan
from crimeplan.periods import Quarter
from crimeplan.project import Project
from crimeplan.scaffold.init import init_project, resolve_force
from pdf_text import html_text, pdf_text

FORCES = sorted(read_force_districts(REPO / "data" / "reference")["force"].unique())
QUARTER = Quarter.parse("2017-18-Q4")


def test_init_for_every_force_gives_a_project_that_passes_check(tmp_path: Path) -> None:
    assert len(FORCES) == 43
    for force in FORCES:
        root = tmp_path / re.sub(r"\W+", "_", force.lower())
        found, written = init_project(root, force, quarter=QUARTER)
        assert found == force
        report = check_project(Project(root), QUARTER)
        assert report.errors == [], f"{force}: {[str(p) for p in report.errors]}"
        plan = load_plan(root / "params")
        assert plan.force_area == force and plan.areas[0] == force
        assert len(plan.areas) > 1 or force == "City of London"  # one district, the force area itself
        assert [p.name for p in (root / "data" / "measures").iterdir()] == ["own_figures.csv"]
        assert (root / "data" / "measures" / "own_figures.csv").read_text().count("\n") == 1  # header only
        assert sorted(p.name for p in (root / "notebooks").iterdir()) == sorted(
            f"{name}.ipynb" for name, _ in plan.notebooks)


def test_init_on_the_command_line(tmp_path: Path) -> None:
    result = run_in_process(tmp_path, "init", str(tmp_path / "kent"), "--force", "Kent Police", "--quarter", "2019-20-Q2")
    assert result.returncode == 0, result.stderr
    assert "Created a project for Kent" in result.stderr
    root = tmp_path / "kent"
    for name in ("params/plan.yml", "params/2019-20-Q2.yml", "data/catalogue.yml", "_quarto.yml", "Makefile",
                 "README.md", "requirements.txt", "data/reference/areas.csv", "data/reference/forces.csv",
                 "data/reference/comparison_groups.yml", "data/reference/lsoa_districts.csv",
                 "_extensions/crimeplan/_extension.yml", "_quarto-2019-20-Q2.yml", "_quarto-lab.yml", ".gitattributes"):
        assert (root / name).is_file(), name
    # a Quarto project whose default profile is its quarter, using the crimeplan extension
    assert yaml.safe_load((root / "_quarto.yml").read_text())["profile"]["default"] == "2019-20-Q2"
    assert "/.quarto/" in (root / ".gitignore").read_text().splitlines()
    checked = run_in_process(root, "check")
    assert checked.returncode == 0, checked.stderr
    makefile = (root / "Makefile").read_text()
    assert f"CRIMEPLAN_SOURCE ?= {REPO}" in makefile
    assert "pip install --quiet -r requirements.txt" in makefile and '--no-deps "$(CRIMEPLAN_SOURCE)"' in makefile
    assert (root / "requirements.txt").read_text() == (REPO / "requirements.txt").read_text()
    assert "## What to edit" in (root / "README.md").read_text()
    groups = (root / "data" / "reference" / "comparison_groups.yml").read_text()
    assert "South East forces" in groups and "- Thames Valley" in groups


def test_a_misspelt_force_gets_the_closest_matches_and_exit_2(tmp_path: Path) -> None:
    result = run_in_process(tmp_path, "init", str(tmp_path / "new"), "--force", "West Yorkshre")
    assert result.returncode == 2
    assert "did you mean 'West Yorkshire'" in result.stderr and "Traceback" not in result.stderr
    assert not (tmp_path / "new").exists()
    assert resolve_force("avon & somerset constabulary", FORCES) == "Avon and Somerset"
    assert resolve_force("metropolitan police service", FORCES) == "Metropolitan Police"


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    result = run_in_process(tmp_path, "init", str(tmp_path), "--force", "Kent")
    assert result.returncode == 2 and "not empty" in result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_the_repo_notebooks_are_the_notebook_template() -> None:
    template = (REPO / "src" / "crimeplan" / "templates" / "project" / "priority.ipynb").read_text()
    for priority in load_plan(REPO / "params").priorities:
        notebook = REPO / "notebooks" / f"{priority.notebook}.ipynb"
        assert notebook.read_text() == template.replace("{{notebook}}", priority.notebook), notebook.name
    json.loads(template)


def test_the_catalogue_places_each_public_measure_under_the_priority_showing_it(tmp_path: Path) -> None:
    import yaml

    init_project(tmp_path / "p", "Gwent", quarter=QUARTER)
    catalogue = yaml.safe_load((tmp_path / "p" / "data" / "catalogue.yml").read_text())["measures"]
    plan = load_plan(tmp_path / "p" / "params")
    for priority in plan.priorities:
        for section in priority.public_data:
            for measure_id in section.measures:
                assert catalogue[measure_id]["priority"] == priority.number
    assert all("targets" not in entry for entry in catalogue.values())
    assert len(catalogue) == 34  # 22 quarterly and workforce-table measures, 8 ONS rolling years, 4 open-data counts
    assert not any(m.startswith(("road_casualties", "borough_crime")) for m in catalogue)  # Gwent has neither


def test_front_and_back_matter_notebooks_of_the_checkout_come_along(tmp_path: Path) -> None:
    source = tmp_path / "checkout"
    for part in ("pyproject.toml", "requirements.txt", "_quarto.yml"):
        (source / part).parent.mkdir(parents=True, exist_ok=True)
        (source / part).write_bytes((REPO / part).read_bytes())
    (source / "src" / "crimeplan").mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", source / "data" / "reference")
    shutil.copy(REPO / "data" / "catalogue.yml", source / "data" / "catalogue.yml")
    shutil.copy(REPO / "data" / "sources.yml", source / "data" / "sources.yml")
    (source / "params").mkdir()
    plan = (REPO / "params" / "plan.yml").read_text()
    assert "back_matter:\n  - about\n" in plan
    (source / "params" / "plan.yml").write_text(plan.replace("back_matter:\n  - about\n", "back_matter: [about, missing]\n"))
    (source / "notebooks").mkdir()
    for name in ("summary", "about"):
        shutil.copy(REPO / "notebooks" / "p1_local_policing.ipynb", source / "notebooks" / f"{name}.ipynb")
    init_project(tmp_path / "new", "Surrey", source=source, quarter=QUARTER)
    plan = load_plan(tmp_path / "new" / "params")
    assert (plan.front_matter, plan.back_matter) == (["summary"], ["about"])
    assert (tmp_path / "new" / "notebooks" / "about.ipynb").is_file()
    assert f"CRIMEPLAN_SOURCE ?= {source}" in (tmp_path / "new" / "Makefile").read_text()


# --- West Yorkshire from open data alone -----------------------------------------------------

WEST_YORKSHIRE_STREET = SHARED_DATA / "police_uk_street" / "west_yorkshire"
needs_shared = pytest.mark.skipif(
    not WEST_YORKSHIRE_STREET.is_dir(),
    reason=f"raw public data not present at {SHARED_DATA} (set CRIMEPLAN_SHARED_DATA or put it beside the repo)")


def specials_on(ods: Path, force: str, column_heading: str) -> int:
    """A force's Special Constables headcount read straight from the ODS XML: the row of
    ``force`` in the table titled "Special constables by police force area", in the
    column headed ``column_heading`` (e.g. "Mar-18")."""
    table_ns = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
    text_ns = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
    with zipfile.ZipFile(ods) as archive:
        root = ElementTree.fromstring(archive.read("content.xml"))
    for table in root.iter(f"{table_ns}table"):
        rows = []
        for row in table.iter(f"{table_ns}table-row"):
            cells = []
            for cell in row:
                repeat = min(int(cell.get(f"{table_ns}number-columns-repeated", "1")), 20)
                cells += [" ".join("".join(p.itertext()) for p in cell.findall(f"{text_ns}p"))] * repeat
            rows.append(cells)
        if not rows or "Special constables by police force area" not in rows[0][0]:
            continue
        header = next(r for r in rows if column_heading in r)
        force_row = next(r for r in rows if r and r[0] == force)
        return int(force_row[header.index(column_heading)])
    raise AssertionError(f"no Special constables table in {ods}")


def recorded_crime_total(path: Path, force: str, year: str, quarter: str) -> int:
    with path.open(encoding="utf-8-sig") as file:
        return sum(int(row["Number of Offences"]) for row in csv.DictReader(file)
                   if row["Force Name"] == force and row["Financial Year"] == year
                   and row["Financial Quarter"] == quarter)


def asb_in_district(street_csv: Path, lookup_csv: Path, district: str) -> int:
    with lookup_csv.open(encoding="utf-8-sig") as file:
        lsoas = {row["LSOA Code"] for row in csv.DictReader(file) if row["Local authority name"] == district}
    with street_csv.open(encoding="utf-8-sig") as file:
        return sum(1 for row in csv.DictReader(file)
                   if row["Crime type"] == "Anti-social behaviour" and row["LSOA code"] in lsoas)


@pytest.fixture(scope="module")
def west_yorkshire(tmp_path_factory) -> Path:
    if not WEST_YORKSHIRE_STREET.is_dir():
        pytest.skip(f"raw public data not present at {SHARED_DATA}")
    root = tmp_path_factory.mktemp("wy") / "west-yorkshire"
    assert run_in_process(root.parent, "init", str(root), "--force", "West Yorkshire", "--quarter", QUARTER.id).returncode == 0
    for source, path in (("police-uk", WEST_YORKSHIRE_STREET),
                         ("home-office-workforce", SHARED_DATA / "home_office_workforce"),
                         ("recorded-crime", SHARED_DATA / "home_office_recorded_crime")):
        result = run_in_process(root, "ingest", source, str(path))
        assert result.returncode == 0, result.stderr
    result = run_cli(root, "render", QUARTER.id, "--renderer", "builtin")
    assert result.returncode == 0, result.stderr
    return root


@needs_shared
@pytest.mark.render
def test_west_yorkshire_update_from_open_data(west_yorkshire: Path) -> None:
    output = west_yorkshire / "outputs" / QUARTER.id
    html, pdf = html_text(output / "update.html"), pdf_text(output / "update.pdf")
    specials = specials_on(SHARED_DATA / "home_office_workforce" / "police-workforce-sep18-tables.ods",
                           "West Yorkshire", "Mar-18")
    total = recorded_crime_total(SHARED_DATA / "home_office_recorded_crime"
                                 / "prc-pfa-mar2013-onwards-tables201718.csv", "West Yorkshire", "2017/18", "4")
    assert (specials, total) == (409, 67106)  # also by hand: see docs/ingest.md
    for text in (html, pdf):
        assert f"count {specials:,} Special Constables in West Yorkshire on 31 March 2018" in text
        assert f"West Yorkshire recorded {total:,} crimes" in text
        assert "of the 4 Yorkshire and The Humber forces" in text
        assert "anti-social behaviour records on police.uk" not in text  # police.uk has no 2018 Q1: left out
        assert "essex" not in text.lower()
    # Only the national tables (data/measures, data/reference/forces.csv...) name other forces.
    for path in west_yorkshire.rglob("*"):
        if path.is_file() and path.suffix in (".yml", ".md", ".ipynb", ".html") and "reference" not in path.parts:
            assert "essex" not in path.read_text(encoding="utf-8", errors="ignore").lower(), path


@needs_shared
def test_west_yorkshire_police_uk_measures_by_district(west_yorkshire: Path) -> None:
    street = WEST_YORKSHIRE_STREET / "2018-07-west-yorkshire-street.csv"
    leeds = asb_in_district(street, SHARED_DATA / "lookups" / "lsoa11_to_lad_to_police_force.csv", "Leeds")
    assert leeds == 1861
    with (west_yorkshire / "data" / "measures" / "police_uk.csv").open() as file:
        rows = {(r["measure"], r["area"], r["period_start"]): r["value"] for r in csv.DictReader(file)}
    assert rows[("police_uk_asb_incidents", "Leeds", "2018-07-01")] == str(leeds)
    assert rows[("police_uk_asb_incidents", "West Yorkshire", "2018-07-01")] == "5442"
    districts = {area for (_, area, _) in rows} - {"West Yorkshire"}
    assert districts == {"Bradford", "Calderdale", "Kirklees", "Leeds", "Wakefield"}


# --- Greater Manchester and the Met: the monthly series -----------------------------------------

STATS19_FILE = SHARED_DATA / "stats19_greater_manchester" / "STATS19_road_casualties_2019-Jun2024.csv"
MPS_FOLDER = SHARED_DATA / "mps_borough_crime"


def project_from_open_data(root: Path, force: str, quarter: str, source: str, path: Path) -> tuple[str, str]:
    """``init`` a project, ingest one public source, render the quarter: its HTML and PDF text."""
    assert run_in_process(root.parent, "init", str(root), "--force", force, "--quarter", quarter).returncode == 0
    result = run_in_process(root, "ingest", source, str(path))
    assert result.returncode == 0, result.stderr
    result = run_cli(root, "render", quarter, "--renderer", "builtin")
    assert result.returncode == 0, result.stderr
    output = root / "outputs" / quarter
    return " ".join(html_text(output / "update.html").split()), " ".join(pdf_text(output / "update.pdf").split())


def ksi(month_prefixes: tuple[str, ...], severities=("Fatal", "Serious")) -> int:
    with STATS19_FILE.open(encoding="utf-8-sig") as file:
        return sum(1 for r in csv.DictReader(file)
                   if r["date"][:7] in month_prefixes and r["casualty_severity"] in severities)


@pytest.mark.skipif(not STATS19_FILE.is_file(), reason=f"STATS19 file not present at {SHARED_DATA}")
@pytest.mark.render
def test_greater_manchester_ksi_for_the_quarter_against_a_year_earlier_with_a_monthly_control_chart(tmp_path) -> None:
    html, pdf = project_from_open_data(tmp_path / "gm", "Greater Manchester", "2024-25-Q1", "stats19", STATS19_FILE)
    now, before = ksi(("2024-04", "2024-05", "2024-06")), ksi(("2023-04", "2023-05", "2023-06"))
    killed = ksi(("2024-04", "2024-05", "2024-06"), ("Fatal",))
    june = ksi(("2024-06",))
    assert (now, before, killed, june) == (241, 199, 17, 78)  # also by hand with awk: see docs/ingest.md
    for text in (html, pdf):
        assert (f"{now} people were killed or seriously injured on the roads of Greater Manchester in April to June "
                f"2024 ({killed} killed, {now - killed} seriously injured), 21% more than in April to June 2023 "
                f"({before})") in text
        assert f"People killed or seriously injured in Greater Manchester: {june} in June 2024," in text
        assert "66 months, January 2019 to June 2024; mean and process limits of an XmR control chart" in text
    assert "Priority 7 – Safer roads" in html


def met_month(column: str, borough: str | None = None) -> int:
    total = 0
    for path in sorted(MPS_FOLDER.glob("*.csv")):
        with path.open(encoding="utf-8-sig") as file:
            for r in csv.DictReader(file):
                if column in r and r["MajorText"] != "Historical Fraud and Forgery" \
                        and borough in (None, r["LookUp_BoroughName"]):
                    total += int(r[column])
    return total


@pytest.mark.skipif(not MPS_FOLDER.is_dir(), reason=f"Met borough files not present at {SHARED_DATA}")
@pytest.mark.render
def test_the_met_shows_borough_crime_by_month(tmp_path) -> None:
    html, pdf = project_from_open_data(tmp_path / "met", "Metropolitan Police", "2023-24-Q3", "mps-borough", MPS_FOLDER)
    quarter = sum(met_month(m) for m in ("202310", "202311", "202312"))
    year_before = sum(met_month(m) for m in ("202210", "202211", "202212"))
    westminster = sum(met_month(m, "Westminster") for m in ("202310", "202311", "202312"))
    for text in (html, pdf):
        assert (f"Metropolitan Police recorded {quarter:,} crimes in October to December 2023 (the borough level "
                f"crime data the force publishes, excluding fraud), 8% more than in October to December 2022 "
                f"({year_before:,})") in text
        assert f"Crime recorded by borough, October to December 2023: most in Westminster ({westminster:,})" in text
        assert f"Crime recorded by Metropolitan Police: {met_month('202312'):,} in December 2023" in text
        assert "165 months, April 2010 to December 2023" in text
    # What the charts' descriptions (alt text) say of the control chart: London's monthly crimes in full.
    alt_texts = " ".join(re.findall(r'alt="([^"]*)"', (tmp_path / "met" / "outputs" / "2023-24-Q3" / "update.html").read_text()))
    assert "(average 66,746, process limits 57,247 to 76,244, over 165 points)" in alt_texts
    assert not re.search(r"\de[+-]\d", alt_texts + html + pdf), "a number written in scientific notation"
    assert "None stated: the copy used says nothing about its licence" in html  # About: the source's licence
    assert "Safer roads" not in html  # no STATS19 series for the Met
