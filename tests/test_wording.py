"""The words of a change (crimeplan.text.wording): one place for each pair of words."""

import pytest

from crimeplan.text import wording


@pytest.mark.parametrize(
    ("current", "previous", "rose_to", "up_from", "up_or_down"),
    [
        (5, 3, "rose to", "up from", "up"),
        (3, 5, "fell to", "down from", "down"),
        (5, 5 + 1e-12, "was unchanged at", "the same as", "unchanged"),
    ],
)
def test_a_change_is_worded_by_its_direction(current, previous, rose_to, up_from, up_or_down):
    direction = wording.direction_between(current, previous)
    assert (wording.rose_to(direction), wording.up_from(direction), wording.up_or_down(direction)) == (
        rose_to,
        up_from,
        up_or_down,
    )


def test_fewer_people_but_less_money_and_a_minus_sign_not_a_hyphen():
    assert (wording.more("down"), wording.more("down", countable=False), wording.more("up")) == (
        "fewer",
        "less",
        "more",
    )
    assert (wording.signed(-2, "2"), wording.signed(2, "2"), wording.signed(0, "0")) == ("\u22122", "+2", "0")


@pytest.mark.parametrize(
    ("difference", "previous", "expected"),
    [(5, 100, "5%"), (-34, 464, "7%"), (12.5, 100, "13%"), (0.7, 100, "1%"), (0.4, 100, "0.4%")],
)
def test_a_change_s_percentage_is_whole_unless_it_rounds_below_one_percent(difference, previous, expected):
    assert wording.percent_of(difference, previous) == expected
