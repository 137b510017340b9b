"""How a figure came about, shown wherever it appears.

A figure whose ``status`` (measures column) is not ``published`` carries a short marker in
square brackets after it, as the Government Statistical Service's shorthand does (``[e]``
estimated, ``[p]`` provisional; ``[d]`` here for derived), so that a screen reader reads
it as written; every table, list or chart that shows one also gives the legend. A period
the source did not give is said to be assumed, and a figure the source gave only as a bound
or roughly keeps the source's words before it ("more than 200").
"""

from __future__ import annotations

from collections.abc import Iterable

from crimeplan.inputs.schemas import PUBLISHED

MARKERS = {"derived": "[d]", "estimated": "[e]", "provisional": "[p]"}
MEANINGS = {
    "derived": "a derived figure, worked out from other published figures (such as a published change), not "
    "published itself",
    "estimated": "an estimated figure, not a count",
    "provisional": "a provisional figure, which may be revised",
}
PERIOD_ASSUMED = "period assumed"


def marker(status: str) -> str:
    """The marker of a figure of this status ("" for a published figure)."""
    return "" if status == PUBLISHED else MARKERS[status]


def qualified(figure: str, qualifier: str) -> str:
    """A formatted figure with the words the source put before it: ``200`` with ``more than``
    -> ``more than 200`` (``figure`` unchanged for an exact figure, ``qualifier`` empty)."""
    return f"{qualifier} {figure}" if qualifier else figure


def marked(text: str, status: str) -> str:
    """``text`` followed by the marker of a figure that is not published as such."""
    return f"{text} {marker(status)}" if marker(status) else text


def marked_period(text: str, assumed: bool) -> str:
    """A period's description, saying so when the source gave none and it is assumed."""
    return f"{text} ({PERIOD_ASSUMED})" if assumed else text


def legend(statuses: Iterable[str]) -> str:
    """What the markers among ``statuses`` mean, as a sentence for under a table, list or
    chart ("" when every figure is published)."""
    present = set(statuses)
    shown = [f"{MARKERS[s]} marks {MEANINGS[s]}" for s in MARKERS if s in present]
    if not shown:
        return ""
    return "; ".join(shown) + ". A marked figure is not tested for chance variation."


def statuses_in(text: str) -> set[str]:
    """The statuses whose marker ``text`` shows (for the legend under generated sentences)."""
    return {status for status, mark in MARKERS.items() if mark in text}
