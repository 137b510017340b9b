"""Reading the project's input files safely: bounded, regular, inside the project, strict YAML.

Every input file (params, catalogue, sources, measures, reference tables, commentary) is
read through :func:`read_text` or :func:`read_bytes`, which refuse, with the file named
and before anything is parsed:

* anything that is not a regular file (a folder named ``x.csv``, a FIFO, a device such as
  ``/dev/zero``, a link whose target is missing): opening one could block or never end;
* a file larger than its kind's limit (:data:`LIMITS`, documented in docs/reference.md);
* a file outside the project root (a link to ``/etc/passwd``), unless the environment
  variable ``CRIMEPLAN_ALLOW_OUTSIDE_ROOT=1`` is set (``crimeplan --allow-outside-root``);
* text that is not UTF-8, with the line and the byte.

:func:`load_yaml` parses YAML without anchors or aliases (an alias bomb expands without
bound) and without duplicate keys (YAML keeps the last one in silence).
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path
from typing import Any

import yaml

from crimeplan.errors import InputError, Problem

KIB, MIB = 1024, 1024 * 1024
LIMITS = {
    "yaml": 1 * MIB,  # params/*.yml, data/catalogue.yml, data/sources.yml, reference YAML
    "commentary": 256 * KIB,  # each data/commentary/<quarter>/pN.md
    "csv": 512 * MIB,  # each data/measures/*.csv and data/reference/*.csv
}
ALLOW_OUTSIDE_ROOT = "CRIMEPLAN_ALLOW_OUTSIDE_ROOT"


def present(path: Path) -> bool:
    """Whether anything is at ``path`` (a dangling link too): then it is read, or refused with a reason."""
    return Path(path).is_symlink() or Path(path).exists()


def outside_root_allowed() -> bool:
    return os.environ.get(ALLOW_OUTSIDE_ROOT, "") not in ("", "0")


def read_bytes(path: Path, *, root: Path, kind: str, shown: str | None = None) -> bytes:
    """The bytes of the input file ``path`` of the project at ``root``; see the module docstring."""
    path, shown = Path(path), shown or str(path)
    limit = LIMITS[kind]
    target = path.resolve()
    if not outside_root_allowed() and not target.is_relative_to(Path(root).resolve()):
        raise InputError(
            "the file is outside the project folder (a link to another place?); copy it into "
            "the project, or allow it with --allow-outside-root",
            file=shown,
            rule="inside_project",
        )
    try:
        descriptor = os.open(target, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOFOLLOW", 0))
    except FileNotFoundError:
        what = "a link to a file that does not exist" if path.is_symlink() else "file not found"
        raise InputError(what, file=shown, rule="file_present") from None
    except OSError as error:
        raise InputError(f"cannot be read: {error.strerror}", file=shown, rule="readable") from None
    info = os.fstat(descriptor)
    if not stat.S_ISREG(info.st_mode):
        os.close(descriptor)
        raise InputError(
            f"not a regular file ({_file_type(info.st_mode)}); only plain files are read",
            file=shown,
            rule="regular_file",
        )
    with os.fdopen(descriptor, "rb") as stream:
        if info.st_size > limit:
            raise InputError(
                f"the file is {_size(info.st_size)}, more than the {_size(limit)} limit for "
                f"{kind} files (docs/reference.md)",
                file=shown,
                rule="size_limit",
            )
        data = stream.read(limit + 1)
    if len(data) > limit:  # it grew while being read
        raise InputError(
            f"the file is more than the {_size(limit)} limit for {kind} files", file=shown, rule="size_limit"
        )
    return data


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's content, read in pieces."""
    with open(path, "rb") as stream:
        return hashlib.file_digest(stream, "sha256").hexdigest()


def read_text(path: Path, *, root: Path, kind: str, shown: str | None = None) -> str:
    """The UTF-8 text (a byte-order mark is fine) of the input file ``path``; see :func:`read_bytes`."""
    raw = read_bytes(path, root=root, kind=kind, shown=shown)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        bad = raw[error.start : error.start + 1]
        raise InputError(
            f"the file is not UTF-8: byte 0x{bad.hex()} at byte {error.start}; save it as UTF-8",
            file=shown or str(path),
            line=line,
            value=f"0x{bad.hex()}",
            rule="utf8",
        ) from None


def load_yaml(text: str, shown: str) -> tuple[yaml.Node | None, Any]:
    """The YAML node tree (for line numbers) and the data of ``text``, from one parse.

    Refuses anchors and aliases and duplicate keys, as :class:`InputError` naming the line.
    """
    loader_class = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        for event in yaml.parse(text, Loader=loader_class):
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise InputError(
                    "YAML anchors and aliases (&name, *name) are not allowed: write each value out",
                    file=shown,
                    line=None if event.start_mark is None else event.start_mark.line + 1,
                    rule="yaml_alias",
                )
        loader = loader_class(text)
        try:
            root = loader.get_single_node()
            _refuse_duplicate_keys(root, shown)
            return root, loader.construct_document(root) if root is not None else None
        finally:
            loader.dispose()
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        raise InputError(
            f"not valid YAML: {getattr(error, 'problem', None) or error}",
            file=shown,
            line=None if mark is None else mark.line + 1,
            rule="yaml",
        ) from None


def read_yaml(path: Path, *, root: Path, shown: str | None = None) -> Any:
    """The data of the YAML input file ``path`` (see :func:`read_text` and :func:`load_yaml`)."""
    shown = shown or str(path)
    return load_yaml(read_text(path, root=root, kind="yaml", shown=shown), shown)[1]


def _refuse_duplicate_keys(node: yaml.Node | None, shown: str) -> None:
    problems = []
    pending = [node] if node is not None else []
    while pending:
        current = pending.pop()
        if isinstance(current, yaml.MappingNode):
            lines: dict[str, list[int]] = {}
            for key, value in current.value:
                if isinstance(key, yaml.ScalarNode):
                    lines.setdefault(key.value, []).append(key.start_mark.line + 1)
                pending.append(value)
            problems += [
                Problem(
                    "error",
                    f"key {key!r} appears more than once (lines {', '.join(map(str, at))}); give each key once",
                    file=shown,
                    location=f"line {at[-1]}",
                    value=key,
                    rule="duplicate_key",
                )
                for key, at in lines.items()
                if len(at) > 1
            ]
        elif isinstance(current, yaml.SequenceNode):
            pending.extend(current.value)
    if problems:
        problems.sort(key=lambda p: int((p.location or "line 0").removeprefix("line ")))
        raise InputError("; ".join(f"{p.location}: {p.message}" for p in problems), file=shown, problems=problems)


def _file_type(mode: int) -> str:
    for test, name in (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
        (stat.S_ISSOCK, "a socket"),
    ):
        if test(mode):
            return name
    return "not a plain file"


def _size(size: int) -> str:
    return f"{size / MIB:.1f} MiB" if size >= MIB else f"{size / KIB:.0f} KiB"
