"""The "Public data" sections on the committed measures; expected figures are worked out
here straight from the CSV files, independently of crimeplan.sections.public_data."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from IPython.display import Markdown

from conftest import shown
from crimeplan.errors import InputError
from crimeplan.inputs.measures import load_comparison_group
from crimeplan.inputs.params import load_plan
from crimeplan.periods import Quarter
from crimeplan.sections.charts import Chart
from crimeplan.sections.public_data import HEADING, open_data_sections
from loaders import load_areas, load_catalogue, load_measures

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def csv_rows(name: str, measure: str) -> list[dict]:
    with (DATA / "measures" / name).open(encoding="utf-8") as file:
        return [row for row in csv.DictReader(file) if row["measure"] == measure]


@pytest.fixture(scope="module")
def inputs():
    plan = load_plan(REPO / "params")
    group = load_comparison_group(DATA, plan.force_area, load_areas(DATA))
    return load_measures(DATA), load_catalogue(DATA), plan, group


def sections(inputs, priority: int, quarter: str) -> list:
    measures, catalogue, plan, group = inputs
    return open_data_sections(priority, Quarter.parse(quarter), measures, catalogue, plan, group)


def text_of(items: list) -> str:
    return "\n".join(shown(item) for item in items if isinstance(item, Markdown))


def charts_of(items: list) -> list[Chart]:
    return [item for item in items if isinstance(item, Chart)]


def chart_rows(chart: Chart) -> list[dict]:
    return [row for rows in chart.spec.get("datasets", {}).values() for row in rows]


def test_priorities_without_public_data_get_nothing(inputs):
    assert [sections(inputs, number, "2019-20-Q2") for number in (3, 6, 7)] == [[], [], []]


def test_specials_trend_shows_both_sources_and_their_difference(inputs):
    items = sections(inputs, 1, "2019-20-Q2")
    assert items[0].data.startswith(HEADING)
    trend = charts_of(items)[0]
    values_by_source = {}
    for row in chart_rows(trend):
        values_by_source.setdefault(row["source"], set()).add(row["value"])
    assert 519 in values_by_source["Home Office workforce statistics"]
    assert 515 in values_by_source["Essex Police"]
    assert "519" in trend.alt_text and "515" in trend.alt_text
    difference = next(s for s in text_of(items).split(". ") if "differ" in s)
    assert "(519)" in difference and "(515)" in difference and "differ by 4" in difference
    assert "30 September 2019" in difference


def test_specials_per_100_officers_matches_the_csv_and_names_the_group(inputs):
    def on_30_september_2019(measure: str) -> dict[str, float]:
        return {r["area"]: float(r["value"]) for r in csv_rows("home_office_workforce.csv", measure)
                if r["period_end"] == "2019-09-30"}

    specials = on_30_september_2019("specials_headcount_home_office")
    officers = on_30_september_2019("officers_fte_home_office")
    essex_rate = f"{specials['Essex'] / officers['Essex'] * 100:.1f}"
    all_forces = f"{sum(specials.values()) / sum(officers.values()) * 100:.1f}"
    items = sections(inputs, 1, "2019-20-Q2")
    comparison = charts_of(items)[1]
    assert "East of England forces" in comparison.title and "30 September 2019" in comparison.title
    assert f"Essex had {essex_rate} Special Constables for every 100" in text_of(items)
    assert f"England and Wales ({len(specials)} forces) {all_forces}" in comparison.alt_text
    areas = {row["area"]: row["group"] for row in chart_rows(comparison)}
    assert areas["Essex"] == "Essex"
    assert {"Bedfordshire", "Cambridgeshire", "Hertfordshire", "Norfolk", "Suffolk"} <= set(areas)
    assert "Kent" not in areas


def test_an_earlier_quarter_shows_nothing_after_its_end(inputs):
    items = sections(inputs, 1, "2017-18-Q2")
    trend = charts_of(items)[0]
    dates = [row["date"][:10] for row in chart_rows(trend)]
    assert max(dates) == "2017-09-30"
    assert all(source == "Home Office workforce statistics" for source in {r["source"] for r in chart_rows(trend)})
    shown = text_of(items) + " ".join(c.title + c.alt_text for c in charts_of(items))
    assert "2018" not in shown and "2019" not in shown
    assert "390 Special Constables in Essex on 30 September 2017" in text_of(items)


def test_each_quarter_s_sections_are_its_own_whatever_was_shown_before(inputs):
    """A kernel shows several priorities and quarters from one set of measures: the rows
    split once for a quarter are not those of the quarter shown before, nor of other measures."""
    measures, catalogue, plan, group = inputs

    def words(quarter, rows=measures):
        items = open_data_sections(1, Quarter.parse(quarter), rows, catalogue, plan, group)
        return text_of(items) + " ".join(c.title for c in charts_of(items))

    later = words("2019-20-Q2")
    earlier = words("2017-18-Q2")
    assert "2019" not in earlier and "2019" in later
    assert words("2019-20-Q2") == later
    fewer = measures[~measures["measure"].str.startswith("specials_headcount")]
    assert words("2019-20-Q2", fewer) != later


def test_anti_social_behaviour_by_month_and_district_for_a_covered_quarter(inputs):
    quarter_months = ("2018-04-01", "2018-05-01", "2018-06-01")
    rows = csv_rows("police_uk.csv", "police_uk_asb_incidents")
    essex = {r["period_start"]: int(r["value"]) for r in rows if r["area"] == "Essex"}
    districts = {}
    for row in rows:
        if row["area"] != "Essex" and row["period_start"] in quarter_months:
            districts[row["area"]] = districts.get(row["area"], 0) + int(row["value"])
    items = sections(inputs, 2, "2018-19-Q1")
    by_month, by_district = charts_of(items)
    month_values = {row["date"][:10]: row["value"] for row in chart_rows(by_month)}
    assert month_values == {day: value for day, value in essex.items() if day <= "2018-06-01"}
    assert month_values["2018-04-01"] == 4194
    assert {row["area"]: row["value"] for row in chart_rows(by_district)} == districts
    assert "April to June 2018" in by_district.title
    total = sum(essex[month] for month in quarter_months)
    text = text_of(items)
    assert f"published {total:,} anti-social behaviour records on police.uk for April to June 2018" in text
    biggest = max(districts, key=districts.get)
    assert f"{biggest} had the most ({districts[biggest]:,})" in text


def test_a_quarter_without_police_uk_data_is_left_out(inputs):
    """Priority 2's only public data is police.uk, which ends in July 2018: nothing to show."""
    assert sections(inputs, 2, "2019-20-Q2") == []


def test_a_quarter_only_partly_covered_by_police_uk_is_left_out(inputs):
    assert sections(inputs, 2, "2018-19-Q2") == []
    assert sections(inputs, 2, "2018-19-Q1")  # April to June 2018 is covered


def test_recorded_crime_for_violence_in_the_quarter(inputs):
    violence = {r["period_start"]: int(r["value"]) for r in
                csv_rows("recorded_crime.csv", "recorded_crime_violence_against_the_person") if r["area"] == "Essex"}
    items = sections(inputs, 4, "2017-18-Q1")
    text = text_of(items)
    assert f"**Recorded violence against the person**: {violence['2017-04-01']:,}," in text
    assert "Recorded rape" in text and "Recorded possession of weapons offences" in text
    shares = charts_of(items)[0]
    assert "East of England forces" in shares.title
    total = next(int(r["value"]) for r in csv_rows("recorded_crime.csv", "recorded_crime_total")
                 if r["area"] == "Essex" and r["period_start"] == "2017-04-01")
    share = f"{violence['2017-04-01'] / total * 100:.1f}%"
    assert shares.title.startswith(f"Recorded violence against the person made up {share} of crime recorded in Essex")
    assert f"Recorded violence against the person: Essex {share}" in shares.alt_text


def test_recorded_crime_compares_with_the_previous_quarter(inputs):
    slavery = {r["period_start"]: int(r["value"]) for r in
               csv_rows("recorded_crime.csv", "recorded_crime_modern_slavery") if r["area"] == "Essex"}
    change = slavery["2017-07-01"] - slavery["2017-04-01"]
    word = "more" if change > 0 else "fewer"
    text = text_of(sections(inputs, 5, "2017-18-Q2"))
    assert (f"**Recorded modern slavery offences**: {slavery['2017-07-01']:,}, {abs(change)} {word} "
            "than in April to June 2017") in text
    assert "Recorded drug trafficking offences" in text and "Recorded violence" not in text


def test_a_quarter_without_quarterly_recorded_crime_says_so_then_shows_the_long_series(inputs):
    items = sections(inputs, 5, "2019-20-Q1")
    first = shown(items[0]).removeprefix(HEADING).strip()
    assert first == ("There are no quarterly recorded crime figures for April to June 2019: the latest are for "
                     "2018/19 Q3. The longer view follows.")
    assert "in the year ending December 2018" in text_of(items)


def reference_copy(tmp_path: Path, groups_yaml: str) -> Path:
    shutil.copytree(DATA / "reference", tmp_path / "reference")
    (tmp_path / "reference" / "comparison_groups.yml").write_text(groups_yaml, encoding="utf-8")
    return tmp_path


def test_comparison_group_with_an_unknown_force_is_refused(tmp_path):
    data_dir = reference_copy(tmp_path, "groups:\n  - name: Eastern\n    forces: [Essex, Essexx]\n")
    with pytest.raises(InputError, match=r"comparison_groups\.yml: group 'Eastern', forces: 'Essexx' is not a force"):
        load_comparison_group(data_dir, "Essex", load_areas(data_dir))


def test_comparison_group_must_include_the_force(tmp_path):
    data_dir = reference_copy(tmp_path, "groups:\n  - name: Kent and Surrey\n    forces: [Kent, Surrey]\n")
    with pytest.raises(InputError, match=r"no group includes 'Essex'") as raised:
        load_comparison_group(data_dir, "Essex", load_areas(data_dir))
    assert raised.value.rule == "force_in_group"


def test_comparison_group_needs_a_name(tmp_path):
    data_dir = reference_copy(tmp_path, "groups:\n  - forces: [Kent, Essex]\n")
    with pytest.raises(InputError, match=r"group 1: name: Field required"):
        load_comparison_group(data_dir, "Essex", load_areas(data_dir))
