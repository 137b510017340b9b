"""Any force's update: no force in the code, public-data sections placed by the plan, and
reference data for every force derived from the ONS lookups (issue 11)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml
from IPython.display import Markdown

from conftest import REPO, SHARED_DATA, run_cli
from crimeplan.errors import InputError
from crimeplan.ingest.reference import (
    DistrictLookup,
    comparison_group,
    forces_table,
    read_force_districts,
    write_derived,
)
from crimeplan.inputs.measures import load_comparison_group
from crimeplan.inputs.params import PUBLIC_DATA_SECTIONS, Plan, load_plan
from crimeplan.periods import Quarter
from crimeplan.sections.public_data import open_data_sections
from loaders import load_areas, load_catalogue, load_measures

REFERENCE = REPO / "data" / "reference"
LOOKUPS = SHARED_DATA / "lookups"
needs_lookups = pytest.mark.skipif(not LOOKUPS.is_dir(), reason=f"ONS lookups not present at {LOOKUPS}")


def forces() -> list[str]:
    return sorted(read_force_districts(REFERENCE)["force"].unique())


def test_the_reference_data_names_the_43_territorial_forces() -> None:
    names = forces()
    assert len(names) == 43
    assert {"Kent", "West Yorkshire", "Metropolitan Police", "City of London", "Dyfed-Powys",
            "Avon and Somerset", "Devon and Cornwall"} <= set(names)


def src_files() -> list[Path]:
    return [p for p in (REPO / "src").rglob("*")
            if p.is_file() and "egg-info" not in str(p) and "__pycache__" not in p.parts]


def test_no_force_area_or_district_is_named_in_src() -> None:
    districts = read_force_districts(REFERENCE)
    essex_areas = pd.read_csv(REFERENCE / "areas.csv", dtype=str)["area"].tolist()
    names = forces() + districts.loc[districts["force"] == "Essex", "district"].tolist() + essex_areas
    names += ["Southend"]
    found = []
    for path in src_files():
        text = path.read_text(encoding="utf-8", errors="ignore")
        for name in names:
            for match in re.finditer(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", text, re.IGNORECASE):
                line = text.count("\n", 0, match.start()) + 1
                found.append(f"{path.relative_to(REPO)}:{line}: {name}")
    assert found == []


def test_no_section_is_placed_by_priority_number_in_src() -> None:
    text = (REPO / "src" / "crimeplan" / "sections" / "public_data.py").read_text()
    assert "priority_number" not in text and "BY_PRIORITY" not in text
    assert not re.search(r"^\s+\d+: _\w+_sections", text, re.MULTILINE)


@pytest.fixture(scope="module")
def essex():
    data = REPO / "data"
    plan = load_plan(REPO / "params")
    return load_measures(data), load_catalogue(data), plan, load_comparison_group(data, plan.force_area, load_areas(data))


def text_of(items: list) -> str:
    """The Markdown of ``items`` as read, without its escapes."""
    return "\n".join(item.data for item in items if isinstance(item, Markdown)).replace("\\", "")


def test_renumbering_a_priority_moves_its_public_data_section(essex) -> None:
    measures, catalogue, plan, group = essex
    quarter = Quarter.parse("2018-19-Q1")
    before = {p.number: text_of(open_data_sections(p, quarter, measures, catalogue, plan, group))
              for p in plan.priorities}
    raw = plan.model_dump()
    first, second = raw["priorities"][0], raw["priorities"][1]
    first["number"], second["number"] = 2, 1
    raw["priorities"][0], raw["priorities"][1] = second, first
    swapped = Plan.model_validate(raw)
    after = {p.number: text_of(open_data_sections(p.number, quarter, measures, catalogue, swapped, group))
             for p in swapped.priorities}
    assert "anti-social behaviour" in before[2] and "Special Constables" in before[1]
    assert after[1] == before[2] and after[2] == before[1]
    assert {n: after[n] for n in range(3, 8)} == {n: before[n] for n in range(3, 8)}


def test_a_priority_shows_the_sections_its_plan_lists_under_one_heading(essex) -> None:
    measures, catalogue, plan, group = essex
    raw = plan.model_dump()
    raw["priorities"][2]["public_data"] = ["anti_social_behaviour", {"recorded_crime": ["recorded_crime_robbery"]}]
    items = open_data_sections(3, Quarter.parse("2017-18-Q4"), measures, catalogue, Plan.model_validate(raw), group)
    text = text_of(items)
    assert text.count("## Public data") == 1
    assert "Recorded robbery" in text and "police.uk" in text


@pytest.mark.parametrize(("entry", "message"), [
    ("[burglary]", "unknown public-data section 'burglary'"),
    ("[recorded_crime]", "recorded_crime needs a list of measure ids"),
    ("[{specials: [specials_headcount]}]", "specials takes no measure ids"),
])
def test_public_data_entries_are_validated(tmp_path: Path, entry: str, message: str) -> None:
    text = (REPO / "params" / "plan.yml").read_text()
    (tmp_path / "plan.yml").write_text(text.replace("    public_data:\n      - specials", f"    public_data: {entry}"))
    with pytest.raises(InputError, match=re.escape(message)):
        load_plan(tmp_path)


def test_the_plan_sections_are_the_ones_open_data_builds() -> None:
    assert set(PUBLIC_DATA_SECTIONS) == {"specials", "anti_social_behaviour", "recorded_crime", "road_casualties",
                                         "borough_crime"}


# --- reference data ---------------------------------------------------------------------------


def test_committed_reference_files_stay_small() -> None:
    for name in ("force_districts.csv", "lsoa_districts.csv", "regions.csv", "forces.csv"):
        assert (REFERENCE / name).stat().st_size < 40_000, name


def test_the_essex_reference_files_follow_from_the_all_forces_tables() -> None:
    districts = read_force_districts(REFERENCE)
    assert (REFERENCE / "forces.csv").read_text() == forces_table(districts, "Essex").to_csv(index=False, lineterminator="\n")
    regions = pd.read_csv(REFERENCE / "regions.csv", dtype=str)
    name, group = comparison_group(districts, regions, "Essex")
    committed = yaml.safe_load((REFERENCE / "comparison_groups.yml").read_text())["groups"][0]
    assert (name, group) == (committed["name"], committed["forces"])


def test_every_force_has_districts_and_a_comparison_group_of_its_region() -> None:
    districts = read_force_districts(REFERENCE)
    regions = pd.read_csv(REFERENCE / "regions.csv", dtype=str)
    assert districts.groupby("force")["region"].nunique().max() == 1
    assert len(districts) == 348 and districts["district_code"].is_unique
    assert comparison_group(districts, regions, "West Yorkshire") == (
        "Yorkshire and The Humber forces", ["Humberside", "North Yorkshire", "South Yorkshire", "West Yorkshire"])
    assert comparison_group(districts, regions, "Gwent")[1] == ["Dyfed-Powys", "Gwent", "North Wales", "South Wales"]
    assert sum(len(comparison_group(districts, regions, f)[1]) > 1 for f in forces()) == 43


def test_welsh_lsoas_are_placed_by_the_district_name_police_uk_gives_them() -> None:
    lookup = DistrictLookup.load(REFERENCE, "South Wales")
    codes = pd.Series(["W01001700", "W01001701", "", "E01000001"])
    names = pd.Series(["Cardiff 001A", "The Vale of Glamorgan 002B", "", "Cardiff 003C"])
    placed = lookup.districts_of(codes, names)
    assert placed.iloc[0] == "Cardiff" and placed.iloc[1] == "Vale of Glamorgan"
    assert pd.isna(placed.iloc[2])
    assert placed.iloc[3] == "Cardiff"  # a name that is a district of the force, whatever the code
    kent = DistrictLookup.load(REFERENCE, "Kent")
    assert pd.isna(kent.districts_of(pd.Series(["E01999999"]), pd.Series(["Cardiff 001A"])).iloc[0])


@needs_lookups
def test_committed_reference_files_are_derived_from_the_ons_lookups(tmp_path: Path) -> None:
    (tmp_path / "data" / "reference").mkdir(parents=True)
    (tmp_path / "data" / "reference" / "regions.csv").write_bytes((REFERENCE / "regions.csv").read_bytes())
    (tmp_path / "regions.csv").write_bytes((REFERENCE / "regions.csv").read_bytes())
    result = run_cli(tmp_path, "reference", str(LOOKUPS))
    assert result.returncode == 0, result.stderr
    for name in ("force_districts.csv", "lsoa_districts.csv"):
        assert (tmp_path / "data" / "reference" / name).read_bytes() == (REFERENCE / name).read_bytes(), name
    assert [p.name for p in write_derived(LOOKUPS, tmp_path)] == ["force_districts.csv", "lsoa_districts.csv"]


@needs_lookups
def test_every_english_lsoa_maps_to_the_district_and_force_of_the_ons_lookup() -> None:
    with (LOOKUPS / "lsoa11_to_lad_to_police_force.csv").open(encoding="utf-8-sig") as file:
        rows = list(csv.DictReader(file))
    districts = read_force_districts(REFERENCE)
    for force in ("West Yorkshire", "Essex", "Northumbria", "Hertfordshire"):
        lookup = DistrictLookup.load(REFERENCE, force)
        own = set(districts.loc[districts["force"] == force, "district"])
        theirs = [r for r in rows if r["Police_force"] == force or
                  r["Local authority name"].removesuffix(" UA") in own]
        placed = lookup.districts_of(pd.Series([r["LSOA Code"] for r in theirs]))
        expected = [r["Local authority name"].removesuffix(" UA") for r in theirs]
        assert placed.tolist() == expected, force
        assert len(lookup.ranges) < 60
