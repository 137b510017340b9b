"""``crimeplan new-quarter QUARTER``: start a quarter from the one before it.

Writes three things, and refuses to overwrite any of them (the command then writes the
quarter's Quarto profile, ``_quarto-<quarter>.yml``, and makes it the default:
:func:`crimeplan.build.quarto_project.write_profiles`):

- ``params/<quarter>.yml``: the previous quarter's params with this quarter's id, data-to
  date (the quarter's last day), version 1, the month after the quarter as "produced" and
  the next release (when the previous quarter gave one) three months after the previous one;
- ``data/measures/<quarter>.csv``: one row to fill in for every measure and area the
  previous quarter reported, with this quarter's period, plus the same period last year
  where the data does not hold it yet; values are left empty (``check`` lists them);
- ``data/commentary/<quarter>/pN.md``: per priority, a heading for each commitment with
  the force-wide area under it, ready for the analysts' text.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from crimeplan.errors import InputError
from crimeplan.formatting import month_year
from crimeplan.inputs.files import read_yaml
from crimeplan.inputs.measures import MEASURE_KEY
from crimeplan.inputs.params import load_quarter
from crimeplan.inputs.schemas import MEASURE_COLUMNS, PROVENANCE_COLUMNS
from crimeplan.periods import Quarter, shift_months
from crimeplan.project import Project

TEMPLATE_COLUMNS = [*MEASURE_COLUMNS, *PROVENANCE_COLUMNS]


def new_quarter(project: Project, quarter: Quarter) -> list[Path]:
    """Write the new quarter's params, measures template and commentary stubs; return their paths."""
    from crimeplan.findings.coverage import own_measures
    from crimeplan.findings.edition import load_edition
    from crimeplan.sections.priority import PriorityReport

    params_path = project.params_dir / f"{quarter.id}.yml"
    measures_path = project.data_dir / "measures" / f"{quarter.id}.csv"
    commentary_dir = project.data_dir / "commentary" / quarter.id
    existing = [project.shown(p) for p in (params_path, measures_path, commentary_dir) if p.exists()]
    if existing:
        raise InputError(f"{quarter} has been started already ({', '.join(existing)}); nothing was written",
                         rule="new_quarter_exists")
    previous = quarter.previous
    previous_params = load_quarter(project.params_dir, previous.id)  # a clear error when it has none
    edition = load_edition(project, previous)

    raw = read_yaml(project.params_dir / f"{previous.id}.yml", root=project.root)
    raw.update(quarter=quarter.id, data_to=quarter.end, version=1,
               produced=month_year(shift_months(quarter.end, 1)))
    raw.pop("revisions", None)  # a new quarter's version 1 has no revisions yet
    if (released := previous_params.next_release_day) is not None:  # a quarter later again: the month, to check
        raw["next_release"] = shift_months(released, 3).strftime("%Y-%m")
    own = own_measures(edition.measures)
    held = set(zip(own["measure"], own["area"], own["period_start"], own["period_end"]))
    rows = []
    blank = [""] * (len(TEMPLATE_COLUMNS) - len(MEASURE_KEY))  # value, source, note, provenance: to fill in
    for report in PriorityReport.all(edition):
        for comparison in report.comparisons:
            if comparison.current is None:
                continue
            start, end = (shift_months(comparison.current.start, 3), shift_months(comparison.current.end, 3))
            periods = [(start, end), (shift_months(start, -12), shift_months(end, -12))]
            rows += [[comparison.measure, comparison.area, s.isoformat(), e.isoformat(), *blank]
                     for s, e in periods if (comparison.measure, comparison.area, s, e) not in held]
    table = io.StringIO()
    writer = csv.writer(table, lineterminator="\n")
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerows(rows)

    params_path.write_text(
        f"# {quarter.label}: started from {previous.label} by `crimeplan new-quarter`; check every line.\n"
        + yaml.safe_dump(raw, sort_keys=False, allow_unicode=True), encoding="utf-8")
    measures_path.write_text(table.getvalue(), encoding="utf-8")
    commentary_dir.mkdir(parents=True)
    written = [params_path, measures_path]
    for priority in edition.plan.priorities:
        path = commentary_dir / f"p{priority.number}.md"
        sections = "".join(f"## {c.id}\n\n### {edition.plan.force_area}\n\n" for c in priority.commitments)
        path.write_text(f"# {priority.heading}: {quarter.label}\n\n{sections}", encoding="utf-8")
        written.append(path)
    return written
