"""What both renderers need: the cover metadata and the executed notebooks as Markdown."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import nbformat

from crimeplan.inputs.params import Plan, QuarterParams
from crimeplan.markup import text, typst_string

HTML = "html"
TYPST = "typst"

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
            data_to=f"Data to {params.data_to.strftime('%B %Y')}",
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
            return f"```{{=html}}\n{content}\n```"
        if mime in ("image/png", "image/svg+xml"):
            alt = output.get("metadata", {}).get(mime, {}).get("alt") or data.get("text/plain", "Chart")
            return _image_block(content, mime, alt, figures_dir)
        if mime == "text/plain":
            return None  # a bare repr is not document content
    return None


def _image_block(content: str, mime: str, alt: str, figures_dir: Path) -> str:
    """A static image as a raw Typst figure (Pandoc's Typst writer drops alt text)."""
    raw = base64.b64decode(content) if mime == "image/png" else content.encode()
    suffix = ".png" if mime == "image/png" else ".svg"
    figures_dir.mkdir(parents=True, exist_ok=True)
    path = figures_dir / f"{hashlib.sha1(raw).hexdigest()[:16]}{suffix}"
    path.write_bytes(raw)
    return (
        "```{=typst}\n"
        f'#figure(image({typst_string(f"{figures_dir.name}/{path.name}")}, width: 100%, alt: {typst_string(alt)}), '
        "placement: auto)\n"
        "```"
    )
