"""Validation rules for the project's tables, as pandera schemas, and the problems they report.

Rows are validated as text first (is this a date, a number, a measure id?), then as typed
values against each other and against the catalogue and reference areas. Validation is
lazy: every failing cell is collected and turned into a :class:`Problem` naming the file,
the row, the column, the bad value and the rule it breaks.

pandera is imported when a schema is first built, so code that works from an edition
already loaded (a notebook kernel primed by the render) never pays for importing it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import wraps
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crimeplan.errors import Problem
from crimeplan.markup import markup_found

if TYPE_CHECKING:
    import pandera.pandas as pa

MEASURE_COLUMNS = ["measure", "area", "period_start", "period_end", "value", "source", "note"]
# How a figure came about (optional; ingested files leave them out): ``status`` is one of
# STATUSES (empty = published), ``period_assumed`` is ``yes`` when the source gave no period,
# ``qualifier`` holds the words the source put before a figure it gave only as a bound or
# roughly ("more than" for "more than 200"; one of QUALIFIERS, empty = an exact figure).
PROVENANCE_COLUMNS = ["status", "period_assumed", "qualifier"]
OPTIONAL_MEASURE_COLUMNS = ("source", "note", *PROVENANCE_COLUMNS)
PUBLISHED = "published"
STATUSES = (PUBLISHED, "derived", "estimated", "provisional")
PERIOD_ASSUMED_VALUES = ("", "yes", "no")
QUALIFIERS = ("more than", "over", "at least", "fewer than", "less than", "under", "up to", "about",
              "approximately", "around", "nearly", "almost")
AREA_COLUMNS = ["area", "type", "parent"]
NON_NEGATIVE_UNITS = frozenset({"count", "people", "hours", "minutes", "gbp"})
MEASURE_ID_PATTERN = r"^[a-z][a-z0-9_]*$"
DATE_FORMAT = "%Y-%m-%d"
# Rows breaking a rule the same way are one problem listing their rows; a file with more
# distinct bad values than this for one rule (a whole column of dates in the wrong format,
# say) lists this many and then one problem naming the remaining rows.
MAX_LISTED_PER_RULE = 50


def shown_as_typed(value: object, **where: str | None) -> list[Problem]:
    """A warning (at ``where``: file, location, column) when a text value holds Markdown or
    Typst syntax, which the update shows as typed rather than as formatting; else none."""
    found = markup_found(value)
    if found is None:
        return []
    return [Problem("warning", f"this text holds {found}; the update shows it as typed, not as formatting",
                    value=str(value), rule="text_shown_as_typed", **where)]


@dataclass(frozen=True)
class Rule:
    """A row rule: the column it is reported against and a message template.

    The template is formatted with the row's raw text (``{value}``, ``{measure}``...),
    plus ``{unit}`` when the catalogue is known and ``{suggestion}`` for typos.
    """

    column: str
    template: str


ROW_RULES: dict[str, Rule] = {
    "measure_id": Rule("measure", "{measure!r} is not a measure id: use lower-case snake_case, e.g. specials_headcount"),
    "required_area": Rule("area", "the area is empty: name the area (the plan's force_area for force-wide figures)"),
    "iso_date_start": Rule("period_start", "{period_start!r} is not a real calendar date written YYYY-MM-DD{hint}"),
    "iso_date_end": Rule("period_end", "{period_end!r} is not a real calendar date written YYYY-MM-DD{hint}"),
    "source_text": Rule("source", "the source is only a number ({source!r}): a number with a comma that is not "
                        "in quotes (27,800) splits into value and source; write 27800, or name the source"),
    "number": Rule("value", "{value!r} is not a number (write digits with an optional '-' and '.', no commas or symbols)"),
    "known_status": Rule("status", "{status!r} is not a status: leave it empty for a published figure or write "
                         + ", ".join(STATUSES)),
    "period_assumed": Rule("period_assumed", "{period_assumed!r} is not yes, no or empty (yes: the source gave "
                           "no period and this one is assumed)"),
    "known_qualifier": Rule("qualifier", "{qualifier!r} is not a qualifier: leave it empty for an exact figure or "
                            "write the words the source put before it, one of " + ", ".join(QUALIFIERS)),
    "period_order": Rule("period_end", "{period_end!r} is before period_start {period_start!r}: a period must end on or after its start"),
    "known_measure": Rule("measure", "{measure!r} is not a measure in data/catalogue.yml{suggestion}"),
    "known_area": Rule("area", "{area!r} is not an area in data/reference/ (areas.csv, forces.csv){suggestion}"),
    "non_negative": Rule("value", "{value!r} is negative, but {measure!r} is measured in {unit}, which can't be below 0"),
    "percent_range": Rule("value", "{value!r} is outside 0-100, but {measure!r} is a percentage"),
    "required_area_name": Rule("area", "the area name is empty"),
    "required_area_type": Rule("type", "the type of area {area!r} is empty (e.g. force, district, local_policing_area)"),
    "known_parent": Rule("parent", "parent {parent!r} of area {area!r} is not itself an area in data/reference/"),
}


DAY_FIRST = re.compile(r"(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})")
WITH_TIME = re.compile(r"(?P<date>\d{4}-\d{2}-\d{2})[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?")
NUMBER_ONLY = r"[\d.,\s]*\d[\d.,\s]*"


def date_hint(text: str) -> str:
    """What to write instead of a date in another layout (``31/12/2019``, ``2019-12-31 00:00:00``)."""
    if day_first := DAY_FIRST.fullmatch(text):
        day, month, year = (int(day_first[part]) for part in ("day", "month", "year"))
        if 1 <= month <= 12 and 1 <= day <= 31:
            return f": write {year:04d}-{month:02d}-{day:02d} (year-month-day)"
    if with_time := WITH_TIME.fullmatch(text):
        return f": remove the time and write {with_time['date']} (a spreadsheet added it to the date)"
    return ""


def per_distinct_value(transform: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """``transform`` (cell by cell over a column) worked out once per distinct value and
    spread back to every row: a measures column repeats its ids, areas, dates and sources
    thousands of times."""

    @wraps(transform)
    def spread(column: pd.Series) -> pd.Series:
        codes, distinct = pd.factorize(column, use_na_sentinel=False)
        done = transform(pd.Series(distinct, dtype=column.dtype))
        return pd.Series(done.to_numpy()[codes], index=column.index, dtype=done.dtype, name=column.name)

    return spread


@per_distinct_value
def parsed_dates(text: pd.Series) -> pd.Series:
    """ISO dates as ``datetime64``; anything else (``Sept 19``, ``2019-02-30``) is NaT."""
    return pd.to_datetime(text, format=DATE_FORMAT, errors="coerce")


@per_distinct_value
def parsed_numbers(text: pd.Series) -> pd.Series:
    """Finite numbers as floats; anything else (``12,3``, ``£5``, ``nan``, ``inf``) is NaN."""
    numbers = pd.to_numeric(text, errors="coerce").astype(float)
    return numbers.where(np.isfinite(numbers))


@per_distinct_value
def normal_qualifier(text: pd.Series) -> pd.Series:
    """Qualifiers as compared and stored: lower case, single spaces ("More  than" -> "more than")."""
    return text.str.lower().str.split().str.join(" ")


def _check(rule: str, test: Callable[..., pd.Series]) -> pa.Check:
    """A pandera check named after its entry in ``ROW_RULES`` (which says how to report it)."""
    import pandera.pandas as pa

    return pa.Check(test, name=rule)


def measures_columns_schema() -> pa.DataFrameSchema:
    """The header of one measures CSV: the required columns, optional ones, nothing else."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {name: pa.Column(None, required=name not in OPTIONAL_MEASURE_COLUMNS)
         for name in [*MEASURE_COLUMNS, *PROVENANCE_COLUMNS]},
        strict=True,
    )


def measures_text_schema() -> pa.DataFrameSchema:
    """Each measures cell, as text: ids, areas, ISO dates and numbers are well formed."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "measure": pa.Column(None, _check("measure_id", per_distinct_value(lambda s: s.str.match(MEASURE_ID_PATTERN)))),
            "area": pa.Column(None, _check("required_area", lambda s: s != "")),
            "period_start": pa.Column(None, _check("iso_date_start", lambda s: parsed_dates(s).notna())),
            "period_end": pa.Column(None, _check("iso_date_end", lambda s: parsed_dates(s).notna())),
            "value": pa.Column(None, _check("number", lambda s: parsed_numbers(s).notna())),
            "status": pa.Column(None, _check("known_status", lambda s: s.str.lower().isin(["", *STATUSES]))),
            "period_assumed": pa.Column(
                None, _check("period_assumed", lambda s: s.str.lower().isin(PERIOD_ASSUMED_VALUES))),
            "qualifier": pa.Column(None, _check("known_qualifier", lambda s: normal_qualifier(s).isin(["", *QUALIFIERS]))),
            "source": pa.Column(None, _check("source_text", per_distinct_value(lambda s: ~s.str.fullmatch(NUMBER_ONLY)))),
        },
    )


def measures_values_schema(
    units: Mapping[str, str | None] | None = None, area_names: Iterable[str] | None = None
) -> pa.DataFrameSchema:
    """Typed measures rows against each other and, when given, the catalogue and areas.

    ``units`` maps measure id to catalogue unit; ``area_names`` are the reference areas.
    Cells that failed the text schema are NaN/NaT here and are not reported twice.
    """
    import pandera.pandas as pa

    checks = [
        _check(
            "period_order",
            lambda df: df["period_start"].isna() | df["period_end"].isna() | (df["period_end"] >= df["period_start"]),
        )
    ]
    if units is not None:
        known = set(units)
        checks += [
            _check("known_measure", lambda df: df["measure"].isin(known) | ~df["measure"].str.match(MEASURE_ID_PATTERN)),
            _check(
                "non_negative",
                lambda df: ~df["measure"].map(units).isin(NON_NEGATIVE_UNITS) | ~(df["value"] < 0),
            ),
            _check(
                "percent_range",
                lambda df: (df["measure"].map(units) != "percent") | ~((df["value"] < 0) | (df["value"] > 100)),
            ),
        ]
    if area_names is not None:
        areas = set(area_names)
        checks.append(_check("known_area", lambda df: df["area"].isin(areas) | (df["area"] == "")))
    return pa.DataFrameSchema(checks=checks)


def areas_schema() -> pa.DataFrameSchema:
    """Reference areas: every row names an area and its type; parents are areas too."""
    import pandera.pandas as pa

    return pa.DataFrameSchema(
        {
            "area": pa.Column(None, _check("required_area_name", lambda s: s != "")),
            "type": pa.Column(None, _check("required_area_type", lambda s: s != "")),
            "parent": pa.Column(None),
        },
        checks=[_check("known_parent", lambda df: (df["parent"] == "") | df["parent"].isin(set(df["area"])))],
    )


def areas_columns_schema() -> pa.DataFrameSchema:
    import pandera.pandas as pa

    return pa.DataFrameSchema({name: pa.Column(None) for name in AREA_COLUMNS}, strict=True)


def column_problems(schema: pa.DataFrameSchema, frame: pd.DataFrame, file: str) -> tuple[list[Problem], bool]:
    """Check a file's header against ``schema``; returns the problems and whether rows can be read."""
    from pandera.errors import SchemaErrors

    try:
        schema.validate(frame.head(0), lazy=True)
    except SchemaErrors as errors:
        problems, missing = [], False
        expected = ", ".join(schema.columns)
        for case in errors.failure_cases.itertuples():
            name = str(case.failure_case)
            if case.check == "column_in_dataframe":
                missing = True
                problems.append(Problem(
                    "error", f"required column {name!r} is missing (expected columns: {expected})",
                    file=file, location="row 1 (header)", column=name, rule="required_column",
                ))
            elif case.check == "column_in_schema":
                hint = suggestion(name, schema.columns, "a renamed column? ")
                problems.append(Problem(
                    "error", f"unexpected column {name!r} (expected columns: {expected}){hint}",
                    file=file, location="row 1 (header)", column=name, value=name, rule="unexpected_column",
                ))
        return problems, not missing
    return [], True


def row_problems(
    schema: pa.DataFrameSchema,
    checked: pd.DataFrame,
    text: pd.DataFrame,
    units: Mapping[str, str | None] | None = None,
    suggest_from: Mapping[str, Iterable[str]] | None = None,
) -> list[Problem]:
    """Validate ``checked`` lazily; report the failing rows of ``text`` (same index).

    ``text`` holds the cells as written plus ``file`` and ``row`` columns, so every
    problem quotes the value the analyst typed. Rows of one file that break a rule in the
    same way (the same unknown measure id, say) are reported once, listing their rows.
    ``suggest_from`` maps a column to the names a typo in it may have meant.
    """
    from pandera.errors import SchemaErrors

    try:
        schema.validate(checked, lazy=True)
    except SchemaErrors as errors:
        cases = errors.failure_cases
        cases = cases[cases["index"].notna()].drop_duplicates(["check", "index"])
        failing = text.loc[cases["index"].astype(int)].assign(rule=cases["check"].to_numpy())
        suggestions = _Suggestions(suggest_from or {})
        problems: list[Problem] = []
        for (rule_name, file), rows in failing.sort_values("row").groupby(["rule", "file"], sort=False):
            rule = ROW_RULES[rule_name]
            messages: dict[tuple[str, str], list[int]] = {}
            for fields in rows.to_dict("records"):
                extra = {
                    "unit": (units or {}).get(fields.get("measure", "")) or "",
                    "suggestion": suggestions.get(rule.column, fields[rule.column]),
                    "hint": date_hint(fields[rule.column]),
                }
                message = rule.template.format(**fields, **extra)
                messages.setdefault((message, fields[rule.column]), []).append(fields["row"])
            for (message, value), numbers in list(messages.items())[:MAX_LISTED_PER_RULE]:
                problems.append(Problem("error", message, file=file, location=rows_label(numbers),
                                        column=rule.column, value=value, rule=rule_name))
            unlisted = [n for numbers in list(messages.values())[MAX_LISTED_PER_RULE:] for n in numbers]
            if unlisted:
                problems.append(Problem("error", "more rows break the same rule", file=file,
                                        location=rows_label(unlisted), column=rule.column, rule=rule_name))
        return sorted(problems, key=_problem_order)
    return []


def rows_label(numbers: list[int]) -> str:
    """``row 5``, ``rows 2-40`` (a run) or ``rows 2, 7, 9 and 12 more``."""
    numbers = sorted(numbers)
    if len(numbers) == 1:
        return f"row {numbers[0]}"
    if numbers[-1] - numbers[0] == len(numbers) - 1:
        return f"rows {numbers[0]}-{numbers[-1]}"
    shown, rest = numbers[:8], len(numbers) - 8
    return f"rows {', '.join(map(str, shown))}" + (f" and {rest} more" if rest > 0 else "")


class _Suggestions:
    """Close matches for typos, computed once per distinct value."""

    def __init__(self, candidates: Mapping[str, Iterable[str]]) -> None:
        self.candidates = {column: list(names) for column, names in candidates.items()}
        self.cache: dict[tuple[str, str], str] = {}

    def get(self, column: str, value: str) -> str:
        if (column, value) not in self.cache:
            self.cache[column, value] = suggestion(value, self.candidates.get(column, ()))
        return self.cache[column, value]


def _problem_order(problem: Problem) -> tuple:
    """Files in order, then rows in order (a header problem, ``row 1``, first)."""
    match = re.match(r"rows? (\d+)", problem.location or "")
    return (problem.file or "", int(match[1]) if match else 0, problem.column or "")


def suggestion(name: str, candidates: Iterable[str], lead: str = "") -> str:
    """`` (did you mean 'x'?)`` for the closest of ``candidates``, or ``""``."""
    close = difflib.get_close_matches(name, list(candidates), n=1, cutoff=0.75)
    return f" ({lead}did you mean {close[0]!r}?)" if close else ""
