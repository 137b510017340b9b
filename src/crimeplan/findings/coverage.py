"""Every measures row accounted for: rows the update cannot use are problems, not silence.

A row can be valid on its own and still never reach the update: a headcount entered over
a range of days, or a comparison row one day off the period it should match. These
checks name such rows (file, row, the dates given and the dates expected) so that
``crimeplan check`` and ``render`` stop instead of leaving a table cell empty.

Measures read from public data (``crimeplan ingest`` outputs) are series the update
shows as a whole; the force's own measures are compared period by period, so only those
are checked here.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from crimeplan.errors import Problem
from crimeplan.inputs.measures import MEASURE_KEY, Catalogue, Kind
from crimeplan.inputs.params import Plan
from crimeplan.inputs.schemas import rows_label
from crimeplan.periods import Quarter, shift_months
from crimeplan.project import Project
from crimeplan.stats.compare import Comparison, MeasureRows

NEAR_DAYS = 7  # a period this close to the expected one is taken for a typing slip


def ingested_files() -> set[str]:
    """File names ``crimeplan ingest`` writes in ``data/measures/``."""
    from crimeplan.ingest import SOURCES

    return {name for source in SOURCES.values() for name in source.output_names()}


def own_measures(measures: pd.DataFrame) -> pd.DataFrame:
    """The rows of the force's own measures (not written by ``crimeplan ingest``)."""
    ingested = ingested_files()
    files = measures["file"].astype(str)
    by_file = {file: Path(file).name in ingested for file in files.unique()}  # a few files, many rows
    return measures[~files.map(by_file).astype(bool)]  # bool even when empty


def valid_rows(measures: pd.DataFrame) -> pd.DataFrame:
    """The rows with a figure and both dates readable, the first of conflicting rows only
    (the others are reported as errors)."""
    readable = measures.dropna(subset=["value", "period_start", "period_end"])
    return readable.drop_duplicates(MEASURE_KEY)


def area_problems(project: Project, plan: Plan, measures: pd.DataFrame, area_names: set[str]) -> list[Problem]:
    """Rows of the force's own measures for a valid area the plan does not report on."""
    own = own_measures(measures)
    outside = own[~own["area"].isin(plan.areas) & own["area"].isin(area_names)]
    return [
        Problem(
            "warning", f"area {area!r} is in data/reference/ but not one of the plan's areas (params/plan.yml "
            f"areas: {', '.join(plan.areas)}), so the update shows none of these rows "
            f"({', '.join(sorted(set(rows['measure'])))}): add the area to the plan or move the figures to "
            "a reported area", file=project.shown(Path(file)), location=rows_label(rows["row"].tolist()),
            column="area", value=area, rule="area_in_plan",
        )
        for (file, area), rows in outside.groupby(["file", "area"], sort=True)
    ]


def snapshot_problems(project: Project, measures: pd.DataFrame, catalogue: Catalogue) -> list[Problem]:
    """A snapshot (a level on one day) entered over a range of days can never be used."""
    snapshots = [m for m, d in catalogue.items() if d.kind == Kind.SNAPSHOT]
    dated = measures["period_start"].notna() & measures["period_end"].notna()  # bad dates are reported already
    ranged = measures[dated & measures["measure"].isin(snapshots) & (measures["period_start"] != measures["period_end"])]
    return [
        Problem(
            "error", f"{row.measure!r} is a snapshot (a level on one day) but this row covers {row.period_start} to "
            f"{row.period_end}: give the day of the count as both period_start and period_end "
            f"(e.g. {row.period_end} to {row.period_end})",
            file=project.shown(Path(row.file)), location=f"row {row.row}", column="period_start",
            value=f"{row.period_start} to {row.period_end}", rule="snapshot_period",
        )
        for row in ranged.itertuples()
    ]


def quarter_problems(project: Project, plan: Plan, own: pd.DataFrame, catalogue: Catalogue,
                     quarter: Quarter, compared: list[Comparison]) -> list[Problem]:
    """Rows the quarter's update would silently pass over, and catalogue measures it has
    no value for (a warning, listed once per priority); ``own`` are the force's own valid
    rows and ``compared`` their comparisons for the quarter
    (:func:`~crimeplan.stats.compare.compare_all`)."""
    in_quarter = own[(own["period_end"] >= quarter.start) & (own["period_end"] <= quarter.end)]
    if in_quarter.empty:
        return [Problem("warning", f"no measure of the force's own has a value for {quarter.label}: the update "
                        "shows public data and commentary only", file=project.shown(project.data_dir / "measures"),
                        rule="measure_has_value")]
    problems = []
    rows_of = MeasureRows(own)
    for priority in plan.priorities:
        comparisons = [c for c in compared if catalogue[c.measure].priority == priority.number]
        for comparison in comparisons:
            if catalogue[comparison.measure].kind == Kind.SNAPSHOT:
                continue
            rows = rows_of(comparison.measure, comparison.area)
            current = comparison.current
            problems += _near_misses(project, rows, quarter.start, quarter.end, f"the quarter {quarter.label}",
                                     used=current is not None and (current.start, current.end) == (quarter.start, quarter.end))
            if current is None:
                continue
            for change, months, what in ((comparison.previous_year, -12, "the same period last year"),
                                         (comparison.previous_quarter, -3, "the previous quarter")):
                start, end = shift_months(current.start, months), shift_months(current.end, months)
                problems += _near_misses(project, rows, start, end, what, used=change is not None)
        shown = {c.measure for c in comparisons if c.current is not None}
        missing = [m for m, d in catalogue.items() if d.priority == priority.number and m not in shown
                   and m in set(own["measure"])]
        if missing:
            problems.append(Problem(
                "warning", f"priority {priority.number} has no value for {quarter.label} of: {', '.join(missing)}; "
                "they are left out of its update", file=project.shown(project.data_dir / "measures"),
                rule="measure_has_value",
            ))
    return problems


def _near_misses(project: Project, rows: pd.DataFrame, start: date, end: date, what: str, *,
                 used: bool) -> list[Problem]:
    """Rows whose period is within a few days of ``start``..``end`` without matching it: an
    error when nothing matches (the update would show no figure), a warning when a row for
    exactly those dates is ``used`` (this one is then ignored)."""
    slack = timedelta(days=NEAR_DAYS)
    periods = list(zip(rows["period_start"].tolist(), rows["period_end"].tolist()))  # dates, compared one by one
    exact = [period == (start, end) for period in periods]
    near = [i for i, (s, e) in enumerate(periods)
            if not exact[i] and abs(s - start) <= slack and abs(e - end) <= slack]
    if not near:  # nearly always: a DataFrame is made only for the rows to report
        return []
    problems = []
    for row in rows.iloc[near].itertuples():
        where = dict(file=project.shown(Path(row.file)), location=f"row {row.row}",
                     column="period_end" if row.period_start == start else "period_start",
                     value=f"{row.period_start} to {row.period_end}")
        covers = f"{row.measure!r} in {row.area}: this row covers {row.period_start} to {row.period_end}"
        if used:
            exact_row = rows.iloc[exact.index(True)]
            problems.append(Problem(
                "warning", f"{covers}, close to {what} ({start} to {end}), which {_place(project, exact_row, row)} "
                "gives exactly, so this row is not used: delete it or correct its dates", **where,
                rule="period_superseded"))
        else:
            problems.append(Problem(
                "error", f"{covers}, close to but not {what} ({start} to {end}), so the update cannot use it: "
                f"did you mean {start} to {end}?", **where, rule="period_matches"))
    return problems


def _place(project: Project, row, beside) -> str:
    return f"row {row.row}" if row.file == beside.file else f"{project.shown(Path(row.file))} row {row.row}"
