"""The words of a change, in one place: rose or fell, up or down from, more or fewer,
higher or lower, the verb of a figure without a comparison, and the sign in front of a signed figure."""

from __future__ import annotations

from crimeplan.formatting import MINUS, format_percent, round_half_up
from crimeplan.inputs.measures import Kind
from crimeplan.stats.compare import direction_of
from crimeplan.stats.judgement import Direction


def signed(value: float, text: str) -> str:
    """``text`` (a size already formatted) with the sign of ``value``: ``+5``, ``−5``, ``0``."""
    return ("+" if value > 0 else MINUS if value < 0 else "") + text


def percent_of(difference: float, previous: float) -> str:
    """A change's size as a percentage of the earlier figure: whole when that rounds to 1% or
    more (``5%``), else one decimal (``0.4%``, not ``0%``)."""
    percent = abs(difference) / previous * 100
    return format_percent(percent, 0 if round_half_up(percent) >= 1 else 1)


def direction_between(current: float, previous: float) -> Direction:
    return direction_of(current - previous)


def rose_to(direction: Direction) -> str:
    """ "rose to", "fell to" or "was unchanged at"."""
    return {Direction.UP: "rose to", Direction.DOWN: "fell to", Direction.NO_CHANGE: "was unchanged at"}[direction]


def rose(direction: Direction) -> str:
    """ "rose" or "fell" (a change there was)."""
    return "rose" if direction == Direction.UP else "fell"


def up_from(direction: Direction) -> str:
    """ "up from", "down from" or "the same as"."""
    return {Direction.UP: "up from", Direction.DOWN: "down from", Direction.NO_CHANGE: "the same as"}[direction]


def up_or_down(direction: Direction) -> str:
    """ "up", "down" or "unchanged"."""
    return "unchanged" if direction == Direction.NO_CHANGE else str(direction)


def higher(direction: Direction) -> str:
    """ "higher" or "lower"."""
    return "higher" if direction == Direction.UP else "lower"


def more(direction: Direction, countable: bool = True) -> str:
    """ "more" or "fewer" ("less" for an amount such as money)."""
    return "more" if direction == Direction.UP else "fewer" if countable else "less"


def counted(number: int, noun: str) -> str:
    """ "1 figure", "3 figures": a number and a regular noun."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def listed(parts: list[str]) -> str:
    """``a``, ``a and b``, ``a, b and c``."""
    return parts[0] if len(parts) == 1 else f"{', '.join(parts[:-1])} and {parts[-1]}"


def stood_at(kind: Kind) -> str:
    """ "stood at" for a level on a day, "totalled" for a total over a period, "was" for a rate."""
    return {"snapshot": "stood at", "total": "totalled", "rate": "was"}[kind]
