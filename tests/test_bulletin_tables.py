"""Tables without clutter and section text only where there is data (issue 17, items 3 and 6):
the section builders on the committed data, then the rendered 2019/20 Q2 update."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from conftest import REPO, shown
from crimeplan.findings.edition import load_edition
from crimeplan.periods import Quarter
from crimeplan.project import Project
from crimeplan.sections import public_data
from crimeplan.sections.about import About
from crimeplan.sections.priority import ALSO_REPORTED, BLANK_WORDS, PriorityReport, compact_table, compared
from crimeplan.text.narrative import HOW_TO_READ_JUDGEMENTS
from pdf_text import html_text, pdf_body_text

QUARTER = "2019-20-Q2"
NOTE = shown(HOW_TO_READ_JUDGEMENTS).replace('"', "")  # the documents set typographic quotes
FIRST_WORDS = "Judgement says whether the change from the same period last year"


@pytest.fixture(scope="module")
def reports() -> list[PriorityReport]:
    project = Project(REPO)
    return PriorityReport.all(load_edition(project, Quarter.parse(QUARTER)))


def table_rows(markdown: str) -> list[list[str]]:
    """The body rows of the pipe table in ``markdown``, as cells."""
    lines = [line for line in markdown.splitlines() if line.startswith("|")]
    return [[cell.strip() for cell in line.strip("|").split("|")] for line in lines[2:]]


def test_every_table_row_has_a_comparison_or_a_target(reports):
    rows = [row for report in reports for row in table_rows(shown(report.performance_table()))]
    assert len(rows) > 10
    for row in rows:
        measure, _period, this_period, *rest = row
        assert this_period not in BLANK_WORDS, measure
        assert not all(cell in BLANK_WORDS for cell in rest), f"{measure}: {rest}"


def test_the_other_figures_are_listed_compactly_with_their_figures(reports):
    local = shown(reports[0].performance_table())
    also = local.split(f"**{ALSO_REPORTED}**", 1)[1]
    assert also.startswith(" (no comparison or target; July to September 2019, or its last day, unless stated)")
    assert "- Applications to join the Special Constabulary: 210\n" in also  # the quarter, said once above
    assert "- Special Constable headcount in Castle Point and Rochford: 22\n" in also  # on its last day
    assert "- Special Constables leaving: 88 in the six months to September 2019\n" in also  # another period
    assert "(period assumed)" in also  # and a period the source did not give is still said
    assert "|" not in also  # a list, not more table rows
    assert "Applications to join the Special Constabulary" not in local.split(f"**{ALSO_REPORTED}**", 1)[0]


def test_table_and_list_together_hold_every_figure_as_does_the_csv(reports):
    for report in reports:
        markdown = shown(report.performance_table())
        with_figures = [c for c in report.comparisons if c.current is not None]
        listed = markdown.count("\n- ") + len(table_rows(markdown))
        assert listed == len(with_figures), report.priority.number
        assert len(report.performance_records()) == len(with_figures)  # the download keeps every row


def test_a_column_no_row_fills_is_left_out():
    table = pd.DataFrame(
        {
            "Measure": ["Arrests"],
            "Area": ["Essex"],
            "Period": ["Q2"],
            "This period": ["414"],
            "Change": ["+190"],
            "Change %": ["+85%"],
            "Direction": ["up"],
            "Target": [""],
        }
    )
    assert list(compact_table(table, "Essex").columns) == ["Measure", "Period", "This period", "Change"]


def test_the_judgement_note_is_under_the_first_table_only(reports):
    with_note = [report.priority.number for report in reports if NOTE[:60] in shown(report.performance_table())]
    first_with_table = next(r.priority.number for r in reports if any(compared(c) for c in r.comparisons))
    assert with_note == [first_with_table]


def test_about_says_how_to_read_judgements(reports):
    about = About(reports[0].edition)
    assert shown(HOW_TO_READ_JUDGEMENTS) in shown(about.method())


def test_commitment_text_does_not_repeat_the_table(reports):
    text = shown(reports[0].commitment_sections())
    assert "48,810 hours in July to September 2019, up from" not in text
    assert "Key figures" not in text


def test_public_data_with_nothing_for_the_quarter_is_left_out(reports):
    by_priority = {report.priority.number: report.public_data() for report in reports}
    assert by_priority[2] == []  # police.uk ends in July 2018
    shown_text = " ".join(shown(item) for items in by_priority.values() for item in items if hasattr(item, "data"))
    assert "used here run from" not in shown_text and "There is no police.uk data" not in shown_text


def test_sources_are_those_of_the_sections_shown(reports):
    edition = reports[0].edition
    shown_now = public_data.measures_shown(
        edition.quarter, edition.measures, edition.catalogue, edition.plan, edition.comparison_group
    )
    assert "police_uk_asb_incidents" not in shown_now
    assert {"recorded_crime_total_rolling_year", "workforce_specials_headcount"} <= shown_now
    project = Project(REPO)
    covered = About(load_edition(project, Quarter.parse("2018-19-Q1")))
    assert "police_uk_asb_incidents" in covered.measures_shown
    assert "Street-level crime and anti-social behaviour data" in shown(covered.sources().data)
    assert "Street-level crime" not in shown(About(edition).sources().data)


def test_an_offence_the_plan_lists_is_shown_only_where_a_section_draws_it(reports):
    """Rape has quarters for 2017/18 only (no ONS rolling year): the 2017/18 Q1 update lists
    it, the 2019/20 Q2 update (whose latest quarter is 2018/19 Q3) draws no figure of it, so
    neither its sources nor its definitions name it."""
    edition = reports[0].edition
    now = public_data.measures_shown(
        edition.quarter, edition.measures, edition.catalogue, edition.plan, edition.comparison_group
    )
    assert "recorded_crime_rape" not in now and "recorded_crime_sexual_offences" not in now
    assert {"recorded_crime_sexual_offences_rolling_year", "recorded_crime_violence_against_the_person"} <= now
    assert "Recorded rape" not in shown(About(edition).definitions().data)
    then = About(load_edition(Project(REPO), Quarter.parse("2017-18-Q1")))
    assert {"recorded_crime_rape", "recorded_crime_sexual_offences"} <= set(then.measures_shown)


# --- the rendered update ----------------------------------------------------------------------


def priorities_part(text: str) -> str:
    """The update's text from the first priority's performance table to About these statistics."""
    start = text.index("Priority 1: performance in")
    return text[start : text.index("Sources of the figures", start)]


@pytest.mark.render
@pytest.mark.parametrize("document", ["pdf", "html"])
def test_rendered_tables_without_clutter(rendered_default, document):
    text = pdf_body_text(rendered_default.pdf) if document == "pdf" else html_text(rendered_default.html)
    priorities = priorities_part(text)
    assert priorities.count(FIRST_WORDS) == 1
    assert text.count(FIRST_WORDS) == 2  # and once in About these statistics
    assert priorities.count(ALSO_REPORTED) >= 5
    assert "Applications to join the Special Constabulary: 210" in priorities
    assert "Key figures" not in priorities
    assert priorities.count("48,810") <= 3  # the table, the change chart (PDF) and the force's own update


@pytest.mark.render
def test_rendered_table_rows_each_have_a_comparison_or_target(rendered_default):
    from html.parser import HTMLParser

    class Rows(HTMLParser):
        def __init__(self):
            super().__init__()
            self.tables, self.cell = [], None

        def handle_starttag(self, tag, attrs):
            if tag == "table":
                self.tables.append([])
            elif tag == "tr" and self.tables:
                self.tables[-1].append([])
            elif tag in ("td", "th") and self.tables:
                self.cell = ""

        def handle_endtag(self, tag):
            if tag in ("td", "th") and self.cell is not None:
                self.tables[-1][-1].append(re.sub(r"\s+", " ", self.cell).strip())
                self.cell = None

        def handle_data(self, data):
            if self.cell is not None:
                self.cell += data

    parser = Rows()
    parser.feed(rendered_default.html.read_text(encoding="utf-8"))
    tables = [rows[1:] for rows in parser.tables if rows and rows[0][:3] == ["Measure", "Period", "This period"]]
    assert len(tables) == 4 and sum(map(len, tables)) > 10  # Priorities 2, 3 and 5 compare nothing
    for row in (row for table in tables for row in table):
        assert not all(cell in BLANK_WORDS for cell in row[3:]), row


@pytest.mark.render
@pytest.mark.parametrize("document", ["pdf", "html"])
def test_rendered_public_data_only_with_data(rendered_default, document):
    text = pdf_body_text(rendered_default.pdf) if document == "pdf" else html_text(rendered_default.html)
    assert "used here run from" not in text and "There is no police.uk data" not in text
    assert text.count("Public data") == 3  # Priorities 1, 4 and 5
    about = text[text.index("Sources of the figures") :]
    for title in (
        "Police workforce open data tables",
        "Recorded crime data at police force area level",
        "Police recorded crime by police force area and offence",
    ):
        assert title in about, title
    assert "Street-level crime" not in about  # police.uk shows nothing for 2019/20 Q2
