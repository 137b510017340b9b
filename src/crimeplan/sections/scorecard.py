"""The summary's scorecard: each priority's headline measures (``headline: true`` in the
catalogue), force-wide where the quarter has a force-wide figure and otherwise by area,
under a row naming the priority, with compact cells (short label and period, this period,
change, a judgement mark and target progress) and the marks' legend; a priority with no
headline figure is named once below it. The CSV download keeps every priority, with a note.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from IPython.display import Markdown

from crimeplan.findings.edition import Edition
from crimeplan.inputs.params import Priority
from crimeplan.markup import raw_block, text
from crimeplan.sections import downloads
from crimeplan.sections.priority import comparison_record, markdown_table
from crimeplan.stats.compare import Comparison, progress_note
from crimeplan.text import narrative
from crimeplan.text.provenance import legend
from crimeplan.text.wording import counted

SCORECARD_CSV = "summary_scorecard.csv"
# In the PDF the scorecard's table and its marks' legend are on one page: the next, when they
# do not fit on this one.
PDF_ONE_PAGE_START, PDF_ONE_PAGE_END = raw_block("typst", "#on-one-page["), raw_block("typst", "]")
SCORECARD_COLUMNS = ["Measure", "This period", "Change", "Judgement", "Target"]
SCORECARD_RECORD_COLUMNS = [
    "priority",
    "priority_title",
    "measure",
    "label",
    "area",
    "unit",
    "period_start",
    "period_end",
    "period_assumed",
    "this_period",
    "status",
    "same_period_last_year",
    "same_period_last_year_status",
    "change",
    "change_percent",
    "change_percentage_points",
    "judgement",
    "judgement_method",
    "p_value",
    "p_value_adjusted",
    "ci_lower",
    "ci_upper",
    "ci_scale",
    "target",
    "target_by",
    "target_progress",
    "note",
]


@dataclass(frozen=True)
class ScorecardEntry:
    """One row of the scorecard: a headline comparison, or a priority with none."""

    priority: Priority
    comparison: Comparison | None
    note: str = ""


@dataclass
class Scorecard:
    """The scorecard of one edition, from each priority's comparisons with a figure this
    quarter (:attr:`crimeplan.sections.summary.Summary.comparisons`)."""

    edition: Edition
    comparisons: dict[int, list[Comparison]]

    @property
    def label(self) -> str:
        """The quarter as shown, e.g. "2019/20 Q2"."""
        return self.edition.quarter.label

    def _definition(self, comparison: Comparison):
        return self.edition.catalogue[comparison.measure]

    def entries(self) -> list[ScorecardEntry]:
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
                entries.append(
                    ScorecardEntry(
                        priority,
                        None,
                        (
                            f"No headline figure for {self.label}; {counted(len(comparisons), 'other figure')} "
                            "in the priority's section"
                        ),
                    )
                )
            else:
                entries.append(ScorecardEntry(priority, None, f"No figures for this priority in {self.label}"))
        return entries

    def table(self) -> pd.DataFrame:
        """The scorecard as displayed: a group row naming each priority with figures (its other
        cells empty), then one compact row per headline figure."""
        rows = []
        for priority in self.edition.plan.priorities:
            shown = [e.comparison for e in self.entries() if e.priority == priority and e.comparison is not None]
            if not shown:
                continue
            rows.append(dict.fromkeys(SCORECARD_COLUMNS, "") | {"Measure": priority.name})
            for c in shown:
                formatted = narrative.performance_table([c], self.edition.catalogue).iloc[0]
                change = formatted["Change %"] or formatted["Change"]  # the change in numbers is in the CSV
                definition = self._definition(c)
                where = "" if c.force_wide else f" ({c.area})"
                period = formatted["Period"]  # "Jul to Sep 2019", as in the performance table
                rows.append(
                    {
                        "Measure": f"{definition.short}{where}, {period}",
                        "This period": formatted["This period"],
                        "Change": change or narrative.NO_FIGURE_MARK,
                        "Judgement": narrative.judgement_mark(c.previous_year),
                        "Target": narrative.progress_cell(c),
                    }
                )
        return pd.DataFrame(rows, columns=SCORECARD_COLUMNS)

    def without_figures(self) -> str:
        """The priorities the scorecard has no row for, and why, in a sentence ("" when none)."""
        missing = [e for e in self.entries() if e.comparison is None]
        if not missing:
            return ""
        return (
            "Not in the scorecard: "
            + "; ".join(f"{e.priority.name} ({e.note[0].lower()}{e.note[1:]})" for e in missing)
            + "."
        )

    def records(self) -> pd.DataFrame:
        """The scorecard as numbers, for the CSV download (header row even when empty)."""
        rows = []
        for entry in self.entries():
            base = {"priority": entry.priority.number, "priority_title": entry.priority.title, "note": entry.note}
            c = entry.comparison
            if c is None:
                rows.append(base)
                continue
            record = comparison_record(c, self._definition(c).label)
            record["this_period"] = record.pop("value")
            rows.append(
                base
                | record
                | {
                    "note": (
                        progress_note(c.target, self._definition(c), self.edition.quarter)
                        if c.target is not None
                        else ""
                    ),
                }
            )
        return pd.DataFrame(rows, columns=SCORECARD_RECORD_COLUMNS)

    def section(self) -> Markdown:
        """The scorecard of the priorities as one table, grouped by priority, with its legend, on
        a page of its own in the PDF."""
        table = self.table()
        if table.empty:
            return Markdown(
                f"## Scorecard of the plan's priorities\n\n{text(f'No headline figures for {self.label}.')}"
                + (f"\n\n{text(missing)}" if (missing := self.without_figures()) else "")
            )
        caption = f"Scorecard, {self.label}: each priority's headline figures against the same period last year"
        lines = markdown_table(table, caption).split("\n")
        for position, row in enumerate(table.itertuples(index=False), start=2):
            if not any(row[1:]):  # a group row: bold, and spanning the table once rendered
                lines[position] = "| **" + text(row[0]) + "** |" + " |" * (len(row) - 1)
        notes = [text(narrative.MARKS_LEGEND)]
        unassessed = [
            f"{narrative.subject(self._definition(e.comparison), e.comparison)}: "
            f"{progress_note(e.comparison.target, self._definition(e.comparison), self.edition.quarter)}"
            for e in self.entries()
            if e.comparison is not None and e.comparison.target is not None and e.comparison.target.progress is None
        ]
        if unassessed:
            notes.append(text("Progress is not assessed for " + "; ".join(unassessed) + "."))
        shown = [e.comparison for e in self.entries() if e.comparison is not None]
        if key := legend(narrative.figure_statuses(shown)):
            notes.append(text(key))
        if missing := self.without_figures():
            notes.append(text(missing))
        return Markdown(
            f"{PDF_ONE_PAGE_START}\n\n## Scorecard of the plan's priorities\n\n"
            + "\n".join(lines)
            + f"\n\n{notes[0]}\n\n{PDF_ONE_PAGE_END}\n\n"
            + "\n\n".join(notes[1:])
        )

    def csv(self) -> Markdown:
        """A link to the scorecard as CSV, for the HTML."""
        return Markdown(
            downloads.csv_link(self.records(), f"{self.edition.quarter.id}_{SCORECARD_CSV}", "the scorecard")
        )
