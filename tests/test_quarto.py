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
