"""The built-in renderer: executed notebooks -> Markdown -> Pandoc -> HTML, and -> Typst -> PDF.

It uses the same engines Quarto uses (Pandoc and Typst, from the ``pypandoc_binary`` and
``typst`` wheels) so the project renders from ``pip install`` alone, with no network.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from importlib.resources import files
from pathlib import Path
from typing import Literal

import pypandoc
import typst
import yaml

from crimeplan.build.render.document import HTML, TYPST, CoverFacts, notebook_markdown
from crimeplan.errors import ExecutionError
from crimeplan.sections.charts import vega_javascript

TEMPLATES = files("crimeplan") / "templates"
# Values reach the Markdown as escaped text (crimeplan.markup); as a second guard, the
# Markdown is read without raw HTML or TeX, citations, maths, spans and link or code
# attributes, none of which the update uses (its own raw blocks are fenced ```{=html}).
PANDOC_INPUT = ("markdown-implicit_figures-raw_html-raw_tex-citations-tex_math_dollars-bracketed_spans"
                "-link_attributes-inline_code_attributes")
FILTER = f"--lua-filter={TEMPLATES / 'accessible.lua'}"
# The PDF is tagged and declares PDF/UA-1: Typst then requires a title and alt text for
# every image, and marks the document title for display (DisplayDocTitle).
PDF_STANDARD: Literal["ua-1"] = "ua-1"


def render_builtin(project_root: Path, notebooks: list[Path], cover: CoverFacts, build_dir: Path) -> dict[str, Path]:
    """Write ``update.html`` and ``update.pdf`` into ``build_dir``; return their paths.

    The two are written at once (Pandoc and Typst each run outside Python's lock).
    """
    work = build_dir / "_render"
    work.mkdir(parents=True, exist_ok=True)
    metadata = work / "metadata.yml"
    metadata.write_text(yaml.safe_dump(cover.metadata(), allow_unicode=True), encoding="utf-8")
    metadata_args = [f"--metadata-file={metadata}"]
    with ThreadPoolExecutor(max_workers=2) as pool:
        html = pool.submit(_render_html, notebooks, work, build_dir / "update.html", metadata_args)
        pdf = pool.submit(_render_pdf, notebooks, work, build_dir / "update.pdf", metadata_args)
        return {"html": html.result(), "pdf": pdf.result()}


def _combined_markdown(notebooks: list[Path], target: str, figures_dir: Path) -> str:
    return "\n\n".join(notebook_markdown(path, target, figures_dir) for path in notebooks)


def _render_html(notebooks: list[Path], work: Path, output: Path, metadata_args: list[str]) -> Path:
    markdown = _combined_markdown(notebooks, HTML, work / "figures-html")
    header = work / "header.html"
    header.write_text(
        "<style>\n" + (TEMPLATES / "update.css").read_text() + "</style>\n"
        '<script type="text/javascript">\n' + vega_javascript() + "\n</script>\n",
        encoding="utf-8",
    )
    _pandoc(
        markdown,
        "html5",
        output,
        [
            "--standalone",
            f"--template={TEMPLATES / 'update.html'}",
            f"--include-in-header={header}",
            FILTER,
            # The cover title is the page's one h1: priorities are h2, their sections h3.
            "--shift-heading-level-by=1",
            "--toc",
            "--toc-depth=2",
            "--section-divs",
            *metadata_args,
        ],
    )
    return output


def _render_pdf(notebooks: list[Path], work: Path, output: Path, metadata_args: list[str]) -> Path:
    markdown = _combined_markdown(notebooks, TYPST, work / "figures")
    source = work / "update.typ"
    _pandoc(markdown, "typst", source, ["--standalone", f"--template={TEMPLATES / 'update.typ'}", FILTER, *metadata_args])
    try:
        typst.compile(str(source), output=str(output), root=str(work), pdf_standards=[PDF_STANDARD])
    except Exception as error:  # typst raises a bare RuntimeError with the diagnostics
        raise ExecutionError(f"Typst could not compile {source}: {error}") from None
    return output


def _pandoc(markdown: str, to: str, output: Path, args: list[str]) -> None:
    try:
        pypandoc.convert_text(
            markdown, to, format=PANDOC_INPUT, outputfile=str(output), extra_args=args, sandbox=False
        )
    except RuntimeError as error:
        raise ExecutionError(f"Pandoc could not write {output.name}: {error}") from None
