"""The update is accessible on any screen and in print (issue 8).

HTML: axe-core finds no WCAG 2.2 A/AA violations at phone and desktop widths, nothing is
wider than a 320 px screen, headings form one outline of unique headings, tables have
captions and scoped headers, charts are named images with a visible caption.
PDF: PDF/UA-1 with its title displayed, page labels that match the printed numbers, and
table cells whose text stays inside them.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter

import pytest

from conftest import REPO, page_opener
from crimeplan.inputs.params import load_plan
from crimeplan.sections.priority import PriorityReport, compared
from pdf_text import parsed_pdf
from test_render import chart_outputs

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLANK_WORDS = ("not available", "no comparison", "no target")


@pytest.fixture(scope="module")
def open_at(browser, rendered_default):
    """Open the update at a viewport width, once every chart is drawn."""
    yield from page_opener(browser, rendered_default, chart_outputs(rendered_default.output_dir / "notebooks"))


def _describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            lines.append(f"      {node.get('failureSummary', '')[:300]}")
    return "\n".join(lines)


def assert_axe_finds_no_violations(page, width: int) -> None:
    """axe-core's WCAG 2.2 A and AA rules on ``page``: no violation. Only violations are
    reported node by node (``resultTypes``): listing every node that passes took axe
    three times as long."""
    from axe_playwright_python.sync_playwright import Axe

    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    result = Axe().run(page, options=options)
    violations = result.response["violations"]
    assert violations == [], f"axe at {width} px:\n{_describe(violations)}"
    assert len(result.response["passes"]) > 10  # axe did run its rules


@pytest.mark.parametrize("width", [390, 1280])
def test_axe_finds_no_wcag_a_or_aa_violations(open_at, width):
    assert_axe_finds_no_violations(open_at(width), width)


@pytest.mark.parametrize("width", [320, 390])
def test_page_reflows_without_sideways_scrolling(open_at, width):
    page = open_at(width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # Wide content scrolls inside a labelled, focusable region, not the page.
    outside = page.evaluate("""width => [...document.querySelectorAll('main table, main figure, main img, main p, main li')]
        .filter(e => !e.closest('.table-scroll') && e.getBoundingClientRect().right > width + 0.5)
        .map(e => e.tagName + ' ' + e.textContent.slice(0, 60))""", width)
    assert outside == []


def test_headings_form_one_outline_of_unique_headings(open_at):
    page = open_at(1280)
    headings = page.eval_on_selector_all(
        "h1, h2, h3, h4, h5, h6", "els => els.map(e => [e.tagName, e.textContent.trim().replace(/\\s+/g, ' ')])")
    assert [text for tag, text in headings if tag == "H1"] == ["Quarterly Update 2019/20 Q2"]
    repeated = {text: n for text, n in Counter(text for _, text in headings).items() if n > 1}
    assert repeated == {}
    levels = [int(tag[1]) for tag, _ in headings]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:])), "no heading level is skipped"
    texts = [text for _, text in headings]
    assert "Priority 1: performance in 2019/20 Q2" in texts
    assert any(text.startswith("We will: Grow the wider police family") for text in texts)


def test_skip_link_leads_to_the_main_content(open_at):
    page = open_at(390, fresh=True)  # nothing focused yet
    page.keyboard.press("Tab")
    focused = page.evaluate("[document.activeElement.textContent, document.activeElement.getAttribute('href')]")
    assert focused == ["Skip to main content", "#main"]
    assert page.evaluate("document.querySelector('main').id") == "main"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.tagName") == "MAIN"


def performance_tables() -> int:
    """How many priorities of the shipped 2019/20 Q2 update have a performance table: those
    with a figure compared with a year earlier or a target."""
    reports = (PriorityReport.load(p.notebook, "2019-20-Q2", REPO) for p in load_plan(REPO / "params").priorities)
    return sum(any(compared(c) for c in report.comparisons) for report in reports)


def test_every_table_has_a_caption_scoped_headers_and_a_scroll_region(open_at):
    page = open_at(1280)
    tables = page.eval_on_selector_all("main table", r"""tables => tables.map(t => ({
        caption: ((t.querySelector('caption') || {}).textContent || '').replace(/\s+/g, ' ').trim(),
        columnHeaders: [...t.querySelectorAll('thead th')].map(th => th.getAttribute('scope')),
        rows: [...t.querySelectorAll('tbody tr')].map(tr => [tr.cells[0].tagName, tr.cells[0].getAttribute('scope')]),
        region: (r => r && [r.getAttribute('role'), r.getAttribute('aria-label'), r.getAttribute('tabindex')])(
            t.closest('.table-scroll')),
        emptyCells: [...t.querySelectorAll('td, th')].filter(c => !c.textContent.trim()).length,
    }))""")
    assert len(tables) == 1 + performance_tables() >= 3  # the scorecard, and the priorities with compared figures
    captions = [t["caption"] for t in tables]
    assert all(captions) and len(set(captions)) == len(captions)
    for table in tables:
        assert table["columnHeaders"] and set(table["columnHeaders"]) == {"col"}, table["caption"]
        # each row's first cell heads it; a group row (the scorecard's priority) heads the rows under it
        assert table["rows"] and all(row in (["TH", "row"], ["TH", "rowgroup"]) for row in table["rows"]), \
            table["caption"]
        assert table["rows"][-1] == ["TH", "row"], table["caption"]
        assert table["region"] == ["region", table["caption"], "0"]
        assert table["emptyCells"] == 0, f"an empty cell in {table['caption']!r} does not say why"
    text = page.inner_text("main")
    assert all(word in text for word in BLANK_WORDS)


def test_charts_are_named_images_with_a_visible_caption(open_at):
    page = open_at(390)
    charts = page.eval_on_selector_all("figure.crimeplan-chart", """figures => figures.map(f => {
        const svg = f.querySelector('svg'), caption = f.querySelector('figcaption');
        return {figureRole: f.getAttribute('role'), svgRole: svg && svg.getAttribute('role'),
                label: svg && svg.getAttribute('aria-label'), caption: caption && caption.textContent,
                captionShown: !!caption && caption.getBoundingClientRect().height > 0,
                fits: f.getBoundingClientRect().right <= window.innerWidth};
    })""")
    assert charts
    for chart in charts:
        assert chart["figureRole"] is None  # a role on the figure would hide its caption
        assert chart["svgRole"] == "img" and len(chart["label"] or "") > 20
        assert chart["caption"] and chart["captionShown"] and chart["fits"]


def test_displayed_numbers_use_the_minus_sign_and_say_percentage_points(rendered_default):
    from pdf_text import html_text, pdf_text

    for text in (html_text(rendered_default.html), pdf_text(rendered_default.pdf)):
        assert "\u2212" in text and "percentage points" in text
        assert "% points" not in text
        assert not re.search(r"(?<![\w-])-\d", text.replace("4-6", "")), "a hyphen used as a minus sign"


def _pdfinfo(pdf, *args: str) -> str:
    return subprocess.run(["pdfinfo", *args, str(pdf)], capture_output=True, text=True, check=True).stdout


def test_pdf_declares_pdf_ua_1_with_its_title_displayed(rendered_default):
    info = _pdfinfo(rendered_default.pdf)
    assert re.search(r"^Title:\s+Police and Crime Plan 2016–2020 – Quarterly Update 2019/20 Q2$", info, re.M)
    assert re.search(r"^Tagged:\s+yes$", info, re.M)
    metadata = _pdfinfo(rendered_default.pdf, "-meta")
    assert re.search(r"<pdfuaid:part>1</pdfuaid:part>", metadata)
    from pdfminer.pdftypes import resolve1

    with parsed_pdf(rendered_default.pdf) as pdf:
        catalog = pdf.doc.catalog
        assert resolve1(catalog["ViewerPreferences"])["DisplayDocTitle"] is True
        assert resolve1(catalog["Lang"]) == b"en-GB"


def test_pdf_page_labels_match_the_printed_page_numbers(rendered_default):
    import pypdfium2

    document = pypdfium2.PdfDocument(str(rendered_default.pdf))
    labels = [document.get_page_label(i) for i in range(len(document))]
    assert labels[0] in ("", "i")  # the cover
    assert labels[1:] == [str(n) for n in range(1, len(document))]
    printed = [re.findall(r"Page (\d+) of \d+", text) for text in _page_texts(rendered_default.pdf)]
    assert printed[0] == []
    assert [numbers[-1] for numbers in printed[1:]] == labels[1:]


def _page_texts(pdf) -> list[str]:
    pages = int(re.search(r"^Pages:\s+(\d+)$", _pdfinfo(pdf), re.M).group(1))
    return [subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), "-layout", str(pdf), "-"],
                           capture_output=True, text=True, check=True).stdout for n in range(1, pages + 1)]


def test_pdf_table_headers_do_not_overlap(rendered_default):
    """In every performance table's header row, each column's words end before the next begins."""
    headers = ["Measure", "Period", "This", "Same", "Change", "Judgement", "Target"]
    checked = 0
    with parsed_pdf(rendered_default.pdf) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            words = page.extract_words()
            for judgement in (w for w in words if w["text"] == "Judgement"):
                row = sorted((w for w in words if abs(w["bottom"] - judgement["bottom"]) < 2 and w["text"] in headers),
                             key=lambda w: w["x0"])
                if [w["text"] for w in row][:1] != ["Measure"]:  # a header row (Target only where a row has one)
                    continue
                checked += 1
                for left, right in zip(row, row[1:]):
                    assert left["x1"] < right["x0"], f"page {number}: {left['text']!r} runs into {right['text']!r}"
            # and no word of a table runs over the right margin
            assert all(w["x1"] <= page.width - 50 for w in words), f"page {number}: text past the margin"
    assert checked >= performance_tables() >= 3


def test_pdf_tables_fit_their_cells(rendered_default):
    """No word in a performance table crosses a vertical rule of the table."""
    crossings = []
    with parsed_pdf(rendered_default.pdf) as pdf:
        for number, page in enumerate(pdf.pages, start=1):
            tables = [table.bbox for table in page.find_tables()]  # charts are vector drawings too: skip them
            rules = [e for e in page.edges if e["orientation"] == "v"
                     and any(x0 <= e["x0"] <= x1 and top <= e["top"] <= bottom for x0, top, x1, bottom in tables)]
            for word in page.extract_words():
                middle = (word["top"] + word["bottom"]) / 2
                if any(rule["top"] <= middle <= rule["bottom"] and word["x0"] + 0.5 < rule["x0"] < word["x1"] - 0.5
                       for rule in rules):
                    crossings.append((number, word["text"]))
    assert crossings == []


def test_no_page_is_mostly_blank_but_the_last_of_a_section(rendered_default):
    """A page ends mostly blank only where the next priority starts or the update ends."""
    with parsed_pdf(rendered_default.pdf) as pdf:
        pages = pdf.pages[1:]
        sparse = []
        for index, page in enumerate(pages[:-1]):
            content = [w["bottom"] for w in page.extract_words() if w["bottom"] < page.height - 70]
            content += [image["bottom"] for image in page.images]
            bottom = max(content)
            if bottom < page.height * 0.45:
                nxt = pages[index + 1].extract_text()
                if not re.search(r"^Priority \d – ", nxt.split("\n", 2)[1], re.M):
                    sparse.append(index + 1)
        assert sparse == []
