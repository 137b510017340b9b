"""British number formatting as the quarterly update writes numbers."""

from datetime import date

import pytest

from crimeplan.formatting import (
    auto_decimals,
    format_money,
    format_number,
    format_percent,
    format_points,
    format_rounded,
    format_value,
    long_date,
    month_year,
    round_half_up,
)


@pytest.mark.parametrize(
    ("value", "expected"),
    [(48810, "48,810"), (105000, "105,000"), (515, "515"), (66.5, "66.5"), (1234567.0, "1,234,567"), (-1005, "\u22121,005")],
)
def test_format_number_uses_thousands_commas_and_only_needed_decimals(value, expected):
    assert format_number(value) == expected


def test_round_half_up_rounds_halves_away_from_zero_not_to_even():
    assert round_half_up(12.5) == 13
    assert round_half_up(0.125, 2) == 0.13
    assert round_half_up(2.5) == 3  # round() would give 2
    assert format_number(-0.4, 0) == "0"  # no negative zero


@pytest.mark.parametrize(
    ("value", "expected"),
    [(66745.7, "66,746"), (10267.5, "10,268"), (100.0, "100"), (45.25, "45.3"), (-7.64, "\u22127.6")],
)
def test_format_rounded_writes_averages_and_limits_whole_from_100_up(value, expected):
    assert format_rounded(value) == expected


@pytest.mark.parametrize(
    ("value", "decimals", "expected"),
    [(19.0, 0, "19%"), (218.333, 0, "218%"), (84.7, 1, "84.7%"), (14.5001, 1, "14.5%"), (12.5, 0, "13%"), (79.0, 1, "79.0%")],
)
def test_format_percent(value, decimals, expected):
    assert format_percent(value, decimals) == expected


def test_format_points_says_percentage_points_in_full():
    assert format_points(84.7 - 79.0) == "5.7 percentage points"
    assert format_points(2.0) == "2 percentage points"
    assert format_points(1.0) == "1 percentage point"


def test_negative_numbers_take_the_minus_sign_not_a_hyphen():
    assert format_number(-1005) == "\u22121,005" and "-" not in format_number(-2.5)
    assert format_money(-5_700_000) == "\u2212£5.7m"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5_700_000, "£5.7m"),
        (6_000_000, "£6m"),
        (5_749_999, "£5.7m"),
        (2_500_000_000, "£2.5bn"),
        (30_000, "£30,000"),
        (3_500, "£3,500"),
        (44_000, "£44,000"),
        (12.5, "£12.50"),
        (-1_500, "\u2212£1,500"),
    ],
)
def test_format_money(value, expected):
    assert format_money(value) == expected


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (515, "people", "515"),
        (6519, "count", "6,519"),
        (48810, "hours", "48,810 hours"),
        (1, "hours", "1 hour"),
        (11, "minutes", "11 minutes"),
        (1, "minutes", "1 minute"),
        (84.7, "percent", "84.7%"),
        (5_700_000, "gbp", "£5.7m"),
    ],
)
def test_format_value_by_unit(value, unit, expected):
    assert format_value(value, unit) == expected


def test_format_value_rejects_an_unknown_unit():
    with pytest.raises(ValueError, match="unknown unit 'furlongs'"):
        format_value(3, "furlongs")


def test_auto_decimals_is_the_fewest_that_show_every_value():
    assert auto_decimals(515, 464) == 0
    assert auto_decimals(84.7, 79.0) == 1
    assert auto_decimals(1.25, None) == 2


def test_dates_in_words():
    assert month_year(date(2019, 9, 30)) == "September 2019"
    assert long_date(date(2019, 10, 5)) == "5 October 2019"
