"""The summary read as a statistical bulletin (issue 17): main points a reader takes in at
once, and a scorecard on one page."""

from __future__ import annotations

import re
import subprocess
from datetime import date

import pandas as pd
import pytest

from crimeplan.findings import main_points as points
from crimeplan.findings.main_points import Finding
from crimeplan.inputs.measures import read_catalogue
from crimeplan.periods import Quarter
from crimeplan.sections.summary import Summary
from crimeplan.text import narrative
from pdf_text import html_text, normalised, parsed_pdf, pdf_body_text
from test_compare import definition

QUARTER = Quarter.parse("2019-20-Q2")


# --- choosing and ordering the main points ----------------------------------------------------


def test_select_takes_one_of_each_kind_before_a_second_of_any():
    findings = [Finding(points.CHANGE, size, f"change {size}") for size in (5, 30, 10)]
    findings += [
        Finding(points.TREND, 1, "trend"),
        Finding(points.STEADY, 2, "steady"),
        Finding(points.TARGET, 1, "target off track"),
        Finding(points.TARGET, 0, "target on track"),
    ]
    chosen = [f.text for f in points.select(findings)]
    assert chosen == ["change 30", "change 10", "target off track", "trend", "steady"]


def test_select_keeps_the_order_of_kinds_largest_first_and_the_limit():
    findings = [
        Finding(points.UNASSESSED, 1, "unassessed"),
        Finding(points.UNTESTED, 3, "small untested"),
        Finding(points.UNTESTED, 9, "large untested"),
        Finding(points.ATTENTION, 1, "attention"),
    ]
    assert [f.text for f in points.select(findings, limit=3)] == ["attention", "large untested", "unassessed"]
    assert points.select([]) == []


def _headcount_rows(values: dict[str, float], measure: str = "ho") -> pd.DataFrame:
    return pd.DataFrame(
        {
            "measure": measure,
            "area": "Essex",
            "period_start": [date.fromisoformat(d) for d in values],
            "period_end": [date.fromisoformat(d) for d in values],
            "value": list(values.values()),
        }
    )


RISING_THEN_FLAT = {
    "2016-09-30": 358,
    "2017-03-31": 368,
    "2017-09-30": 390,
    "2018-03-31": 427,
    "2018-09-30": 476,
    "2019-03-31": 517,
    "2019-09-30": 519,
}


def _catalogue(**entries):
    return {measure: definition(targets=[], **fields) for measure, fields in entries.items()}


def test_a_headcount_that_stops_rising_is_a_trend_that_changed_with_who_joined_and_left():
    catalogue = _catalogue(
        ho={"label": "Special Constable headcount (Home Office)"},
        joiners={"label": "Joiners", "kind": "total", "joins": ["ho"]},
        leavers={"label": "Leavers", "kind": "total", "better": "lower", "leaves": ["ho"]},
    )
    flows = pd.DataFrame(
        {
            "measure": ["joiners", "leavers"],
            "area": "Essex",
            "period_start": date(2019, 4, 1),
            "period_end": date(2019, 9, 30),
            "value": [93.0, 88.0],
        }
    )
    measures = pd.concat([_headcount_rows(RISING_THEN_FLAT), flows], ignore_index=True)
    turns = points.turns(measures, catalogue, "Essex", QUARTER, {1})
    assert [t.measure for t in turns] == ["ho"] and turns[0].held
    assert [f.text for f in points.trend_findings(turns, measures, catalogue, "Essex")] == [
        "Special Constable headcount (Home Office) was almost unchanged at 519 in September 2019, against 517 in "
        "March 2019, after rising at each count from 358 in September 2016; 93 joined and 88 left in the six months "
        "to September 2019."
    ]


@pytest.mark.parametrize("latest, found", [(540, False), (500, True), (519, True)])
def test_a_trend_changes_only_when_the_latest_count_holds_still_or_turns(latest, found):
    catalogue = _catalogue(ho={})
    rows = _headcount_rows(RISING_THEN_FLAT | {"2019-09-30": latest})
    assert bool(points.turns(rows, catalogue, "Essex", QUARTER, {1})) == found


def test_no_trend_from_a_short_run_an_old_count_or_another_priority():
    catalogue = _catalogue(ho={})
    short = dict(list(RISING_THEN_FLAT.items())[-4:])  # two rises, then flat
    assert points.turns(_headcount_rows(short), catalogue, "Essex", QUARTER, {1}) == []
    assert points.turns(_headcount_rows(RISING_THEN_FLAT), catalogue, "Essex", QUARTER.previous, {1}) == []
    assert points.turns(_headcount_rows(RISING_THEN_FLAT), catalogue, "Essex", QUARTER, {2}) == []
    assert points.turns(_headcount_rows(RISING_THEN_FLAT), catalogue, "Kent", QUARTER, {1}) == []


# --- the catalogue's short labels and headcount links -------------------------------------------


def _read(tmp_path, entry: str):
    (tmp_path / "catalogue.yml").write_text(
        "measures:\n  heads:\n    label: Headcount\n    priority: 1\n    commitment: c\n    unit: people\n"
        "    kind: snapshot\n    better: higher\n    source: s\n    definition: d\n" + entry,
        encoding="utf-8",
    )
    return read_catalogue(tmp_path)


def test_short_label_falls_back_to_the_label_and_is_kept_short(tmp_path):
    catalogue, _, problems = _read(tmp_path, "")
    assert not problems and catalogue["heads"].short == "Headcount"
    catalogue, _, problems = _read(tmp_path, "    short_label: Heads\n")
    assert not problems and catalogue["heads"].short == "Heads"
    _, _, problems = _read(tmp_path, "    short_label: " + "x" * 41 + "\n")
    assert [p.column for p in problems] == ["short_label"]


def test_joins_must_name_a_headcount_in_the_catalogue(tmp_path):
    joiners = (
        "  joiners:\n    label: Joiners\n    priority: 1\n    commitment: c\n    unit: people\n    kind: total\n"
        "    better: higher\n    source: s\n    definition: d\n    joins: [{}]\n"
    )
    _, _, problems = _read(tmp_path, joiners.format("heads"))
    assert not problems
    _, _, problems = _read(tmp_path, joiners.format("joiners"))
    assert [(p.column, p.rule) for p in problems] == [("joins", "known_headcount")]


def test_the_shipped_catalogue_gives_every_headline_measure_a_short_label():
    from conftest import REPO

    catalogue, _, problems = read_catalogue(REPO / "data")
    assert not [p for p in problems if p.severity == "error"]
    assert all(entry.short_label for entry in catalogue.values() if entry.headline)


# --- the rendered summary ---------------------------------------------------------------------

TALLY = re.compile(r"\bOf the \d+ figures|\b\d+ (?:were|was) (?:not )?tested|changed by more than chance", re.I)
SCORECARD_HEADING = "Scorecard of the plan's priorities"


def squashed(text: str) -> str:
    """Text without spaces and hyphens: a cell's words wrap across lines in the PDF."""
    return re.sub(r"[\s\-\u2010]", "", text).replace("\u2019", "'")


@pytest.fixture(scope="module")
def rendered_summary(rendered_default) -> Summary:
    return Summary.load("2019-20-Q2", rendered_default.root)


@pytest.mark.e2e
def test_the_scorecard_fits_one_a4_page(rendered_default, rendered_summary):
    pages = [
        normalised(page)
        for page in subprocess.run(
            ["pdftotext", str(rendered_default.pdf), "-"], capture_output=True, text=True, check=True
        ).stdout.split("\f")
    ]
    on = [i for i, page in enumerate(pages) if SCORECARD_HEADING in page]
    assert len(on) == 1, "the scorecard's heading is on one page"
    page = squashed(pages[on[0]])
    table = rendered_summary.scorecard.table()
    first, last = table.iloc[1], table.iloc[-1]  # the first figure's row (under its priority) and the last row
    for row in (first, last):
        assert squashed(row["Measure"]) in page and squashed(row["Target"]) in page, row["Measure"]
    assert squashed(narrative.MARKS_LEGEND) in page  # the marks' legend with the table
    with parsed_pdf(rendered_default.pdf) as pdf:
        assert pdf.pages[on[0]].height == pytest.approx(841.9, abs=1)  # A4


@pytest.mark.e2e
@pytest.mark.parametrize("document", ["pdf", "html"])
def test_main_points_carry_figures_and_none_is_a_tally(rendered_default, rendered_summary, document):
    text = pdf_body_text(rendered_default.pdf) if document == "pdf" else html_text(rendered_default.html)
    text = text[text.rindex("Main points") : text.rindex(SCORECARD_HEADING)]
    main_points = rendered_summary.main_points()
    assert 3 <= len(main_points) <= 5
    for point in main_points:
        assert squashed(point) in squashed(text), point
        assert re.search(r"\d", point), f"a main point without a figure: {point}"
        assert not TALLY.search(point), point
    assert not TALLY.search(text)
    assert "significant rise" not in text and "significant fall" not in text  # the judgements' own words


@pytest.mark.e2e
def test_the_html_scorecard_names_each_priority_once_over_its_rows(rendered_default, rendered_summary):
    html = rendered_default.html.read_text(encoding="utf-8")
    table = html[html.index("Scorecard, 2019/20 Q2") :]
    table = table[: table.index("</table>")]
    groups = re.findall(r'<th colspan="5"[^>]*scope="rowgroup"><strong>(.*?)</strong></th>', table, re.S)
    names = [re.sub(r"\s+", " ", g) for g in groups]
    assert names == [
        f"Priority {p.number}: {p.title}" for p in rendered_summary.edition.plan.priorities if p.number != 3
    ]
    assert "not available" not in table
