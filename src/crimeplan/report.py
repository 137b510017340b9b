"""What a priority notebook shows: the notebook-facing layer over the library.

Notebooks stay thin: ``PriorityReport.load(...)`` then one call per section.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from crimeplan import charts, narrative
from crimeplan.compare import Comparison, compare_all
from crimeplan.data import Catalogue, load_catalogue, load_measures
from crimeplan.params import Plan, Priority, QuarterParams, latest_quarter, load_plan, load_quarter
from crimeplan.narrative import describe_period
from crimeplan.numbers import format_value
from crimeplan.quarters import Quarter


@dataclass
class PriorityReport:
    plan: Plan
    priority: Priority
    params: QuarterParams
    catalogue: Catalogue
    measures: pd.DataFrame

    @classmethod
    def load(cls, notebook: str, quarter: str, data_dir: str | Path, params_dir: str | Path) -> "PriorityReport":
        """The report for the priority whose notebook is ``notebook`` ("latest": newest quarter)."""
        params_dir, data_dir = Path(params_dir), Path(data_dir)
        plan = load_plan(params_dir)
        priority = plan.priority_for_notebook(notebook)
        if quarter == "latest":
            quarter = latest_quarter(params_dir)
        return cls(
            plan=plan,
            priority=priority,
            params=load_quarter(params_dir, quarter),
            catalogue=load_catalogue(data_dir),
            measures=load_measures(data_dir),
        )

    @property
    def quarter(self) -> Quarter:
        return self.params.period

    def heading(self) -> Markdown:
        return Markdown(f"# {self.priority.heading}")

    def commitments(self) -> Markdown:
        lines = [f"**{self.priority.lead_in}**", ""]
        lines += [f"- *{c.text}*" for c in self.priority.commitments]
        return Markdown("\n".join(lines))

    def comparisons(self) -> list[Comparison]:
        """This quarter against earlier periods, for every measure and area of the priority."""
        return compare_all(
            self.measures, self.catalogue, self.quarter,
            force_area=self.plan.force_area, area_order=self.plan.areas, priority=self.priority.number,
        )

    def performance_table(self) -> Markdown:
        comparisons = [c for c in self.comparisons() if c.current is not None]
        if not comparisons:
            return Markdown(f"*No measures of this priority have data for {self.quarter.label}.*")
        table = narrative.performance_table(comparisons, self.catalogue)
        return Markdown(f"**Performance in {self.quarter.label}**\n\n" + markdown_table(table))

    def charts(self) -> list[charts.Chart]:
        """This quarter beside the same period last year, force-wide, one chart per unit."""
        rows = []
        for c in self.comparisons():
            if c.force_wide and c.current is not None and c.previous_year is not None:
                label = self.catalogue[c.measure].label
                for observation in (c.previous_year.reference, c.current):
                    rows.append({"label": label, "unit": c.unit, "value": observation.value,
                                 "period": describe_period(observation.start, observation.end)})
        table = pd.DataFrame(rows, columns=["label", "unit", "value", "period"])
        made = []
        for unit, group in table.groupby("unit", sort=False):
            title = f"{self.plan.force_area}: {UNIT_TITLES.get(unit, unit)}, this year and last year"
            alt_text = "; ".join(
                f"{label}: " + ", ".join(f"{p} {format_value(v, unit)}" for p, v in zip(g["period"], g["value"]))
                for label, g in group.groupby("label", sort=False)
            )
            made.append(charts.year_on_year_chart(group, title, f"Bar chart. {alt_text}."))
        return made


UNIT_TITLES = {"people": "people", "count": "counts", "hours": "hours", "minutes": "minutes",
               "percent": "percentages", "gbp": "money (£)"}


def markdown_table(table: pd.DataFrame) -> str:
    """A pipe table Pandoc (and Quarto) read, for both HTML and PDF."""
    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    numeric = [table[c].astype(str).str.fullmatch(r"[-+£]?[\d,.]+[%km]?( points?)?|").all() for c in table.columns]
    lines = ["| " + " | ".join(cell(c) for c in table.columns) + " |",
             "|" + "|".join("--:" if is_numeric else ":--" for is_numeric in numeric) + "|"]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in table.itertuples(index=False)]
    return "\n".join(lines)
