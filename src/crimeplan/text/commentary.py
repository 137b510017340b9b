"""Analysts' commentary for a quarter: ``data/commentary/<quarter>/pN.md``, one file per
priority N.

Format of a file::

    # Any title (optional; ignored)

    ## p1_police_family            <- a commitment id of priority N (params/plan.yml)

    ### Force area                 <- an area from params/plan.yml ``areas`` (here the force_area)
    - Markdown bullets. Nested bullets are indented by two spaces.
    - Figures that are measures are written as references, e.g.
      {{specials_headcount}} Special Constables.

    ### A district
    - ...

Sections come out in plan order: commitments as listed for the priority, areas as listed
in ``areas`` (so force-wide first). A commitment or area may appear once per file.

A reference is ``{{measure[@Area][.last_year][.field][:decimals]}}``:

- ``measure``: an id in ``data/catalogue.yml``;
- ``@Area``: an area in ``data/reference/`` (default: the plan's force area);
- ``.last_year``: evaluate for the same quarter a year earlier;
- ``field`` (default ``value``): ``value`` (with its unit: ``48,810 hours``, ``12%``,
  ``£5.7m``, and the qualifier of a figure the source gave only as a bound or roughly:
  ``more than 200``), ``number`` (the figure without its unit: ``48,810``), ``previous_year``, ``previous_quarter``,
  ``change`` and ``change_pct`` (against the same period last year, without sign),
  ``change_previous_quarter``, ``change_pct_previous_quarter``, ``up_or_down`` and
  ``up_or_down_previous_quarter`` (``up``, ``down`` or ``unchanged``), ``target``,
  ``target_by`` (e.g. ``March 2020``) and ``period`` (e.g. ``July to September 2019``);
- ``:decimals``: decimal places, e.g. ``{{asb_incidents@Harbourside.change_pct:1}}`` (an area named Harbourside) -> ``14.5%``.

Anything malformed, unknown or missing in the data raises :class:`InputError` naming the
file and line; every problem of a file is raised at once (:class:`CommentaryErrors`), and
:func:`scan` finds every problem of every file without the data, for ``crimeplan check``. A priority without a commentary file gives an empty result and a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.formatting import (
    format_number,
    format_percent,
    format_points,
    format_value,
    month_year,
)
from crimeplan.inputs.files import present, read_text
from crimeplan.inputs.measures import Catalogue, Unit
from crimeplan.inputs.params import Plan
from crimeplan.inputs.schemas import QUALIFIERS, suggestion
from crimeplan.markup import commentary_markdown, is_web_address, scheme_of
from crimeplan.periods import Quarter
from crimeplan.stats.compare import Change, Comparison, MeasureRows, compare
from crimeplan.text import wording
from crimeplan.text.narrative import observed_period, observed_value
from crimeplan.text.provenance import qualified

REFERENCE = re.compile(
    r"\{\{\s*(?P<measure>[a-z][a-z0-9_]*)"
    r"(?:@(?P<area>[^.:{}]+?))?"
    r"(?P<last_year>\.last_year)?"
    r"(?:\.(?P<field>[a-z_]+))?"
    r"(?::(?P<decimals>\d))?\s*\}\}"
)
ANY_BRACES = re.compile(r"\{\{.*?\}\}|\{\{|\}\}")
COMMITMENT_HEADING = re.compile(r"^##\s+(?P<name>\S.*?)\s*$")
AREA_HEADING = re.compile(r"^###\s+(?P<name>\S.*?)\s*$")
TITLE = re.compile(r"^#\s+\S")
# Commentary is text with bullets, emphasis and links to web pages (crimeplan.markup):
# no HTML (tags, comments, autolinks), no link to anything but a web page, no attributes
# or raw blocks (`{...}` after a link, span or code), no link target on the next line.
RAW_HTML = re.compile(r"<(?P<tag>[A-Za-z!/?][^\s>]*)")
LINK_TARGET = re.compile(r"\]\(\s*<?(?P<target>[^)\s>]*)")
ATTRIBUTES = re.compile(r"[\])`]\s*\{(?!\{)|\{\s*=")
REFERENCE_LINK = re.compile(r"\]\s*\[|^\s*\[[^\]]*\]:")


@dataclass(frozen=True)
class Reference:
    """One ``{{...}}`` reference to a measure, where it was written."""

    file: Path
    line: int
    text: str
    measure: str
    area: str | None
    last_year: bool
    field: str
    decimals: int | None
    after: str = ""  # the rest of its line, and what comes before it
    before: str = ""

    def error(self, message: str) -> InputError:
        """An :class:`InputError` about this reference, located at its file and line."""
        return InputError(f"{self.text}: {message}", file=self.file, line=self.line, value=self.text,
                          rule="commentary_reference")


@dataclass(frozen=True)
class AreaCommentary:
    area: str
    markdown: str


@dataclass(frozen=True)
class Commentary:
    """A priority's commentary: per commitment id (plan order), its areas (plan order)."""

    priority: int
    quarter: Quarter
    by_commitment: dict[str, list[AreaCommentary]]
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Section:
    commitment: str
    area: str
    lines: list[tuple[int, str]]
    heading_line: int = 0

    @property
    def written(self) -> bool:
        return any(line.strip() for _, line in self.lines)


def commentary_path(data_dir: Path, quarter: Quarter, priority: int) -> Path:
    return Path(data_dir) / "commentary" / quarter.id / f"p{priority}.md"


def _format_error(path: Path, line: int, message: str) -> InputError:
    return InputError(message, file=path, line=line, rule="commentary_format")


def _parse_sections(path: Path, plan: Plan, priority: int) -> tuple[list[_Section], list[InputError]]:
    """The file's area sections (plan order) and every problem with its headings, text and
    markup, all at once (text under a heading already reported is skipped)."""
    commitments = [c.id for c in plan.priority(priority).commitments]
    sections: list[_Section] = []
    errors: list[InputError] = []
    seen: set[tuple[str, str]] = set()
    commitment: str | None = None
    state = "outside"  # "outside" an area section, "open" (text goes to it) or "skipped" (bad heading)
    # data/commentary/<quarter>/pN.md: the project root is three folders up.
    lines = read_text(path, root=path.parents[3], kind="commentary").splitlines()
    for number, line in enumerate(lines, start=1):
        problem = None
        if heading := AREA_HEADING.match(line):
            area = heading["name"]
            if commitment is None:
                problem = f"area heading {area!r} comes before any '## <commitment id>'"
            elif state == "bad commitment":
                continue
            elif area not in plan.areas:
                problem = (f"unknown area {area!r}{suggestion(area, plan.areas)}: areas are those in params/plan.yml "
                           f"({', '.join(plan.areas)})")
            elif (commitment, area) in seen:
                problem = f"area {area!r} appears twice under {commitment}"
            else:
                seen.add((commitment, area))
                sections.append(_Section(commitment, area, [], number))
                state = "open"
                continue
            state = "skipped" if state != "bad commitment" else state
        elif heading := COMMITMENT_HEADING.match(line):
            commitment, state = heading["name"], "outside"
            if commitment not in commitments:
                problem = (f"unknown commitment {commitment!r} for priority {priority}"
                           f"{suggestion(commitment, commitments)}: expected one of {', '.join(commitments)}")
                state = "bad commitment"
            elif any(s.commitment == commitment for s in sections):
                problem = f"commitment {commitment!r} appears twice"
                state = "bad commitment"
        elif not line.strip() or (TITLE.match(line) and commitment is None):
            continue
        elif state == "open":
            previous = sections[-1].lines[-1][1] if sections[-1].lines else ""
            errors += _markup_errors(path, number, line, previous)
            sections[-1].lines.append((number, line))
        elif state == "outside":
            problem = "text outside an area section: put it under '### <area>' inside a '## <commitment id>' section"
        if problem is not None:
            errors.append(_format_error(path, number, problem))
    commitment_order = {c: i for i, c in enumerate(commitments)}
    area_order = {a: i for i, a in enumerate(plan.areas)}
    return sorted(sections, key=lambda s: (commitment_order[s.commitment], area_order[s.area])), errors


def _markup_errors(path: Path, number: int, line: str, previous: str) -> list[InputError]:
    """Commentary reaches a published web page: raw HTML, links to anything but a web page,
    attributes, raw blocks and link targets split from their text are refused (``previous``
    is the line before, in the same section)."""
    def refused(message: str, value: str) -> InputError:
        return InputError(message, file=path, line=number, value=value, rule="commentary_no_html")

    errors = []
    if tag := RAW_HTML.search(line):
        errors.append(refused(f"raw HTML is not allowed in commentary (found <{tag['tag']}): write Markdown text; "
                              "to show a '<' sign, write it with a space after it or as 'less than'",
                              f"<{tag['tag']}"))
    for link in LINK_TARGET.finditer(line):
        if not is_web_address(link["target"]):
            scheme = scheme_of(link["target"])
            address = f"a {scheme}: address" if scheme else repr(link["target"])
            errors.append(refused(f"a link to {address} is not allowed in commentary: links go to a web page, "
                                  "written [text](https://...) on one line", link["target"]))
    if found := ATTRIBUTES.search(line):
        errors.append(refused("attributes and raw blocks ('{...}' after a link, text in brackets or code) are not "
                              "allowed in commentary: write the text alone", found.group()))
    if found := REFERENCE_LINK.search(line):
        errors.append(refused("reference links ('[text][name]', '[name]: address') are not allowed in commentary: "
                              "write the link as [text](https://...) on one line", found.group()))
    if previous.rstrip().endswith("]") and line.lstrip().startswith("("):
        errors.append(refused("a link's address must follow its text on the same line: [text](https://...)",
                              line.strip()))
    return errors


def references_in(line: str, path: Path, number: int) -> tuple[list[Reference], list[InputError]]:
    """The references on one line, and an error for each malformed one."""
    found, errors = [], []
    for match in ANY_BRACES.finditer(line):
        reference = REFERENCE.fullmatch(match.group())
        if reference is None:
            errors.append(_format_error(path, number, f"malformed reference {match.group()!r}: expected "
                                        "{{measure[@Area][.last_year][.field][:decimals]}}"))
            continue
        decimals = reference["decimals"]
        found.append(
            Reference(
                file=path,
                line=number,
                text=match.group(),
                measure=reference["measure"],
                area=reference["area"].strip() if reference["area"] else None,
                last_year=bool(reference["last_year"]),
                field=reference["field"] or "value",
                decimals=None if decimals is None else int(decimals),
                after=line[match.end():],
                before=line[:match.start()],
            )
        )
    return found, errors


@dataclass(frozen=True)
class Scanned:
    """A quarter's commentary files read without the data: references, headings still
    waiting for text, and every format problem."""

    references: list[Reference]
    unwritten: list[tuple[Path, int, str, str]]  # file, line, commitment, area
    errors: list[InputError]


def scan(data_dir: Path, quarter: Quarter, plan: Plan) -> Scanned:
    """Every commentary file of the quarter, every problem at once (for ``crimeplan check``)."""
    references, unwritten, errors = [], [], []
    for priority in plan.priorities:
        path = commentary_path(data_dir, quarter, priority.number)
        if not present(path):
            continue
        try:
            sections, found = _parse_sections(path, plan, priority.number)
        except InputError as error:  # the file itself is refused (not plain text, too large)
            errors.append(error)
            continue
        errors += found
        for section in sections:
            if not section.written:
                unwritten.append((path, section.heading_line, section.commitment, section.area))
            for number, line in section.lines:
                on_line, malformed = references_in(line, path, number)
                references += on_line
                errors += malformed
    return Scanned(references, unwritten, errors)


def list_references(data_dir: Path, quarter: Quarter, plan: Plan) -> list[Reference]:
    """Every measure reference in the quarter's commentary files; raises listing every
    problem with the files' headings and references."""
    scanned = scan(data_dir, quarter, plan)
    _raise_all(scanned.errors)
    return scanned.references


class CommentaryErrors(InputError):
    """Every problem found in commentary, raised at once."""

    def __init__(self, errors: list[InputError]) -> None:
        self.errors = errors
        listing = "\n".join(f"  - {error}" for error in errors)
        super().__init__(f"{len(errors)} problem(s) in the commentary:\n{listing}")

    def problems(self, shown=str) -> list:
        return [problem for error in self.errors for problem in error.problems(shown)]


def _raise_all(errors: list[InputError]) -> None:
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise CommentaryErrors(errors)


def _require(value, reference: Reference, what: str, quarter: Quarter):
    if value is None:
        raise reference.error(f"the data has no {what} for {quarter.label}")
    return value


def _change(comparison: Comparison, which: str, reference: Reference) -> Change:
    change = getattr(comparison, which)
    label = "same period last year" if which == "previous_year" else "previous quarter"
    return _require(change, reference, f"value for the {label} of {reference.measure}", comparison.quarter)


def _size(change: Change, unit: str, decimals: int | None) -> str:
    if unit == Unit.PERCENT:
        return format_points(abs(change.absolute), decimals)
    return format_value(abs(change.absolute), unit, decimals)


def _percent(change: Change, reference: Reference) -> str:
    if change.percent is None:  # a zero base
        raise reference.error("no percentage change from a zero base")
    return format_percent(abs(change.percent), reference.decimals or 0)


FIELDS: dict[str, Callable[[Comparison, Reference], str]] = {
    "value": lambda c, r: observed_value(c.current, c.unit, r.decimals),
    "number": lambda c, r: qualified(format_number(c.current.value, r.decimals), c.current.qualifier),
    "period": lambda c, r: observed_period(c.current),
    "previous_year": lambda c, r: observed_value(_change(c, "previous_year", r).reference, c.unit, r.decimals),
    "previous_quarter": lambda c, r: observed_value(_change(c, "previous_quarter", r).reference, c.unit, r.decimals),
    "change": lambda c, r: _size(_change(c, "previous_year", r), c.unit, r.decimals),
    "change_pct": lambda c, r: _percent(_change(c, "previous_year", r), r),
    "change_previous_quarter": lambda c, r: _size(_change(c, "previous_quarter", r), c.unit, r.decimals),
    "change_pct_previous_quarter": lambda c, r: _percent(_change(c, "previous_quarter", r), r),
    "up_or_down": lambda c, r: wording.up_or_down(_change(c, "previous_year", r).direction),
    "up_or_down_previous_quarter": lambda c, r: wording.up_or_down(_change(c, "previous_quarter", r).direction),
    "target": lambda c, r: format_value(
        _require(c.target, r, f"target for {r.measure}", c.quarter).value, c.unit, r.decimals
    ),
    "target_by": lambda c, r: month_year(_require(c.target, r, f"target for {r.measure}", c.quarter).by),
}


def reference_problem(reference: Reference, measures: Iterable[str], known_areas: Iterable[str]) -> str | None:
    """What is wrong with a reference's measure, field or area, without the data (``None``: nothing)."""
    measures, known_areas = list(measures), list(known_areas)
    if reference.measure not in measures:
        return (f"unknown measure {reference.measure!r} (not in data/catalogue.yml)"
                f"{suggestion(reference.measure, measures)}")
    if reference.field not in FIELDS:
        return (f"unknown field {reference.field!r}{suggestion(reference.field, FIELDS)}: expected one of "
                f"{', '.join(FIELDS)}")
    if reference.area is not None and reference.area not in known_areas:
        return f"unknown area {reference.area!r} (not in data/reference/){suggestion(reference.area, known_areas)}"
    return None


# What a reference's text ends with or starts with, by field and unit, so the same word
# written again beside it ("51,200 hours hours") can be caught.
UNIT_WORDS = {"hours": re.compile(r"\s*hours?\b", re.I), "minutes": re.compile(r"\s*minutes?\b", re.I),
              "percent": re.compile(r"\s*(%|per\s*cent\b)", re.I)}
WITH_UNIT = {"value", "previous_year", "previous_quarter", "target", "change", "change_previous_quarter"}
PERCENT_FIELDS = {"change_pct", "change_pct_previous_quarter"}


def repeated_unit(reference: Reference, unit: str) -> str | None:
    """A warning when the unit is written again after (``£`` before) a reference that prints
    it already ("51,200 hours hours"), else ``None``."""
    if reference.field in PERCENT_FIELDS:
        unit = "percent"
    elif reference.field not in WITH_UNIT or (unit == Unit.PERCENT and reference.field.startswith("change")):
        return None  # no unit, or percentage points
    if unit == Unit.GBP:
        word = "£" if reference.before.rstrip().endswith("£") else None
    else:
        found = UNIT_WORDS[unit].match(reference.after) if unit in UNIT_WORDS else None
        word = found.group().strip() if found else None
    if word is None:
        return None
    example = format_value(51200 if unit != Unit.PERCENT else 14, unit)
    advice = f"delete {word!r}"
    if reference.field == "value":
        area = f"@{reference.area}" if reference.area else ""
        decimals = f":{reference.decimals}" if reference.decimals is not None else ""
        unit_free = f"{{{{{reference.measure}{area}{'.last_year' if reference.last_year else ''}.number{decimals}}}}}"
        advice += f", or write {unit_free} for the figure without its unit"
    return (f"{reference.text} prints its unit (e.g. '{example}'), so {word!r} beside it repeats it: {advice}")


QUALIFIED_FIELDS = {"value", "number"}  # the fields that print the figure's qualifier


def repeated_qualifier(reference: Reference, qualifier: str) -> str | None:
    """A warning when a qualifier is written before a reference whose figure prints its own
    (``qualifier``: "more than {{x}}" giving "more than more than 200"), else ``None``."""
    if not qualifier or reference.field not in QUALIFIED_FIELDS:
        return None
    written = next((q for q in QUALIFIERS if re.search(rf"\b{q}\s*$", reference.before, re.IGNORECASE)), None)
    if written is None:
        return None
    return (f"{reference.text} prints the figure with its qualifier ('{qualifier} ...', from the measures' "
            f"qualifier column), so {written!r} before it repeats it: delete {written!r}")


def resolve(
    reference: Reference,
    measures: pd.DataFrame | MeasureRows,
    catalogue: Catalogue,
    quarter: Quarter,
    *,
    force_area: str,
    known_areas: Iterable[str],
) -> str:
    """The formatted text a reference stands for in ``quarter``."""
    if problem := reference_problem(reference, catalogue, known_areas):
        raise reference.error(problem)
    area = reference.area or force_area
    when = quarter.same_quarter_last_year if reference.last_year else quarter
    comparison = compare(measures, catalogue, reference.measure, area, when, force_area=force_area)
    _require(comparison.current, reference, f"value of {reference.measure} in {area}", when)
    return FIELDS[reference.field](comparison, reference)


def load_commentary(
    data_dir: Path,
    quarter: Quarter,
    priority: int,
    plan: Plan,
    measures: pd.DataFrame | MeasureRows,
    catalogue: Catalogue,
    areas: Iterable[str],
) -> Commentary:
    """Parse and resolve ``data/commentary/<quarter>/p<priority>.md``.

    ``areas`` are the known area names (``data/reference/``) that references may use;
    ``measures`` may be grouped already (an edition reads all its priorities' commentary).
    Every commitment of the priority is a key of ``by_commitment`` (empty list when it
    has no commentary); a missing file gives all-empty lists and one warning.
    """
    commitments = [c.id for c in plan.priority(priority).commitments]
    by_commitment: dict[str, list[AreaCommentary]] = {c: [] for c in commitments}
    path = commentary_path(data_dir, quarter, priority)
    if not present(path):
        return Commentary(priority, quarter, by_commitment, [f"no commentary for priority {priority} in {quarter.label}: {path} not found"])
    known_areas = set(areas)
    sections, errors = _parse_sections(path, plan, priority)
    rows = MeasureRows.of(measures)

    def substitute(line: str, number: int) -> str:
        references, malformed = references_in(line, path, number)
        errors.extend(malformed)
        for reference in references:
            try:
                text = resolve(reference, rows, catalogue, quarter,
                               force_area=plan.force_area, known_areas=known_areas)
            except InputError as error:
                errors.append(error)
                continue
            line = line.replace(reference.text, text, 1)
        return line

    for section in sections:
        if not section.written:
            continue  # a heading still waiting for its text (see Scanned.unwritten)
        markdown = commentary_markdown("\n".join(substitute(line, number) for number, line in section.lines))
        by_commitment[section.commitment].append(AreaCommentary(section.area, markdown))
    _raise_all(errors)
    return Commentary(priority, quarter, by_commitment)
