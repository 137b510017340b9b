"""The summary that opens the update: main points and a scorecard of every priority.

Everything is generated from the edition, through the same comparisons and judgements as
the priority sections (:mod:`crimeplan.stats.compare`, :mod:`crimeplan.stats.judgement`):

- **main points** (three to five), chosen by :mod:`crimeplan.findings.main_points`: changes
  judged larger than chance variation, targets, what needs attention, a trend that changed,
  changes within chance variation, each with its figures;
- a **scorecard**: each priority's headline measures (``headline: true`` in the catalogue),
  force-wide where the quarter has a force-wide figure and otherwise by area, under a row
  naming the priority, with compact cells (short label and period, this period, change,
  a judgement mark and target progress) and the marks' legend; a priority with no headline
  figure is named once below it. The CSV download keeps every priority, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from crimeplan.findings import main_points as points
from crimeplan.findings.edition import Edition, notebook_edition
from crimeplan.inputs.params import Priority
from crimeplan.markup import text
from crimeplan.sections import downloads
from crimeplan.sections.priority import (
    PriorityReport,
    comparison_record,
    markdown_table,
)
from crimeplan.stats.compare import Comparison, progress_note
from crimeplan.text import narrative
from crimeplan.text.provenance import legend, marked_period, statuses_in

SCORECARD_CSV = "summary_scorecard.csv"
PDF_NEW_PAGE = "```{=typst}\n#pagebreak(weak: true)\n```"  # the scorecard starts a page of its own in the PDF
SCORECARD_COLUMNS = ["Measure", "This period", "Change", "Judgement", "Target"]
SCORECARD_RECORD_COLUMNS = [
    "priority", "priority_title", "measure", "label", "area", "unit", "period_start", "period_end",
    "period_assumed", "this_period", "status", "same_period_last_year", "same_period_last_year_status", "change",
    "change_percent", "change_percentage_points", "judgement", "judgement_method", "p_value", "p_value_adjusted",
    "ci_lower", "ci_upper", "ci_scale", "target", "target_by", "target_progress", "note",
]


@dataclass(frozen=True)
class ScorecardEntry:
    """One row of the scorecard: a headline comparison, or a priority with none."""

    priority: Priority
    comparison: Comparison | None
    note: str = ""


@dataclass
class Summary:
    """The summary of one edition."""

    edition: Edition

    @classmethod
    def of(cls, edition: Edition) -> Summary:
        """The summary of an edition already loaded."""
        return cls(edition)

    @classmethod
    def load(cls, quarter: str, project_dir: str | Path, edition_file: str | Path = "") -> Summary:
        """The summary, from the notebook's parameters (:func:`~crimeplan.findings.edition.notebook_edition`)."""
        return cls(notebook_edition(quarter, project_dir, edition_file))

    @property
    def label(self) -> str:
        """The quarter as shown, e.g. "2019/20 Q2"."""
        return self.edition.quarter.label

    @cached_property
    def comparisons(self) -> dict[int, list[Comparison]]:
        """Each priority's comparisons with a figure this quarter (as its section shows them)."""
        return {report.priority.number: [c for c in report.comparisons if c.current is not None]
                for report in PriorityReport.all(self.edition)}

    @property
    def all_comparisons(self) -> list[Comparison]:
        """Every priority's comparisons with a figure this quarter, in plan order."""
        return [c for comparisons in self.comparisons.values() for c in comparisons]

    def _definition(self, comparison: Comparison):
        return self.edition.catalogue[comparison.measure]

    # --- main points ------------------------------------------------------------------------

    def findings(self) -> list[points.Finding]:
        """Every finding the main points may choose from (see :mod:`crimeplan.findings.main_points`)."""
        comparisons, catalogue, plan = self.all_comparisons, self.edition.catalogue, self.edition.plan
        stated = points.change_findings(comparisons, catalogue)
        turns = points.turns(self.edition.measures, catalogue, plan.force_area, self.edition.quarter,
                             {p.number for p in plan.priorities})
        return (stated + points.target_findings(comparisons, catalogue)
                + points.attention_findings(comparisons, catalogue, stated)
                + points.trend_findings(turns, self.edition.measures, catalogue, plan.force_area)
                + points.steady_findings(comparisons, catalogue) + points.untested_findings(comparisons, catalogue)
                + points.unassessed_finding(comparisons, catalogue, self.edition.quarter))

    def main_points(self) -> list[str]:
        """Three to five main points, the most important first, generated from the figures."""
        chosen = [finding.text for finding in points.select(self.findings())]
        return chosen or [f"No figure in this update for {self.label} can be compared with the same period last "
                          "year or a target."]

    def main_points_section(self) -> Markdown:
        """The summary's heading and its main points, as the update shows them."""
        points = "\n".join(f"- {text(point)}" for point in self.main_points())
        key = legend(statuses_in(points))
        return Markdown(f"# {text(f'Summary of {self.label}')}\n\n## Main points\n\n{points}"
                        + (f"\n\n{text(key)}" if key else ""))

    # --- scorecard ----------------------------------------------------------------------------

    def scorecard_entries(self) -> list[ScorecardEntry]:
        """One entry per headline measure of each priority (or a "no figures" entry), in plan order."""
        entries = []
        for priority in self.edition.plan.priorities:
            comparisons = self.comparisons[priority.number]
            headline = [c for c in comparisons if self._definition(c).headline]
            measures = dict.fromkeys(c.measure for c in headline)
            chosen = []
            for measure in measures:
                rows = [c for c in headline if c.measure == measure]
                force_wide = [c for c in rows if c.force_wide]
                chosen += force_wide or rows
            if chosen:
                entries += [ScorecardEntry(priority, c) for c in chosen]
            elif comparisons:
                entries.append(ScorecardEntry(priority, None, (
                    f"No headline figure for {self.label}; {_count(len(comparisons), 'other figure')} "
                    "in the priority's section")))
            else:
                entries.append(ScorecardEntry(priority, None, f"No figures for this priority in {self.label}"))
        return entries

    def scorecard_table(self) -> pd.DataFrame:
        """The scorecard as displayed: a group row naming each priority with figures (its other
        cells empty), then one compact row per headline figure."""
        rows = []
        for priority in self.edition.plan.priorities:
            shown = [e.comparison for e in self.scorecard_entries()
                     if e.priority == priority and e.comparison is not None]
            if not shown:
                continue
            rows.append(dict.fromkeys(SCORECARD_COLUMNS, "") | {"Measure": _priority_name(priority)})
            for c in shown:
                formatted = narrative.performance_table([c], self.edition.catalogue).iloc[0]
                change = formatted["Change %"] or formatted["Change"]  # the change in numbers is in the CSV
                definition = self._definition(c)
                where = "" if c.force_wide else f" ({c.area})"
                period = marked_period(narrative.short_period(c.current.start, c.current.end), c.current.period_assumed)
                rows.append({
                    "Measure": f"{definition.short}{where}, {period}",
                    "This period": formatted["This period"],
                    "Change": change or narrative.NO_FIGURE_MARK,
                    "Judgement": narrative.judgement_mark(c.previous_year),
                    "Target": narrative.progress_cell(c),
                })
        return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)

    def without_figures(self) -> str:
        """The priorities the scorecard has no row for, and why, in a sentence ("" when none)."""
        missing = [e for e in self.scorecard_entries() if e.comparison is None]
        if not missing:
            return ""
        return "Not in the scorecard: " + "; ".join(
            f"{_priority_name(e.priority)} ({e.note[0].lower()}{e.note[1:]})" for e in missing) + "."

    def scorecard_records(self) -> pd.DataFrame:
        """The scorecard as numbers, for the CSV download (header row even when empty)."""
        rows = []
        for entry in self.scorecard_entries():
            base = {"priority": entry.priority.number, "priority_title": entry.priority.title, "note": entry.note}
            c = entry.comparison
            if c is None:
                rows.append(base)
                continue
            record = comparison_record(c, self._definition(c).label)
            record["this_period"] = record.pop("value")
            rows.append(base | record | {
                "note": (progress_note(c.target, self._definition(c), self.edition.quarter)
                         if c.target is not None else ""),
            })
        return pd.DataFrame(rows, columns=SCORECARD_RECORD_COLUMNS)

    def scorecard(self) -> Markdown:
        """The scorecard of the priorities as one table, grouped by priority, with its legend, on
        a page of its own in the PDF."""
        table = self.scorecard_table()
        if table.empty:
            return Markdown(f"## Scorecard of the plan's priorities\n\n{text(f'No headline figures for {self.label}.')}"
                            + (f"\n\n{text(missing)}" if (missing := self.without_figures()) else ""))
        caption = f"Scorecard, {self.label}: each priority's headline figures against the same period last year"
        lines = markdown_table(table, caption).split("\n")
        for position, row in enumerate(table.itertuples(index=False), start=2):
            if not any(row[1:]):  # a group row: bold, and spanning the table once rendered
                lines[position] = "| **" + text(row[0]) + "** |" + " |" * (len(row) - 1)
        notes = [text(narrative.MARKS_LEGEND)]
        unassessed = [
            f"{narrative.subject(self._definition(e.comparison), e.comparison)}: "
            f"{progress_note(e.comparison.target, self._definition(e.comparison), self.edition.quarter)}"
            for e in self.scorecard_entries()
            if e.comparison is not None and e.comparison.target is not None and e.comparison.target.progress is None
        ]
        if unassessed:
            notes.append(text("Progress is not assessed for " + "; ".join(unassessed) + "."))
        shown = [e.comparison for e in self.scorecard_entries() if e.comparison is not None]
        if key := legend(narrative.figure_statuses(shown)):
            notes.append(text(key))
        if missing := self.without_figures():
            notes.append(text(missing))
        return Markdown(f"{PDF_NEW_PAGE}\n\n## Scorecard of the plan's priorities\n\n" + "\n".join(lines) + "\n\n"
                        + "\n\n".join(notes))

    def scorecard_csv(self) -> Markdown:
        """A link to the scorecard as CSV, for the HTML."""
        return Markdown(downloads.csv_link(self.scorecard_records(), f"{self.edition.quarter.id}_{SCORECARD_CSV}",
                                           "the scorecard"))


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _priority_name(priority: Priority) -> str:
    return f"Priority {priority.number}: {priority.title}"
