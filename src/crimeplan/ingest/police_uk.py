"""data.police.uk street-level crime and anti-social behaviour -> monthly measures.

Input: the monthly ``*-street.csv`` files, given as files, folders, or the police.uk
archive zip, in either header style (``Crime ID, Month, Falls within, ...`` or the
snake_case ``crime_id, month, falls_within, ...``). One row is one crime or ASB record.

Output: counts by month x crime type for the project's force (``force_area`` in
``params/plan.yml``; all records the force published, wherever they were mapped) and for
each of its districts (local authorities, ``data/reference/force_districts.csv``) the
record's LSOA falls in, using the committed LSOA ranges ``data/reference/lsoa_districts.csv``
(derived from the ONS lookups by :mod:`crimeplan.ingest.reference`). An LSOA the ranges do not
hold (the ONS LSOA lookup has no Welsh LSOAs) is placed by its police.uk name, which
starts with its district's name ("<district> 001A"). Records of other forces, without an
LSOA, or in an LSOA outside the force area are counted and reported in the ingest notes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.ingest.common import (
    DEFAULT_REFERENCE_DIR,
    ForceNames,
    Source,
    SourceResult,
    claim_periods,
    expand_paths,
    is_non_territorial,
    month_bounds,
    progress_bar,
    project_force,
    read_csv_table,
)

if TYPE_CHECKING:
    from crimeplan.ingest.reference import DistrictLookup

SOURCE_LABEL = "data.police.uk street-level crime and anti-social behaviour"
REQUIRED_COLUMNS = ("month", "falls_within", "lsoa_code", "crime_type")
OPTIONAL_COLUMNS = ("lsoa_name",)
MONTH_PATTERN = r"\d{4}-(?:0[1-9]|1[0-2])"

# Every category police.uk uses; a value outside this set means the format changed.
CRIME_TYPES = frozenset({
    "Anti-social behaviour", "Bicycle theft", "Burglary", "Criminal damage and arson",
    "Drugs", "Other crime", "Other theft", "Possession of weapons", "Public order",
    "Robbery", "Shoplifting", "Theft from the person", "Vehicle crime",
    "Violence and sexual offences",
})

# The categories the plan reports on, and their measure ids. Other categories are read,
# validated and counted, but not written.
MEASURE_BY_CRIME_TYPE: dict[str, str] = {
    "Anti-social behaviour": "police_uk_asb_incidents",
    "Criminal damage and arson": "police_uk_criminal_damage_and_arson",
    "Public order": "police_uk_public_order",
    "Violence and sexual offences": "police_uk_violence_and_sexual_offences",
    "Robbery": "police_uk_robbery",
    "Possession of weapons": "police_uk_possession_of_weapons",
    "Drugs": "police_uk_drugs",
}


def _street_tables(files: list[Path]) -> Iterator[tuple[str, int, Callable[[], bytes]]]:
    """(label, size in bytes, reader of the bytes) for every street-level table in ``files``."""
    for path in files:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                members = sorted(
                    info.filename for info in archive.infolist()
                    if not info.is_dir() and info.filename.lower().endswith("street.csv")
                )
                sizes = {info.filename: info.file_size for info in archive.infolist()}
            if not members:
                raise InputError(f"{path}: zip archive holds no *-street.csv files")
            for member in members:
                yield f"{path}:{member}", sizes[member], partial(_read_member, path, member)
        else:
            yield str(path), path.stat().st_size, path.read_bytes


def _read_member(archive_path: Path, member: str) -> bytes:
    with zipfile.ZipFile(archive_path) as archive:
        return archive.read(member)


def _read_table(label: str, content: bytes, names: ForceNames) -> pd.DataFrame:
    """One street-level table with normalised column names, validated."""
    frame = read_csv_table(
        io.BytesIO(content), label, REQUIRED_COLUMNS,
        " (expected police.uk street-level columns such as Month, Falls within, LSOA code, Crime type)",
        optional=OPTIONAL_COLUMNS,
    )
    frame["month"] = frame["month"].str.strip()
    if "lsoa_name" not in frame.columns:
        frame["lsoa_name"] = ""
    _check_values(label, frame, names)
    return frame


def _first_line(mask: pd.Series) -> int:
    """1-based file line of the first True in ``mask`` (line 1 is the header)."""
    return int(mask.to_numpy().nonzero()[0][0]) + 2


def _check_values(label: str, frame: pd.DataFrame, names: ForceNames) -> None:
    bad_month = ~frame["month"].str.fullmatch(MONTH_PATTERN)
    if bad_month.any():
        line = _first_line(bad_month)
        raise InputError(
            f"{label}: line {line}, column Month: {frame['month'][bad_month].iloc[0]!r} is not "
            f"a month (expected YYYY-MM, e.g. 2018-04)"
        )
    bad_type = ~frame["crime_type"].isin(CRIME_TYPES)
    if bad_type.any():
        line = _first_line(bad_type)
        raise InputError(
            f"{label}: line {line}, column Crime type: unknown crime type "
            f"{frame['crime_type'][bad_type].iloc[0]!r}"
        )
    for name in frame["falls_within"].unique():
        if names.canonical(name) is None and not is_non_territorial(name):
            line = _first_line(frame["falls_within"] == name)
            raise InputError(
                f"{label}: line {line}, column Falls within: unknown force {name!r}"
            )


class PoliceUkSource(Source):
    """Street-level crime and ASB for one force: the project's own (``force_area`` in
    ``params/plan.yml``) unless ``force`` names another."""

    name = "police-uk"
    output_name = "police_uk.csv"

    def __init__(self, force: str | None = None) -> None:
        self.force = force

    def read_all(
        self, paths: list[Path], progress: bool = True, reference_dir: Path | None = None
    ) -> SourceResult:
        files = expand_paths(paths, ("*street.csv",))
        reference_dir = Path(reference_dir or DEFAULT_REFERENCE_DIR)
        names = ForceNames.load(reference_dir)
        force = self.force or project_force(reference_dir)
        if names.canonical(force) != force:
            raise InputError(f"force {force!r} is not one of the forces in {reference_dir / 'forces.csv'}")
        from crimeplan.ingest.reference import (
            DistrictLookup,  # imports this package's common module
        )

        lookup = DistrictLookup.load(reference_dir, force)
        records: list[pd.DataFrame] = []
        months_seen: dict[str, str] = {}
        tables = list(_street_tables(files))
        with progress_bar(progress) as bar:
            task = bar.add_task("police.uk", total=sum(size for _, size, _ in tables))
            for label, size, read_bytes in tables:
                frame = _read_table(label, read_bytes(), names)
                claim_periods(frame["month"].unique(), months_seen, label, "month")
                records.append(frame)
                bar.advance(task, size)
        return self._aggregate(pd.concat(records, ignore_index=True), lookup, files, force, names)

    @staticmethod
    def _aggregate(
        records: pd.DataFrame, lookup: DistrictLookup, files: list[Path], force: str, names: ForceNames
    ) -> SourceResult:
        in_force = records["falls_within"].map(names.canonical) == force
        if not in_force.any():
            found = ", ".join(sorted(records["falls_within"].unique()))
            raise InputError(
                f"{', '.join(map(str, files))}: no records for {force} "
                f"(Falls within holds: {found})"
            )
        force_records = records[in_force].copy()
        force_records["district"] = lookup.districts_of(force_records["lsoa_code"], force_records["lsoa_name"])
        no_lsoa = force_records["lsoa_code"].str.strip() == ""
        outside = ~no_lsoa & force_records["district"].isna()
        notes = [
            f"{(~in_force).sum():,} records of other forces skipped",
            f"{no_lsoa.sum():,} {force} records without an LSOA: in the force-wide "
            f"counts, in no district",
            f"{outside.sum():,} {force} records in an LSOA outside the force area: "
            f"in the force-wide counts, in no district",
        ]
        unreported = ~force_records["crime_type"].isin(list(MEASURE_BY_CRIME_TYPE))
        notes.append(
            f"{unreported.sum():,} {force} records of crime types the plan does not "
            f"report ({', '.join(sorted(force_records['crime_type'][unreported].unique()))}) "
            f"read but not written"
        )
        measured = force_records[~unreported]
        months = sorted(records["month"].unique())
        districts = lookup.districts
        force_counts = measured.groupby(["month", "crime_type"]).size()
        district_counts = measured.dropna(subset=["district"]).groupby(
            ["month", "crime_type", "district"]).size()
        rows = []
        for month in months:
            start, end = month_bounds(month)
            for crime_type, measure in MEASURE_BY_CRIME_TYPE.items():
                rows.append((measure, force, start, end,
                             int(force_counts.get((month, crime_type), 0)), SOURCE_LABEL,
                             "all records the force published for the month"))
                for district in districts:
                    rows.append((measure, district, start, end,
                                 int(district_counts.get((month, crime_type, district), 0)),
                                 SOURCE_LABEL, "records whose LSOA lies in the district"))
        measures = pd.DataFrame(rows, columns=[
            "measure", "area", "period_start", "period_end", "value", "source", "note"])
        return SourceResult(measures, files, len(records), notes)
