"""What both renderers need: the cover metadata and the executed notebooks as Markdown."""

from __future__ import annotations

import base64
import hashlib
import re
import struct
from dataclasses import dataclass
from datetime import date, datetime
from importlib.resources import files
from pathlib import Path

import nbformat

from crimeplan.formatting import month_year
from crimeplan.inputs.params import Plan, QuarterParams
from crimeplan.markup import raw_block, text, typst_string
from crimeplan.sections.vega import PDF_COLUMN_POINTS, PDF_PAGE_POINTS

HTML = "html"
TYPST = "typst"
# The look of the update, for both renderers: a Quarto format extension (crimeplan-html,
# crimeplan-typst) whose templates, stylesheet and Lua filter the built-in renderer reads too.
EXTENSION = files("crimeplan") / "templates" / "quarto"

# Which output representation each target prefers, best first.
MIME_PRIORITY = {
    HTML: ["text/markdown", "text/html", "image/svg+xml", "image/png", "text/plain"],
    TYPST: ["text/markdown", "image/svg+xml", "image/png", "text/plain"],
}


@dataclass(frozen=True)
class CoverFacts:
    """The cover and running-header text of one update."""

    title: str
    quarter_label: str
    data_to: str
    version: int
    produced: str
    producing_unit: str
    force: str
    created: date  # the PDF's creation date: from the inputs, so a render again gives the same file

    @classmethod
    def of(cls, plan: Plan, params: QuarterParams) -> CoverFacts:
        return cls(
            title=plan.plan_title,
            quarter_label=params.period.label,
            data_to=f"Data to {month_year(params.data_to)}",
            version=params.version,
            produced=params.produced,
            producing_unit=params.producing_unit,
            force=plan.force,
            created=_produced_on(params),
        )

    def metadata(self) -> dict[str, str]:
        """The document metadata both renderers' templates read (``$title$``, ``$data-to$``…),
        as Markdown text: Pandoc's writers then escape it for HTML and for Typst, so no
        cover field becomes markup or code."""
        fields = {
            "title": self.title,
            "pagetitle": f"{self.title} – Quarterly Update {self.quarter_label}",
            "quarter-label": self.quarter_label,
            "data-to": self.data_to,
            "version": self.version,
            "produced": self.produced,
            "producing-unit": self.producing_unit,
            "force": self.force,
            **self.created_parts(),
        }
        return {key: text(value) for key, value in fields.items()}

    def created_parts(self) -> dict[str, str]:
        """The creation date as the template variables ``layout.typ`` reads."""
        return {
            "created-year": str(self.created.year),
            "created-month": str(self.created.month),
            "created-day": str(self.created.day),
        }


def _produced_on(params: QuarterParams) -> date:
    """The first day of the month the update was produced ("October 2019"), else the day its data end."""
    try:
        return datetime.strptime(params.produced.strip(), "%B %Y").date()
    except ValueError:
        return params.data_to


def notebook_markdown(notebook_path: Path, target: str, figures_dir: Path) -> str:
    """The document content of one executed notebook, as Pandoc Markdown for ``target``.

    Code is never shown; markdown cells and display outputs are, each output in the
    representation ``target`` prefers. Images are written to ``figures_dir``.
    """
    notebook = nbformat.read(notebook_path, as_version=4)
    blocks: list[str] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            blocks.append(cell.source)
        elif cell.cell_type == "code" and not hidden_from_update(cell):
            for output in cell.get("outputs", []):
                if output.output_type in ("display_data", "execute_result"):
                    block = output_block(output, target, figures_dir)
                    if block:
                        blocks.append(block)
    return "\n\n".join(blocks) + "\n"


def hidden_from_update(cell) -> bool:
    """A cell for exploring in JupyterLab only: Quarto's ``#| include: false`` option."""
    return any(line.replace(" ", "") == "#|include:false" for line in cell.source.splitlines())


def output_block(output, target: str, figures_dir: Path) -> str | None:
    """One display output as Pandoc Markdown for ``target`` (the Quarto renderer writes
    its charts' static figures with it too); ``None`` when it has nothing to show."""
    data = output.get("data", {})
    for mime in MIME_PRIORITY[target]:
        if mime not in data:
            continue
        content = data[mime]
        if mime == "text/markdown":
            return content
        if mime == "text/html":
            return raw_block("html", content)
        if mime in ("image/png", "image/svg+xml"):
            alt = output.get("metadata", {}).get(mime, {}).get("alt") or data.get("text/plain", "Chart")
            return _image_block(content, mime, alt, figures_dir)
        if mime == "text/plain":
            return None  # a bare repr is not document content
    return None


def _image_block(content: str, mime: str, alt: str, figures_dir: Path) -> str:
    """A static image as a raw Typst figure (Pandoc's Typst writer drops alt text), at the
    column's width. It stays where it is in the text, beside the lists and paragraphs
    around it; only a chart taller than half a page floats (to the top or foot of a page,
    the text flowing on around it), as waiting for a page of its own would leave the page
    before it more than half empty."""
    raw = base64.b64decode(content) if mime == "image/png" else content.encode()
    suffix = ".png" if mime == "image/png" else ".svg"
    figures_dir.mkdir(parents=True, exist_ok=True)
    path = figures_dir / f"{hashlib.sha1(raw).hexdigest()[:16]}{suffix}"
    path.write_bytes(raw)
    width, height = _image_size(raw, mime)
    placement = "auto" if height * PDF_COLUMN_POINTS / width > PDF_PAGE_POINTS / 2 else "none"
    return raw_block(
        "typst",
        f'#figure(image({typst_string(f"{figures_dir.name}/{path.name}")}, width: 100%, alt: {typst_string(alt)}), '
        f"placement: {placement})",
    )


def _image_size(raw: bytes, mime: str) -> tuple[float, float]:
    """An image's width and height: a PNG's pixels, an SVG's ``width`` and ``height``."""
    if mime == "image/png":
        width, height = struct.unpack(">II", raw[16:24])
        return float(width), float(height)
    root = re.search(rb"<svg\b[^>]*>", raw)
    width = re.search(rb'\swidth="([\d.]+)', root[0]) if root else None
    height = re.search(rb'\sheight="([\d.]+)', root[0]) if root else None
    if width is None or height is None:
        return 1.0, 1.0  # no size given: taken as no taller than wide
    return float(width[1]), float(height[1])
