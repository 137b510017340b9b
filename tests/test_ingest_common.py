"""Force names, the reference area list and the committed measures files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crimeplan.ingest import SOURCES
from crimeplan.ingest.common import (
    ForceNames,
    csv_number,
    current_umask,
    is_non_territorial,
    project_force,
    write_atomically,
)

REPO = Path(__file__).resolve().parents[1]
REFERENCE = REPO / "data" / "reference"
NAMES = ForceNames.load(REFERENCE)
FORCES = NAMES.forces


@pytest.mark.parametrize(
    ("spelling", "canonical"),
    [("Essex Police", "Essex"), ("Essex", "Essex"), ("Avon & Somerset", "Avon and Somerset"),
     ("London, City of", "City of London"), ("Metropolitan Police", "Metropolitan Police"),
     ("West  Yorkshire Police ", "West Yorkshire"), ("Devon & Cornwall", "Devon and Cornwall"),
     ("Essex Constabulary", "Essex"), ("Essexx", None), ("British Transport Police", None),
     ("Metropolitan Police Service", "Metropolitan Police"), ("Dyfed Powys", "Dyfed-Powys"),
     ("City of London Police", "City of London"), ("West Midlands", "West Midlands")],
)
def test_canonical_force(spelling: str, canonical: str | None) -> None:
    assert NAMES.canonical(spelling) == canonical


def test_force_names_come_from_the_reference_data(tmp_path: Path) -> None:
    (tmp_path / "forces.csv").write_text("area,type,parent\nAtlantis,force,\nPort Royal,district,Atlantis\n")
    names = ForceNames.load(tmp_path)
    assert names.forces == ("Atlantis",)
    assert names.canonical("Atlantis Constabulary") == "Atlantis" and names.canonical("Essex") is None
    assert NAMES.is_region("West Midlands") and NAMES.is_region("yorkshire and the humber")
    assert not NAMES.is_region("Essex")


def test_project_force_from_the_plan_or_the_areas(tmp_path: Path) -> None:
    reference = tmp_path / "data" / "reference"
    reference.mkdir(parents=True)
    (reference / "areas.csv").write_text("area,type,parent\nKent,force,\nNorth,local_policing_area,Kent\n")
    assert project_force(reference) == "Kent"
    (tmp_path / "params").mkdir()
    (tmp_path / "params" / "plan.yml").write_text("force: Surrey Police\nforce_area: Surrey\n")
    assert project_force(reference) == "Surrey"
    assert project_force(REFERENCE) == "Essex"


def test_non_territorial_bodies() -> None:
    assert is_non_territorial("Action Fraud") and is_non_territorial("British Transport Police")
    assert not is_non_territorial("Essex")


def test_a_figure_is_written_to_a_measures_csv_whole_or_to_two_places() -> None:
    assert [csv_number(v) for v in (519, 519.0, 3187.4950000000003, 2959.9001, -0.0)] == [
        "519", "519", "3187.5", "2959.9", "0"]


def test_forces_reference_lists_43_forces_and_the_essex_districts() -> None:
    areas = pd.read_csv(REFERENCE / "forces.csv", dtype=str, keep_default_na=False)
    assert list(areas.columns) == ["area", "type", "parent"]
    forces = areas[areas.type == "force"]
    assert sorted(forces.area) == sorted(FORCES) and len(FORCES) == 43
    assert set(forces.parent) == {""}
    lookup = pd.read_csv(REFERENCE / "force_districts.csv", dtype=str)
    districts = areas[areas.type == "district"]
    assert sorted(districts.area) == sorted(lookup[lookup.force == "Essex"].district)
    assert set(districts.parent) == {"Essex"}
    assert {"Southend-on-Sea", "Thurrock", "Castle Point", "Rochford"} <= set(districts.area)


@pytest.mark.parametrize("source", sorted(SOURCES))
def test_committed_measures_use_reference_areas_and_stay_small(source: str) -> None:
    areas = set(pd.read_csv(REFERENCE / "forces.csv", dtype=str).area)
    areas |= set(pd.read_csv(REFERENCE / "force_districts.csv", dtype=str).district)  # any force's districts
    for name in SOURCES[source].output_names():
        path = REPO / "data" / "measures" / name
        rows = pd.read_csv(path, dtype=str, keep_default_na=False)
        assert set(rows.area) <= areas
        assert path.stat().st_size < 2_000_000  # the largest, the ONS rolling years of all 43 forces: 1.9 MB
        assert rows.measure.str.fullmatch(r"[a-z0-9_]+").all()


def test_files_written_together_are_all_kept_when_one_cannot_be_written(tmp_path: Path) -> None:
    class Unwritable(pd.DataFrame):
        def to_csv(self, *args, **kwargs):
            raise OSError("disk full")

    first, second = tmp_path / "rolling.csv", tmp_path / "quarters.csv"
    first.write_text("old rolling years\n")
    second.write_text("old quarters\n")
    with pytest.raises(OSError, match="disk full"):
        write_atomically({first: pd.DataFrame({"value": [1]}), second: Unwritable({"value": [2]})})
    assert (first.read_text(), second.read_text()) == ("old rolling years\n", "old quarters\n")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["quarters.csv", "rolling.csv"]  # no temporaries
    write_atomically({first: pd.DataFrame({"value": [1]}), second: pd.DataFrame({"value": [2]})})
    assert (first.read_text(), second.read_text()) == ("value\n1\n", "value\n2\n")
    assert first.stat().st_mode & 0o777 == 0o666 & ~current_umask()  # readable as any file the user writes

