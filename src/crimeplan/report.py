"""What a priority notebook shows: the notebook-facing layer over the library.

Notebooks stay thin: ``PriorityReport.load(...)`` then one call per section.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from crimeplan import charts
from crimeplan.data import Catalogue, load_catalogue, load_measures
from crimeplan.params import Plan, Priority, QuarterParams, load_plan, load_quarter
from crimeplan.quarters import Quarter


@dataclass
class PriorityReport:
    plan: Plan
    priority: Priority
    params: QuarterParams
    catalogue: Catalogue
    measures: pd.DataFrame

    @classmethod
    def load(cls, priority: int, quarter: str, data_dir: str | Path, params_dir: str | Path) -> "PriorityReport":
        plan = load_plan(Path(params_dir))
        return cls(
            plan=plan,
            priority=plan.priority(priority),
            params=load_quarter(Path(params_dir), quarter),
            catalogue=load_catalogue(Path(data_dir)),
            measures=load_measures(Path(data_dir)),
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
