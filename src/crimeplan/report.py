"""What a priority notebook shows: the notebook-facing layer over the library.

Notebooks stay thin: ``PriorityReport.load(...)`` then one call per section. Every figure
shown comes from ``data/`` through :mod:`crimeplan.compare` and :mod:`crimeplan.narrative`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from crimeplan import charts, narrative
from crimeplan.commentary import Commentary
from crimeplan.compare import Comparison, compare_all
from crimeplan.data import Catalogue
from crimeplan.edition import Edition, load_edition, project_of
from crimeplan.ingest import SOURCES
from crimeplan.narrative import describe_period
from crimeplan.numbers import format_value
from crimeplan.open_data import open_data_sections
from crimeplan.params import Plan, Priority, resolve_quarter
from crimeplan.quarters import Quarter

UNIT_TITLES = {"people": "people", "count": "counts", "hours": "hours", "minutes": "minutes",
               "percent": "percentages", "gbp": "money (£)"}
MIN_AREAS_FOR_CHART = 3
# What an empty cell of the performance table means, in words a screen reader reads.
NOT_AVAILABLE, NO_COMPARISON, NO_TARGET = "not available", "no comparison", "no target"
BLANK_MEANINGS = {"Same period last year": NOT_AVAILABLE, "Change": NO_COMPARISON,
                  "Judgement": NO_COMPARISON, "Target": NO_TARGET}
BLANK_WORDS = {NOT_AVAILABLE, NO_COMPARISON, NO_TARGET}
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
    def load(cls, notebook: str, quarter: str, data_dir: str | Path, params_dir: str | Path) -> "PriorityReport":
        """The report for the priority whose notebook is ``notebook``, for ``quarter`` (an id
        such as ``2019-20-Q2`` or ``latest``), from the project of ``data_dir`` and ``params_dir``."""
        project = project_of(data_dir, params_dir)
        edition = load_edition(project, resolve_quarter(project.params_dir, quarter))
        return cls(edition, edition.plan.priority_for_notebook(notebook))

    @classmethod
    def all(cls, edition: Edition) -> list["PriorityReport"]:
        """Every priority's report of ``edition``, in plan order."""
        return [cls(edition, priority) for priority in edition.plan.priorities]

    @property
    def plan(self) -> Plan:
        return self.edition.plan

    @property
    def catalogue(self) -> Catalogue:
        return self.edition.catalogue

    @property
    def measures(self) -> pd.DataFrame:
        return self.edition.measures

    @property
    def quarter(self) -> Quarter:
        return self.edition.quarter

    @cached_property
    def comparisons(self) -> list[Comparison]:
        """This quarter against earlier periods, for the priority's measures in the plan's areas.

        Measures ingested from public data are left to :meth:`public_data`, which sets them
        in their national context.
        """
        ingested = {source.output_name for source in SOURCES.values()}
        own = self.measures[~self.measures["file"].map(lambda f: Path(f).name in ingested).astype(bool)]
        return [
            c for c in compare_all(
                own, self.catalogue, self.quarter,
                force_area=self.plan.force_area, area_order=self.plan.areas, priority=self.priority.number,
            )
            if c.area in self.plan.areas
        ]

    @property
    def commentary(self) -> Commentary:
        """The analysts' commentary for the priority and quarter, by commitment and area."""
        return self.edition.commentary[self.priority.number]

    def tidy(self) -> pd.DataFrame:
        """The priority's figures for the quarter as a tidy table to explore: one row per
        measure and area, with its label and unit, the period (datetimes), the value, the
        same period last year, the change and its judgement (blank where there is none)."""
        rows = []
        for c in self.comparisons:
            if c.current is None:
                continue
            change = c.previous_year
            rows.append({
                "measure": c.measure, "label": self.catalogue[c.measure].label, "unit": c.unit, "area": c.area,
                "period_start": c.current.start, "period_end": c.current.end, "value": c.current.value,
                "same_period_last_year": None if change is None else change.reference.value,
                "change": None if change is None else change.absolute,
                "judgement": None if change is None else str(change.judgement),
            })
        columns = ["measure", "label", "unit", "area", "period_start", "period_end", "value",
                   "same_period_last_year", "change", "judgement"]
        table = pd.DataFrame(rows, columns=columns)
        return table.astype({"period_start": "datetime64[ns]", "period_end": "datetime64[ns]",
                             "value": float, "same_period_last_year": float, "change": float})

    def heading(self) -> Markdown:
        return Markdown(f"# {self.priority.heading}")

    def performance_table(self) -> Markdown:
        """This quarter, the same period last year, change, judgement and target."""
        comparisons = [c for c in self.comparisons if c.current is not None]
        if not comparisons:
            return Markdown(f"*No measures of this priority have figures for {self.quarter.label}.*")
        table = compact_table(narrative.performance_table(comparisons, self.catalogue), self.plan.force_area)
        number = self.priority.number
        caption = (f"Priority {number} measures in {self.quarter.label}: this period, the same period "
                   "last year, the change, its judgement and the target")
        return Markdown(
            f"## Priority {number}: performance in {self.quarter.label}\n\n" + markdown_table(table, caption)
            + "\n\nJudgement compares the change with the direction the plan wants for each measure."
        )

    def performance_records(self) -> pd.DataFrame:
        """The performance table as unformatted numbers, for ``outputs/<quarter>/tables/``."""
        rows = []
        for c in self.comparisons:
            if c.current is None:
                continue
            change = c.previous_year
            rows.append({
                "measure": c.measure, "area": c.area, "unit": c.unit,
                "period_start": c.current.start, "period_end": c.current.end, "value": c.current.value,
                "same_period_last_year": None if change is None else change.reference.value,
                "change": None if change is None else change.absolute,
                "change_percent": None if change is None else change.percent,
                "judgement": None if change is None else change.judgement,
                "target": None if c.target is None else c.target.value,
                "target_by": None if c.target is None else c.target.by,
            })
        return pd.DataFrame(rows)

    def commitment_sections(self) -> Markdown:
        """Per commitment: the commitment, its force-wide headline figures, then updates by area."""
        blocks = []
        for commitment in self.priority.commitments:
            # The commitment is the heading, so that each heading names its own topic.
            blocks.append(f"## {self.priority.lead_in} {commitment.text}")
            headlines = [
                narrative.headline(c, self.catalogue[c.measure])
                for c in self.comparisons
                if c.force_wide and c.current is not None and (c.previous_year or c.target)
                and self.catalogue[c.measure].commitment == commitment.id
            ]
            if headlines:
                blocks.append("**Key figures**\n\n" + "\n".join(f"- {h}" for h in headlines))
            for section in self.commentary.by_commitment.get(commitment.id, []):
                blocks.append(f"**{section.area}**\n\n{section.markdown}")
            if not self.commentary.by_commitment.get(commitment.id):
                blocks.append(f"*{self._no_update_text(commitment.id, bool(headlines))}*")
        return Markdown("\n\n".join(blocks))

    def _no_update_text(self, commitment: str, has_headlines: bool) -> str:
        """What a commitment without commentary says, true to the figures shown for it."""
        in_table = any(c.current is not None and self.catalogue[c.measure].commitment == commitment
                       for c in self.comparisons)
        if has_headlines:
            return f"No update text was given for this commitment in {self.quarter.label}."
        if in_table:
            return (f"Its figures for {self.quarter.label} are in the performance table above; "
                    "no update text was given.")
        return f"No figures or updates for this commitment in {self.quarter.label}."

    def public_data(self) -> list[Markdown | charts.Chart]:
        """Official open data for the priority (police.uk, Home Office), when the quarter has it."""
        return open_data_sections(
            self.priority.number, self.quarter, self.measures, self.catalogue, self.plan,
            self.edition.comparison_group,
        )

    def charts(self) -> list[charts.Chart]:
        """Year-on-year charts (force-wide, one per unit), then comparisons between areas."""
        return self._year_on_year_charts() + self._by_area_charts()

    def _year_on_year_charts(self) -> list[charts.Chart]:
        rows = []
        for c in self.comparisons:
            if c.force_wide and c.current is not None and c.previous_year is not None:
                label = self.catalogue[c.measure].label
                for role, observation in (("Same period last year", c.previous_year.reference),
                                          ("This period", c.current)):
                    rows.append({"label": label, "unit": c.unit, "value": observation.value, "period": role,
                                 "dates": describe_period(observation.start, observation.end)})
        table = pd.DataFrame(rows, columns=["label", "unit", "value", "period", "dates"])
        made = []
        for unit, group in table.groupby("unit", sort=False):
            title = f"{self.plan.force_area}: {UNIT_TITLES[unit]} this year against the same period last year"
            alt_text = "; ".join(
                f"{label}: " + ", ".join(f"{d} {format_value(v, unit)}" for d, v in zip(g["dates"], g["value"]))
                for label, g in group.groupby("label", sort=False)
            )
            made.append(charts.year_on_year_chart(group, title, f"Bar chart. {alt_text}.", UNIT_TITLES[unit].capitalize()))
        return made

    def _by_area_charts(self) -> list[charts.Chart]:
        made = []
        local = [c for c in self.comparisons if not c.force_wide and c.current is not None]
        for measure in dict.fromkeys(c.measure for c in local):
            values = [c for c in local if c.measure == measure]
            if len(values) < MIN_AREAS_FOR_CHART:
                continue
            definition = self.catalogue[measure]
            table = pd.DataFrame({"area": [c.area for c in values], "value": [c.current.value for c in values]})
            alt_text = "Bar chart. " + "; ".join(
                f"{c.area}: {format_value(c.current.value, c.unit)}" for c in values) + "."
            made.append(charts.by_area_chart(
                table, f"{definition.label} by area, {self.quarter.label}", alt_text, UNIT_TITLES[definition.unit]
            ))
        return made


def compact_table(table: pd.DataFrame, force_area: str) -> pd.DataFrame:
    """The performance table narrowed to fit an A4 page: local areas named beside the
    measure, the percentage beside the change, and the direction left to the signs."""
    local = table["Area"] != force_area
    measure = table["Measure"].where(~local, table["Measure"] + " (" + table["Area"] + ")")
    change = table["Change"].where(table["Change %"] == "", table["Change"] + " (" + table["Change %"] + ")")
    compact = table.assign(Measure=measure, Change=change).drop(columns=["Area", "Change %", "Direction"])
    for column in compact.columns:  # an empty cell says why it is empty
        compact[column] = compact[column].where(compact[column] != "", BLANK_MEANINGS.get(column, NOT_AVAILABLE))
    return compact


def markdown_table(table: pd.DataFrame, caption: str | None = None) -> str:
    """A pipe table Pandoc (and Quarto) read, for both HTML and PDF, with its caption.

    Numbers are right-aligned. Pandoc sizes wrapped columns by the dashes under the
    header: each column gets room for its longest word and, within a bound, its longest entry.
    (The built-in renderer's filter, templates/accessible.lua, adds the row and column
    headers and sizes the PDF's columns itself.)
    """
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    rules = []
    for column in table.columns:
        texts = pd.concat([table[column].astype(str), pd.Series([column])])
        longest_word = int(texts.str.split().explode().str.len().fillna(0).max())
        width = max(longest_word + WORD_ROOM, min(int(texts.str.len().max()), MAX_COLUMN_DASHES))
        entries = texts.iloc[:-1][lambda e: ~e.isin(BLANK_WORDS)]
        numeric = len(entries) > 0 and entries.str.fullmatch(r"[-+\u2212£]?[\d,.]+[%km]?( [^|]*)?|").all()
        rules.append(f"{'-' * width}:" if numeric else f":{'-' * width}")
    lines = ["| " + " | ".join(cell(c) for c in table.columns) + " |", "|" + "|".join(rules) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    if caption:
        lines += ["", f": {cell(caption)}"]
    return "\n".join(lines)
