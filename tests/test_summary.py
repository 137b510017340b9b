"""The summary, "About these statistics" and CSV downloads, before any rendering (issue 8)."""

from __future__ import annotations

import base64
import csv
import html
import io
import re

import pandas as pd
import pytest

from conftest import REPO, copy_project, shown
from crimeplan.sections.about import About, compact_editions
from crimeplan.sections.downloads import csv_link, csv_text, neutralise
from crimeplan.sections.priority import compared
from crimeplan.sections.summary import Summary
from crimeplan.stats import judgement as judging
from test_update_figures import _set_value


@pytest.fixture(scope="module")
def summary() -> Summary:
    return Summary.load("2019-20-Q2", REPO)


def changed_summary(tmp_path, *changes: tuple[str, str, str]) -> Summary:
    root = copy_project(tmp_path / "project")
    for measure, period_end, value in changes:
        _set_value(root / "data" / "measures" / "essex_pcp.csv", measure, period_end, value)
    return Summary.load("2019-20-Q2", root)


def by_measure(summary: Summary):
    return {c.measure: c for c in summary.all_comparisons if c.force_wide}


# --- judgements wired into the comparisons ------------------------------------------------------


def test_ksi_and_road_deaths_are_no_significant_change(summary):
    comparisons = by_measure(summary)
    ksi, deaths = comparisons["ksi_casualties"].previous_year, comparisons["road_deaths"].previous_year
    assert (ksi.reference.value, comparisons["ksi_casualties"].value) == (199, 204)
    assert (deaths.reference.value, comparisons["road_deaths"].value) == (14, 8)
    for change in (ksi, deaths):
        assert change.verdict == judging.Verdict.NO_SIGNIFICANT_CHANGE
        assert change.judgement.method == judging.METHOD_POISSON
    assert ksi.judgement.p_value == pytest.approx(0.842, abs=0.001)
    assert deaths.judgement.p_value == pytest.approx(0.286, abs=0.001)


def test_a_count_without_history_is_no_longer_called_significant(summary):
    comparisons = by_measure(summary)
    drug_drive = comparisons["drug_drive_arrests"].previous_year  # 224 -> 414: was a significant increase
    assert drug_drive.verdict == judging.Verdict.NOT_TESTED and drug_drive.judgement.reason.startswith(judging.NO_HISTORY)
    ksi = comparisons["ksi_casualties"].previous_year  # variation: poisson in the catalogue, so still tested
    assert ksi.judgement.family.size == 2 and ksi.judgement.adjusted_p == pytest.approx(0.842, abs=0.001)
    deaths = comparisons["road_deaths"].previous_year
    assert deaths.judgement.adjusted_p == pytest.approx(2 * 0.2863, abs=0.001)  # Holm: the smaller of two, doubled


def test_derived_figures_are_marked_and_not_tested(summary):
    southend_asb = next(c for c in summary.all_comparisons if c.measure == "asb_incidents" and c.area == "Southend")
    assert (southend_asb.current.status, southend_asb.previous_year.reference.status) == ("derived", "derived")
    assert southend_asb.current.period_assumed  # "12 months to September assumed"
    assert southend_asb.previous_year.verdict == judging.Verdict.NOT_TESTED  # 6,931 -> 5,926 was "significantly better"
    assert southend_asb.previous_year.judgement.reason.startswith("Derived figure, not published as such")
    table = summary.scorecard.table().set_index("Measure")
    row = table.loc["Anti-social behaviour incidents (Southend), 12 months to Sep 2019 (period assumed)"]
    assert (row["This period"], row["Change"]) == ("5,926 [d]", "\u221214.5%")
    assert row["Judgement"] == "\u00b7 not tested"
    assert "[d] marks a derived figure" in summary.scorecard.section().data.replace("\\", "")  # Markdown escapes
    records = summary.scorecard.records().set_index("measure")
    assert records.loc["asb_incidents", ["status", "same_period_last_year_status", "period_assumed"]].tolist() == [
        "derived", "derived", True]
    assert records.loc["ksi_casualties", "status"] == "published"


def test_every_comparison_has_a_judgement_and_not_tested_says_why(summary):
    compared = [c.previous_year for c in summary.all_comparisons if c.previous_year is not None]
    assert compared
    for change in compared:
        assert change.verdict in judging.CHANGE_VERDICTS + judging.SPC_VERDICTS
        assert change.judgement.reason
    headcount = by_measure(summary)["specials_headcount"].previous_year
    assert headcount.verdict == judging.Verdict.NOT_TESTED and "level on one day" in headcount.judgement.reason


def test_a_percentage_worked_out_from_a_published_change_is_not_tested_as_derived(summary):
    grade = by_measure(summary)["grade_of_service_101"].previous_year  # 79.0 = 84.7 less 5.7 points
    assert grade.verdict == judging.Verdict.NOT_TESTED
    assert grade.judgement.reason.startswith("Derived figure")


# --- summary -----------------------------------------------------------------------------------


def test_main_points_are_three_to_five_and_state_targets_and_attention(summary):
    points = summary.main_points()
    assert 3 <= len(points) <= 5
    text = " ".join(points)
    assert "Arrests of drug drivers rose to 414" not in text  # no longer a significant change
    assert "were tested" not in text and "Of the" not in text  # no tally of tests
    assert points[0] == ("Special Constable headcount stood at 515 in September 2019, not on track for the target "
                         "of 600 by March 2020.")
    assert ("Special Constable headcount in the Home Office workforce tables was almost unchanged at 519 in "
            "September 2019, against 517 in March 2019, after rising at each count from 358 in September 2016; "
            "93 joined and 88 left in the six months to September 2019.") in points
    assert "Nothing needs particular attention" not in text
    assert "target met" not in text and "significant" not in text.replace("no significant change", "")
    # changes within chance variation are not said to be no real change: only that none is shown
    assert ("No change larger than chance variation in July to September 2019 against a year earlier (no "
            "significant change): People killed or seriously injured on the roads, 199 to 204; People killed on "
            "the roads, 14 to 8.") in points
    assert "not a real" not in text


def test_scorecard_groups_figures_under_each_priority_named_once(summary):
    table = summary.scorecard.table()
    groups = table[(table.drop(columns="Measure") == "").all(axis=1)]["Measure"].tolist()
    assert groups == [f"Priority {p.number}: {p.title}" for p in summary.edition.plan.priorities if p.number != 3]
    figures = table[~table["Measure"].isin(groups)]
    assert (figures != "").all().all(), "every cell of a figure's row says something"
    by_label = figures.set_index("Measure")
    assert by_label.loc["Killed on the roads, Jul to Sep 2019"].tolist() == ["8", "\u221243%", "\u2248 no change",
                                                                           "\u2013"]
    assert by_label.loc["Special Constables, Sep 2019", "Target"] == "600 by Mar 2020: not on track"
    assert summary.scorecard.without_figures() == ("Not in the scorecard: Priority 3: Breaking the Cycle of Domestic Abuse "
                                         "(no figures for this priority in 2019/20 Q2).")
    markdown = summary.scorecard.section().data
    assert "| **Priority 7\\: Improve Safety on our Roads** | | | | |" in markdown
    assert "\u2713 significantly better" in markdown  # the marks' legend


def test_raising_specials_to_650_meets_the_target(tmp_path):
    changed = changed_summary(tmp_path, ("specials_headcount", "2019-09-30", "650"))
    text = " ".join(changed.main_points())
    assert "Special Constable headcount stood at 650 in September 2019, meeting the target of 600 by March 2020." in text
    assert "not on track" not in text
    specials = changed.scorecard.table().set_index("Measure").loc["Special Constables, Sep 2019"]
    assert specials["Target"] == "600 by Mar 2020: met"


def test_a_large_significant_fall_becomes_a_main_point(tmp_path):
    changed = changed_summary(tmp_path, ("ksi_casualties", "2019-09-30", "100"))
    ksi = by_measure(changed)["ksi_casualties"].previous_year
    assert ksi.verdict == judging.Verdict.SIGNIFICANTLY_BETTER
    points = changed.main_points()
    assert points[0] == ("People killed or seriously injured on the roads fell to 100 in July to September 2019, "
                         "down from 199 in July to September 2018 (99 fewer, 50% lower). This is significantly "
                         "better than a year earlier."), points


def test_a_significant_worsening_needs_attention(tmp_path):
    changed = changed_summary(tmp_path, ("road_deaths", "2019-09-30", "40"))
    assert by_measure(changed)["road_deaths"].previous_year.verdict == judging.Verdict.SIGNIFICANTLY_WORSE
    points = changed.main_points()
    assert points[0].startswith("People killed on the roads rose to 40 in July to September 2019"), points
    assert points[0].endswith("This is significantly worse than a year earlier."), points


def test_scorecard_records_have_a_header_and_points_in_their_own_column(summary):
    records = summary.scorecard.records()
    assert "change_percentage_points" in records.columns and "p_value" in records.columns
    empty = csv_text(records.iloc[0:0])
    assert empty.startswith("priority,priority_title,measure,")


# --- about these statistics -----------------------------------------------------------------------


def test_about_lists_sources_definitions_method_revisions_and_contact(summary):
    about = About(summary.edition)
    text = "\n".join(shown(section) for section in about.sections())
    for source in {summary.edition.catalogue[m].source for m in about.measures_shown}:
        details = summary.edition.sources[source]
        assert details.publisher in text and details.title in text and details.licence in text
        assert f"**{details.title}.** Publisher: {details.publisher}. Edition or extract used: " in text  # one paragraph
    assert "Open Government Licence v3.0" in text
    for measure in about.measures_shown:
        entry = summary.edition.catalogue[measure]
        if measure in about.measures_defined:  # in both documents
            assert f"**{entry.label}**" in text and entry.definition in text
        else:  # the HTML's disclosure of the other measures
            assert f"<li><strong>{html.escape(entry.label, quote=False)}</strong>" in text
            assert html.escape(entry.definition, quote=False) in text
    also_reported = {c.measure for c in summary.all_comparisons if not compared(c)}
    assert set(about.measures_shown) - set(about.measures_defined) <= also_reported  # only those "also reported"
    for title, paragraph in about.method_notes():
        assert f"**{title}.** {paragraph}" in text
    assert "Control charts" not in text  # no measure of this edition is read on one
    assert "This is version 2 of the update for 2019/20 Q2" in text and "- Version 2:" in text
    assert summary.edition.plan.contact.team in text


def test_editions_that_differ_in_one_word_are_named_once():
    releases = [f"Home Office police workforce tables, 30 September {year} release" for year in (2015, 2016, 2017)]
    assert compact_editions(releases) == "Home Office police workforce tables, 30 September release (2015, 2016 and 2017)"
    assert compact_editions(releases[:2]) == "; ".join(releases[:2])  # two are clear as they are
    assert compact_editions(["ONS rolling years", "Home Office tables 2017", "Home Office tables 2018"]) == (
        "ONS rolling years; Home Office tables 2017; Home Office tables 2018")


def test_about_lists_each_figure_not_published_with_how_it_was_worked_out(summary):
    text = About(summary.edition).provenance().data.replace("\\", "")  # as read, without Markdown's escapes
    assert "## Figures not published as such" in text and "[d] marks a derived figure" in text
    assert ("- Anti-social behaviour incidents in Southend, the 12 months to September 2018 (period assumed): "
            "6,931 [d]. The update gives only the fall (1005 incidents = 14.5%) without a period; 1005/0.145 "
            "rounded; 12 months to September assumed.") in text
    assert "- Hate crime solved rate in Southend, the 12 months to September 2019 (period assumed): 15%." in text
    assert "People killed on the roads" not in text  # published, for a stated period


# --- CSV downloads --------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["=SUM(A1:A2)", "+1", "-2+3", "@cmd", "\tx", "\rx"])
def test_text_that_a_spreadsheet_would_run_is_neutralised(text):
    assert neutralise(text) == "'" + text
    table = pd.DataFrame({"label": [text], "value": [-5.0]})
    row = next(csv.DictReader(io.StringIO(csv_text(table), newline="")))
    assert row == {"label": "'" + text, "value": "-5.0"}  # numbers stay numbers


def test_ordinary_text_and_numbers_are_untouched():
    assert neutralise("Special Constables") == "Special Constables"
    assert neutralise(-3) == -3


def test_csv_link_is_a_self_contained_html_only_download():
    table = pd.DataFrame(columns=["measure", "value"])
    block = csv_link(table, "empty.csv", "an empty table")
    assert block.startswith("```{=html}\n") and block.endswith("\n```")
    uri = re.search(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', block)[1]
    assert base64.b64decode(uri).decode("utf-8-sig") == "measure,value\r\n"
    assert 'download="empty.csv"' in block and "header only" in block


def test_scorecard_csv_carries_this_periods_value():
    """The scorecard CSV's ``this_period`` column holds each headline figure (it was empty)."""
    from crimeplan.sections.summary import Summary

    records = Summary.load("2019-20-Q2", REPO).scorecard.records()
    ksi = records[records["measure"] == "ksi_casualties"].iloc[0]
    assert ksi["this_period"] == 204 and ksi["same_period_last_year"] == 199
