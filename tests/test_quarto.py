"""The Quarto path renders the same document when Quarto is installed (issue 2)."""

from __future__ import annotations

import shutil

import pytest
import yaml

from conftest import REPO, copy_project, render
from pdf_text import html_text, pdf_text
from crimeplan.params import load_plan

needs_quarto = pytest.mark.skipif(
    shutil.which("quarto") is None,
    reason="Quarto is not installed (it has no wheel on PyPI; install quarto-cli >= 1.5 to run these)",
)


def test_quarto_config_is_a_typst_and_html_project_that_never_executes():
    config = yaml.safe_load((REPO / "_quarto.yml").read_text())
    assert config["execute"]["enabled"] is False and config["execute"]["echo"] is False
    assert set(config["format"]) == {"html", "typst"}
    assert config["format"]["typst"]["papersize"] == "a4"
    assert config["format"]["html"]["embed-resources"] is True
    assert config["project"]["render"] == ["update.ipynb"]


@needs_quarto
def test_quarto_renders_the_same_priorities(tmp_path):
    rendered = render(copy_project(tmp_path / "project"), "2019-20-Q2", "--renderer", "quarto")
    titles = [p.heading for p in load_plan(REPO / "params").priorities]
    for text in (pdf_text(rendered.pdf), html_text(rendered.html)):
        assert "2019/20 Q2" in text
        assert all(title in text for title in titles)


def test_staged_notebook_and_running_header_for_quarto(tmp_path):
    """What the Quarto path stages, checked without Quarto: the combined notebook and the
    Typst header (compiled here with the typst wheel, as Quarto's typst would)."""
    import nbformat
    import typst

    from crimeplan.params import load_quarter
    from crimeplan.render.document import CoverFacts
    from crimeplan.render.quarto import combined_notebook, running_header

    plan = load_plan(REPO / "params")
    cover = CoverFacts.of(plan, load_quarter(REPO / "params", "2019-20-Q2"))
    notebooks = [REPO / "notebooks" / f"{p.notebook}.ipynb" for p in plan.priorities]
    combined = combined_notebook(notebooks, cover)
    front = yaml.safe_load(combined.cells[0].source.strip("-\n"))
    assert combined.cells[0].cell_type == "raw"
    assert front["subtitle"] == "Quarterly Update 2019/20 Q2" and front["description"] == "Data to September 2019"
    assert len(combined.cells) == 1 + sum(len(nbformat.read(p, as_version=4).cells) for p in notebooks)

    source = tmp_path / "header.typ"
    source.write_text(running_header(cover) + "\n= Cover\n#pagebreak()\nBody\n", encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "header.pdf"))
    pages = pdf_text(tmp_path / "header.pdf")
    assert "Cover Page 1 of 2 Police and Crime Plan 2016–2020 – Quarterly Update 2019/20 Q2 Body" in pages
    assert "Essex Police" in pages
    assert "Page 2 of 2" in pages
