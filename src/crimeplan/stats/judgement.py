"""Judging a change by a stated statistical method.

Every figure in the update is given one verdict from one vocabulary, and the verdict
says which method produced it:

- a **count of events** over a period (crimes, arrests, casualties: catalogue kind
  ``total`` with unit ``count`` or ``people``) compared with another period: the exact
  conditional test of two Poisson counts (:func:`compare_counts`);
- a **proportion with known numerator and denominator** in both periods: a pooled
  two-proportion z-test, or Fisher's exact test when any expected count in the 2 x 2
  table is below 5 (:func:`compare_proportions`);
- a **series of at least 15 points**: an XmR control chart read with the NHS England
  "Making Data Count" rules (:func:`spc`);
- anything else (a level on a day, hours, money, minutes, percentages or averages
  without their counts) is **not tested** (:func:`not_tested`), with a reason;
- **progress against a target** is judged separately, on a straight-line path from a
  baseline to the target (:func:`target_progress`).

:func:`judge` picks the method from a measure's catalogue facts; :func:`method_notes`
gives the paragraphs for "About these statistics". All functions are pure: numbers in,
verdicts out.

Verdicts (the only words used):

====================================  =================================================
two-period tests                      "significantly better", "no significant change",
                                      "significantly worse"; for a measure where
                                      neither direction is better: "significant
                                      increase", "significant decrease"
no test applies                       "not tested"
control charts (latest point)         "special cause improvement", "special cause
                                      concern", "common cause variation"; where neither
                                      direction is better: "special cause variation
                                      (high)", "special cause variation (low)"
targets                               "target met", "on track for target", "not on
                                      track for target", "target not met" (the target
                                      date has passed)
====================================  =================================================
"""

from __future__ import annotations

import itertools
import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from crimeplan.formatting import format_number, format_percent, format_points, format_rounded, long_date
from crimeplan.inputs.measures import Better, Kind, Unit

if TYPE_CHECKING:
    import numpy as np

# --- vocabulary ------------------------------------------------------------------------


class Verdict(StrEnum):
    """What the method says of a change between two periods, or of a control chart's
    latest point (the SPC_ verdicts); the words the tables and sentences print."""

    SIGNIFICANTLY_BETTER = "significantly better"
    NO_SIGNIFICANT_CHANGE = "no significant change"
    SIGNIFICANTLY_WORSE = "significantly worse"
    SIGNIFICANT_INCREASE = "significant increase"
    SIGNIFICANT_DECREASE = "significant decrease"
    NOT_TESTED = "not tested"
    SPC_IMPROVEMENT = "special cause improvement"
    SPC_CONCERN = "special cause concern"
    SPC_COMMON_CAUSE = "common cause variation"
    SPC_HIGH = "special cause variation (high)"
    SPC_LOW = "special cause variation (low)"


class TargetVerdict(StrEnum):
    """Progress towards a target (``NOT_ASSESSED`` where the data cannot judge it)."""

    MET = "target met"
    ON_TRACK = "on track for target"
    NOT_ON_TRACK = "not on track for target"
    NOT_MET = "target not met"
    NOT_ASSESSED = "progress not assessed"


class NoTest(StrEnum):
    """Why a change is not tested: a code the tables and the sentences both read."""

    SNAPSHOT = "snapshot"
    HOURS = "hours"
    MONEY = "money"
    TIME = "time"
    PERCENT_WITHOUT_COUNTS = "percent without counts"
    RATE_WITHOUT_COUNTS = "rate without counts"
    NO_EVENTS = "no events"
    NO_EARLIER_FIGURE = "no earlier figure"
    NO_HISTORY = "no history"
    NO_DENOMINATOR = "no denominator"
    DERIVED = "derived"
    ESTIMATED = "estimated"
    PROVISIONAL = "provisional"
    QUALIFIED = "qualified"


CHANGE_VERDICTS = tuple(v for v in Verdict if not v.name.startswith("SPC_"))
SPC_VERDICTS = tuple(v for v in Verdict if v.name.startswith("SPC_"))

# --- methods ---------------------------------------------------------------------------

METHOD_POISSON = "exact test of two Poisson counts"
METHOD_QUASI_POISSON = "quasi-Poisson test, dispersion from the measure's history"
METHOD_Z_TEST = "two-proportion z-test"
METHOD_FISHER = "Fisher's exact test"
METHOD_SPC = "XmR control chart"
METHOD_NONE = "none"

# --- constants of the methods ----------------------------------------------------------

ALPHA = 0.05  # significant at the 95% level: p < ALPHA
CONFIDENCE = "95%"
MIN_EXPECTED = 5  # below this expected count in any cell, Fisher's exact test is used
SPC_MIN_POINTS = 15  # fewest points for a control chart
MIN_HISTORY = 8  # fewest earlier periods to measure a count's normal variation from
Z_95 = 1.959963984540054  # the standard normal's 97.5th percentile
VARIATIONS = ("poisson", "proportion")  # catalogue ``variation:`` values

# Why figures are not tested, in the words of the summary's count of them (in this order).
NOT_PUBLISHED = "not published as such (derived, estimated or provisional)"
NOT_EXACT = 'published only as a bound or roughly (such as "more than 200")'
NO_HISTORY_YET = "counts without the history that shows their normal variation"
NO_DENOMINATOR = "outcomes published without the number of events they come from"
NO_MODEL = "figures to which no test of chance variation applies (levels on a day, hours, money, times, percentages)"
NOTHING_TO_COMPARE = "no earlier figure or no events to compare"
UNTESTED_BECAUSE = (NOT_PUBLISHED, NOT_EXACT, NO_HISTORY_YET, NO_DENOMINATOR, NO_MODEL, NOTHING_TO_COMPARE)


def untested_group(judgement: Judgement) -> str:
    """Which of ``UNTESTED_BECAUSE`` a figure not tested belongs to."""
    code = judgement.not_tested_because
    if code in (NoTest.DERIVED, NoTest.ESTIMATED, NoTest.PROVISIONAL):
        return NOT_PUBLISHED
    if code is NoTest.QUALIFIED:
        return NOT_EXACT
    if code is NoTest.NO_HISTORY:
        return NO_HISTORY_YET
    if code is NoTest.NO_DENOMINATOR:
        return NO_DENOMINATOR
    if code in (NoTest.NO_EVENTS, NoTest.NO_EARLIER_FIGURE):
        return NOTHING_TO_COMPARE
    return NO_MODEL


XMR_LIMIT = 2.66  # 3 sigma = 2.66 x mean moving range (3 / d2, d2 = 1.128 for n = 2)
XMR_NEAR = XMR_LIMIT * 2 / 3  # 2 sigma: the "close to a limit" line
SHIFT_LENGTH = 7  # points in a row on one side of the mean (Making Data Count)
TREND_LENGTH = 7  # points in a row each higher (or each lower) than the one before
TOLERANCE = 1e-9

RULE_OUTSIDE = "outside limits"
RULE_SHIFT = "shift"
RULE_TREND = "trend"
RULE_TWO_OF_THREE = "two of three near a limit"

EVENT_UNITS: frozenset[Unit] = frozenset({Unit.COUNT, Unit.PEOPLE})
UNITS: frozenset[str] = frozenset(Unit)
KINDS: frozenset[str] = frozenset(Kind)
BETTER_VALUES: tuple[str, ...] = tuple(Better)


class Direction(StrEnum):
    """Which way a figure moved (for counts of events: their rate per day)."""

    UP = "up"
    DOWN = "down"
    NO_CHANGE = "no change"


_SIGNAL_DIRECTIONS: dict[int, Direction] = {1: Direction.UP, -1: Direction.DOWN}


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SpcResult:
    """An XmR chart of a series and the reading of its latest point.

    ``lower`` and ``upper`` are the process limits (mean -/+ 2.66 x mean moving range;
    ``lower`` is not clipped at zero), ``near_lower`` and ``near_upper`` the 2-sigma
    lines used by the two-of-three rule. ``point_verdicts`` has one SPC verdict per
    value (for colouring a chart); ``verdict``, ``rules_triggered`` and ``signal`` are
    the latest point's: ``signal`` is 1 for a special cause on the high side (or a rising
    trend), -1 on the low side (or a falling trend), 0 for common cause variation.
    """

    values: tuple[float, ...]
    mean: float
    moving_range_mean: float
    lower: float
    upper: float
    near_lower: float
    near_upper: float
    verdict: Verdict
    rules_triggered: tuple[str, ...]
    signal: int
    point_verdicts: tuple[Verdict, ...]
    reason: str

    @property
    def special_cause(self) -> bool:
        return self.verdict != Verdict.SPC_COMMON_CAUSE


@dataclass(frozen=True)
class Judgement:
    """The verdict on one change (or on the latest point of a series).

    ``significant`` is ``None`` when no test was made; ``p_value`` is ``None`` for
    control charts and when no test was made; ``direction`` is the direction of the
    change (for counts of events: of the rate per day; for a control chart: of the
    latest point's signal, ``None`` without one), ``None`` when not known.
    ``spc`` holds the chart when the method is :data:`METHOD_SPC`.
    """

    verdict: Verdict
    method: str
    p_value: float | None
    significant: bool | None
    reason: str
    direction: Direction | None = None
    spc: SpcResult | None = None
    interval: Interval | None = None
    dispersion: Dispersion | None = None
    better: Better = Better.NEITHER
    evidence: str = ""  # the change in words, as the reason starts
    family: Family | None = None  # the edition's tests this one was corrected with
    not_tested_because: NoTest | None = None  # set exactly when the verdict is "not tested"

    @property
    def tested(self) -> bool:
        return self.method != METHOD_NONE

    @property
    def adjusted_p(self) -> float | None:
        """The p-value after the correction for the edition's number of tests."""
        return None if self.family is None else self.family.adjusted[self.family.position]


@dataclass(frozen=True)
class Interval:
    """A 95% confidence interval for a change: a ratio of rates, or a difference of
    proportions in percentage points."""

    lower: float
    upper: float
    scale: Literal["rate ratio", "difference in percentage points"]

    def words(self) -> str:
        """The interval as a reader reads it: "between 20% lower and 5% higher"."""
        if self.scale == "rate ratio" and math.isinf(self.upper):
            return (
                f"the 95% confidence interval for the change in the rate starts at {_ratio_words(self.lower)} "
                "and has no upper bound"
            )
        if self.scale == "rate ratio":
            return (
                f"the 95% confidence interval for the change in the rate runs from "
                f"{_ratio_words(self.lower)} to {_ratio_words(self.upper)}"
            )
        return (
            f"the 95% confidence interval for the change runs from {_points_words(self.lower)} to "
            f"{_points_words(self.upper)}"
        )


def _ratio_words(ratio: float) -> str:
    change = (ratio - 1) * 100
    if abs(change) < 0.5:
        return "no change"
    size = format_percent(abs(change), 0 if abs(change) >= 10 else 1)
    return f"{size} {'higher' if change > 0 else 'lower'}"


def _points_words(points: float) -> str:
    if abs(points) < 0.05:
        return "no change"
    return f"{format_points(abs(points), 1)} {'higher' if points > 0 else 'lower'}"


@dataclass(frozen=True)
class Dispersion:
    """How much more a count varies than a Poisson count would, measured from its history.

    ``raw`` is Pearson's chi-squared over its degrees of freedom around the fitted
    ``model`` (a level, a trend, or a trend and a seasonal pattern on the log scale);
    ``factor`` is ``raw`` but at least 1 (a history steadier than Poisson is not taken
    to make the test sharper).
    """

    raw: float
    points: int
    model: Literal["level", "trend", "season", "trend and season"]

    @property
    def factor(self) -> float:
        return max(1.0, self.raw)

    def words(self) -> str:
        around = {
            "level": "its average",
            "trend": "its trend",
            "season": "its seasonal pattern",
            "trend and season": "its trend and seasonal pattern",
        }[self.model]
        return (
            f"the {self.points} earlier periods vary {format_number(self.raw, 1)} times as much around {around} as "
            "independent events would"
        )


@dataclass(frozen=True)
class Family:
    """The edition's tested changes, corrected together by Holm's method."""

    size: int
    adjusted: tuple[float, ...]
    position: int


@dataclass(frozen=True)
class TargetJudgement:
    """Progress towards a target by its date.

    ``path_value`` is where the straight line from the baseline to the target stands
    at the current date (``None`` once the target date is reached).
    """

    verdict: TargetVerdict
    reason: str
    path_value: float | None


# --- shared wording ----------------------------------------------------------------------


def _check_better(better: str) -> None:
    if better not in BETTER_VALUES:
        raise ValueError(f"better must be one of {', '.join(BETTER_VALUES)}, not {better!r}")


def change_verdict(direction: Direction, significant: bool, better: Better) -> Verdict:
    """The words for a tested change: the one place that turns a significant rise or
    fall into "better", "worse" or (when neither direction is better) "increase" /
    "decrease"."""
    _check_better(better)
    if not significant or direction == Direction.NO_CHANGE:
        return Verdict.NO_SIGNIFICANT_CHANGE
    if better == Better.NEITHER:
        return Verdict.SIGNIFICANT_INCREASE if direction == Direction.UP else Verdict.SIGNIFICANT_DECREASE
    return (
        Verdict.SIGNIFICANTLY_BETTER
        if (direction == Direction.UP) == (better == Better.HIGHER)
        else Verdict.SIGNIFICANTLY_WORSE
    )


def spc_verdict(side: int, better: Better) -> Verdict:
    """The words for a special cause on the high (``side`` = 1) or low (-1) side, or
    common cause variation (``side`` = 0)."""
    _check_better(better)
    if side == 0:
        return Verdict.SPC_COMMON_CAUSE
    if better == Better.NEITHER:
        return Verdict.SPC_HIGH if side > 0 else Verdict.SPC_LOW
    return Verdict.SPC_IMPROVEMENT if (side > 0) == (better == Better.HIGHER) else Verdict.SPC_CONCERN


def format_p(p_value: float) -> str:
    """``p = 0.29``; below 0.1 three decimals (``p = 0.032``); ``p < 0.001``. A p-value
    just under 0.05 that would round to 0.050 is written ``p < 0.05``, so that the text
    never contradicts the verdict."""
    if p_value < 0.001:
        return "p < 0.001"
    if p_value < 0.1:
        if p_value < ALPHA and round(p_value, 3) >= ALPHA:
            return f"p < {ALPHA:g}"
        return f"p = {p_value:.3f}"
    return f"p = {p_value:.2f}"


def _tested_reason(
    change: str,
    significant: bool,
    p_value: float,
    family: Family | None = None,
    interval: Interval | None = None,
    dispersion: Dispersion | None = None,
) -> str:
    """``change``, whether it is significant (and the p-values), then the interval and the
    normal variation the test allowed for."""
    p_words = format_p(p_value)
    if family is not None and family.size > 1:
        p_words += (
            f"; adjusted {format_p(family.adjusted[family.position])} after Holm's correction for the "
            f"{family.size} changes tested in this update"
        )
    if significant:
        text = f"{change}: larger than chance variation explains at the {CONFIDENCE} level ({p_words})"
    else:
        text = f"{change}: within chance variation, not significant at the {CONFIDENCE} level ({p_words})"
    if interval is not None:
        text += f"; {interval.words()}"
    if dispersion is not None:
        text += f"; {dispersion.words()}"
    return text + "."


def _tested(
    method: str,
    p_value: float,
    direction: Direction,
    better: Better,
    change: str,
    interval: Interval | None = None,
    dispersion: Dispersion | None = None,
) -> Judgement:
    """A two-period test's judgement, significant when p < 0.05 (before any correction)."""
    p_value = min(p_value, 1.0)
    significant = p_value < ALPHA
    return Judgement(
        change_verdict(direction, significant, better),
        method,
        p_value,
        significant,
        _tested_reason(change, significant, p_value, None, interval, dispersion),
        direction,
        interval=interval,
        dispersion=dispersion,
        better=better,
        evidence=change,
    )


def _direction(current: float, previous: float) -> Direction:
    if current > previous + TOLERANCE * max(1.0, abs(previous)):
        return Direction.UP
    if current < previous - TOLERANCE * max(1.0, abs(previous)):
        return Direction.DOWN
    return Direction.NO_CHANGE


# --- validation ------------------------------------------------------------------------


def _is_number(value: object) -> bool:
    """A finite real number (numpy and pandas scalars included), not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _whole_count(value: float, name: str) -> int:
    if not _is_number(value):
        raise ValueError(f"{name} must be a finite number, not {value!r}")
    if value < 0:
        raise ValueError(f"{name} must not be negative (got {value})")
    if not float(value).is_integer():
        raise ValueError(f"{name} must be a whole number of events (got {value})")
    return int(value)


def _positive(value: float, name: str) -> float:
    if not _is_number(value) or value <= 0:
        raise ValueError(f"{name} must be a positive number, not {value!r}")
    return float(value)


# --- 1. counts of events -----------------------------------------------------------------


def compare_counts(
    current: float,
    previous: float,
    better: Better,
    current_days: float = 1,
    previous_days: float = 1,
    dispersion: Dispersion | None = None,
) -> Judgement:
    """Two counts of events, each over its exposure (period length in days).

    Given both counts' total n, the current count is Binomial(n, t1 / (t1 + t0)) when the
    two periods share one underlying rate. Without extra-Poisson variation (no
    ``dispersion``, or a factor of 1): the exact two-sided test (:func:`binomial_test`,
    as R's ``poisson.test(c(x1, x0), c(t1, t0))``) and the exact (Clopper-Pearson)
    interval for the rate ratio. With a dispersion factor phi > 1 measured from the
    history (quasi-Poisson: variance phi times the mean): the score test
    z = (x1 - n p0) / sqrt(phi n p0 (1 - p0)) and the Wilson interval with n / phi cases.
    Significant below 0.05; the direction is that of the rate per day. No events in
    either period: not tested.
    """
    _check_better(better)
    x1 = _whole_count(current, "current count")
    x0 = _whole_count(previous, "previous count")
    t1 = _positive(current_days, "current_days")
    t0 = _positive(previous_days, "previous_days")
    if x1 + x0 == 0:
        return Judgement(
            Verdict.NOT_TESTED,
            METHOD_NONE,
            None,
            None,
            "No events in either period, so there is no change to test.",
            Direction.NO_CHANGE,
            not_tested_because=NoTest.NO_EVENTS,
        )
    n = x1 + x0
    share = t1 / (t1 + t0)  # the current period's expected share of the events under no change
    if dispersion is None or dispersion.factor == 1:
        p_value, method = binomial_test(x1, n, share), METHOD_POISSON
        low, high = clopper_pearson(x1, n)
    else:
        phi = dispersion.factor
        z = (x1 - n * share) / math.sqrt(phi * n * share * (1 - share))
        p_value, method = _normal_two_sided(z), METHOD_QUASI_POISSON
        low, high = _wilson(x1 / phi, n / phi)
    interval = Interval(_share_to_ratio(low, t0, t1), _share_to_ratio(high, t0, t1), "rate ratio")
    if math.isclose(t1, t0):
        change = f"{format_number(x0)} to {format_number(x1)}"
    else:
        change = f"{format_number(x0)} in {format_number(t0)} days to {format_number(x1)} in {format_number(t1)} days"
    return _tested(method, p_value, _direction(x1 / t1, x0 / t0), better, change, interval, dispersion)


def _share_to_ratio(share: float, previous_days: float, current_days: float) -> float:
    """The rate ratio (current over previous, per day) for the current period's share of the events."""
    if share >= 1:
        return math.inf
    return share / (1 - share) * previous_days / current_days


def _wilson(successes: float, trials: float) -> tuple[float, float]:
    """Wilson's 95% score interval for a proportion (counts may be fractional)."""
    z2 = Z_95**2
    centre = (successes + z2 / 2) / (trials + z2)
    half = Z_95 * math.sqrt(successes * (trials - successes) / trials + z2 / 4) / (trials + z2)
    return max(0.0, centre - half), min(1.0, centre + half)


# --- 1a. exact tests from scipy.special ---------------------------------------------------
# The p-values scipy.stats gives (binomtest, fisher_exact, norm.sf, f.sf), worked out from
# scipy.special's functions: importing scipy.stats takes about a second of every render.


def _no_more_likely(log_pmf: np.ndarray, observed: int, tolerance: float) -> float:
    """The chance of an outcome no more likely than the ``observed`` one (index into the
    log-probabilities of every outcome), ties within a relative ``tolerance``: the two-sided
    exact p-value."""
    import numpy as np

    limit = log_pmf[observed] + math.log1p(tolerance)
    return min(1.0, float(np.exp(log_pmf[log_pmf <= limit]).sum()))


def _log_binomial(n: int, k: int | np.ndarray) -> np.ndarray:
    """log(n choose k), elementwise."""
    import numpy as np
    from scipy import special

    return np.asarray(special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1))


def binomial_test(k: int, n: int, p: float) -> float:
    """The exact two-sided binomial test of ``k`` successes in ``n`` trials of chance ``p``
    (``scipy.stats.binomtest(k, n, p).pvalue``)."""
    import numpy as np
    from scipy import special

    if k == p * n:
        return 1.0
    outcomes = np.arange(n + 1)
    log_pmf = _log_binomial(n, outcomes) + special.xlogy(outcomes, p) + special.xlog1py(n - outcomes, -p)
    return _no_more_likely(log_pmf, k, 1e-7)


def clopper_pearson(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The exact (Clopper-Pearson) interval for a proportion, ``k`` of ``n``
    (``scipy.stats.binomtest(k, n).proportion_ci(confidence, method="exact")``)."""
    from scipy import special

    alpha = (1 - confidence) / 2
    low = 0.0 if k == 0 else float(special.betaincinv(k, n - k + 1, alpha))
    high = 1.0 if k == n else float(special.betaincinv(k + 1, n - k, 1 - alpha))
    return low, high


def fisher_exact(table: Sequence[Sequence[int]]) -> float:
    """Fisher's exact two-sided test of a 2 x 2 table of counts
    (``scipy.stats.fisher_exact(table).pvalue``)."""
    import numpy as np

    (a, b), (c, d) = table
    first_row, second_row, first_column = a + b, c + d, a + c
    if 0 in (first_row, second_row, first_column, b + d):
        return 1.0
    low, high = max(0, first_column - second_row), min(first_column, first_row)
    outcomes = np.arange(low, high + 1)
    log_pmf = (
        _log_binomial(first_row, outcomes)
        + _log_binomial(second_row, first_column - outcomes)
        - _log_binomial(first_row + second_row, first_column)
    )
    return _no_more_likely(log_pmf, a - low, 1e-7)


def _normal_two_sided(z: float) -> float:
    """The two-sided p-value of a standard normal score (``2 * scipy.stats.norm.sf(|z|)``)."""
    from scipy import special

    return float(2 * special.ndtr(-abs(z)))


# --- 1b. the normal variation of a count, from its history --------------------------------


def _poisson_fit(
    values: Sequence[float], days: Sequence[float], design: list[list[float]]
) -> tuple[object, float, float]:
    """A Poisson log-linear model (offset log days) fitted by iteratively reweighted least
    squares: the fitted means, the deviance and Pearson's chi-squared."""
    import numpy as np

    y = np.asarray(values, dtype=float)
    offset = np.log(np.asarray(days, dtype=float))
    x = np.asarray(design, dtype=float)
    mean = np.maximum(y, 0.5)
    eta = np.log(mean)
    for _ in range(100):
        working = eta - offset + (y - mean) / mean
        weights = mean
        wx = x * weights[:, None]
        beta = np.linalg.lstsq(wx.T @ x, wx.T @ working, rcond=None)[0]
        new_eta = x @ beta + offset
        if np.max(np.abs(new_eta - eta)) < 1e-10:
            eta = new_eta
            break
        eta = new_eta
        mean = np.exp(eta)
    mean = np.exp(eta)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(y > 0, y * np.log(y / mean), 0.0) - (y - mean)
    deviance = float(2 * terms.sum())
    pearson = float(((y - mean) ** 2 / mean).sum())
    return mean, deviance, pearson


def estimate_dispersion(
    values: Sequence[float], days: Sequence[float] | None = None, seasons: Sequence[int] | None = None
) -> Dispersion:
    """The dispersion of a count's earlier values (oldest first, equally spaced periods of
    ``days`` each), around the simplest pattern the history plainly shows.

    A Poisson log-linear model is fitted with a level; a straight-line trend (on the log
    scale) is kept when the quasi-likelihood F-test gives p < 0.05, and then a seasonal
    pattern (``seasons``: each period's place in the year, such as its month) when there
    are at least two years of history and its F-test also gives p < 0.05. The dispersion is
    Pearson's chi-squared of the kept model over its residual degrees of freedom.
    """
    from scipy import special

    counts = [float(_whole_count(v, "a count in the history")) for v in values]
    points = len(counts)
    if points < MIN_HISTORY:
        raise ValueError(f"measuring a count's variation needs at least {MIN_HISTORY} earlier periods, not {points}")
    exposure = [1.0] * points if days is None else [_positive(d, "days") for d in days]
    if sum(counts) == 0:
        return Dispersion(1.0, points, "level")
    level = [[1.0] for _ in counts]
    trend = [[1.0, float(i)] for i in range(points)]

    def fit(design: list[list[float]]) -> tuple[float, float, int]:
        _, deviance, pearson = _poisson_fit(counts, exposure, design)
        df = points - len(design[0])
        return deviance, pearson / df, df

    def kept(smaller: tuple[float, float, int], larger: tuple[float, float, int], added: int) -> bool:
        deviance_small, _, _ = smaller
        deviance_large, phi_large, df_large = larger
        if df_large < 2 or phi_large <= 0:
            return False
        f_value = max(0.0, (deviance_small - deviance_large) / added) / phi_large
        return float(special.fdtrc(added, df_large, f_value)) < ALPHA  # scipy.stats.f.sf

    chosen, design = fit(level), level
    model: Literal["level", "trend", "season", "trend and season"] = "level"
    with_trend = fit(trend)
    if kept(chosen, with_trend, 1):
        chosen, model, design = with_trend, "trend", trend
    if seasons is not None:
        places = sorted(set(seasons))
        if len(places) > 1 and points >= 2 * len(places) + len(design[0]) + 1:
            seasonal = [
                row + [1.0 if season == place else 0.0 for place in places[1:]] for row, season in zip(design, seasons)
            ]
            with_season = fit(seasonal)
            if kept(chosen, with_season, len(places) - 1):
                chosen, model = with_season, "trend and season" if model == "trend" else "season"
    return Dispersion(chosen[1], points, model)


# --- 1c. several tests at once -------------------------------------------------------------


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given: each is significant at 5%
    when below 0.05, which keeps the chance of any false alarm among all the tests at 5%."""
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    count = len(p_values)
    adjusted = [0.0] * count
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def correct_for_multiplicity(judgements: Sequence[Judgement]) -> list[Judgement]:
    """The judgements of one edition with every two-period test corrected together by
    Holm's method: significant only when the adjusted p-value is below 0.05. Control
    charts and figures not tested are returned as they are."""
    tested = [i for i, j in enumerate(judgements) if j.p_value is not None]
    adjusted = holm([p for i in tested if (p := judgements[i].p_value) is not None])
    corrected = list(judgements)
    for position, index in enumerate(tested):
        judgement = judgements[index]
        assert judgement.direction is not None and judgement.p_value is not None  # every two-period test has both
        family = Family(len(tested), tuple(adjusted), position)
        significant = adjusted[position] < ALPHA
        corrected[index] = replace(
            judgement,
            family=family,
            significant=significant,
            verdict=change_verdict(judgement.direction, significant, judgement.better),
            reason=_tested_reason(
                judgement.evidence, significant, judgement.p_value, family, judgement.interval, judgement.dispersion
            ),
        )
    return corrected


# --- 2. proportions ----------------------------------------------------------------------


def compare_proportions(x1: float, n1: float, x0: float, n0: float, better: Better) -> Judgement:
    """Two proportions x1/n1 (current) and x0/n0 (previous) from their counts.

    Pooled two-proportion z-test (no continuity correction) when every expected count
    of the 2 x 2 table under the pooled proportion is at least 5; otherwise Fisher's
    exact test (two-sided, :func:`fisher_exact`). Significant when p < 0.05.
    The 95% interval for the difference is Newcombe's hybrid score interval (from the
    two Wilson intervals). ``better`` refers to the proportion (e.g. "higher" for a
    solved rate).
    """
    _check_better(better)
    a = _whole_count(x1, "current numerator")
    m = _whole_count(n1, "current denominator")
    b = _whole_count(x0, "previous numerator")
    k = _whole_count(n0, "previous denominator")
    for numerator, denominator, when in ((a, m, "current"), (b, k, "previous")):
        if denominator == 0:
            raise ValueError(f"{when} denominator is 0: a proportion needs at least one case")
        if numerator > denominator:
            raise ValueError(
                f"{when} numerator ({format_number(numerator)}) is larger than its denominator ({format_number(denominator)})"
            )
    pooled = (a + b) / (m + k)
    expected = [m * pooled, m * (1 - pooled), k * pooled, k * (1 - pooled)]
    if min(expected) < MIN_EXPECTED:
        method = METHOD_FISHER
        p_value = fisher_exact([[a, m - a], [b, k - b]])
    else:
        method = METHOD_Z_TEST
        standard_error = math.sqrt(pooled * (1 - pooled) * (1 / m + 1 / k))
        z = (a / m - b / k) / standard_error
        p_value = _normal_two_sided(z)
    p1, p0 = a / m, b / k
    (l1, u1), (l0, u0) = _wilson(a, m), _wilson(b, k)
    difference = p1 - p0
    interval = Interval(
        100 * (difference - math.hypot(p1 - l1, u0 - p0)),
        100 * (difference + math.hypot(u1 - p1, p0 - l0)),
        "difference in percentage points",
    )
    change = (
        f"{format_percent(100 * p0, 1)} ({format_number(b)} of {format_number(k)}) to "
        f"{format_percent(100 * p1, 1)} ({format_number(a)} of {format_number(m)})"
    )
    return _tested(method, p_value, _direction(p1, p0), better, change, interval)


# --- 3. control charts -------------------------------------------------------------------


def spc(values: Sequence[float], better: Better) -> SpcResult:
    """An XmR chart of ``values`` (oldest first, equally spaced) read for the latest point.

    Centre line: the mean of all points; process limits: mean -/+ 2.66 x the mean
    moving range (no points screened out, as in the Making Data Count tools). A point
    shows special cause variation when it is:

    - outside the process limits;
    - part of a shift: 7 or more points in a row all above, or all below, the mean
      (a point on the mean ends a run);
    - part of a trend: 7 or more points in a row each higher (or each lower) than the
      one before (a repeated value ends a run);
    - one of two (or three) out of three points in a row beyond 2 sigma (2/3 of the way
      to a limit) on the same side of the mean.

    Its direction is the side of the mean it lies on, except when a trend is its only
    signal: then the trend's direction. Fewer than 15 points: ValueError.
    """
    _check_better(better)
    series = []
    for position, value in enumerate(values, start=1):
        if not _is_number(value):
            raise ValueError(f"point {position} of the series is not a finite number: {value!r}")
        series.append(float(value))
    if len(series) < SPC_MIN_POINTS:
        raise ValueError(f"a control chart needs at least {SPC_MIN_POINTS} points; the series has {len(series)}")
    count = len(series)
    mean = sum(series) / count
    moving_range_mean = sum(abs(b - a) for a, b in itertools.pairwise(series)) / (count - 1)
    spread = moving_range_mean * XMR_LIMIT
    near = moving_range_mean * XMR_NEAR
    lower, upper = mean - spread, mean + spread
    near_lower, near_upper = mean - near, mean + near
    tolerance = TOLERANCE * max(1.0, abs(mean))

    side = [0 if abs(v - mean) <= tolerance else (1 if v > mean else -1) for v in series]
    outside = [v > upper + tolerance or v < lower - tolerance for v in series]
    # Each point's step from the one before: 1 up, -1 down, 0 the same (none for the first).
    steps = [0] + [(1 if b > a else -1 if b < a else 0) for a, b in itertools.pairwise(series)]
    beyond = [1 if v > near_upper + tolerance else -1 if v < near_lower - tolerance else 0 for v in series]
    shift = [0] * count
    trend = [0] * count
    two_of_three = [0] * count
    for start in range(count):
        run = side[start : start + SHIFT_LENGTH]
        if len(run) == SHIFT_LENGTH and run[0] != 0 and run.count(run[0]) == SHIFT_LENGTH:
            shift[start : start + SHIFT_LENGTH] = run
        # A trend of 7 points is 6 steps in one direction; a point at a peak keeps the
        # trend that ends at it.
        rises = steps[start + 1 : start + TREND_LENGTH]
        if len(rises) == TREND_LENGTH - 1 and rises[0] != 0 and rises.count(rises[0]) == len(rises):
            for position in range(start, start + TREND_LENGTH):
                trend[position] = trend[position] or rises[0]
        window = beyond[start : start + 3]
        for high_or_low in (1, -1):
            if len(window) == 3 and window.count(high_or_low) >= 2:
                for offset, mark in enumerate(window):
                    if mark == high_or_low:
                        two_of_three[start + offset] = high_or_low

    def reading(position: int) -> tuple[int, tuple[str, ...]]:
        rules = []
        if outside[position]:
            rules.append(RULE_OUTSIDE)
        if shift[position]:
            rules.append(RULE_SHIFT)
        if trend[position]:
            rules.append(RULE_TREND)
        if two_of_three[position]:
            rules.append(RULE_TWO_OF_THREE)
        if not rules:
            return 0, ()
        if rules == [RULE_TREND]:
            return trend[position], tuple(rules)
        return side[position], tuple(rules)

    point_verdicts = tuple(spc_verdict(reading(i)[0], better) for i in range(count))
    latest_side, rules = reading(count - 1)
    verdict = spc_verdict(latest_side, better)
    return SpcResult(
        values=tuple(series),
        mean=mean,
        moving_range_mean=moving_range_mean,
        lower=lower,
        upper=upper,
        near_lower=near_lower,
        near_upper=near_upper,
        verdict=verdict,
        rules_triggered=rules,
        signal=latest_side,
        point_verdicts=point_verdicts,
        reason=_spc_reason(rules, latest_side, trend[count - 1], count, mean, lower, upper),
    )


def _spc_reason(
    rules: tuple[str, ...], side: int, trend: int, count: int, mean: float, lower: float, upper: float
) -> str:
    limits = (
        f"average {format_rounded(mean)}, process limits {format_rounded(lower)} to "
        f"{format_rounded(upper)}, over {count} points"
    )
    if not rules:
        return f"The latest point is within the process limits and shows no run or trend ({limits})."
    high = side > 0
    words = {
        RULE_OUTSIDE: f"it is {'above the upper' if high else 'below the lower'} process limit",
        RULE_SHIFT: f"it ends a run of {SHIFT_LENGTH} or more points {'above' if high else 'below'} the average",
        RULE_TREND: (
            f"it ends {TREND_LENGTH} or more points in a row each {'higher' if trend > 0 else 'lower'} "
            "than the one before"
        ),
        RULE_TWO_OF_THREE: (
            f"it is one of at least two in three points near or beyond the {'upper' if high else 'lower'} limit"
        ),
    }
    return f"The latest point shows special cause variation: {'; '.join(words[r] for r in rules)} ({limits})."


# --- 4. no test ------------------------------------------------------------------------


def not_tested(reason: str, direction: Direction | None = None, because: NoTest | None = None) -> Judgement:
    """No significance claim: the verdict "not tested", with the reason a reader needs."""
    if not reason.strip():
        raise ValueError("a figure that is not tested needs a reason")
    return Judgement(Verdict.NOT_TESTED, METHOD_NONE, None, None, reason.strip(), direction, not_tested_because=because)


_NO_TEST = ": no test of chance variation applies."


def not_published(status: str) -> Judgement:
    """ "not tested" for a figure that is not published as such (derived, estimated or
    provisional): a test would take it for a published count."""
    return not_tested(
        f"{status.capitalize()} figure, not published as such: it is not tested for chance "
        "variation, since a test would treat it as a published count.",
        because=NoTest(status),
    )


def not_exact(qualifier: str) -> Judgement:
    """ "not tested" for a figure the source gave only with a qualifier ("more than 200"): a
    test would take the bound or the rough figure for an exact count."""
    return not_tested(
        f"Published only as {qualifier} a figure, not as an exact one: it is not tested for chance "
        "variation, since a test would treat it as an exact count.",
        because=NoTest.QUALIFIED,
    )


_NO_TEST_SENTENCES = {
    NoTest.SNAPSHOT: "A level on one day (such as a headcount), not a count of events over a period",
    NoTest.HOURS: "Hours add up the time of many people and shifts, not separate events",
    NoTest.MONEY: "An amount of money, not a count of events",
    NoTest.TIME: "A time, not a count of events",
    NoTest.PERCENT_WITHOUT_COUNTS: "A percentage published without the counts it is worked out from",
    NoTest.RATE_WITHOUT_COUNTS: "An average or rate published without the counts behind it",
}


def no_test_for(unit: str, kind: str) -> NoTest | None:
    """Why a measure of this unit and kind has no test of chance variation, or ``None``
    when it is a count of events (which has one)."""
    _check_unit_kind(unit, kind)
    if kind == Kind.TOTAL and unit in EVENT_UNITS:
        return None
    if kind == Kind.SNAPSHOT:
        return NoTest.SNAPSHOT
    return {
        "hours": NoTest.HOURS,
        "gbp": NoTest.MONEY,
        "minutes": NoTest.TIME,
        "percent": NoTest.PERCENT_WITHOUT_COUNTS,
    }.get(unit, NoTest.RATE_WITHOUT_COUNTS)


def _check_unit_kind(unit: str, kind: str) -> None:
    if unit not in UNITS:
        raise ValueError(f"unit must be one of {', '.join(sorted(UNITS))}, not {unit!r}")
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(sorted(KINDS))}, not {kind!r}")


# --- 5. targets ------------------------------------------------------------------------


def target_progress(
    current: float,
    current_date: date,
    target: float,
    target_date: date,
    baseline: float,
    baseline_date: date,
    better: Better,
) -> TargetJudgement:
    """Progress towards ``target`` by ``target_date``.

    Rule: the target is met when the current value is at or beyond it (at or above
    when higher is better, at or below when lower is better), whatever the date. Not
    met and the target date reached: "target not met". Otherwise the path is the
    straight line from ``baseline`` at ``baseline_date`` to ``target`` at
    ``target_date``: on track when the current value is at or beyond the path's value
    at ``current_date``. For a total counted towards a year's target, give the
    year-to-date total with a baseline of 0 at the start of the year.
    """
    if better not in (Better.HIGHER, Better.LOWER):
        raise ValueError(f"a target needs higher or lower to be better, not {better!r}")
    for name, value in (("current", current), ("target", target), ("baseline", baseline)):
        if not _is_number(value):
            raise ValueError(f"{name} must be a finite number, not {value!r}")
    if target_date <= baseline_date:
        raise ValueError(f"the target date ({target_date}) must be after the baseline date ({baseline_date})")
    if current_date < baseline_date:
        raise ValueError(f"the current date ({current_date}) is before the baseline date ({baseline_date})")

    def at_or_beyond(value: float, mark: float) -> bool:
        slack = TOLERANCE * max(1.0, abs(mark))
        return value >= mark - slack if better == Better.HIGHER else value <= mark + slack

    goal = f"the target of {format_number(target)} by {long_date(target_date)}"
    if at_or_beyond(current, target):
        return TargetJudgement(TargetVerdict.MET, f"{format_number(current)} meets {goal}.", None)
    if current_date >= target_date:
        return TargetJudgement(TargetVerdict.NOT_MET, f"{format_number(current)} did not meet {goal}.", None)
    share = (current_date - baseline_date).days / (target_date - baseline_date).days
    path = baseline + (target - baseline) * share
    on_track = at_or_beyond(current, path)
    where = (
        f"{format_number(current)} on {long_date(current_date)} against {format_number(path)} on a straight path "
        f"from {format_number(baseline)} on {long_date(baseline_date)} to {goal}"
    )
    if on_track:
        return TargetJudgement(TargetVerdict.ON_TRACK, f"{where}.", path)
    return TargetJudgement(TargetVerdict.NOT_ON_TRACK, f"{where}.", path)


# --- choosing the method ------------------------------------------------------------------


@dataclass(frozen=True)
class History:
    """A count's earlier values for the same area and period length, oldest first:
    discrete periods that do not overlap (months, quarters, years), each of ``days``
    days and with its place in the year (``seasons``: month or quarter, for months and
    quarters; ``None`` otherwise)."""

    values: tuple[float, ...]
    days: tuple[float, ...]
    seasons: tuple[int, ...] | None = None


NO_HISTORY = "No history to measure its normal variation"


def judge(
    current: float | None,
    previous: float | None,
    *,
    unit: str,
    kind: str,
    better: Better,
    current_days: float = 1,
    previous_days: float = 1,
    current_denominator: float | None = None,
    previous_denominator: float | None = None,
    series: Sequence[float] | None = None,
    history: History | None = None,
    variation: str | None = None,
) -> Judgement:
    """The verdict on a measure's latest change, by the method its catalogue facts allow.

    In order:

    1. both denominators given: ``current`` and ``previous`` are the numerators
       (counts), compared as proportions;
    2. a count of events (kind ``total``, unit ``count`` or ``people``) with a
       ``history`` of at least 8 earlier periods: the two counts are tested with the
       dispersion that history shows (:func:`estimate_dispersion`, :func:`compare_counts`);
       without that history, an exact Poisson test only where the catalogue says its
       events are close to independent (``variation="poisson"``); outcomes of other
       events (``variation="proportion"``) without denominators, and any other count
       without history, are not tested;
    3. any other measure with a ``series`` (oldest first, ending with the current value)
       of at least 15 points: XmR control chart;
    4. otherwise "not tested", with the reason.

    No previous value (and no long series): "not tested".
    """
    _check_better(better)
    _check_unit_kind(unit, kind)
    if variation is not None and variation not in VARIATIONS:
        raise ValueError(f"variation must be one of {', '.join(VARIATIONS)}, not {variation!r}")
    events = kind == Kind.TOTAL and unit in EVENT_UNITS
    if not events and series is not None and len(series) >= SPC_MIN_POINTS:
        if current is not None and _is_number(series[-1]) and not math.isclose(series[-1], current):
            raise ValueError(f"the series must end with the current value ({current!r}), not {series[-1]!r}")
        chart = spc(series, better)
        return Judgement(
            chart.verdict,
            METHOD_SPC,
            None,
            chart.special_cause,
            chart.reason,
            _SIGNAL_DIRECTIONS.get(chart.signal),
            chart,
            better=better,
        )
    if current is None or previous is None:
        return not_tested("There is no earlier figure to compare with.", because=NoTest.NO_EARLIER_FIGURE)
    if (current_denominator is None) != (previous_denominator is None):
        raise ValueError("give both denominators (current and previous) or neither")
    if current_denominator is not None and previous_denominator is not None:
        return compare_proportions(current, current_denominator, previous, previous_denominator, better)
    direction = _direction(current, previous)
    if not events:
        note = ""
        if series is not None and len(series) > 1:
            note = f" (The series has {len(series)} points; a control chart needs at least {SPC_MIN_POINTS}.)"
        code = no_test_for(unit, kind)
        assert code is not None  # not a count of events
        return not_tested(_NO_TEST_SENTENCES[code] + _NO_TEST + note, direction, code)
    if variation == "proportion":
        return not_tested(
            "Outcomes of other events (such as crimes solved) are tested as a share of those events, "
            "and the data give no count of them for these periods: no test applies.",
            direction,
            because=NoTest.NO_DENOMINATOR,
        )
    earlier = 0 if history is None else len(history.values)
    if history is not None and earlier >= MIN_HISTORY:
        dispersion = estimate_dispersion(history.values, history.days, history.seasons)
        return compare_counts(current, previous, better, current_days, previous_days, dispersion)
    if variation == "poisson":
        return compare_counts(current, previous, better, current_days, previous_days)
    return not_tested(
        f"{NO_HISTORY}: counts such as these vary more than chance alone would, by an amount only their own "
        f"history shows, and there {'is' if earlier == 1 else 'are'} {earlier} earlier "
        f"period{'' if earlier == 1 else 's'} of the same length (at least {MIN_HISTORY} are needed).",
        direction,
        because=NoTest.NO_HISTORY,
    )


# --- 7. method text ------------------------------------------------------------------------


def _figures(labels: Sequence[str]) -> str:
    names = list(dict.fromkeys(labels))
    shown = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"{len(labels)} figure{'' if len(labels) == 1 else 's'} ({shown})"


def method_notes(judged: Sequence[tuple[str, Judgement]], targets: bool = False) -> list[tuple[str, str]]:
    """(title, paragraph) for each method the edition used, for "About these statistics":
    ``judged`` holds each change shown with its measure's label; ``targets`` says whether
    any figure is judged against a target. Each paragraph says how many figures the
    method was applied to and what it assumes."""
    by_method: dict[str, list[tuple[str, Judgement]]] = {}
    for label, judgement in judged:
        by_method.setdefault(judgement.method, []).append((label, judgement))
    notes = []
    if poisson := by_method.get(METHOD_POISSON):
        notes.append(
            (
                "Counts of independent events",
                (
                    f"Applied to {_figures([label for label, _ in poisson])}. Where a count's events happen close to "
                    "independently of one another (such as road casualties, as the catalogue records), or its own "
                    "history varies no more than that, the two periods are compared by an exact test for two Poisson "
                    "counts: the current period's share of all the events is set against the binomial distribution "
                    "the periods' lengths give if both shared one rate (periods of different lengths are compared as "
                    "events per day). The 95% confidence interval for the ratio of the two rates is the exact "
                    "(Clopper-Pearson) interval. The test assumes independent events and a steady rate within each "
                    "period."
                ),
            )
        )
    if quasi := by_method.get(METHOD_QUASI_POISSON):
        spread = ", ".join(
            f"{label} {format_number(j.dispersion.raw, 1)} from {j.dispersion.points} periods"
            for label, j in quasi
            if j.dispersion
        )
        notes.append(
            (
                "Counts judged against their own history",
                (
                    f"Applied to {_figures([label for label, _ in quasi])}. Counts of crimes and incidents usually vary "
                    "more from period to period than independent events would. For a count with at least "
                    f"{MIN_HISTORY} earlier periods of the same length (months, quarters or years that do not overlap; "
                    "rolling totals are never used), that extra variation is measured from its history: the dispersion "
                    "is Pearson's chi-squared statistic over its degrees of freedom around the history's average, or "
                    "around a trend or seasonal pattern when the history plainly shows one (each kept only when a "
                    "quasi-likelihood F-test finds it at the 5% level). The change is then tested by a quasi-Poisson "
                    "score test whose variance is the dispersion times that of a Poisson count, and its 95% confidence "
                    f"interval is widened to match. Dispersions used: {spread}. The test assumes the history's "
                    "variation is typical of the current period's."
                ),
            )
        )
    proportions = by_method.get(METHOD_Z_TEST, []) + by_method.get(METHOD_FISHER, [])
    if proportions:
        notes.append(
            (
                "Proportions",
                (
                    f"Applied to {_figures([label for label, _ in proportions])}. Where both the number of cases and the "
                    "number with the outcome are known (for example crimes and crimes solved), the two proportions are "
                    "compared with a two-proportion z-test that pools both periods to estimate the chance variation; "
                    f"when the pooled figures would put fewer than {MIN_EXPECTED} cases in any cell of the table, "
                    "Fisher's exact test is used instead. The 95% confidence interval for the difference, in percentage "
                    "points, is Newcombe's, built from the two Wilson intervals. Both assume the cases are independent."
                ),
            )
        )
    if charts := by_method.get(METHOD_SPC):
        notes.append(
            (
                "Control charts for longer series",
                (
                    f"Applied to {_figures([label for label, _ in charts])}. A measure that is not a count of events "
                    f"and has at least {SPC_MIN_POINTS} consecutive values is read on an XmR control chart, following NHS "
                    "England's Making Data Count approach. The centre line is the average of all the values; the process "
                    f"limits sit {XMR_LIMIT:g} times the average moving range above and below it, about three standard "
                    "deviations. The latest value shows special cause variation when it lies outside the limits, when it "
                    f"ends a run of {SHIFT_LENGTH} or more values on the same side of the average (a shift), when it ends "
                    f"{TREND_LENGTH} or more values each higher, or each lower, than the one before (a trend), or when it "
                    "is one of at least two out of three values in a row more than two thirds of the way from the average "
                    "to the same limit. A signal on the side the plan wants is special cause improvement, on the other "
                    "side special cause concern; where neither direction is better it is reported as high or low. "
                    "Without a signal the variation is common cause. The chart assumes the values are in time order "
                    "and equally spaced."
                ),
            )
        )
    tests = [j for _, j in judged if j.p_value is not None]
    if tests:
        family = (
            ""
            if len(tests) == 1
            else (
                f" The {len(tests)} tests of this update are corrected together by Holm's method: each p-value is "
                "adjusted for the number of tests, and a change is called significant only when its adjusted p-value "
                "is below 0.05, so that the chance of any false alarm among them all stays at 5%."
            )
        )
        notes.append(
            (
                "Significance and several tests at once",
                (
                    f"{len(tests)} change{'' if len(tests) == 1 else 's'} in this update {'was' if len(tests) == 1 else 'were'} "
                    f"tested. A change is called significant when chance alone would produce one at least as large less "
                    f"than 5% of the time (two-sided, the {CONFIDENCE} level).{family} The 95% confidence interval gives "
                    "the range of underlying changes the figures are consistent with."
                ),
            )
        )
    if targets:
        notes.append(
            (
                "Progress against targets",
                (
                    "A target is met once the latest value reaches it in the direction the plan wants, and not met "
                    "if its date passes first. Before then, a measure is on track when its latest value is on or "
                    "beyond a straight line from a baseline to the target on its date: the figure a year earlier for "
                    "a level (such as a headcount), zero at the start of the year for a total counted towards a "
                    "year's target. Without a baseline, progress is not assessed and the tables say why."
                ),
            )
        )
    untested = [untested_group(j) for _, j in judged if not j.tested]
    if untested:
        counts = [f"{untested.count(because)} {because}" for because in UNTESTED_BECAUSE if because in untested]
        notes.append(
            (
                "Not tested",
                (
                    f"{len(untested)} change{'' if len(untested) == 1 else 's'} {'is' if len(untested) == 1 else 'are'} "
                    f"not tested: {', '.join(counts)}. For these the update shows the change, and any progress against "
                    "a target, without saying whether it is larger than chance: nothing shows how much a figure worked "
                    "out from others normally varies, nor a count without its own history unless its events are close "
                    "to independent."
                ),
            )
        )
    notes.append(
        (
            "Words used for changes",
            (
                "Significantly better or worse: a significant change in the direction the plan wants, or against it; "
                "no significant change: within chance variation. Where neither direction is better (arrests, which "
                "may reflect more offending or more enforcement, or calls, which are workload), a significant change "
                "is a significant increase or decrease, without a judgement."
            ),
        )
    )
    return notes
