"""The summary's main points: three to five findings in plain English, each with its figures.

Findings are gathered by kind and offered in this order, the most important first:

1. **changes** judged larger than chance variation against a year earlier (the judgements of
   :mod:`crimeplan.stats.judgement`), the largest first;
2. **targets** whose progress is assessed, those not on track or not met first;
3. **attention**: figures significantly worse than a year earlier that no change point
   states, or, when nothing is worse and no target off track, that nothing needs attention;
4. a **trend** that changed: a headcount that rose (or fell) at each count for a while and
   then held still or turned, with the people who joined and left it meanwhile (catalogue
   ``joins`` / ``leaves``) — a description of the series, not a judgement;
5. **steady** figures: tested changes within chance variation (no evidence of a real change);
6. **untested** changes of headline figures, the largest, said to be not tested;
7. targets whose progress cannot yet be **assessed**.

:func:`select` takes the first finding of every kind, then fills the remaining places in
order, so a quarter's main points cover what changed, the targets, attention and trends
before they repeat a kind. No finding counts tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import pandas as pd

from crimeplan.findings.coverage import valid_rows
from crimeplan.formatting import auto_decimals, format_value, month_year
from crimeplan.inputs.measures import Catalogue, Kind, MeasureDef, Unit
from crimeplan.periods import Quarter, months_between
from crimeplan.stats import judgement as judging
from crimeplan.stats.compare import Comparison, progress_note
from crimeplan.text import narrative, wording

MAX_POINTS = 5
CHANGE, TARGET, ATTENTION, TREND, STEADY, UNTESTED, UNASSESSED = (
    "change",
    "target",
    "attention",
    "trend",
    "steady",
    "untested",
    "unassessed",
)
KINDS = (CHANGE, TARGET, ATTENTION, TREND, STEADY, UNTESTED, UNASSESSED)
WORSE = (judging.Verdict.SIGNIFICANTLY_WORSE, judging.Verdict.SPC_CONCERN)
OFF_TRACK = (judging.TargetVerdict.NOT_ON_TRACK, judging.TargetVerdict.NOT_MET)
_PROGRESS = {  # a target's verdict (target met, on track, not on track, not met) around the target
    judging.TargetVerdict.MET: "meeting {}",
    judging.TargetVerdict.ON_TRACK: "on track for {}",
    judging.TargetVerdict.NOT_ON_TRACK: "not on track for {}",
    judging.TargetVerdict.NOT_MET: "missing {}",
}
RUN_STEPS = 3  # counts in a row in one direction that make a trend
HELD_SHARE = 0.25  # a latest step below this share of the run's average step: the trend held still


@dataclass(frozen=True)
class Finding:
    """One main point: its kind, how large it is among its kind (larger first) and its text."""

    kind: str
    size: float
    text: str


def select(findings: Sequence[Finding], limit: int = MAX_POINTS) -> list[Finding]:
    """Up to ``limit`` findings: the largest of each kind first, then the rest in order of
    kind and size; returned in that order of kind and size."""
    ranked = sorted(findings, key=lambda f: (KINDS.index(f.kind), -f.size))
    firsts = [next(f for f in ranked if f.kind == kind) for kind in KINDS if any(f.kind == kind for f in ranked)]
    chosen = firsts[:limit] + [f for f in ranked if f not in firsts][: max(0, limit - len(firsts))]
    return sorted(chosen, key=ranked.index)


def change_findings(comparisons: Sequence[Comparison], catalogue: Catalogue) -> list[Finding]:
    """A finding for each change against a year earlier judged larger than chance variation."""
    return [
        Finding(CHANGE, size_of_change(c), narrative.change_sentence(c, catalogue[c.measure]))
        for c in _with_last_year(comparisons)
        if c.previous_year.judgement.significant
    ]


def target_findings(comparisons: Sequence[Comparison], catalogue: Catalogue) -> list[Finding]:
    """A finding for each target whose progress is assessed; off track or not met first."""
    findings = []
    for c in comparisons:
        if c.target is None or c.target.progress is None or c.current is None:
            continue
        definition = catalogue[c.measure]
        findings.append(
            Finding(
                TARGET,
                float(c.target.verdict in OFF_TRACK),
                f"{_stands(c, definition)}, {_PROGRESS[c.target.verdict].format(_goal(c))}.",
            )
        )
    return findings


def attention_findings(
    comparisons: Sequence[Comparison], catalogue: Catalogue, stated: Sequence[Finding]
) -> list[Finding]:
    """Figures worse than a year earlier that no change finding in ``stated`` names; or, when
    nothing is worse and no target is off track, a finding that says so."""
    worse = [c for c in _with_last_year(comparisons) if c.previous_year.verdict in WORSE]
    off_track = [c for c in comparisons if c.target is not None and c.target.verdict in OFF_TRACK]
    if not _with_last_year(comparisons) and not off_track and not any(c.target for c in comparisons):
        return []  # nothing judged, so nothing to call fine
    if not worse and not off_track:
        return [
            Finding(
                ATTENTION,
                0,
                "Nothing needs particular attention: no figure is significantly worse than a "
                "year earlier and no target is off track.",
            )
        ]
    said = " ".join(f.text for f in stated if f.kind == CHANGE)
    unsaid = [c for c in worse if narrative.subject(catalogue[c.measure], c) not in said]
    if not unsaid:
        return []
    items = [f"{narrative.subject(catalogue[c.measure], c)} ({c.previous_year.verdict})" for c in unsaid]
    return [Finding(ATTENTION, len(items), "Also worse than a year earlier: " + "; ".join(items) + ".")]


def steady_findings(comparisons: Sequence[Comparison], catalogue: Catalogue) -> list[Finding]:
    """One finding naming the tested changes within chance variation, so not real changes."""
    steady = [
        c
        for c in _with_last_year(comparisons)
        if c.previous_year.verdict in (judging.Verdict.NO_SIGNIFICANT_CHANGE, judging.Verdict.SPC_COMMON_CAUSE)
        and c.previous_year.direction != judging.Direction.NO_CHANGE
    ]
    if not steady:
        return []
    periods = {narrative.observed_when(c.current) for c in steady}
    common = f" {periods.pop()}" if len(periods) == 1 else ""
    parts = []
    for c in steady:
        decimals = auto_decimals(c.current.value, c.previous_year.reference.value)
        before = narrative.observed_value(c.previous_year.reference, c.unit, decimals)
        now = narrative.observed_value(c.current, c.unit, decimals)
        when = "" if common else f" {narrative.observed_when(c.current)}"
        parts.append(f"{narrative.subject(catalogue[c.measure], c)}, {before} to {now}{when}")
    return [
        Finding(
            STEADY,
            len(parts),
            f"No change larger than chance variation{common} against a year earlier (no significant "
            "change): " + "; ".join(parts) + ".",
        )
    ]


def untested_findings(comparisons: Sequence[Comparison], catalogue: Catalogue) -> list[Finding]:
    """A finding for each headline figure's change that is not tested, saying so."""
    return [
        Finding(
            UNTESTED,
            size_of_change(c),
            f"{narrative.year_sentence(c, catalogue[c.measure]).removesuffix('.')}: "
            f"{narrative.judgement_cell(c.previous_year)}, so neither better nor worse on this evidence.",
        )
        for c in _with_last_year(comparisons)
        if catalogue[c.measure].headline
        and not c.previous_year.judgement.tested
        and c.previous_year.direction != judging.Direction.NO_CHANGE
    ]


def unassessed_finding(comparisons: Sequence[Comparison], catalogue: Catalogue, quarter: Quarter) -> list[Finding]:
    """One finding for the targets whose progress cannot be assessed yet, with why."""
    items = []
    for c in comparisons:
        if c.target is None or c.target.progress is not None or c.current is None:
            continue
        definition = catalogue[c.measure]
        items.append(f"{_stands(c, definition)}, against {_goal(c)} ({progress_note(c.target, definition, quarter)})")
    if not items:
        return []
    return [
        Finding(
            UNASSESSED,
            len(items),
            "Progress towards "
            + ("this target" if len(items) == 1 else "these targets")
            + " cannot be assessed yet: "
            + "; ".join(items)
            + ".",
        )
    ]


# --- trends that changed ----------------------------------------------------------------------


@dataclass(frozen=True)
class Turn:
    """A headcount's run of counts in one direction, and the latest count that broke it."""

    measure: str
    points: tuple[tuple[date, float], ...]  # the run's first count to the latest, equally spaced

    @property
    def run_steps(self) -> list[float]:
        values = [v for _, v in self.points[:-1]]
        return [b - a for a, b in zip(values, values[1:])]

    @property
    def latest_step(self) -> float:
        return self.points[-1][1] - self.points[-2][1]

    @property
    def held(self) -> bool:
        """The latest step is small beside the run's (else it went the other way)."""
        average = sum(self.run_steps) / len(self.run_steps)
        return abs(self.latest_step) < HELD_SHARE * abs(average) and self.latest_step * average >= 0

    @property
    def size(self) -> float:
        """How sharply the trend changed: the run's average step less the latest, against the average."""
        average = sum(self.run_steps) / len(self.run_steps)
        return abs(average - self.latest_step) / abs(average)


def turns(
    measures: pd.DataFrame, catalogue: Catalogue, area: str, quarter: Quarter, priorities: set[int]
) -> list[Turn]:
    """Headcounts of the plan's priorities (``area``, any source) whose latest count falls in
    ``quarter`` and breaks a run of at least :data:`RUN_STEPS` rises or falls: it holds
    still (a step under :data:`HELD_SHARE` of the run's average) or turns."""
    found = []
    rows = valid_rows(measures)
    rows = rows[(rows["area"] == area) & (rows["period_end"] <= quarter.end)]
    for measure, group in rows.groupby("measure", sort=True):
        definition = catalogue.get(str(measure))
        if definition is None or definition.kind != Kind.SNAPSHOT or definition.priority not in priorities:
            continue
        points = _equally_spaced(sorted(zip(group["period_end"], group["value"])))
        if len(points) < RUN_STEPS + 2 or points[-1][0] < quarter.start:
            continue
        values = [v for _, v in points]
        steps = [b - a for a, b in zip(values, values[1:])]
        run = 0
        for step in reversed(steps[:-1]):
            if step == 0 or (run and step * steps[-2] < 0):
                break
            run += 1
        if run < RUN_STEPS:
            continue
        turn = Turn(str(measure), tuple(points[-run - 2 :]))
        if turn.held or turn.latest_step * steps[-2] < 0:
            found.append(turn)
    return found


def _equally_spaced(points: list[tuple[date, float]]) -> list[tuple[date, float]]:
    """The latest run of ``points`` as far apart (in months) as the latest two."""
    if len(points) < 2:
        return points
    gap = months_between(points[-2][0], points[-1][0])
    start = len(points) - 2
    while start > 0 and months_between(points[start - 1][0], points[start][0]) == gap:
        start -= 1
    return points[start:]


def trend_findings(
    turns_found: Sequence[Turn], measures: pd.DataFrame, catalogue: Catalogue, area: str
) -> list[Finding]:
    """A finding for each trend that changed, with the people who joined and left meanwhile."""
    findings = []
    for turn in turns_found:
        definition = catalogue[turn.measure]
        unit = definition.unit
        (first_day, first), (before_day, before), (day, latest) = turn.points[0], turn.points[-2], turn.points[-1]
        run = "rising" if turn.run_steps[0] > 0 else "falling"
        now = format_value(latest, unit, auto_decimals(latest, before))
        earlier = format_value(before, unit, auto_decimals(latest, before))
        if turn.held:
            moved = f"was almost unchanged at {now} in {month_year(day)}, against {earlier} in {month_year(before_day)}"
        else:
            moved = (
                f"{wording.rose(wording.direction_between(latest, before))} to {now} in {month_year(day)}, "
                f"from {earlier} in {month_year(before_day)}"
            )
        text = (
            f"{narrative.label_of(definition)} {moved}, after {run} at each count from "
            f"{format_value(first, unit, auto_decimals(first))} in {month_year(first_day)}"
        )
        flows = _flows(turn.measure, before_day + timedelta(days=1), day, measures, catalogue, area)
        findings.append(Finding(TREND, turn.size, text + (f"; {flows}." if flows else ".")))
    return findings


def _flows(headcount: str, start: date, end: date, measures: pd.DataFrame, catalogue: Catalogue, area: str) -> str:
    """ "93 joined and 88 left in the six months to September 2019", from the totals the
    catalogue says join or leave ``headcount`` over exactly that period."""
    rows = valid_rows(measures)
    rows = rows[(rows["area"] == area) & (rows["period_start"] == start) & (rows["period_end"] == end)]
    parts = []
    for word, column in (("joined", "joins"), ("left", "leaves")):
        for measure, definition in catalogue.items():
            values = rows.loc[rows["measure"] == measure, "value"]
            if headcount in getattr(definition, column) and not values.empty:
                parts.append(f"{format_value(values.iloc[0], definition.unit)} {word}")
    return f"{_listed(parts)} in {narrative.describe_period(start, end)}" if parts else ""


# --- helpers --------------------------------------------------------------------------------


def size_of_change(comparison: Comparison) -> float:
    """How large a change is, for ranking: its relative size (a change from zero ranks first)."""
    change = comparison.previous_year
    assert change is not None  # only comparisons with a year earlier are ranked
    if change.percent is None:
        return float("inf")
    if comparison.unit == Unit.PERCENT:
        return abs(change.absolute)  # in percentage points
    return abs(change.percent)


def _with_last_year(comparisons: Sequence[Comparison]) -> list[Comparison]:
    return [c for c in comparisons if c.previous_year is not None and c.current is not None]


def _stands(comparison: Comparison, definition: MeasureDef) -> str:
    """ "Special Constable headcount stood at 515 in September 2019"."""
    current = comparison.current
    assert current is not None  # only comparisons with a figure get here
    value = narrative.observed_value(current, comparison.unit, auto_decimals(current.value))
    return (
        f"{narrative.subject(definition, comparison)} {wording.stood_at(comparison.kind)} {value} "
        f"{narrative.observed_when(current)}"
    )


def _goal(comparison: Comparison) -> str:
    target = comparison.target
    assert target is not None  # only comparisons with a target get here
    return (
        f"the target of {format_value(target.value, comparison.unit, auto_decimals(target.value))} by "
        f"{month_year(target.by)}"
    )


def _listed(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
