"""Shared pieces of the public-data ingests: force names, reports, validation and writing.

Every ingest produces rows of the measures contract (``measure, area, period_start,
period_end, value, source, note``) and writes them with :func:`write_measures`, which
validates first and replaces the output file atomically, so a failed ingest leaves the
previous file untouched.
"""

from __future__ import annotations

import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from crimeplan.errors import InputError
from crimeplan.inputs.measures import MEASURE_COLUMNS

DEFAULT_REFERENCE_DIR = Path("data") / "reference"
FORCES_FILE = "forces.csv"
FORCE_DISTRICTS_FILE = "force_districts.csv"
AREAS_FILE = "areas.csv"
PLAN_PATH = Path("params") / "plan.yml"

# Bodies that appear beside the 43 forces but are not territorial forces: their rows are
# counted and reported, never emitted.
NON_TERRITORIAL_BODIES: frozenset[str] = frozenset(
    {"british transport police", "action fraud", "cifas", "financial fraud action uk",
     "uk finance", "central service secondments"}
)
# Words a source may add after a force's name ("<name> Police", "<name> Constabulary").
FORCE_SUFFIXES = (" police service", " service", " constabulary", " police")


def _force_key(name: str) -> str:
    return re.sub(r"\s+", " ", str(name)).strip().lower()


def force_match_key(name: str) -> str:
    """How a force name is compared: lower case, "&" as "and", hyphens as spaces, an inverted
    "<place>, <title> of" put back in order (ONS lists "<place>, City of")."""
    key = _force_key(name).replace("&", " and ").replace("-", " ")
    inverted = re.fullmatch(r"(.+), ((?:city|county|borough) of)", key)
    if inverted:
        key = f"{inverted.group(2)} {inverted.group(1)}"
    return re.sub(r"\s+", " ", key).strip()


def canonical_spelling(name: str) -> str:
    """An official spelling as the canonical area name: "and" spelt out and an inverted
    "<place>, <title> of" put back in order ("Town, City of" -> "City of Town")."""
    text = re.sub(r"\s*&\s*", " and ", re.sub(r"\s+", " ", str(name)).strip())
    inverted = re.fullmatch(r"(.+), ((?:City|County|Borough) of)", text)
    return f"{inverted.group(2)} {inverted.group(1)}" if inverted else text


@dataclass(frozen=True)
class ForceNames:
    """The territorial forces (canonical names from ``data/reference/forces.csv``) and the
    region names of ``force_districts.csv``: what a source's spelling of a force is matched
    against. No force is named in the code."""

    forces: tuple[str, ...]
    regions: frozenset[str] = frozenset()
    _by_key: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_key", {force_match_key(name): name for name in self.forces})

    def canonical(self, name: str) -> str | None:
        """The canonical force name for a source spelling, or None if it is not a force."""
        key = force_match_key(name)
        if key in self._by_key:
            return self._by_key[key]
        for suffix in FORCE_SUFFIXES:
            if key.endswith(suffix) and key[: -len(suffix)] in self._by_key:
                return self._by_key[key[: -len(suffix)]]
        return None

    def is_region(self, name: str) -> bool:
        return _force_key(name) in self.regions

    @classmethod
    def load(cls, reference_dir: Path | None = None) -> ForceNames:
        reference_dir = Path(reference_dir or DEFAULT_REFERENCE_DIR)
        areas = read_reference_table(reference_dir / FORCES_FILE, ("area", "type"),
                                 "the reference list of forces and districts")
        forces = tuple(sorted(areas.loc[areas["type"] == "force", "area"]))
        if not forces:
            raise InputError(f"{reference_dir / FORCES_FILE}: no rows of type 'force'")
        regions: frozenset[str] = frozenset()
        districts_path = reference_dir / FORCE_DISTRICTS_FILE
        if districts_path.is_file():
            districts = read_reference_table(districts_path, ("force", "region"), "districts by force")
            regions = frozenset(_force_key(r) for r in districts["region"] if r)
        return cls(forces, regions)


def read_reference_table(path: Path, columns: Iterable[str], what: str = "") -> pd.DataFrame:
    """A reference CSV as text, refused with a plain message when absent or missing ``columns``."""
    if not Path(path).is_file():
        raise InputError(f"{path}: file not found" + (f" ({what})" if what else ""))
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    missing = [column for column in columns if column not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame


def project_force(reference_dir: Path) -> str:
    """The project's own force: ``force_area`` in ``params/plan.yml`` beside ``data/``, or,
    without a plan, the one row of type ``force`` in ``data/reference/areas.csv``."""
    reference_dir = Path(reference_dir)
    plan = reference_dir.parent.parent / PLAN_PATH
    if plan.is_file():
        from crimeplan.inputs.files import read_yaml

        raw = read_yaml(plan, root=plan.parent.parent)
        if isinstance(raw, dict) and str(raw.get("force_area") or "").strip():
            return str(raw["force_area"]).strip()
        raise InputError(f"{plan}: no force_area (the force whose data is ingested)")
    areas = read_reference_table(reference_dir / AREAS_FILE, ("area", "type"), "the project's areas")
    forces = sorted(areas.loc[areas["type"] == "force", "area"])
    if len(forces) != 1:
        raise InputError(f"{reference_dir / AREAS_FILE}: expected one area of type 'force' (the project's "
                         f"force), found {len(forces)}; or give params/plan.yml a force_area")
    return forces[0]


def is_non_territorial(name: str) -> bool:
    return _force_key(name) in NON_TERRITORIAL_BODIES


def snake(text: str) -> str:
    """``"Violence and sexual offences"`` -> ``"violence_and_sexual_offences"``."""
    return re.sub(r"[^a-z0-9]+", "_", str(text).lower()).strip("_")


@dataclass
class IngestReport:
    """What one ingest read, wrote and noticed on the way."""

    source: str
    outputs: list[Path]
    files: list[Path]
    rows_read: int
    rows_written: int
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def rows_per_second(self) -> float:
        return self.rows_read / self.seconds if self.seconds > 0 else float("inf")

    def summary(self) -> str:
        """A closing note for the command line."""
        lines = [
            f"{self.source}: read {self.rows_read:,} rows from {len(self.files)} file(s), "
            f"wrote {self.rows_written:,} measure rows to {', '.join(map(str, self.outputs))} "
            f"in {self.seconds:.1f} s ({self.rows_per_second:,.0f} rows/s)"
        ]
        lines += [f"  - {note}" for note in self.notes]
        return "\n".join(lines)

    __str__ = summary


@dataclass
class SourceResult:
    """Rows produced by a source's reader, with what it counted about its input."""

    measures: pd.DataFrame
    files: list[Path]
    rows_read: int
    notes: list[str] = field(default_factory=list)


class Source(ABC):
    """A public-data format that can be turned into measures rows.

    Subclasses set ``name`` and ``output_name`` and implement :meth:`read_all`; a source
    whose rows are too many for one file also overrides :meth:`split_output`.
    """

    name: str
    output_name: str

    def split_output(self, rows: pd.DataFrame) -> dict[str, pd.DataFrame]:
        """The validated rows by the ``data/measures/`` file that holds them."""
        return {self.output_name: rows}

    def output_names(self) -> tuple[str, ...]:
        """Every file this source writes in ``data/measures/``."""
        return (self.output_name,)

    def read(self, paths: list[Path], progress: bool = True) -> pd.DataFrame:
        """Measures rows from ``paths`` (reference data from ``data/reference``)."""
        return self.read_all(paths, progress=progress).measures

    @abstractmethod
    def read_all(
        self, paths: list[Path], progress: bool = True, reference_dir: Path | None = None
    ) -> SourceResult:
        """Measures rows plus counts and notes about the input."""


def progress_bar(enabled: bool) -> Progress:
    """A rich progress display on stderr (silent when ``enabled`` is False)."""
    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,.0f}/{task.total:,.0f}"),
        TimeElapsedColumn(),
        console=Console(stderr=True),
        disable=not enabled,
        transient=True,
    )


def expand_paths(paths: Iterable[Path], patterns: tuple[str, ...]) -> list[Path]:
    """Files given directly, plus files matching ``patterns`` inside given folders."""
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = sorted({f for pattern in patterns for f in path.rglob(pattern) if f.is_file()})
            if not found:
                raise InputError(f"{path}: folder holds no {' or '.join(patterns)} files")
            files.extend(found)
        elif path.is_file():
            files.append(path)
        else:
            raise InputError(f"{path}: file not found")
    if not files:
        raise InputError("no input files given")
    return files


def read_csv_table(source, label: str, required: Iterable[str], expected: str = "",
                   optional: Iterable[str] = ()) -> pd.DataFrame:
    """A CSV (path or file object) as text with snake_case column names, keeping ``required``
    (and those of ``optional`` it has).

    An empty, unreadable, header-only file or one missing a required column raises
    :class:`InputError` naming ``label``; ``expected`` is added to a missing-column message.
    """
    try:
        frame = pd.read_csv(source, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise InputError(f"{label}: file is empty (no header row)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise InputError(f"{label}: not a readable CSV file: {error}") from None
    frame.columns = [snake(column) for column in frame.columns]
    missing = [column for column in required if column not in frame.columns]
    if missing:
        raise InputError(f"{label}: missing column(s) {', '.join(missing)}{expected}")
    if frame.empty:
        raise InputError(f"{label}: file has a header but no data rows")
    return frame[list(required) + [column for column in optional if column in frame.columns]]


def read_files(files: list[Path], read: Callable[[Path], pd.DataFrame], description: str, progress: bool,
               period_column: str, noun: str, shown: Callable[[Any], str] = str) -> pd.DataFrame:
    """Each of ``files`` read with ``read`` under one progress bar, concatenated; a
    ``period_column`` value (a ``noun``, printed by ``shown``) two files hold is an error."""
    frames: list[pd.DataFrame] = []
    claimed: dict[object, str] = {}
    with progress_bar(progress) as bar:
        task = bar.add_task(description, total=len(files))
        for path in files:
            frame = read(path)
            claim_periods(sorted(frame[period_column].unique()), claimed, str(path), noun, shown)
            frames.append(frame)
            bar.advance(task)
    return pd.concat(frames, ignore_index=True)


def claim_periods(periods: Iterable, claimed: dict, label: str, noun: str, shown=str) -> None:
    """Record that ``label`` holds ``periods``; a period another input already holds is an error."""
    for period in periods:
        if period in claimed:
            raise InputError(f"{label}: {noun} {shown(period)} is also in {claimed[period]}; give each {noun} once")
        claimed[period] = label


def first_line(mask: pd.Series) -> int:
    """The file line (header = line 1) of the first row where ``mask`` is true."""
    return int(mask.to_numpy().nonzero()[0][0]) + 2


DAY_STYLES = ((re.compile(r"\d{4}-\d{2}-\d{2}"), "%Y-%m-%d"), (re.compile(r"\d{2}/\d{2}/\d{4}"), "%d/%m/%Y"))


def parse_days(texts: pd.Series, label: str, column: str) -> pd.Series:
    """Dates written either ISO (``2019-03-31``) or day first (``31/03/2019``), as ``date``;
    anything else, or an impossible day, is an error naming the line and column."""
    parsed = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
    for pattern, style in DAY_STYLES:
        chosen = texts.str.fullmatch(pattern.pattern)
        parsed[chosen] = pd.to_datetime(texts[chosen], format=style, errors="coerce")
    if parsed.isna().any():
        bad = parsed.isna()
        raise InputError(f"{label}: line {first_line(bad)}, column {column}: {texts[bad].iloc[0]!r} is not a "
                         "date (expected YYYY-MM-DD or DD/MM/YYYY)")
    return parsed.dt.date


def whole_numbers(texts: pd.Series, label: str, column: str) -> pd.Series:
    """Counts as integers (thousands commas allowed); anything else is an error naming the line."""
    counts = pd.to_numeric(texts.str.replace(",", "").str.strip(), errors="coerce")
    bad = counts.isna() | (counts % 1 != 0)
    if bad.any():
        raise InputError(f"{label}: line {first_line(bad)}, column {column}: {texts[bad].iloc[0]!r} is not a "
                         "whole number")
    return counts.astype(int)


def month_bounds(month: str) -> tuple[date, date]:
    """First and last day of ``YYYY-MM``."""
    start = date.fromisoformat(f"{month}-01")
    end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
    return start, end


def load_reference_areas(reference_dir: Path) -> set[str]:
    """The areas an ingest may write: ``forces.csv`` (the forces and the project's districts)
    and, where present, every force's districts in ``force_districts.csv``."""
    path = Path(reference_dir) / FORCES_FILE
    if not path.is_file():
        raise InputError(f"{path}: file not found (the reference list of forces and districts)")
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    if "area" not in frame.columns:
        raise InputError(f"{path}: missing column 'area'")
    from crimeplan.ingest.reference import every_district  # imports this module

    return set(frame["area"]) | every_district(reference_dir)


def csv_number(value: float) -> str:
    """A figure as a measures CSV cell holds it: whole numbers without a decimal point, others
    rounded to 2 places."""
    rounded = round(float(value), 2)
    if rounded.is_integer():
        return str(int(rounded))
    return repr(rounded)


def validate_measures(frame: pd.DataFrame, origin: str, known_areas: set[str]) -> pd.DataFrame:
    """Check rows against the measures contract; return them sorted and formatted."""
    missing = [c for c in MEASURE_COLUMNS if c not in frame.columns]
    if missing:
        raise InputError(f"{origin}: produced rows lack column(s) {', '.join(missing)}")
    if frame.empty:
        raise InputError(f"{origin}: no measure rows produced")
    rows = frame[MEASURE_COLUMNS].copy()
    if rows["value"].isna().any():
        bad = rows[rows["value"].isna()].iloc[0]
        raise InputError(f"{origin}: measure {bad['measure']} for {bad['area']} has no value")
    unknown = sorted(set(rows["area"]) - known_areas)
    if unknown:
        raise InputError(
            f"{origin}: area(s) {', '.join(unknown)} not listed in data/reference/forces.csv or force_districts.csv"
        )
    if (rows["period_start"] > rows["period_end"]).any():
        raise InputError(f"{origin}: a period starts after it ends")
    key = ["measure", "area", "period_start", "period_end"]
    duplicated = rows[rows.duplicated(key, keep=False)]
    if not duplicated.empty:
        first = duplicated.iloc[0]
        raise InputError(
            f"{origin}: measure {first['measure']} for {first['area']} from "
            f"{first['period_start']} appears more than once"
        )
    rows = rows.sort_values(key, kind="stable").reset_index(drop=True)
    rows["value"] = rows["value"].map(csv_number)
    for column in ("period_start", "period_end"):
        rows[column] = rows[column].map(lambda d: d.isoformat())
    rows[["source", "note"]] = rows[["source", "note"]].fillna("")
    return rows


def current_umask() -> int:
    """The process's file-creation mask (reading it means setting it, so it is set back)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_atomically(files: dict[Path, pd.DataFrame]) -> None:
    """Write each frame's CSV text to a temporary file beside its path and, once all are
    written, swap them in: a failure while writing leaves every file as it was."""
    temporaries: dict[Path, str] = {}
    umask = current_umask()
    try:
        for output, rows in files.items():
            output.parent.mkdir(parents=True, exist_ok=True)
            handle, temporaries[output] = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
            os.chmod(handle, 0o666 & ~umask)  # as open() would make it, not mkstemp's owner-only
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
                stream.write(rows.to_csv(index=False, lineterminator="\n"))
        for output, temporary in temporaries.items():
            os.replace(temporary, output)
    except BaseException:
        for temporary in temporaries.values():
            Path(temporary).unlink(missing_ok=True)
        raise
