"""ONS recorded crime by police force area (rolling 12-month totals) -> long series.

Input: the ONS CSV ``12 months ending, PFA, Region, Offence, Rolling year total number of
offences``: for each force and offence, the offences recorded in the 12 months ending on a
date (DD/MM/YYYY or ISO), years ending March 2003-2006, then every quarter. Output, in two
files (each under 2 MB for all 43 forces):

- ``<measure>_rolling_year`` (``ons_recorded_crime.csv``): the total for the 12 months the
  row covers (period = those 12 months), for the total excluding fraud and the offence
  groups the plans report on;
- ``<measure>`` (``ons_recorded_crime_quarters.csv``): discrete financial quarters
  recovered by differencing, where that is exact.
  Consecutive rolling years share nine months, so R(t) - R(t-1) = Q(t) - Q(t-4): one known
  year of quarters (the Home Office 2017/18 quarters in ``recorded_crime.csv``) gives every
  quarter the rolling years span. It is exact only where the rolling year ending March of
  that year equals the sum of its known quarters (otherwise one of the two was revised),
  and no recovered quarter is negative; other series keep their rolling years only.
"""

from __future__ import annotations

from datetime import date
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
    whole_numbers,
)
from crimeplan.periods import Quarter, quarter_of

SOURCE_LABEL = "ONS rolling years"
DERIVED_LABEL = "ONS rolling years differenced"
KNOWN_QUARTERS_FILE = "recorded_crime.csv"
REQUIRED_COLUMNS = ("12_months_ending", "pfa", "offence", "rolling_year_total_number_of_offences")
FRAUD = "Fraud offences"
# The ONS offences of each measure (the Home Office offence group it matches).
GROUPS: dict[str, tuple[str, ...]] = {
    "recorded_crime_violence_against_the_person": (
        "Homicide", "Death or serious injury caused by illegal driving", "Violence with injury",
        "Violence without injury", "Stalking and harassment"),
    "recorded_crime_sexual_offences": ("Sexual offences",),
    "recorded_crime_robbery": ("Robbery",),
    "recorded_crime_possession_of_weapons_offences": ("Possession of weapons offences",),
    "recorded_crime_drug_offences": ("Drug offences",),
    "recorded_crime_criminal_damage_and_arson": ("Criminal damage and arson",),
    "recorded_crime_public_order_offences": ("Public order offences",),
}
TOTAL = "recorded_crime_total"  # every offence but fraud (recorded nationally since 2013)
ROLLING_SUFFIX = "_rolling_year"
MEASURES = (TOTAL, *GROUPS)


def rolling_measure(measure: str) -> str:
    return measure + ROLLING_SUFFIX


def _year_ending(day: date) -> tuple[date, date, str]:
    """The 12 months ending in ``day``'s month (a quarter's last month): start, end and a
    note when the source's day is not the month's last (ONS gives 30/12/2017 once)."""
    if day.month not in (3, 6, 9, 12):
        raise ValueError(f"{day:%d/%m/%Y} does not end a quarter (March, June, September or December)")
    end = quarter_of(day).end
    start = date(end.year - 1, end.month % 12 + 1, 1) if end.month != 12 else date(end.year, 1, 1)
    note = "" if day == end else f"the source gives the year as ending {day:%d/%m/%Y}; read as {end:%d/%m/%Y}"
    return start, end, note


def _read_table(path: Path, names: ForceNames) -> pd.DataFrame:
    label = str(path)
    frame = read_csv_table(path, label, REQUIRED_COLUMNS, " (expected the ONS PFA table: 12 months ending, "
                           "PFA, Region, Offence, Rolling year total number of offences)")
    frame = frame.apply(lambda column: column.str.strip())
    days = parse_days(frame["12_months_ending"], label, "12 months ending")
    counts = whole_numbers(frame["rolling_year_total_number_of_offences"], label,
                           "Rolling year total number of offences")
    years = {}
    for day in days.unique():
        try:
            years[day] = _year_ending(day)
        except ValueError as error:
            raise InputError(f"{label}: line {first_line(days == day)}, column 12 months ending: {error}") from None
    forces = {}
    for name in frame["pfa"].unique():
        forces[name] = names.canonical(name)
        if forces[name] is None and not is_non_territorial(name):
            raise InputError(f"{label}: line {first_line(frame['pfa'] == name)}, column PFA: unknown force {name!r}")
    known = {offence for offences in GROUPS.values() for offence in offences}
    return frame.assign(force=frame["pfa"].map(forces), offences=counts,
                        period_start=days.map(lambda d: years[d][0]), period_end=days.map(lambda d: years[d][1]),
                        note=days.map(lambda d: years[d][2]), in_group=frame["offence"].isin(known))


def _known_quarters(data_dir: Path) -> pd.DataFrame:
    """The project's Home Office quarters (``recorded_crime.csv``), or an empty frame."""
    path = data_dir / "measures" / KNOWN_QUARTERS_FILE
    columns = ["measure", "area", "period_start", "value"]
    if not path.is_file():
        return pd.DataFrame(columns=columns)
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    frame = frame[frame["measure"].isin(MEASURES)]
    return frame.assign(period_start=pd.to_datetime(frame["period_start"]).dt.date,
                        value=pd.to_numeric(frame["value"]))[columns]


def recover_quarters(rolling: dict[int, float], known: dict[int, float]) -> dict[int, float] | None:
    """Discrete quarters from rolling years and one known financial year of quarters, or
    None when that is not exact: the known year must be whole, its sum must equal the
    rolling year ending with its last quarter, and no recovered quarter may be negative.

    Quarters are numbered consecutively (:func:`quarter_number`); a rolling year is keyed
    by the number of the quarter it ends with.
    """
    anchor = sorted(known)
    if len(anchor) != 4 or anchor[0] % 4 != 0 or anchor[-1] != anchor[0] + 3:
        return None
    if rolling.get(anchor[-1]) != sum(known.values()):
        return None
    quarters = dict(known)
    step = anchor[0] - 1  # backwards: Q(t-4) = Q(t) - (R(t) - R(t-1))
    while step + 4 in quarters and step + 4 in rolling and step + 3 in rolling:
        quarters[step] = quarters[step + 4] - (rolling[step + 4] - rolling[step + 3])
        step -= 1
    step = anchor[-1] + 1  # forwards: Q(t) = Q(t-4) + R(t) - R(t-1)
    while step in rolling and step - 1 in rolling:
        quarters[step] = quarters[step - 4] + rolling[step] - rolling[step - 1]
        step += 1
    return None if min(quarters.values()) < 0 else quarters


def quarter_number(day: date) -> int:
    """Financial quarters numbered consecutively: the quarter holding ``day``."""
    quarter = quarter_of(day)
    return quarter.fy_start * 4 + quarter.number - 1


def _quarter(number: int) -> Quarter:
    return Quarter(number // 4, number % 4 + 1)


class OnsRecordedCrimeSource(Source):
    """Recorded crime by force: rolling years since 2003 and the quarters they give exactly."""

    name = "ons-recorded-crime"
    output_name = "ons_recorded_crime.csv"
    quarters_output_name = "ons_recorded_crime_quarters.csv"

    def split_output(self, rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
        rolling = rows["measure"].str.endswith(ROLLING_SUFFIX)
        return {self.output_name: rows[rolling], self.quarters_output_name: rows[~rolling]}

    def output_names(self) -> tuple[str, ...]:
        return (self.output_name, self.quarters_output_name)

    def read_all(self, paths: list[Path], progress: bool = True,
                 reference_dir: Path | None = None) -> SourceResult:
        reference_dir = Path(reference_dir or DEFAULT_REFERENCE_DIR)
        files = expand_paths(paths, ("*.csv",))
        names = ForceNames.load(reference_dir)
        records = read_files(files, lambda path: _read_table(path, names), "ONS recorded crime", progress,
                             "period_end", "year ending", long_date)
        territorial = records[records["force"].notna()]
        rolling = self._rolling(territorial)
        quarters, notes = self._quarters(rolling, _known_quarters(reference_dir.parent))
        skipped = records[records["force"].isna()]
        odd_days = sorted(set(territorial.loc[territorial["note"] != "", "note"]))
        notes = [f"{len(skipped):,} rows of bodies other than the 43 forces skipped "
                 f"({', '.join(sorted(skipped['pfa'].unique())) or 'none'})",
                 f"{(territorial['offence'] == FRAUD).sum():,} fraud rows left out of the total (fraud has been "
                 "recorded nationally since 2013)", *odd_days, *notes]
        return SourceResult(pd.concat([rolling, quarters], ignore_index=True), files, len(records), notes)

    @staticmethod
    def _rolling(records: pd.DataFrame) -> pd.DataFrame:
        key = ["force", "period_start", "period_end"]
        notes = records.groupby(key)["note"].first()
        frames = []
        for measure in MEASURES:
            chosen = records["offence"] != FRAUD if measure == TOTAL else records["offence"].isin(GROUPS[measure])
            totals = records[chosen].groupby(key)["offences"].sum().reindex(notes.index, fill_value=0)
            frames.append(pd.DataFrame({
                "measure": rolling_measure(measure), "area": notes.index.get_level_values("force"),
                "period_start": notes.index.get_level_values("period_start"),
                "period_end": notes.index.get_level_values("period_end"),
                "value": totals.to_numpy(), "source": SOURCE_LABEL, "note": notes.to_numpy()}))
        return pd.concat(frames, ignore_index=True)

    @staticmethod
    def _quarters(rolling: pd.DataFrame, known: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
        if known.empty:
            return rolling.iloc[0:0], [f"no {KNOWN_QUARTERS_FILE} in data/measures (crimeplan ingest recorded-crime "
                                       "writes it): rolling years only, no quarters recovered"]
        rows, inexact = [], []
        years_of = {key: dict(zip(map(quarter_number, series["period_end"]), series["value"]))
                    for key, series in rolling.groupby(["measure", "area"])}
        for (measure, force), series in known.groupby(["measure", "area"]):
            years = years_of.get((rolling_measure(measure), force), {})
            given = dict(zip(map(quarter_number, series["period_start"]), series["value"]))
            for year in sorted({number // 4 for number in given}):
                quarters = recover_quarters(years, {n: v for n, v in given.items() if n // 4 == year})
                if quarters is None:
                    inexact.append((force, measure))
                    continue
                for number, value in sorted(quarters.items()):
                    if number not in given:
                        quarter = _quarter(number)
                        rows.append((measure, force, quarter.start, quarter.end, value, DERIVED_LABEL, ""))
                break
        columns = ["measure", "area", "period_start", "period_end", "value", "source", "note"]
        derived = pd.DataFrame(rows, columns=columns)
        by_force: dict[str, list[str]] = {}
        for force, measure in inexact:
            by_force.setdefault(force, []).append(measure)
        notes = [f"{len(derived):,} quarters recovered by differencing for {derived.groupby(['measure', 'area']).ngroups}"
                 " force and measure series; none where the rolling year ending March and the known quarters disagree "
                 "(one of them revised): " + ("; ".join(
                     f"{force} ({'every measure' if len(ids) == len(MEASURES) else ', '.join(ids)})"
                     for force, ids in sorted(by_force.items())) or "none")]
        return derived, notes
