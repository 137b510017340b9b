"""Comparisons of a measure with the same period last year, the previous quarter and its target."""

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from crimeplan.errors import InputError
from crimeplan.inputs.measures import MeasureDef
from crimeplan.periods import Quarter, shift_months
from crimeplan.stats.compare import compare, compare_all, measures_for
from loaders import load_catalogue, load_measures

DATA_DIR = Path(__file__).resolve().parents[1] / "data"
Q2_2019 = Quarter.parse("2019-20-Q2")


def frame(*rows: tuple) -> pd.DataFrame:
    """Measures rows as load_measures returns them: (measure, area, start, end, value)."""
    records = [
        {
            "measure": measure,
            "area": area,
            "period_start": date.fromisoformat(start),
            "period_end": date.fromisoformat(end),
            "value": float(value),
            "source": "test",
            "note": "",
            "status": "published",
            "period_assumed": False,
            "qualifier": "",
            "file": "test.csv",
            "row": number,
        }
        for number, (measure, area, start, end, value) in enumerate(rows, start=2)
    ]
    return pd.DataFrame(records)


def definition(**changes) -> MeasureDef:
    fields = {
        "label": "Special Constable headcount",
        "priority": 1,
        "commitment": "p1_police_family",
        "unit": "people",
        "kind": "snapshot",
        "better": "higher",
        "targets": [{"value": 600, "by": "2020-03-31"}],
        "source": "test",
        "definition": "test measure",
    }
    fields.update(changes)
    return MeasureDef.model_validate(fields)


def quarter_rows(measure: str, last_year: float, this_year: float, area: str = "Essex") -> list[tuple]:
    return [
        (measure, area, "2018-07-01", "2018-09-30", last_year),
        (measure, area, "2019-07-01", "2019-09-30", this_year),
    ]


def run(rows, measure_def, measure="m", area="Essex", quarter=Q2_2019):
    return compare(frame(*rows), {measure: measure_def}, measure, area, quarter, force_area="Essex")


def test_snapshot_rise_against_last_year_and_target():
    rows = [("m", "Essex", "2018-09-30", "2018-09-30", 464), ("m", "Essex", "2019-09-30", "2019-09-30", 515)]
    result = run(rows, definition())
    assert result.value == 515
    change = result.previous_year
    assert change.reference.value == 464 and change.reference.end == date(2018, 9, 30)
    assert change.absolute == 51
    assert change.percent == pytest.approx(10.99, abs=0.01)
    assert (change.direction, change.verdict) == ("up", "not tested")  # a headcount: no model of chance
    assert "level on one day" in change.judgement.reason
    assert result.previous_quarter is None
    assert result.target.value == 600 and result.target.by == date(2020, 3, 31)
    assert result.target.gap == 85 and result.target.met is False
    assert result.target.share == pytest.approx(85.83, abs=0.01)


def test_fall_is_an_improvement_when_lower_is_better():
    result = run(quarter_rows("m", 14, 8), definition(unit="people", kind="total", better="lower", targets=[],
                                                     variation="poisson"))
    change = result.previous_year
    assert (change.absolute, change.direction, change.verdict) == (-6, "down", "no significant change")
    assert change.percent == pytest.approx(-42.857, abs=0.001)


def test_small_rise_is_no_significant_change_and_neither_is_tested_without_a_value_judgement():
    worse = run(quarter_rows("m", 199, 204), definition(kind="total", better="lower", targets=[], variation="poisson"))
    assert worse.previous_year.verdict == "no significant change"
    neither = run(quarter_rows("m", 224, 414), definition(kind="total", better="neither", targets=[],
                                                          variation="poisson"))
    assert (neither.previous_year.direction, neither.previous_year.verdict) == ("up", "significant increase")


def test_no_change():
    result = run(quarter_rows("m", 120, 120), definition(kind="total", targets=[], variation="poisson"))
    change = result.previous_year
    assert (change.absolute, change.percent, change.direction, change.verdict) == (
        0, 0, "no change", "no significant change")


def test_missing_comparisons_are_none():
    result = run([("m", "Essex", "2019-07-01", "2019-09-30", 210)], definition(kind="total", targets=[]))
    assert result.value == 210
    assert result.previous_year is None and result.previous_quarter is None


def test_zero_base_leaves_percentage_undefined():
    result = run(quarter_rows("m", 0, 5), definition(kind="total", targets=[]))
    assert result.previous_year.absolute == 5
    assert result.previous_year.percent is None and result.previous_year.zero_base


def test_percent_measures_change_in_points():
    rows = [("m", "Essex", "2018-08-01", "2018-08-31", 79.0), ("m", "Essex", "2019-08-01", "2019-08-31", 84.7)]
    result = run(rows, definition(unit="percent", kind="rate", targets=[]))
    assert result.current.start == date(2019, 8, 1)
    assert result.previous_year.points == pytest.approx(5.7)
    assert result.previous_year.reference.start == date(2018, 8, 1)


def test_previous_quarter_for_a_total():
    rows = quarter_rows("m", 26933, 29357) + [("m", "Essex", "2019-04-01", "2019-06-30", 27156)]
    result = run(rows, definition(kind="total", better="neither", targets=[]))
    assert result.previous_quarter.absolute == 2201
    assert result.previous_quarter.percent == pytest.approx(8.105, abs=0.001)
    assert result.previous_year.absolute == 2424


def test_exact_quarter_row_is_preferred_over_a_month_inside_it():
    rows = quarter_rows("m", 100, 300) + [("m", "Essex", "2019-09-01", "2019-09-30", 90)]
    assert run(rows, definition(kind="total", targets=[])).value == 300


def test_window_ending_in_the_quarter_compares_with_the_same_window_a_year_earlier():
    rows = [
        ("m", "Southend", "2017-10-01", "2018-09-30", 6931),
        ("m", "Southend", "2018-10-01", "2019-09-30", 5926),
    ]
    result = run(rows, definition(kind="total", better="lower", targets=[]), area="Southend")
    assert result.value == 5926
    assert result.previous_year.absolute == -1005
    assert result.previous_year.percent == pytest.approx(-14.5, abs=0.001)
    assert result.force_wide is False and result.target is None


def test_latest_snapshot_inside_the_quarter_is_current():
    rows = [
        ("m", "Essex", "2019-08-15", "2019-08-15", 500),
        ("m", "Essex", "2019-09-15", "2019-09-15", 510),
        ("m", "Essex", "2019-06-30", "2019-06-30", 490),
        ("m", "Essex", "2018-09-01", "2018-09-01", 450),
    ]
    result = run(rows, definition())
    assert result.value == 510
    assert result.previous_quarter.reference.value == 490
    assert result.previous_year.reference.value == 450


def test_no_current_value_gives_an_empty_comparison():
    rows = [("m", "Essex", "2019-09-30", "2019-09-30", 515)]
    result = run(rows, definition(), quarter=Quarter.parse("2018-19-Q2"))
    assert result.current is None and result.value is None
    assert result.previous_year is None and result.target is None


def test_target_for_a_total_has_no_progress_and_met_target_is_reported():
    total = run(quarter_rows("m", 20, 29), definition(kind="total", targets=[{"value": 130, "by": "2020-03-31"}]))
    assert (total.target.value, total.target.gap, total.target.met) == (130, None, None)
    met = run([("m", "Essex", "2019-09-30", "2019-09-30", 610)], definition())
    assert met.target.met is True and met.target.gap == -10


def test_targets_apply_only_force_wide():
    rows = [("m", "Castle Point and Rochford", "2019-09-30", "2019-09-30", 22)]
    assert run(rows, definition(), area="Castle Point and Rochford").target is None


def test_duplicate_rows_for_a_period_are_an_input_error():
    rows = quarter_rows("m", 1, 2) + [("m", "Essex", "2019-07-01", "2019-09-30", 3)]
    with pytest.raises(InputError, match=r"has 2 rows for 2019-07-01 to 2019-09-30 \(test.csv row 3, test.csv row 4\)"):
        run(rows, definition(kind="total"))


def test_unknown_measure_is_an_input_error():
    with pytest.raises(InputError, match="measure 'nope' is not in data/catalogue.yml"):
        compare(frame(), {}, "nope", "Essex", Q2_2019, force_area="Essex")


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2019, 9, 30), -12, date(2018, 9, 30)),
        (date(2019, 9, 30), -3, date(2019, 6, 30)),
        (date(2019, 8, 31), -3, date(2019, 5, 31)),
        (date(2020, 2, 29), -12, date(2019, 2, 28)),
        (date(2019, 2, 28), 12, date(2020, 2, 29)),
        (date(2019, 4, 1), -12, date(2018, 4, 1)),
        (date(2019, 1, 15), -3, date(2018, 10, 15)),
    ],
)
def test_shift_months_keeps_month_ends(day, months, expected):
    assert shift_months(day, months) == expected


def test_measures_for_and_compare_all_follow_catalogue_and_area_order():
    catalogue = {
        "a": definition(),
        "b": definition(priority=2, commitment="p2_repeat_high_harm", kind="total", targets=[]),
        "c": definition(),
    }
    assert measures_for(catalogue, priority=1) == ["a", "c"]
    assert measures_for(catalogue, commitment="p2_repeat_high_harm") == ["b"]
    rows = frame(
        ("a", "Southend", "2019-09-30", "2019-09-30", 1),
        ("a", "Essex", "2019-09-30", "2019-09-30", 2),
        ("a", "Zzz", "2019-09-30", "2019-09-30", 3),
        ("c", "Essex", "2018-09-30", "2018-09-30", 4),
    )
    found = compare_all(rows, catalogue, Q2_2019, force_area="Essex", area_order=["Essex", "Southend"], priority=1)
    assert [(c.measure, c.area, c.value) for c in found] == [
        ("a", "Essex", 2),
        ("a", "Southend", 1),
        ("a", "Zzz", 3),
        ("c", "Essex", None),
    ]


@pytest.fixture(scope="module")
def project_data():
    return load_measures(DATA_DIR), load_catalogue(DATA_DIR)


@pytest.mark.parametrize(
    ("measure", "last_year", "this_year"),
    [
        ("specials_headcount", 464, 515),
        ("ksi_casualties", 199, 204),
        ("road_deaths", 14, 8),
        ("drink_drive_arrests", 331, 366),
        ("drug_drive_arrests", 224, 414),
    ],
)
def test_required_measures_in_the_project_data(project_data, measure, last_year, this_year):
    measures, catalogue = project_data
    result = compare(measures, catalogue, measure, "Essex", Q2_2019, force_area="Essex")
    assert (result.previous_year.reference.value, result.value) == (last_year, this_year)
    earlier = compare(measures, catalogue, measure, "Essex", Quarter.parse("2018-19-Q2"), force_area="Essex")
    assert earlier.value == last_year and earlier.previous_year is None


def test_derived_comparison_values_reproduce_the_published_rounded_changes(project_data):
    measures, catalogue = project_data
    published = {  # measure, area: published % change on the same period last year, decimals
        ("specials_hours", "Essex"): (19, 0),
        ("specials_operational_hours", "Essex"): (24, 0),
        ("specials_high_visibility_hours", "Essex"): (15, 0),
        ("esp_hours", "Essex"): (40, 0),
        ("csc_hours", "Essex"): (218, 0),
        ("crime_bureau_101_calls", "Essex"): (9, 0),
        ("crime_bureau_investigations", "Essex"): (7, 0),
        ("asb_incidents", "Southend"): (-14.5, 1),
        ("vap_solved_outcomes", "Southend"): (9.7, 1),
    }
    for (measure, area), (percent, decimals) in published.items():
        result = compare(measures, catalogue, measure, area, Q2_2019, force_area="Essex")
        assert round(result.previous_year.percent, decimals) == percent, measure
    calls = compare(measures, catalogue, "crime_bureau_101_calls", "Essex", Q2_2019, force_area="Essex")
    assert round(calls.previous_quarter.percent) == 8 and calls.previous_quarter.absolute == 2201
    seasonal_2018 = compare(measures, catalogue, "crime_bureau_101_calls", "Essex", Quarter.parse("2018-19-Q2"), force_area="Essex")
    assert round(seasonal_2018.previous_quarter.percent) == 5
    gos = compare(measures, catalogue, "grade_of_service_101", "Essex", Q2_2019, force_area="Essex")
    assert round(gos.previous_year.points, 1) == 5.7


# --- judgements by the stated method (crimeplan.stats.judgement) --------------------------------------


def test_ksi_and_road_deaths_are_no_significant_change():
    casualties = definition(unit="people", kind="total", better="lower", targets=[], variation="poisson")
    ksi = run(quarter_rows("m", 199, 204), casualties)
    deaths = run(quarter_rows("m", 14, 8), casualties)
    for result in (ksi, deaths):
        judgement = result.previous_year.judgement
        assert judgement.verdict == "no significant change"
        assert judgement.method == "exact test of two Poisson counts" and judgement.p_value > 0.05
    assert deaths.previous_year.judgement.p_value == pytest.approx(0.2863, abs=1e-4)  # R: poisson.test(c(8, 14))


def test_large_changes_are_significant_in_the_direction_the_plan_wants():
    independent = {"unit": "count", "kind": "total", "targets": [], "variation": "poisson"}
    fall = run(quarter_rows("m", 150, 100), definition(better="lower", **independent))
    rise = run(quarter_rows("m", 100, 150), definition(better="lower", **independent))
    assert fall.previous_year.verdict == "significantly better" and fall.previous_year.judgement.p_value < 0.05
    assert rise.previous_year.verdict == "significantly worse"
    fall_neither = run(quarter_rows("m", 150, 100), definition(better="neither", **independent))
    assert fall_neither.previous_year.verdict == "significant decrease"


def test_periods_of_different_length_are_compared_per_day():
    rows = [("m", "Essex", "2018-08-01", "2018-08-31", 31), ("m", "Essex", "2019-07-01", "2019-09-30", 92)]
    # no row covers the same dates last year, so this is the previous quarter's comparison only
    result = run(rows + [("m", "Essex", "2019-04-01", "2019-06-30", 91)],
                 definition(unit="count", kind="total", better="lower", targets=[], variation="poisson"))
    judgement = result.previous_quarter.judgement  # 91 days then 92: the same rate per day
    assert judgement.reason.startswith("91 in 91 days to 92 in 92 days")
    assert (judgement.direction, judgement.verdict) == ("no change", "no significant change")


@pytest.mark.parametrize(("unit", "kind", "why"), [
    ("hours", "total", "Hours"), ("percent", "rate", "percentage published without the counts"),
    ("gbp", "total", "money"), ("minutes", "rate", "time"),
])
def test_measures_without_a_model_of_chance_are_not_tested_with_the_reason(unit, kind, why):
    result = run(quarter_rows("m", 40, 60), definition(unit=unit, kind=kind, better="higher", targets=[]))
    assert result.previous_year.verdict == "not tested" and why in result.previous_year.judgement.reason


def test_fifteen_consecutive_months_give_a_count_the_history_of_its_variation():
    months = pd.date_range("2018-07-01", "2019-09-01", freq="MS")
    values = [100, 104, 98, 101, 97, 103, 99, 102, 100, 98, 101, 99, 103, 100, 160]
    rows = [("m", "Essex", str(m.date()), str((m + pd.offsets.MonthEnd(0)).date()), v) for m, v in zip(months, values)]
    result = run(rows, definition(unit="count", kind="total", better="lower", targets=[]))
    assert result.current.value == 160
    change = result.previous_year  # September 2018 (100) is in the data
    assert [o.value for o in change.history] == values[:-1] and change.series == values
    judgement = change.judgement  # 14 steady months: no more variation than Poisson, so the exact test
    assert judgement.method == "exact test of two Poisson counts" and judgement.verdict == "significantly worse"
    assert judgement.dispersion.points == 14 and judgement.dispersion.factor == 1
    assert "the 14 earlier periods vary" in judgement.reason
    hours = run(rows, definition(unit="hours", kind="total", better="lower", targets=[]))
    assert hours.previous_year.judgement.method == "XmR control chart"  # not a count: read on a control chart
    few = run(rows[-8:], definition(unit="count", kind="total", better="lower", targets=[]))
    assert few.previous_quarter.judgement.verdict == "not tested"  # 7 earlier months: too few
    assert "there are 7 earlier periods" in few.previous_quarter.judgement.reason


def test_rolling_windows_are_never_counted_as_separate_periods():
    ends = pd.date_range("2009-09-30", "2019-09-30", freq="ME")  # a 12-month total ending every month
    rows = [("m", "Essex", str((end - pd.DateOffset(years=1) + pd.Timedelta(days=1)).date()), str(end.date()),
             1000 + i) for i, end in enumerate(ends)]
    result = run(rows, definition(unit="count", kind="total", better="lower", targets=[]))
    history = result.previous_year.history
    assert [o.end for o in history] == [date(year, 9, 30) for year in range(2009, 2019)]  # one a year
    assert all(later.start > earlier.end for earlier, later in zip(history, history[1:]))


def test_history_stops_at_a_figure_not_published_as_such():
    months = pd.date_range("2018-07-01", "2019-09-01", freq="MS")
    rows = frame(*[("m", "Essex", str(m.date()), str((m + pd.offsets.MonthEnd(0)).date()), 100) for m in months])
    rows.loc[5, "status"] = "estimated"
    result = compare(rows, {"m": definition(unit="count", kind="total", better="lower", targets=[])}, "m", "Essex",
                     Q2_2019, force_area="Essex")
    assert len(result.previous_year.history) == 8  # the months after the estimated one


def test_target_progress_on_the_path_from_a_year_earlier():
    rows = [("m", "Essex", "2018-09-30", "2018-09-30", 464), ("m", "Essex", "2019-09-30", "2019-09-30", 515)]
    result = run(rows, definition())
    assert result.target.verdict == "not on track for target"  # the path stands at 555 in September 2019
    assert result.target.progress.path_value == pytest.approx(554.6, abs=0.1)
    met = run(rows[:1] + [("m", "Essex", "2019-09-30", "2019-09-30", 650)], definition())
    assert met.target.verdict == "target met"
    on_track = run(rows[:1] + [("m", "Essex", "2019-09-30", "2019-09-30", 560)], definition())
    assert on_track.target.verdict == "on track for target"


def test_target_without_a_baseline_is_not_assessed_unless_met():
    alone = run([("m", "Essex", "2019-09-30", "2019-09-30", 9)], definition(targets=[{"value": 15, "by": "2020-03-31"}]))
    assert alone.target.verdict == "progress not assessed"
    met = run([("m", "Essex", "2019-09-30", "2019-09-30", 16)], definition(targets=[{"value": 15, "by": "2020-03-31"}]))
    assert met.target.verdict == "target met"


def test_total_towards_a_years_target_uses_the_year_to_date():
    measure = definition(unit="count", kind="total", targets=[{"value": 130, "by": "2020-03-31"}])
    only_q2 = run([("m", "Essex", "2019-07-01", "2019-09-30", 29)], measure)
    assert only_q2.target.verdict == "progress not assessed"
    both = run([("m", "Essex", "2019-04-01", "2019-06-30", 40), ("m", "Essex", "2019-07-01", "2019-09-30", 29)], measure)
    assert both.target.progress is not None and both.target.verdict == "on track for target"  # 69 against 65
    behind = run([("m", "Essex", "2019-04-01", "2019-06-30", 20), ("m", "Essex", "2019-07-01", "2019-09-30", 29)], measure)
    assert behind.target.verdict == "not on track for target"
