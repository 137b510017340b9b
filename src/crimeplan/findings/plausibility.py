"""Figures that are well formed but unlikely: warnings that ask the analyst to look again.

A typing slip can produce a valid row with a wrong figure: a percentage typed as a
fraction (0.14 for 14%), a digit too many, a part larger than its whole. ``crimeplan
check`` and ``render`` name each such row (file, row, the figure and what it was compared
with); warnings never stop a render unless ``--strict`` is given.

The checks, for the rows the quarter's update shows (its own figures and the figures it
compares them with):

- a percentage of at most 1 where the measure's other periods are above 1 ("typed as a
  fraction?");
- a change against the same period last year or the previous quarter beyond the
  catalogue's ``plausible_change`` (default: more than three times, or more than 70% lower);
- a figure far outside the measure's own history: more than twice its highest or less
  than half its lowest of at least :data:`MIN_HISTORY` earlier periods of the same length;

and, for every row, a figure larger than the related total the catalogue names in
``at_most`` for the same area and period.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd

from crimeplan.errors import Problem
from crimeplan.formatting import format_number, format_percent, format_value, long_date
from crimeplan.inputs.measures import Catalogue, Unit
from crimeplan.project import Project
from crimeplan.stats.compare import Comparison, Observation
from crimeplan.text.narrative import describe_period

MIN_HISTORY = 4  # earlier periods needed before a figure is judged against its own range
FAR_FACTOR = 2  # "far outside": beyond twice the highest or below half the lowest


def quarter_problems(project: Project, measures: pd.DataFrame, catalogue: Catalogue, compared: list[Comparison],
                     areas: list[str]) -> list[Problem]:
    """Warnings for the unlikely figures among the rows the quarter's update shows
    (``compared``: the quarter's comparisons of ``measures``, :func:`~crimeplan.stats.compare.compare_all`)."""
    checker = _Checker(project, measures, catalogue)
    for comparison in compared:
        if comparison.area in areas and comparison.current is not None:
            checker.comparison(comparison)
    return checker.problems


def related_total_problems(project: Project, measures: pd.DataFrame, catalogue: Catalogue) -> list[Problem]:
    """Rows whose figure is larger than the total the catalogue names in ``at_most``."""
    problems = []
    key = ["area", "period_start", "period_end"]
    bounded = {measure_id: d for measure_id, d in catalogue.items() if d.at_most is not None}
    named = measures[measures["measure"].isin({*bounded, *(d.at_most for d in bounded.values())})]
    rows = {measure_id: group for measure_id, group in named.groupby("measure", sort=False)}  # one pass, not two a part
    for measure_id, definition in bounded.items():
        if measure_id not in rows or definition.at_most not in rows:
            continue
        parts, totals = rows[measure_id], rows[definition.at_most][[*key, "value", "row", "file"]]
        pairs = parts.merge(totals, on=key, suffixes=("", "_total"))
        total_label = catalogue[definition.at_most].label if definition.at_most in catalogue else definition.at_most
        for row in pairs[pairs["value"] > pairs["value_total"]].itertuples():
            unit = definition.unit
            where = _place(project, row.file_total, row.row_total, row.file)
            problems.append(Problem(
                "warning", f"{measure_id!r} in {row.area}, {_when(row.period_start, row.period_end)}: "
                f"{format_value(row.value, unit)} is more than {definition.at_most!r} ({total_label.lower()}: "
                f"{format_value(row.value_total, unit)}, {where}) for the same area and period, which the "
                f"catalogue gives as its total (at_most): check both figures",
                file=project.shown(Path(row.file)), location=f"row {row.row}", column="value",
                value=format_number(row.value), rule="plausible_part",
            ))
    return problems


class _Checker:
    """Collects one warning at most per row (the most telling one)."""

    def __init__(self, project: Project, measures: pd.DataFrame, catalogue: Catalogue) -> None:
        self.project, self.catalogue = project, catalogue
        self.rows = {(r.measure, r.area, r.period_start, r.period_end): r for r in measures.itertuples()}
        self.measures = measures
        self.problems: list[Problem] = []
        self.warned: set[tuple] = set()

    def comparison(self, c: Comparison) -> None:
        changes = [(c.previous_year, "the same period last year"), (c.previous_quarter, "the previous quarter")]
        for observation in [c.current] + [change.reference for change, _ in changes if change is not None]:
            self._fraction(c, observation)
        for change, what in changes:
            if change is not None:
                self._change(c, change.reference, what)
        self._history(c)

    def _row(self, c: Comparison, observation: Observation):
        return self.rows.get((c.measure, c.area, observation.start, observation.end))

    def _warn(self, row, message: str, rule: str) -> None:
        key = (row.file, row.row)
        if key in self.warned:
            return
        self.warned.add(key)
        self.problems.append(Problem(
            "warning", f"{row.measure!r} in {row.area}, {_when(row.period_start, row.period_end)}: "
            f"{message}", file=self.project.shown(Path(row.file)), location=f"row {row.row}", column="value",
            value=format_number(row.value), rule=rule,
        ))

    def _others(self, c: Comparison, observation: Observation) -> pd.DataFrame:
        frame = self.measures
        same = (frame["measure"] == c.measure) & (frame["area"] == c.area)
        this = (frame["period_start"] == observation.start) & (frame["period_end"] == observation.end)
        return frame[same & ~this]

    def _fraction(self, c: Comparison, observation: Observation) -> None:
        if c.unit != Unit.PERCENT or observation.value > 1:
            return
        others = self._others(c, observation)["value"]
        if others.empty or others.min() <= 1:
            return
        row = self._row(c, observation)
        if row is not None:
            shown = format_number(row.value * 100)
            self._warn(row, f"{format_number(row.value)} would be shown as {format_percent(row.value, None)}, but its "
                       f"other {len(others)} period(s) are {_range(others, c.unit)}: typed as a fraction? "
                       f"For {shown}% write {shown}", "plausible_percent")

    def _change(self, c: Comparison, reference: Observation, what: str) -> None:
        current, earlier = self._row(c, c.current), self._row(c, reference)
        if current is None or reference.value <= 0 or c.current.value < 0:
            return
        if earlier is not None and (earlier.file, earlier.row) in self.warned:
            return  # the earlier figure is the doubtful one, and says so
        limits = self.catalogue[c.measure].plausible_change
        ratio = c.current.value / reference.value
        if ratio > limits.rise:
            size = f"{format_number(ratio, 1)} times"
        elif ratio < 1 - limits.fall / 100:
            size = f"{format_percent((1 - ratio) * 100)} lower than"
        else:
            return
        where = "" if earlier is None else f", {_place(self.project, earlier.file, earlier.row, current.file)}"
        self._warn(current, f"{format_value(c.current.value, c.unit)} is {size} {what} "
                   f"({format_value(reference.value, c.unit)}{where}); check the figure (the catalogue's "
                   f"plausible_change allows up to x{format_number(limits.rise)} and "
                   f"-{format_number(limits.fall)}%)", "plausible_change")

    def _history(self, c: Comparison) -> None:
        row = self._row(c, c.current)
        if row is None:
            return
        others = self._others(c, c.current)
        length = _length(c.current.start, c.current.end)
        same_length = pd.Series([_length(s, e) == length for s, e in zip(others["period_start"], others["period_end"])],
                                index=others.index, dtype=bool)
        earlier = others[(others["period_end"] < c.current.end) & same_length]
        if len(earlier) < MIN_HISTORY:
            return
        highest, lowest = earlier["value"].max(), earlier["value"].min()
        value = c.current.value
        if highest > 0 and value > FAR_FACTOR * highest:
            how = f"more than {FAR_FACTOR} times the highest"
        elif lowest > 0 and value < lowest / FAR_FACTOR:
            how = f"less than 1/{FAR_FACTOR} of the lowest"
        else:
            return
        self._warn(row, f"{format_value(value, c.unit)} is {how} of its {len(earlier)} earlier periods "
                   f"({_range(earlier['value'], c.unit)}); check the figure", "plausible_history")


def _when(start: date, end: date) -> str:
    """``30 September 2019`` for a snapshot, else the period in words."""
    return long_date(end) if start == end else describe_period(start, end)


def _length(start: date, end: date) -> int:
    """A period's length in days, rounded to a month's worth so quarters compare with quarters."""
    return round(((end - start).days + 1) / 30)


def _range(values: pd.Series, unit: str) -> str:
    low, high = values.min(), values.max()
    return format_value(low, unit) if low == high else f"{format_value(low, unit)} to {format_value(high, unit)}"


def _place(project: Project, file: str, row: int, beside: str) -> str:
    return f"row {row}" if file == beside else f"{project.shown(Path(file))} row {row}"
