"""One load of the edition: everything one quarter's update is made from, validated once.

:func:`read_edition` reads the plan, the quarter's params, the catalogue, the measures,
the reference areas, the comparison group and the quarter's commentary, and returns them
as one :class:`Edition` together with every problem found, as records (file, location,
column, value, rule). ``crimeplan check``, ``crimeplan render``, the CSV tables and the
notebooks all use it; :func:`load_edition` is the notebooks' entry point, which raises
one :class:`~crimeplan.errors.InputError` carrying every error and remembers the result
for as long as no input file changes (so kernels that render several priorities, or are
given the edition the render saved, :func:`notebook_edition`, load it once).
"""

from __future__ import annotations

import pickle
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

import pandas as pd

from crimeplan.errors import InputError, Problem, raise_for_errors
from crimeplan.findings import coverage, plausibility
from crimeplan.ingest.reference import every_district
from crimeplan.inputs.files import LIMITS, file_digest, present
from crimeplan.inputs.measures import (
    Catalogue,
    ComparisonGroup,
    load_comparison_group,
    read_areas,
    read_catalogue,
    read_measures,
)
from crimeplan.inputs.params import (
    PLAN_FILE,
    Plan,
    QuarterParams,
    load_plan,
    load_quarter,
    missing_notebooks,
    resolve_quarter,
)
from crimeplan.inputs.schemas import shown_as_typed, suggestion
from crimeplan.inputs.sources import SOURCES_FILE, Source, read_sources
from crimeplan.periods import Quarter
from crimeplan.project import Project
from crimeplan.stats.compare import MeasureRows
from crimeplan.text import commentary
from crimeplan.text.commentary import Commentary

PERIOD_COLUMNS = ("period_start", "period_end")


@dataclass(frozen=True)
class Edition:
    """One quarter's update inputs, loaded and validated: what every priority is made from."""

    project: Project
    plan: Plan
    params: QuarterParams
    catalogue: Catalogue
    measures: pd.DataFrame
    areas: pd.DataFrame
    comparison_group: ComparisonGroup
    commentary: dict[int, Commentary]
    warnings: list[Problem] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)  # data/sources.yml, by catalogue source
    _compared: list | None = field(default=None, repr=False, compare=False)  # the checks' comparisons, unjudged
    _comparisons: dict[int, list] = field(default_factory=dict, repr=False, compare=False)
    _rows: MeasureRows | None = field(default=None, repr=False, compare=False)

    @property
    def quarter(self) -> Quarter:
        return self.params.period

    def __getstate__(self) -> dict:
        """What pickle saves (a render hands the edition to its kernels): the measures' period
        dates as datetime64 columns, which pickle far faster than a ``date`` object a cell."""
        state = self.__dict__.copy() | {"_rows": None}  # each process groups the rows it reads
        dates = self.measures[list(PERIOD_COLUMNS)]
        if not dates.isna().any().any():
            state["measures"] = self.measures.assign(**{c: pd.to_datetime(dates[c]) for c in PERIOD_COLUMNS})
        return state

    def __setstate__(self, state: dict) -> None:
        """The edition pickled, its period dates ``date`` objects again (:meth:`__getstate__`)."""
        measures = state["measures"]
        state["measures"] = measures.assign(**{c: measures[c].dt.date for c in PERIOD_COLUMNS
                                               if pd.api.types.is_datetime64_any_dtype(measures[c])})
        self.__dict__.update(state)

    def comparisons(self, priority: int) -> list:
        """The quarter against earlier periods and targets, for the priority's own measures
        in the plan's areas (public data is set in its national context elsewhere).
        Worked out once per edition, for every priority at once: the changes tested are
        corrected together for their number (Holm's method). A render does it before
        handing the edition to the notebook kernels."""
        if not self._comparisons:
            compared = self._compared  # read_quarter's, for its checks; else worked out here
            if compared is None:
                compared = _compare_quarter(coverage.own_measures(self.measures), self.catalogue, self.quarter,
                                            self.plan)
            self._comparisons.update(_by_priority(compared, self.plan, self.catalogue))
        return self._comparisons[priority]

    def compare_every_priority(self) -> None:
        """Work out every priority's comparisons and their judgements now (see :meth:`comparisons`)."""
        for priority in self.plan.priorities:
            for comparison in self.comparisons(priority.number):
                if comparison.previous_quarter is not None:
                    comparison.previous_quarter.judgement  # noqa: B018 - worked out here, then kept with the edition

    def rows_of(self, measure: str, area: str) -> pd.DataFrame:
        """The measures' rows for one measure and area, every period (grouped once per edition:
        a chart's series would otherwise compare every row's measure and area)."""
        rows = self._rows
        if rows is None:  # an edition unpickled in a kernel groups the rows it reads
            rows = MeasureRows(self.measures)
            object.__setattr__(self, "_rows", rows)
        return rows(measure, area)

    @property
    def area_names(self) -> set[str]:
        return set(self.areas["area"])


@dataclass
class SharedInputs:
    """What every quarter of a project shares: plan, catalogue, measures, areas, group."""

    plan: Plan | None
    catalogue: Catalogue
    declared: set[str]
    measures: pd.DataFrame
    valid: pd.DataFrame  # the measures' rows the checks and comparisons use (coverage.valid_rows), found once
    areas: pd.DataFrame
    comparison_group: ComparisonGroup | None
    problems: list[Problem]
    sources: dict[str, Source] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.plan is not None and not any(p.severity == "error" for p in self.problems)


def read_shared(project: Project) -> SharedInputs:
    """Read and validate the inputs every quarter shares, collecting every problem."""
    problems: list[Problem] = []
    plan = _attempt(project, problems, lambda: load_plan(project.params_dir))
    catalogue, declared, found = read_catalogue(project.data_dir)
    problems += found
    areas, found = read_areas(project.data_dir)
    problems += found
    area_names = set(areas["area"])
    units = {measure_id: None for measure_id in declared} | {m: entry.unit for m, entry in catalogue.items()}
    # Public series may name any force's districts (the Met's boroughs, a force's local authorities).
    measures, found = read_measures(project.data_dir, units=units,
                                    area_names=area_names | every_district(project.data_dir / "reference"))
    valid = coverage.valid_rows(measures)
    problems += found + coverage.snapshot_problems(project, valid, catalogue)
    problems += plausibility.related_total_problems(project, valid, catalogue)
    sources, found = read_sources(project.data_dir, {entry.source for entry in catalogue.values()})
    problems += found
    group = None
    problems += _text_shown_as_typed(project, plan, catalogue, sources)
    if plan is not None:
        problems += _plan_against_data(project, plan, catalogue, area_names) + missing_notebooks(project, plan)
        problems += coverage.area_problems(project, plan, valid, area_names)
        if not any(p.severity == "error" for p in problems):
            group = _attempt(project, problems,
                             lambda: load_comparison_group(project.data_dir, plan.force_area, areas))
    return SharedInputs(plan, catalogue, declared, measures, valid, areas, group, _unique(problems), sources)


def read_quarter(project: Project, shared: SharedInputs, quarter: Quarter) -> tuple[Edition | None, list[Problem]]:
    """The edition of ``quarter`` on top of ``shared``, and the problems of the quarter's own
    params and commentary (the edition is ``None`` when there are errors anywhere)."""
    problems: list[Problem] = []
    params = _attempt(project, problems, lambda: load_quarter(project.params_dir, quarter.id))
    if shared.plan is None:
        return None, problems
    problems += _commentary_problems(project, shared, quarter)
    if params is not None:
        params_file = project.shown(project.params_dir / f"{quarter.id}.yml")
        problems += [problem for column, value in _params_text(params)
                     for problem in shown_as_typed(value, file=params_file, column=column)]
    plan, catalogue = shared.plan, shared.catalogue
    valid = shared.valid  # checked even beside errors elsewhere: every problem at once
    own = coverage.own_measures(valid)
    compared = _attempt(project, problems, lambda: _compare_quarter(own, catalogue, quarter, plan)) or []
    if not valid.empty:
        for found in (
            _attempt(project, problems, lambda: coverage.quarter_problems(
                project, plan, own, catalogue, quarter, compared)),
            _attempt(project, problems, lambda: plausibility.quarter_problems(
                project, own, catalogue, compared, plan.areas)),
        ):
            problems += found or []
    if not shared.ok:
        return None, problems
    rows = MeasureRows(shared.measures)  # grouped once for every priority's references
    resolved = {  # every reference resolved even beside other errors: all problems in one run
        p.number: _attempt(project, problems, lambda number=p.number: commentary.load_commentary(
            project.data_dir, quarter, number, shared.plan, rows, shared.catalogue,
            set(shared.areas["area"]),
        ))
        for p in shared.plan.priorities
    }
    problems = _unique(problems)
    if problems_have_errors(problems):
        return None, problems
    assert shared.comparison_group is not None  # read whenever the shared inputs have no errors
    edition = Edition(
        project=project, plan=shared.plan, params=params, catalogue=shared.catalogue, measures=shared.measures,
        areas=shared.areas, comparison_group=shared.comparison_group, commentary=resolved,
        warnings=[p for p in shared.problems + problems if p.severity == "warning"], sources=shared.sources,
        _compared=compared,  # the rows checked are the edition's; judged when a section first asks
        _rows=rows,
    )
    return edition, problems


def _compare_quarter(own: pd.DataFrame, catalogue: Catalogue, quarter: Quarter, plan: Plan) -> list:
    """The quarter against earlier periods and targets, for each of the force's own
    measures (``own``: their rows) in every area: worked out once, for the checks and the update."""
    from crimeplan.stats.compare import compare_all

    return compare_all(own, catalogue, quarter, force_area=plan.force_area, area_order=plan.areas)


def _by_priority(compared: list, plan: Plan, catalogue: Catalogue) -> dict[int, list]:
    """``compared`` in the plan's areas, by priority, the changes tested corrected together
    for their number (Holm's method)."""
    from crimeplan.stats.judgement import correct_for_multiplicity

    shown = [c for c in compared if c.area in plan.areas]
    by_priority = {p.number: [c for c in shown if catalogue[c.measure].priority == p.number] for p in plan.priorities}
    changes = [c.previous_year for comparisons in by_priority.values() for c in comparisons
               if c.previous_year is not None]
    for change, judgement in zip(changes, correct_for_multiplicity([c.judgement for c in changes])):
        change.settle(judgement)
    return by_priority


def read_edition(project: Project, quarter: Quarter, shared: SharedInputs | None = None,
                 ) -> tuple[Edition | None, list[Problem]]:
    """The edition of ``quarter`` and every problem found (``None`` when there are errors)."""
    shared = shared or read_shared(project)
    edition, problems = read_quarter(project, shared, quarter)
    return edition, _unique(shared.problems + problems)


def load_edition(project: Project, quarter: Quarter) -> Edition:
    """The edition of ``quarter``; raises one :class:`InputError` listing every error.

    Remembered while no file under ``data/`` or ``params/`` changes (by content: a
    same-size edit that keeps the time counts); the inputs every quarter shares are read
    once for all the quarters of one process.
    """
    files = _files_key(project)

    def read() -> Edition:
        shared = _remembered(_SHARED, files, lambda: read_shared(project))
        edition, problems = read_edition(project, quarter, shared)
        raise_for_errors(problems)
        assert edition is not None  # no errors, so an edition
        return edition

    return _remembered(_EDITIONS, (files, quarter.id), read)


def notebook_edition(quarter: str, project_dir: str | Path, edition_file: str | Path = "") -> Edition:
    """The edition a notebook shows, from its parameters: ``quarter`` (an id such as
    ``2019-20-Q2`` or ``latest``) of the project at ``project_dir``.

    ``edition_file`` is the edition a render saved for its kernels (:func:`save_for_kernels`),
    taken while its inputs are unchanged; empty, missing or stale, the project is read.
    """
    if edition_file and Path(edition_file).is_file():
        prime(edition_file)
    project = Project(Path(project_dir).resolve())
    project.require_inputs()
    return load_edition(project, resolve_quarter(project.params_dir, quarter))


def save_for_kernels(edition: Edition, path: Path) -> None:
    """Write ``edition`` where :func:`prime` in a notebook kernel can pick it up."""
    path.write_bytes(pickle.dumps(((_files_key(edition.project), edition.quarter.id), edition)))


def prime(path: str | Path) -> bool:
    """Remember the edition saved by :func:`save_for_kernels`, if its inputs are unchanged.

    Returns whether it was taken; a stale file is ignored (the notebook then loads afresh).
    """
    saved = Path(path).stat()
    taken = (str(path), saved.st_mtime_ns, saved.st_size)
    if _PRIMED_FROM == [taken]:
        return True
    key, edition = pickle.loads(Path(path).read_bytes())
    if (_files_key(edition.project), edition.quarter.id) != key:
        return False
    _remembered(_EDITIONS, key, lambda: edition)
    _PRIMED_FROM[:] = [taken]
    return True


# The last few editions and sets of shared inputs read, by the files key they were read with
# (an analyst or a test going back and forth between quarters or projects reads each once).
REMEMBERED = 4
_EDITIONS: OrderedDict[tuple, Edition] = OrderedDict()
_SHARED: OrderedDict[tuple, SharedInputs] = OrderedDict()
_PRIMED_FROM: list[tuple] = []  # the saved edition (path, time, size) last primed
T = TypeVar("T")


def _remembered(cache: OrderedDict[tuple, T], key: tuple, make: Callable[[], T]) -> T:
    """``cache[key]``, made by ``make()`` if it is not there; the least recently used entry
    is forgotten beyond :data:`REMEMBERED`."""
    if key in cache:
        cache.move_to_end(key)
        return cache[key]
    cache[key] = made = make()
    while len(cache) > REMEMBERED:
        cache.popitem(last=False)
    return made


def _files_key(project: Project) -> tuple:
    """Every input file of the project with a hash of its content (the size alone for a
    file too large to be read, which the readers refuse anyway)."""
    files = []
    for folder in (project.data_dir, project.params_dir):
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                size = path.stat().st_size
                files.append((str(path), size, file_digest(path) if size <= max(LIMITS.values()) else None))
    return str(project.root), tuple(files)


def problems_have_errors(problems: list[Problem]) -> bool:
    return any(p.severity == "error" for p in problems)


def _attempt(project: Project, problems: list[Problem], load):
    """Run ``load``; an :class:`InputError` becomes problems (and ``None``)."""
    try:
        return load()
    except InputError as error:
        problems += error.problems(project.shown)
        return None


def _unique(problems: list[Problem]) -> list[Problem]:
    return list(dict.fromkeys(problems))


def _text_shown_as_typed(project: Project, plan: Plan | None, catalogue: Catalogue,
                         sources: dict[str, Source]) -> list[Problem]:
    """A warning for each text of the plan, catalogue and sources that holds Markdown or Typst
    syntax (measures and areas: see :func:`~crimeplan.inputs.measures.read_measures` and ``read_areas``)."""
    problems = []
    if plan is not None:
        plan_file = project.shown(project.params_dir / PLAN_FILE)
        problems += [problem for column, value in _plan_text(plan)
                     for problem in shown_as_typed(value, file=plan_file, column=column)]
    catalogue_file = project.shown(project.data_dir / "catalogue.yml")
    problems += [problem for measure_id, entry in catalogue.items()
                 for column in ("label", "short_label", "definition") if getattr(entry, column) is not None
                 for problem in shown_as_typed(getattr(entry, column), file=catalogue_file,
                                               location=f"measure {measure_id!r}", column=column)]
    sources_file = project.shown(project.data_dir / SOURCES_FILE)
    problems += [problem for name, source in sources.items() for column in ("title", "publisher", "licence")
                 for problem in shown_as_typed(getattr(source, column), file=sources_file,
                                               location=f"source {name!r}", column=column)]
    return problems


def _plan_text(plan: Plan) -> list[tuple[str, str]]:
    """Every text of the plan the update shows, by its key."""
    texts = [("force", plan.force), ("plan_title", plan.plan_title), ("contact.team", plan.contact.team),
             ("contact.how", plan.contact.how), ("revisions_policy", plan.revisions_policy)]
    for i, priority in enumerate(plan.priorities):
        texts += [(f"priorities[{i}].title", priority.title), (f"priorities[{i}].lead_in", priority.lead_in)]
        texts += [(f"priorities[{i}].commitments[{j}].text", c.text) for j, c in enumerate(priority.commitments)]
    return texts


def _params_text(params: QuarterParams) -> list[tuple[str, str]]:
    """Every text of a quarter's params the update shows, by its key."""
    return ([("produced", params.produced), ("producing_unit", params.producing_unit)]
            + [(f"revisions[{i}].change", r.change) for i, r in enumerate(params.revisions)])


def _plan_against_data(project: Project, plan: Plan, catalogue: Catalogue, area_names: set[str]) -> list[Problem]:
    """The plan's areas are reference areas; catalogue priorities and commitments are the plan's."""
    plan_file = project.shown(project.params_dir / PLAN_FILE)
    catalogue_file = project.shown(project.data_dir / "catalogue.yml")
    problems = [
        Problem("error", f"area {area!r} is not in data/reference/ (areas.csv, forces.csv)", file=plan_file,
                column="areas", value=area, rule="known_area")
        for area in plan.areas if area_names and area not in area_names
    ]
    problems += [
        Problem("error", f"priority {p.number}: public-data measure {measure_id!r} is not in data/catalogue.yml",
                file=plan_file, column="public_data", value=measure_id, rule="known_measure")
        for p in plan.priorities for section in p.public_data for measure_id in section.measures
        if measure_id not in catalogue
    ]
    problems += [
        Problem("error", f"at_most names {entry.at_most!r}, which is not a measure in data/catalogue.yml"
                f"{suggestion(entry.at_most, catalogue)}", file=catalogue_file, location=f"measure {measure_id!r}",
                column="at_most", value=entry.at_most, rule="known_measure")
        for measure_id, entry in catalogue.items() if entry.at_most is not None and entry.at_most not in catalogue
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
    return problems


def _commentary_problems(project: Project, shared: SharedInputs, quarter: Quarter) -> list[Problem]:
    """Missing commentary, and units or qualifiers written twice (warnings); every malformed
    heading or reference and unknown measure, field or area in every file (errors)."""
    data_dir, plan = project.data_dir, shared.plan
    assert plan is not None  # read_quarter stops before this without a plan
    folder = data_dir / "commentary" / quarter.id
    if not folder.is_dir():
        return [Problem("warning", f"no commentary for {quarter.id}: every priority renders without it",
                        file=project.shown(folder), rule="commentary_present")]
    problems = [
        Problem("warning", f"no commentary for priority {p.number}; it renders without it",
                file=project.shown(path), rule="commentary_present")
        for p in plan.priorities
        if not present(path := commentary.commentary_path(data_dir, quarter, p.number))
    ]
    scanned = commentary.scan(data_dir, quarter, plan)
    problems += [problem for error in scanned.errors for problem in error.problems(project.shown)]
    problems += [
        Problem("warning", f"no text yet under '### {area}' of {commitment}; the heading is left out until "
                "there is", file=project.shown(path), location=f"line {line}", rule="commentary_written")
        for path, line, commitment, area in scanned.unwritten
    ]
    area_names = set(shared.areas["area"])
    qualified = shared.valid[shared.valid["qualifier"] != ""]
    qualifiers: dict[tuple[str, str], list[tuple[date, str]]] = {}  # by measure and area, in file order
    for measure, area, end, qualifier in zip(*(qualified[c].tolist() for c in ("measure", "area", "period_end",
                                                                                "qualifier"))):
        qualifiers.setdefault((measure, area), []).append((end, qualifier))
    for reference in scanned.references:
        where = {"file": project.shown(Path(reference.file)), "location": f"line {reference.line}",
                 "value": reference.text}
        if problem := commentary.reference_problem(reference, shared.declared, area_names):
            problems += reference.error(problem).problems(project.shown)
            continue
        if reference.measure in shared.catalogue and (
                message := commentary.repeated_unit(reference, shared.catalogue[reference.measure].unit)):
            problems.append(Problem("warning", message, rule="commentary_unit", **where))
        if message := commentary.repeated_qualifier(reference, _qualifier(qualifiers, reference, plan, quarter)):
            problems.append(Problem("warning", message, rule="commentary_qualifier", **where))
    return problems


def _qualifier(qualifiers: dict[tuple[str, str], list[tuple[date, str]]], reference: commentary.Reference,
               plan: Plan, quarter: Quarter) -> str:
    """The qualifier of the figure a reference prints (its measure and area in the quarter it
    names), "" for an exact one; ``qualifiers``: the (period end, qualifier) of each measure
    and area's rows that have one."""
    when = quarter.same_quarter_last_year if reference.last_year else quarter
    found = [qualifier for end, qualifier in qualifiers.get((reference.measure, reference.area or plan.force_area), [])
             if when.start <= end <= when.end]
    return found[-1] if found else ""
