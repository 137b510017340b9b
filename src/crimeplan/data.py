"""Loading the project's data: measures, catalogue and reference areas.

Layout (see README): ``data/measures/*.csv`` (concatenated), ``data/catalogue.yml``,
``data/reference/areas.csv`` and ``data/reference/forces.csv``.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from crimeplan.errors import InputError

MEASURE_COLUMNS = ["measure", "area", "period_start", "period_end", "value", "source", "note"]
REQUIRED_MEASURE_COLUMNS = ["measure", "area", "period_start", "period_end", "value"]
REFERENCE_FILES = ("areas.csv", "forces.csv")

Unit = Literal["count", "people", "hours", "minutes", "percent", "gbp"]
Kind = Literal["snapshot", "total", "rate"]
Better = Literal["higher", "lower", "neither"]


class Target(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    value: float
    by: date


class MeasureDef(BaseModel):
    """A catalogue entry: what a measure is and how to read it."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    label: str = Field(min_length=1)
    priority: int = Field(ge=1)
    commitment: str = Field(min_length=1)
    unit: Unit
    kind: Kind
    better: Better
    targets: list[Target] = Field(default_factory=list)
    source: str = Field(min_length=1)
    definition: str = Field(min_length=1)


Catalogue = dict[str, MeasureDef]


def load_catalogue(data_dir: Path) -> Catalogue:
    path = Path(data_dir) / "catalogue.yml"
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8-sig")) or {}
    except yaml.YAMLError as error:
        raise InputError(f"{path}: not valid YAML: {error}") from None
    entries = raw.get("measures") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        raise InputError(f"{path}: expected a top-level 'measures:' mapping of measure id to entry")
    catalogue: Catalogue = {}
    problems = []
    for measure_id, entry in entries.items():
        try:
            catalogue[measure_id] = MeasureDef.model_validate(entry)
        except ValidationError as error:
            for e in error.errors():
                field = ".".join(str(p) for p in e["loc"])
                problems.append(f"measure {measure_id!r} field {field!r}: {e['msg']}")
    if problems:
        raise InputError(f"{path}: " + "; ".join(problems))
    return catalogue


def measure_files(data_dir: Path) -> list[Path]:
    return sorted((Path(data_dir) / "measures").glob("*.csv"))


def load_measures(data_dir: Path) -> pd.DataFrame:
    """Every ``data/measures/*.csv`` concatenated, with typed columns and a ``file`` column."""
    files = measure_files(data_dir)
    if not files:
        raise InputError(f"{Path(data_dir) / 'measures'}: no measures CSV files found")
    frames = []
    for path in files:
        frame = pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False)
        missing = [c for c in REQUIRED_MEASURE_COLUMNS if c not in frame.columns]
        if missing:
            raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
        for optional in ("source", "note"):
            if optional not in frame.columns:
                frame[optional] = ""
        frame = frame[MEASURE_COLUMNS].copy()
        frame["file"] = str(path)
        frame["row"] = range(2, len(frame) + 2)
        frames.append(frame)
    measures = pd.concat(frames, ignore_index=True)
    measures["value"] = pd.to_numeric(measures["value"])
    for column in ("period_start", "period_end"):
        measures[column] = pd.to_datetime(measures[column], format="%Y-%m-%d").dt.date
    return measures


def load_areas(data_dir: Path) -> pd.DataFrame:
    """Reference areas (columns ``area, type, parent``) from ``data/reference/``."""
    frames = []
    for name in REFERENCE_FILES:
        path = Path(data_dir) / "reference" / name
        if path.is_file():
            frames.append(pd.read_csv(path, encoding="utf-8-sig", dtype=str, keep_default_na=False))
    if not frames:
        raise InputError(f"{Path(data_dir) / 'reference'}: no areas.csv or forces.csv found")
    return pd.concat(frames, ignore_index=True)
