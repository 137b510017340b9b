"""Home Office police workforce open data -> yearly snapshots since 31 March 2007.

Input: the open data table (CSV, optionally gzipped) ``date, geo_code, force_name, region,
sex, rank_description, worker_type, total_headcount, total_fte``, one row per force, date,
sex, rank and worker type. ``date`` is the first day of the month of the snapshot (ISO or
DD/MM/YYYY); the snapshot is that month's last day (31 March). Output
(``workforce_open_data.csv``): for every force and snapshot, the sums over sex and rank of
the worker types the plans report on.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.formatting import long_date
from crimeplan.ingest.common import (
    DEFAULT_REFERENCE_DIR,
    ForceNames,
    Source,
    SourceResult,
    expand_paths,
    first_line,
    is_non_territorial,
    parse_days,
    read_csv_table,
    read_files,
)

SOURCE_LABEL = "Home Office police workforce open data"
REQUIRED_COLUMNS = ("date", "force_name", "worker_type", "total_headcount", "total_fte")
WORKER_TYPES = frozenset({"police officer", "police community support officer", "police staff",
                          "designated officer", "special constable", "police support volunteer"})
# measure id -> (worker type, column summed)
MEASURES: dict[str, tuple[str, str]] = {
    "workforce_officers_headcount": ("police officer", "total_headcount"),
    "workforce_officers_fte": ("police officer", "total_fte"),
    "workforce_pcsos_fte": ("police community support officer", "total_fte"),
    "workforce_specials_headcount": ("special constable", "total_headcount"),
}


def _read_table(path: Path, names: ForceNames) -> pd.DataFrame:
    label = str(path)
    frame = read_csv_table(path, label, REQUIRED_COLUMNS, " (expected the Home Office workforce open data: "
                           "date, force_name, worker_type, total_headcount, total_fte...)")
    frame = frame.apply(lambda column: column.str.strip())
    days = parse_days(frame["date"], label, "date")
    unknown = ~frame["worker_type"].str.lower().isin(WORKER_TYPES)
    if unknown.any():
        raise InputError(f"{label}: line {first_line(unknown)}, column worker_type: unknown worker type "
                         f"{frame['worker_type'][unknown].iloc[0]!r}")
    numbers = {}
    for column in ("total_headcount", "total_fte"):
        numbers[column] = pd.to_numeric(frame[column].str.replace(",", ""), errors="coerce")
        bad = numbers[column].isna() | (numbers[column] < 0)
        if bad.any():
            raise InputError(f"{label}: line {first_line(bad)}, column {column}: {frame[column][bad].iloc[0]!r} is "
                             "not a number of people")
    forces = {}
    for name in frame["force_name"].unique():
        forces[name] = names.canonical(name)
        if forces[name] is None and not is_non_territorial(name):
            raise InputError(f"{label}: line {first_line(frame['force_name'] == name)}, column force_name: "
                             f"unknown force {name!r}")
    snapshot = days.map(lambda d: (pd.Timestamp(d) + pd.offsets.MonthEnd(0)).date())
    return frame.assign(force=frame["force_name"].map(forces), day=snapshot,
                        worker_type=frame["worker_type"].str.lower(), **numbers)


class WorkforceOpenDataSource(Source):
    """Officers, PCSOs and Special Constables of the 43 forces on each 31 March."""

    name = "workforce-open-data"
    output_name = "workforce_open_data.csv"

    def read_all(self, paths: list[Path], progress: bool = True,
                 reference_dir: Path | None = None) -> SourceResult:
        files = expand_paths(paths, ("*.csv", "*.csv.gz"))
        names = ForceNames.load(reference_dir or DEFAULT_REFERENCE_DIR)
        records = read_files(files, lambda path: _read_table(path, names), "workforce open data", progress,
                             "day", "snapshot", long_date)
        territorial = records[records["force"].notna()]
        missing = sorted(set(names.forces) - set(territorial["force"]))
        if missing:
            raise InputError(f"{', '.join(map(str, files))}: no rows for force(s) {', '.join(missing)}")
        grid = pd.MultiIndex.from_product([sorted(territorial["force"].unique()), sorted(territorial["day"].unique())],
                                          names=["force", "day"])
        measures = []
        for measure, (worker_type, column) in MEASURES.items():
            chosen = territorial[territorial["worker_type"] == worker_type]
            totals = chosen.groupby(["force", "day"])[column].sum().reindex(grid, fill_value=0).reset_index()
            measures.append(pd.DataFrame({
                "measure": measure, "area": totals["force"], "period_start": totals["day"],
                "period_end": totals["day"], "value": totals[column], "source": SOURCE_LABEL, "note": ""}))
        skipped = records[records["force"].isna()]
        others = sorted(WORKER_TYPES - {worker_type for worker_type, _ in MEASURES.values()})
        notes = [f"{len(skipped):,} rows of bodies other than the 43 forces skipped",
                 f"summed over sex and rank; worker types read but not written: {', '.join(others)}"]
        return SourceResult(pd.concat(measures, ignore_index=True), files, len(records), notes)
