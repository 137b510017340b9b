"""data.police.uk street-level crime and anti-social behaviour -> monthly measures.

Input: the monthly ``*-street.csv`` files, given as files, folders, or the police.uk
archive zip, in either header style (``Crime ID, Month, Falls within, ...`` or the
snake_case ``crime_id, month, falls_within, ...``). One row is one crime or ASB record.

Output: counts by month x crime type for the force (all records the force published,
wherever they were mapped) and for each district (local authority) the record's LSOA
falls in, using the committed lookup ``data/reference/essex_lsoa_districts.csv``.
Records of other forces, without an LSOA, or in an LSOA outside the force area are
counted and reported in the ingest notes.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from functools import partial
from pathlib import Path

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.ingest.common import (
    read_csv_table,
    claim_periods,
    DEFAULT_REFERENCE_DIR,
    FORCE_AREA,
    Source,
    SourceResult,
    canonical_force,
    expand_paths,
    is_non_territorial,
    month_bounds,
    progress_bar,
    write_atomically,
)

SOURCE_LABEL = "data.police.uk street-level crime and anti-social behaviour"
LOOKUP_NAME = "essex_lsoa_districts.csv"
LOOKUP_COLUMNS = ["lsoa_code", "lsoa_name", "district_code", "district", "force"]
REQUIRED_COLUMNS = ("month", "falls_within", "lsoa_code", "crime_type")
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


def _read_table(label: str, content: bytes) -> pd.DataFrame:
    """One street-level table with normalised column names, validated."""
    frame = read_csv_table(
        io.BytesIO(content), label, REQUIRED_COLUMNS,
        " (expected police.uk street-level columns such as Month, Falls within, LSOA code, Crime type)",
    )
    frame["month"] = frame["month"].str.strip()
    _check_values(label, frame)
    return frame


def _first_line(mask: pd.Series) -> int:
    """1-based file line of the first True in ``mask`` (line 1 is the header)."""
    return int(mask.to_numpy().nonzero()[0][0]) + 2


def _check_values(label: str, frame: pd.DataFrame) -> None:
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
        if canonical_force(name) is None and not is_non_territorial(name):
            line = _first_line(frame["falls_within"] == name)
            raise InputError(
                f"{label}: line {line}, column Falls within: unknown force {name!r}"
            )


def load_lsoa_lookup(reference_dir: Path, force: str) -> pd.DataFrame:
    """The committed LSOA -> district lookup, restricted to ``force``."""
    path = Path(reference_dir) / LOOKUP_NAME
    if not path.is_file():
        raise InputError(f"{path}: file not found (the LSOA to district lookup)")
    lookup = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [column for column in LOOKUP_COLUMNS if column not in lookup.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    if lookup["lsoa_code"].duplicated().any():
        duplicate = lookup["lsoa_code"][lookup["lsoa_code"].duplicated()].iloc[0]
        raise InputError(f"{path}: LSOA {duplicate} is listed more than once")
    return lookup[lookup["force"] == force]


def build_lsoa_lookup(lsoa_csv: Path, lad_csv: Path, force: str = FORCE_AREA) -> pd.DataFrame:
    """Derive the force's LSOA -> district lookup from the ONS lookups.

    ``lsoa_csv``: LSOA (2011) -> local authority -> police force; ``lad_csv``: the ONS
    LAD16 -> CSP16 -> PFA16 lookup, which gives the districts' official names.
    """
    lads = pd.read_csv(lad_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    force_lads = lads[lads["PFA16NM"].map(canonical_force) == force]
    if force_lads.empty:
        raise InputError(f"{lad_csv}: no local authorities for police force area {force!r}")
    lsoas = pd.read_csv(lsoa_csv, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    lsoas = lsoas[lsoas["Local authority code"].isin(force_lads["LAD16CD"])]
    names = dict(zip(force_lads["LAD16CD"], force_lads["LAD16NM"]))
    lookup = pd.DataFrame({
        "lsoa_code": lsoas["LSOA Code"],
        "lsoa_name": lsoas["LSOA Name"],
        "district_code": lsoas["Local authority code"],
        "district": lsoas["Local authority code"].map(names),
        "force": force,
    })
    disagree = lsoas["Police_force"].map(lambda name: canonical_force(name) != force)
    if disagree.any():
        raise InputError(
            f"{lsoa_csv}: LSOA {lsoas['LSOA Code'][disagree].iloc[0]} lies in a {force} "
            f"district but is assigned to force {lsoas['Police_force'][disagree].iloc[0]!r}"
        )
    return lookup.sort_values("lsoa_code").reset_index(drop=True)


class PoliceUkSource(Source):
    """Street-level crime and ASB for one force (Essex unless told otherwise)."""

    name = "police-uk"
    output_name = "police_uk.csv"

    def __init__(self, force: str = FORCE_AREA) -> None:
        self.force = force

    def read_all(
        self, paths: list[Path], progress: bool = True, reference_dir: Path | None = None
    ) -> SourceResult:
        files = expand_paths(paths, ("*street.csv",))
        lookup = load_lsoa_lookup(reference_dir or DEFAULT_REFERENCE_DIR, self.force)
        records, months_seen = [], {}
        tables = list(_street_tables(files))
        with progress_bar(progress) as bar:
            task = bar.add_task("police.uk", total=sum(size for _, size, _ in tables))
            for label, size, read_bytes in tables:
                frame = _read_table(label, read_bytes())
                claim_periods(frame["month"].unique(), months_seen, label, "month")
                records.append(frame)
                bar.advance(task, size)
        records = pd.concat(records, ignore_index=True)
        return self._aggregate(records, lookup, files)

    def _aggregate(
        self, records: pd.DataFrame, lookup: pd.DataFrame, files: list[Path]
    ) -> SourceResult:
        in_force = records["falls_within"].map(canonical_force) == self.force
        if not in_force.any():
            found = ", ".join(sorted(records["falls_within"].unique()))
            raise InputError(
                f"{', '.join(map(str, files))}: no records for {self.force} "
                f"(Falls within holds: {found})"
            )
        force_records = records[in_force].copy()
        district_of = dict(zip(lookup["lsoa_code"], lookup["district"]))
        force_records["district"] = force_records["lsoa_code"].map(district_of)
        no_lsoa = force_records["lsoa_code"].str.strip() == ""
        outside = ~no_lsoa & force_records["district"].isna()
        notes = [
            f"{(~in_force).sum():,} records of other forces skipped",
            f"{no_lsoa.sum():,} {self.force} records without an LSOA: in the force-wide "
            f"counts, in no district",
            f"{outside.sum():,} {self.force} records in an LSOA outside the force area: "
            f"in the force-wide counts, in no district",
        ]
        unreported = ~force_records["crime_type"].isin(list(MEASURE_BY_CRIME_TYPE))
        notes.append(
            f"{unreported.sum():,} {self.force} records of crime types the plan does not "
            f"report ({', '.join(sorted(force_records['crime_type'][unreported].unique()))}) "
            f"read but not written"
        )
        measured = force_records[~unreported]
        months = sorted(records["month"].unique())
        districts = sorted(lookup["district"].unique())
        force_counts = measured.groupby(["month", "crime_type"]).size()
        district_counts = measured.dropna(subset=["district"]).groupby(
            ["month", "crime_type", "district"]).size()
        rows = []
        for month in months:
            start, end = month_bounds(month)
            for crime_type, measure in MEASURE_BY_CRIME_TYPE.items():
                rows.append((measure, self.force, start, end,
                             int(force_counts.get((month, crime_type), 0)), SOURCE_LABEL,
                             "all records the force published for the month"))
                for district in districts:
                    rows.append((measure, district, start, end,
                                 int(district_counts.get((month, crime_type, district), 0)),
                                 SOURCE_LABEL, "records whose LSOA lies in the district"))
        measures = pd.DataFrame(rows, columns=[
            "measure", "area", "period_start", "period_end", "value", "source", "note"])
        return SourceResult(measures, files, len(records), notes)


def write_lsoa_lookup(lsoa_csv: Path, lad_csv: Path, reference_dir: Path,
                      force: str = FORCE_AREA) -> Path:
    """Derive the lookup from the ONS files and write it as ``reference_dir/LOOKUP_NAME``."""
    output = Path(reference_dir) / LOOKUP_NAME
    write_atomically(build_lsoa_lookup(lsoa_csv, lad_csv, force), output)
    return output
