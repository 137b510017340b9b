"""The long public series in the update (crimeplan.sections.trends): figures worked out here from
the committed CSV files, control limits only on discrete periods with 15 or more points,
a line when the latest figure is older than the quarter, similar forces without rates."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from IPython.display import Markdown

from crimeplan.inputs.measures import load_comparison_group
from crimeplan.inputs.params import load_plan
from crimeplan.periods import Quarter
from crimeplan.sections.charts import Chart
from crimeplan.sections.public_data import open_data_sections
from crimeplan.sections.trends import control_chart, discrete_history
from loaders import load_areas, load_catalogue, load_measures

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data"


def committed(*names: str) -> dict[tuple[str, str, str], float]:
    rows = {}
    for name in names:
        with (DATA / "measures" / name).open(encoding="utf-8") as file:
            rows |= {(r["measure"], r["area"], r["period_end"]): float(r["value"]) for r in csv.DictReader(file)}
    return rows


@pytest.fixture(scope="module")
def inputs():
    plan = load_plan(REPO / "params")
    return load_measures(DATA), load_catalogue(DATA), plan, load_comparison_group(DATA, plan.force_area, load_areas(DATA))


def sections(inputs, priority: int, quarter: str, measures: pd.DataFrame | None = None) -> list:
    all_measures, catalogue, plan, group = inputs
    return open_data_sections(priority, Quarter.parse(quarter), all_measures if measures is None else measures,
                              catalogue, plan, group)


def text_of(items: list) -> str:
    return "\n".join(item.data for item in items if isinstance(item, Markdown))


def charts_of(items: list) -> list[Chart]:
    return [item for item in items if isinstance(item, Chart)]


def has_limits(chart: Chart) -> bool:
    return "Upper limit" in chart.spec_json


def test_essex_2019_20_q2_shows_the_year_ending_december_2018_and_its_trend(inputs) -> None:
    ons = committed("ons_recorded_crime.csv", "ons_recorded_crime_quarters.csv")
    total = ons[("recorded_crime_total_rolling_year", "Essex", "2018-12-31")]
    before = ons[("recorded_crime_total_rolling_year", "Essex", "2017-12-31")]
    violence = ons[("recorded_crime_violence_against_the_person_rolling_year", "Essex", "2018-12-31")]
    first = ons[("recorded_crime_violence_against_the_person_rolling_year", "Essex", "2003-03-31")]
    items = sections(inputs, 4, "2019-20-Q2")
    text = text_of(items)
    percent = round((total - before) / before * 100)
    assert (f"**Police recorded crime**: {total:,.0f} in the year ending December 2018, {percent}% more than in the "
            f"year ending December 2017 ({before:,.0f})") in text
    assert "This is the latest ONS year published: it ends on 31 December 2018, before this update's quarter " \
           "(2019/20 Q2, to 30 September 2019)." in text
    trend, quarters = charts_of(items)[:2]
    assert trend.title == (f"Recorded violence against the person in Essex rose from {first:,.0f} in the year ending "
                           f"March 2003 to {violence:,.0f} in the year ending December 2018")
    assert not has_limits(trend) and "no control limits" in trend.subtitle  # rolling years overlap
    assert has_limits(quarters) and quarters.subtitle.startswith("51 points, April to June 2006 to October to December 2018")
    latest_quarter = ons[("recorded_crime_violence_against_the_person", "Essex", "2018-12-31")]
    assert quarters.title.startswith(f"Recorded violence against the person in Essex by quarter: {latest_quarter:,.0f} "
                                     "in October to December 2018, ")


def test_similar_forces_by_change_without_rates_per_head(inputs) -> None:
    ons = committed("ons_recorded_crime.csv")
    measure = "recorded_crime_drug_offences_rolling_year"
    group = inputs[3].forces

    def change(forces) -> float:
        now = sum(ons[(measure, f, "2018-12-31")] for f in forces)
        then = sum(ons[(measure, f, "2017-12-31")] for f in forces)
        return (now - then) / then * 100

    every_force = sorted({area for (m, area, _) in ons if m == measure})
    text = text_of(sections(inputs, 5, "2019-20-Q2"))
    assert (f"recorded drug offences in Essex changed by +{change(['Essex']):.1f}% between the year ending December "
            f"2017 and the year ending December 2018") in text
    assert f"the East of England forces together changed by +{change(group):.1f}%" in text
    assert f"England and Wales (43 forces) by +{change(every_force):.1f}%" in text
    assert "no population figures, so forces are compared by their change, not by rates per head" in text


def test_essex_specials_on_31_march_2019_from_the_open_data(inputs) -> None:
    specials = committed("workforce_open_data.csv")[("workforce_specials_headcount", "Essex", "2019-03-31")]
    items = sections(inputs, 1, "2019-20-Q2")
    text = text_of(items)
    assert specials == 517
    assert "The Home Office workforce open data count 517 Special Constables in Essex on 31 March 2019" in text
    assert "This is the latest yearly count published: it ends on 31 March 2019" in text
    chart = charts_of(items)[-1]
    assert chart.title.startswith("Special Constables in Essex: 517 in March 2019")
    assert not has_limits(chart) and "13 points, too few for control limits (15 are needed)" in chart.subtitle


def test_changing_the_committed_series_changes_the_update(inputs) -> None:
    measures = inputs[0].copy()
    chosen = ((measures["measure"] == "workforce_specials_headcount") & (measures["area"] == "Essex")
              & (measures["period_end"].astype(str) == "2019-03-31"))
    rolling = ((measures["measure"] == "recorded_crime_total_rolling_year") & (measures["area"] == "Essex")
               & (measures["period_end"].astype(str) == "2018-12-31"))
    assert chosen.sum() == 1 and rolling.sum() == 1
    measures.loc[chosen, "value"] = 601
    measures.loc[rolling, "value"] = 123456
    assert "count 601 Special Constables in Essex on 31 March 2019" in text_of(sections(inputs, 1, "2019-20-Q2", measures))
    assert "**Police recorded crime**: 123,456 in the year ending December 2018" in \
        text_of(sections(inputs, 4, "2019-20-Q2", measures))


def rows(starts: list[str], months: int, values: list[float]) -> pd.DataFrame:
    begin = pd.to_datetime(starts)
    return pd.DataFrame({"period_start": begin, "period_end": [b + pd.DateOffset(months=months) - pd.Timedelta(days=1)
                                                                for b in begin], "value": values})


def test_discrete_history_keeps_the_latest_unbroken_run_of_periods_that_do_not_overlap() -> None:
    months = [f"2020-{m:02d}-01" for m in range(1, 13)]
    gap = rows(months[:4] + months[6:], 1, list(range(10)))
    assert list(discrete_history(gap)["value"]) == [4, 5, 6, 7, 8, 9]  # after the gap
    rolling = rows(["2017-01-01", "2017-04-01", "2017-07-01"], 12, [1, 2, 3])
    assert list(discrete_history(rolling)["value"]) == [3]  # overlapping years: one point
    mixed = pd.concat([rows(["2020-01-01"], 3, [1]), rows(["2020-04-01", "2020-05-01"], 1, [2, 3])])
    assert list(discrete_history(mixed)["value"]) == [2, 3]  # a quarter is not a month
    snapshots = pd.DataFrame({"period_start": pd.to_datetime(["2018-03-31", "2019-03-31", "2019-09-30"]),
                              "value": [1, 2, 3]}).assign(period_end=lambda f: f["period_start"])
    assert list(discrete_history(snapshots.iloc[:2])["value"]) == [1, 2]


def test_control_limits_need_fifteen_points() -> None:
    fourteen = rows([f"{2010 + i // 12}-{i % 12 + 1:02d}-01" for i in range(14)], 1, [10, 12] * 7)
    chart = control_chart(fourteen, "Offences in Somewhere", "lower", "count", "month", "Somewhere", "Offences", "")
    assert not has_limits(chart) and "14 points, too few for control limits" in chart.subtitle
    fifteen = rows([f"{2010 + i // 12}-{i % 12 + 1:02d}-01" for i in range(15)], 1, [10, 12] * 7 + [40])
    chart = control_chart(fifteen, "Offences in Somewhere", "lower", "count", "month", "Somewhere", "Offences", "")
    assert has_limits(chart)
    assert chart.title == ("Offences in Somewhere: 40 in March 2011, above the upper control limit "
                           "(special cause concern)")
