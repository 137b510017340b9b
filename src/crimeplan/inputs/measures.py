"""Loading the project's data: measures, catalogue and reference areas.

Layout (see README): ``data/measures/*.csv`` (concatenated), ``data/catalogue.yml``,
``data/reference/areas.csv`` and ``data/reference/forces.csv``.

Each ``read_*`` function returns what it could load together with every
:class:`~crimeplan.inputs.schemas.Problem` it found; ``crimeplan check`` lists those. Each
``load_*`` function returns the data only when there are no errors and otherwise raises
one :class:`InputError` listing them all (notebooks use these).

CSV files must be UTF-8; a UTF-8 byte-order mark (as Excel writes for "CSV UTF-8") is
fine. A file in another encoding (Excel's plain "CSV" is Windows-1252) is reported as
an error naming the line and the byte, rather than guessed at: a wrong guess would
silently change area names and notes. Row numbers count the header as row 1, like a
spreadsheet, so "row 5" is the fifth line of a one-line-per-row file.
"""

from __future__ import annotations

import csv
import io
import json
import pickle
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import ClassVar, Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import ErrorDetails

from crimeplan.errors import InputError, Problem
from crimeplan.inputs.cache import content_hash, environment_digest, kept
from crimeplan.inputs.files import load_yaml, present, read_bytes, read_text, read_yaml
from crimeplan.inputs.schemas import (
    AREA_COLUMNS,
    MEASURE_COLUMNS,
    MEASURE_ID_PATTERN,
    PROVENANCE_COLUMNS,
    PUBLISHED,
    areas_columns_schema,
    areas_schema,
    column_problems,
    measures_columns_schema,
    measures_text_schema,
    measures_values_schema,
    normal_qualifier,
    parsed_dates,
    parsed_numbers,
    row_problems,
    shown_as_typed,
)

REFERENCE_FILES = ("areas.csv", "forces.csv")
MEASURE_KEY = ["measure", "area", "period_start", "period_end"]
THOUSANDS_PART = re.compile(r"\d{3}(\.\d+)?")  # what follows a thousands comma: 27,800 -> "800"
# Measures files remembered with their checks (by content; a project has about ten).
CHECKED_FILES_REMEMBERED = 64
# In the cache folder: the newest checked files up to this size (the shipped project's are 7 MB).
CHECKED_FILES_KEPT_BYTES = 64 * 1024 * 1024

SHORT_LABEL_LENGTH = 40  # characters: a scorecard cell at 390 px on two lines


class Unit(StrEnum):
    """What a measure's figures are: counts of events or of people, time, a percentage, money."""

    COUNT = "count"
    PEOPLE = "people"
    HOURS = "hours"
    MINUTES = "minutes"
    PERCENT = "percent"
    GBP = "gbp"


class Kind(StrEnum):
    """How a figure covers its period: a level on one day, a total over it, or an average or rate."""

    SNAPSHOT = "snapshot"
    TOTAL = "total"
    RATE = "rate"


class Better(StrEnum):
    """Which direction of change the plan wants."""

    HIGHER = "higher"
    LOWER = "lower"
    NEITHER = "neither"


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float
    by: date


class PlausibleChange(BaseModel):
    """How far a figure may move against last year or the previous quarter before ``check``
    asks whether it was typed right (a warning, never a stop)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    rise: float = Field(default=3, gt=1, description="largest plausible ratio to the earlier figure (x3)")
    fall: float = Field(default=70, gt=0, lt=100, description="largest plausible fall, in % of the earlier figure")


class MeasureDef(BaseModel):
    """A catalogue entry: what a measure is and how to read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = Field(min_length=1)
    short_label: str | None = Field(default=None, min_length=1, max_length=SHORT_LABEL_LENGTH,
                                    description="the label in a few words, for the scorecard (else `label`)")
    priority: int = Field(ge=1)
    commitment: str = Field(min_length=1)
    unit: Unit
    kind: Kind
    better: Better
    targets: list[Target] = Field(default_factory=list)
    source: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    change_decimals: int = Field(default=0, ge=0, le=2, description="decimals of % changes, as published")
    headline: bool = Field(default=False, description="shown in the summary's scorecard for its priority")
    variation: Literal["poisson", "proportion"] | None = Field(
        default=None, description="poisson: events close to independent (tested as Poisson even without history); "
                                  "proportion: outcomes of other events, tested only as a share of `denominator`")
    denominator: str | None = Field(default=None, description="the measure id of the events this one is a share of")
    plausible_change: PlausibleChange = Field(default_factory=PlausibleChange)
    at_most: str | None = Field(default=None, description="a measure id whose figure this one cannot exceed "
                                "(its total) for the same area and period")
    joins: list[str] = Field(default_factory=list, description="headcounts (snapshot measure ids) the people "
                             "this total counts join, such as new recruits")
    leaves: list[str] = Field(default_factory=list, description="headcounts (snapshot measure ids) the people "
                              "this total counts leave")

    @property
    def short(self) -> str:
        """The short label, or the label when the catalogue gives none."""
        return self.short_label or self.label


Catalogue = dict[str, MeasureDef]
REQUIRED_CATALOGUE_FIELDS = [name for name, info in MeasureDef.model_fields.items() if info.is_required()]


def display_path(path: Path, data_dir: Path) -> str:
    """``path`` as the user knows it: relative to the project root (``data/...``)."""
    try:
        return str(Path(path).relative_to(Path(data_dir).parent))
    except ValueError:
        return str(path)


# --- CSV files -------------------------------------------------------------------------------


def read_csv_text(path: Path, shown_as: str, root: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A CSV of the project at ``root`` as stripped text cells plus its spreadsheet ``row``
    numbers, or the reasons it can't be read."""
    try:
        raw = read_bytes(path, root=root, kind="csv", shown=shown_as)
    except InputError as error:
        return None, error.problems()
    return csv_text(raw, shown_as)


def csv_text(raw: bytes, shown_as: str) -> tuple[pd.DataFrame | None, list[Problem]]:
    """The bytes of a CSV file as :func:`read_csv_text` gives them."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return None, [_encoding_problem(raw, error, shown_as)]
    try:
        records = list(csv.reader(io.StringIO(text)))
    except csv.Error as error:
        return None, [Problem("error", f"not a readable CSV file: {error}", file=shown_as, rule="csv")]
    if not records or not any(records[0]):
        return None, [Problem("error", "the file is empty: it needs a header row", file=shown_as, location="row 1", rule="header")]
    if semicolons := _semicolon_problem(records[0], shown_as):
        return None, [semicolons]
    header = [name.strip() for name in records[0]]
    problems = [
        Problem("error", f"column {name!r} appears more than once in the header", file=shown_as,
                location="row 1 (header)", column=name, rule="unique_column")
        for name in sorted({n for n in header if header.count(n) > 1})
    ]
    if problems:
        return None, problems
    rows, numbers = [], []
    for number, record in enumerate(records[1:], start=2):
        if not any(cell.strip() for cell in record):
            continue
        if len(record) != len(header):
            problems.append(_field_count_problem(record, len(header), shown_as, number))
            continue
        rows.append([cell.strip() for cell in record])
        numbers.append(number)
    frame = pd.DataFrame(rows, columns=header, dtype="str") if rows else pd.DataFrame(columns=header, dtype="str")
    return frame.assign(row=numbers), problems


def _field_count_problem(record: list[str], expected: int, shown_as: str, number: int) -> Problem:
    """A row longer or shorter than the header: its cells would land in the wrong columns."""
    cells = [cell.strip() for cell in record]
    split = next((f"{a},{b}" for a, b in zip(cells, cells[1:]) if THOUSANDS_PART.fullmatch(b)
                  and re.fullmatch(r"-?\d{1,3}", a)), None)
    if split is not None:
        why = (f"'{split}' reads as two values: write the number without its comma ({split.replace(',', '')}) "
               "or put it in quotes")
    elif len(record) > expected:
        why = "a comma inside a value that is not in quotes?"
    else:
        why = "every row needs a cell for each column, empty ones too: end the row with commas for empty source and note"
    return Problem(
        "error", f"the row has {len(record)} fields but the header has {expected} ({why}); the row was not read",
        file=shown_as, location=f"row {number}", value=",".join(record), rule="field_count",
    )


def _semicolon_problem(header: list[str], shown_as: str) -> Problem | None:
    """A file saved with semicolons between values (a spreadsheet set to a European locale)."""
    if len(header) != 1 or ";" not in header[0]:
        return None
    return Problem(
        "error", "this file uses semicolons (;) between values, not commas: save it as 'CSV UTF-8 (comma "
        "delimited)' or replace the semicolons with commas", file=shown_as, location="row 1 (header)",
        value=header[0], rule="comma_separated",
    )


def _encoding_problem(raw: bytes, error: UnicodeDecodeError, shown_as: str) -> Problem:
    line = raw[: error.start].count(b"\n") + 1
    bad = raw[error.start : error.start + 1]
    as_windows = bad.decode("cp1252", errors="replace")
    return Problem(
        "error",
        f"the file is not UTF-8: byte 0x{bad.hex()} ({as_windows!r} in Windows-1252) at byte {error.start}; "
        "save it as UTF-8 (in Excel: 'CSV UTF-8')",
        file=shown_as, location=f"line {line}", value=f"0x{bad.hex()}", rule="utf8",
    )


# --- measures --------------------------------------------------------------------------------


def measure_files(data_dir: Path) -> list[Path]:
    return sorted((Path(data_dir) / "measures").glob("*.csv"))


def _read_with_header(path: Path, shown_as: str, header_schema, columns: list[str], root: Path,
                      ) -> tuple[pd.DataFrame | None, list[Problem]]:
    """A CSV as text with its header checked: the frame (``columns`` + ``row``) or ``None``
    when it cannot be read or its header is unusable, and the problems found."""
    frame, problems = read_csv_text(path, shown_as, root)
    return _with_header(frame, problems, shown_as, header_schema, columns)


def _with_header(frame: pd.DataFrame | None, problems: list[Problem], shown_as: str, header_schema,
                 columns: list[str]) -> tuple[pd.DataFrame | None, list[Problem]]:
    if frame is None:
        return None, problems
    header_problems, readable = column_problems(header_schema, frame.drop(columns="row"), shown_as)
    problems = problems + header_problems
    if not readable:
        return None, problems
    return frame.reindex(columns=[*columns, "row"], fill_value=""), problems


def read_measures(
    data_dir: Path, units: Mapping[str, str | None] | None = None, area_names: set[str] | None = None
) -> tuple[pd.DataFrame, list[Problem]]:
    """Every ``data/measures/*.csv`` read and validated; returns the typed rows and all problems.

    Without ``units`` (every catalogue id with its unit, ``None`` when the entry itself is
    invalid) and ``area_names`` only the rows themselves are checked (formats, period
    order, conflicting rows); with them, ids, areas, signs and ranges are too.
    Exact repeats of a row (same measure, area, period and value) are warnings and dropped.
    """
    measures_dir = Path(data_dir) / "measures"
    files = measure_files(data_dir)
    if not files:
        problem = Problem("error", "no measures CSV files found (expected data/measures/*.csv)",
                          file=display_path(measures_dir, data_dir), rule="measures_present")
        return _typed_measures(_empty_measures()), [problem]
    units_key = None if units is None else tuple(sorted(units.items()))
    areas_key = None if area_names is None else frozenset(area_names)
    checked = []
    for path in files:
        shown_as = display_path(path, data_dir)
        try:
            raw = read_bytes(path, root=Path(data_dir).parent, kind="csv", shown=shown_as)
        except InputError as error:
            checked.append(_CheckedFile(read=tuple(error.problems())))
            continue
        checked.append(_checked_file(raw, shown_as, units_key, areas_key).at(path))
    # Problems in the order of the checks, each check's in file order.
    problems = [problem for phase in _CheckedFile.PHASES for file in checked for problem in getattr(file, phase)]
    read = [(file.typed, file.shown) for file in checked if file.typed is not None and file.shown is not None]
    typed = pd.concat([rows for rows, _ in read], ignore_index=True) if read else _typed_measures(_empty_measures())
    shown = pd.concat([rows for _, rows in read], ignore_index=True) if read else _empty_measures()
    duplicate_problems, repeats = _duplicates(typed, shown)
    problems += duplicate_problems
    measures = typed.drop(index=repeats)
    measures["period_start"] = measures["period_start"].dt.date
    measures["period_end"] = measures["period_end"].dt.date
    return measures.reset_index(drop=True), problems


@dataclass(frozen=True)
class _CheckedFile:
    """One measures file's rows, typed (``None`` when it cannot be read), their ``file`` (its
    path in the project) and ``value`` as typed, for :func:`_duplicates`, and its problems,
    one tuple per check."""

    PHASES: ClassVar = ("read", "unfilled", "text", "sources", "values")
    typed: pd.DataFrame | None = None
    shown: pd.DataFrame | None = None
    read: tuple[Problem, ...] = ()
    unfilled: tuple[Problem, ...] = ()
    text: tuple[Problem, ...] = ()
    sources: tuple[Problem, ...] = ()
    values: tuple[Problem, ...] = ()

    def at(self, path: Path) -> _CheckedFile:
        """These rows as read from ``path`` (their ``file``)."""
        return self if self.typed is None else replace(self, typed=self.typed.assign(file=str(path)))


@lru_cache(maxsize=CHECKED_FILES_REMEMBERED)
def _checked_file(raw: bytes, shown_as: str, units_key: tuple | None,
                  areas_key: frozenset[str] | None) -> _CheckedFile:
    """One measures file's rows read and checked on their own (``file`` left to
    :meth:`_CheckedFile.at`). Remembered by content, in this process and in the user's
    cache folder between commands, so that a project read again, or a copy of it, with one
    file changed checks only that file again (the national series are checked once)."""
    key = content_hash(environment_digest(), raw, shown_as, json.dumps(units_key),
                       json.dumps(None if areas_key is None else sorted(areas_key)))
    return kept(f"checked/{key}.pickle", lambda: _check_file(raw, shown_as, units_key, areas_key),
                dump=pickle.dumps, load=pickle.loads, keep_bytes=CHECKED_FILES_KEPT_BYTES)


def _check_file(raw: bytes, shown_as: str, units_key: tuple | None,
                areas_key: frozenset[str] | None) -> _CheckedFile:
    """Read and check one measures file's rows on their own (see :func:`_checked_file`)."""
    frame, read = _with_header(*csv_text(raw, shown_as), shown_as, measures_columns_schema(),
                               [*MEASURE_COLUMNS, *PROVENANCE_COLUMNS])
    if frame is None:
        return _CheckedFile(read=tuple(read))
    if frame.empty and not read:
        read.append(Problem("warning", "the file has a header but no rows", file=shown_as, rule="rows_present"))
    blank = frame["value"] == ""
    unfilled = [
        Problem("warning", f"no value yet for {row.measure!r}, {row.area}, {row.period_start} to {row.period_end}: "
                "fill in the figure or delete the row (until then it is left out)", file=shown_as,
                location=f"row {row.row}", column="value", rule="value_filled")
        for row in frame[blank].itertuples()
    ]
    text = frame[~blank].reset_index(drop=True)
    shown = text.assign(file=shown_as)
    sources = [problem for row in shown.drop_duplicates("source").itertuples()
               for problem in shown_as_typed(row.source, file=shown_as, location=f"row {row.row}", column="source")]
    typed = _typed_measures(text)
    units = None if units_key is None else dict(units_key)
    suggest_from = {"measure": sorted(units or ()), "area": sorted(areas_key or ())}
    return _CheckedFile(
        typed, shown[["file", "value"]], tuple(read), tuple(unfilled), tuple(row_problems(measures_text_schema(), text, shown)),
        tuple(sources), tuple(row_problems(measures_values_schema(units, areas_key), typed, shown, units, suggest_from)),
    )


def _empty_measures() -> pd.DataFrame:
    return pd.DataFrame(columns=[*MEASURE_COLUMNS, *PROVENANCE_COLUMNS, "row", "file"], dtype="str")


def _typed_measures(text: pd.DataFrame) -> pd.DataFrame:
    """Dates as ``datetime64`` and values as floats; cells that don't parse become NaT/NaN;
    an empty status is ``published``, ``period_assumed`` a bool and a qualifier lower case."""
    return text.assign(
        status=text["status"].str.lower().replace("", PUBLISHED),
        period_assumed=text["period_assumed"].str.lower() == "yes",
        qualifier=normal_qualifier(text["qualifier"]),
        period_start=parsed_dates(text["period_start"]),
        period_end=parsed_dates(text["period_end"]),
        value=parsed_numbers(text["value"]),
        row=text["row"].astype(int),
    )


def _duplicates(typed: pd.DataFrame, shown: pd.DataFrame) -> tuple[list[Problem], pd.Index]:
    """Rows for the same measure, area and period: a conflict (error) or a repeat (warning);
    ``shown`` holds each row's ``file`` and ``value`` as the analyst knows them.

    Each later row is compared with the first row for its key; returns the problems and
    the index of the exact repeats, which are dropped.
    """
    complete = typed.dropna(subset=[*MEASURE_KEY, "value"])
    repeated = complete[complete.duplicated(MEASURE_KEY, keep=False)]
    if repeated.empty:
        return [], pd.Index([])
    first = repeated.groupby(MEASURE_KEY, sort=False).head(1)
    later = repeated.drop(index=first.index)
    pairs = later.reset_index().merge(
        first[[*MEASURE_KEY, "value", "row"]].assign(first_file=shown.loc[first.index, "file"]),
        on=MEASURE_KEY, suffixes=("", "_first"),
    )
    problems, repeats = [], []
    for pair in pairs.itertuples():
        file = shown.at[pair.index, "file"]
        where = f"row {pair.row_first}" if pair.first_file == file else f"{pair.first_file} row {pair.row_first}"
        what = (f"measure {pair.measure!r}, area {pair.area!r}, period {pair.period_start:%Y-%m-%d} "
                f"to {pair.period_end:%Y-%m-%d}")
        value = shown.at[pair.index, "value"]
        if pair.value == pair.value_first:
            repeats.append(pair.index)
            problems.append(Problem(
                "warning", f"repeats {where} exactly ({what}, value {value}); the repeat is ignored",
                file=file, location=f"row {pair.row}", column="value", value=value, rule="duplicate_row",
            ))
        else:
            problems.append(Problem(
                "error", f"{what} has value {value} here but {_as_typed(pair.value_first)} in {where}: "
                "one measure, area and period must have one value",
                file=file, location=f"row {pair.row}", column="value", value=value, rule="conflicting_rows",
            ))
    return problems, pd.Index(repeats)


def _as_typed(value: float) -> str:
    """A parsed value as an analyst would have typed it (``515``, ``1234567.5``)."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))


# --- catalogue -------------------------------------------------------------------------------


def read_catalogue(data_dir: Path) -> tuple[Catalogue, set[str], list[Problem]]:
    """``data/catalogue.yml``: the valid entries, every declared id (valid or not) and the problems."""
    path = Path(data_dir) / "catalogue.yml"
    shown_as = display_path(path, data_dir)
    if not present(path):
        return {}, set(), [Problem("error", "file not found", file=shown_as, rule="catalogue_present")]
    try:
        root, raw = load_yaml(read_text(path, root=Path(data_dir).parent, kind="yaml", shown=shown_as), shown_as)
    except InputError as error:
        return {}, set(), error.problems()
    raw = raw or {}
    entries = raw.get("measures") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        return {}, set(), [Problem("error", "expected a top-level 'measures:' mapping of measure id to entry",
                                   file=shown_as, rule="catalogue_shape")]
    assert root is not None  # the mapping above came from this node tree
    entry_nodes = next(value for key, value in root.value if key.value == "measures").value
    problems: list[Problem] = []
    entries = {str(measure_id): entry for measure_id, entry in entries.items()}
    catalogue: Catalogue = {}
    for key_node, entry_node in entry_nodes:
        measure_id = key_node.value
        where = f"line {key_node.start_mark.line + 1}, measure {measure_id!r}"
        if not re.match(MEASURE_ID_PATTERN, measure_id):
            problems.append(Problem("error", f"{measure_id!r} is not a measure id: use lower-case snake_case",
                                    file=shown_as, location=where, value=str(measure_id), rule="measure_id"))
        entry = entries.get(measure_id)
        try:
            catalogue[measure_id] = MeasureDef.model_validate(entry)
        except ValidationError as error:
            field_lines = _field_lines(entry_node)
            failures = error.errors()
            missing = [".".join(map(str, f["loc"])) for f in failures if f["type"] == "missing"]
            if missing:
                problems.append(_missing_fields_problem(missing, where, shown_as))
            problems += [
                _catalogue_problem(failure, measure_id, where, field_lines, shown_as)
                for failure in failures if failure["type"] != "missing"
            ]
    problems += [
        Problem("error", f"denominator {entry.denominator!r} is not a measure in the catalogue",
                file=shown_as, location=f"measure {measure_id!r}", column="denominator", value=entry.denominator,
                rule="known_denominator")
        for measure_id, entry in catalogue.items() if entry.denominator and entry.denominator not in entries
    ]
    problems += [
        Problem("error", f"{column} names {headcount!r}, which is not a headcount (a snapshot measure) in the "
                "catalogue", file=shown_as, location=f"measure {measure_id!r}", column=column, value=headcount,
                rule="known_headcount")
        for measure_id, entry in catalogue.items() for column in ("joins", "leaves")
        for headcount in getattr(entry, column)
        if headcount not in catalogue or catalogue[headcount].kind != Kind.SNAPSHOT
    ]
    return catalogue, set(entries), problems




def _field_lines(entry_node: yaml.Node) -> dict[str, int]:
    if not isinstance(entry_node, yaml.MappingNode):
        return {}
    return {key.value: key.start_mark.line + 1 for key, _ in entry_node.value}


def _missing_fields_problem(missing: list[str], where: str, shown_as: str) -> Problem:
    required = f"(required: {', '.join(REQUIRED_CATALOGUE_FIELDS)})"
    if len(missing) == 1:
        return Problem("error", f"required field {missing[0]!r} is missing {required}", file=shown_as,
                       location=where, column=missing[0], rule="catalogue_missing")
    names = ", ".join(repr(name) for name in missing)
    return Problem("error", f"required fields {names} are missing {required}", file=shown_as, location=where,
                   rule="catalogue_missing")


def _catalogue_problem(failure: ErrorDetails, measure_id: str, where: str, field_lines: dict[str, int], shown_as: str) -> Problem:
    field = ".".join(str(part) for part in failure["loc"])
    top_field = str(failure["loc"][0]) if failure["loc"] else ""
    location = f"line {field_lines[top_field]}, measure {measure_id!r}" if top_field in field_lines else where
    if failure["type"] == "extra_forbidden":
        message = f"{field!r} is not a catalogue field (fields: {', '.join(MeasureDef.model_fields)})"
    elif failure["type"] == "model_type":
        message = "the entry must be a mapping of field: value"
    else:
        message = f"field {field!r}: {failure['msg']} (got {failure['input']!r})"
    value = None if failure["type"] == "model_type" else str(failure.get("input"))
    kind = "literal_error" if failure["type"] == "enum" else failure["type"]  # one rule for "not an allowed value"
    return Problem("error", message, file=shown_as, location=location, column=field or None, value=value,
                   rule=f"catalogue_{kind}")


# --- reference areas -------------------------------------------------------------------------


def read_areas(data_dir: Path) -> tuple[pd.DataFrame, list[Problem]]:
    """Reference areas (columns ``area, type, parent``) from ``data/reference/``, and their problems.

    An area listed identically in both files counts once; listed differently, it is an error.
    """
    reference_dir = Path(data_dir) / "reference"
    problems: list[Problem] = []
    frames = []
    for name in REFERENCE_FILES:
        path = reference_dir / name
        if not path.is_file():
            continue
        shown_as = display_path(path, data_dir)
        frame, read_problems = _read_with_header(path, shown_as, areas_columns_schema(), AREA_COLUMNS,
                                                 Path(data_dir).parent)
        problems += read_problems
        if frame is not None:
            frames.append(frame.assign(file=shown_as))
    if not frames and not problems:
        problems.append(Problem("error", "no areas.csv or forces.csv found", file=display_path(reference_dir, data_dir),
                                rule="reference_present"))
    if not frames:
        return pd.DataFrame(columns=AREA_COLUMNS, dtype="str"), problems
    listed = pd.concat(frames, ignore_index=True)
    areas = listed.drop_duplicates(AREA_COLUMNS)
    problems += row_problems(areas_schema(), areas, areas)
    problems += [problem for row in areas.itertuples() for column in ("area", "parent")
                 for problem in shown_as_typed(getattr(row, column), file=row.file, location=f"row {row.row}",
                                               column=column)]
    problems += _conflicting_areas(areas)
    return areas[AREA_COLUMNS].drop_duplicates("area").reset_index(drop=True), problems


def _conflicting_areas(areas: pd.DataFrame) -> list[Problem]:
    clashes = areas[areas.duplicated("area", keep=False)]
    problems = []
    for name, group in clashes.groupby("area", sort=False):
        first, *others = group.itertuples()
        for other in others:
            problems.append(Problem(
                "error", f"area {name!r} is listed as ({other.type}, parent {other.parent!r}) here but as "
                f"({first.type}, parent {first.parent!r}) in {first.file} row {first.row}",
                file=other.file, location=f"row {other.row}", column="area", value=name, rule="unique_area",
            ))
    return problems


# --- comparison group ----------------------------------------------------------------------

COMPARISON_GROUPS_FILE = Path("reference") / "comparison_groups.yml"


class ComparisonGroup(BaseModel):
    """A named, factual group of forces (e.g. a region's) the force is compared with."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    forces: list[str] = Field(min_length=2)


def load_comparison_group(data_dir: str | Path, force_area: str, areas: pd.DataFrame) -> ComparisonGroup:
    """The first group in ``comparison_groups.yml`` that includes ``force_area``.

    ``areas`` are the reference areas (:func:`read_areas`). Raises :class:`InputError`
    naming the file, group and value when the file is malformed, lists a name that is
    not a force in ``data/reference/``, or no group includes the force.
    """
    path = Path(data_dir) / COMPARISON_GROUPS_FILE
    if not present(path):
        raise InputError(f"file not found (it names the forces {force_area} is compared with)", file=path,
                         rule="file_present")
    raw = read_yaml(path, root=Path(data_dir).parent)
    entries = raw.get("groups") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise InputError("expected a top-level 'groups:' list of groups", file=path, rule="groups_shape")
    forces = set(areas.loc[areas["type"] == "force", "area"])
    groups = []
    for number, entry in enumerate(entries, start=1):
        try:
            group = ComparisonGroup.model_validate(entry)
        except ValidationError as error:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or '(group)'}: {e['msg']}" for e in error.errors())
            raise InputError(f"group {number}: {problems}", file=path, rule="comparison_group") from None
        unknown = [name for name in group.forces if name not in forces]
        if unknown:
            raise InputError(f"group {group.name!r}, forces: {', '.join(map(repr, unknown))} "
                             "is not a force listed in data/reference/", file=path, column="forces",
                             value=", ".join(unknown), rule="known_force")
        groups.append(group)
    for group in groups:
        if force_area in group.forces:
            return group
    raise InputError(f"no group includes {force_area!r}", file=path, value=force_area, rule="force_in_group")
