"""What a priority notebook shows: the notebook-facing layer over the library.

Notebooks stay thin: ``PriorityReport.load(...)`` then one call per section. Every figure
shown comes from ``data/`` through :mod:`crimeplan.stats.compare` and :mod:`crimeplan.text.narrative`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from IPython.display import Markdown

from crimeplan.findings.edition import Edition, notebook_edition
from crimeplan.inputs.measures import Catalogue, Unit
from crimeplan.inputs.params import Plan, Priority
from crimeplan.markup import text
from crimeplan.periods import Quarter
from crimeplan.sections import downloads
from crimeplan.stats.compare import Comparison
from crimeplan.text import narrative
from crimeplan.text.commentary import Commentary
from crimeplan.text.provenance import legend, statuses_in

if TYPE_CHECKING:  # the charts are imported when drawn: tables and text need no Altair
    from crimeplan.sections.charts import Chart

# What an empty cell of the performance table means, in words a screen reader reads.
NOT_AVAILABLE, NO_COMPARISON, NO_TARGET = "not available", "no comparison", "no target"
BLANK_MEANINGS = {"Same period last year": NOT_AVAILABLE, "Change": NO_COMPARISON,
                  "Judgement": NO_COMPARISON, "Target": NO_TARGET}
BLANK_WORDS = {NOT_AVAILABLE, NO_COMPARISON, NO_TARGET}
ALSO_REPORTED = "Also reported this quarter"
# What each column of the performance table holds, for its caption.
COLUMN_WORDS = {"Period": "", "This period": "this period", "Same period last year": "the same period last year",
                "Change": "the change", "Judgement": "its judgement", "Target": "the target"}
MAX_COLUMN_DASHES = 26
WORD_ROOM = 3  # bold headers are wider than body text


@dataclass
class PriorityReport:
    """What one priority's notebook shows for one quarter, built from the loaded edition.

    Each public method returns a displayable section (Markdown or charts), in the order
    the update shows them.
    """

    edition: Edition
    priority: Priority

    @classmethod
    def load(cls, notebook: str, quarter: str, project_dir: str | Path, edition_file: str | Path = "") -> PriorityReport:
        """The report for the priority whose notebook is ``notebook``, from the notebook's
        parameters (:func:`~crimeplan.findings.edition.notebook_edition`)."""
        edition = notebook_edition(quarter, project_dir, edition_file)
        return cls(edition, edition.plan.priority_for_notebook(notebook))

    @classmethod
    def all(cls, edition: Edition) -> list[PriorityReport]:
        """Every priority's report of ``edition``, in plan order."""
        return [cls(edition, priority) for priority in edition.plan.priorities]

    @property
    def plan(self) -> Plan:
        """The Police and Crime Plan (``params/plan.yml``)."""
        return self.edition.plan

    @property
    def catalogue(self) -> Catalogue:
        """What each measure is (``data/catalogue.yml``), by measure id."""
        return self.edition.catalogue

    @property
    def measures(self) -> pd.DataFrame:
        """Every measures row of the project, typed (``data/measures/*.csv``)."""
        return self.edition.measures

    @property
    def quarter(self) -> Quarter:
        """The quarter the update is for."""
        return self.edition.quarter

    @cached_property
    def comparisons(self) -> list[Comparison]:
        """This quarter against earlier periods, for the priority's measures in the plan's areas.

        Measures ingested from public data are left to :meth:`public_data`, which sets them
        in their national context.
        """
        return self.edition.comparisons(self.priority.number)

    @property
    def commentary(self) -> Commentary:
        """The analysts' commentary for the priority and quarter, by commitment and area."""
        return self.edition.commentary[self.priority.number]

    def tidy(self) -> pd.DataFrame:
        """The priority's figures for the quarter as a tidy table to explore: the performance
        table as numbers (one row per measure and area: label, unit, the period as
        datetimes, the value, the same period last year, the change and its judgement, the
        target), as in the CSV download."""
        numbers = ("value", "same_period_last_year", "change", "change_percent", "change_percentage_points",
                   "p_value", "p_value_adjusted", "ci_lower", "ci_upper", "dispersion", "target")
        return self.performance_records().astype(
            {"period_start": "datetime64[ns]", "period_end": "datetime64[ns]"} | dict.fromkeys(numbers, float))

    def heading(self) -> Markdown:
        """The priority's heading, e.g. "Priority 1 – More Local, Visible and Accessible Policing"."""
        return Markdown(f"# {text(self.priority.heading)}")

    def performance_table(self) -> Markdown:
        """The measures compared with the same period last year or a target (this period,
        the same period last year, change, judgement and target), then the other figures of
        the quarter as a short list; the first table of the update says how to read its
        judgements."""
        shown = [c for c in self.comparisons if c.current is not None]
        if not shown:
            return Markdown(f"*{text(f'No measures of this priority have figures for {self.quarter.label}.')}*")
        number = self.priority.number
        blocks = [f"## {text(f'Priority {number}: performance in {self.quarter.label}')}"]
        tabled = [c for c in shown if compared(c)]
        if tabled:
            table = compact_table(narrative.performance_table(tabled, self.catalogue), self.plan.force_area)
            columns = ", ".join(filter(None, (COLUMN_WORDS[column] for column in table.columns[1:])))
            blocks.append(markdown_table(table, f"Priority {number} measures in {self.quarter.label}: {columns}"))
            if self._opens_the_tables():
                blocks.append(text(narrative.HOW_TO_READ_JUDGEMENTS) + " " + text("The methods are in")
                              + " *About these statistics*" + text("."))
        others = [c for c in shown if not compared(c)]
        if others:
            blocks.append(also_reported(others, self.catalogue, self.quarter))
        if key := legend(narrative.figure_statuses(shown)):
            blocks.append(text(key))
        return Markdown("\n\n".join(blocks))

    def _opens_the_tables(self) -> bool:
        """Whether this priority's performance table is the update's first (no earlier
        priority of the plan has a measure to compare)."""
        earlier = self.plan.priorities[:self.plan.priorities.index(self.priority)]
        return not any(compared(c) for p in earlier for c in self.edition.comparisons(p.number))

    def performance_records(self) -> pd.DataFrame:
        """The performance table as unformatted numbers, for ``outputs/<quarter>/tables/`` and
        the HTML's CSV download (header row even when the priority has no figures)."""
        return performance_records(self.comparisons, self.catalogue)

    def performance_csv(self) -> Markdown:
        """A link (HTML only) to download the performance table as CSV."""
        return Markdown(downloads.csv_link(
            self.performance_records(), f"{self.quarter.id}_{self.priority.notebook}_performance.csv",
            f"the Priority {self.priority.number} performance table",
        ))

    def commitment_sections(self) -> Markdown:
        """Per commitment: the commitment, what its force-wide figures add to the
        performance table (the change from the previous quarter), then updates by area."""
        blocks = []
        for commitment in self.priority.commitments:
            # The commitment is the heading, so that each heading names its own topic.
            blocks.append(f"## {text(f'{self.priority.lead_in} {commitment.text}')}")
            stated = [c for c in self.comparisons if c.force_wide and self.catalogue[c.measure].commitment == commitment.id]
            added = list(filter(None, (narrative.beside_the_table(c, self.catalogue[c.measure]) for c in stated)))
            if added:
                blocks.append("\n".join(f"- {text(sentence)}" for sentence in added))
            for section in self.commentary.by_commitment.get(commitment.id, []):
                key = legend(statuses_in(section.markdown))
                blocks.append(f"**{text(section.area)}**\n\n{section.markdown}" + (f"\n\n{text(key)}" if key else ""))
            if not self.commentary.by_commitment.get(commitment.id):
                blocks.append(f"*{text(self._no_update_text(commitment.id))}*")
        return Markdown("\n\n".join(blocks))

    def _no_update_text(self, commitment: str) -> str:
        """What a commitment without commentary says, true to the figures shown for it."""
        if any(c.current is not None and self.catalogue[c.measure].commitment == commitment for c in self.comparisons):
            return (f"Its figures for {self.quarter.label} are with the performance table above; "
                    "no update text was given.")
        return f"No figures or updates for this commitment in {self.quarter.label}."

    def public_data(self) -> list[Markdown | Chart]:
        """Official open data for the priority (police.uk, Home Office), when the quarter has it."""
        from crimeplan.sections.public_data import open_data_sections

        return open_data_sections(
            self.priority.number, self.quarter, self.measures, self.catalogue, self.plan,
            self.edition.comparison_group,
        )

    def charts(self) -> list[Chart]:
        """Charts that add what the performance table cannot (:class:`PriorityCharts`)."""
        from crimeplan.sections.priority_charts import PriorityCharts

        return PriorityCharts(self.edition, self.priority, self.comparisons).all()


def compared(comparison: Comparison) -> bool:
    """Whether a comparison has a figure for the quarter and something to set it against
    (the same period last year or a target): a row of the performance table."""
    return comparison.current is not None and (comparison.previous_year is not None or comparison.target is not None)


def also_reported(comparisons: list[Comparison], catalogue: Catalogue, quarter: Quarter) -> str:
    """The quarter's figures that have neither a comparison nor a target, as a short list
    under the performance table: "Applications to join the Special Constabulary: 210", the
    period said where it is not the quarter."""
    lines = [f"- {text(narrative.reported_figure(c, catalogue[c.measure], quarter))}" for c in comparisons]
    lead = (f"(no comparison or target; {narrative.describe_period(quarter.start, quarter.end)}, or its last day, "
            "unless stated)")
    return f"**{ALSO_REPORTED}** " + text(lead) + "\n\n" + "\n".join(lines)


def compact_table(table: pd.DataFrame, force_area: str) -> pd.DataFrame:
    """The performance table narrowed to fit an A4 page: local areas named beside the
    measure, the percentage beside the change, the direction left to the signs, and a
    column no row fills (such as Target when no measure has one) left out."""
    local = table["Area"] != force_area
    measure = table["Measure"].where(~local, table["Measure"] + " (" + table["Area"] + ")")
    change = table["Change"].where(table["Change %"] == "", table["Change"] + " (" + table["Change %"] + ")")
    compact = table.assign(Measure=measure, Change=change).drop(columns=["Area", "Change %", "Direction"])
    compact = compact.loc[:, [column == "Measure" or (compact[column] != "").any() for column in compact.columns]]
    for column in compact.columns:  # an empty cell says why it is empty
        compact[column] = compact[column].where(compact[column] != "", BLANK_MEANINGS.get(column, NOT_AVAILABLE))
    return compact


def markdown_table(table: pd.DataFrame, caption: str | None = None) -> str:
    """A pipe table Pandoc (and Quarto) read, for both HTML and PDF, with its caption;
    every cell and the caption are text (:func:`crimeplan.markup.text`).

    Numbers are right-aligned. Pandoc sizes wrapped columns by the dashes under the
    header: each column gets room for its longest word and, within a bound, its longest entry.
    (The built-in renderer's filter, templates/accessible.lua, adds the row and column
    headers and sizes the PDF's columns itself.)
    """
    rules = []
    for column in table.columns:
        texts = pd.concat([table[column].astype(str), pd.Series([column])])
        longest_word = int(texts.str.split().explode().str.len().fillna(0).max())
        width = max(longest_word + WORD_ROOM, min(int(texts.str.len().max()), MAX_COLUMN_DASHES))
        entries = texts.iloc[:-1][lambda e: ~e.isin(BLANK_WORDS)]
        numeric = len(entries) > 0 and entries.str.fullmatch(r"[-+\u2212£]?[\d,.]+[%km]?( [^|]*)?|").all()
        rules.append(f"{'-' * width}:" if numeric else f":{'-' * width}")
    lines = ["| " + " | ".join(text(c) for c in table.columns) + " |", "|" + "|".join(rules) + "|"]
    lines += ["| " + " | ".join(text(v) for v in row) + " |" for row in table.itertuples(index=False)]
    if caption:
        lines += ["", f": {text(caption)}"]
    return "\n".join(lines)


# --- the performance table as data (CSV) ----------------------------------------------------------

RECORD_COLUMNS = [
    "measure", "label", "area", "unit", "period_start", "period_end", "period_assumed", "value", "qualifier",
    "status", "same_period_last_year", "same_period_last_year_status",
    "change", "change_percent", "change_percentage_points", "judgement", "judgement_method", "p_value",
    "p_value_adjusted", "ci_lower", "ci_upper", "ci_scale", "dispersion", "judgement_reason", "target", "target_by",
    "target_progress",
]


def performance_records(comparisons: list[Comparison], catalogue: Catalogue) -> pd.DataFrame:
    """One row per comparison with a current value, as numbers (``RECORD_COLUMNS``).

    ``change`` is in the measure's unit and ``change_percent`` the relative change, except
    for measures in percent, whose change is in ``change_percentage_points`` only.
    """
    rows = []
    for c in comparisons:
        if c.current is None:
            continue
        rows.append(comparison_record(c, catalogue[c.measure].label))
    return pd.DataFrame(rows, columns=RECORD_COLUMNS)


def comparison_record(c: Comparison, label: str) -> dict:
    """One comparison with a current value as numbers (``RECORD_COLUMNS``)."""
    change = c.previous_year
    percent_unit = c.unit == Unit.PERCENT
    judged = None if change is None else change.judgement
    return {
        "measure": c.measure, "label": label, "area": c.area, "unit": c.unit,
        "period_start": c.current.start, "period_end": c.current.end, "period_assumed": c.current.period_assumed,
        "value": c.current.value, "qualifier": c.current.qualifier, "status": c.current.status,
        "same_period_last_year": None if change is None else change.reference.value,
        "same_period_last_year_status": None if change is None else change.reference.status,
        "change": None if change is None or percent_unit else change.absolute,
        "change_percent": None if change is None or percent_unit else change.percent,
        "change_percentage_points": None if change is None or not percent_unit else change.points,
        "judgement": None if judged is None else judged.verdict,
        "judgement_method": None if judged is None else judged.method,
        "p_value": None if judged is None else judged.p_value,
        "p_value_adjusted": None if judged is None else judged.adjusted_p,
        "ci_lower": None if judged is None or judged.interval is None else judged.interval.lower,
        "ci_upper": None if judged is None or judged.interval is None else judged.interval.upper,
        "ci_scale": None if judged is None or judged.interval is None else judged.interval.scale,
        "dispersion": None if judged is None or judged.dispersion is None else judged.dispersion.raw,
        "judgement_reason": None if judged is None else judged.reason,
        "target": None if c.target is None else c.target.value,
        "target_by": None if c.target is None else c.target.by,
        "target_progress": None if c.target is None else c.target.verdict,
    }
