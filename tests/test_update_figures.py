"""The rendered 2019/20 Q2 update states every figure of the seed, from data (issue 3)."""

from __future__ import annotations

import ast
import csv
import json
import re

import pytest

from conftest import REPO
from pdf_text import html_text, pdf_table_rows, pdf_text
from seed_figures import SEED_FIGURES, missing_figures


@pytest.mark.parametrize("document", ["pdf", "html"])
def test_every_seed_figure_is_in_the_rendered_update(rendered_default, document):
    text = pdf_text(rendered_default.pdf) if document == "pdf" else html_text(rendered_default.html)
    assert len(SEED_FIGURES) > 120
    assert missing_figures(text) == []


def test_required_rows_are_generated(rendered_default):
    """The performance tables state each compared figure once: this period, a year earlier, the change."""
    for text in (pdf_table_rows(rendered_default.pdf), html_text(rendered_default.html)):
        for row in (
            "Special Constable headcount Sep 2019 515 464 +51 (+11%)",
            "Hours worked by Special Constables Jul to Sep 2019 48,810 hours 41,017 hours [d] +7,793 hours (+19%)",
            "People killed on the roads Jul to Sep 2019 8 14 \u22126 (\u221243%)",
            "Arrests of drug drivers Jul to Sep 2019 414 224 +190 (+85%)",
        ):
            assert row in text, row


def _set_value(path, measure: str, period_end: str, value: str) -> None:
    rows = list(csv.DictReader(path.open(encoding="utf-8")))
    changed = [r for r in rows if r["measure"] == measure and r["area"] == "Essex" and r["period_end"] == period_end]
    assert len(changed) == 1, (measure, period_end)
    changed[0]["value"] = value
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


SEED_NUMBERS = {re.sub(r"[^\d.]", "", figure) for figure, _ in SEED_FIGURES} - {""}
CHART_SETTINGS = {"width", "height", "ppi", "size", "opacity", "strokeWidth", "labelLimit", "timeout"}


def _numeric_literals(source: str) -> list[str]:
    """Numbers written in Python source, except chart-setting keyword arguments and
    named settings (``UPPER_CASE = number``)."""
    tree = ast.parse(source)
    allowed = {id(node.value) for node in ast.walk(tree)
               if isinstance(node, ast.keyword) and node.arg in CHART_SETTINGS}
    allowed |= {id(node.value) for node in ast.walk(tree)
                if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets)}
    return [repr(node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, (int, float))
            and not isinstance(node.value, bool) and id(node) not in allowed]


@pytest.mark.parametrize("notebook", sorted((REPO / "notebooks").glob("*.ipynb")), ids=lambda p: p.stem)
def test_notebooks_type_no_numbers(notebook):
    cells = json.loads(notebook.read_text())["cells"]
    code = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    assert _numeric_literals(code) == []


def test_library_types_no_seed_figure():
    found = {}
    for path in (REPO / "src" / "crimeplan").rglob("*.py"):
        for literal in _numeric_literals(path.read_text()):
            if literal in SEED_NUMBERS and len(literal) >= 3:
                found.setdefault(str(path.relative_to(REPO)), []).append(literal)
    assert found == {}


def test_commentary_numbers_are_references_or_one_off_facts():
    """Figures that are measures appear in commentary only as {{references}}."""
    measured = set()
    for row in csv.DictReader((REPO / "data" / "measures" / "essex_pcp.csv").open(encoding="utf-8")):
        if row["period_end"].startswith("2019") and float(row["value"]) >= 100:
            measured.add(f"{float(row['value']):,.0f}")
    for path in sorted((REPO / "data" / "commentary").rglob("*.md")):
        literal = re.sub(r"\{\{[^}]*\}\}", "", path.read_text())
        typed = {n for n in re.findall(r"(?<![\d.])\d{1,3}(?:,\d{3})+|\d{3,}(?![\d.])", literal)
                 if not re.fullmatch(r"(19|20)\d\d", n)}
        assert typed & measured == set(), f"{path.name} types measured figures instead of references"
