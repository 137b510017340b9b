"""The charts of a priority's section: this period against the same period last year and
the targets, the trends of force-wide measures, and comparisons between areas. Each adds
what the performance table cannot."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from crimeplan.findings.edition import Edition
from crimeplan.formatting import format_value, month_year
from crimeplan.inputs.measures import Kind
from crimeplan.inputs.params import Priority
from crimeplan.periods import whole_months
from crimeplan.sections import charts
from crimeplan.sections.charts import Chart
from crimeplan.stats import judgement
from crimeplan.stats.compare import Comparison
from crimeplan.text import narrative
from crimeplan.text.narrative import describe_period
from crimeplan.text.provenance import legend, marked, marker

UNIT_TITLES = {
    "people": "people",
    "count": "counts",
    "hours": "hours",
    "minutes": "minutes",
    "percent": "percentages",
    "gbp": "money (£)",
}
MIN_AREAS_FOR_CHART = 3
MIN_MEASURES_FOR_CHANGE_CHART = 2  # one measure alone is its table row


@dataclass
class PriorityCharts:
    """The charts of one priority's section for the edition's quarter, from its comparisons."""

    edition: Edition
    priority: Priority
    comparisons: list[Comparison]

    def all(self) -> list[Chart]:
        """Charts that add what the performance table cannot: one chart of this period
        against the same period last year and the targets, a trend chart for every
        force-wide measure with six or more periods, then comparisons between areas."""
        trends = self._trend_charts()
        change = self._change_chart(skip={measure for measure, _ in trends})
        return ([change] if change else []) + [chart for _, chart in trends] + self._by_area_charts()

    def _series(self, comparison: Comparison) -> pd.DataFrame:
        """The force-wide rows of ``comparison``'s measure up to the quarter's end that cover
        periods as long as the current one (months, quarters, snapshots), oldest first."""
        length = _length(comparison.current.start, comparison.current.end)
        rows = self.edition.rows_of(comparison.measure, comparison.area)
        rows = rows[rows["period_end"] <= self.edition.quarter.end]
        same_length = [_length(row.period_start, row.period_end) == length for row in rows.itertuples()]
        return rows[same_length].sort_values("period_end")

    def _trend_charts(self) -> list[tuple[str, Chart]]:
        made = []
        for c in self.comparisons:
            if not c.force_wide or c.current is None:
                continue
            rows = self._series(c)
            if len(rows) < charts.MIN_TREND_POINTS:
                continue
            made.append((c.measure, self._trend_chart(c, rows)))
        return made

    def _trend_chart(self, c: Comparison, rows: pd.DataFrame) -> Chart:
        definition = self.edition.catalogue[c.measure]
        snapshot = c.kind == Kind.SNAPSHOT
        series = pd.DataFrame(
            {
                "date": [r.period_end if snapshot else r.period_start for r in rows.itertuples()],
                "value": rows["value"].to_list(),
                "source": self.edition.plan.force,
                "when": [describe_period(r.period_start, r.period_end) for r in rows.itertuples()],
                "status": rows["status"].to_list(),
            }
        )
        period = (
            "date"
            if snapshot
            else {(1, "months"): "month", (3, "months"): "quarter"}.get(_length(c.current.start, c.current.end), "date")
        )
        events = c.kind == Kind.TOTAL and c.unit in judgement.EVENT_UNITS  # judged against its history instead
        control = (
            judgement.spc(series["value"].to_list(), c.better)
            if len(series) >= judgement.SPC_MIN_POINTS and not events
            else None
        )
        target = None
        if c.target is not None:
            target = (
                c.target.value,
                c.target.by,
                f"Target {format_value(c.target.value, c.unit)} by {month_year(c.target.by)}",
            )
        first = rows.iloc[0]
        title = charts.movement_title(
            definition.label,
            c.current.value,
            c.unit,
            describe_period(c.current.start, c.current.end),
            first.value,
            describe_period(first.period_start, first.period_end),
            target=None if c.target is None else (c.target.value, c.target.by),
            kind=c.kind,
        )
        if control is not None:
            title += f"; the latest point shows {control.verdict}"
        points = "; ".join(f"{r.when} {marked(format_value(r.value, c.unit), r.status)}" for r in series.itertuples())
        alt_text = " ".join(filter(None, [f"Line chart. {title}. {points}.", legend(series["status"])]))
        if control is not None:
            alt_text += f" Control chart: {control.reason}"  # its mean and limits included
        subtitle = f"{len(series)} periods"
        if control is not None:
            subtitle += "; mean and process limits of an XmR control chart; diamonds mark special cause variation"
        return charts.trend_chart(
            series,
            title,
            alt_text,
            UNIT_TITLES[c.unit].capitalize(),
            period=period,
            target=target,
            spc=control,
            subtitle=subtitle + ".",
            caption=f"Source: {definition.source}. {definition.definition}",
        )

    def _change_chart(self, skip: set[str]) -> Chart | None:
        """This period against the same period last year and the target, one row per
        measure that has either, the measures of one unit on one scale from zero; none for
        fewer than two measures (the table says as much)."""
        chosen = [
            c
            for c in self.comparisons
            if c.current is not None and (c.previous_year or c.target) and c.measure not in skip
        ]
        if len(chosen) < MIN_MEASURES_FOR_CHANGE_CHART:
            return None
        rows, described = [], []
        for c in chosen:
            label = self.edition.catalogue[c.measure].label
            if not c.force_wide:
                label += f" ({c.area})"
            previous = None if c.previous_year is None else c.previous_year.reference.value
            marks = (
                marker(c.current.status),
                "" if c.previous_year is None else marker(c.previous_year.reference.status),
            )
            target, target_by = (None, None) if c.target is None else (c.target.value, c.target.by)
            rows.append(
                {
                    "label": label,
                    "figures": charts.change_figures(
                        c.current.value,
                        previous,
                        c.unit,
                        target,
                        target_by,
                        c.kind,
                        marks=marks,
                    ),
                    "current": c.current.value,
                    "previous": previous,
                    "target": target,
                    "unit": c.unit,
                }
            )
            described.append(
                charts.change_sentence(
                    label,
                    c.current.value,
                    narrative.observed_period(c.current),
                    previous,
                    c.unit,
                    target,
                    target_by,
                    c.kind,
                    marks=marks,
                )
            )
        title, largest = charts.change_title(
            [
                (
                    row["label"],
                    row["current"],
                    row["previous"],
                    c.unit,
                    row["target"],
                    None if c.target is None else c.target.by,
                    c.kind,
                    describe_period(c.current.start, c.current.end),
                )
                for row, c in zip(rows, chosen)
            ]
        )
        alt_text = " ".join(
            filter(
                None,
                [
                    "Chart of each measure this period against the same period last year and its target; "
                    "measures in the same unit share one scale from zero.",
                    *described,
                    legend(narrative.figure_statuses(chosen)),
                ],
            )
        )
        sources = ", ".join(dict.fromkeys(self.edition.catalogue[c.measure].source for c in chosen))
        return charts.change_chart(
            pd.DataFrame(rows),
            title,
            alt_text,
            subtitle=largest,
            caption=f"{self.priority.heading}: {len(rows)} measures in {self.edition.quarter.label} against the same period "
            f"last year and the plan's targets. Source: {sources}.",
        )

    def _by_area_charts(self) -> list[Chart]:
        made = []
        local = [c for c in self.comparisons if not c.force_wide and c.current is not None]
        for measure in dict.fromkeys(c.measure for c in local):
            values = [c for c in local if c.measure == measure]
            if len(values) < MIN_AREAS_FOR_CHART:
                continue
            definition = self.edition.catalogue[measure]
            ranked = sorted(values, key=lambda c: c.current.value, reverse=True)
            shown = {c.area: narrative.observed_value(c.current, c.unit) for c in ranked}  # "more than 200"
            table = pd.DataFrame(
                {
                    "area": [c.area for c in ranked],
                    "value": [c.current.value for c in ranked],
                    "shown": list(shown.values()),
                }
            )
            most, fewest = ranked[0], ranked[-1]
            title = (
                f"{definition.label}, {self.edition.quarter.label}: highest in {most.area} "
                f"({shown[most.area]}), lowest in {fewest.area} ({shown[fewest.area]})"
            )
            alt_text = f"Bar chart. {title}. " + "; ".join(f"{area}: {figure}" for area, figure in shown.items()) + "."
            made.append(
                charts.by_area_chart(
                    table,
                    title,
                    alt_text,
                    UNIT_TITLES[definition.unit].capitalize(),
                    caption=f"Source: {definition.source}. {definition.definition}",
                )
            )
        return made


def _length(start: date, end: date) -> tuple[int, str]:
    """A period's length: whole months for periods from a month's first day to a month's
    last day (a month, a quarter), otherwise its days (0 for a snapshot)."""
    months = whole_months(start, end)
    return (months, "months") if months is not None else ((end - start).days, "days")
