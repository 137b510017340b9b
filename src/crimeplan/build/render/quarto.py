"""The Quarto renderer, used whenever ``quarto`` is on PATH (or ``--renderer quarto``).

It stages the project's ``_quarto.yml`` with the Quarto template partials of
``templates/quarto/`` and one combined notebook (the executed priority notebooks in plan
order, behind a front-matter cell holding the cover facts), then runs one
``quarto render`` for both formats (HTML and Typst PDF). Quarto never executes code.

The combined notebook is the executed notebooks' content, reshaped only where Quarto
would otherwise read it differently from the built-in renderer:

* every cell gets a fresh id (the seven notebooks share ids such as ``heading``);
* code cells with no display output (parameters, imports) are left out;
* a display output offered as ``text/html`` (a chart: ``Chart.html()``) becomes a
  ``text/markdown`` output: a div naming the chart's HTML file (``crimeplan.lua`` puts
  it in the HTML page) around the static figure as raw Typst, written by the built-in
  renderer's own code (``document.py``: the SVG with its alt text). Quarto adds CDN
  ``<script>`` tags for RequireJS and jQuery to any HTML page whose notebook has
  ``text/html`` outputs (``core/jupyter/widgets.ts``), which breaks the offline update;
  Markdown outputs do not trigger that.

Cells marked ``#| include: false`` (for exploring in JupyterLab) are kept as they are:
Quarto honours its own cell option for the pre-executed notebook, and leaves them out of
both formats (``tests/test_quarto.py`` checks it).

The templates the two renderers share are staged beside Quarto's partials: ``cover.html``
and ``contents.html`` (included by the ``title-block.html`` and ``toc.html`` partials),
``layout.typ`` (included by ``typst-show.typ``) and the Lua filter ``accessible.lua``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
from importlib.resources import files
from pathlib import Path

import nbformat
import yaml

from crimeplan.build.render import bounded
from crimeplan.build.render.document import TYPST, CoverFacts, output_block
from crimeplan.errors import ExecutionError
from crimeplan.sections.charts import vega_javascript

TEMPLATES = files("crimeplan") / "templates"
QUARTO_TEMPLATES = TEMPLATES / "quarto"
STAGED_TEMPLATES = "_crimeplan"  # folder of the stage holding the partials, as _quarto.yml names it
FIGURES = "_figures"
# Templates of the built-in renderer that the Quarto project uses too (see _quarto.yml).
SHARED_TEMPLATES = ("cover.html", "contents.html", "layout.typ", "accessible.lua")
HTML_OUTPUT_CLASS = "crimeplan-html"  # crimeplan.lua replaces these divs with their HTML file
ERROR_TAIL_CHARS = 3000
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DISPLAY_OUTPUTS = ("display_data", "execute_result")
# Quarto's own marker that keeps its Lua filters from parsing raw HTML as tables
# (https://quarto.org/docs/authoring/tables.html#library-authors); the Vega bundle's
# tooltip code contains "<table" strings.
NO_TABLE_PROCESSING = "<!--| quarto-html-table-processing: none -->"


def combined_notebook(notebooks: list[Path], cover: CoverFacts, figures_dir: Path) -> nbformat.NotebookNode:
    """One notebook: a raw front-matter cell, then the content cells of ``notebooks`` in order.

    The charts' HTML and static images are written to ``figures_dir``, which the notebook
    refers to as ``_figures/``.
    """
    combined = nbformat.v4.new_notebook()
    combined.cells.append(
        nbformat.v4.new_raw_cell(
            "---\n" + yaml.safe_dump(cover.metadata(), sort_keys=False, allow_unicode=True) + "---",
            id="front-matter",
        )
    )
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        combined.metadata = notebook.metadata
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                outputs = [_quarto_output(o, figures_dir) for o in cell.get("outputs", []) if o.output_type in DISPLAY_OUTPUTS]
                if not outputs:
                    continue
                cell = nbformat.v4.new_code_cell(cell.source, outputs=outputs, metadata=cell.metadata)
            else:
                cell = nbformat.from_dict({**cell, "metadata": cell.metadata})
            cell.id = f"{path.stem}-{index}"[-64:]
            combined.cells.append(cell)
    return combined


def _quarto_output(output, figures_dir: Path):
    """A ``text/html`` output (a chart) as Markdown: a div naming the HTML file, which the
    Lua filter puts in the HTML page, holding the static figure for the PDF exactly as the
    built-in renderer writes it (raw Typst: the SVG with its alt text). Keeping the HTML
    (with its fallback image) out of the Markdown spares Pandoc and Quarto's filters a
    megabyte of text in both formats."""
    data = output.get("data", {})
    if "text/html" not in data:
        return output
    figures_dir.mkdir(parents=True, exist_ok=True)
    html = data["text/html"].encode("utf-8")
    html_name = f"{hashlib.sha1(html).hexdigest()[:16]}.html"
    (figures_dir / html_name).write_bytes(html)
    static = {**output, "data": {mime: content for mime, content in data.items() if mime != "text/html"}}
    typst = output_block(static, TYPST, figures_dir) or ""
    markdown = f'::: {{.{HTML_OUTPUT_CLASS} include="{FIGURES}/{html_name}"}}\n{typst}\n:::'
    return nbformat.v4.new_output("display_data", data={"text/markdown": markdown, "text/plain": data.get("text/plain", "")})


def stage(project_root: Path, notebooks: list[Path], cover: CoverFacts, stage_dir: Path) -> Path:
    """Write the Quarto project to render into ``stage_dir``; return the notebook's path."""
    stage_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(project_root / "_quarto.yml", stage_dir / "_quarto.yml")
    partials = stage_dir / STAGED_TEMPLATES
    partials.mkdir(exist_ok=True)
    for partial in QUARTO_TEMPLATES.iterdir():
        if partial.is_file():
            (partials / partial.name).write_bytes(partial.read_bytes())
    for name in SHARED_TEMPLATES:
        (partials / name).write_bytes((TEMPLATES / name).read_bytes())
    # The stylesheet and the Vega bundle inline, as in the built-in renderer: the page
    # needs no other file, so Quarto's slower `embed-resources` pass is not needed.
    (partials / "header.html").write_text(
        f"{NO_TABLE_PROCESSING}\n<style>\n{(TEMPLATES / 'update.css').read_text(encoding='utf-8')}</style>\n"
        f'<script type="text/javascript">\n{vega_javascript()}\n</script>\n',
        encoding="utf-8",
    )
    notebook = stage_dir / "update.ipynb"
    nbformat.write(combined_notebook(notebooks, cover, stage_dir / FIGURES), notebook)
    return notebook


def quarto_warnings(stderr: str) -> list[str]:
    """Quarto's (and Pandoc's) warnings in its console output, without colour codes."""
    plain = ANSI.sub("", stderr)
    return [line.strip() for line in plain.splitlines() if re.search(r"\bWARN(ING)?\b", line)]


def render_quarto(project_root: Path, notebooks: list[Path], cover: CoverFacts, build_dir: Path) -> dict[str, Path]:
    """Write ``update.html`` and ``update.pdf`` into ``build_dir`` with one ``quarto render``."""
    stage_dir = build_dir / "_render" / "quarto"
    notebook = stage(project_root, notebooks, cover, stage_dir)
    completed = bounded.run(["quarto", "render", notebook.name, "--no-execute"], "quarto render", cwd=stage_dir)
    if completed.returncode != 0:
        raise ExecutionError(f"quarto render failed:\n{completed.stderr[-ERROR_TAIL_CHARS:]}")
    for warning in quarto_warnings(completed.stderr):
        print(f"quarto: {warning}", file=sys.stderr)
    outputs = {"html": stage_dir / "update.html", "pdf": stage_dir / "update.pdf"}
    for path in outputs.values():
        if not path.is_file():
            raise ExecutionError(f"quarto render did not write {path.name}")
        shutil.move(path, build_dir / path.name)
    return {kind: build_dir / path.name for kind, path in outputs.items()}
