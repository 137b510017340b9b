"""Month and quarter arithmetic: financial-year quarters and whole months between dates.

Quarter ids look like ``2019-20-Q2``, shown as ``2019/20 Q2``. Financial years run April
to March: Q1 = Apr-Jun, Q2 = Jul-Sep, Q3 = Oct-Dec, Q4 = Jan-Mar of the second calendar year.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

from crimeplan.errors import InputError

QUARTER_ID = re.compile(r"^(?P<start>\d{4})-(?P<end>\d{2})-Q(?P<q>[1-4])$")


@dataclass(frozen=True, order=True)
class Quarter:
    """One quarter of a financial year that starts in April of ``fy_start``."""

    fy_start: int
    number: int

    @classmethod
    def parse(cls, quarter_id: str) -> Quarter:
        """Parse ``2019-20-Q2``; a malformed id raises :class:`InputError`."""
        match = QUARTER_ID.match(str(quarter_id).strip())
        if not match:
            raise InputError(
                f"quarter id {quarter_id!r} is malformed: expected YYYY-YY-QN, e.g. 2019-20-Q2"
            )
        start, end = int(match["start"]), int(match["end"])
        if (start + 1) % 100 != end:
            raise InputError(
                f"quarter id {quarter_id!r} is impossible: financial year {start} must end in "
                f"{(start + 1) % 100:02d}"
            )
        return cls(start, int(match["q"]))

    @property
    def id(self) -> str:
        return f"{self.fy_start}-{(self.fy_start + 1) % 100:02d}-Q{self.number}"

    @property
    def label(self) -> str:
        """Human label, e.g. ``2019/20 Q2``."""
        return f"{self.fy_start}/{(self.fy_start + 1) % 100:02d} Q{self.number}"

    @property
    def financial_year(self) -> str:
        return f"{self.fy_start}/{(self.fy_start + 1) % 100:02d}"

    @property
    def start(self) -> date:
        year, month = self._first_month()
        return date(year, month, 1)

    @property
    def end(self) -> date:
        year, month = self._first_month()
        month += 2
        return date(year, month, calendar.monthrange(year, month)[1])

    def shifted(self, quarters: int) -> Quarter:
        """The quarter ``quarters`` later (negative: earlier)."""
        index = self.fy_start * 4 + (self.number - 1) + quarters
        return Quarter(index // 4, index % 4 + 1)

    @property
    def previous(self) -> Quarter:
        return self.shifted(-1)

    @property
    def same_quarter_last_year(self) -> Quarter:
        return self.shifted(-4)

    def _first_month(self) -> tuple[int, int]:
        if self.number == 4:
            return self.fy_start + 1, 1
        return self.fy_start, 4 + 3 * (self.number - 1)

    def __str__(self) -> str:
        return self.id


def quarter_of(day: date) -> Quarter:
    """The financial quarter containing ``day``."""
    fy_start = day.year if day.month >= 4 else day.year - 1
    number = ((day.month - 4) % 12) // 3 + 1
    return Quarter(fy_start, number)


def is_month_end(day: date) -> bool:
    return day.day == calendar.monthrange(day.year, day.month)[1]


def months_between(start: date, end: date) -> int:
    """Calendar months from ``start``'s month to ``end``'s (January to March: 2)."""
    return (end.year - start.year) * 12 + end.month - start.month


def whole_months(start: date, end: date) -> int | None:
    """The calendar months a period from a month's first day to a month's last day covers
    (1 July to 30 September: 3); ``None`` for any other period."""
    if start.day != 1 or not is_month_end(end):
        return None
    return months_between(start, end) + 1


def shift_months(day: date, months: int) -> date:
    """Move a date by whole months; a month end stays a month end (Feb 29 -> Feb 28)."""
    year, month0 = divmod(day.year * 12 + day.month - 1 + months, 12)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, last_day if is_month_end(day) else min(day.day, last_day))
