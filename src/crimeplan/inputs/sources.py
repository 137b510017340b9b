"""The sources of the figures (``data/sources.yml``): publisher, title and licence of each
``source`` named in the catalogue, for "About these statistics"."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from crimeplan.errors import InputError, Problem
from crimeplan.inputs.files import present, read_yaml
from crimeplan.markup import is_web_address

SOURCES_FILE = "sources.yml"


class Source(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    licence: str = Field(min_length=1)
    licence_url: str | None = None
    url: str | None = None

    @field_validator("licence_url", "url")
    @classmethod
    def _web_address(cls, value: str | None) -> str | None:
        """The update links these: only a web page's address (https:// or http://) is taken."""
        if value is not None and not is_web_address(value):
            raise ValueError(f"{value!r} is not a web address: write it as https://... (or http://...)")
        return value


def read_sources(data_dir: Path, catalogue_sources: set[str]) -> tuple[dict[str, Source], list[Problem]]:
    """``data/sources.yml`` and the problems found: a malformed file or entry, and any source
    the catalogue names that the file does not describe."""
    path = Path(data_dir) / SOURCES_FILE
    shown = f"data/{SOURCES_FILE}"
    if not present(path):
        return {}, [Problem("error", "file not found: every catalogue source needs its publisher and licence here",
                            file=shown, rule="file_present")]
    try:
        raw = read_yaml(path, root=Path(data_dir).parent, shown=shown) or {}
    except InputError as error:
        return {}, error.problems()
    entries = raw.get("sources") if isinstance(raw, dict) else None
    if not isinstance(entries, dict):
        return {}, [Problem("error", "expected a mapping 'sources:' of source name to its details", file=shown,
                            rule="sources_shape")]
    sources, problems = {}, []
    for name, details in entries.items():
        try:
            sources[str(name)] = Source.model_validate(details)
        except ValidationError as error:
            message = "; ".join(f"{'.'.join(str(p) for p in e['loc']) or '(entry)'}: {e['msg']}" for e in error.errors())
            problems.append(Problem("error", message, file=shown, location=f"source {name!r}", rule="source_fields"))
    for name in sorted(catalogue_sources - set(entries)):
        problems.append(Problem("error", f"the catalogue names source {name!r}, which is not described here",
                                file=shown, value=name, rule="known_source"))
    return sources, problems
