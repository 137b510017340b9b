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

Every change carries the verdict of :func:`crimeplan.stats.judgement.judge` (the one stated
method, used by tables, summary and sentences alike): events are compared over the
periods' lengths in days, and a measure with at least 15 consecutive earlier periods of
the same length (or equally spaced snapshots) is read on a control chart. Progress
towards a force-wide target is judged by :func:`crimeplan.stats.judgement.target_progress`
on the straight line from the figure a year earlier to the target (for totals towards a
year's target: from zero at the start of that year to the year-to-date total).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property
from typing import Any

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.formatting import long_date
from crimeplan.inputs.measures import Better, Catalogue, Kind, MeasureDef, Unit
from crimeplan.inputs.schemas import PUBLISHED
from crimeplan.periods import Quarter, is_month_end, months_between, shift_months, whole_months
from crimeplan.stats import judgement as judging
from crimeplan.stats.judgement import TOLERANCE, Direction, Judgement, TargetJudgement, TargetVerdict, Verdict


@dataclass(frozen=True)
class Observation:
    """One value of a measure over a period (start = end for a snapshot)."""

    value: float
    start: date
    end: date
    note: str = ""
    status: str = PUBLISHED  # published, derived, estimated or provisional (the measures' status column)
    period_assumed: bool = False  # the source gave no period; this one is assumed
    qualifier: str = ""  # "more than" when the source gave "more than 200" (the measures' qualifier column)

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def exact(self) -> bool:
        """Published as an exact figure, not only as a bound or roughly ("more than 200")."""
        return not self.qualifier


@dataclass(frozen=True)
class Change:
    """How the current value differs from a reference value."""

    reference: Observation
    absolute: float
    percent: float | None  # relative change in %, None when the reference is zero
    points: float | None  # percentage points, for measures in percent only
    direction: Direction
    current: Observation
    definition: MeasureDef
    history: tuple[Observation, ...] = ()  # earlier periods of the same length, oldest first
    denominators: tuple[float, float] | None = None  # current and reference, for a share of other events

    @property
    def series(self) -> list[float]:
        """The history and the current value, oldest first (for a control chart)."""
        return [o.value for o in self.history] + [self.current.value]

    @cached_property
    def judgement(self) -> Judgement:
        """The verdict by the stated method (:mod:`crimeplan.stats.judgement`), worked out when
        first asked for: checking the data needs the periods, not the tests. An edition
        corrects its tests together (:meth:`settle`)."""
        return judge_change(self.current, self.reference, self.definition, self.history, self.denominators)

    def settle(self, judgement: Judgement) -> None:
        """Keep ``judgement`` (this change's, corrected with the edition's other tests)."""
        self.__dict__["judgement"] = judgement

    @property
    def zero_base(self) -> bool:
        return self.percent is None

    @property
    def verdict(self) -> Verdict:
        """The judgement in words: "no significant change", "not tested", ..."""
        return self.judgement.verdict


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
    progress: TargetJudgement | None = None  # None when the data cannot judge it (progress_note says why)
    exact: bool = True  # False when a figure it would be judged on is not exact ("more than 200")

    @property
    def verdict(self) -> TargetVerdict:
        """"target met", "on track for target", ... or "progress not assessed"."""
        return TargetVerdict.NOT_ASSESSED if self.progress is None else self.progress.verdict


@dataclass(frozen=True)
class Comparison:
    measure: str
    area: str
    quarter: Quarter
    unit: Unit
    kind: Kind
    better: Better
    force_wide: bool
    current: Observation | None
    previous_year: Change | None
    previous_quarter: Change | None
    target: TargetProgress | None

    @property
    def value(self) -> float | None:
        return None if self.current is None else self.current.value


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
    columns = ("value", "period_start", "period_end", "note", "status", "period_assumed", "qualifier", "file", "row")
    return [  # column by column: a frame's rows one by one cost a millisecond even for a few
        _Row(Observation(float(value), start, end, str(note), status, bool(assumed), str(qualifier)),
             f"{file} row {row}")
        for value, start, end, note, status, assumed, qualifier, file, row in zip(*(frame[c].tolist() for c in columns))
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


def direction_of(absolute: float) -> Direction:
    """"up", "down" or "no change" (a difference within :data:`TOLERANCE` of zero)."""
    if absolute > TOLERANCE:
        return Direction.UP
    if absolute < -TOLERANCE:
        return Direction.DOWN
    return Direction.NO_CHANGE


def days(observation: Observation) -> int:
    """The length of an observation's period in days (1 for a snapshot): its exposure."""
    return (observation.end - observation.start).days + 1


def judge_change(
    current: Observation, reference: Observation, definition: MeasureDef, history: tuple[Observation, ...] = (),
    denominators: tuple[float, float] | None = None,
) -> Judgement:
    """The verdict on the change from ``reference`` to ``current`` by the stated method.

    A figure not published as such, or published only with a qualifier ("more than 200"),
    is not tested. ``history`` (earlier periods of the same length as ``current``, oldest
    first) gives a count its normal variation and any other measure its control chart;
    ``denominators`` make a count of outcomes a share."""
    unpublished = [o.status for o in (current, reference) if not o.published]
    if unpublished:
        return judging.not_published(unpublished[0])
    qualified = [o.qualifier for o in (current, reference) if not o.exact]
    if qualified:
        return judging.not_exact(qualified[0])
    variation = definition.variation or ("proportion" if definition.denominator else None)
    earlier = judging.History(tuple(o.value for o in history), tuple(days(o) for o in history),
                              _seasons(history, current))
    series = [*earlier.values, current.value]
    return judging.judge(
        current.value, reference.value, unit=definition.unit, kind=definition.kind, better=definition.better,
        current_days=days(current), previous_days=days(reference),
        current_denominator=None if denominators is None else denominators[0],
        previous_denominator=None if denominators is None else denominators[1],
        series=series, history=earlier, variation=variation,
    )


def _seasons(history: tuple[Observation, ...], current: Observation) -> tuple[int, ...] | None:
    """Each earlier period's place in the year (its first month) for months and quarters."""
    if _length(current) not in (("months", 1), ("months", 3)):
        return None
    return tuple(o.start.month for o in history)


def change_between(
    current: Observation, reference: Observation | None, definition: MeasureDef,
    history: tuple[Observation, ...] = (), denominator_rows: list[_Row] | None = None,
) -> Change | None:
    """The change from ``reference`` to ``current``, judged; ``None`` when there is no reference.

    ``denominator_rows`` are the rows of the catalogue's ``denominator`` measure for the
    same area: the change is judged as a share of them when both periods have one."""
    if reference is None:
        return None
    absolute = current.value - reference.value
    direction = direction_of(absolute)
    if direction == Direction.NO_CHANGE:
        absolute = 0.0
    percent = None if abs(reference.value) < TOLERANCE else absolute / abs(reference.value) * 100
    points = absolute if definition.unit == Unit.PERCENT else None
    denominators = None
    if denominator_rows is not None and definition.denominator:
        now, then = (_period_row(denominator_rows, o.start, o.end, definition.denominator, "") for o in (current, reference))
        if now is not None and then is not None and all(o.published and o.exact for o in (now, then)):
            denominators = (now.value, then.value)
    return Change(reference, absolute, percent, points, direction, current, definition, history, denominators)


def target_progress(
    current: Observation, definition: MeasureDef, *, baseline: Observation | None = None,
    year_to_date: Observation | None = None,
) -> TargetProgress | None:
    """The first target due on or after the current period's end (else the last one),
    with progress judged where the data allow.

    For a level (snapshot or rate) progress runs on the straight line from ``baseline``
    (the figure a year earlier) to the target; for a total the target covers a longer
    window (a financial year), so ``gap``, ``met`` and ``share`` are ``None`` and progress
    is judged on ``year_to_date`` (a total from the start of the target's year), from zero.
    A figure given only as a bound or roughly ("more than 200") is not judged against a target.
    """
    if not definition.targets:
        return None
    upcoming = sorted((t for t in definition.targets if t.by >= current.end), key=lambda t: t.by)
    target = upcoming[0] if upcoming else max(definition.targets, key=lambda t: t.by)
    if not all(o.exact for o in (current, baseline, year_to_date) if o is not None):
        return TargetProgress(target.value, target.by, None, None, None, None, exact=False)
    if definition.kind == Kind.TOTAL:
        progress = None
        if year_to_date is not None and definition.better in (Better.HIGHER, Better.LOWER):
            progress = judging.target_progress(
                year_to_date.value, year_to_date.end, target.value, target.by, 0.0,
                year_to_date.start - timedelta(days=1), definition.better)
        return TargetProgress(target.value, target.by, None, None, None, progress)
    gap = target.value - current.value
    met = current.value <= target.value if definition.better == Better.LOWER else current.value >= target.value
    share = None if abs(target.value) < TOLERANCE else current.value / target.value * 100
    progress = None
    if definition.better in (Better.HIGHER, Better.LOWER):
        if baseline is not None and baseline.end < target.by and baseline.end <= current.end:
            progress = judging.target_progress(current.value, current.end, target.value, target.by,
                                               baseline.value, baseline.end, definition.better)
        elif met or current.end >= target.by:  # met (or not met by its date) needs no path
            progress = judging.target_progress(current.value, current.end, target.value, target.by,
                                               current.value, min(current.end, target.by) - timedelta(days=1),
                                               definition.better)
    return TargetProgress(target.value, target.by, gap, met, share, progress)


def progress_note(target: TargetProgress, definition: MeasureDef, quarter: Quarter) -> str:
    """Why progress towards a target is not assessed, in a reader's words ("" when it is)."""
    if target.progress is not None:
        return ""
    if not target.exact:
        return "the figure is not exact (the source gave it only as a bound or roughly)"
    if definition.better not in (Better.HIGHER, Better.LOWER):
        return "the catalogue gives no direction for this target"
    if definition.kind == Kind.TOTAL:
        start = shift_months(target.by, -12) + timedelta(days=1)
        return f"there is no total for the year from {long_date(start)} to date"
    return "there is no figure a year earlier to measure progress from"


def _month_ends_apart(start: date, end: date) -> int | None:
    """Whole months from ``start`` to ``end`` when both are month ends (else ``None``)."""
    return months_between(start, end) if is_month_end(start) and is_month_end(end) else None


def _length(observation: Observation) -> tuple[str, int]:
    """A period's length: whole months when it runs from a 1st to a month end, else days."""
    months = whole_months(observation.start, observation.end)
    return ("months", months) if months else ("days", days(observation))


def history_before(rows: list[_Row], current: Observation, kind: str) -> tuple[Observation, ...]:
    """The measure's published figures for the run of consecutive earlier periods of the
    same length as ``current`` (snapshots: equally spaced), oldest first. Periods tile
    backwards without overlapping, so a rolling window is never counted twice; the run
    stops at a gap or at a figure not published as such or not exact."""
    observations = [r.observation for r in rows]
    earlier: list[Observation] = []
    if kind == Kind.SNAPSHOT:
        snapshots = sorted({o.end: o for o in observations if o.start == o.end and o.end < current.end}.values(),
                           key=lambda o: o.end, reverse=True)
        if not snapshots:
            return ()
        step = _month_ends_apart(snapshots[0].end, current.end) or (current.end - snapshots[0].end).days
        later = current.end
        for snapshot in snapshots:
            gap = _month_ends_apart(snapshot.end, later) or (later - snapshot.end).days
            if gap != step or (later - snapshot.end).days <= 0 or not (snapshot.published and snapshot.exact):
                break
            earlier.append(snapshot)
            later = snapshot.end
        return tuple(earlier[::-1])
    length = _length(current)
    same_length = {o.end: o for o in observations if _length(o) == length}
    start = current.start
    while (before := same_length.get(start - timedelta(days=1))) is not None and before.published and before.exact:
        earlier.append(before)
        start = before.start
    return tuple(earlier[::-1])


def _year_to_date(rows: list[_Row], current: Observation, definition: MeasureDef) -> Observation | None:
    """For a total with a target: the total from the start of the target's year to the end
    of the current period, from one row or from rows that follow on without gaps."""
    if definition.kind != Kind.TOTAL or not definition.targets:
        return None
    upcoming = sorted((t for t in definition.targets if t.by >= current.end), key=lambda t: t.by)
    target = upcoming[0] if upcoming else max(definition.targets, key=lambda t: t.by)
    year_start = shift_months(target.by, -12) + timedelta(days=1)
    if current.start < year_start:
        return None
    by_end: dict[date, list[Observation]] = {}
    for r in rows:
        by_end.setdefault(r.observation.end, []).append(r.observation)
    total, start = current.value, current.start
    while start > year_start:
        before = [o for o in by_end.get(start - timedelta(days=1), []) if o.start >= year_start]
        if not before:
            return None
        earliest = min(before, key=lambda o: o.start)
        total, start = total + earliest.value, earliest.start
    return Observation(total, year_start, current.end)


class MeasureRows:
    """A measures table's rows by measure and area, grouped when first asked: finding one
    measure's rows otherwise compares every row's measure and area."""

    def __init__(self, measures: pd.DataFrame) -> None:
        self.measures = measures
        self._positions: dict[tuple[str, str], Any] | None = None

    @classmethod
    def of(cls, measures: pd.DataFrame | MeasureRows) -> MeasureRows:
        """``measures`` grouped: as given when a caller grouped them already."""
        return measures if isinstance(measures, MeasureRows) else cls(measures)

    def __call__(self, measure: str, area: str) -> pd.DataFrame:
        """The rows of ``measure`` in ``area``, every period, in the table's order."""
        if self._positions is None:
            self._positions = self.measures.groupby(["measure", "area"], sort=False).indices
        positions = self._positions.get((measure, area))
        return self.measures.iloc[:0] if positions is None else self.measures.iloc[positions]


def compare(
    measures: pd.DataFrame | MeasureRows,
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
    rows = MeasureRows.of(measures)

    def rows_of(measure: str) -> list[_Row]:
        return _rows(rows(measure, area))

    denominator_rows = rows_of(definition.denominator) if definition.denominator else None
    return _compare_rows(rows_of(measure_id), definition, measure_id, area, quarter, force_area, denominator_rows)


def _compare_rows(
    rows: list[_Row], definition: MeasureDef, measure_id: str, area: str, quarter: Quarter, force_area: str,
    denominator_rows: list[_Row] | None = None,
) -> Comparison:
    if definition.kind == Kind.SNAPSHOT:
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
    history = () if current is None else history_before(rows, current, definition.kind)
    target = None
    if current is not None and force_wide:
        target = target_progress(current, definition, baseline=last_year,
                                 year_to_date=_year_to_date(rows, current, definition))
    return Comparison(
        measure=measure_id,
        area=area,
        quarter=quarter,
        unit=definition.unit,
        kind=definition.kind,
        better=definition.better,
        force_wide=force_wide,
        current=current,
        previous_year=None if current is None else change_between(current, last_year, definition, history,
                                                                  denominator_rows),
        previous_quarter=None if current is None else change_between(current, last_quarter, definition, history,
                                                                     denominator_rows),
        target=target,
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
    denominators = {catalogue[m].denominator for m in wanted} - {None}
    selected = measures[measures["measure"].isin(set(wanted) | denominators)]
    rows = MeasureRows(selected)
    return [
        _compare_rows(_rows(rows(measure_id, area)), catalogue[measure_id], measure_id, area, quarter, force_area,
                      _rows(rows(denominator, area)) if (denominator := catalogue[measure_id].denominator) else None)
        for measure_id in wanted
        for area in areas_with_data(selected, measure_id, area_order)
    ]
