"""End to end: `crimeplan render` writes the update a reviewer reads (issue 2)."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import nbformat
import pytest

from conftest import REPO, copy_project, run_cli, run_in_process
from crimeplan.inputs.params import load_plan
from pdf_text import html_text, parsed_pdf, pdf_text

PLAN = load_plan(REPO / "params")
TITLES = [p.heading for p in PLAN.priorities]


def chart_outputs(notebook_dir) -> int:
    """Charts the executed notebooks display (one output with the chart's HTML each)."""
    return len(chart_svgs(notebook_dir))


def chart_svgs(notebook_dir) -> list[str]:
    """The static SVG of every chart the executed notebooks display."""
    return [
        output["data"]["image/svg+xml"]
        for path in sorted(notebook_dir.glob("*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
        for output in cell.get("outputs", [])
        if "crimeplan-chart" in output.get("data", {}).get("text/html", "")
    ]


def test_render_writes_update_notebooks_and_manifest(rendered_default):
    out = rendered_default.output_dir
    assert rendered_default.html.stat().st_size > 0 and rendered_default.pdf.stat().st_size > 0
    executed = sorted(p.name for p in (out / "notebooks").glob("*.ipynb"))
    assert executed == sorted(f"{name}.ipynb" for name, _ in PLAN.notebooks)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["quarter"] == "2019-20-Q2"
    assert set(manifest["notebook_seconds"]) == {name for name, _ in PLAN.notebooks}
    assert "update.pdf" in manifest["files"] and "update.html" in manifest["files"]
    assert not list(rendered_default.root.joinpath("outputs").glob(".build-*"))
    assert "Rendered 2019-20-Q2" in rendered_default.result.stderr
    tables = {p.name: p for p in (out / "tables").glob("*.csv")}
    assert sorted(tables) == sorted([f"{p.notebook}_performance.csv" for p in PLAN.priorities]
                                    + ["summary_scorecard.csv"])
    roads = csv.DictReader(io.StringIO(tables["p7_road_safety_performance.csv"].read_text(encoding="utf-8-sig")))
    ksi = next(row for row in roads if row["measure"] == "ksi_casualties" and row["area"] == "Essex")
    assert {key: ksi[key] for key in ("label", "unit", "period_start", "period_end", "value", "status",
                                       "same_period_last_year", "change")} == {
        "label": "People killed or seriously injured on the roads", "unit": "people", "period_start": "2019-07-01",
        "period_end": "2019-09-30", "value": "204.0", "status": "published", "same_period_last_year": "199.0",
        "change": "5.0"}
    assert tables["p3_domestic_abuse_performance.csv"].read_text(encoding="utf-8-sig").startswith("measure,label,")


def test_pdf_has_cover_priorities_in_order_and_page_furniture(rendered_default):
    text = pdf_text(rendered_default.pdf)
    for phrase in ("Police and Crime Plan 2016–2020", "Quarterly Update 2019/20 Q2", "Data to September 2019",
                   "Version 2", "Produced October 2019", "Performance Analysis Unit, Essex Police", "Contents"):
        assert phrase in text, phrase
    body = text[text.index("Contents"):]
    positions = [body.find(title, body.find(TITLES[-1]) + 1) for title in TITLES]  # after the contents list
    assert all(p > 0 for p in positions), positions
    assert positions == sorted(positions)
    with parsed_pdf(rendered_default.pdf) as pdf:
        pages = len(pdf.pages)
        assert pdf.pages[0].width == pytest.approx(595.3, abs=1)  # A4
        assert pdf.pages[0].height == pytest.approx(841.9, abs=1)
        headers = [page.extract_text().splitlines()[0] for page in pdf.pages[1:]]
    assert all(h.startswith("Police and Crime Plan 2016–2020 – Quarterly Update 2019/20 Q2") for h in headers)
    assert f"Page {pages - 1} of {pages - 1}" in text  # the cover is not numbered


def charts_by_notebook(notebook_dir) -> dict[str, list[str]]:
    """The static SVG of each chart, by executed notebook (priority)."""
    return {path.stem: chart_svgs_of(path) for path in sorted(notebook_dir.glob("p*.ipynb"))}


def chart_svgs_of(path) -> list[str]:
    return [output["data"]["image/svg+xml"] for cell in nbformat.read(path, as_version=4).cells
            for output in cell.get("outputs", [])
            if "crimeplan-chart" in output.get("data", {}).get("text/html", "")]


def test_charts_per_priority_add_what_the_tables_cannot(rendered_default):
    """Priority 1: the change chart, the Specials trend with its target, Specials per 100
    officers among the force's peers, Specials since 2007; priorities 4 and 5: the ONS
    rolling years since 2003 and the recovered quarters on a control chart; priority 7: the
    change chart; priorities whose comparisons are one table row: none. No chart is bars of
    this year against last year."""
    counts = {name: len(svgs) for name, svgs in charts_by_notebook(rendered_default.output_dir / "notebooks").items()}
    assert counts == {"p1_local_policing": 4, "p2_antisocial_behaviour": 0, "p3_domestic_abuse": 0,
                      "p4_serious_violence": 2, "p5_gangs_organised_crime": 2, "p6_vulnerable_people": 0,
                      "p7_road_safety": 1}
    text = pdf_text(rendered_default.pdf)
    assert "this year against the same period last year" not in text
    assert "A year earlier" in text and "Target 600 by March 2020" in text


def test_pdf_draws_every_chart_as_vector_graphics(rendered_default):
    """Each chart is in the PDF as its SVG (its title is text there), and none as a raster image."""
    svgs = chart_svgs(rendered_default.output_dir / "notebooks")
    titles = [" ".join(re.findall(r">([^<>]+)</t", re.search(r"role-title-text.*?</text>", svg, re.DOTALL)[0]))
              for svg in svgs]
    assert len(titles) == 9
    text = " ".join(pdf_text(rendered_default.pdf).split())
    assert all(html.unescape(title) in text for title in titles), titles
    with parsed_pdf(rendered_default.pdf) as pdf:
        assert sum(len(page.images) for page in pdf.pages) == 0


def test_html_has_cover_contents_and_priorities_in_order(rendered_default):
    text = html_text(rendered_default.html)
    assert "Quarterly Update 2019/20 Q2" in text and "Data to September 2019" in text
    main = text[text.index(TITLES[-1]) + len(TITLES[-1]):]  # after the contents list
    positions = [main.find(title) for title in TITLES]
    assert all(p >= 0 for p in positions) and positions == sorted(positions)
    html = rendered_default.html.read_text()
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=\"http", html), "no external scripts or styles"
    assert "same_period_last_year" not in html, "the notebooks' cells for exploring are not in the update"


def test_previous_year_quarter_renders(rendered_previous_year):
    text = pdf_text(rendered_previous_year.pdf)
    assert "Quarterly Update 2018/19 Q2" in text and "Data to September 2018" in text


def test_render_all_renders_every_quarter_with_its_public_data(tmp_path):
    """--all renders each quarter in params/; the open-data quarters show their sources."""
    root = copy_project(tmp_path / "project")
    quarters = ("2017-18-Q1", "2018-19-Q1")
    for params in (root / "params").glob("*.yml"):
        if params.stem not in ("plan", *quarters):
            params.unlink()  # two quarters are enough to show that --all renders each
    result = run_cli(root, "render", "--all", "--renderer", "builtin")
    assert result.returncode == 0, result.stderr
    for quarter in quarters:
        assert f"Rendered {quarter}" in result.stderr
    recorded_crime = html_text(root / "outputs" / "2017-18-Q1" / "update.html")
    assert "Quarterly Update 2017/18 Q1" in recorded_crime
    assert "Police recorded crime for April to June 2017: Essex recorded 32,890 crimes" in recorded_crime
    assert "police.uk" not in recorded_crime  # no police.uk data for April to June 2017: no section, no source
    asb = html_text(root / "outputs" / "2018-19-Q1" / "update.html")
    assert "Anti-social behaviour records on police.uk by district" in asb
    sources = asb[asb.index("Sources of the figures"):asb.index("Measures and their definitions")]
    assert "Street-level crime and anti-social behaviour data, by month" in sources  # police.uk, when shown
    assert "4,194" in asb  # Essex, April 2018, checked by hand against the raw police.uk files


def test_current_update_shows_both_sources_of_the_specials_trend(rendered_default):
    html = html_text(rendered_default.html)
    assert ("Special Constables rose to 515 in September 2019, from 464 in September 2018; the target is 600 by "
            "March 2020") in " ".join(html.split())
    pdf = pdf_text(rendered_default.pdf)
    assert "the Home Office figure (519) and Essex Police's (515) differ by 4" in pdf


def test_unknown_quarter_is_a_clear_error_and_writes_nothing(tmp_path):
    root = copy_project(tmp_path / "project")
    result = run_in_process(root, "render", "2030-31-Q1")
    assert result.returncode == 2
    assert "no params for quarter 2030-31-Q1" in result.stderr and "2019-20-Q2" in result.stderr
    assert not (root / "outputs" / "2030-31-Q1").exists()


def test_renderer_quarto_without_quarto_is_a_clear_error(tmp_path, monkeypatch):
    import os
    import shutil

    while shutil.which("quarto"):  # Quarto is installed here: hide it, as on a machine without it
        hidden = os.path.dirname(os.path.abspath(shutil.which("quarto")))
        monkeypatch.setenv("PATH", os.pathsep.join(
            p for p in os.environ["PATH"].split(os.pathsep) if os.path.abspath(p or ".") != hidden))
    root = copy_project(tmp_path / "project")
    result = run_in_process(root, "render", "2019-20-Q2", "--renderer", "quarto")
    assert result.returncode == 2
    assert "`quarto` command is not on PATH" in result.stderr
