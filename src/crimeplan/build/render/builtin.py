"""The built-in renderer: executed notebooks -> Markdown -> Pandoc -> HTML, and -> Typst -> PDF.

It uses the same engines Quarto uses (Pandoc and Typst, from the ``pypandoc_binary`` and
``typst`` wheels) so the project renders from ``pip install`` alone, with no network.
Each runs as a child process under a time and memory bound (:mod:`crimeplan.build.render.bounded`).
"""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pypandoc
import yaml

from crimeplan.build.render import bounded
from crimeplan.build.render.document import EXTENSION, HTML, TYPST, CoverFacts, notebook_markdown
from crimeplan.errors import ExecutionError
from crimeplan.sections.vega import vega_javascript

# Values reach the Markdown as escaped text (crimeplan.markup); as a second guard, the
# Markdown is read without raw HTML or TeX, citations, maths, spans and link or code
# attributes, none of which the update uses (its own raw blocks are fenced ```{=html}).
PANDOC_INPUT = (
    "markdown-implicit_figures-raw_html-raw_tex-citations-tex_math_dollars-bracketed_spans"
    "-link_attributes-inline_code_attributes"
)
FILTER = f"--lua-filter={EXTENSION / 'accessible.lua'}"
# The PDF is tagged and declares PDF/UA-1: Typst then requires a title and alt text for
# every image, and marks the document title for display (DisplayDocTitle).
PDF_STANDARD = "ua-1"
# Typst from its wheel, in a child process so that its memory can be bounded.
TYPST_SCRIPT = (
    "import sys, typst\n"
    "source, output, root, standard = sys.argv[1:]\n"
    "try:\n"
    "    typst.compile(source, output=output, root=root, pdf_standards=[standard])\n"
    "except Exception as error:\n"
    "    sys.exit(str(error))\n"
)
ERROR_TAIL_CHARS = 3000


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
        "<style>\n" + (EXTENSION / "update.css").read_text() + "</style>\n"
        '<script type="text/javascript">\n' + vega_javascript() + "\n</script>\n",
        encoding="utf-8",
    )
    _pandoc(
        markdown,
        "html5",
        output,
        [
            "--standalone",
            f"--template={EXTENSION / 'update.html'}",
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
    _pandoc(markdown, "typst", source, ["--standalone", f"--template={EXTENSION / 'update.typ'}", FILTER, *metadata_args])
    completed = bounded.run([sys.executable, "-c", TYPST_SCRIPT, str(source), str(output), str(work), PDF_STANDARD],
                            "Typst", memory=bounded.TYPST_MEMORY)
    if completed.returncode != 0:
        raise ExecutionError(f"Typst could not compile {source.name}: {_reason(completed)}")
    return output


def _pandoc(markdown: str, to: str, output: Path, args: list[str]) -> None:
    command = [pypandoc.get_pandoc_path(), "+RTS", f"-M{bounded.PANDOC_HEAP}", "-RTS",
               f"--from={PANDOC_INPUT}", f"--to={to}", f"--output={output}", *args]
    completed = bounded.run(command, "Pandoc", stdin=markdown)
    if completed.returncode != 0:
        raise ExecutionError(f"Pandoc could not write {output.name}: {_reason(completed)}")


def _reason(completed: subprocess.CompletedProcess) -> str:
    """Why an engine failed: its own message, or the signal that stopped it (a memory bound)."""
    if completed.returncode < 0 or "Heap exhausted" in completed.stderr:
        return "it ran out of memory (crimeplan bounds the renderers' memory; is an input far too large?)"
    return completed.stderr.strip()[-ERROR_TAIL_CHARS:] or f"exit code {completed.returncode}"
