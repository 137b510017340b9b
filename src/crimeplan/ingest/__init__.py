"""Public data -> ``data/measures/<source>.csv`` (the ``crimeplan ingest`` command).

Sources: ``police-uk`` (street-level crime and ASB), ``home-office-workforce`` (workforce
ODS tables), ``recorded-crime`` (police recorded crime by force and quarter),
``ons-recorded-crime`` (ONS rolling years since 2003), ``workforce-open-data`` (31 March
snapshots since 2007), ``stats19`` (road casualties by month) and ``mps-borough`` (Met
crime by borough and month). See
``docs/ingest.md`` for the measure ids each one writes.
"""

from __future__ import annotations

import time
from pathlib import Path

from crimeplan.errors import InputError
from crimeplan.ingest.common import (
    IngestReport,
    Source,
    load_reference_areas,
    validate_measures,
    write_atomically,
)
from crimeplan.ingest.mps_borough import MpsBoroughSource
from crimeplan.ingest.ons_recorded_crime import OnsRecordedCrimeSource
from crimeplan.ingest.police_uk import PoliceUkSource
from crimeplan.ingest.recorded_crime import RecordedCrimeSource
from crimeplan.ingest.stats19 import Stats19Source
from crimeplan.ingest.workforce import WorkforceSource
from crimeplan.ingest.workforce_open_data import WorkforceOpenDataSource

SOURCES: dict[str, Source] = {
    "police-uk": PoliceUkSource(),
    "home-office-workforce": WorkforceSource(),
    "recorded-crime": RecordedCrimeSource(),
    "ons-recorded-crime": OnsRecordedCrimeSource(),
    "workforce-open-data": WorkforceOpenDataSource(),
    "stats19": Stats19Source(),
    "mps-borough": MpsBoroughSource(),
}

__all__ = ["SOURCES", "IngestReport", "Source", "ingest"]


def ingest(source: str, paths: list[Path], data_dir: Path, progress: bool = True) -> IngestReport:
    """Read ``paths`` as ``source``, validate, and write ``data_dir/measures/<output>``
    (two files for a source that splits its rows).

    The files are replaced atomically and only once everything has been read and checked;
    rows are sorted and formatted so that the same input gives a byte-identical file.
    """
    if source not in SOURCES:
        raise InputError(
            f"unknown ingest source {source!r}: expected one of {', '.join(sorted(SOURCES))}"
        )
    reader = SOURCES[source]
    data_dir = Path(data_dir)
    reference_dir = data_dir / "reference"
    started = time.perf_counter()
    result = reader.read_all([Path(p) for p in paths], progress=progress,
                             reference_dir=reference_dir)
    origin = f"{source} ingest of {', '.join(str(f) for f in result.files)}"
    rows = validate_measures(result.measures, origin, load_reference_areas(reference_dir))
    files = {data_dir / "measures" / name: part for name, part in reader.split_output(rows).items()}
    write_atomically(files)
    return IngestReport(
        source=source,
        outputs=list(files),
        files=result.files,
        rows_read=result.rows_read,
        rows_written=len(rows),
        seconds=time.perf_counter() - started,
        notes=result.notes,
    )
