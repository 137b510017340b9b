"""Compare a measure for one area and quarter with the same period last year, the
previous quarter and its target.

Which row is "current" for a quarter:

- snapshot measures (a level on a day): the latest snapshot dated inside the quarter;
  the comparisons are the latest snapshots inside the same quarter last year and inside
  the previous quarter;
- totals and rates: the row covering exactly the quarter if there is one, otherwise the
  row ending latest inside the quarter (a month such as August, a six- or twelve-month
  window ending in September); the comparisons are rows covering the same dates moved
  back twelve months (same period last year) and three months (previous quarter).

A comparison that is not in the data is ``None``; a zero base leaves the percentage
change ``None``; for percentages the change is also given in percentage points.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from typing import Literal

import pandas as pd

from crimeplan.data import Catalogue, MeasureDef
from crimeplan.errors import InputError
from crimeplan.quarters import Quarter

Direction = Literal["up", "down", "no change"]
Judgement = Literal["improved", "worsened", "neutral"]
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Observation:
    """One value of a measure over a period (start = end for a snapshot)."""

    value: float
    start: date
    end: date
    note: str = ""


@dataclass(frozen=True)
class Change:
    """How the current value differs from a reference value."""

    reference: Observation
    absolute: float
    percent: float | None  # relative change in %, None when the reference is zero
    points: float | None  # percentage points, for measures in percent only
    direction: Direction
    judgement: Judgement

    @property
    def zero_base(self) -> bool:
        return self.percent is None


@dataclass(frozen=True)
class TargetProgress:
    """The target that applies to the current value and how far away it is.

    For totals over a period the target covers a longer window (e.g. a financial year),
    so ``gap``, ``met`` and ``share`` are ``None``.
    """

    value: float
    by: date
    gap: float | None  # target minus current value
    met: bool | None
    share: float | None  # current value as % of the target


@dataclass(frozen=True)
class Comparison:
    measure: str
    area: str
    quarter: Quarter
    unit: str
    kind: str
    better: str
    force_wide: bool
    current: Observation | None
    previous_year: Change | None
    previous_quarter: Change | None
    target: TargetProgress | None

    @property
    def value(self) -> float | None:
        return None if self.current is None else self.current.value


def shift_months(day: date, months: int) -> date:
    """Move a date by whole months; a month end stays a month end (Feb 29 -> Feb 28)."""
    month_end = day.day == calendar.monthrange(day.year, day.month)[1]
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, last_day if month_end else min(day.day, last_day))


def measures_for(
    catalogue: Catalogue, *, priority: int | None = None, commitment: str | None = None
) -> list[str]:
    """Measure ids in catalogue order, optionally only one priority's or commitment's."""
    return [
        measure_id
        for measure_id, definition in catalogue.items()
        if (priority is None or definition.priority == priority)
        and (commitment is None or definition.commitment == commitment)
    ]


def _as_quarter(quarter: Quarter | str) -> Quarter:
    return quarter if isinstance(quarter, Quarter) else Quarter.parse(quarter)


def _definition(catalogue: Catalogue, measure_id: str) -> MeasureDef:
    if measure_id not in catalogue:
        raise InputError(f"measure {measure_id!r} is not in data/catalogue.yml")
    return catalogue[measure_id]


def _observation(rows: pd.DataFrame) -> Observation | None:
    if rows.empty:
        return None
    if len(rows) > 1:
        places = ", ".join(f"{f} row {r}" for f, r in zip(rows["file"], rows["row"]))
        first = rows.iloc[0]
        raise InputError(
            f"measure {first['measure']!r} area {first['area']!r} has {len(rows)} rows for "
            f"{first['period_start']} to {first['period_end']} ({places}): keep one"
        )
    row = rows.iloc[0]
    return Observation(float(row["value"]), row["period_start"], row["period_end"], str(row["note"]))


def _latest_snapshot(rows: pd.DataFrame, quarter: Quarter) -> Observation | None:
    inside = rows[
        (rows["period_start"] == rows["period_end"])
        & (rows["period_end"] >= quarter.start)
        & (rows["period_end"] <= quarter.end)
    ]
    if inside.empty:
        return None
    return _observation(inside[inside["period_end"] == inside["period_end"].max()])


def _period_row(rows: pd.DataFrame, start: date, end: date) -> Observation | None:
    return _observation(rows[(rows["period_start"] == start) & (rows["period_end"] == end)])


def _current_period(rows: pd.DataFrame, quarter: Quarter) -> Observation | None:
    exact = _period_row(rows, quarter.start, quarter.end)
    if exact is not None:
        return exact
    inside = rows[(rows["period_end"] >= quarter.start) & (rows["period_end"] <= quarter.end)]
    if inside.empty:
        return None
    latest = inside[inside["period_end"] == inside["period_end"].max()]
    longest = latest[latest["period_start"] == latest["period_start"].min()]
    return _observation(longest)


def _direction(absolute: float) -> Direction:
    if absolute > TOLERANCE:
        return "up"
    if absolute < -TOLERANCE:
        return "down"
    return "no change"


def _judgement(direction: Direction, better: str) -> Judgement:
    if better == "neither" or direction == "no change":
        return "neutral"
    return "improved" if (direction == "up") == (better == "higher") else "worsened"


def change_between(current: Observation, reference: Observation | None, definition: MeasureDef) -> Change | None:
    """The change from ``reference`` to ``current``; ``None`` when there is no reference."""
    if reference is None:
        return None
    absolute = current.value - reference.value
    direction = _direction(absolute)
    if direction == "no change":
        absolute = 0.0
    percent = None if abs(reference.value) < TOLERANCE else absolute / abs(reference.value) * 100
    points = absolute if definition.unit == "percent" else None
    return Change(reference, absolute, percent, points, direction, _judgement(direction, definition.better))


def target_progress(current: Observation, definition: MeasureDef) -> TargetProgress | None:
    """The first target due on or after the current period's end (else the last one)."""
    if not definition.targets:
        return None
    upcoming = sorted((t for t in definition.targets if t.by >= current.end), key=lambda t: t.by)
    target = upcoming[0] if upcoming else max(definition.targets, key=lambda t: t.by)
    if definition.kind == "total":
        return TargetProgress(target.value, target.by, None, None, None)
    gap = target.value - current.value
    met = current.value <= target.value if definition.better == "lower" else current.value >= target.value
    share = None if abs(target.value) < TOLERANCE else current.value / target.value * 100
    return TargetProgress(target.value, target.by, gap, met, share)


def compare(
    measures: pd.DataFrame,
    catalogue: Catalogue,
    measure_id: str,
    area: str,
    quarter: Quarter | str,
    *,
    force_area: str,
) -> Comparison:
    """Current value, comparisons and target progress of one measure in one area.

    Targets in the catalogue are force-wide, so they apply only when ``area`` is
    ``force_area`` (the plan's ``force_area``, e.g. ``Essex``).
    """
    definition = _definition(catalogue, measure_id)
    quarter = _as_quarter(quarter)
    rows = measures[(measures["measure"] == measure_id) & (measures["area"] == area)]
    if definition.kind == "snapshot":
        current = _latest_snapshot(rows, quarter)
        last_year = _latest_snapshot(rows, quarter.same_quarter_last_year)
        last_quarter = _latest_snapshot(rows, quarter.previous)
    else:
        current = _current_period(rows, quarter)
        last_year = last_quarter = None
        if current is not None:
            last_year = _period_row(rows, shift_months(current.start, -12), shift_months(current.end, -12))
            last_quarter = _period_row(rows, shift_months(current.start, -3), shift_months(current.end, -3))
    force_wide = area == force_area
    return Comparison(
        measure=measure_id,
        area=area,
        quarter=quarter,
        unit=definition.unit,
        kind=definition.kind,
        better=definition.better,
        force_wide=force_wide,
        current=current,
        previous_year=None if current is None else change_between(current, last_year, definition),
        previous_quarter=None if current is None else change_between(current, last_quarter, definition),
        target=target_progress(current, definition) if current is not None and force_wide else None,
    )


def areas_with_data(measures: pd.DataFrame, measure_id: str, area_order: list[str]) -> list[str]:
    """Areas that have any row of the measure: those in ``area_order`` first, in that
    order, then any others alphabetically."""
    present = set(measures.loc[measures["measure"] == measure_id, "area"])
    return [a for a in area_order if a in present] + sorted(present - set(area_order))


def compare_all(
    measures: pd.DataFrame,
    catalogue: Catalogue,
    quarter: Quarter | str,
    *,
    force_area: str,
    area_order: list[str],
    priority: int | None = None,
    commitment: str | None = None,
) -> list[Comparison]:
    """One :class:`Comparison` per measure (catalogue order) and area with data (area
    order), for a priority or commitment; ``current`` is ``None`` where the quarter has
    no value."""
    return [
        compare(measures, catalogue, measure_id, area, quarter, force_area=force_area)
        for measure_id in measures_for(catalogue, priority=priority, commitment=commitment)
        for area in areas_with_data(measures, measure_id, area_order)
    ]
