"""Home Office "Police workforce, England and Wales" ODS tables -> snapshot measures.

Each release has a different set and order of sheets, so tables are found by content:
a sheet whose title says "<workforce group> by police force area", whose header block
holds the snapshot dates (31 March / 30 September) and whose first column names the
forces. Regional subtotals, national totals and non-territorial bodies are skipped; the
sum of the 43 forces is checked against the table's own "Total 43 forces" row.

Releases overlap (each gives three dates) and later releases revise earlier figures:
for every force and date the value from the latest release is kept, and a revision is
noted on the row.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TypeVar
from xml.etree import ElementTree

import pandas as pd

from crimeplan.errors import InputError
from crimeplan.formatting import long_date
from crimeplan.ingest.common import (
    DEFAULT_REFERENCE_DIR,
    ForceNames,
    Source,
    SourceResult,
    csv_number,
    expand_paths,
    is_non_territorial,
    progress_bar,
)

# Subtotal rows besides the ONS regions (whose names come from data/reference/force_districts.csv).
OTHER_REGION_NAMES = frozenset({"eastern", "east", "england", "england and wales"})
NOT_AVAILABLE = {"..", ".", "*", "n/a"}
NIL = {"-", "–"}
FOOTNOTE_MARK = re.compile(r"(?<=[A-Za-z])[\d,]+$")
HEADER_ROWS = 12


@dataclass(frozen=True)
class TableKind:
    """Which measure a table gives, recognised by its title and unit."""

    measure: str
    title: re.Pattern[str]
    unit: str  # "fte" or "headcount"
    unit_may_be_unstated: bool = False

    def matches(self, title: str, unit: str | None) -> bool:
        if not self.title.search(title):
            return False
        return unit == self.unit or (unit is None and self.unit_may_be_unstated)


TABLE_KINDS = (
    TableKind("officers_fte_home_office",
              re.compile(r"police officers by police force area", re.I), "fte"),
    TableKind("officers_headcount_home_office",
              re.compile(r"police officers by police force area", re.I), "headcount"),
    TableKind("specials_headcount_home_office",
              re.compile(r"special constables by police force area", re.I), "headcount", True),
    TableKind("police_support_volunteers_home_office",
              re.compile(r"police support volunteers by police force area", re.I), "headcount",
              True),
)


def _text(value: object) -> str:
    return "" if pd.isna(value) else re.sub(r"\s+", " ", str(value)).strip()


def _as_date(value: object) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}( 00:00:00)?", text):
        return date.fromisoformat(text[:10])
    return None


def _unit(header_text: str) -> str | None:
    lowered = header_text.lower()
    if "full-time equivalent" in lowered or "(fte)" in lowered:
        return "fte"
    if "headcount" in lowered:
        return "headcount"
    return None


@dataclass
class Snapshot:
    measure: str
    force: str
    day: date
    value: float
    release: date
    file: Path


def _table_kind(sheet: pd.DataFrame) -> TableKind | None:
    header = sheet.head(HEADER_ROWS)
    title = next((_text(v) for v in header.iloc[:, 0] if _text(v)), "")
    header_text = " ".join(_text(v) for v in header.to_numpy().ravel())
    return next((kind for kind in TABLE_KINDS if kind.matches(title, _unit(header_text))), None)


def _date_columns(sheet: pd.DataFrame, label: str) -> tuple[int, dict[int, date]]:
    """Row index of the snapshot-date header and the date of each of its columns."""
    for row in range(min(HEADER_ROWS, len(sheet))):
        dates = {col: d for col, value in enumerate(sheet.iloc[row])
                 if (d := _as_date(value)) is not None}
        if dates:
            return row, dates
    raise InputError(f"{label}: no row of snapshot dates (e.g. 30 September 2019) in the header")


def _force_column(sheet: pd.DataFrame, label: str, names: ForceNames) -> int:
    counts = [sheet.iloc[:, col].map(lambda v: names.canonical(_text(v)) is not None).sum()
              for col in range(sheet.shape[1])]
    best = max(range(len(counts)), key=counts.__getitem__)
    if counts[best] == 0:
        raise InputError(f"{label}: no column of police force names found")
    return best


def _number(value: object, label: str, row: int, day: date) -> float | None:
    if isinstance(value, (int, float)) and not pd.isna(value):
        return float(value)
    text = _text(value)
    if text == "" or text.lower() in NOT_AVAILABLE:
        return None
    if text in NIL:
        return 0.0
    try:
        return float(text.replace(",", ""))
    except ValueError:
        raise InputError(
            f"{label}: row {row + 1}, column for {long_date(day)}: {text!r} is not a number"
        ) from None


def _read_table(sheet: pd.DataFrame, label: str, names: ForceNames) -> list[tuple[str, date, float | None]]:
    """(force, date, value or None if not available) for the 43 forces in one table.

    The forces' sum is checked against the table's "Total 43 forces" row.
    """
    date_row, dates = _date_columns(sheet, label)
    force_col = _force_column(sheet, label, names)
    values: list[tuple[str, date, float | None]] = []
    seen_names: set[str] = set()
    forces_found: list[str] = []
    total_row = None
    for row in range(date_row + 1, len(sheet)):
        name = FOOTNOTE_MARK.sub("", _text(sheet.iat[row, force_col]))
        numbers = {day: _number(sheet.iat[row, col], label, row, day)
                   for col, day in dates.items()}
        force = names.canonical(name)
        if not name or (force is None and all(v is None for v in numbers.values())):
            continue
        key = name.lower()
        is_region = names.is_region(name) or key in OTHER_REGION_NAMES
        region_first_time = is_region and key not in seen_names
        seen_names.add(key)
        if region_first_time or is_non_territorial(name):
            continue
        if key.startswith("total 43"):
            total_row = numbers
            continue
        if key.startswith("total"):
            continue
        if force is None:
            raise InputError(f"{label}: row {row + 1}: unknown force {name!r}")
        forces_found.append(force)
        values += [(force, day, v) for day, v in numbers.items()]
    missing = sorted(set(names.forces) - set(forces_found))
    if missing:
        raise InputError(f"{label}: no row for force(s) {', '.join(missing)}")
    repeated = sorted({f for f in forces_found if forces_found.count(f) > 1})
    if repeated:
        raise InputError(f"{label}: force(s) {', '.join(repeated)} listed more than once")
    if total_row:
        for day, total in total_row.items():
            day_values = [v for _, d, v in values if d == day]
            known = [v for v in day_values if v is not None]
            if total is not None and len(known) == len(day_values) and abs(sum(known) - total) > 0.5:
                raise InputError(
                    f"{label}: the 43 forces add up to {csv_number(sum(known))} on "
                    f"{long_date(day)} but the table's total says {csv_number(total)}"
                )
    return values


_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT_P = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}p"
_CELLS = (f"{_TABLE}table-cell", f"{_TABLE}covered-table-cell")


def _cell_value(cell: ElementTree.Element) -> object:
    kind = cell.get(f"{_OFFICE}value-type")
    if kind in ("float", "percentage", "currency"):
        return float(cell.get(f"{_OFFICE}value", ""))
    if kind == "date":
        return datetime.fromisoformat(cell.get(f"{_OFFICE}date-value", ""))
    text = "\n".join("".join(p.itertext()) for p in cell.findall(_TEXT_P))
    return text or None


Cell = TypeVar("Cell")

def _expand(runs: list[tuple[Cell, int]], empty: Cell) -> list[Cell]:
    """Repeat each (value, count) run, dropping the trailing empty runs."""
    while runs and runs[-1][0] == empty:
        runs.pop()
    return [value for value, count in runs for _ in range(count)]


def read_ods_tables(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of an ODS file as a header-less frame of cell values.

    Streams ``content.xml`` directly: about ten times faster than
    ``pandas.read_excel(engine="odf")`` on the Home Office tables, with the same values.
    """
    if path.stat().st_size == 0:
        raise InputError(f"{path}: file is empty")
    sheets: dict[str, pd.DataFrame] = {}
    try:
        with zipfile.ZipFile(path) as archive, archive.open("content.xml") as content:
            for _, element in ElementTree.iterparse(content):
                if element.tag != f"{_TABLE}table":
                    continue
                rows: list[tuple[tuple[object, ...], int]] = []
                for row in element.iter(f"{_TABLE}table-row"):
                    cells = _expand([(_cell_value(cell),
                                      int(cell.get(f"{_TABLE}number-columns-repeated", "1")))
                                     for cell in row if cell.tag in _CELLS], None)
                    rows.append((tuple(cells), int(row.get(f"{_TABLE}number-rows-repeated", "1"))))
                grid = _expand(rows, ())
                width = max((len(cells) for cells in grid), default=0)
                sheets[element.get(f"{_TABLE}name", "")] = pd.DataFrame(
                    [list(cells) + [None] * (width - len(cells)) for cells in grid])
                element.clear()
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError, TypeError) as error:
        raise InputError(f"{path}: not a readable ODS spreadsheet: {error}") from None
    return sheets


class WorkforceSource(Source):
    """Officers, Special Constables and police support volunteers for all 43 forces."""

    name = "home-office-workforce"
    output_name = "home_office_workforce.csv"

    def read_all(
        self, paths: list[Path], progress: bool = True, reference_dir: Path | None = None
    ) -> SourceResult:
        files = expand_paths(paths, ("*.ods",))
        names = ForceNames.load(reference_dir or DEFAULT_REFERENCE_DIR)
        snapshots: list[Snapshot] = []
        unavailable: list[tuple[str, str, date]] = []
        rows_read = 0
        with progress_bar(progress) as bar:
            task = bar.add_task("workforce tables", total=len(files))
            for path in files:
                found, missing, sheet_rows = self._read_file(path, names)
                snapshots += found
                unavailable += missing
                rows_read += sheet_rows
                bar.advance(task)
        result = self._latest_release(snapshots, files, rows_read)
        never_given = sorted({key for key in unavailable}
                             - {(s.measure, s.force, s.day) for s in snapshots})
        result.notes.append(
            f"{len(never_given)} figures marked not available in every release that covers "
            f"them: " + (", ".join(f"{m} {f} {d}" for m, f, d in never_given) or "none")
        )
        return result

    @staticmethod
    def _read_file(path: Path, names: ForceNames) -> tuple[list[Snapshot], list[tuple[str, str, date]], int]:
        workbook = read_ods_tables(path)
        tables = []
        for sheet_name, sheet in workbook.items():
            kind = _table_kind(sheet)
            if kind is not None:
                label = f"{path} sheet {sheet_name!r}"
                tables.append((kind, _read_table(sheet, label, names)))
        if not tables:
            raise InputError(
                f"{path}: no workforce tables found (looked for sheets titled 'Police "
                f"officers / Special constables / Police support volunteers by police "
                f"force area')"
            )
        release = max(day for _, values in tables for _, day, _ in values)
        snapshots = [Snapshot(kind.measure, force, day, value, release, path)
                     for kind, values in tables for force, day, value in values
                     if value is not None]
        unavailable = [(kind.measure, force, day) for kind, values in tables
                       for force, day, value in values if value is None]
        return snapshots, unavailable, sum(len(sheet) for sheet in workbook.values())

    @staticmethod
    def _latest_release(
        snapshots: list[Snapshot], files: list[Path], rows_read: int
    ) -> SourceResult:
        latest: dict[tuple[str, str, date], Snapshot] = {}
        earlier: dict[tuple[str, str, date], Snapshot] = {}
        for snapshot in sorted(snapshots, key=lambda s: (s.release, str(s.file))):
            key = (snapshot.measure, snapshot.force, snapshot.day)
            if key in latest:
                if latest[key].release == snapshot.release:
                    raise InputError(
                        f"{snapshot.file} and {latest[key].file}: both give {snapshot.measure} "
                        f"for {snapshot.force} on {snapshot.day} in the same release"
                    )
                earlier[key] = latest[key]
            latest[key] = snapshot
        rows, revised = [], 0
        for key, snapshot in latest.items():
            note = ""
            previous = earlier.get(key)
            if previous and csv_number(previous.value) != csv_number(snapshot.value):
                revised += 1
                note = (f"revised: the {long_date(previous.release)} release gave "
                        f"{csv_number(previous.value)}")
            source = f"Home Office police workforce tables, {long_date(snapshot.release)} release"
            rows.append((snapshot.measure, snapshot.force, snapshot.day, snapshot.day,
                         snapshot.value, source, note))
        measures = pd.DataFrame(rows, columns=[
            "measure", "area", "period_start", "period_end", "value", "source", "note"])
        notes = [
            f"{len(snapshots) - len(latest):,} figures superseded by a later release, "
            f"{revised:,} of them with a different value (noted on the row)",
            "regional subtotals, national totals, British Transport Police and central "
            "secondments skipped",
        ]
        return SourceResult(measures, files, rows_read, notes)
