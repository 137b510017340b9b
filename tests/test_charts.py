"""Charts that add what the tables cannot (issue 8, item 3): findings stated from the data
as titles, targets and control limits drawn, legible text, marks with enough contrast."""

from __future__ import annotations

import csv
import errno
import re
from datetime import date
from pathlib import Path

import altair as alt
import pandas as pd
import pytest
import vl_convert

from conftest import REPO, copy_project
from crimeplan.sections import charts, vega
from crimeplan.sections.charts import Chart, contrast_ratio
from crimeplan.sections.priority import PriorityReport
from crimeplan.stats.judgement import spc

QUARTER = "2019-20-Q2"
MEASURE_COLUMNS = ["measure", "area", "period_start", "period_end", "value", "source", "note"]


def report(root, notebook: str) -> PriorityReport:
    return PriorityReport.load(notebook, QUARTER, root)


def every_chart(priority: PriorityReport) -> list[Chart]:
    return priority.charts() + [item for item in priority.public_data() if isinstance(item, Chart)]


@pytest.fixture(scope="module")
def shipped() -> list[Chart]:
    """Every chart of the shipped 2019/20 Q2 update and of the quarters with more public data."""
    made = []
    for quarter in (QUARTER, "2018-19-Q1", "2017-18-Q1"):
        first = PriorityReport.load("p1_local_policing", quarter, REPO)
        for priority in PriorityReport.all(first.edition):
            made += every_chart(priority)
    return made


def synthetic_trend(points: int, target: tuple | None = None) -> Chart:
    values = [float(100 + (n % 4) * 3 + (n == points - 1) * 40) for n in range(points)]
    series = pd.DataFrame({"date": pd.date_range("2016-04-01", periods=points, freq="QS-APR"), "value": values,
                           "source": "Essex Police", "when": [f"quarter {n}" for n in range(points)]})
    control = spc(values, "lower") if points >= 15 else None
    return charts.trend_chart(series, "Crimes rose", "Line chart.", "Crimes", period="quarter", spc=control,
                              target=target, caption="Source: test.")


def walk(node):
    """Every (key, value) pair in a nested spec."""
    if isinstance(node, dict):
        for key, value in node.items():
            yield key, value
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def inline_rows(chart: Chart) -> list[dict]:
    """The data rows of the chart the HTML draws."""
    return walk_rows(chart.spec)


def walk_rows(spec: dict) -> list[dict]:
    """The data rows of a Vega-Lite spec (named datasets and inline values)."""
    rows = [row for rows in spec.get("datasets", {}).values() for row in rows]
    rows += [row for key, value in walk(spec) if key == "values" and isinstance(value, list)
             for row in value if isinstance(row, dict)]
    return rows


# --- what the charts say -----------------------------------------------------------------------


def test_the_change_chart_states_the_specials_finding_from_the_data():
    (change, trend, per_officer, _) = every_chart(report(REPO, "p1_local_policing"))  # then the open data since 2007
    assert change.title == "Special Constable headcount rose to 515 in September 2019; the target is 600 by March 2020"
    assert "Special Constable headcount: 515 in September 2019, up from 464 a year earlier (+11%); " \
           "target 600 by March 2020." in change.alt_text
    assert trend.title == ("Special Constables rose to 515 in September 2019, from 464 in September 2018; "
                           "the target is 600 by March 2020")
    assert "519 on 30 September 2019" in trend.alt_text and "The target is 600 by 31 March 2020" in trend.alt_text
    assert per_officer.title.startswith("On 30 September 2019 Essex had 16.3 Special Constables per 100")


def test_changing_the_data_changes_titles_and_alt_text(tmp_path):
    root = copy_project(tmp_path / "project")
    path = root / "data" / "measures" / "essex_pcp.csv"
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    for row in rows:
        if row["measure"] == "specials_headcount" and row["area"] == "Essex" and row["period_end"] == "2019-09-30":
            row["value"] = "431"
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    change, trend, *_ = every_chart(report(root, "p1_local_policing"))
    assert change.title == "Special Constable headcount fell to 431 in September 2019; the target is 600 by March 2020"
    assert "431 in September 2019, down from 464 a year earlier (\u221207%)" not in change.alt_text
    assert "431 in September 2019, down from 464 a year earlier (\u22127%)" in change.alt_text
    assert trend.title.startswith("Special Constables fell to 431 in September 2019, from 464")
    assert "431 on 30 September 2019" in trend.alt_text


def test_captions_and_subtitles_do_not_repeat_the_title(shipped):
    for chart in shipped:
        assert chart.caption and chart.caption != chart.title
        assert chart.subtitle != chart.title
        assert re.search(r"\d", chart.title), f"the title states a figure: {chart.title}"
    with pytest.raises(ValueError, match="caption must not repeat"):
        Chart(shipped[0].chart, "A title", "Alt text.", caption="A title")


# --- targets and control limits --------------------------------------------------------------


def test_targets_are_drawn_in_the_change_chart_and_the_trend():
    change, trend, *_ = every_chart(report(REPO, "p1_local_policing"))
    targets = [row for row in inline_rows(change) if row.get("role") == "Target"]
    assert {row["item"] for row in targets} == {"Special Constable headcount", "Community Special Constables on patrol"}
    specials = next(row for row in targets if row["item"] == "Special Constable headcount")
    assert specials["x"] == pytest.approx(1.0)  # 600 is the right end of its row's scale
    this_period = next(row for row in inline_rows(change)
                       if row.get("role") == "This period" and row["item"] == "Special Constable headcount")
    assert this_period["x"] == pytest.approx(515 / 600)
    drawn = [row for row in inline_rows(trend) if row.get("text") == "Target 600 by March 2020"]
    assert drawn and drawn[0]["value"] == 600 and drawn[0]["date"] == "2020-03-31"
    assert any(row == {"value": 600} for row in inline_rows(trend)), "a target line across the chart"
    (roads,) = report(REPO, "p7_road_safety").charts()
    # 130 checks on the counts' scale, to 600 (414 drug-driving arrests the largest count)
    assert [row["x"] for row in inline_rows(roads) if row.get("role") == "Target"] == [pytest.approx(130 / 600)]


def test_the_change_chart_puts_measures_of_one_unit_on_one_scale_with_an_axis():
    change, *_ = every_chart(report(REPO, "p1_local_policing"))
    now = {row["item"]: row["x"] for row in inline_rows(change) if row.get("role") == "This period"}
    assert now["Hours worked by Special Constables"] == pytest.approx(48_810 / 60_000)
    assert now["Hours given by Community Special Constables"] == pytest.approx(382 / 60_000)
    assert now["Community Special Constables on patrol"] == pytest.approx(9 / 600)
    assert now["Grade of service for '101' calls in the Force Control Room"] == pytest.approx(84.7 / 100)
    for tick in ("0", "200", "600", "20,000", "60,000 hours", "75%", "100%", "20 minutes"):
        assert f">{tick}</text>" in change.svg, tick
    assert "measures in the same unit share one scale from zero" in change.alt_text


def test_the_pdf_draws_a_change_chart_s_rows_in_fewer_lines_than_a_phone():
    """The static SVG is 680 px wide: a row's label is one line there (on a phone, up to three),
    and its figures end that line when the two fit on it, or the next line when they do not."""
    change, *_ = every_chart(report(REPO, "p1_local_policing"))
    phone = {row["label"]: row for row in inline_rows(change) if "label" in row}
    pdf = {row["label"]: row for row in walk_rows(change.static_spec) if "label" in row}
    assert "Operational hours worked by Special\nConstables" in phone
    assert "Operational hours worked by Special Constables" in pdf
    assert all("\n" not in label and row["figures_top"] == row["top"] for label, row in pdf.items())
    assert change.static_spec["height"] < change.spec["height"]
    long_label = "Arrests made on deployments aimed at criminals using the roads of the county"
    rows = pd.DataFrame({"label": ["Arrests", long_label], "figures": ["331 → 366 (+11%)", "200 → 180 (−10%) · target 150"],
                         "current": [366, 180], "previous": [331, 200], "target": [None, 150], "unit": "count"})
    short = charts.change_chart(rows, "Arrests rose to 366", "Dot plot.", caption="Source: test.")
    drawn = {row["label"]: row for row in walk_rows(short.static_spec) if "label" in row}
    assert drawn["Arrests"]["figures_top"] == drawn["Arrests"]["top"]  # beside its label
    assert drawn[long_label]["figures_top"] > drawn[long_label]["top"]  # on the line under it
    assert "Arrests" in short.svg and "331 → 366 (+11%)" in short.svg
    assert all(row["figures_top"] > row["top"] for row in inline_rows(short) if "label" in row)  # on a phone, under


@pytest.mark.parametrize(("largest", "ticks"), [
    (600, [0, 200, 400, 600]), (414, [0, 200, 400, 600]), (48_810, [0, 20_000, 40_000, 60_000]),
    (84.7, [0, 25, 50, 75, 100]), (18, [0, 5, 10, 15, 20]), (0.3, [0, 0.1, 0.2, 0.3]), (0, [0, 1]),
])
def test_axis_ticks_are_round_and_reach_the_largest_value(largest, ticks):
    assert charts.axis_ticks(largest) == pytest.approx(ticks)


def test_the_latest_value_is_labelled_inside_the_plot_clear_of_the_limits_labels():
    """The limits are labelled beyond the plot's right edge, where the latest point is: its
    label ends at the point (it overlapped "Upper limit 1,213" when centred)."""
    chart = synthetic_trend(16)
    labels = [layer["mark"] for layer in chart.spec["layer"]
              if isinstance(layer["mark"], dict) and layer["mark"].get("fontWeight") == "bold"
              and layer["encoding"].get("text", {}).get("field") == "value"]
    assert len(labels) == 1 and labels[0]["align"] == "right" and labels[0]["dx"] > 0
    assert 'text-anchor="end"' in chart.svg


def test_control_limits_are_drawn_from_fifteen_points():
    values = [float(100 + (n % 4) * 3 + (n == 15) * 40) for n in range(16)]
    result = spc(values, "lower")
    chart = synthetic_trend(16)
    lines = {row["line"]: row["value"] for row in inline_rows(chart) if "line" in row}
    assert lines == {"Mean": pytest.approx(result.mean), "Upper limit": pytest.approx(result.upper),
                     "Lower limit": pytest.approx(result.lower)}
    special = [row for row in inline_rows(chart) if row.get("verdict") == "Special cause concern"]
    assert [row["value"] for row in special] == [values[-1]]
    assert not any("line" in row for row in inline_rows(synthetic_trend(14)))


PHONE_PLOT_WIDTH = 300  # a trend's plot in the HTML on a 390 px screen


def drawn_labels(chart: Chart, width: int | None = None) -> list[str]:
    """The date labels a static chart shows, as in the PDF or with its plot ``width`` px wide
    (Vega hides a label that overlaps the one before it, with opacity 0)."""
    svg = chart.svg
    if width is not None:
        svg = vl_convert.vegalite_to_svg({**chart.spec, "width": width, "autosize": {"type": "pad"}})
    return [text for attributes, text in re.findall(r"<text([^>]*)>([^<]+)</text>", svg)
            if 'opacity="0"' not in attributes and re.fullmatch(r"(\w{3}\u2013)?\w{3} \d{4}", text)]


def date_axis(chart: Chart) -> dict | None:
    """The axis of a trend's dates (the one that marks chosen dates), or None for another chart."""
    return next((value["axis"] for key, value in walk(chart.spec)
                 if key == "x" and isinstance(value, dict) and "values" in (value.get("axis") or {})), None)


def period_label(day: pd.Timestamp, by_quarter: bool) -> str:
    return f"{day:%b}\u2013{day + pd.DateOffset(months=2):%b %Y}" if by_quarter else f"{day:%b %Y}"


LONG_SERIES = {  # the shapes of the public series: first period, periods, frequency, label period
    "recorded crime by quarter": ("2006-04-01", 51, "QS-JAN", "quarter"),
    "STATS19 by month": ("2019-01-01", 66, "MS", "month"),
    "borough crime by month": ("2010-04-01", 166, "MS", "month"),
    "workforce on 31 March": ("2007-03-31", 13, "YS-MAR", "date"),
    "one year by month": ("2018-01-01", 12, "MS", "month"),
}


@pytest.mark.parametrize("shape", LONG_SERIES)
def test_a_long_series_is_marked_at_the_same_point_of_each_year_with_its_first_and_latest_periods(shape):
    first, count, frequency, period = LONG_SERIES[shape]
    dates = pd.date_range(first, periods=count, freq=frequency)
    series = pd.DataFrame({"date": dates, "value": [100.0 + n % 5 for n in range(count)], "source": "Essex Police",
                           "when": [str(day) for day in dates]})
    chart = charts.trend_chart(series, "Crimes", "Line chart.", "Crimes", period=period)
    in_pdf, on_phone = drawn_labels(chart), drawn_labels(chart, PHONE_PLOT_WIDTH)
    first_label, latest = (period_label(dates[i], period == "quarter") for i in (0, -1))
    assert in_pdf[0] == first_label and latest in in_pdf and latest in on_phone
    assert 3 <= len(on_phone) < len(in_pdf) <= 12
    if (dates.month == dates[-1].month).sum() >= 3:  # three years or more: the same month each year
        assert {label[:3] for label in in_pdf[1:] + on_phone[1:]} == {latest[:3]}


def test_every_trend_labels_its_latest_period_in_the_pdf_and_on_a_phone(shipped):
    trends = 0
    for chart in shipped:
        axis = date_axis(chart)
        if axis is None:
            continue
        trends += 1
        latest = max(pd.Timestamp(row["date"]) for row in inline_rows(chart) if "date" in row and "source" in row)
        label = period_label(latest, "utcOffset" in axis["labelExpr"])
        assert label in drawn_labels(chart) and label in drawn_labels(chart, PHONE_PLOT_WIDTH), chart.title
    assert trends >= 10


def test_date_axes_show_the_real_periods():
    chart = synthetic_trend(16, target=(90, date(2020, 3, 31), "Target 90 by March 2020"))
    axis = date_axis(chart)
    assert "utcFormat(datum.value, '%b')" in axis["labelExpr"]  # "Apr–Jun 2016", not a timestamp
    assert str(pd.Timestamp("2020-03-31").value // 1_000_000) in axis["values"]["expr"]  # the target's date
    assert "Apr\u2013Jun 2016" in chart.svg and "Mar 2020" in chart.svg


def test_measures_with_six_or_more_periods_get_a_trend_and_two_periods_only_the_change_chart(tmp_path):
    root = copy_project(tmp_path / "project")
    extra = []
    for offset in (n for n in range(1, 16) if n != 4):  # 14 earlier quarters of drug-drive arrests: 16 in all
        start = pd.Timestamp("2019-07-01") - pd.DateOffset(months=3 * offset)
        end = start + pd.DateOffset(months=3) - pd.DateOffset(days=1)
        extra.append({"measure": "drug_drive_arrests", "area": "Essex", "period_start": f"{start:%Y-%m-%d}",
                      "period_end": f"{end:%Y-%m-%d}", "value": str(200 + offset % 5), "source": "test",
                      "note": ""})
    for offset in (1, 2, 3, 5):  # four more quarters of road deaths: 6 in all, too few for limits
        start = pd.Timestamp("2019-07-01") - pd.DateOffset(months=3 * offset)
        end = start + pd.DateOffset(months=3) - pd.DateOffset(days=1)
        extra.append({"measure": "road_deaths", "area": "Essex", "period_start": f"{start:%Y-%m-%d}",
                      "period_end": f"{end:%Y-%m-%d}", "value": "12", "source": "test", "note": ""})
    path = root / "data" / "measures" / "extra.csv"
    pd.DataFrame(extra, columns=MEASURE_COLUMNS).to_csv(path, index=False)
    roads = report(root, "p7_road_safety")
    change, first, second = roads.charts()
    assert {first.title.split(" ")[0], second.title.split(" ")[0]} == {"People", "Arrests"}
    deaths = first if first.title.startswith("People killed") else second
    drugs = second if deaths is first else first
    assert deaths.title.startswith("People killed on the roads fell to 8 in July to September 2019, from 12")
    assert not any("line" in row for row in inline_rows(deaths))
    # a count is judged against the dispersion of its history, not on a control chart: no limits drawn
    assert not any("line" in row for row in inline_rows(drugs)) and "special cause" not in drugs.title
    judged = next(c for c in roads.comparisons if c.measure == "drug_drive_arrests").previous_year.judgement
    assert judged.dispersion.points == 15  # 14 added quarters and July to September 2018
    rows = {row["item"] for row in inline_rows(change) if "item" in row}
    assert "People killed on the roads" not in rows and "Arrests of drug drivers" not in rows
    assert "People killed or seriously injured on the roads" in rows  # two periods: in the change chart only
    assert len(roads.charts()) == 3


def test_a_priority_with_one_comparison_gets_no_chart():
    assert report(REPO, "p2_antisocial_behaviour").charts() == []  # its one row is the table's


# --- legibility and contrast -------------------------------------------------------------------


def test_no_label_is_cut_short(shipped):
    for chart in shipped:
        limits = [value for key, value in walk(chart.spec) if key.lower().endswith("limit")]
        assert limits and all(value == 0 for value in limits), chart.title
        assert "\u2026" not in chart.svg, chart.title


def test_text_is_at_least_12_px_and_8_pt_in_the_pdf(shipped):
    for chart in shipped:
        sizes = [value for key, value in walk(chart.spec) if key.lower().endswith("fontsize")]
        assert sizes and min(sizes) >= 12, chart.title
        drawn = [float(size) for size in re.findall(r'font-size="([\d.]+)px"', chart.svg)]
        assert drawn and min(drawn) >= 12, chart.title
        width = float(re.search(r'<svg[^>]* width="([\d.]+)"', chart.svg)[1])
        assert width <= charts.MAX_SVG_WIDTH, chart.title
        assert min(drawn) * vega.PDF_COLUMN_POINTS / width >= charts.MIN_PDF_POINTS
        height = float(re.search(r'<svg[^>]* height="([\d.]+)"', chart.svg)[1])
        assert height * vega.PDF_COLUMN_POINTS / width <= vega.PDF_PAGE_POINTS, f"fits on a page: {chart.title}"


def test_contrast_ratio_follows_wcag():
    assert contrast_ratio("#000000") == pytest.approx(21)
    assert contrast_ratio("#ffffff") == pytest.approx(1)
    assert contrast_ratio("#767676") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#9ecae1") < 3  # the old light blue


def test_every_mark_colour_has_3_to_1_contrast_against_white(shipped):
    assert all(contrast_ratio(colour) >= 3 for colour in charts.MARK_COLOURS)
    for chart in shipped:
        spec = {key: value for key, value in chart.spec.items() if key != "config"}
        colours = set(re.findall(r"#[0-9a-fA-F]{6}", str(spec))) - {charts.BACKGROUND}
        assert colours, chart.title
        low = {colour: round(contrast_ratio(colour), 2) for colour in colours if contrast_ratio(colour) < 3}
        assert not low, (chart.title, low)


def test_every_chart_is_valid_vega_lite(shipped):
    """The update draws specs unchecked (Chart.spec): each is checked against the schema here."""
    import jsonschema
    from altair.vegalite.v6.schema import load_schema

    schema = load_schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    for chart in [*shipped, synthetic_trend(20, target=(90, date(2020, 3, 31), "Target 90 by March 2020"))]:
        validator.validate(chart.spec)
        validator.validate(chart.static_spec)  # a fixed width, the title wrapped wider, rows laid out for the PDF
    broken = charts.Chart(alt.Chart(pd.DataFrame({"a": [1]})).mark_point().encode(x="a:Q"), "A title", "Alt text.")
    broken.spec["encoding"]["x"]["type"] = "quantity"
    with pytest.raises(jsonschema.ValidationError, match="quantity"):
        validator.validate(broken.spec)


def test_single_views_fill_their_container_and_the_svg_has_a_fixed_width(shipped):
    for chart in shipped:
        assert chart.spec["width"] == "container", chart.title
        assert chart.static_spec["width"] == charts.CHART_WIDTH
        assert f'width="{charts.CHART_WIDTH}"' in chart.svg.split(">")[0]


def test_the_svg_title_runs_across_the_pdf_width_not_a_phone_s(shipped):
    title = "Special Constables rose to 515 in September 2019, from 464 in September 2018; the target is 600"
    chart = charts.by_area_chart(pd.DataFrame({"area": ["Essex"], "value": [515]}), title, "Bar chart.", "Headcount",
                                 subtitle="Headcount on the day, September 2014 to September 2019, from the Home "
                                          "Office workforce statistics (line) and Essex Police (squares).")
    assert chart.static_spec["title"]["text"] == [
        "Special Constables rose to 515 in September 2019, from 464 in September 2018;", "the target is 600"]
    assert len(chart.static_spec["title"]["subtitle"]) == 2 < len(chart.spec["title"]["subtitle"])
    for shown in shipped:  # and none widens the drawing (the width test above reads the SVG)
        assert all(len(line) <= charts.STATIC_TITLE_CHARS for line in shown.static_spec["title"]["text"])


def test_no_chart_repeats_a_table_as_bars_of_two_periods(shipped):
    for chart in shipped:
        assert "yOffset" not in chart.spec_json and '"period"' not in chart.spec_json, chart.title


def test_an_outline_has_the_chart_s_words_and_draws_nothing():
    """About learns the measures the public-data sections show from outlines of their charts."""
    with charts.outlines_only():
        outline = synthetic_trend(20)
    drawn = synthetic_trend(20)
    assert (outline.title, outline.alt_text, outline.caption) == (drawn.title, drawn.alt_text, drawn.caption)
    assert "mark" not in outline.chart.to_dict(validate=False) and "layer" not in outline.spec and "layer" in drawn.spec


def test_a_chart_drawn_before_is_read_from_the_cache_and_any_change_draws_it_again(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    spec = synthetic_trend(20).static_spec
    first = vega.svg(spec)
    assert first.startswith("<svg") and len(list((tmp_path / "crimeplan" / "charts").glob("*.svg"))) == 1
    drawn = []
    monkeypatch.setattr(vega.vlc, "vegalite_to_svg", lambda spec: drawn.append(spec) or "<svg>new</svg>")
    assert vega.svg(spec) == first and drawn == []
    changed = {**spec, "title": {**spec["title"], "text": ["Crimes fell"]}}
    assert vega.svg(changed) == "<svg>new</svg>" and len(drawn) == 1
    monkeypatch.setattr(vega, "_fonts", lambda: [("/usr/share/fonts/new.ttf", 1, 1)])  # a font installed
    assert vega.svg(spec) == "<svg>new</svg>" and len(drawn) == 2


def test_kernels_start_drawing_at_once_only_before_the_first_chart_is_kept(tmp_path, monkeypatch):
    """A first render draws every chart, so each kernel starts vl-convert's engine while it
    waits for its first notebook; once a chart is kept, most renders draw none and it
    starts only for a chart not drawn before."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    drawn = []
    monkeypatch.setattr(vega.vlc, "vegalite_to_svg", lambda spec: drawn.append(spec) or "<svg></svg>")
    vega.start_drawing_for_a_first_render()
    assert drawn == [{"mark": "point"}]
    vega.svg(synthetic_trend(20).static_spec)
    drawn.clear()
    vega.start_drawing_for_a_first_render()
    assert drawn == []


def test_a_chart_is_drawn_where_the_cache_cannot_be_written(tmp_path, monkeypatch):
    (tmp_path / "crimeplan").write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert vega.svg(synthetic_trend(20).static_spec).startswith("<svg")


def test_a_disk_full_while_keeping_a_chart_leaves_no_part_written_file(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    real_write = Path.write_bytes

    def full_disk(path, data):
        real_write(path, data[:10])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    assert vega.svg(synthetic_trend(20).static_spec).startswith("<svg")
    assert list((tmp_path / "crimeplan" / "charts").iterdir()) == []


def test_long_labels_are_wrapped_not_cut():
    assert charts.wrap("Share of Special Constabulary applications from Black, Asian and minority ethnic "
                       "applicants", charts.LABEL_CHARS) == [
        "Share of Special Constabulary", "applications from Black, Asian and", "minority ethnic applicants"]
    bars = charts.by_area_chart(pd.DataFrame({"area": ["Castle Point and Rochford", "Basildon"], "value": [5, 9]}),
                                "Basildon had 9", "Bar chart.", "Records", caption="Source: test.")
    assert "Castle Point and" in bars.svg and "Rochford" in bars.svg


def test_a_bar_per_area_keeps_a_figure_s_qualifier(tmp_path):
    """Harlow's Section 60 searches were "more than 200": the by-area chart's title, alt text
    and bar label say so, never a bare 200."""
    root = copy_project(tmp_path / "project")
    path = root / "data" / "measures" / "essex_pcp.csv"
    with path.open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    harlow = next(row for row in rows if row["measure"] == "section60_stop_searches" and row["area"] == "Harlow")
    assert harlow["qualifier"] == "more than"
    rows += [dict(harlow, area=area, value=value, qualifier="", note="")
             for area, value in (("Basildon", "150"), ("Thurrock", "90"))]
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.DictWriter(file, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    priority = next(p for p in PriorityReport.all(report(root, "p1_local_policing").edition)
                    if any(c.measure == "section60_stop_searches" for c in p.comparisons))
    (bars,) = [chart for chart in priority.charts() if "highest in" in chart.title]
    assert "highest in Harlow (more than 200), lowest in Thurrock (90)" in bars.title
    assert "Harlow: more than 200; Basildon: 150; Castle Point and Rochford: 132; Thurrock: 90." in bars.alt_text
    assert "more than 200" in bars.svg


@pytest.mark.parametrize(
    ("current", "previous", "unit", "expected"),
    [
        (515, 464, "people", "464 \u2192 515 (+11%)"),
        (1004, 1000, "count", "1,000 \u2192 1,004 (+0.4%)"),  # not "+0%"
        (84.7, 79.0, "percent", "79% \u2192 84.7% (+5.7 percentage points)"),
        (80.0, 79.0, "percent", "79% \u2192 80% (+1 percentage point)"),
    ],
)
def test_a_change_chart_row_states_the_change_as_the_text_does(current, previous, unit, expected):
    assert charts.change_figures(current, previous, unit) == expected
