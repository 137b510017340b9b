"""The Quarto renderer, used whenever ``quarto`` is on PATH (or ``--renderer quarto``).

The look is a Quarto format extension, ``templates/quarto/`` (``crimeplan-html`` and
``crimeplan-typst``; a project has it as ``_extensions/crimeplan/``). Quarto renders one
combined notebook, written by :func:`stage`: the executed priority notebooks in plan
order, behind a front-matter cell holding the cover facts and naming the two formats.
Quarto never executes code. Two places render it:

* ``crimeplan render --renderer quarto`` stages it in the build folder, beside a link to
  the project's extension, and runs ``quarto render --to crimeplan-html`` and ``--to
  crimeplan-typst`` at once (two processes, as the built-in renderer runs Pandoc and Typst);
* ``quarto render`` at the project root, whose ``pre-render`` step (:mod:`crimeplan.build.quarto_project`)
  stages it at the root as ``update.ipynb``.

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
"""

from __future__ import annotations

import hashlib
import re
import shutil
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import yaml

from crimeplan.build.render import bounded
from crimeplan.build.render.document import EXTENSION, TYPST, CoverFacts, output_block
from crimeplan.errors import ExecutionError
from crimeplan.sections.vega import vega_javascript

EXTENSION_NAME = "crimeplan"
PROJECT_EXTENSION = Path("_extensions") / EXTENSION_NAME  # where a project holds the extension
FORMATS = {"html": "crimeplan-html", "pdf": "crimeplan-typst"}  # output -> the extension's format
NOTEBOOK = "update.ipynb"
SUPPORT = "_crimeplan"  # beside the notebook: the charts' files and the page header
HEADER = "header.html"
HTML_OUTPUT_CLASS = "crimeplan-html"  # crimeplan.lua replaces these divs with their HTML file
ERROR_TAIL_CHARS = 3000
ANSI = re.compile(r"\x1b\[[0-9;]*m")
DISPLAY_OUTPUTS = ("display_data", "execute_result")
# Quarto's own marker that keeps its Lua filters from parsing raw HTML as tables
# (https://quarto.org/docs/authoring/tables.html#library-authors); the Vega bundle's
# tooltip code contains "<table" strings.
NO_TABLE_PROCESSING = "<!--| quarto-html-table-processing: none -->"
# Quarto warns after every PDF/UA render that veraPDF (a Java validator, not on PyPI, npm
# or Debian) is not installed to validate the PDF. The PDF declares PDF/UA-1 either way
# (the tests check it, and the built-in renderer's PDF is validated no further), so the
# Quarto renderer leaves this one notice out; every other warning is passed on.
VERAPDF_NOTICE = re.compile(r"verapdf is not installed|Install with: quarto install verapdf|Standards requested:", re.I)


def front_matter(cover: CoverFacts) -> dict:
    """The metadata the template partials read (``$title$``, ``$data-to$`` …) and the
    two formats, the HTML one with the page header (stylesheet and Vega bundle)."""
    return {
        **cover.metadata(),
        "format": {FORMATS["html"]: {"include-in-header": f"{SUPPORT}/{HEADER}"}, FORMATS["pdf"]: "default"},
    }


def combined_notebook(notebooks: list[Path], cover: CoverFacts, support_dir: Path) -> nbformat.NotebookNode:
    """One notebook: a raw front-matter cell, then the content cells of ``notebooks`` in order.

    The charts' HTML and static images are written to ``support_dir``, which the notebook
    refers to by its name.
    """
    combined = nbformat.v4.new_notebook()
    combined.cells.append(
        nbformat.v4.new_raw_cell(
            "---\n" + yaml.safe_dump(front_matter(cover), sort_keys=False, allow_unicode=True) + "---",
            id="front-matter",
        )
    )
    for path in notebooks:
        notebook = nbformat.read(path, as_version=4)
        combined.metadata = notebook.metadata
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                outputs = [_quarto_output(o, support_dir) for o in cell.get("outputs", []) if o.output_type in DISPLAY_OUTPUTS]
                if not outputs:
                    continue
                cell = nbformat.v4.new_code_cell(cell.source, outputs=outputs, metadata=cell.metadata)
            else:
                cell = nbformat.from_dict({**cell, "metadata": cell.metadata})
            cell.id = f"{path.stem}-{index}"[-64:]
            combined.cells.append(cell)
    return combined


def _quarto_output(output, support_dir: Path):
    """A ``text/html`` output (a chart) as Markdown: a div naming the HTML file, which the
    Lua filter puts in the HTML page, holding the static figure for the PDF exactly as the
    built-in renderer writes it (raw Typst: the SVG with its alt text). Keeping the HTML
    (with its fallback image) out of the Markdown spares Pandoc and Quarto's filters a
    megabyte of text in both formats."""
    data = output.get("data", {})
    if "text/html" not in data:
        return output
    support_dir.mkdir(parents=True, exist_ok=True)
    html = data["text/html"].encode("utf-8")
    html_name = f"{hashlib.sha1(html).hexdigest()[:16]}.html"
    (support_dir / html_name).write_bytes(html)
    static = {**output, "data": {mime: content for mime, content in data.items() if mime != "text/html"}}
    typst = output_block(static, TYPST, support_dir) or ""
    markdown = f'::: {{.{HTML_OUTPUT_CLASS} include="{support_dir.name}/{html_name}"}}\n{typst}\n:::'
    return nbformat.v4.new_output("display_data", data={"text/markdown": markdown, "text/plain": data.get("text/plain", "")})


def page_header() -> str:
    """The HTML page's header: the stylesheet and the Vega bundle, inline, as in the
    built-in renderer, so the page needs no other file (and no `embed-resources` pass)."""
    return (f"{NO_TABLE_PROCESSING}\n<style>\n{(EXTENSION / 'update.css').read_text(encoding='utf-8')}</style>\n"
            f'<script type="text/javascript">\n{vega_javascript()}\n</script>\n')


def stage(notebooks: list[Path], cover: CoverFacts, stage_dir: Path) -> Path:
    """Write the combined notebook and its support folder into ``stage_dir`` (replacing
    any earlier one); return the notebook's path."""
    support = stage_dir / SUPPORT
    shutil.rmtree(support, ignore_errors=True)
    support.mkdir(parents=True)
    (support / HEADER).write_text(page_header(), encoding="utf-8")
    notebook = stage_dir / NOTEBOOK
    nbformat.write(combined_notebook(notebooks, cover, support), notebook)
    return notebook


def project_extension(project_root: Path) -> Path:
    """The project's own copy of the extension, or crimeplan's when it has none."""
    own = project_root / PROJECT_EXTENSION
    return own if (own / "_extension.yml").is_file() else Path(str(EXTENSION))


def quarto_warnings(stderr: str) -> list[str]:
    """Quarto's (and Pandoc's) warnings in its console output, without colour codes."""
    plain = ANSI.sub("", stderr)
    return [line.strip() for line in plain.splitlines() if re.search(r"\bWARN(ING)?\b", line)]


def render_quarto(project_root: Path, notebooks: list[Path], cover: CoverFacts, build_dir: Path) -> dict[str, Path]:
    """Write ``update.html`` and ``update.pdf`` into ``build_dir``: the two formats
    rendered at once, each by its own ``quarto render`` of the staged notebook.

    The stage is a temporary folder outside the project (so Quarto renders it as a single
    document, not as part of the project's own ``_quarto.yml``) holding a link to the
    project's extension."""
    with tempfile.TemporaryDirectory(prefix="crimeplan-quarto-") as temporary:
        stage_dir = Path(temporary)
        notebook = stage(notebooks, cover, stage_dir)
        extensions = stage_dir / PROJECT_EXTENSION.parent
        extensions.mkdir()
        (extensions / EXTENSION_NAME).symlink_to(project_extension(project_root).resolve(), target_is_directory=True)
        with ThreadPoolExecutor(max_workers=len(FORMATS)) as pool:
            runs = {kind: pool.submit(_quarto_render, notebook, to) for kind, to in FORMATS.items()}
            written = {kind: run.result() for kind, run in runs.items()}
        for path in written.values():
            shutil.move(path, build_dir / path.name)
    return {kind: build_dir / path.name for kind, path in written.items()}


def _quarto_render(notebook: Path, to: str) -> Path:
    """One ``quarto render`` of ``notebook`` to the format ``to``; its warnings passed on."""
    completed = bounded.run(["quarto", "render", notebook.name, "--to", to, "--no-execute"], f"quarto render --to {to}",
                            cwd=notebook.parent)
    if completed.returncode != 0:
        raise ExecutionError(f"quarto render --to {to} failed:\n{completed.stderr[-ERROR_TAIL_CHARS:]}")
    for warning in quarto_warnings(completed.stderr):
        if not VERAPDF_NOTICE.search(warning):
            print(f"quarto: {warning}", file=sys.stderr)
    output = notebook.with_suffix(".pdf" if to == FORMATS["pdf"] else ".html")
    if not output.is_file():
        raise ExecutionError(f"quarto render --to {to} did not write {output.name}")
    return output
