"""Sentences and table rows stating comparisons in the update's register."""

from datetime import date

import pytest

from crimeplan.text.narrative import (
    describe_period,
    judgement_sentence,
    performance_table,
    progress_cell,
    quarter_sentence,
    year_sentence,
)
from test_compare import definition, quarter_rows, run

SNAPSHOT_2018 = ("m", "Essex", "2018-09-30", "2018-09-30", 464)


def snapshot_2019(value):
    return ("m", "Essex", "2019-09-30", "2019-09-30", value)


def say(rows, measure_def, **kwargs):
    """The sentences the update states a comparison in: against the same period last year
    with its verdict, then against the previous quarter."""
    pct_decimals = kwargs.pop("pct_decimals", 0)
    comparison = run(rows, measure_def, **kwargs)
    sentences = [year_sentence(comparison, measure_def, pct_decimals), judgement_sentence(comparison.previous_year)]
    if comparison.previous_quarter is not None:
        sentences.append(quarter_sentence(comparison, pct_decimals))
    return " ".join(filter(None, sentences))


def target(rows, measure_def) -> str:
    """The scorecard's target cell for a comparison."""
    return progress_cell(run(rows, measure_def))


def test_rise_with_target():
    assert say([SNAPSHOT_2018, snapshot_2019(515)], definition()) == (
        "Special Constable headcount rose to 515 in September 2019, up from 464 in September 2018 "
        "(51 more, 11% higher)."
    )
    assert target([SNAPSHOT_2018, snapshot_2019(515)], definition()) == "600 by Mar 2020: not on track"


def test_fall():
    assert say([SNAPSHOT_2018, snapshot_2019(430)], definition(targets=[])) == (
        "Special Constable headcount fell to 430 in September 2019, down from 464 in September 2018 "
        "(34 fewer, 7% lower)."
    )


def test_no_change():
    assert say([SNAPSHOT_2018, snapshot_2019(464)], definition(targets=[])) == (
        "Special Constable headcount stayed at 464 in September 2019, unchanged from September 2018."
    )


def test_missing_comparison():
    assert say([snapshot_2019(515)], definition(targets=[])) == (
        "Special Constable headcount stood at 515 in September 2019; "
        "no comparison for the same period last year is available."
    )


def test_zero_base():
    measure = definition(label="Arrests", unit="count", kind="total", targets=[], variation="poisson")
    assert say(quarter_rows("m", 0, 5), measure) == (
        "Arrests rose to 5 in July to September 2019, up from 0 in July to September 2018 "
        "(5 more; no percentage change can be given from a zero base). "
        "The change is within chance variation (no significant change); the 95% confidence interval for the change "
        "in the rate starts at 8.4% lower and has no upper bound."
    )


def test_percent_measure_changes_in_points():
    measure = definition(label="Grade of service", unit="percent", kind="rate", targets=[])
    rows = [("m", "Essex", "2018-08-01", "2018-08-31", 79.0), ("m", "Essex", "2019-08-01", "2019-08-31", 84.7)]
    assert say(rows, measure) == (
        "Grade of service rose to 84.7% in August 2019, up from 79.0% in August 2018 (5.7 percentage points higher)."
    )


def test_money_rise_and_fall():
    measure = definition(label="Cash seized", unit="gbp", kind="total", better="neither", targets=[])
    assert say(quarter_rows("m", 40_000, 44_000), measure) == (
        "Cash seized rose to £44,000 in July to September 2019, up from £40,000 in July to September 2018 "
        "(£4,000 more, 10% higher)."
    )
    assert say(quarter_rows("m", 6_000_000, 5_700_000), measure) == (
        "Cash seized fell to £5.7m in July to September 2019, down from £6m in July to September 2018 "
        "(£300,000 less, 5% lower)."
    )


def test_hours_and_minutes_carry_their_unit():
    hours = definition(label="Hours worked", unit="hours", kind="total", targets=[])
    assert say(quarter_rows("m", 41017, 48810), hours).endswith(
        "rose to 48,810 hours in July to September 2019, up from 41,017 hours in July to September 2018 "
        "(7,793 more hours, 19% higher)."
    )
    wait = definition(label="Average wait", unit="minutes", kind="rate", better="lower", targets=[])
    assert say(quarter_rows("m", 18, 11), wait) == (
        "Average wait fell to 11 minutes in July to September 2019, down from 18 minutes in July to "
        "September 2018 (7 fewer minutes, 39% lower)."
    )


def test_local_area_and_one_decimal_percentages():
    measure = definition(label="Anti-social behaviour incidents", unit="count", kind="total", better="lower", targets=[], variation="poisson")
    rows = [("m", "Southend", "2017-10-01", "2018-09-30", 6931), ("m", "Southend", "2018-10-01", "2019-09-30", 5926)]
    assert say(rows, measure, area="Southend", pct_decimals=1) == (
        "Anti-social behaviour incidents in Southend fell to 5,926 in the 12 months to September 2019, "
        "down from 6,931 in the 12 months to September 2018 (1,005 fewer, 14.5% lower). "
        "This is significantly better than a year earlier; the 95% confidence interval for the change in the rate "
        "runs from 17% lower to 11% lower."
    )


def test_previous_quarter_sentence():
    measure = definition(label="Calls", unit="count", kind="total", better="neither", targets=[], variation="poisson")
    rows = quarter_rows("m", 26933, 29357) + [("m", "Essex", "2019-04-01", "2019-06-30", 27156)]
    assert say(rows, measure) == (
        "Calls rose to 29,357 in July to September 2019, up from 26,933 in July to September 2018 "
        "(2,424 more, 9% higher). This is a significant increase; the 95% confidence interval for the change in the "
        "rate runs from 7.2% higher to 11% higher. "
        "Compared with April to June 2019, the figure rose by 2,201 (8%)."
    )


def test_target_met_and_target_for_a_total():
    assert target([SNAPSHOT_2018, snapshot_2019(610)], definition()) == "600 by Mar 2020: met"
    checks = definition(label="Road checks", unit="count", kind="total", targets=[{"value": 130, "by": "2020-03-31"}])
    assert target([("m", "Essex", "2019-07-01", "2019-09-30", 29)], checks) == "130 by Mar 2020: not assessed"


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (date(2019, 9, 30), date(2019, 9, 30), "September 2019"),
        (date(2019, 10, 5), date(2019, 10, 5), "5 October 2019"),
        (date(2019, 8, 1), date(2019, 8, 31), "August 2019"),
        (date(2019, 7, 1), date(2019, 9, 30), "July to September 2019"),
        (date(2019, 4, 1), date(2019, 9, 30), "the six months to September 2019"),
        (date(2018, 10, 1), date(2019, 9, 30), "the 12 months to September 2019"),
        (date(2019, 9, 1), date(2019, 9, 26), "1 September 2019 to 26 September 2019"),
    ],
)
def test_describe_period(start, end, expected):
    assert describe_period(start, end) == expected


def test_performance_table_rows():
    catalogue = {"m": definition(), "g": definition(label="Grade of service", unit="percent", kind="rate", targets=[])}
    comparisons = [
        run([SNAPSHOT_2018, snapshot_2019(430)], catalogue["m"]),
        run(
            [("g", "Essex", "2018-08-01", "2018-08-31", 79.0), ("g", "Essex", "2019-08-01", "2019-08-31", 84.7)],
            catalogue["g"],
            measure="g",
        ),
    ]
    table = performance_table(comparisons, catalogue)
    assert table.iloc[0].to_dict() == {
        "Measure": "Special Constable headcount",
        "Area": "Essex",
        "Period": "Sep 2019",
        "This period": "430",
        "Same period last year": "464",
        "Change": "\u221234",
        "Change %": "\u22127%",
        "Direction": "down",
        "Judgement": "not tested (a level on a day)",
        "Target": "600 by March 2020: not on track for target",
    }
    assert table.iloc[1][["This period", "Same period last year", "Change", "Change %"]].tolist() == [
        "84.7%", "79.0%", "+5.7 percentage points", "",
    ]


@pytest.mark.parametrize(
    ("previous_quarter", "expected"),
    [
        (32000, "Compared with April to June 2019, the figure fell by 2,643 (8%)."),
        (29357, "The figure was unchanged from April to June 2019."),
        (0, "Compared with April to June 2019, the figure rose by 29,357 (no percentage from a zero base)."),
    ],
)
def test_previous_quarter_fall_no_change_and_zero_base(previous_quarter, expected):
    measure = definition(label="Calls", unit="count", kind="total", better="neither", targets=[], variation="poisson")
    rows = [("m", "Essex", "2019-07-01", "2019-09-30", 29357), ("m", "Essex", "2019-04-01", "2019-06-30", previous_quarter)]
    assert say(rows, measure).endswith(expected)


def test_previous_quarter_of_a_percentage_is_in_points():
    measure = definition(label="Grade of service", unit="percent", kind="rate", targets=[])
    rows = [("m", "Essex", "2019-07-01", "2019-09-30", 84.7), ("m", "Essex", "2019-04-01", "2019-06-30", 86.0)]
    assert say(rows, measure).endswith("Compared with April to June 2019, the figure fell by 1.3 percentage points.")


def test_noise_is_never_called_an_improvement():
    deaths = definition(label="People killed on the roads", unit="people", kind="total", better="lower", targets=[], variation="poisson")
    text = say(quarter_rows("m", 14, 8), deaths)
    assert text.endswith("(6 fewer, 43% lower). The change is within chance variation (no significant change); the "
                         "95% confidence interval for the change in the rate runs from 79% lower to 46% higher.")
    assert "improv" not in text and "better" not in text


def test_total_towards_a_years_target_states_its_progress():
    checks = definition(label="Road checks", unit="count", kind="total", targets=[{"value": 130, "by": "2020-03-31"}])
    rows = [("m", "Essex", "2019-04-01", "2019-06-30", 40), ("m", "Essex", "2019-07-01", "2019-09-30", 29)]
    assert target(rows, checks) == "130 by Mar 2020: on track"


def test_judgement_column_says_why_a_figure_is_not_tested():
    hours = definition(label="Hours", unit="hours", kind="total", targets=[])
    table = performance_table([run(quarter_rows("m", 10, 20), hours)], {"m": hours})
    assert table.iloc[0]["Judgement"] == "not tested (hours, not events)"
    deaths = definition(label="Deaths", unit="people", kind="total", better="lower", targets=[], variation="poisson")
    table = performance_table([run(quarter_rows("m", 14, 8), deaths)], {"m": deaths})
    assert table.iloc[0]["Judgement"] == "no significant change"



def test_judgement_cell_reason_follows_the_code_not_the_sentence():
    """Rewording a not-tested sentence keeps the table's short reason: the cell reads the code."""
    from dataclasses import dataclass, replace

    from crimeplan.stats import judgement as judging
    from crimeplan.text.narrative import judgement_cell

    @dataclass
    class Judged:
        judgement: judging.Judgement

    reworded = judging.not_tested("Counted on one day only.", because=judging.NoTest.SNAPSHOT)
    assert judgement_cell(Judged(reworded)) == "not tested (a level on a day)"
    assert judgement_cell(Judged(replace(reworded, not_tested_because=None))) == "not tested"
