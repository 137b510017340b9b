"""British number formatting in the register of the quarterly update.

Thousands separated by commas (``48,810``), percentages with a ``%`` sign (``84.7%``),
money in pounds (``£30,000``; millions as ``£5.7m``) and rounding half away from zero
(``218.33`` -> ``218%``), as the published update does. Differences between percentages
are written out as ``5.7 percentage points`` (the published update's ``5.7% points`` is
read aloud as "percent points"), and negative numbers take the minus sign U+2212
(``−1,005``), not a hyphen. Every function returns text; none of them reads data.
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from crimeplan.inputs.measures import Unit

MAX_DECIMALS = 2
MINUS = "\u2212"  # the minus sign, which screen readers read as "minus" and fonts set as wide as "+"
MILLION = 1_000_000
BILLION = 1_000_000_000


def round_half_up(value: float, decimals: int = 0) -> float:
    """Round as people do (0.5 -> 1), not to the nearest even digit as ``round`` does."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = float(Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP))
    return rounded + 0.0  # turns -0.0 into 0.0


def auto_decimals(*values: float | None) -> int:
    """The fewest decimals (0 to 2) that show every given value as stored."""
    present = [v for v in values if v is not None]
    for decimals in range(MAX_DECIMALS + 1):
        if all(abs(round_half_up(v, decimals) - v) < 1e-9 for v in present):
            return decimals
    return MAX_DECIMALS


def format_number(value: float, decimals: int | None = None) -> str:
    """``48810`` -> ``48,810``; ``66.5`` -> ``66.5``."""
    if decimals is None:
        decimals = auto_decimals(value)
    return f"{round_half_up(value, decimals):,.{decimals}f}".replace("-", MINUS)


def format_rounded(value: float) -> str:
    """A figure worked out from others (an average, a control limit) as precise as a reader
    needs it: whole from 100 up (``66,746``), else one decimal (``45.3``)."""
    return format_number(value, 0 if abs(value) >= 100 else 1)


def format_percent(value: float, decimals: int | None = 0) -> str:
    """``19.0`` -> ``19%``; ``84.7`` with one decimal -> ``84.7%``; None decimals: as stored."""
    return f"{format_number(value, decimals)}%"


def format_points(value: float, decimals: int | None = None) -> str:
    """A difference between two percentages: ``5.7`` -> ``5.7 percentage points``."""
    return _with_noun(value, decimals, "percentage point", "percentage points")


def format_money(value: float, decimals: int | None = None) -> str:
    """Pounds: ``30000`` -> ``£30,000``; ``5700000`` -> ``£5.7m``; ``2.5e9`` -> ``£2.5bn``.

    ``decimals`` applies to amounts under £1m (default: none for whole pounds, else
    pence); millions and billions show at most one decimal, as the update does."""
    sign = MINUS if value < 0 else ""
    amount = abs(value)
    for size, suffix in ((BILLION, "bn"), (MILLION, "m")):
        if amount >= size:
            scaled = amount / size
            return f"{sign}£{format_number(scaled, min(auto_decimals(scaled), 1))}{suffix}"
    if decimals is None:
        decimals = 0 if auto_decimals(amount) == 0 else 2
    return f"{sign}£{format_number(amount, decimals)}"


def _with_noun(value: float, decimals: int | None, singular: str, plural: str) -> str:
    text = format_number(value, decimals)
    return f"{text} {singular if text == '1' else plural}"


def format_value(value: float, unit: str, decimals: int | None = None) -> str:
    """A value in its unit: count/people ``515``, hours ``48,810 hours``, minutes
    ``11 minutes``, percent ``84.7%``, gbp ``£5.7m``. ``decimals=None``: as stored."""
    if unit in (Unit.COUNT, Unit.PEOPLE):
        return format_number(value, decimals)
    if unit == Unit.HOURS:
        return _with_noun(value, decimals, "hour", "hours")
    if unit == Unit.MINUTES:
        return _with_noun(value, decimals, "minute", "minutes")
    if unit == Unit.PERCENT:
        return format_percent(value, decimals)
    if unit == Unit.GBP:
        return format_money(value, decimals)
    raise ValueError(f"unknown unit {unit!r}")


def month_year(day: date) -> str:
    """``2019-09-30`` -> ``September 2019``."""
    return day.strftime("%B %Y")


def long_date(day: date) -> str:
    """``2019-10-05`` -> ``5 October 2019``."""
    return f"{day.day} {day.strftime('%B %Y')}"
