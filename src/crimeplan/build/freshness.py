"""What each part of a render depends on, as content hashes.

A notebook is executed again only when its key changes: its cells' sources (not the
outputs a run in JupyterLab saves), the parameters,
the plan and the quarter's params, the catalogue, every measures and reference file, its
own priority's commentary, the ``crimeplan`` code and templates, and the versions of
Python and of every package crimeplan runs on (scipy's p-values and pandas' sums show
in the update as much as the code does). A changed byte in any of them always invalidates (hashes of content,
not timestamps). The HTML and PDF are rebuilt only when an executed notebook or the
renderer changed.
"""

from __future__ import annotations

import hashlib
import json
import platform
import re
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from crimeplan.inputs.files import file_digest
from crimeplan.periods import Quarter
from crimeplan.project import Project

CODE_DIR = Path(__file__).resolve().parents[1]  # the whole crimeplan package


def _hash(*parts: bytes | str) -> str:
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
    return _hash(*parts)


def key_packages() -> list[str]:
    """The packages whose versions are in every key: crimeplan's runtime dependencies (its
    package metadata), and numpy and nbclient, which pandas, scipy and papermill run on."""
    required = (re.split(r"[^A-Za-z0-9._-]", requirement, maxsplit=1)[0] for requirement in metadata.requires("crimeplan") or ())
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
    return _hash(files_digest(code, CODE_DIR), platform.python_version(), json.dumps(versions, sort_keys=True))


def notebook_keys(project: Project, quarter: Quarter, notebooks: dict[Path, int | None],
                  parameters: dict[str, str]) -> dict[str, str]:
    """The key of each notebook (``{path: priority number or None}``), by notebook name.

    A priority's notebook also depends on its own commentary file; front and back matter
    on none."""
    data, params = project.data_dir, project.params_dir
    shared_files = [
        params / "plan.yml", params / f"{quarter.id}.yml", data / "catalogue.yml", data / "sources.yml",
        *(data / "measures").glob("*.csv"), *(p for p in (data / "reference").rglob("*") if p.is_file()),
    ]
    shared = _hash(files_digest(shared_files, project.root), environment_digest(),
                   json.dumps(parameters, sort_keys=True))
    keys = {}
    for notebook, number in notebooks.items():
        own = [] if number is None else [data / "commentary" / quarter.id / f"p{number}.md"]
        keys[notebook.stem] = _hash(shared, notebook_digest(notebook), files_digest(own, project.root))
    return keys


def notebook_digest(path: Path) -> str:
    """A hash of what a render executes from a notebook: each cell's type, source and tags.

    Outputs, execution counts and other metadata an analyst's own run saves in the file
    (JupyterLab autosaves them) change nothing; a file that is not a notebook is hashed
    whole, so the render reports it."""
    raw = path.read_bytes() if path.is_file() else b"\0absent"
    try:
        cells = json.loads(raw)["cells"]
        executed = [(c["cell_type"], "".join(c["source"]) if isinstance(c["source"], list) else c["source"],
                     sorted(c.get("metadata", {}).get("tags", []))) for c in cells]
    except (ValueError, KeyError, TypeError):
        return _hash(raw)
    return _hash(json.dumps(executed))


def render_key(renderer: str, renderer_files: list[Path], project: Project, notebook_digests: dict[str, str]) -> str:
    """What the HTML and PDF depend on beyond the notebooks' own keys."""
    return _hash(renderer, files_digest(renderer_files, project.root), json.dumps(notebook_digests, sort_keys=True))

