"""The notebook-facing layer: what a priority shows, before any rendering."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import REPO, shown
from crimeplan.sections.priority import PriorityReport, compact_table, markdown_table


@pytest.fixture(scope="module")
def roads() -> PriorityReport:
    return PriorityReport.load("p7_road_safety", "2019-20-Q2", REPO)


def test_markdown_table_aligns_numbers_and_sizes_columns_by_their_words():
    table = pd.DataFrame({"Measure": ["Arrests of drug drivers"], "This period": ["414"], "Change": ["+190 (+85%)"]})
    header, rule, row = shown(markdown_table(table)).splitlines()
    assert header == "| Measure | This period | Change |"
    measure_rule, period_rule, change_rule = rule.strip("|").split("|")
    assert measure_rule == ":" + "-" * len("Arrests of drug drivers")
    assert period_rule.endswith(":") and change_rule.endswith(":")
    assert row == "| Arrests of drug drivers | 414 | +190 (+85%) |"


def test_markdown_table_escapes_pipes():
    assert "a \\| b" in markdown_table(pd.DataFrame({"Measure": ["a | b"]}))


def test_compact_table_names_local_areas_and_joins_percentages():
    table = pd.DataFrame({
        "Measure": ["Incidents", "Incidents"], "Area": ["Essex", "Southend"], "Period": ["Q2", "Q2"],
        "Change": ["-10", ""], "Change %": ["-5%", ""], "Direction": ["down", ""],
    })
    compact = compact_table(table, "Essex")
    assert list(compact.columns) == ["Measure", "Period", "Change"]
    assert compact["Measure"].tolist() == ["Incidents", "Incidents (Southend)"]
    assert compact["Change"].tolist() == ["-10 (-5%)", "no comparison"]


def test_commitment_sections_add_only_what_the_table_does_not_show(roads):
    sections = shown(roads.commitment_sections())
    assert "## Working with the Safer Essex Roads Partnership we will:" in sections
    assert "| Arrests of drug drivers | Jul to Sep 2019 | 414 | 224 |" in shown(roads.performance_table())
    assert "414" not in sections  # not tested: the table says so, the text does not repeat it
    assert ("- People killed on the roads fell to 8 in July to September 2019, down from 14 in July to September "
            "2018 (6 fewer, 43% lower). The change is within chance variation (no significant change); the 95% "
            "confidence interval for the change in the rate runs from 79% lower to 46% higher.") in sections


def test_commitment_sections_add_the_change_from_the_previous_quarter():
    report = PriorityReport.load("p1_local_policing", "2019-20-Q2", REPO)
    assert "- '101' calls to the Crime Bureau: compared with April to June 2019, the figure rose by" in (
        shown(report.commitment_sections()))


def test_performance_table_and_records_agree(roads):
    records = roads.performance_records().set_index("measure")
    assert records.loc["road_deaths", "value"] == 8 and records.loc["road_deaths", "same_period_last_year"] == 14
    assert "| People killed on the roads | Jul to Sep 2019 | 8 | 14 | \u22126 (\u221243%) | no significant change |" in (
        shown(roads.performance_table()))


def test_roads_have_one_change_chart_with_its_figures(roads):
    (chart,) = roads.charts()
    assert chart.title.startswith("Static road checks by the Safer Essex Roads Partnership: 29 in July to September 2019")
    assert "the target is 130 for the year to March 2020" in chart.title
    assert "Arrests of drug drivers: 414 in July to September 2019, up from 224 a year earlier (+85%)" in chart.alt_text
    assert chart.caption and chart.caption != chart.title


def test_priority_without_public_data_shows_none(roads):
    assert roads.public_data() == []


def test_tidy_table_of_a_priority_has_datetimes_labels_and_judgements(roads):
    table = roads.tidy()
    assert str(table["period_start"].dtype).startswith("datetime64") and str(table["period_end"].dtype).startswith("datetime64")
    ksi = table[(table["measure"] == "ksi_casualties") & (table["area"] == "Essex")].iloc[0]
    assert ksi["label"] == "People killed or seriously injured on the roads" and ksi["unit"] == "people"
    assert (ksi["value"], ksi["same_period_last_year"], ksi["change"]) == (204, 199, 5)
    assert ksi["period_start"].month == 7 and ksi["period_end"].day == 30
    assert set(table["measure"]) <= set(roads.catalogue) and table["judgement"].notna().any()


def test_a_commitment_without_commentary_never_contradicts_its_figures():
    """Figures shown for a commitment are never followed by "no figures" (issue 12)."""
    import dataclasses

    from crimeplan.text.commentary import Commentary

    report = PriorityReport.load("p1_local_policing", "2019-20-Q2", REPO)
    silent = {number: Commentary(number, c.quarter, {k: [] for k in c.by_commitment}) for number, c in
              report.edition.commentary.items()}
    report = PriorityReport(dataclasses.replace(report.edition, commentary=silent), report.priority)
    text = shown(report.commitment_sections())
    for commitment in report.priority.commitments:
        with_figures = [c for c in report.comparisons
                        if c.current is not None and report.catalogue[c.measure].commitment == commitment.id]
        section = text.split(commitment.text, 1)[1].split("\n## ", 1)[0]
        if with_figures:
            assert "No figures" not in section, commitment.id
            assert "no update text was given" in section.lower(), commitment.id
        else:
            assert "No figures or updates for this commitment in 2019/20 Q2." in section
    cadets = text.split(report.priority.commitments[1].text, 1)[1].split("\n## ", 1)[0]  # table figures only
    assert "Its figures for 2019/20 Q2 are with the performance table above; no update text was given." in cadets
