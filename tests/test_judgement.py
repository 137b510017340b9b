"""Judging changes by stated statistical methods (crimeplan.stats.judgement).

Expected p-values are worked out independently of the module: exact binomial sums with
fractions (``exact_two_sided`` below, the rule R's ``binom.test`` and ``poisson.test``
use), hand sums shown in comments, R's published ``poisson.test`` output, the normal
tail through ``math.erfc``, and hypergeometric sums for Fisher's exact test.
"""

from __future__ import annotations

import math
from datetime import date
from fractions import Fraction
from pathlib import Path

import pytest

from crimeplan.stats import judgement as j
from crimeplan.stats.judgement import (
    compare_counts,
    compare_proportions,
    judge,
    method_notes,
    not_tested,
    spc,
    target_progress,
)

DATA_DIR = Path(__file__).resolve().parents[1] / "data"


def exact_two_sided(x: int, n: int, p: Fraction) -> float:
    """Two-sided exact binomial p-value: the total probability of every outcome no more
    likely than the one observed (exact fractions, so ties are exact)."""
    pmf = [math.comb(n, k) * p**k * (1 - p) ** (n - k) for k in range(n + 1)]
    return float(min(Fraction(1), sum(q for q in pmf if q <= pmf[x])))


# --- the vocabulary ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("direction", "significant", "better", "verdict"),
    [
        ("up", True, "higher", "significantly better"),
        ("up", True, "lower", "significantly worse"),
        ("up", True, "neither", "significant increase"),
        ("down", True, "higher", "significantly worse"),
        ("down", True, "lower", "significantly better"),
        ("down", True, "neither", "significant decrease"),
        ("up", False, "higher", "no significant change"),
        ("down", False, "lower", "no significant change"),
        ("up", False, "neither", "no significant change"),
        ("no change", True, "higher", "no significant change"),
    ],
)
def test_change_words_depend_on_the_better_direction(direction, significant, better, verdict):
    assert j.change_verdict(direction, significant, better) == verdict


@pytest.mark.parametrize(
    ("side", "better", "verdict"),
    [
        (1, "higher", "special cause improvement"),
        (1, "lower", "special cause concern"),
        (1, "neither", "special cause variation (high)"),
        (-1, "higher", "special cause concern"),
        (-1, "lower", "special cause improvement"),
        (-1, "neither", "special cause variation (low)"),
        (0, "higher", "common cause variation"),
        (0, "neither", "common cause variation"),
    ],
)
def test_control_chart_words_depend_on_the_better_direction(side, better, verdict):
    assert j.spc_verdict(side, better) == verdict


def test_better_must_be_higher_lower_or_neither():
    with pytest.raises(ValueError, match="better must be one of higher, lower, neither, not 'up'"):
        compare_counts(10, 12, "up")


@pytest.mark.parametrize(
    ("p", "text"),
    [
        (0.2863, "p = 0.29"),
        (0.1, "p = 0.10"),
        (0.0654, "p = 0.065"),
        (0.03125, "p = 0.031"),
        (0.0046777, "p = 0.005"),
        (0.04996, "p < 0.05"),
        (0.0504, "p = 0.050"),
        (0.05, "p = 0.050"),
        (0.00099, "p < 0.001"),
    ],
)
def test_p_values_are_written_for_readers(p, text):
    assert j.format_p(p) == text


# --- 1. counts of events ---------------------------------------------------------------------


def test_ksi_199_to_204_is_no_significant_change():
    result = compare_counts(204, 199, "lower")
    assert result.verdict == "no significant change"
    assert result.method == "exact test of two Poisson counts"
    assert result.significant is False
    assert result.direction == "up"
    # Given 403 casualties in the two periods, 204 in the current one under Binomial(403, 1/2).
    assert result.p_value == pytest.approx(exact_two_sided(204, 403, Fraction(1, 2)), rel=1e-9)
    assert result.p_value == pytest.approx(0.8421, abs=5e-5)
    assert result.reason == (
        "199 to 204: within chance variation, not significant at the 95% level (p = 0.84); "
        "the 95% confidence interval for the change in the rate runs from 16% lower to 25% "
        "higher."
    )
    # The exact interval for the rate ratio: the Clopper-Pearson interval for 204 of 403 (beta quantiles)
    # turned into a ratio, as R's poisson.test(c(204, 199)) reports it (0.8391 to 1.2525).
    from scipy.stats import beta

    low, high = beta.ppf(0.025, 204, 200), beta.ppf(0.975, 205, 199)
    assert result.interval.lower == pytest.approx(low / (1 - low), rel=1e-9)
    assert result.interval.upper == pytest.approx(high / (1 - high), rel=1e-9)
    assert (round(result.interval.lower, 4), round(result.interval.upper, 4)) == (0.8391, 1.2525)


def test_road_deaths_14_to_8_is_no_significant_change():
    result = compare_counts(8, 14, "lower")
    # Hand sum: P(X >= 14 | n = 22, p = 1/2) = (C(22,14) + ... + C(22,22)) / 2^22
    #   = (319770 + 170544 + 74613 + 26334 + 7315 + 1540 + 231 + 22 + 1) / 4194304
    #   = 600370 / 4194304; two-sided (symmetric) p = 2 x 600370 / 4194304 = 0.28628
    assert result.p_value == pytest.approx(2 * 600370 / 4194304, rel=1e-9)
    assert result.p_value == pytest.approx(0.29, abs=0.005)
    assert result.verdict == "no significant change"
    assert result.direction == "down"
    assert result.significant is False


@pytest.mark.parametrize(
    ("better", "verdict"),
    [("lower", "significantly better"), ("higher", "significantly worse"), ("neither", "significant decrease")],
)
def test_300_to_200_is_significant(better, verdict):
    result = compare_counts(200, 300, better)
    assert result.verdict == verdict
    assert result.significant is True
    assert result.direction == "down"
    assert result.p_value == pytest.approx(exact_two_sided(200, 500, Fraction(1, 2)), rel=1e-9)
    assert result.p_value < 1e-5
    assert "(p < 0.001)" in result.reason


def test_a_significant_rise_where_neither_direction_is_better_is_an_increase():
    assert compare_counts(300, 200, "neither").verdict == "significant increase"
    assert compare_counts(300, 200, "higher").verdict == "significantly better"


def test_r_poisson_test_published_example_with_different_exposures():
    # R: poisson.test(c(11, 6+8+7), c(800, 1083+1050+878)) prints
    # "count1 = 11, expected count1 = 6.7174, p-value = 0.07967" (rate ratio 1.971488).
    result = compare_counts(11, 21, "lower", current_days=800, previous_days=3011)
    assert result.p_value == pytest.approx(0.07967, abs=5e-6)
    assert result.p_value == pytest.approx(exact_two_sided(11, 32, Fraction(800, 3811)), rel=1e-9)
    assert result.direction == "up"  # 11/800 per day is above 21/3011 per day
    assert result.verdict == "no significant change"
    assert result.reason.startswith("21 in 3,011 days to 11 in 800 days: within chance variation")


def test_no_events_in_either_period_is_not_tested():
    result = compare_counts(0, 0, "lower")
    assert result.verdict == "not tested"
    assert result.method == "none"
    assert result.p_value is None
    assert result.significant is None
    assert result.reason == "No events in either period, so there is no change to test."


def test_five_to_none_is_not_significant_but_six_to_none_is():
    # All n events in one period: two-sided p = 2 x (1/2)^n.
    five = compare_counts(0, 5, "lower")
    assert five.p_value == pytest.approx(2 / 2**5)  # 0.0625
    assert five.verdict == "no significant change"
    six = compare_counts(0, 6, "lower")
    assert six.p_value == pytest.approx(2 / 2**6)  # 0.03125
    assert six.verdict == "significantly better"


def test_two_against_nine():
    # P(X <= 2 | n = 11, p = 1/2) = (1 + 11 + 55) / 2048 = 67 / 2048; two-sided 134 / 2048.
    result = compare_counts(2, 9, "lower")
    assert result.p_value == pytest.approx(134 / 2048, rel=1e-12)
    assert result.verdict == "no significant change"
    assert compare_counts(9, 2, "lower").p_value == pytest.approx(134 / 2048, rel=1e-12)


def test_equal_rates_over_different_periods_are_no_change():
    # 31 events in July (31 days) against 30 in June (30 days): one a day in both.
    result = compare_counts(31, 30, "lower", current_days=31, previous_days=30)
    assert result.direction == "no change"
    assert result.p_value == pytest.approx(1.0)
    assert result.verdict == "no significant change"


def test_the_same_count_over_a_shorter_period_is_a_higher_rate():
    # 10 events in 30 days against 10 in 90: x = 10 of n = 20 with p = 30 / 120 = 1/4.
    # P(X = 10) = 0.00992; outcomes no more likely: X >= 10 and X = 0 (0.75^20 = 0.00317).
    result = compare_counts(10, 10, "lower", current_days=30, previous_days=90)
    expected = exact_two_sided(10, 20, Fraction(1, 4))
    assert result.p_value == pytest.approx(expected, rel=1e-9)
    assert result.p_value == pytest.approx(0.01703, abs=5e-5)
    assert result.direction == "up"
    assert result.verdict == "significantly worse"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 5), "current count must not be negative"),
        ((5, -2), "previous count must not be negative"),
        ((2.5, 5), "current count must be a whole number of events"),
        ((float("nan"), 5), "current count must be a finite number"),
    ],
)
def test_counts_are_validated(args, message):
    with pytest.raises(ValueError, match=message):
        compare_counts(*args, "lower")


@pytest.mark.parametrize("days", [0, -30, float("inf")])
def test_exposures_must_be_positive(days):
    with pytest.raises(ValueError, match="current_days must be a positive number"):
        compare_counts(5, 5, "lower", current_days=days)


def test_whole_counts_given_as_floats_are_accepted():
    assert compare_counts(204.0, 199.0, "lower").p_value == pytest.approx(compare_counts(204, 199, "lower").p_value)


# --- 2. proportions ------------------------------------------------------------------------


def test_two_proportion_z_test_hand_example():
    # 60 of 100 against 40 of 100: pooled p = 0.5, SE = sqrt(0.25 x 0.02) = 0.070711,
    # z = 0.2 / 0.070711 = 2 sqrt(2); two-sided p = erfc(z / sqrt 2) = erfc(2) = 0.0046777.
    result = compare_proportions(60, 100, 40, 100, "higher")
    assert result.method == "two-proportion z-test"
    assert result.p_value == pytest.approx(math.erfc(2), rel=1e-9)
    assert result.p_value == pytest.approx(0.0046777, abs=1e-7)
    assert result.verdict == "significantly better"
    assert result.direction == "up"
    assert compare_proportions(60, 100, 40, 100, "lower").verdict == "significantly worse"
    assert compare_proportions(60, 100, 40, 100, "neither").verdict == "significant increase"
    assert result.reason.startswith("40.0% (40 of 100) to 60.0% (60 of 100): larger than chance")


def test_two_proportion_z_test_not_significant():
    # 45 of 100 against 40 of 100: pooled p = 0.425, SE = sqrt(0.425 x 0.575 x 0.02) = 0.069911,
    # z = 0.05 / 0.069911 = 0.71520; p = erfc(0.71520 / sqrt 2) = 0.4745.
    z = 0.05 / math.sqrt(0.425 * 0.575 * 0.02)
    result = compare_proportions(45, 100, 40, 100, "higher")
    assert result.method == "two-proportion z-test"
    assert result.p_value == pytest.approx(math.erfc(z / math.sqrt(2)), rel=1e-9)
    assert result.p_value == pytest.approx(0.4745, abs=5e-5)
    assert result.verdict == "no significant change"


def test_small_expected_counts_use_fishers_exact_test():
    # Table [[6, 2], [1, 4]]: margins 8 and 5 (rows), 7 and 6 (columns), 13 in all.
    # Expected count of the first cell 8 x 7 / 13 = 4.3 < 5, so Fisher's test.
    # P(a) = C(8, a) C(5, 7 - a) / C(13, 7) for a = 2..7: 28, 280, 700, 560, 140, 8 (/1716).
    # Observed a = 6 (140); no more likely: a = 2 (28), 6 (140), 7 (8): p = 176 / 1716.
    result = compare_proportions(6, 8, 1, 5, "higher")
    assert result.method == "Fisher's exact test"
    assert result.p_value == pytest.approx(176 / 1716, rel=1e-9)
    assert result.verdict == "no significant change"


def test_fisher_is_used_at_the_edge_and_z_test_just_above_it():
    # 5 of 10 against 5 of 10: expected counts all 5: the z-test (z = 0, p = 1).
    at_five = compare_proportions(5, 10, 5, 10, "higher")
    assert at_five.method == "two-proportion z-test"
    assert at_five.p_value == pytest.approx(1.0)
    # 4 of 10 against 5 of 10: pooled 9/20, expected 4.5 in two cells: Fisher.
    assert compare_proportions(4, 10, 5, 10, "higher").method == "Fisher's exact test"


def test_no_outcomes_in_either_period_does_not_divide_by_zero():
    result = compare_proportions(0, 100, 0, 100, "higher")
    assert result.method == "Fisher's exact test"
    assert result.p_value == pytest.approx(1.0)
    assert result.verdict == "no significant change"
    assert result.direction == "no change"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((11, 10, 5, 10), r"current numerator \(11\) is larger than its denominator \(10\)"),
        ((5, 10, 12, 10), r"previous numerator \(12\) is larger than its denominator \(10\)"),
        ((0, 0, 5, 10), "current denominator is 0"),
        ((-1, 10, 5, 10), "current numerator must not be negative"),
        ((1, 10, 5, -10), "previous denominator must not be negative"),
    ],
)
def test_proportions_are_validated(args, message):
    with pytest.raises(ValueError, match=message):
        compare_proportions(*args, "higher")


# --- 3. control charts ---------------------------------------------------------------------

STABLE = [10, 12, 9, 11, 10, 13, 9, 11, 12, 10, 9, 12, 11, 10, 11]


def test_xmr_limits_hand_example_without_screening():
    # NHSRplotthedots' "Deviations from Excel defaults" series, limits as the Making Data
    # Count tools give them (no outlier screening). Mean = 35 / 18 (nine 1s, eight 2s, one
    # 10); moving ranges 1, 1, 1, 8, 9 and twelve 1s: mean 32 / 17.
    values = [1, 2, 1, 2, 10, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1, 2, 1]
    result = spc(values, "lower")
    mean, mr = 35 / 18, 32 / 17
    assert result.mean == pytest.approx(mean)
    assert result.moving_range_mean == pytest.approx(mr)
    assert result.upper == pytest.approx(mean + 2.66 * mr)  # 6.9515
    assert result.lower == pytest.approx(mean - 2.66 * mr)  # -3.0626, not clipped
    assert result.upper == pytest.approx(6.9515, abs=1e-4)
    assert result.near_upper == pytest.approx(mean + 2.66 * mr * 2 / 3)
    assert result.near_lower == pytest.approx(mean - 2.66 * mr * 2 / 3)
    assert result.point_verdicts[4] == "special cause concern"  # the 10, above the limit
    assert result.point_verdicts.count("common cause variation") == 17
    assert result.verdict == "common cause variation"
    assert result.rules_triggered == ()
    assert result.signal == 0


def test_a_stable_series_shows_common_cause_variation_only():
    result = spc(STABLE, "higher")
    assert result.mean == pytest.approx(160 / 15)
    assert result.moving_range_mean == pytest.approx(27 / 14)
    assert result.verdict == "common cause variation"
    assert result.point_verdicts == ("common cause variation",) * 15
    assert result.special_cause is False
    assert result.reason.startswith("The latest point is within the process limits and shows no run or trend")


def test_a_control_chart_s_figures_are_written_as_the_update_writes_numbers():
    """As the control chart labels its lines: a force's monthly crimes (about ten thousand)
    in full and whole, never 1.027e+04; below 100 one decimal, a negative limit with the
    minus sign."""
    monthly = [10_268.4 + (37.3 if month % 2 else -37.3) for month in range(24)]
    reason = spc(monthly, "lower").reason
    assert "e+" not in reason
    assert "(average 10,268, process limits 10,070 to 10,467, over 24 points)" in reason
    small = spc([1, 5] * 8, "lower").reason
    assert "(average 3.0, process limits \u22127.6 to 13.6, over 16 points)" in small


@pytest.mark.parametrize(
    ("better", "verdict"),
    [
        ("lower", "special cause concern"),
        ("higher", "special cause improvement"),
        ("neither", "special cause variation (high)"),
    ],
)
def test_a_point_above_the_upper_limit(better, verdict):
    result = spc(STABLE + [30], better)
    # mean 190 / 16, moving ranges 27 + 19 = 46 over 15.
    assert result.mean == pytest.approx(190 / 16)
    assert result.upper == pytest.approx(190 / 16 + 2.66 * 46 / 15)  # 20.03 < 30
    assert result.rules_triggered == ("outside limits",)
    assert result.verdict == verdict
    assert result.signal == 1
    assert "above the upper process limit" in result.reason


def test_a_point_below_the_lower_limit():
    result = spc(STABLE + [-5], "lower")
    assert result.rules_triggered == ("outside limits",)
    assert result.verdict == "special cause improvement"
    assert result.signal == -1


def test_a_shift_of_seven_points_below_the_mean():
    values = [10, 12, 9, 11, 10, 13, 9, 11, 12, 10, 8, 9.5, 9, 9.5, 9, 9.5, 9]
    result = spc(values, "lower")
    assert result.mean == pytest.approx(170.5 / 17)  # 10.03: the last seven are all below
    assert result.rules_triggered == ("shift",)
    assert result.verdict == "special cause improvement"
    assert spc(values, "higher").verdict == "special cause concern"
    # The run is the last 8 points (the 10 at index 9 is just below the mean too).
    assert result.point_verdicts[9:] == ("special cause improvement",) * 8
    assert result.point_verdicts[:9] == ("common cause variation",) * 9
    assert "a run of 7 or more points below the average" in result.reason


def test_six_points_on_one_side_are_not_a_shift():
    values = [10, 12, 9, 11, 10, 13, 9, 11, 12, 10, 12, 9.5, 9, 9.5, 9, 9.5, 9]
    result = spc(values, "lower")
    assert result.mean == pytest.approx(174.5 / 17)
    assert result.verdict == "common cause variation"
    assert result.rules_triggered == ()


def test_a_point_on_the_mean_breaks_a_run():
    # Mean exactly 10 (sum 160 over 16); the last seven are 11, 11, 11, 10, 11, 11, 11.
    broken = spc([8, 10, 8, 10, 8, 10, 8, 12, 10, 11, 11, 11, 10, 11, 11, 11], "higher")
    assert broken.mean == pytest.approx(10.0)
    assert broken.verdict == "common cause variation"
    unbroken = spc([8, 10, 8, 10, 8, 10, 8, 12, 10, 11, 11, 11, 11, 11, 11, 11], "higher")
    assert unbroken.rules_triggered == ("shift",)
    assert unbroken.verdict == "special cause improvement"


def test_a_trend_of_seven_rising_points():
    values = [8, 14, 8, 14, 8, 14, 8, 14, 8, 14, 8, 9, 10, 11, 12, 13, 13.5]
    result = spc(values, "lower")
    assert result.mean == pytest.approx(186.5 / 17)
    assert result.rules_triggered == ("trend",)
    assert result.verdict == "special cause concern"
    assert result.signal == 1
    assert spc(values, "higher").verdict == "special cause improvement"
    assert spc(values, "neither").verdict == "special cause variation (high)"
    # Every point of the trend counts in its direction, even those below the mean (8, 9, 10).
    assert result.point_verdicts[10:] == ("special cause concern",) * 7
    assert result.point_verdicts[:10] == ("common cause variation",) * 10
    assert "7 or more points in a row each higher than the one before" in result.reason


def test_a_trend_of_seven_falling_points():
    values = [14, 8, 14, 8, 14, 8, 14, 8, 14, 8, 14, 13, 12, 11, 10, 9, 8.5]
    result = spc(values, "lower")
    assert result.rules_triggered == ("trend",)
    assert result.verdict == "special cause improvement"
    assert result.signal == -1


def test_six_rising_points_are_not_a_trend():
    values = [8, 14, 8, 14, 8, 14, 8, 14, 8, 14, 8, 9, 10, 11, 12, 13, 12.5]
    result = spc(values, "lower")
    assert result.verdict == "common cause variation"
    assert result.rules_triggered == ()


def test_a_repeated_value_breaks_a_trend():
    values = [8, 14, 8, 14, 8, 14, 8, 14, 8, 14, 8, 9, 10, 10, 11, 12, 13]
    assert spc(values, "lower").verdict == "common cause variation"


def test_two_of_three_points_near_the_upper_limit():
    values = STABLE + [16, 11, 16]
    result = spc(values, "lower")
    # mean 203 / 18; moving ranges 27 + 5 + 5 + 5 = 42 over 17; 2-sigma line at
    # mean + 2.66 x 2/3 x 42/17 = 15.66 < 16 < 17.85 (upper limit).
    assert result.mean == pytest.approx(203 / 18)
    assert result.near_upper == pytest.approx(203 / 18 + 2.66 * 2 / 3 * 42 / 17)
    assert result.near_upper < 16 < result.upper
    assert result.rules_triggered == ("two of three near a limit",)
    assert result.verdict == "special cause concern"
    assert result.point_verdicts[15:] == ("special cause concern", "common cause variation", "special cause concern")
    assert "one of at least two in three points near or beyond the upper limit" in result.reason


def test_two_of_three_points_near_the_lower_limit():
    result = spc(STABLE + [5, 11, 5], "higher")
    assert result.lower < 5 < result.near_lower
    assert result.rules_triggered == ("two of three near a limit",)
    assert result.verdict == "special cause concern"
    assert result.signal == -1


def test_one_point_near_a_limit_is_not_a_signal():
    result = spc(STABLE + [11, 11, 16], "lower")
    assert result.near_upper < 16 < result.upper
    assert result.verdict == "common cause variation"


def test_a_shift_below_the_mean_outweighs_a_rising_trend():
    # The last seven points rise but all sit below the mean: the level decides.
    values = [18, 12, 18, 12, 18, 12, 18, 12, 18, 4, 5, 6, 7, 8, 9, 10]
    result = spc(values, "higher")
    assert set(result.rules_triggered) == {"shift", "trend"}
    assert result.signal == -1
    assert result.verdict == "special cause concern"


def test_a_constant_series_has_no_signals():
    result = spc([7] * 15, "lower")
    assert (result.mean, result.lower, result.upper) == (7, 7, 7)
    assert result.verdict == "common cause variation"


def test_fewer_than_fifteen_points_are_refused():
    with pytest.raises(ValueError, match="a control chart needs at least 15 points; the series has 14"):
        spc(STABLE[:14], "lower")


def test_series_values_must_be_numbers():
    with pytest.raises(ValueError, match="point 3 of the series is not a finite number"):
        spc(STABLE[:2] + [float("nan")] + STABLE[3:], "lower")


# --- 4. not tested ------------------------------------------------------------------------


def test_not_tested_carries_its_reason():
    result = not_tested("  A headcount on a day, not a count of events.  ")
    assert result.verdict == "not tested"
    assert result.method == "none"
    assert (result.p_value, result.significant) == (None, None)
    assert result.reason == "A headcount on a day, not a count of events."
    assert result.tested is False


def test_not_tested_needs_a_reason():
    with pytest.raises(ValueError, match="needs a reason"):
        not_tested(" ")


# --- 5. targets ---------------------------------------------------------------------------

BASE, DUE = date(2019, 3, 31), date(2020, 3, 31)  # 366 days apart (29 February 2020)
NOW = date(2019, 9, 30)  # 183 days after BASE: half way


@pytest.mark.parametrize(
    ("current", "verdict"),
    [
        (3000, "target met"),
        (3100, "target met"),
        (2900, "on track for target"),
        (2850, "on track for target"),
        (2849, "not on track for target"),
    ],
)
def test_target_higher_is_better(current, verdict):
    # Path from 2,700 to 3,000: half way it stands at 2,850.
    result = target_progress(current, NOW, 3000, DUE, 2700, BASE, "higher")
    assert result.verdict == verdict
    if verdict != "target met":
        assert result.path_value == pytest.approx(2850)


@pytest.mark.parametrize(
    ("current", "verdict"),
    [
        (500, "target met"),
        (480, "target met"),
        (540, "on track for target"),
        (550, "on track for target"),
        (551, "not on track for target"),
    ],
)
def test_target_lower_is_better(current, verdict):
    # Path from 600 down to 500: half way it stands at 550.
    result = target_progress(current, NOW, 500, DUE, 600, BASE, "lower")
    assert result.verdict == verdict


def test_target_not_met_once_its_date_has_passed():
    result = target_progress(2990, date(2020, 4, 30), 3000, DUE, 2700, BASE, "higher")
    assert result.verdict == "target not met"
    assert result.path_value is None
    assert result.reason == "2,990 did not meet the target of 3,000 by 31 March 2020."
    assert target_progress(2990, DUE, 3000, DUE, 2700, BASE, "higher").verdict == "target not met"
    assert target_progress(3000, date(2020, 4, 30), 3000, DUE, 2700, BASE, "higher").verdict == "target met"


def test_year_to_date_total_against_a_years_target():
    # Static road checks: 130 planned for 2019/20. From 0 on 1 April 2019 to 130 on
    # 31 March 2020 (365 days); on 30 September 2019 (182 days) the path is 130 x 182/365.
    start, end = date(2019, 4, 1), date(2020, 3, 31)
    on_track = target_progress(70, NOW, 130, end, 0, start, "higher")
    assert on_track.path_value == pytest.approx(130 * 182 / 365)  # 64.8
    assert on_track.verdict == "on track for target"
    assert target_progress(60, NOW, 130, end, 0, start, "higher").verdict == "not on track for target"
    assert on_track.reason == (
        "70 on 30 September 2019 against 64.82 on a straight path from 0 on 1 April 2019 "
        "to the target of 130 by 31 March 2020."
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2900, NOW, 3000, DUE, 2700, BASE, "neither"), "a target needs higher or lower to be better"),
        ((2900, NOW, 3000, BASE, 2700, DUE, "higher"), "must be after the baseline date"),
        ((2900, date(2019, 1, 1), 3000, DUE, 2700, BASE, "higher"), "is before the baseline date"),
        ((float("nan"), NOW, 3000, DUE, 2700, BASE, "higher"), "current must be a finite number"),
    ],
)
def test_target_inputs_are_validated(args, message):
    with pytest.raises(ValueError, match=message):
        target_progress(*args)


# --- choosing the method ------------------------------------------------------------------


def test_judge_counts_casualties_with_the_poisson_test_where_the_catalogue_says_so():
    result = judge(204, 199, unit="people", kind="total", better="lower", variation="poisson")
    assert result.method == "exact test of two Poisson counts"
    assert result.verdict == "no significant change"


def test_a_count_without_history_is_not_tested_unless_its_events_are_close_to_independent():
    result = judge(414, 224, unit="count", kind="total", better="neither", history=j.History((224,), (92,)))
    assert result.verdict == "not tested" and result.method == "none"
    assert result.reason.startswith("No history to measure its normal variation")
    assert "there is 1 earlier period of the same length (at least 8 are needed)" in result.reason
    assert judge(414, 224, unit="count", kind="total", better="neither").reason.startswith(j.NO_HISTORY)


def test_judge_a_count_where_neither_direction_is_better():
    result = judge(200, 300, unit="count", kind="total", better="neither", variation="poisson")
    assert result.verdict == "significant decrease"


def test_outcomes_without_their_denominator_are_not_tested_and_say_why():
    result = judge(
        1108,
        1010,
        unit="count",
        kind="total",
        better="higher",
        variation="proportion",
        history=j.History(tuple(range(100, 112)), (365,) * 12),
    )
    assert result.verdict == "not tested"
    assert result.reason.startswith("Outcomes of other events (such as crimes solved) are tested as a share")
    shares = judge(
        1108,
        1010,
        unit="count",
        kind="total",
        better="higher",
        variation="proportion",
        current_denominator=5000,
        previous_denominator=5000,
    )
    assert shares.method == "two-proportion z-test"


@pytest.mark.parametrize(
    ("unit", "kind", "words"),
    [
        ("people", "snapshot", "A level on one day (such as a headcount), not a count of events"),
        ("count", "snapshot", "A level on one day"),
        ("hours", "total", "Hours add up the time of many people"),
        ("gbp", "total", "An amount of money"),
        ("minutes", "rate", "A time, not a count of events"),
        ("percent", "rate", "A percentage published without the counts"),
        ("count", "rate", "An average or rate published without the counts"),
        ("people", "rate", "An average or rate published without the counts"),
    ],
)
def test_judge_marks_figures_without_a_variance_model_not_tested(unit, kind, words):
    result = judge(120, 100, unit=unit, kind=kind, better="higher")
    assert result.verdict == "not tested"
    assert result.method == "none"
    assert result.reason.startswith(words)
    assert result.reason.endswith("no test of chance variation applies.")
    assert result.direction == "up"


def test_judge_uses_proportions_when_denominators_are_given():
    result = judge(
        60, 40, unit="percent", kind="rate", better="higher", current_denominator=100, previous_denominator=100
    )
    assert result.method == "two-proportion z-test"
    assert result.p_value == pytest.approx(math.erfc(2))
    assert result.verdict == "significantly better"


def test_judge_needs_both_denominators():
    with pytest.raises(ValueError, match="give both denominators"):
        judge(60, 40, unit="percent", kind="rate", better="higher", current_denominator=100)


def test_judge_uses_a_control_chart_for_a_long_series_of_a_measure_that_is_not_a_count():
    result = judge(30, 11, unit="hours", kind="total", better="lower", series=STABLE + [30])
    assert result.method == "XmR control chart"
    assert result.verdict == "special cause concern"
    assert result.significant is True
    assert result.p_value is None
    assert result.spc is not None and result.spc.upper == pytest.approx(190 / 16 + 2.66 * 46 / 15)
    assert result.direction == "up"
    count = judge(
        30,
        11,
        unit="count",
        kind="total",
        better="lower",
        series=STABLE + [30],
        history=j.History(tuple(STABLE), (30,) * 15),
    )
    assert count.method == j.METHOD_POISSON  # a count is tested with its history's dispersion (here below 1)
    stable = judge(11, 10, unit="people", kind="snapshot", better="higher", series=STABLE)
    assert stable.verdict == "common cause variation"
    assert stable.significant is False
    assert stable.direction is None


def test_judge_of_a_short_series_says_a_control_chart_needs_more_points():
    result = judge(8, 14, unit="hours", kind="total", better="lower", series=STABLE[:14])
    assert result.verdict == "not tested"
    assert result.reason.endswith("(The series has 14 points; a control chart needs at least 15.)")
    short_snapshot = judge(8, 14, unit="people", kind="snapshot", better="higher", series=STABLE[:3])
    assert short_snapshot.verdict == "not tested"
    assert short_snapshot.reason.endswith("(The series has 3 points; a control chart needs at least 15.)")


def test_judge_without_an_earlier_figure_is_not_tested():
    result = judge(8, None, unit="people", kind="total", better="lower")
    assert result.verdict == "not tested"
    assert result.reason == "There is no earlier figure to compare with."


@pytest.mark.parametrize(
    ("facts", "message"),
    [
        ({"unit": "widgets", "kind": "total"}, "unit must be one of"),
        ({"unit": "count", "kind": "stock"}, "kind must be one of"),
    ],
)
def test_judge_rejects_unknown_units_and_kinds(facts, message):
    with pytest.raises(ValueError, match=message):
        judge(1, 2, better="lower", **facts)


def test_every_catalogue_measure_gets_a_method():
    from loaders import load_catalogue

    catalogue = load_catalogue(DATA_DIR)
    methods = {}
    for measure_id, definition in catalogue.items():
        result = judge(
            10, 12, unit=definition.unit, kind=definition.kind, better=definition.better, variation=definition.variation
        )
        methods[measure_id] = result.method
        assert result.verdict in j.CHANGE_VERDICTS
    assert methods["ksi_casualties"] == "exact test of two Poisson counts"
    assert methods["road_deaths"] == "exact test of two Poisson counts"
    assert methods["recorded_crime_total"] == "none"  # without history
    assert methods["drug_drive_arrests"] == "none"
    assert methods["specials_headcount"] == "none"
    assert methods["specials_hours"] == "none"
    assert methods["hate_crime_solved_rate"] == "none"


# --- 7. method text -----------------------------------------------------------------------


def test_method_notes_describe_only_the_methods_used_with_their_counts():
    history = j.History(tuple(VOLATILE), (91,) * 12)
    judged = [
        ("Road deaths", judge(8, 14, unit="people", kind="total", better="lower", variation="poisson")),
        ("Burglary", judge(165, 120, unit="count", kind="total", better="lower", history=history)),
        ("Arrests", judge(414, 224, unit="count", kind="total", better="neither")),
        ("Headcount", judge(515, 464, unit="people", kind="snapshot", better="higher")),
        ("Hours", j.not_published("derived")),
    ]
    notes = method_notes(judged, targets=True)
    titles = [title for title, _ in notes]
    assert titles == [
        "Counts of independent events",
        "Counts judged against their own history",
        "Significance and several tests at once",
        "Progress against targets",
        "Not tested",
        "Words used for changes",
    ]
    text = dict(notes)
    assert text["Counts of independent events"].startswith("Applied to 1 figure (Road deaths).")
    assert "exact test for two Poisson counts" in text["Counts of independent events"]
    history_text = text["Counts judged against their own history"]
    assert history_text.startswith("Applied to 1 figure (Burglary).")
    assert (
        "Dispersions used: Burglary 7.1 from 12 periods." in history_text
        and "rolling totals are never used" in history_text
    )
    assert "2 changes in this update were tested" in text["Significance and several tests at once"]
    assert "Holm's method" in text["Significance and several tests at once"]
    assert text["Not tested"].startswith(
        "3 changes are not tested: 1 not published as such (derived, estimated or provisional), 1 counts without "
        "the history that shows their normal variation, 1 figures to which no test"
    )
    assert "Control charts for longer series" not in text and "Proportions" not in text
    chart = dict(
        method_notes([("Hours", judge(30, 11, unit="hours", kind="total", better="lower", series=STABLE + [30]))])
    )["Control charts for longer series"]
    for phrase in (
        "Applied to 1 figure (Hours)",
        "at least 15",
        "2.66 times the average moving range",
        "run of 7 or more",
        "ends 7 or more values each higher",
        "two out of three",
        "Making Data Count",
    ):
        assert phrase in chart
    assert all(paragraph.strip() and paragraph == " ".join(paragraph.split()) for _, paragraph in notes)


def test_numpy_and_pandas_numbers_are_accepted():
    import numpy as np
    import pandas as pd

    frame = pd.DataFrame({"value": [204, 199]})
    current, previous = frame["value"].iloc[0], frame["value"].iloc[1]
    assert isinstance(current, np.integer)
    assert compare_counts(current, previous, "lower").p_value == pytest.approx(
        compare_counts(204, 199, "lower").p_value
    )
    assert spc(np.array(STABLE, dtype=np.int64), "higher").mean == pytest.approx(160 / 15)
    assert compare_proportions(np.int64(60), np.int64(100), 40, 100, "higher").p_value == pytest.approx(math.erfc(2))


def test_judge_refuses_a_series_that_does_not_end_with_the_current_value():
    with pytest.raises(ValueError, match=r"the series must end with the current value \(12\), not 11"):
        judge(12, 10, unit="hours", kind="total", better="lower", series=STABLE)


# --- 8. a count's own variation: quasi-Poisson with the dispersion of its history ----------------
# Worked examples computed independently with statsmodels (a Poisson GLM fitted with Pearson's
# scale, its score test, Holm's method in multipletests, Newcombe's interval).

VOLATILE = [120, 85, 150, 95, 140, 80, 160, 100, 135, 90, 155, 105]  # 12 quarters, far more than Poisson
STEADY = [118, 122, 115, 121, 119, 124, 117, 120, 123, 116, 121, 119]  # about as much as Poisson or less
TRENDING = [100, 110, 121, 133, 146, 161, 177, 195, 214, 236, 259, 285]  # 10% a quarter, nothing else


def glm_scale(values, design) -> float:
    import numpy as np
    import statsmodels.api as sm

    return float(
        sm.GLM(np.asarray(values, float), np.asarray(design, float), family=sm.families.Poisson()).fit(scale="X2").scale
    )


def test_dispersion_of_a_volatile_history_matches_a_poisson_glm_with_pearsons_scale():
    dispersion = j.estimate_dispersion(VOLATILE)
    assert dispersion.model == "level" and dispersion.points == 12
    assert dispersion.raw == pytest.approx(glm_scale(VOLATILE, [[1.0]] * 12), rel=1e-8)
    assert dispersion.raw == pytest.approx(7.149, abs=0.001)  # the twelve quarters' variance over their mean
    steady = j.estimate_dispersion(STEADY)
    assert steady.raw == pytest.approx(glm_scale(STEADY, [[1.0]] * 12), rel=1e-8) and steady.raw < 1
    assert steady.factor == 1  # never below Poisson


def test_dispersion_is_measured_around_a_plain_trend():
    dispersion = j.estimate_dispersion(TRENDING)
    assert dispersion.model == "trend"
    assert dispersion.raw == pytest.approx(glm_scale(TRENDING, [[1.0, float(i)] for i in range(12)]), rel=1e-7)
    assert dispersion.raw < 0.01  # around its average it would look wildly overdispersed
    assert glm_scale(TRENDING, [[1.0]] * 12) > 20


def test_dispersion_is_measured_around_a_plain_seasonal_pattern():
    seasonal = [200, 260, 230, 180] * 3  # quarters of three years, the same pattern each year
    seasonal = [v + d for v, d in zip(seasonal, [3, -4, 2, 5, -3, 4, -2, -5, 1, 0, 2, -1])]
    dispersion = j.estimate_dispersion(seasonal, seasons=[4, 7, 10, 1] * 3)
    assert dispersion.model == "season"
    design = [[1.0] + [1.0 if q == place else 0.0 for place in (4, 7, 10)] for q in [4, 7, 10, 1] * 3]
    assert dispersion.raw == pytest.approx(glm_scale(seasonal, design), rel=1e-7)


def test_a_history_of_zeros_or_too_short_a_history():
    assert j.estimate_dispersion([0] * 8).factor == 1
    with pytest.raises(ValueError, match="at least 8 earlier periods"):
        j.estimate_dispersion([3, 4, 5])


def quasi_poisson_score_p(x1, x0, phi, t1=1.0, t0=1.0) -> float:
    """The score test of the period in a Poisson GLM with offsets, its statistic divided by phi."""
    import numpy as np
    import statsmodels.api as sm
    from scipy import stats

    model = sm.GLM(np.array([x1, x0], float), np.ones((2, 1)), family=sm.families.Poisson(), offset=np.log([t1, t0]))
    fitted = model.fit()
    statistic, _, _ = model.score_test(fitted.params, exog_extra=np.array([[1.0], [0.0]]))
    return float(stats.chi2.sf(float(np.squeeze(statistic)) / phi, 1))


def test_a_volatile_history_makes_a_change_poisson_calls_significant_not_significant():
    history = j.History(tuple(VOLATILE), (91,) * 12)
    volatile = judge(
        165, 120, unit="count", kind="total", better="lower", current_days=92, previous_days=92, history=history
    )
    plain = judge(165, 120, unit="count", kind="total", better="lower", variation="poisson")
    assert plain.verdict == "significantly worse" and plain.p_value == pytest.approx(0.00903, abs=1e-5)
    assert volatile.method == j.METHOD_QUASI_POISSON and volatile.verdict == "no significant change"
    phi = j.estimate_dispersion(VOLATILE, [91] * 12).factor
    assert volatile.p_value == pytest.approx(quasi_poisson_score_p(165, 120, phi, 92, 92), rel=1e-6)
    assert volatile.p_value == pytest.approx(0.319, abs=0.001)
    assert (
        "the 12 earlier periods vary 7.1 times as much around its average as independent events would"
        in volatile.reason
    )
    steady = judge(165, 120, unit="count", kind="total", better="lower", history=j.History(tuple(STEADY), (91,) * 12))
    assert steady.method == j.METHOD_POISSON and steady.p_value == plain.p_value  # no extra variation: exact test


def test_quasi_poisson_interval_is_wilsons_with_cases_divided_by_the_dispersion():
    from statsmodels.stats.proportion import proportion_confint

    dispersion = j.Dispersion(4.0, 10, "level")
    result = compare_counts(150, 100, "neither", dispersion=dispersion)
    low, high = proportion_confint(150 / 4, 250 / 4, alpha=0.05, method="wilson")
    assert result.interval.lower == pytest.approx(low / (1 - low), rel=1e-9)
    assert result.interval.upper == pytest.approx(high / (1 - high), rel=1e-9)
    assert result.p_value == pytest.approx(quasi_poisson_score_p(150, 100, 4.0), rel=1e-6)


def test_small_counts_with_a_dispersion_including_zero():
    result = compare_counts(0, 6, "lower", dispersion=j.Dispersion(1.5, 9, "level"))
    # by hand: z = (0 - 6 x 0.5) / sqrt(1.5 x 6 x 0.25) = -2, two-sided p = erfc(2 / sqrt 2)
    assert result.p_value == pytest.approx(math.erfc(2 / math.sqrt(2)), rel=1e-9)
    assert result.p_value == pytest.approx(quasi_poisson_score_p(0, 6, 1.5), rel=1e-6)
    assert result.interval.lower == 0 and result.interval.upper < 1
    assert result.verdict == "significantly better"
    exact = compare_counts(0, 6, "lower")
    assert exact.p_value == pytest.approx(2 / 64)  # 2 x (1/2)^6


def test_newcombe_interval_for_a_difference_of_proportions():
    from statsmodels.stats.proportion import confint_proportions_2indep

    result = compare_proportions(60, 100, 40, 100, "higher")
    low, high = confint_proportions_2indep(60, 100, 40, 100, method="newcomb", compare="diff")
    assert (result.interval.lower, result.interval.upper) == (pytest.approx(100 * low), pytest.approx(100 * high))
    assert result.interval.scale == "difference in percentage points"
    assert "from 6.1 percentage points higher to 32.8 percentage points higher" in result.reason


def test_holm_matches_multipletests():
    from statsmodels.stats.multitest import multipletests

    p_values = [0.021, 0.004, 0.3, 0.049, 0.012, 0.5, 0.0001, 0.03]
    assert j.holm(p_values) == pytest.approx(list(multipletests(p_values, method="holm")[1]))
    assert j.holm([]) == []


def test_the_editions_tests_are_corrected_together():
    tested = [compare_counts(x1, x0, "higher") for x1, x0 in ((1108, 1010), (30, 10), (204, 199))]
    untested = not_tested("A level on one day")
    corrected = j.correct_for_multiplicity([*tested, untested])
    assert tested[0].significant and tested[0].p_value == pytest.approx(0.0350, abs=5e-4)
    first = corrected[0]
    assert first.adjusted_p == pytest.approx(min(1, 2 * tested[0].p_value))  # Holm: second smallest of three
    assert first.significant is False and first.verdict == "no significant change"
    assert "after Holm's correction for the 3 changes tested in this update" in first.reason
    assert corrected[1].verdict == "significantly better" and corrected[1].adjusted_p == pytest.approx(
        3 * tested[1].p_value
    )
    assert corrected[3] is untested


def test_the_exact_tests_give_scipy_stats_p_values_and_intervals():
    """binomial_test, clopper_pearson and fisher_exact work from scipy.special (scipy.stats
    takes a second to import); they agree with scipy.stats, ties at the mode included."""
    from scipy import stats

    for n in (1, 2, 7, 22, 403, 5_000, 301_256):
        for k in sorted({0, 1, n // 3, n // 2, (n + 1) // 2, n - 1, n}):
            for p in (0.5, 92 / 183, 0.1):
                assert j.binomial_test(k, n, p) == pytest.approx(stats.binomtest(k, n, p).pvalue, rel=1e-8, abs=1e-300)
            low, high = stats.binomtest(k, n).proportion_ci(0.95, method="exact")
            assert j.clopper_pearson(k, n) == pytest.approx((low, high), rel=1e-8, abs=1e-15)
    tables = [[[a, b], [c, d]] for a in (0, 1, 3, 28) for b in (0, 2, 6) for c in (1, 3, 13) for d in (0, 1, 12, 40)]
    tables += [[[28, 6], [3, 1]], [[22, 23], [13, 12]], [[12, 340], [25, 310]]]  # two modes; a large table
    for table in tables:
        assert j.fisher_exact(table) == pytest.approx(stats.fisher_exact(table).pvalue, rel=1e-8), table
