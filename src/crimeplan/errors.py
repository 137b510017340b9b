"""Exceptions the CLI turns into exit codes and messages."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: where it is, the bad value and the rule it breaks."""

    severity: Literal["error", "warning"]
    message: str
    file: str | None = None
    location: str | None = None
    column: str | None = None
    value: str | None = None
    rule: str | None = None

    def __str__(self) -> str:
        where = [part for part in (self.file, self.location) if part]
        if self.column:
            where.append(f"column {self.column}")
        prefix = f"{', '.join(where)}: " if where else ""
        rule = f" (rule: {self.rule})" if self.rule else ""
        return f"{self.severity}: {prefix}{self.message}{rule}"


class CrimeplanError(Exception):
    """Base class: a failure the user should read about, not a traceback."""

    exit_code = 1


class InputError(CrimeplanError):
    """Bad input: params, data, catalogue, reference or commentary (exit code 2).

    It carries its problems as records (file, location, column, value, rule), so
    ``crimeplan check`` lists them without parsing the message: either ``problems``
    given whole, or one problem described by ``message`` and the keyword fields, shown
    as ``<file>:<line>: <message>``.
    """

    exit_code = 2

    def __init__(
        self, message: str = "", *, file: str | Path | None = None, line: int | None = None,
        column: str | None = None, value: str | None = None, rule: str | None = None,
        problems: list[Problem] | None = None,
    ) -> None:
        self.detail = message
        self.file, self.line, self.column, self.value, self.rule = file, line, column, value, rule
        self._problems = problems
        where = f"{file}:{line}: " if file is not None and line is not None else f"{file}: " if file is not None else ""
        super().__init__(f"{where}{message}")

    def problems(self, shown: Callable[[Path], str] = str) -> list[Problem]:
        """The problems this error stands for; ``shown`` turns a file path into the text shown."""
        if self._problems is not None:
            return [p for p in self._problems if p.severity == "error"]
        return [Problem(
            "error", self.detail, file=None if self.file is None else shown(Path(self.file)),
            location=None if self.line is None else f"line {self.line}",
            column=self.column, value=self.value, rule=self.rule,
        )]


class ExecutionError(CrimeplanError):
    """A notebook or a renderer failed while producing the update (exit code 3)."""

    exit_code = 3


class LockedError(CrimeplanError):
    """Another render of the same quarter holds the lock (exit code 4)."""

    exit_code = 4


class OutputError(CrimeplanError):
    """The output folder cannot be written: read-only, not ours, or the disk is full (exit code 5)."""

    exit_code = 5

    @classmethod
    def of(cls, error: OSError, folder: Path) -> OutputError:
        """``error`` (raised while writing under ``folder``) as one plain line naming the file."""
        where = error.filename or folder
        return cls(f"cannot write {where}: {error.strerror or error} (is {folder} writable, with space left?)")


def raise_for_errors(problems: list[Problem]) -> None:
    """Raise one :class:`InputError` listing every error in ``problems``."""
    errors = [p for p in problems if p.severity == "error"]
    if errors:
        listing = "\n".join(f"  - {str(p).removeprefix('error: ')}" for p in errors)
        raise InputError(f"{len(errors)} problem(s) in the input:\n{listing}", problems=errors)
