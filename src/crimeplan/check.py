"""``crimeplan check``: validate params, catalogue, measures, reference data and commentary.

Every problem is collected (not just the first) with the file, the location, the bad
value and the rule it breaks. ``render`` runs the same checks before executing anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
from rich.console import Console
from rich.markup import escape

from crimeplan import commentary
from crimeplan.data import Catalogue, raise_for_errors, read_areas, read_catalogue, read_measures
from crimeplan.errors import InputError
from crimeplan.params import PLAN_FILE, Plan, load_plan, load_quarter
from crimeplan.quarters import Quarter
from crimeplan.schemas import Problem

if TYPE_CHECKING:
    from crimeplan.pipeline import Project

__all__ = ["CheckReport", "Problem", "check_project"]

# "<path>:<line>: message" or "<path>: message", as InputError messages start.
ERROR_LOCATION = re.compile(r"^(?P<path>/[^:\n]+?)(?::(?P<line>\d+))?: (?P<message>.*)$", re.DOTALL)


@dataclass
class CheckReport:
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def raise_for_errors(self, console: Console) -> None:
        """Print warnings; raise one :class:`InputError` listing every error."""
        for warning in self.warnings:
            console.log(f"[yellow]{escape(str(warning))}", highlight=False)
        raise_for_errors(self.problems)


def check_project(project: "Project", quarter: str | None = None) -> CheckReport:
    """Check everything ``render`` of ``quarter`` (or of every quarter) depends on."""
    checker = _Checker(project)
    plan = checker.attempt(lambda: load_plan(project.params_dir))
    quarters = checker.quarter_params(quarter)
    catalogue, declared, problems = read_catalogue(project.data_dir)
    checker.extend(problems)
    areas, problems = read_areas(project.data_dir)
    checker.extend(problems)
    area_names = set(areas["area"])
    units = {measure_id: None for measure_id in declared} | {m: entry.unit for m, entry in catalogue.items()}
    measures, problems = read_measures(project.data_dir, units=units, area_names=area_names)
    checker.extend(problems)
    if plan is not None:
        checker.plan_against_data(plan, catalogue, area_names)
        data_ok = not checker.report.errors
        for quarter_id in quarters:
            checker.commentary(plan, quarter_id, catalogue, declared, measures, area_names, resolve=data_ok)
    return checker.report


class _Checker:
    """Collects problems for one project, with paths shown relative to its root."""

    def __init__(self, project: "Project") -> None:
        self.project = project
        self.report = CheckReport()

    def extend(self, problems: list[Problem]) -> None:
        for problem in problems:
            if problem not in self.report.problems:
                self.report.problems.append(problem)

    def attempt(self, load):
        """Run ``load``; an :class:`InputError` becomes a problem (and ``None``)."""
        try:
            return load()
        except InputError as error:
            self.extend([self.problem_from(error)])
            return None

    def problem_from(self, error: InputError, severity: str = "error", rule: str | None = None) -> Problem:
        """A problem from an error message that starts with ``<path>[:<line>]:``."""
        match = ERROR_LOCATION.match(str(error))
        if not match:
            return Problem(severity, str(error), rule=rule)
        return Problem(severity, match["message"], file=self.shown(Path(match["path"])),
                       location=f"line {match['line']}" if match["line"] else None, rule=rule)

    def shown(self, path: Path) -> str:
        try:
            return str(path.relative_to(self.project.root))
        except ValueError:
            return str(path)

    def quarter_params(self, quarter: str | None) -> list[str]:
        """Check the quarter's params file (or every one); return the quarters that load."""
        params_dir = self.project.params_dir
        named = []
        for path in sorted(params_dir.glob("*.yml")):
            if path.name == PLAN_FILE:
                continue
            try:
                named.append(Quarter.parse(path.stem).id)
            except InputError as error:
                self.extend([Problem(
                    "error", f"the file name is not a quarter id ({error}); quarter params files are named "
                    "like params/2019-20-Q2.yml", file=self.shown(path), value=path.stem, rule="quarter_file_name",
                )])
        if quarter is None and not named:
            self.extend([Problem("error", "no quarter params files (expected e.g. params/2019-20-Q2.yml)",
                                 file=self.shown(params_dir), rule="quarter_params_present")])
        wanted = named if quarter is None else [quarter]
        return [q for q in wanted if self.attempt(lambda q=q: load_quarter(params_dir, q)) is not None]

    def plan_against_data(self, plan: Plan, catalogue: Catalogue, area_names: set[str]) -> None:
        """The plan's areas are reference areas; catalogue priorities and commitments are the plan's."""
        plan_file = self.shown(self.project.params_dir / PLAN_FILE)
        catalogue_file = self.shown(self.project.data_dir / "catalogue.yml")
        problems = [
            Problem("error", f"area {area!r} is not in data/reference/ (areas.csv, forces.csv)", file=plan_file,
                    column="areas", value=area, rule="known_area")
            for area in plan.areas if area_names and area not in area_names
        ]
        commitments = {p.number: {c.id for c in p.commitments} for p in plan.priorities}
        for measure_id, entry in catalogue.items():
            if entry.priority not in commitments:
                problems.append(Problem(
                    "error", f"priority {entry.priority} is not in params/plan.yml (it has 1..{len(commitments)})",
                    file=catalogue_file, location=f"measure {measure_id!r}", column="priority",
                    value=str(entry.priority), rule="known_priority",
                ))
            elif entry.commitment not in commitments[entry.priority]:
                problems.append(Problem(
                    "error", f"{entry.commitment!r} is not a commitment of priority {entry.priority} in "
                    f"params/plan.yml ({', '.join(sorted(commitments[entry.priority]))})",
                    file=catalogue_file, location=f"measure {measure_id!r}", column="commitment",
                    value=entry.commitment, rule="known_commitment",
                ))
        self.extend(problems)

    def commentary(
        self, plan: Plan, quarter_id: str, catalogue: Catalogue, declared: set[str],
        measures: pd.DataFrame, area_names: set[str], *, resolve: bool,
    ) -> None:
        """Missing files (warnings), unknown measures and areas, and, when the data is
        clean, every reference resolved for the quarter."""
        data_dir = self.project.data_dir
        paths = {p.number: commentary.commentary_path(data_dir, quarter_id, p.number) for p in plan.priorities}
        folder = data_dir / "commentary" / quarter_id
        if not folder.is_dir():
            self.extend([Problem("warning", f"no commentary for {quarter_id}: every priority renders without it",
                                 file=self.shown(folder), rule="commentary_present")])
            return
        self.extend([
            Problem("warning", f"no commentary for priority {number}; it renders without it",
                    file=self.shown(path), rule="commentary_present")
            for number, path in paths.items() if not path.is_file()
        ])
        references = self.attempt(lambda: commentary.list_references(data_dir, quarter_id, plan))
        for reference in references or []:
            where = dict(file=self.shown(Path(reference.file)), location=f"line {reference.line}")
            if reference.measure not in declared:
                self.extend([Problem(
                    "error", f"{reference.text} refers to measure {reference.measure!r}, which is not in "
                    "data/catalogue.yml", **where, value=reference.measure, rule="known_measure",
                )])
            if reference.area is not None and reference.area not in area_names:
                self.extend([Problem(
                    "error", f"{reference.text} refers to area {reference.area!r}, which is not in data/reference/",
                    **where, value=reference.area, rule="known_area",
                )])
        if not resolve or references is None or self.report.errors:
            return
        for number, path in paths.items():
            if path.is_file():
                self.attempt(lambda number=number: commentary.load_commentary(
                    data_dir, quarter_id, number, plan, measures, catalogue, area_names,
                ))
