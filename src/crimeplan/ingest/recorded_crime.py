"""Home Office police recorded crime by force, offence and quarter -> quarterly measures.

Input: the Home Office open-data CSV (``Financial Year, Financial Quarter, Force Name,
Offence Description, Offence Group, Offence Subgroup, Offence Code, Number of
Offences``), one row per force x quarter x offence code. Output: for each of the 43
forces and each financial quarter, the total and the offence groups and subgroups the
plan reports on. Rows of national fraud bodies and British Transport Police are counted
and reported, not written.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.ingest.common import (
    DEFAULT_REFERENCE_DIR,
    ForceNames,
    Source,
    SourceResult,
    expand_paths,
    is_non_territorial,
    read_csv_table,
    read_files,
    snake,
)
from crimeplan.periods import Quarter

SOURCE_LABEL = "Home Office police recorded crime by police force area"
REQUIRED_COLUMNS = (
    "financial_year", "financial_quarter", "force_name", "offence_description",
    "offence_group", "offence_subgroup", "number_of_offences",
)
YEAR_PATTERN = r"\d{4}/\d{2}"

# Every offence group in the tables; anything else means the format changed.
OFFENCE_GROUPS = frozenset({
    "Criminal damage and arson", "Drug offences", "Fraud offences", "Miscellaneous crimes",
    "Possession of weapons offences", "Public order offences", "Robbery",
    "Sexual offences", "Theft offences", "Violence against the person",
})
# Groups the plan reports on; each becomes recorded_crime_<group in snake_case>.
REPORTED_GROUPS = (
    "Violence against the person", "Sexual offences", "Robbery",
    "Possession of weapons offences", "Drug offences", "Criminal damage and arson",
    "Public order offences",
)
# Narrower counts the plan needs: (column, value) -> measure id.
REPORTED_SUBSETS: dict[tuple[str, str], str] = {
    ("offence_subgroup", "Rape offences"): "recorded_crime_rape",
    ("offence_subgroup", "Trafficking of drugs"): "recorded_crime_drug_trafficking",
    ("offence_description", "Modern slavery"): "recorded_crime_modern_slavery",
}


def group_measure(group: str) -> str:
    return f"recorded_crime_{snake(group)}"


def _first_line(mask: pd.Series) -> int:
    return int(mask.to_numpy().nonzero()[0][0]) + 2


def _read_table(path: Path, names: ForceNames) -> pd.DataFrame:
    frame = read_csv_table(path, str(path), REQUIRED_COLUMNS).apply(lambda column: column.str.strip())
    return _validated(path, frame, names)


def _validated(path: Path, frame: pd.DataFrame, names: ForceNames) -> pd.DataFrame:
    """Rows with parsed quarter, canonical force and numeric count; errors name the line."""
    bad_year = ~frame["financial_year"].str.fullmatch(YEAR_PATTERN)
    bad_quarter = ~frame["financial_quarter"].isin(["1", "2", "3", "4"])
    for mask, column, rule in (
        (bad_year, "Financial Year", "expected YYYY/YY, e.g. 2017/18"),
        (bad_quarter, "Financial Quarter", "expected 1, 2, 3 or 4"),
    ):
        if mask.any():
            value = frame[snake(column)][mask].iloc[0]
            raise InputError(f"{path}: line {_first_line(mask)}, column {column}: {value!r} "
                             f"is not valid ({rule})")
    quarter_ids = (frame["financial_year"].str.replace("/", "-") + "-Q"
                   + frame["financial_quarter"])
    quarters = {}
    for quarter_id in quarter_ids.unique():
        try:
            quarters[quarter_id] = Quarter.parse(quarter_id)
        except InputError as error:
            line = _first_line(quarter_ids == quarter_id)
            raise InputError(f"{path}: line {line}: {error}") from None
    counts = pd.to_numeric(frame["number_of_offences"].str.replace(",", ""), errors="coerce")
    bad_count = counts.isna() | (counts % 1 != 0)
    if bad_count.any():
        raise InputError(
            f"{path}: line {_first_line(bad_count)}, column Number of Offences: "
            f"{frame['number_of_offences'][bad_count].iloc[0]!r} is not a whole number"
        )
    bad_group = ~frame["offence_group"].isin(OFFENCE_GROUPS)
    if bad_group.any():
        raise InputError(
            f"{path}: line {_first_line(bad_group)}, column Offence Group: unknown offence "
            f"group {frame['offence_group'][bad_group].iloc[0]!r}"
        )
    forces = {}
    for name in frame["force_name"].unique():
        forces[name] = names.canonical(name)
        if forces[name] is None and not is_non_territorial(name):
            line = _first_line(frame["force_name"] == name)
            raise InputError(f"{path}: line {line}, column Force Name: unknown force {name!r}")
    return frame.assign(
        quarter=quarter_ids.map(quarters),
        force=frame["force_name"].map(forces),
        offences=counts.astype(int),
    )


class RecordedCrimeSource(Source):
    """Police recorded crime for all 43 forces by financial quarter."""

    name = "recorded-crime"
    output_name = "recorded_crime.csv"

    def read_all(
        self, paths: list[Path], progress: bool = True, reference_dir: Path | None = None
    ) -> SourceResult:
        files = expand_paths(paths, ("*.csv",))
        names = ForceNames.load(reference_dir or DEFAULT_REFERENCE_DIR)
        records = read_files(files, lambda path: _read_table(path, names), "recorded crime", progress,
                             "quarter", "quarter", lambda quarter: quarter.label)
        negative = records["offences"] < 0
        territorial = records["force"].notna()
        skipped = records[~territorial]
        notes = [
            f"{len(skipped):,} rows of bodies other than the 43 forces skipped "
            f"({', '.join(sorted(skipped['force_name'].unique())) or 'none'})",
            f"{negative.sum():,} rows with a negative count (the Home Office's downward "
            f"adjustments) included in the sums",
        ]
        return SourceResult(self._measures(records[territorial]), files, len(records), notes)

    @staticmethod
    def _measures(records: pd.DataFrame) -> pd.DataFrame:
        selections = {"recorded_crime_total": pd.Series(True, index=records.index)}
        for group in REPORTED_GROUPS:
            selections[group_measure(group)] = records["offence_group"] == group
        for (column, value), measure in REPORTED_SUBSETS.items():
            selections[measure] = records[column] == value
        grid = pd.MultiIndex.from_product(
            [sorted(records["force"].unique()), sorted(records["quarter"].unique())],
            names=["force", "quarter"],
        )
        frames = []
        for measure, selected in selections.items():
            totals = (records[selected].groupby(["force", "quarter"])["offences"].sum()
                      .reindex(grid, fill_value=0).reset_index())
            frames.append(pd.DataFrame({
                "measure": measure,
                "area": totals["force"],
                "period_start": totals["quarter"].map(lambda q: q.start),
                "period_end": totals["quarter"].map(lambda q: q.end),
                "value": totals["offences"],
                "source": SOURCE_LABEL,
                "note": "",
            }))
        return pd.concat(frames, ignore_index=True)
