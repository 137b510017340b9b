"""Month and quarter arithmetic (crimeplan.periods)."""

from datetime import date

import pytest

from crimeplan.periods import is_month_end, months_between, whole_months


def test_month_ends_include_leap_days():
    assert is_month_end(date(2020, 2, 29))
    assert is_month_end(date(2019, 2, 28))
    assert not is_month_end(date(2019, 9, 29))


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(date(2019, 1, 31), date(2019, 3, 31), 2), (date(2019, 9, 30), date(2019, 9, 1), 0),
     (date(2018, 10, 31), date(2019, 9, 30), 11), (date(2019, 9, 30), date(2018, 9, 30), -12)],
)
def test_months_between_counts_calendar_months_whatever_the_days(start, end, expected):
    assert months_between(start, end) == expected


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [(date(2019, 9, 1), date(2019, 9, 30), 1), (date(2019, 7, 1), date(2019, 9, 30), 3),
     (date(2018, 10, 1), date(2019, 9, 30), 12), (date(2020, 2, 1), date(2020, 2, 29), 1),
     (date(2019, 7, 2), date(2019, 9, 30), None), (date(2019, 7, 1), date(2019, 9, 29), None),
     (date(2019, 9, 30), date(2019, 9, 30), None)],
)
def test_whole_months_are_counted_only_from_a_first_to_a_month_end(start, end, expected):
    assert whole_months(start, end) == expected
