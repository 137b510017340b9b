"""Typed, validated parameters: the plan (``params/plan.yml``) and each quarter
(``params/<quarter>.yml``)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from crimeplan.errors import InputError, Problem
from crimeplan.inputs.files import present, read_yaml
from crimeplan.periods import Quarter
from crimeplan.project import Project

PLAN_FILE = "plan.yml"
LATEST = "latest"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Commitment(_Strict):
    """One of the plan's "We will..." commitments, summarised in our own words."""

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=1)


# The public-data sections a priority may show (crimeplan.sections.public_data builds them), and
# whether each needs a list of measure ids.
PUBLIC_DATA_SECTIONS: dict[str, bool] = {
    "specials": False,               # Special Constables and officers against the comparison group
    "anti_social_behaviour": False,  # police.uk anti-social behaviour by month and district
    "recorded_crime": True,          # Home Office recorded crime: the total and the measures listed
    "road_casualties": False,        # STATS19 killed or seriously injured by month and district
    "borough_crime": False,          # the Met's borough level crime by month and borough
}


class PublicDataSection(_Strict):
    """One public-data section of a priority: a section name, with measure ids for
    ``recorded_crime``. Written in plan.yml as ``specials`` or ``recorded_crime: [ids]``."""

    section: str
    measures: tuple[str, ...] = ()

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, value: object) -> object:
        if isinstance(value, str):
            return {"section": value}
        if isinstance(value, dict) and len(value) == 1 and "section" not in value:
            (name, measures), = value.items()
            return {"section": name, "measures": measures or ()}
        return value

    @model_validator(mode="after")
    def _known(self) -> PublicDataSection:
        if self.section not in PUBLIC_DATA_SECTIONS:
            raise ValueError(f"unknown public-data section {self.section!r} "
                             f"(known: {', '.join(PUBLIC_DATA_SECTIONS)})")
        if PUBLIC_DATA_SECTIONS[self.section] and not self.measures:
            raise ValueError(f"{self.section} needs a list of measure ids, e.g. {self.section}: [id, ...]")
        if not PUBLIC_DATA_SECTIONS[self.section] and self.measures:
            raise ValueError(f"{self.section} takes no measure ids")
        return self


class Priority(_Strict):
    number: int = Field(ge=1)
    title: str = Field(min_length=1)
    notebook: str = Field(pattern=r"^p\d+_[a-z0-9_]+$")
    lead_in: str = Field(default="We will:", min_length=1)
    commitments: list[Commitment] = Field(min_length=1)
    public_data: list[PublicDataSection] = Field(
        default_factory=list, description="public-data sections shown under the priority, in order")

    @property
    def heading(self) -> str:
        return f"Priority {self.number} – {self.title}"

    @property
    def name(self) -> str:
        """The priority named inside a sentence or table: "Priority 1: More Local, ..."."""
        return f"Priority {self.number}: {self.title}"


class Contact(_Strict):
    """Who answers questions about the update ("About these statistics").

    Required, so that no update goes out without a contact; give the producing team and
    how to reach it in words, and an e-mail address only when it is a real, monitored one
    (none is invented)."""

    team: str = Field(min_length=1)
    how: str = Field(min_length=1, description="how to reach the team, in a reader's words")
    email: str | None = Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


# The status a force's own figures can have ("About these statistics" says it in words):
# management information unless the force publishes them under the Code of Practice for Statistics.
StatisticsStatus = Literal["management_information", "official_statistics_in_development", "official_statistics",
                           "accredited_official_statistics"]
REVISIONS_POLICY = (
    "A figure is revised when its source revises it or when an error is found. A revised update is issued as a "
    "new version of the same quarter's update, which says what changed in each version. Each "
    "update is produced from the data held when it is made, so a figure for an earlier period shown here (the "
    "same period last year, say) may differ from the one published at the time.")


class Plan(_Strict):
    """The Police and Crime Plan: who it is for and its priorities in order, and how its
    update is published (the status of the force's own figures and the revisions policy,
    both with defaults that suit any force)."""

    force: str = Field(min_length=1)
    force_area: str = Field(min_length=1)
    plan_title: str = Field(min_length=1)
    contact: Contact
    statistics_status: StatisticsStatus = Field(
        default="management_information", description="the status of the force's own figures in the update")
    revisions_policy: str = Field(default=REVISIONS_POLICY, min_length=1,
                                  description="when and how figures are revised, in a reader's words")
    priorities: list[Priority] = Field(min_length=1)
    areas: list[str] = Field(min_length=1)
    front_matter: list[str] = Field(default_factory=list, description="notebooks before the priorities, e.g. a summary")
    back_matter: list[str] = Field(default_factory=list, description="notebooks after the priorities, e.g. sources and method")

    @model_validator(mode="after")
    def _numbered_in_order(self) -> Plan:
        numbers = [p.number for p in self.priorities]
        if numbers != list(range(1, len(numbers) + 1)):
            raise ValueError(f"priorities must be numbered 1..N in order, got {numbers}")
        names = [name for name, _ in self.notebooks]
        if any(not re.fullmatch(r"[a-z][a-z0-9_]*", name) for name in names) or len(set(names)) != len(names):
            raise ValueError(f"notebook names must be unique snake_case names, got {names}")
        ids = [c.id for p in self.priorities for c in p.commitments]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"commitment ids must be unique, repeated: {duplicates}")
        return self

    def priority(self, number: int) -> Priority:
        for priority in self.priorities:
            if priority.number == number:
                return priority
        raise InputError(f"the plan has no priority {number} (it has 1..{len(self.priorities)})")

    def priority_for_notebook(self, notebook: str) -> Priority:
        for priority in self.priorities:
            if priority.notebook == notebook:
                return priority
        known = ", ".join(p.notebook for p in self.priorities)
        raise InputError(f"no priority in the plan uses notebook {notebook!r} (known: {known})")

    @property
    def notebooks(self) -> list[tuple[str, int | None]]:
        """Every notebook of the update in order, with its priority number (``None`` for front
        and back matter, which have no commentary of their own)."""
        numbered: list[tuple[str, int | None]] = [(p.notebook, p.number) for p in self.priorities]
        return [(name, None) for name in self.front_matter] + numbered + [(name, None) for name in self.back_matter]


def missing_notebooks(project: Project, plan: Plan) -> list[Problem]:
    """An error for each notebook the plan names (front matter, priorities, back matter)
    that is not in the project's ``notebooks/`` folder."""
    plan_file = project.shown(project.params_dir / PLAN_FILE)
    return [
        Problem("error", f"names the notebook {name!r}, but {project.shown(path)} does not exist",
                file=plan_file, value=name, rule="notebook_present")
        for name, _ in plan.notebooks if not (path := project.notebooks_dir / f"{name}.ipynb").is_file()
    ]


class Revision(_Strict):
    """What changed in one version of a quarter's update, in a reader's words."""

    version: int = Field(ge=2)
    change: str = Field(min_length=1)


class QuarterParams(_Strict):
    """What varies per quarter: which quarter, data to when, document metadata, what
    changed in each version after the first (``revisions``; none listed: "none") and when
    the next update is due (``next_release``; none: "not announced")."""

    quarter: str
    data_to: date
    version: int = Field(ge=1)
    produced: str = Field(min_length=1, description="e.g. 'October 2019'")
    producing_unit: str = Field(min_length=1)
    revisions: list[Revision] = Field(default_factory=list)
    next_release: str | None = Field(
        default=None, description="when the next update is due: a month (YYYY-MM) or a day (YYYY-MM-DD)")

    @field_validator("next_release", mode="before")
    @classmethod
    def _release_as_text(cls, value: object) -> object:
        return value.isoformat() if isinstance(value, date) else value  # YAML reads 2020-01-15 as a date

    @field_validator("next_release")
    @classmethod
    def _release_month_or_day(cls, value: str | None) -> str | None:
        if value is None:
            return None
        value = value.strip()
        try:
            if not re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", value):
                raise ValueError
            date.fromisoformat(value if len(value) == 10 else f"{value}-01")
        except ValueError:
            raise ValueError(f"{value!r} is not a month written YYYY-MM or a day written YYYY-MM-DD, "
                             "e.g. 2020-01") from None
        return value

    @property
    def next_release_names_day(self) -> bool:
        """Whether ``next_release`` gives the day (YYYY-MM-DD), not only the month."""
        return self.next_release is not None and len(self.next_release) == len("YYYY-MM-DD")

    @property
    def next_release_day(self) -> date | None:
        """The day the next update is due, or the first of its month when only the month is known."""
        if self.next_release is None:
            return None
        return date.fromisoformat(self.next_release if self.next_release_names_day else f"{self.next_release}-01")

    @model_validator(mode="after")
    def _release_after_data(self) -> QuarterParams:
        released = self.next_release_day
        if released is not None and (released.year, released.month) <= (self.data_to.year, self.data_to.month):
            raise ValueError(f"next_release {self.next_release} is not after the data, which run to {self.data_to}")
        return self

    @model_validator(mode="after")
    def _revisions_up_to_version(self) -> QuarterParams:
        later = [r.version for r in self.revisions if r.version > self.version]
        if later:
            raise ValueError(f"revisions describe version(s) {later} but this is version {self.version}")
        return self

    @field_validator("data_to", mode="before")
    @classmethod
    def _iso_date(cls, value: object) -> object:
        if isinstance(value, str) and re.fullmatch(r"\d{1,2}[/.-]\d{1,2}[/.-]\d{4}", value.strip()):
            raise ValueError(f"{value!r} looks like a day-first date: write dates as YYYY-MM-DD, e.g. 2019-12-31")
        return value

    @field_validator("quarter")
    @classmethod
    def _valid_quarter(cls, value: str) -> str:
        try:
            return Quarter.parse(value).id
        except InputError as error:
            raise ValueError(str(error)) from None

    @model_validator(mode="after")
    def _data_within_quarter(self) -> QuarterParams:
        q = self.period
        if not (q.start <= self.data_to <= q.end):
            raise ValueError(
                f"data_to {self.data_to} is outside quarter {q.id} ({q.start} to {q.end})"
            )
        return self

    @property
    def period(self) -> Quarter:
        return Quarter.parse(self.quarter)


def _validated(model: type[BaseModel], path: Path):
    if not present(path):
        raise InputError("file not found", file=path, rule="file_present")
    raw = read_yaml(path, root=path.parent.parent)  # params/<name>.yml
    if not isinstance(raw, dict):
        raise InputError(f"expected a mapping of settings, got {type(raw).__name__}", file=path, rule="params_shape")
    try:
        return model.model_validate(raw)
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(file)'}: {e['msg'].removeprefix('Value error, ')}"
            for e in error.errors()
        )
        raise InputError(problems, file=path, rule="params") from None


def load_plan(params_dir: Path) -> Plan:
    return _validated(Plan, Path(params_dir) / PLAN_FILE)


def load_quarter(params_dir: Path, quarter_id: str) -> QuarterParams:
    """Load ``params/<quarter_id>.yml``; its ``quarter`` field must match its name."""
    quarter = Quarter.parse(quarter_id)
    path = Path(params_dir) / f"{quarter.id}.yml"
    if not present(path):
        known = ", ".join(available_quarters(params_dir)) or "none"
        raise InputError(f"no params for quarter {quarter.id} (params exist for: {known})", file=path, rule="quarter_params_present")
    params = _validated(QuarterParams, path)
    if params.quarter != quarter.id:
        raise InputError(f"quarter is {params.quarter!r} but the file is named for {quarter.id}", file=path,
                         column="quarter", value=params.quarter, rule="quarter_matches_file")
    return params


def available_quarters(params_dir: Path) -> list[str]:
    """Quarter ids with a params file, oldest first."""
    found = []
    for path in Path(params_dir).glob("*.yml"):
        if path.name == PLAN_FILE:
            continue
        try:
            found.append(Quarter.parse(path.stem))
        except InputError:
            continue
    return [q.id for q in sorted(found)]


def latest_quarter(params_dir: Path) -> str:
    quarters = available_quarters(params_dir)
    if not quarters:
        raise InputError("no quarter params files (expected e.g. 2019-20-Q2.yml)", file=params_dir,
                         rule="quarter_params_present")
    return quarters[-1]


def resolve_quarter(params_dir: Path, quarter: str | Quarter) -> Quarter:
    """The quarter a user named: an id such as ``2019-20-Q2``, or ``latest`` (the newest
    quarter with a params file). The one place ``latest`` is resolved."""
    if isinstance(quarter, Quarter):
        return quarter
    if str(quarter).strip() == LATEST:
        return Quarter.parse(latest_quarter(params_dir))
    return Quarter.parse(quarter)
