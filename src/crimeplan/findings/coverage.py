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

from datetime import date
from pathlib import Path

import pandas as pd

from crimeplan.inputs.measures import Catalogue
from crimeplan.inputs.params import Plan
from crimeplan.inputs.schemas import Problem
from crimeplan.periods import Quarter
from crimeplan.project import Project
from crimeplan.stats.compare import compare_all, shift_months

NEAR_DAYS = 7  # a period this close to the expected one is taken for a typing slip


def ingested_files() -> set[str]:
    """File names ``crimeplan ingest`` writes in ``data/measures/``."""
    from crimeplan.ingest import SOURCES

    return {source.output_name for source in SOURCES.values()}


def own_measures(measures: pd.DataFrame) -> pd.DataFrame:
    """The rows of the force's own measures (not written by ``crimeplan ingest``)."""
    ingested = ingested_files()
    return measures[~measures["file"].map(lambda f: Path(f).name in ingested).astype(bool)]  # bool even when empty


def snapshot_problems(project: Project, measures: pd.DataFrame, catalogue: Catalogue) -> list[Problem]:
    """A snapshot (a level on one day) entered over a range of days can never be used."""
    snapshots = [m for m, d in catalogue.items() if d.kind == "snapshot"]
    ranged = measures[measures["measure"].isin(snapshots) & (measures["period_start"] != measures["period_end"])]
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


def quarter_problems(project: Project, plan: Plan, measures: pd.DataFrame, catalogue: Catalogue,
                     quarter: Quarter) -> list[Problem]:
    """Rows the quarter's update would silently pass over, and catalogue measures it has
    no value for (a warning, listed once per priority)."""
    own = own_measures(measures)
    in_quarter = own[(own["period_end"] >= quarter.start) & (own["period_end"] <= quarter.end)]
    if in_quarter.empty:
        return [Problem("warning", f"no measure of the force's own has a value for {quarter.label}: the update "
                        "shows public data and commentary only", file=project.shown(project.data_dir / "measures"),
                        rule="measure_has_value")]
    problems = []
    for priority in plan.priorities:
        comparisons = compare_all(own, catalogue, quarter, force_area=plan.force_area, area_order=plan.areas,
                                  priority=priority.number)
        for comparison in comparisons:
            if catalogue[comparison.measure].kind == "snapshot":
                continue
            rows = own[(own["measure"] == comparison.measure) & (own["area"] == comparison.area)]
            problems += _near_misses(project, rows, quarter.start, quarter.end, f"the quarter {quarter.label}")
            current = comparison.current
            if current is None:
                continue
            for change, months, what in ((comparison.previous_year, -12, "the same period last year"),
                                         (comparison.previous_quarter, -3, "the previous quarter")):
                if change is None:
                    start, end = shift_months(current.start, months), shift_months(current.end, months)
                    problems += _near_misses(project, rows, start, end, what)
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


def _near_misses(project: Project, rows: pd.DataFrame, start: date, end: date, what: str) -> list[Problem]:
    """Rows whose period is within a few days of ``start``..``end`` without matching it."""
    slack = pd.Timedelta(days=NEAR_DAYS)
    starts, ends = pd.to_datetime(rows["period_start"]), pd.to_datetime(rows["period_end"])
    close = ((starts - pd.Timestamp(start)).abs() <= slack) & ((ends - pd.Timestamp(end)).abs() <= slack)
    near = rows[close & ~((rows["period_start"] == start) & (rows["period_end"] == end))]
    return [
        Problem(
            "error", f"{row.measure!r} in {row.area}: this row covers {row.period_start} to {row.period_end}, "
            f"close to but not {what} ({start} to {end}), so the update cannot use it: did you mean "
            f"{start} to {end}?", file=project.shown(Path(row.file)), location=f"row {row.row}",
            column="period_end" if row.period_start == start else "period_start",
            value=f"{row.period_start} to {row.period_end}", rule="period_matches",
        )
        for row in near.itertuples()
    ]
