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
- ``field`` (default ``value``): ``value``, ``previous_year``, ``previous_quarter``,
  ``change`` and ``change_pct`` (against the same period last year, without sign),
  ``change_previous_quarter``, ``change_pct_previous_quarter``, ``up_or_down`` and
  ``up_or_down_previous_quarter`` (``up``, ``down`` or ``unchanged``), ``target``,
  ``target_by`` (e.g. ``March 2020``) and ``period`` (e.g. ``July to September 2019``);
- ``:decimals``: decimal places, e.g. ``{{asb_incidents@Harbourside.change_pct:1}}`` (an area named Harbourside) -> ``14.5%``.

Anything malformed, unknown or missing in the data raises :class:`InputError` naming the
file and line. A priority without a commentary file gives an empty result and a warning.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.inputs.measures import Catalogue
from crimeplan.inputs.params import Plan
from crimeplan.periods import Quarter
from crimeplan.stats.compare import Change, Comparison, compare
from crimeplan.text.formatting import (
    format_percent,
    format_points,
    format_value,
    month_year,
)
from crimeplan.text.narrative import observed_period, observed_value

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
# Commentary is text: no HTML (tags, comments, autolinks) and no links that run code.
RAW_HTML = re.compile(r"<\s*(?P<tag>[A-Za-z!/?][^\s>]*)")
UNSAFE_LINK = re.compile(r"\]\(\s*<?\s*(?P<scheme>(?:javascript|vbscript|data|file)\s*:)", re.IGNORECASE)


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


def _parse_sections(path: Path, plan: Plan, priority: int) -> list[_Section]:
    commitments = [c.id for c in plan.priority(priority).commitments]
    sections: list[_Section] = []
    seen: set[tuple[str, str]] = set()
    commitment: str | None = None
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    for number, line in enumerate(lines, start=1):
        if heading := AREA_HEADING.match(line):
            area = heading["name"]
            if commitment is None:
                raise _format_error(path, number, f"area heading {area!r} comes before any '## <commitment id>'")
            if area not in plan.areas:
                raise _format_error(path, number, f"unknown area {area!r}: areas are those in params/plan.yml "
                                    f"({', '.join(plan.areas)})")
            if (commitment, area) in seen:
                raise _format_error(path, number, f"area {area!r} appears twice under {commitment}")
            seen.add((commitment, area))
            sections.append(_Section(commitment, area, [], number))
        elif heading := COMMITMENT_HEADING.match(line):
            commitment = heading["name"]
            if commitment not in commitments:
                raise _format_error(path, number, f"unknown commitment {commitment!r} for priority {priority}: "
                                    f"expected one of {', '.join(commitments)}")
            if any(s.commitment == commitment for s in sections):
                raise _format_error(path, number, f"commitment {commitment!r} appears twice")
        elif not line.strip() or (TITLE.match(line) and commitment is None):
            continue
        elif not sections or sections[-1].commitment != commitment:
            raise _format_error(path, number, "text outside an area section: put it under '### <area>' "
                                "inside a '## <commitment id>' section")
        else:
            _refuse_markup(path, number, line)
            sections[-1].lines.append((number, line))
    commitment_order = {c: i for i, c in enumerate(commitments)}
    area_order = {a: i for i, a in enumerate(plan.areas)}
    return sorted(sections, key=lambda s: (commitment_order[s.commitment], area_order[s.area]))


def _refuse_markup(path: Path, number: int, line: str) -> None:
    """Commentary reaches a published web page: refuse raw HTML and links that run code."""
    if tag := RAW_HTML.search(line):
        raise InputError(
            f"raw HTML is not allowed in commentary (found <{tag['tag']}): write Markdown text; "
            "to show a '<' sign, write it with a space after it or as 'less than'",
            file=path, line=number, value=f"<{tag['tag']}", rule="commentary_no_html",
        )
    if link := UNSAFE_LINK.search(line):
        raise InputError(
            f"a link to a {link['scheme'].rstrip(': ').lower()}: address is not allowed in commentary; "
            "link to a web page (https://...)",
            file=path, line=number, value=link["scheme"], rule="commentary_no_html",
        )


def _references_in(line: str, path: Path, number: int) -> list[Reference]:
    found = []
    for match in ANY_BRACES.finditer(line):
        reference = REFERENCE.fullmatch(match.group())
        if reference is None:
            raise _format_error(path, number, f"malformed reference {match.group()!r}: expected "
                                "{{measure[@Area][.last_year][.field][:decimals]}}")
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
            )
        )
    return found


def list_references(data_dir: Path, quarter: Quarter, plan: Plan) -> list[Reference]:
    """Every measure reference in the quarter's commentary files (for ``crimeplan check``);
    also checks each file's headings."""
    references = []
    for priority in plan.priorities:
        path = commentary_path(data_dir, quarter, priority.number)
        if path.is_file():
            for section in _parse_sections(path, plan, priority.number):
                for number, line in section.lines:
                    references.extend(_references_in(line, path, number))
    return references


def unwritten_sections(data_dir: Path, quarter: Quarter, plan: Plan) -> list[tuple[Path, int, str, str]]:
    """Area headings with no text under them yet: (file, line, commitment, area)."""
    found = []
    for priority in plan.priorities:
        path = commentary_path(data_dir, quarter, priority.number)
        if path.is_file():
            found += [(path, s.heading_line, s.commitment, s.area)
                      for s in _parse_sections(path, plan, priority.number) if not s.written]
    return found


def _require(value, reference: Reference, what: str, quarter: Quarter):
    if value is None:
        raise reference.error(f"the data has no {what} for {quarter.label}")
    return value


def _change(comparison: Comparison, which: str, reference: Reference) -> Change:
    change = getattr(comparison, which)
    label = "same period last year" if which == "previous_year" else "previous quarter"
    return _require(change, reference, f"value for the {label} of {reference.measure}", comparison.quarter)


def _size(change: Change, unit: str, decimals: int | None) -> str:
    if unit == "percent":
        return format_points(abs(change.absolute), decimals)
    return format_value(abs(change.absolute), unit, decimals)


def _percent(change: Change, reference: Reference) -> str:
    if change.zero_base:
        raise reference.error("no percentage change from a zero base")
    return format_percent(abs(change.percent), reference.decimals or 0)


def _direction_word(change: Change) -> str:
    return "unchanged" if change.direction == "no change" else change.direction


FIELDS: dict[str, Callable[[Comparison, Reference], str]] = {
    "value": lambda c, r: observed_value(c.current, c.unit, r.decimals),
    "period": lambda c, r: observed_period(c.current),
    "previous_year": lambda c, r: observed_value(_change(c, "previous_year", r).reference, c.unit, r.decimals),
    "previous_quarter": lambda c, r: observed_value(_change(c, "previous_quarter", r).reference, c.unit, r.decimals),
    "change": lambda c, r: _size(_change(c, "previous_year", r), c.unit, r.decimals),
    "change_pct": lambda c, r: _percent(_change(c, "previous_year", r), r),
    "change_previous_quarter": lambda c, r: _size(_change(c, "previous_quarter", r), c.unit, r.decimals),
    "change_pct_previous_quarter": lambda c, r: _percent(_change(c, "previous_quarter", r), r),
    "up_or_down": lambda c, r: _direction_word(_change(c, "previous_year", r)),
    "up_or_down_previous_quarter": lambda c, r: _direction_word(_change(c, "previous_quarter", r)),
    "target": lambda c, r: format_value(
        _require(c.target, r, f"target for {r.measure}", c.quarter).value, c.unit, r.decimals
    ),
    "target_by": lambda c, r: month_year(_require(c.target, r, f"target for {r.measure}", c.quarter).by),
}


def resolve(
    reference: Reference,
    measures: pd.DataFrame,
    catalogue: Catalogue,
    quarter: Quarter,
    *,
    force_area: str,
    known_areas: Iterable[str],
) -> str:
    """The formatted text a reference stands for in ``quarter``."""
    if reference.measure not in catalogue:
        raise reference.error(f"unknown measure {reference.measure!r} (not in data/catalogue.yml)")
    if reference.field not in FIELDS:
        raise reference.error(f"unknown field {reference.field!r}: expected one of {', '.join(FIELDS)}")
    area = reference.area or force_area
    if area not in set(known_areas):
        raise reference.error(f"unknown area {area!r} (not in data/reference/)")
    when = quarter.same_quarter_last_year if reference.last_year else quarter
    comparison = compare(measures, catalogue, reference.measure, area, when, force_area=force_area)
    _require(comparison.current, reference, f"value of {reference.measure} in {area}", when)
    return FIELDS[reference.field](comparison, reference)


def load_commentary(
    data_dir: Path,
    quarter: Quarter,
    priority: int,
    plan: Plan,
    measures: pd.DataFrame,
    catalogue: Catalogue,
    areas: Iterable[str],
) -> Commentary:
    """Parse and resolve ``data/commentary/<quarter>/p<priority>.md``.

    ``areas`` are the known area names (``data/reference/``) that references may use.
    Every commitment of the priority is a key of ``by_commitment`` (empty list when it
    has no commentary); a missing file gives all-empty lists and one warning.
    """
    commitments = [c.id for c in plan.priority(priority).commitments]
    by_commitment: dict[str, list[AreaCommentary]] = {c: [] for c in commitments}
    path = commentary_path(data_dir, quarter, priority)
    if not path.is_file():
        return Commentary(priority, quarter, by_commitment, [f"no commentary for priority {priority} in {quarter.label}: {path} not found"])
    known_areas = set(areas)

    def substitute(line: str, number: int) -> str:
        for reference in _references_in(line, path, number):
            text = resolve(reference, measures, catalogue, quarter, force_area=plan.force_area, known_areas=known_areas)
            line = line.replace(reference.text, text, 1)
        return line

    for section in _parse_sections(path, plan, priority):
        if not section.written:
            continue  # a heading still waiting for its text (see unwritten_sections)
        markdown = "\n".join(substitute(line, number) for number, line in section.lines)
        by_commitment[section.commitment].append(AreaCommentary(section.area, markdown))
    return Commentary(priority, quarter, by_commitment)
