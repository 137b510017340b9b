"""``crimeplan check``: validate params, catalogue, measures, reference data and commentary.

Every problem is collected (not just the first) with the file, the location, the bad
value and the rule it breaks. ``render`` runs the same checks, through
:func:`crimeplan.findings.edition.load_edition`, before executing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from crimeplan.errors import InputError, Problem
from crimeplan.findings.edition import read_quarter, read_shared
from crimeplan.inputs.params import PLAN_FILE
from crimeplan.inputs.schemas import rows_label
from crimeplan.periods import Quarter
from crimeplan.project import Project

__all__ = ["CheckReport", "Problem", "check_project", "summarised"]


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def extend(self, problems: list[Problem]) -> None:
        self.problems += [p for p in problems if p not in self.problems]

    def shown(self, verbose: bool = False) -> list[Problem]:
        """The problems as listed: every empty template row, or one line per file (``verbose``: each)."""
        return self.problems if verbose else summarised(self.problems)


EMPTY_ROW_RULE = "value_filled"


def summarised(problems: list[Problem]) -> list[Problem]:
    """``problems`` with the rows still waiting for a value (a fresh ``new-quarter``
    template has dozens) as one line per file, in the place of the first."""
    empty: dict[str | None, list[int]] = {}
    for problem in problems:
        if problem.rule == EMPTY_ROW_RULE:
            empty.setdefault(problem.file, []).append(int(problem.location.removeprefix("row ")))
    shown, done = [], set()
    for problem in problems:
        if problem.rule != EMPTY_ROW_RULE:
            shown.append(problem)
        elif problem.file not in done:
            done.add(problem.file)
            rows = empty[problem.file]
            shown.append(problem if len(rows) == 1 else Problem(
                "warning", f"{len(rows)} rows have no value yet: fill in the figures or delete the rows (until then "
                "they are left out; --verbose lists each)", file=problem.file, location=rows_label(rows),
                column="value", rule=EMPTY_ROW_RULE,
            ))
    return shown


def check_project(project: Project, quarter: Quarter | None = None) -> CheckReport:
    """Check everything ``render`` of ``quarter`` (or of every quarter) depends on."""
    report = CheckReport()
    shared = read_shared(project)
    report.extend(shared.problems)
    quarters = [quarter] if quarter is not None else _quarters_with_params(project, report)
    for each in quarters:
        report.extend(read_quarter(project, shared, each)[1])
    return report


def _quarters_with_params(project: Project, report: CheckReport) -> list[Quarter]:
    """Every quarter with a params file; a file not named by a quarter id is an error."""
    quarters = []
    for path in sorted(project.params_dir.glob("*.yml")):
        if path.name == PLAN_FILE:
            continue
        try:
            quarters.append(Quarter.parse(path.stem))
        except InputError as error:
            report.extend([Problem(
                "error", f"the file name is not a quarter id ({error}); quarter params files are named "
                "like params/2019-20-Q2.yml", file=project.shown(path), value=path.stem, rule="quarter_file_name",
            )])
    if not quarters:
        report.extend([Problem("error", "no quarter params files (expected e.g. params/2019-20-Q2.yml)",
                               file=project.shown(project.params_dir), rule="quarter_params_present")])
    return quarters
