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


def _definition(catalogue: Catalogue, measure_id: str) -> MeasureDef:
    if measure_id not in catalogue:
        raise InputError(f"measure {measure_id!r} is not in data/catalogue.yml")
    return catalogue[measure_id]


@dataclass(frozen=True)
class _Row:
    observation: Observation
    place: str  # file and row, for error messages


def _rows(frame: pd.DataFrame) -> list[_Row]:
    return [
        _Row(Observation(float(r.value), r.period_start, r.period_end, str(r.note)), f"{r.file} row {r.row}")
        for r in frame.itertuples(index=False)
    ]


def _single(rows: list[_Row], measure_id: str, area: str) -> Observation | None:
    if not rows:
        return None
    if len(rows) > 1:
        first = rows[0].observation
        raise InputError(
            f"measure {measure_id!r} area {area!r} has {len(rows)} rows for {first.start} to {first.end} "
            f"({', '.join(r.place for r in rows)}): keep one"
        )
    return rows[0].observation


def _latest_snapshot(rows: list[_Row], quarter: Quarter, measure_id: str, area: str) -> Observation | None:
    inside = [
        r for r in rows
        if r.observation.start == r.observation.end and quarter.start <= r.observation.end <= quarter.end
    ]
    if not inside:
        return None
    latest = max(r.observation.end for r in inside)
    return _single([r for r in inside if r.observation.end == latest], measure_id, area)


def _period_row(rows: list[_Row], start: date, end: date, measure_id: str, area: str) -> Observation | None:
    matching = [r for r in rows if r.observation.start == start and r.observation.end == end]
    return _single(matching, measure_id, area)


def _current_period(rows: list[_Row], quarter: Quarter, measure_id: str, area: str) -> Observation | None:
    exact = _period_row(rows, quarter.start, quarter.end, measure_id, area)
    if exact is not None:
        return exact
    inside = [r for r in rows if quarter.start <= r.observation.end <= quarter.end]
    if not inside:
        return None
    latest = max(r.observation.end for r in inside)
    earliest_start = min(r.observation.start for r in inside if r.observation.end == latest)
    return _period_row(rows, earliest_start, latest, measure_id, area)


def _shifted_row(rows: list[_Row], current: Observation, months: int, measure_id: str, area: str) -> Observation | None:
    """The row covering the current period's dates moved by ``months``."""
    start, end = shift_months(current.start, months), shift_months(current.end, months)
    return _period_row(rows, start, end, measure_id, area)


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
    quarter: Quarter,
    *,
    force_area: str,
) -> Comparison:
    """Current value, comparisons and target progress of one measure in one area.

    Targets in the catalogue are force-wide, so they apply only when ``area`` is
    ``force_area`` (the plan's ``force_area``).
    """
    definition = _definition(catalogue, measure_id)
    rows = _rows(measures[(measures["measure"] == measure_id) & (measures["area"] == area)])
    return _compare_rows(rows, definition, measure_id, area, quarter, force_area)


def _compare_rows(
    rows: list[_Row], definition: MeasureDef, measure_id: str, area: str, quarter: Quarter, force_area: str
) -> Comparison:
    if definition.kind == "snapshot":
        current = _latest_snapshot(rows, quarter, measure_id, area)
        last_year = _latest_snapshot(rows, quarter.same_quarter_last_year, measure_id, area)
        last_quarter = _latest_snapshot(rows, quarter.previous, measure_id, area)
    else:
        current = _current_period(rows, quarter, measure_id, area)
        last_year = last_quarter = None
        if current is not None:
            last_year = _shifted_row(rows, current, -12, measure_id, area)
            last_quarter = _shifted_row(rows, current, -3, measure_id, area)
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
    quarter: Quarter,
    *,
    force_area: str,
    area_order: list[str],
    priority: int | None = None,
    commitment: str | None = None,
) -> list[Comparison]:
    """One :class:`Comparison` per measure (catalogue order) and area with data (area
    order), for a priority or commitment; ``current`` is ``None`` where the quarter has
    no value."""
    wanted = measures_for(catalogue, priority=priority, commitment=commitment)
    selected = measures[measures["measure"].isin(wanted)]
    rows_by_key = {key: _rows(group) for key, group in selected.groupby(["measure", "area"], sort=False)}
    return [
        _compare_rows(rows_by_key[(measure_id, area)], catalogue[measure_id], measure_id, area, quarter, force_area)
        for measure_id in wanted
        for area in areas_with_data(selected, measure_id, area_order)
    ]
