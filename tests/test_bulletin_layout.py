"""The PDF's layout holds on every page, as a reader turning the pages sees it: no heading
is the last thing on a page, the cover title keeps its years together and every page
label counts to the last printed page number.

Headings are found by their type, as a reader finds them: a line set wholly in bold at
body size or larger (headings, and run-in headings such as "Key figures" over a list);
tables' bold headers and charts' bold labels are smaller.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import groupby
from pathlib import Path

from conftest import REPO
from crimeplan.build.render.document import CoverFacts
from crimeplan.inputs.params import load_plan, load_quarter
from pdf_text import BOTTOM_MARGIN, TOP_MARGIN, parsed_pdf

COVER = CoverFacts.of(load_plan(REPO / "params"), load_quarter(REPO / "params", "2019-20-Q2"))
# Points: the running header's and the page label's margins, less a point or two, so that a
# body line starting at the margin's edge counts as body.
HEADER_ZONE, FOOTER_ZONE = TOP_MARGIN - 2, BOTTOM_MARGIN - 1
BODY_SIZE = 10  # points: body text; headings are this size or larger
SECTION_SIZE = 14  # points: a section's (a priority's) heading, in its coloured band
PAGE_LABEL = re.compile(r"Page (\d+) of (\d+)")
YEAR_RANGE = re.compile(r"\d{4}–\d{2,4}")


def body_lines(page) -> list[list[dict]]:
    """The words of a page between its running header and its page label, line by line, top first."""
    words = [
        w
        for w in page.extract_words(extra_attrs=["fontname", "size"])
        if HEADER_ZONE < w["top"] < page.height - FOOTER_ZONE
    ]
    words.sort(key=lambda w: (round(w["top"]), w["x0"]))
    return [list(line) for _, line in groupby(words, key=lambda w: round(w["top"]))]


def is_heading(line: list[dict]) -> bool:
    return all("Bold" in w["fontname"] and w["size"] >= BODY_SIZE - 0.1 for w in line)


def pages_ending_with_a_heading(path: Path) -> list[str]:
    """The pages whose last line of text is a heading, as "page N: heading"."""
    found = []
    with parsed_pdf(path) as pdf:
        for page in pdf.pages:
            lines = body_lines(page)
            if lines and is_heading(lines[-1]):
                found.append(f"page {page.page_number}: {' '.join(w['text'] for w in lines[-1])}")
    return found


def test_no_page_ends_with_a_heading(rendered_default):
    """Headings, run-in ones too, go to the next page with what they head."""
    assert pages_ending_with_a_heading(rendered_default.pdf) == []


def half_empty_pages(path: Path) -> list[str]:
    """The pages after the contents whose text ends above the middle of the page, unless
    the next page starts a section (its first line a section heading's large type) or none
    follows."""
    found = []
    with parsed_pdf(path) as pdf:
        lines = [body_lines(page) for page in pdf.pages]
        for number, (page, own, after) in enumerate(zip(pdf.pages, lines, lines[1:]), start=1):
            middle = (HEADER_ZONE + page.height - FOOTER_ZONE) / 2
            section_next = bool(after) and min(w["size"] for w in after[0]) >= SECTION_SIZE
            if number > 2 and not section_next and (not own or own[-1][0]["bottom"] < middle):
                found.append(f"page {number}")
    return found


def test_no_page_is_more_than_half_empty_unless_a_section_ends_there(rendered_default):
    """Charts, tables and headings do not leave half a page blank waiting for the next page;
    a section (a priority) may end halfway down."""
    assert half_empty_pages(rendered_default.pdf) == []


def test_the_cover_title_keeps_its_years_on_one_line(rendered_default):
    with parsed_pdf(rendered_default.pdf) as pdf:
        cover_lines = pdf.pages[0].extract_text().splitlines()
    years = YEAR_RANGE.findall(COVER.title)
    assert years, "the plan's title names its years"
    for year_range in years:
        assert any(year_range in line for line in cover_lines), (year_range, cover_lines)
    assert not [line for line in cover_lines if re.search(r"\d{4}–$", line)], cover_lines


def test_the_seed_quarter_fits_in_22_pages_cover_included(rendered_default):
    """The 2019/20 Q2 update (every seed figure in it, test_render) is no longer than 22 A4
    pages: a layout or wording change that adds a page shows here."""
    with parsed_pdf(rendered_default.pdf) as pdf:
        assert len(pdf.pages) <= 22


def test_page_labels_count_to_the_last_printed_page(rendered_default):
    """Every page after the (unnumbered) cover reads "Page N of M": N counts from 1 and M is
    the last page's N."""
    with parsed_pdf(rendered_default.pdf) as pdf:
        labels = [PAGE_LABEL.findall(page.extract_text()) for page in pdf.pages]
    assert labels[0] == [], "the cover has no page label"
    numbered = [found[-1] for found in labels[1:] if found]
    assert len(numbered) == len(labels) - 1, "every page after the cover has a label"
    last = int(numbered[-1][0])
    assert [(int(n), int(m)) for n, m in numbered] == [(n, last) for n in range(1, last + 1)]


def test_the_text_is_set_in_liberation_sans_on_every_page(rendered_default):
    """The page count rests on the font: Liberation Sans (Arial's metrics, which .ci/run
    installs), not the wider DejaVu Sans it falls back to."""
    with parsed_pdf(rendered_default.pdf) as pdf:
        for page in pdf.pages:
            fonts = Counter(char["fontname"].split("+")[-1].split("-")[0] for char in page.chars)
            assert fonts.most_common(1)[0][0] == "LiberationSans", (page.page_number, fonts.most_common(3))
