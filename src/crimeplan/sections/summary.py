"""The summary that opens the update: main points and a scorecard of every priority.

Everything is generated from the edition, through the same comparisons and judgements as
the priority sections (:mod:`crimeplan.stats.compare`, :mod:`crimeplan.stats.judgement`):

- **main points** (three to five), chosen by :mod:`crimeplan.findings.main_points`: changes
  judged larger than chance variation, targets, what needs attention, a trend that changed,
  changes within chance variation, each with its figures;
- a **scorecard** (:mod:`crimeplan.sections.scorecard`) of each priority's headline measures.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from IPython.display import Markdown

from crimeplan.findings import main_points as points
from crimeplan.findings.edition import Edition, notebook_edition
from crimeplan.markup import text
from crimeplan.sections.priority import PriorityReport
from crimeplan.sections.scorecard import Scorecard
from crimeplan.stats.compare import Comparison
from crimeplan.text.provenance import legend, statuses_in


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

    @cached_property
    def scorecard(self) -> Scorecard:
        """The scorecard, from the same comparisons as the main points."""
        return Scorecard(self.edition, self.comparisons)
