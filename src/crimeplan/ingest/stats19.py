"""STATS19 reported road casualties (one row per casualty) -> killed, seriously injured
and KSI by force and district, by month.

Input: a force's casualty list as published (``date, casualty_severity, area_name, ...``):
``date`` ISO or DD/MM/YYYY, ``casualty_severity`` Fatal, Serious or Slight, ``area_name``
the local authority district. The force is the one whose districts the rows name
(``data/reference/force_districts.csv``); a file naming districts of two forces is refused.
Every month from the first to the last in the input is written, zero where there were none.
Severities are as recorded by the police (not adjusted for the move to injury-based
reporting systems).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.ingest.common import (
    DEFAULT_REFERENCE_DIR,
    FORCE_DISTRICTS_FILE,
    Source,
    SourceResult,
    expand_paths,
    first_line,
    month_bounds,
    parse_days,
    read_csv_table,
    read_files,
    read_reference_table,
)

SOURCE_LABEL = "STATS19 reported road casualties"
REQUIRED_COLUMNS = ("date", "casualty_severity", "area_name")
SEVERITIES = ("Fatal", "Serious", "Slight")
KILLED = "road_casualties_killed"
SERIOUSLY_INJURED = "road_casualties_seriously_injured"
KSI = "road_casualties_ksi"
MEASURES: dict[str, tuple[str, ...]] = {KILLED: ("Fatal",), SERIOUSLY_INJURED: ("Serious",), KSI: ("Fatal", "Serious")}


def _read_table(path: Path, districts: dict[str, str]) -> pd.DataFrame:
    label = str(path)
    frame = read_csv_table(path, label, REQUIRED_COLUMNS, " (expected STATS19 casualties: date, "
                           "casualty_severity, area_name...)").apply(lambda column: column.str.strip())
    days = parse_days(frame["date"], label, "date")
    severity = frame["casualty_severity"].str.capitalize()
    bad = ~severity.isin(SEVERITIES)
    if bad.any():
        raise InputError(f"{label}: line {first_line(bad)}, column casualty_severity: "
                         f"{frame['casualty_severity'][bad].iloc[0]!r} is not Fatal, Serious or Slight")
    unknown = ~frame["area_name"].isin(districts)
    if unknown.any():
        raise InputError(f"{label}: line {first_line(unknown)}, column area_name: {frame['area_name'][unknown].iloc[0]!r}"
                         f" is not a district in data/reference/{FORCE_DISTRICTS_FILE}")
    forces = frame["area_name"].map(districts)
    if forces.nunique() > 1:
        other = forces != forces.iloc[0]
        raise InputError(f"{label}: line {first_line(other)}: district {frame['area_name'][other].iloc[0]!r} is in "
                         f"{forces[other].iloc[0]}, but line 2's is in {forces.iloc[0]}: give one force's casualties")
    return pd.DataFrame({"month": days.map(lambda d: f"{d:%Y-%m}"), "severity": severity,
                         "district": frame["area_name"], "force": forces})


class Stats19Source(Source):
    """Road casualties killed or seriously injured, by month, for the force and its districts."""

    name = "stats19"
    output_name = "stats19.csv"

    def read_all(self, paths: list[Path], progress: bool = True,
                 reference_dir: Path | None = None) -> SourceResult:
        reference_dir = Path(reference_dir or DEFAULT_REFERENCE_DIR)
        files = expand_paths(paths, ("*.csv",))
        table = read_reference_table(reference_dir / FORCE_DISTRICTS_FILE, ("force", "district"), "districts by force")
        districts = dict(zip(table["district"], table["force"]))
        casualties = read_files(files, lambda path: _read_table(path, districts), "STATS19 casualties", progress,
                                "month", "month")
        forces = sorted(casualties["force"].unique())
        if len(forces) > 1:
            raise InputError(f"{', '.join(map(str, files))}: the files hold casualties of {', '.join(forces)}: "
                             "ingest one force's")
        force = forces[0]
        first, last = min(casualties["month"]), max(casualties["month"])
        months = [f"{m:%Y-%m}" for m in pd.period_range(first, last, freq="M")]
        areas = [force, *sorted(table.loc[(table["force"] == force) & (table["district"] != force), "district"])]
        rows = []
        for measure, severities in MEASURES.items():
            chosen = casualties[casualties["severity"].isin(severities)]
            by_district = chosen.groupby(["district", "month"]).size()
            by_month = chosen.groupby("month").size()
            for month in months:
                start, end = month_bounds(month)
                for area in areas:
                    value = by_month.get(month, 0) if area == force else by_district.get((area, month), 0)
                    rows.append((measure, area, start, end, int(value), SOURCE_LABEL, ""))
        counts = casualties["severity"].value_counts()
        notes = [f"{force}: {len(months)} months, {first} to {last}; casualties read: "
                 + ", ".join(f"{counts.get(s, 0):,} {s.lower()}" for s in SEVERITIES) + " (slight ones not written)"]
        columns = ["measure", "area", "period_start", "period_end", "value", "source", "note"]
        return SourceResult(pd.DataFrame(rows, columns=columns), files, len(casualties), notes)
