"""The Quarto renderer, used whenever ``quarto`` is on PATH (or ``--renderer quarto``).

It stages ``_quarto.yml`` with one combined notebook (the executed priority notebooks in
plan order, behind a front-matter cell) and runs ``quarto render`` to HTML and Typst PDF.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib.resources import files
from pathlib import Path

import nbformat
import yaml

from crimeplan.charts import vega_javascript
from crimeplan.errors import ExecutionError
from crimeplan.render.document import CoverFacts

TEMPLATES = files("crimeplan") / "templates"
ERROR_TAIL_CHARS = 3000


def running_header(cover: CoverFacts) -> str:
    """Typst set-rules for Quarto's typst format: running header and page numbers, not on the cover."""
    header = json.dumps(f"{cover.title} – Quarterly Update {cover.quarter_label}", ensure_ascii=False)
    return (
        "#set page(\n"
        "  header: context { if counter(page).get().first() > 1 {\n"
        f"    set text(size: 8.5pt, fill: luma(90)); [#{header}]; h(1fr); [#{json.dumps(cover.force, ensure_ascii=False)}]\n"
        "  } },\n"
        '  footer: context { set text(size: 8.5pt, fill: luma(90)); h(1fr);'
        ' [Page #counter(page).display("1") of #counter(page).final().first()]; h(1fr) },\n'
        ")\n"
    )


def combined_notebook(notebooks: list[Path], cover: CoverFacts) -> nbformat.NotebookNode:
    """One notebook: a raw front-matter cell, then every cell of ``notebooks`` in order."""
    front_matter = {
        "title": cover.title,
        "subtitle": f"Quarterly Update {cover.quarter_label}",
        "description": cover.data_to,
        "date": cover.produced,
        "author": cover.producing_unit,
        "version": cover.version,
    }
    combined = nbformat.v4.new_notebook()
    combined.cells.append(nbformat.v4.new_raw_cell("---\n" + yaml.safe_dump(front_matter, sort_keys=False) + "---"))
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        combined.metadata = notebook.metadata
        combined.cells.extend(notebook.cells)
    return combined


def render_quarto(project_root: Path, notebooks: list[Path], cover: CoverFacts, build_dir: Path) -> dict[str, Path]:
    stage = build_dir / "_render" / "quarto"
    stage.mkdir(parents=True, exist_ok=True)
    shutil.copy(project_root / "_quarto.yml", stage / "_quarto.yml")
    shutil.copy(TEMPLATES / "update.css", stage / "update.css")
    (stage / "running-header.typ").write_text(running_header(cover), encoding="utf-8")
    (stage / "_vega-offline.html").write_text(
        f'<script type="text/javascript">\n{vega_javascript()}\n</script>\n', encoding="utf-8"
    )
    nbformat.write(combined_notebook(notebooks, cover), stage / "update.ipynb")
    for fmt in ("html", "typst"):
        completed = subprocess.run(
            ["quarto", "render", "update.ipynb", "--to", fmt, "--no-execute"],
            cwd=stage, capture_output=True, text=True,
        )
        if completed.returncode != 0:
            raise ExecutionError(f"quarto render --to {fmt} failed:\n{completed.stderr[-ERROR_TAIL_CHARS:]}")
    outputs = {"html": stage / "update.html", "pdf": stage / "update.pdf"}
    for kind, path in outputs.items():
        if not path.is_file():
            raise ExecutionError(f"quarto render did not write {path.name}")
        shutil.move(path, build_dir / path.name)
    return {kind: build_dir / path.name for kind, path in outputs.items()}
