"""The rendered 2019/20 Q2 update as a reviewer signs it off (issue 8): summary first,
judgements by the stated method, About these statistics, CSV downloads."""

from __future__ import annotations

import base64
import csv
import io
import re

import pytest

from conftest import REPO, copy_project, render
from crimeplan.inputs.params import load_plan
from crimeplan.sections.about import About
from crimeplan.sections.summary import Summary
from crimeplan.stats import judgement as judging
from pdf_text import html_text, pdf_body_text, pdf_table_rows, pdf_text
from test_update_figures import _set_value

PLAN = load_plan(REPO / "params")
SUMMARY_HEADING = "Summary of 2019/20 Q2"
CSV_LINK = re.compile(r'<a href="data:text/csv;charset=utf-8;base64,([A-Za-z0-9+/=]+)" download="([^"]+)"')


def downloads(html_path) -> dict[str, list[dict[str, str]] | list[str]]:
    """Each CSV linked from the HTML: file name -> (header, rows as dicts)."""
    found = {}
    for payload, name in CSV_LINK.findall(html_path.read_text(encoding="utf-8")):
        text = base64.b64decode(payload).decode("utf-8-sig")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = list(reader)
        found[name] = (reader.fieldnames, rows)
    return found


def squashed(text: str) -> str:
    """Text without spaces and hyphens: pdftotext joins a word hyphenated at a line end."""
    return re.sub(r"[\s\-\u2010]", "", text).replace("\u2019", "'").replace("\u2018", "'")


def after_contents(text: str) -> str:
    """The body after the contents list (which ends with the last section's title)."""
    return text[text.index("About these statistics") + len("About these statistics"):]


@pytest.mark.parametrize("document", ["pdf", "html"])
def test_summary_precedes_priority_1_and_covers_every_priority(rendered_default, document):
    text = pdf_text(rendered_default.pdf) if document == "pdf" else html_text(rendered_default.html)
    body = after_contents(text)
    summary_at, first_priority_at = body.index(SUMMARY_HEADING), body.index(PLAN.priorities[0].heading)
    assert summary_at < first_priority_at
    summary = body[summary_at:first_priority_at]
    assert "Main points" in summary and "Scorecard" in summary
    assert "Arrests of drug drivers rose to 414" not in summary  # a count without history: not tested
    assert "were tested" not in summary  # no tally of tests
    assert squashed("Special Constable headcount stood at 515 in September 2019, not on track for the target of 600 by "
                    "March 2020.") in squashed(summary)
    assert "600 by Mar 2020: not on track" in summary and "no figures for this priority in 2019/20 Q2" in summary
    if document == "html":  # table cells wrap in the PDF's text; the HTML has each cell whole
        for priority in PLAN.priorities:
            assert f"Priority {priority.number}: {priority.title}" in summary, priority.number


def test_judgements_in_tables_and_sentences(rendered_default):
    deaths = ("People killed on the roads fell to 8 in July to September 2019, down from 14 in July to September 2018 "
              "(6 fewer, 43% lower). The change is within chance variation (no significant change); the 95% confidence "
              "interval for the change in the rate runs from 79% lower to 46% higher.")
    assert deaths in html_text(rendered_default.html)  # in the PDF a chart may float into the sentence
    for text in (pdf_text(rendered_default.pdf), html_text(rendered_default.html)):
        assert deaths[:deaths.index(" (no significant")] in text
        assert ("People killed or seriously injured on the roads rose to 204 in July to September 2019, up from 199 "
                "in July to September 2018 (5 more, 3% higher). The change is within chance variation") in text
        assert "not tested (a level on a day)" in text
        for old_word in ("improved", "worsened", "neutral"):
            assert f" {old_word} " not in text


@pytest.mark.parametrize("document", ["pdf", "html"])
def test_a_derived_figure_is_marked_with_its_legend_and_not_called_significant(rendered_default, document):
    text = squashed(pdf_body_text(rendered_default.pdf) if document == "pdf" else html_text(rendered_default.html))
    row = squashed("'101' calls to the Crime Bureau Jul to Sep 2019 29,357 [d] 26,933 [d] +2,424 (+9%) not "
                   "tested (derived figure)")  # it was "This is a significant rise."
    if document == "html":  # the PDF's table cells wrap
        assert row in text
    assert squashed("'101' calls to the Crime Bureau rose to 29,357") not in text  # an untested change: the table only
    assert squashed("5,926 [d]") in text and squashed("6,931 [d]") in text  # Southend's anti-social behaviour
    if document == "html":  # the PDF's table cells wrap
        assert squashed("Anti-social behaviour incidents (Southend) 12 months to Sep 2019 (period "
                        "assumed) 5,926 [d] 6,931 [d] −1,005 (−14.5%) not tested (derived figure)") in text
    assert text.count(squashed("[d] marks a derived figure")) >= 3  # scorecard, tables, key figures, About
    assert squashed("not tested (derived figure)") in text
    assert squashed("Figures not published as such") in text


@pytest.mark.parametrize("document", ["pdf", "html"])
def test_about_lists_sources_definitions_method_revisions_and_contact(rendered_default, document):
    text = pdf_body_text(rendered_default.pdf) if document == "pdf" else html_text(rendered_default.html)
    about_at = text.rindex("About these statistics")
    assert about_at > text.rindex(PLAN.priorities[-1].heading)
    about_text = text[about_at:]
    about = About(Summary.load("2019-20-Q2", rendered_default.root).edition)
    edition = about.edition
    for source in dict.fromkeys(edition.catalogue[m].source for m in about.measures_shown):
        details = edition.sources[source]
        for fact in (details.title, details.publisher, details.licence):
            assert " ".join(fact.split()) in about_text, fact
    assert "Open Government Licence v3.0" in about_text
    # the PDF defines the measures of the tables and public-data sections, the HTML every one shown
    defined = about.measures_defined if document == "pdf" else about.measures_shown
    assert len(about.measures_defined) < len(about.measures_shown)
    for measure in defined:
        entry = edition.catalogue[measure]
        assert squashed(f"{entry.label} (") in squashed(about_text), measure
        assert squashed(entry.definition) in squashed(about_text), measure
    others = len(about.measures_shown) - len(about.measures_defined)
    assert squashed(f"The definitions of the other {others} measures shown") in squashed(about_text)
    for title, paragraph in about.method_notes():
        assert squashed(f"{title}. {paragraph}") in squashed(about_text), title
    assert squashed("Control charts for longer series") not in squashed(about_text)  # none in this edition
    assert "This is version 2 of the update for 2019/20 Q2" in about_text
    assert "Performance Analysis Unit, Essex Police" in about_text


def test_html_links_a_csv_of_every_table_with_headers(rendered_default):
    found = downloads(rendered_default.html)
    expected = {f"2019-20-Q2_{p.notebook}_performance.csv" for p in PLAN.priorities} | {"2019-20-Q2_summary_scorecard.csv"}
    assert set(found) == expected
    for name, (header, _) in found.items():
        assert header and header[0] in ("measure", "priority"), name
    header, rows = found["2019-20-Q2_p3_domestic_abuse_performance.csv"]
    assert header[:2] == ["measure", "label"] and rows == []  # an empty table keeps its header
    header, rows = found["2019-20-Q2_p7_road_safety_performance.csv"]
    deaths = next(r for r in rows if r["measure"] == "road_deaths")
    assert (deaths["value"], deaths["same_period_last_year"], deaths["judgement"]) == ("8.0", "14.0", "no significant change")
    grade = next(r for r in found["2019-20-Q2_p1_local_policing_performance.csv"][1]
                 if r["measure"] == "grade_of_service_101")
    assert grade["change"] == "" and float(grade["change_percentage_points"]) == pytest.approx(5.7)
    scorecard_header, scorecard = found["2019-20-Q2_summary_scorecard.csv"]
    assert {r["priority"] for r in scorecard} == {str(p.number) for p in PLAN.priorities}
    for name, (header, _rows) in found.items():
        assert {"status", "same_period_last_year_status", "period_assumed"} <= set(header), name
    southend = next(r for r in scorecard if r["measure"] == "asb_incidents")
    assert (southend["status"], southend["same_period_last_year_status"], southend["period_assumed"]) == (
        "derived", "derived", "True")
    assert "data:text/csv" not in pdf_text(rendered_default.pdf)


VOLATILE_QUARTERS = [310, 180, 420, 250, 390, 210, 200, 440, 300, 260, 380, 230]  # no season, no trend
STEADY_QUARTERS = [298, 305, 292, 301, 296, 309, 300, 294, 300, 297, 306, 299]


def quarterly_history(measure: str, values: list[int]) -> str:
    """Rows of ``measure`` for the 12 quarters before 2019/20 Q2 (2016/17 Q2 to 2019/20 Q1),
    leaving out July to September 2018, which essex_pcp.csv holds."""
    rows = []
    for quarter, value in zip(range(12), values):
        start_month = 7 + 3 * quarter
        year, month = 2016 + (start_month - 1) // 12, (start_month - 1) % 12 + 1
        start = f"{year}-{month:02d}-01"
        end = {3: f"{year}-03-31", 6: f"{year}-06-30", 9: f"{year}-09-30", 12: f"{year}-12-31"}[month + 2]
        if start != "2018-07-01":
            rows.append(f"{measure},Essex,{start},{end},{value},test history,")
    return "\n".join(rows) + "\n"


@pytest.fixture(scope="module")
def rendered_changed(tmp_path_factory):
    """Specials raised to 650, road deaths down to 1, a label that a spreadsheet would run, and
    the same rise (300 to 400) for two counts with twelve quarters of history: volatile for
    drink-drive arrests, steady for drug-drive arrests."""
    root = copy_project(tmp_path_factory.mktemp("changed") / "project")
    measures = root / "data" / "measures" / "essex_pcp.csv"
    _set_value(measures, "specials_headcount", "2019-09-30", "650")
    _set_value(measures, "road_deaths", "2019-09-30", "1")
    for measure in ("drink_drive_arrests", "drug_drive_arrests"):
        _set_value(measures, measure, "2018-09-30", "300")
        _set_value(measures, measure, "2019-09-30", "400")
    (root / "data" / "measures" / "history.csv").write_text(
        "measure,area,period_start,period_end,value,source,note\n"
        + quarterly_history("drink_drive_arrests", VOLATILE_QUARTERS)
        + quarterly_history("drug_drive_arrests", STEADY_QUARTERS), encoding="utf-8")
    catalogue = root / "data" / "catalogue.yml"
    text = catalogue.read_text(encoding="utf-8")
    catalogue.write_text(text.replace("label: Vehicles seized on road safety deployments",
                                      "label: \"=1+2 vehicles seized\""), encoding="utf-8")
    return render(root, "2019-20-Q2", "--renderer", "builtin")


def test_changed_data_changes_main_points_and_judgements(rendered_changed):
    for text in (pdf_text(rendered_changed.pdf), html_text(rendered_changed.html)):
        body = after_contents(text)
        summary = body[body.index(SUMMARY_HEADING):body.index(PLAN.priorities[0].heading)]
        assert "Special Constable headcount stood at 650 in September 2019, meeting the target of 600 by March 2020." \
            in summary
        assert "not on track" not in summary
        assert ("People killed on the roads fell to 1 in July to September 2019, down from 14 in July to "
                "September 2018 (13 fewer, 93% lower). This is significantly better than a year earlier.") in summary
        assert "600 by Mar 2020: met" in summary  # the scorecard's target cell


def test_changed_data_changes_the_table_rows_and_sentences(rendered_changed):
    html = html_text(rendered_changed.html)  # its tables read row by row already
    for document, rows in ((pdf_text(rendered_changed.pdf), pdf_table_rows(rendered_changed.pdf)), (html, html)):
        assert "Special Constable headcount Sep 2019 650 464 +186 (+40%)" in rows
        assert "Arrests of drug drivers Jul to Sep 2019 400 300 +100 (+33%)" in rows
        assert "rose to 515" not in document and "rose to 650" in document


@pytest.mark.parametrize("document", ["pdf", "html"])
def test_a_volatile_history_is_not_called_significant_where_a_steady_one_is(rendered_changed, document):
    text = squashed(pdf_body_text(rendered_changed.pdf) if document == "pdf" else html_text(rendered_changed.html))
    rise = "in July to September 2019, up from 300 in July to September 2018 (100 more, 33% higher)."
    volatile = squashed(f"Arrests of drink drivers rose to 400 {rise} The change is within chance variation (no "
                        "significant change)")
    steady = squashed(f"Arrests of drug drivers rose to 400 {rise} This is a significant increase; the 95% confidence "
                      "interval for the change in the rate runs from")
    assert volatile in text and steady in text  # plain Poisson calls both significant (p < 0.0001)
    assert squashed("Counts judged against their own history. Applied to 1 figure (Arrests of drink drivers)") in text
    assert squashed("Counts of independent events. Applied to 3 figures") in text  # KSI, deaths, drug drivers


def test_the_csvs_carry_intervals_and_the_dispersion_measured(rendered_changed):
    header, rows = downloads(rendered_changed.html)["2019-20-Q2_p7_road_safety_performance.csv"]
    assert {"ci_lower", "ci_upper", "ci_scale", "p_value_adjusted", "dispersion"} <= set(header)
    by_measure = {r["measure"]: r for r in rows}
    drink, drug = by_measure["drink_drive_arrests"], by_measure["drug_drive_arrests"]
    assert drink["judgement_method"] == judging.METHOD_QUASI_POISSON and float(drink["dispersion"]) > 10
    assert float(drink["ci_lower"]) < 1 < float(drink["ci_upper"])
    assert drug["judgement_method"] == judging.METHOD_POISSON and float(drug["dispersion"]) < 1
    assert 1 < float(drug["ci_lower"]) < 4 / 3 < float(drug["ci_upper"]) and drug["ci_scale"] == "rate ratio"
    assert float(drug["p_value_adjusted"]) < 0.05 < float(drink["p_value_adjusted"])
    untested = next(r for r in rows if r["judgement"] in ("", "not tested"))
    assert untested["ci_lower"] == untested["ci_upper"] == ""
    scorecard_header, _ = downloads(rendered_changed.html)["2019-20-Q2_summary_scorecard.csv"]
    assert {"status", "ci_lower", "ci_upper"} <= set(scorecard_header)


def test_csv_text_cells_cannot_start_a_formula(rendered_changed):
    header, rows = downloads(rendered_changed.html)["2019-20-Q2_p7_road_safety_performance.csv"]
    seized = next(r for r in rows if r["measure"] == "roads_vehicles_seized")
    assert seized["label"] == "'=1+2 vehicles seized"
    on_disk = (rendered_changed.output_dir / "tables" / "p7_road_safety_performance.csv").read_text(encoding="utf-8-sig")
    assert "'=1+2 vehicles seized" in on_disk and ",=1+2" not in on_disk
