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

import json
from pathlib import Path

from crimeplan.inputs.cache import content_hash, environment_digest, files_digest
from crimeplan.periods import Quarter
from crimeplan.project import Project


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
    shared = content_hash(files_digest(shared_files, project.root), environment_digest(),
                          json.dumps(parameters, sort_keys=True))
    keys = {}
    for notebook, number in notebooks.items():
        own = [] if number is None else [data / "commentary" / quarter.id / f"p{number}.md"]
        keys[notebook.stem] = content_hash(shared, notebook_digest(notebook), files_digest(own, project.root))
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
        return content_hash(raw)
    return content_hash(json.dumps(executed))


def render_key(renderer: str, renderer_files: list[Path], project: Project, notebook_digests: dict[str, str]) -> str:
    """What the HTML and PDF depend on beyond the notebooks' own keys."""
    return content_hash(renderer, files_digest(renderer_files, project.root), json.dumps(notebook_digests, sort_keys=True))

