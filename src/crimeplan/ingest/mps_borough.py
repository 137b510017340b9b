"""The MPS "Borough Level Crime" table (wide: one column per month) -> monthly
recorded crime by borough.

Input: ``MajorText, MinorText, LookUp_BoroughName`` then one column per month headed
``YYYYMM``, one row per borough and Home Office minor offence class. Files may cover
different months (historical and recent extracts) but a month may be given only once.
Output (``mps_borough.csv``): every month, for each borough (the force's districts in
``data/reference/force_districts.csv``) and the force as a whole, all offences but the
historical fraud class (fraud is recorded nationally since 2013); force-wide, the major
classes the plans report on. Rows the Met gives for places that are not boroughs
(Heathrow and London City airports) count towards the force only.

The copy of this dataset states no licence: "About these statistics" says so.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.ingest.common import (
    DEFAULT_REFERENCE_DIR,
    FORCE_DISTRICTS_FILE,
    Source,
    SourceResult,
    expand_paths,
    month_bounds,
    read_files,
    read_reference_table,
    snake,
)

SOURCE_LABEL = "MPS borough level crime"
ID_COLUMNS = ("MajorText", "MinorText", "LookUp_BoroughName")
MONTH_COLUMN = re.compile(r"(\d{4})(0[1-9]|1[0-2])")
FRAUD = "Historical Fraud and Forgery"
TOTAL = "borough_crime_total"
# Force-wide major classes: Met major text -> measure id.
MAJOR_CLASSES = ("Violence Against the Person", "Sexual Offences", "Robbery", "Burglary", "Drug Offences",
                 "Possession of Weapons")


def major_measure(major: str) -> str:
    return f"borough_crime_{snake(major)}"


def _read_table(path: Path) -> pd.DataFrame:
    """Long rows (major, borough, month, offences)."""
    label = str(path)
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InputError(f"{label}: file is empty (no header row)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{label}: not a readable CSV file: {error}") from None
    missing = [column for column in ID_COLUMNS if column not in frame.columns]
    if missing:
        raise InputError(f"{label}: missing column(s) {', '.join(missing)} (expected the Met's borough level crime: "
                         "MajorText, MinorText, LookUp_BoroughName, then one column per month YYYYMM)")
    others = [column for column in frame.columns if column not in ID_COLUMNS]
    bad = [column for column in others if not MONTH_COLUMN.fullmatch(column.strip())]
    if bad:
        raise InputError(f"{label}: column {bad[0]!r} is not a month (expected YYYYMM, e.g. 201004)")
    if not others:
        raise InputError(f"{label}: no month columns (YYYYMM)")
    if frame.empty:
        raise InputError(f"{label}: file has a header but no data rows")
    months = [f"{column.strip()[:4]}-{column.strip()[4:]}" for column in others]
    if len(set(months)) != len(months):
        raise InputError(f"{label}: a month column appears more than once")
    long = frame.melt(id_vars=list(ID_COLUMNS), value_vars=others, var_name="column", value_name="text")
    counts = pd.to_numeric(long["text"].str.replace(",", "").str.strip(), errors="coerce")
    bad = counts.isna() | (counts % 1 != 0)
    if bad.any():
        first = int(bad.to_numpy().nonzero()[0][0])
        raise InputError(f"{label}: line {first % len(frame) + 2}, column {long['column'].iloc[first]}: "
                         f"{long['text'].iloc[first]!r} is not a whole number")
    long = long.assign(month=long["column"].str.strip().map(lambda c: f"{c[:4]}-{c[4:]}"),
                       offences=counts.astype(int),
                       major=long["MajorText"].str.strip(), borough=long["LookUp_BoroughName"].str.strip())
    return long[["major", "borough", "month", "offences"]]


class MpsBoroughSource(Source):
    """Recorded crime by month for the Met and each London borough."""

    name = "mps-borough"
    output_name = "mps_borough.csv"

    def read_all(self, paths: list[Path], progress: bool = True,
                 reference_dir: Path | None = None) -> SourceResult:
        reference_dir = Path(reference_dir or DEFAULT_REFERENCE_DIR)
        files = expand_paths(paths, ("*.csv",))
        table = read_reference_table(reference_dir / FORCE_DISTRICTS_FILE, ("force", "district"), "districts by force")
        records = read_files(files, _read_table, "Met borough crime", progress, "month", "month")
        named = records.drop_duplicates("borough")["borough"]
        forces = set(table.loc[table["district"].isin(named), "force"])
        if len(forces) != 1:
            raise InputError(f"{', '.join(map(str, files))}: the boroughs named are districts of "
                             f"{len(forces)} forces ({', '.join(sorted(forces)) or 'none'}): expected one force's")
        force = forces.pop()
        boroughs = sorted(table.loc[(table["force"] == force) & (table["district"] != force), "district"])
        months = sorted(records["month"].unique())
        expected = [f"{m:%Y-%m}" for m in pd.period_range(months[0], months[-1], freq="M")]
        gaps = sorted(set(expected) - set(months))
        if gaps:
            raise InputError(f"{', '.join(map(str, files))}: no column for month(s) {', '.join(gaps)}: the files must "
                             "meet without a gap")
        counted = records[records["major"] != FRAUD]
        by_borough = counted.groupby(["borough", "month"])["offences"].sum()
        by_month = counted.groupby("month")["offences"].sum()
        by_major = counted.groupby(["major", "month"])["offences"].sum()
        unknown_majors = sorted(set(MAJOR_CLASSES) - set(counted["major"]))
        if unknown_majors:
            raise InputError(f"{', '.join(map(str, files))}: no rows of major class(es) {', '.join(unknown_majors)}")
        rows = []
        for month in months:
            start, end = month_bounds(month)
            for area in [force, *boroughs]:
                value = by_month.get(month, 0) if area == force else by_borough.get((area, month), 0)
                rows.append((TOTAL, area, start, end, int(value), SOURCE_LABEL, ""))
            for major in MAJOR_CLASSES:
                rows.append((major_measure(major), force, start, end, int(by_major.get((major, month), 0)),
                             SOURCE_LABEL, ""))
        not_boroughs = sorted(set(named) - set(boroughs))
        fraud = records.loc[records["major"] == FRAUD, "offences"].sum()
        notes = [f"{force}: {len(months)} months, {months[0]} to {months[-1]}, {len(boroughs)} boroughs",
                 f"counted for {force} only, in no borough: {', '.join(not_boroughs) or 'none'} "
                 f"({counted.loc[counted['borough'].isin(not_boroughs), 'offences'].sum():,} offences)",
                 f"{fraud:,} historical fraud and forgery offences left out (fraud is recorded nationally since 2013)",
                 "the source states no licence"]
        columns = ["measure", "area", "period_start", "period_end", "value", "source", "note"]
        return SourceResult(pd.DataFrame(rows, columns=columns), files, len(records), notes)
