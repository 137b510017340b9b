"""Sentences and table rows that state a :class:`~crimeplan.stats.compare.Comparison` in the
register of the quarterly update, e.g. "Special Constable headcount rose to 515 in
September 2019, up from 464 in September 2018 (51 more, 11% higher)."

Percentage changes are whole percentages unless ``pct_decimals`` says otherwise;
changes of a percentage are given in percentage points ("5.7 percentage points higher").
Signed changes take the minus sign U+2212 (``−6``), as every displayed number does.

Judgements are those of :mod:`crimeplan.stats.judgement` (carried by each
:class:`~crimeplan.stats.compare.Change`), stated in the same words in the table and in the
sentences: a change within chance variation is never called an improvement.
"""

from __future__ import annotations

from datetime import date

import pandas as pd

from crimeplan.formatting import (
    auto_decimals,
    format_percent,
    format_points,
    format_value,
    long_date,
    month_year,
)
from crimeplan.inputs.measures import Catalogue, MeasureDef, Unit
from crimeplan.periods import Quarter, is_month_end, whole_months
from crimeplan.stats import judgement as judging
from crimeplan.stats.compare import Change, Comparison, Observation
from crimeplan.text import wording
from crimeplan.text.provenance import marked, marked_period, qualified

# How to read the Judgement column: said once, under the update's first performance table
# and in "About these statistics".
HOW_TO_READ_JUDGEMENTS = (
    "Judgement says whether the change from the same period last year is larger than chance variation; "
    "\"not tested\" says, in brackets, why no test applies."
)
MONTH_WORDS = {2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine"}


def describe_period(start: date, end: date) -> str:
    """``September 2019`` (a month or a month-end snapshot), ``July to September 2019``
    (a quarter), ``the six months to September 2019``, or ``5 October 2019``."""
    if start == end:
        return month_year(end) if is_month_end(end) else long_date(end)
    months = whole_months(start, end)
    if months is None:
        return f"{long_date(start)} to {long_date(end)}"
    if months == 1:
        return month_year(end)
    if months == 3 and end.month in (3, 6, 9, 12):
        return f"{start.strftime('%B')} to {month_year(end)}"
    return f"the {MONTH_WORDS.get(months, str(months))} months to {month_year(end)}"


def short_period(start: date, end: date) -> str:
    """A period in a table cell: ``Sep 2019``, ``Jul to Sep 2019``, ``12 months to Sep 2019``, ``5 Oct 2019``
    ("to", not a dash, as gov.uk's style has it for a screen reader)."""
    if start == end:
        return f"{end:%b %Y}" if is_month_end(end) else f"{end.day} {end:%b %Y}"
    months = whole_months(start, end)
    if months is None:
        return f"{start.day} {start:%b %Y} to {end.day} {end:%b %Y}"
    if months == 1:
        return f"{end:%b %Y}"
    if months == 3 and end.month in (3, 6, 9, 12):
        return f"{start:%b} to {end:%b %Y}"
    return f"{months} months to {end:%b %Y}"


def _preposition(start: date, end: date) -> str:
    single_day = start == end and not is_month_end(end)
    return ("on " if single_day else "in ") + describe_period(start, end)


def observed_period(observation: Observation) -> str:
    """The period of a figure as the update describes it, "(period assumed)" when the source gave none."""
    return marked_period(describe_period(observation.start, observation.end), observation.period_assumed)


def observed_value(observation: Observation, unit: str, decimals: int | None = None) -> str:
    """A figure formatted in its unit, with its qualifier ("more than 200") and its marker
    when it is not published as such."""
    return marked(qualified(format_value(observation.value, unit, decimals), observation.qualifier),
                  observation.status)


def reported_figure(comparison: Comparison, definition: MeasureDef, quarter: Quarter) -> str:
    """A figure with nothing to compare it with, for a short list: "Calls for service in
    a district: 1,234", with its period when that is not ``quarter`` (nor, for a level on one
    day, its last day): "... : 56 in the six months to September 2019"."""
    current = comparison.current
    figure = f"{subject(definition, comparison)}: {observed_value(current, comparison.unit)}"
    in_quarter = (current.start, current.end) in ((quarter.start, quarter.end), (quarter.end, quarter.end))
    return figure if in_quarter and not current.period_assumed else f"{figure} {observed_when(current)}"


def figure_statuses(comparisons: list[Comparison]) -> set[str]:
    """The statuses of the figures shown for ``comparisons`` (this period and a year earlier)."""
    return {o.status for c in comparisons
            for o in (c.current, None if c.previous_year is None else c.previous_year.reference) if o is not None}


def observed_when(observation: Observation) -> str:
    """ "in September 2019", "in July to September 2019", "on 5 October 2019", as the figure's period reads."""
    return marked_period(_preposition(observation.start, observation.end), observation.period_assumed)


def label_of(definition: MeasureDef) -> str:
    """The measure's label, starting with a capital."""
    return definition.label[0].upper() + definition.label[1:]


def subject(definition: MeasureDef, comparison: Comparison) -> str:
    """The measure's label, with the area when it is not force-wide."""
    label = label_of(definition)
    return label if comparison.force_wide else f"{label} in {comparison.area}"


def _amount(change: Change, unit: str, decimals: int) -> str:
    """The absolute size of a change: "51 more", "7 fewer minutes", "£500 less", "5.7 percentage points higher"."""
    size = abs(change.absolute)
    if unit == Unit.PERCENT:
        return f"{format_points(size, decimals)} {wording.higher(change.direction)}"
    if unit == Unit.GBP:
        return f"{format_value(size, unit, decimals)} {wording.more(change.direction, countable=False)}"
    word = wording.more(change.direction)
    number = format_value(size, "count", decimals)
    noun = {"hours": "hours", "minutes": "minutes"}.get(unit)
    if noun and number == "1":
        noun = noun[:-1]
    return f"{number} {word} {noun}" if noun else f"{number} {word}"


def _relative(change: Change, unit: str, pct_decimals: int) -> str:
    """", 11% higher", "" for percentages, or the zero-base caveat."""
    if unit == Unit.PERCENT:
        return ""
    if change.percent is None:  # a zero base
        return "; no percentage change can be given from a zero base"
    return f", {format_percent(abs(change.percent), pct_decimals)} {wording.higher(change.direction)}"


def year_sentence(comparison: Comparison, definition: MeasureDef, pct_decimals: int | None = None) -> str:
    """The figure against the same period last year (or that there is none), in one sentence."""
    if pct_decimals is None:
        pct_decimals = definition.change_decimals
    current = comparison.current
    change = comparison.previous_year
    who = subject(definition, comparison)
    if change is None:
        decimals = auto_decimals(current.value)
        value = observed_value(current, comparison.unit, decimals)
        return (
            f"{who} {wording.stood_at(comparison.kind)} {value} {observed_when(current)}; "
            "no comparison for the same period last year is available."
        )
    reference = change.reference
    decimals = auto_decimals(current.value, reference.value)
    value = observed_value(current, comparison.unit, decimals)
    earlier = observed_value(reference, comparison.unit, decimals)
    when = observed_when(current)
    then = observed_when(reference)
    if change.direction == judging.Direction.NO_CHANGE:
        return f"{who} stayed at {value} {when}, unchanged from {observed_period(reference)}."
    verb, link = wording.rose_to(change.direction), wording.up_from(change.direction)
    amount = _amount(change, comparison.unit, decimals)
    relative = _relative(change, comparison.unit, pct_decimals)
    return f"{who} {verb} {value} {when}, {link} {earlier} {then} ({amount}{relative})."


def quarter_sentence(comparison: Comparison, pct_decimals: int) -> str:
    """The change from the previous quarter in one sentence: "Compared with April to June
    2019, the figure rose by 2,201 (8%)."."""
    change = comparison.previous_quarter
    reference = change.reference
    period = observed_period(reference)
    if change.direction == judging.Direction.NO_CHANGE:
        return f"The figure was unchanged from {period}."
    decimals = auto_decimals(comparison.current.value, reference.value)
    verb = wording.rose(change.direction)
    size = abs(change.absolute)
    if comparison.unit == Unit.PERCENT:
        return f"Compared with {period}, the figure {verb} by {format_points(size, decimals)}."
    amount = format_value(size, comparison.unit, decimals)
    relative = "no percentage from a zero base" if change.percent is None else format_percent(abs(change.percent), pct_decimals)
    return f"Compared with {period}, the figure {verb} by {amount} ({relative})."


# "not tested" in a table cell: the reason in a few words (the full reason is in the CSV and
# the method in "About these statistics").
_SHORT_REASONS = {
    judging.NoTest.SNAPSHOT: "a level on a day",
    judging.NoTest.HOURS: "hours, not events",
    judging.NoTest.MONEY: "money, not events",
    judging.NoTest.TIME: "a time, not events",
    judging.NoTest.PERCENT_WITHOUT_COUNTS: "no counts published",
    judging.NoTest.RATE_WITHOUT_COUNTS: "an average, no counts",
    judging.NoTest.NO_EVENTS: "no events",
    judging.NoTest.NO_EARLIER_FIGURE: "no earlier figure",
    judging.NoTest.NO_HISTORY: "no history",
    judging.NoTest.NO_DENOMINATOR: "outcomes, no count of the events",
    judging.NoTest.DERIVED: "derived figure",
    judging.NoTest.ESTIMATED: "estimated figure",
    judging.NoTest.PROVISIONAL: "provisional figure",
    judging.NoTest.QUALIFIED: "not an exact figure",
}


def judgement_cell(change: Change | None) -> str:
    """The Judgement column: the verdict, and for "not tested" why, briefly."""
    if change is None:
        return ""
    judgement = change.judgement
    if judgement.tested:
        return judgement.verdict
    short = None if judgement.not_tested_because is None else _SHORT_REASONS[judgement.not_tested_because]
    return f"{judgement.verdict} ({short})" if short else judgement.verdict


# The scorecard's compact judgement cells: a mark and a word, read with MARKS_LEGEND.
NO_FIGURE_MARK = "–"
_MARKS = {
    judging.Verdict.SIGNIFICANTLY_BETTER: "✓ better",
    judging.Verdict.SPC_IMPROVEMENT: "✓ better",
    judging.Verdict.SIGNIFICANTLY_WORSE: "✗ worse",
    judging.Verdict.SPC_CONCERN: "✗ worse",
    judging.Verdict.NO_SIGNIFICANT_CHANGE: "≈ no change",
    judging.Verdict.SPC_COMMON_CAUSE: "≈ no change",
    judging.Verdict.SIGNIFICANT_INCREASE: "↑ increase",
    judging.Verdict.SPC_HIGH: "↑ increase",
    judging.Verdict.SIGNIFICANT_DECREASE: "↓ decrease",
    judging.Verdict.SPC_LOW: "↓ decrease",
    judging.Verdict.NOT_TESTED: "· not tested",
}
MARKS_LEGEND = (
    "Judgement against the same period last year: ✓ significantly better; ✗ significantly worse; "
    "≈ no significant change (within chance variation); ↑ or ↓ a significant increase or decrease "
    "where neither is better; · not tested (the priority's table says why); – no figure to compare with, or no target."
)


def judgement_mark(change: Change | None) -> str:
    """The scorecard's judgement cell: "✓ better", "≈ no change", "· not tested", or "–"."""
    return NO_FIGURE_MARK if change is None else _MARKS[change.judgement.verdict]


_PROGRESS_WORDS = {
    judging.TargetVerdict.MET: "met",
    judging.TargetVerdict.ON_TRACK: "on track",
    judging.TargetVerdict.NOT_ON_TRACK: "not on track",
    judging.TargetVerdict.NOT_MET: "not met",
    judging.TargetVerdict.NOT_ASSESSED: "not assessed",
}


def progress_cell(comparison: Comparison) -> str:
    """The scorecard's target cell: "600 by Mar 2020: not on track", or "–"."""
    target = comparison.target
    if target is None:
        return NO_FIGURE_MARK
    value = format_value(target.value, comparison.unit, auto_decimals(target.value))
    return f"{value} by {target.by:%b %Y}: {_PROGRESS_WORDS[target.verdict]}"


def judgement_sentence(change: Change | None, *, with_interval: bool = True) -> str:
    """The verdict on the change from the same period last year, in words ("" when not tested),
    with its confidence interval unless ``with_interval`` is false."""
    if change is None or not change.judgement.tested:
        return ""
    judgement = change.judgement
    verdict = judgement.verdict
    if judgement.method == judging.METHOD_SPC:
        points = len(judgement.spc.values)
        if verdict == judging.Verdict.SPC_COMMON_CAUSE:
            return f"On a control chart of the last {points} periods the latest figure is within common cause variation."
        return f"On a control chart of the last {points} periods the latest figure shows {verdict}."
    interval = "" if judgement.interval is None or not with_interval else f"; {judgement.interval.words()}"
    if verdict == judging.Verdict.NO_SIGNIFICANT_CHANGE:
        if change.direction == judging.Direction.NO_CHANGE:
            return ""
        return f"The change is within chance variation (no significant change){interval}."
    if verdict in (judging.Verdict.SIGNIFICANTLY_BETTER, judging.Verdict.SIGNIFICANTLY_WORSE):
        return f"This is {verdict} than a year earlier{interval}."
    return f"This is a {verdict}{interval}."


def change_sentence(comparison: Comparison, definition: MeasureDef) -> str:
    """The change from the same period last year and its verdict, without the interval (the summary's)."""
    sentences = [year_sentence(comparison, definition)]
    if verdict := judgement_sentence(comparison.previous_year, with_interval=False):
        sentences.append(verdict)
    return " ".join(sentences)


def beside_the_table(comparison: Comparison, definition: MeasureDef) -> str:
    """What the text says of a performance-table row that the table does not ("" when
    nothing): for a change tested against the same period last year, the change with its
    judgement and confidence interval; the change from the previous quarter, e.g. "'101'
    calls to the Crime Bureau: compared with April to June 2019, the figure rose by 1,000 (4%)."."""
    if comparison.current is None:
        return ""
    sentences = []
    if verdict := judgement_sentence(comparison.previous_year):
        sentences += [year_sentence(comparison, definition), verdict]
    if comparison.previous_quarter is not None:
        quarter = quarter_sentence(comparison, definition.change_decimals)
        sentences.append(f"{subject(definition, comparison)}: {quarter[0].lower()}{quarter[1:]}" if not sentences
                         else quarter)
    return " ".join(sentences)


def _signed_change(change: Change | None, unit: str, decimals: int) -> str:
    if change is None:
        return ""
    size = abs(change.absolute)
    text = format_points(size, decimals) if unit == Unit.PERCENT else format_value(size, unit, decimals)
    return wording.signed(change.absolute, text)


def _signed_percent(change: Change | None, unit: str, pct_decimals: int) -> str:
    if change is None or unit == Unit.PERCENT:
        return ""
    if change.percent is None:  # a zero base
        return "n/a (zero base)"
    return wording.signed(change.absolute, format_percent(abs(change.percent), pct_decimals))


def performance_table(comparisons: list[Comparison], catalogue: Catalogue, *, pct_decimals: int | None = None) -> pd.DataFrame:
    """One formatted row per comparison: measure, area, period, this period, same period
    last year, change, change %, direction, judgement and target."""
    rows = []
    for comparison in comparisons:
        definition = catalogue[comparison.measure]
        current = comparison.current
        change = comparison.previous_year
        reference = None if change is None else change.reference.value
        decimals = auto_decimals(comparison.value, reference)
        target = comparison.target
        rows.append(
            {
                "Measure": definition.label,
                "Area": comparison.area,
                "Period": "" if current is None else marked_period(short_period(current.start, current.end),
                                                                   current.period_assumed),
                "This period": "" if current is None else observed_value(current, comparison.unit, decimals),
                "Same period last year": "" if change is None else observed_value(change.reference, comparison.unit,
                                                                                   decimals),
                "Change": _signed_change(change, comparison.unit, decimals),
                "Change %": _signed_percent(
                    change, comparison.unit, definition.change_decimals if pct_decimals is None else pct_decimals
                ),
                "Direction": "" if change is None else change.direction,
                "Judgement": judgement_cell(change),
                "Target": "" if target is None else (
                    f"{format_value(target.value, comparison.unit, auto_decimals(target.value))} by "
                    f"{month_year(target.by)}: {target.verdict}"),
            }
        )
    return pd.DataFrame(rows, columns=[
        "Measure", "Area", "Period", "This period", "Same period last year",
        "Change", "Change %", "Direction", "Judgement", "Target",
    ])
