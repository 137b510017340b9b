"""``crimeplan check``: validate params, catalogue, measures, reference data and commentary.

Every problem is collected (not just the first) with the file, the location, the bad
value and the rule it breaks. ``render`` runs the same checks before executing anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from rich.console import Console

from crimeplan.data import load_areas, load_catalogue, load_measures
from crimeplan.errors import InputError
from crimeplan.params import available_quarters, load_plan, load_quarter

if TYPE_CHECKING:
    from crimeplan.pipeline import Project


@dataclass(frozen=True)
class Problem:
    severity: Literal["error", "warning"]
    message: str

    def __str__(self) -> str:
        return f"{self.severity}: {self.message}"


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def add_error(self, message: str) -> None:
        self.problems.append(Problem("error", message))

    def add_warning(self, message: str) -> None:
        self.problems.append(Problem("warning", message))

    def raise_for_errors(self, console: Console) -> None:
        """Print warnings; raise one :class:`InputError` listing every error."""
        for warning in self.warnings:
            console.log(f"[yellow]{warning}")
        if self.errors:
            listing = "\n".join(f"  - {p.message}" for p in self.errors)
            raise InputError(f"{len(self.errors)} problem(s) in the input:\n{listing}")


def check_project(project: "Project", quarter: str | None = None) -> CheckReport:
    """Check everything ``render`` of ``quarter`` (or of every quarter) depends on."""
    report = CheckReport()
    quarters = [quarter] if quarter else available_quarters(project.params_dir)
    for loader in (
        lambda: load_plan(project.params_dir),
        *[(lambda q=q: load_quarter(project.params_dir, q)) for q in quarters],
    ):
        _collect(report, loader)
    catalogue = _collect(report, lambda: load_catalogue(project.data_dir))
    measures = _collect(report, lambda: load_measures(project.data_dir))
    areas = _collect(report, lambda: load_areas(project.data_dir))
    if catalogue is not None and measures is not None:
        for row in measures[~measures["measure"].isin(catalogue.keys())].itertuples():
            report.add_error(
                f"{row.file}, row {row.row}, column measure: {row.measure!r} is not in data/catalogue.yml"
            )
    if areas is not None and measures is not None:
        known = set(areas["area"])
        for row in measures[~measures["area"].isin(known)].itertuples():
            report.add_error(
                f"{row.file}, row {row.row}, column area: {row.area!r} is not a reference area "
                f"(data/reference/)"
            )
    return report


def _collect(report: CheckReport, loader):
    try:
        return loader()
    except InputError as error:
        report.add_error(str(error))
        return None
