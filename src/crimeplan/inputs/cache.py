"""What crimeplan keeps between commands in the user's cache folder, and the environment
digest its keys (and the render's freshness keys) include.

``$XDG_CACHE_HOME/crimeplan`` (``~/.cache/crimeplan``) holds what takes long to make and
depends only on what its name hashes: the offline Vega script, the drawn charts
(:mod:`crimeplan.sections.vega`) and the checked measures files
(:mod:`crimeplan.inputs.measures`, kept as pickles: the folder is the user's own, as the
start-up files of their shell are). Deleting it only makes the next command slower.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import re
import threading
from collections.abc import Callable
from contextlib import suppress
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TypeVar

from crimeplan.inputs.files import file_digest

CODE_DIR = Path(__file__).resolve().parents[1]  # the whole crimeplan package
T = TypeVar("T")


def cache_folder() -> Path:
    """``$XDG_CACHE_HOME/crimeplan``, else ``~/.cache/crimeplan``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "crimeplan"


def kept(
    name: str,
    make: Callable[[], T],
    dump: Callable[[T], bytes],
    load: Callable[[bytes], T],
    keep_bytes: int | None = None,
) -> T:
    """What ``make`` gives, kept as ``name`` in the cache folder: loaded from it when there
    (a file that does not load is made again), else made and written as ``dump`` gives it.
    A read-only home or a full disk makes it every time and leaves no part-written file.
    With ``keep_bytes``, only the newest files of ``name``'s folder stay, up to that size in all."""
    path = cache_folder() / name
    try:
        return load(path.read_bytes())
    except Exception:  # absent, unreadable, or not what dump wrote (cut short, another version)
        pass
    value = make()
    partial = path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_bytes(dump(value))
        partial.replace(path)
        if keep_bytes is not None:
            _keep_newest(path.parent, keep_bytes)
    except OSError:
        with suppress(OSError):  # none was written where no folder could be made
            partial.unlink()
    return value


def _keep_newest(folder: Path, keep_bytes: int) -> None:
    """Remove the files of ``folder`` written before the newest ``keep_bytes`` of them (the
    newest stays, whatever its size)."""
    files = []
    for path in folder.iterdir():
        with suppress(OSError):  # removed by another command meanwhile
            status = path.stat()
            files.append((status.st_mtime, status.st_size, path))
    kept_bytes = 0
    for index, (_, size, path) in enumerate(sorted(files, key=lambda file: file[0], reverse=True)):
        kept_bytes += size
        if index and kept_bytes > keep_bytes:
            with suppress(OSError):
                path.unlink()


def content_hash(*parts: bytes | str) -> str:
    """One SHA-256 of ``parts``, each length-prefixed (so no two lists of parts collide)."""
    digest = hashlib.sha256()
    for part in parts:
        data = part.encode() if isinstance(part, str) else part
        digest.update(len(data).to_bytes(8, "little"))
        digest.update(data)
    return digest.hexdigest()


def files_digest(paths: list[Path], relative_to: Path) -> str:
    """One hash of these files' names (relative to ``relative_to``) and contents (a marker
    for one that is absent, not a regular file or unreadable: the checks then say why)."""
    parts: list[bytes | str] = []
    for path in sorted(paths):
        try:
            content = file_digest(path) if path.is_file() else "\0absent"
        except OSError:
            content = "\0unreadable"
        parts += [str(path.relative_to(relative_to)), content]
    return content_hash(*parts)


def key_packages() -> list[str]:
    """The packages whose versions are in every key: crimeplan's runtime dependencies (its
    package metadata), and numpy and nbclient, which pandas, scipy and papermill run on."""
    required = (
        re.split(r"[^A-Za-z0-9._-]", requirement, maxsplit=1)[0] for requirement in metadata.requires("crimeplan") or ()
    )
    return sorted({name.lower() for name in required} | {"numpy", "nbclient"})


@lru_cache(maxsize=1)
def environment_digest() -> str:
    """The crimeplan code and templates, Python's version and the key packages' versions."""
    code = sorted(p for p in CODE_DIR.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    versions: dict[str, str | None] = {}
    for name in key_packages():
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return content_hash(files_digest(code, CODE_DIR), platform.python_version(), json.dumps(versions, sort_keys=True))
