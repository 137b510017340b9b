"""Altair charts that render everywhere the update is read.

A :class:`Chart` displays as one Jupyter output carrying three representations:

* ``text/html``: a ``<figure>`` that Vega-Embed turns into the interactive chart (the
  Vega libraries are embedded once per HTML document by the renderer, never from a CDN),
  with the static SVG inside it as the fallback where scripts do not run;
* ``image/svg+xml``: the static chart as vector graphics (rendered once by vl-convert),
  used for the PDF;
* ``text/plain``: the alt text.
"""

from __future__ import annotations

import base64
import hashlib
import html
import inspect
import json
import math
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date
from functools import cached_property, wraps

import altair as alt
import pandas as pd

from crimeplan.formatting import (
    format_number,
    format_points,
    format_rounded,
    format_value,
    month_year,
)
from crimeplan.inputs.measures import Kind, Unit
from crimeplan.sections import vega
from crimeplan.sections.vega import PDF_COLUMN_POINTS, script_json
from crimeplan.stats import judgement
from crimeplan.text.wording import direction_between, percent_of, rose_to, signed, up_from

# --- sizes --------------------------------------------------------------------------------
# The PDF places each chart's SVG at the full width of the text column (A4 less 2 cm
# margins: 17 cm = 482 pt), so a chart drawn W px wide shows 1 px as 482 / W pt. Text is
# FONT_SIZE px in the HTML; it stays at least MIN_PDF_POINTS in the PDF while the SVG is
# no wider than MAX_SVG_WIDTH.
FONT_SIZE = 12
TITLE_FONT_SIZE = 15
LINE_HEIGHT = 16
MIN_PDF_POINTS = 8
TREND_HEIGHT = 180  # a trend's plot: tall enough for six axis labels, a quarter of a PDF page with its title
MAX_SVG_WIDTH = FONT_SIZE * PDF_COLUMN_POINTS / MIN_PDF_POINTS
CHART_WIDTH = 680  # the static (SVG) width of single views; in HTML they fill their container
FACET_WIDTH = 420  # panels of faceted charts, which cannot size to a container
TITLE_CHARS = 34  # wrap titles (15 px bold) to fit a 390 px phone screen (a 326 px column)
STATIC_TITLE_CHARS = 80  # ... and across the static SVG's CHART_WIDTH (the PDF, whose page is wider)
STATIC_SUBTITLE_CHARS = 100  # its subtitle (12 px)
LABEL_CHARS = 40  # wrap lines of 12 px text (bold row labels too) drawn across a chart
FIGURES_CHARS = 46  # wrap the lines of 12 px regular figures under a row's bold label (326 px at most)
# Lines of 12 px text across the static SVG's CHART_WIDTH (a row's label and figures share one
# when they fit): Liberation Sans averages under 6 px a character, bold and regular mixed.
STATIC_ROW_CHARS = 104
AXIS_LABEL_CHARS = 22  # wrap category labels on an axis
NARROW_WIDTH = 560  # pixels: in a narrower box (a phone) a chart's legend goes below it
CHART_CLASS = "crimeplan-chart"
FONT = 'Arial, "Liberation Sans", sans-serif'  # the documents' font (Liberation Sans has Arial's metrics)

# --- colours ------------------------------------------------------------------------------
# Every mark colour is at least 3:1 against the white background (WCAG 1.4.11); meaning
# never rests on colour alone (shapes, labels and bold text carry it too).
BACKGROUND = "#ffffff"
BLUE = "#08519c"  # 7.9:1 - this period, the force, the series
MID_BLUE = "#4292c6"  # 3.4:1 - other forces
GREY = "#636363"  # 6.0:1 - earlier periods, totals, process limits
TRACK = "#767676"  # 4.5:1 - a row's scale from zero
ORANGE = "#d94801"  # 4.3:1 - targets, special cause concern
PURPLE = "#756bb1"  # 4.7:1 - special cause where neither direction is better
MARK_COLOURS = (BLUE, MID_BLUE, GREY, TRACK, ORANGE, PURPLE)

EMBED_STYLE = ".vega-embed { display: block; width: 100%; position: relative; } .vega-embed svg { display: block; }"
TARGET_SHAPE = "M0,-1.3L0,1.3"  # a vertical bar
MIN_TREND_POINTS = 6
# The room (px) a trend's date label takes on its axis, with the gap Vega keeps between labels:
# "Jul–Sep 2019" is wider than "Sep 2019".
DATE_LABEL_ROOM = {"quarter": 90, "month": 62, "date": 62}
MAX_DATE_LABELS = 24  # the most a wide screen marks (a long monthly series has more periods)
YEAR_MS = pd.Timedelta(days=365.25) / pd.Timedelta(milliseconds=1)

_drawn: dict[str, int] = {}  # charts made in this process (a render's kernel: this notebook), by content


def wrap(text: str, width: int) -> list[str]:
    """``text`` as lines of at most ``width`` characters (a longer word keeps its own line)."""
    lines = textwrap.wrap(text, width, break_long_words=False, break_on_hyphens=False)
    return lines or [text]


def _legends_across(spec: dict | list) -> None:
    """The legends above a static chart laid out in a row, not a column: the PDF's page is
    wide enough (a phone's is not: the HTML keeps them in a column)."""
    if isinstance(spec, list):
        for item in spec:
            if isinstance(item, (dict, list)):
                _legends_across(item)
        return
    for key, value in spec.items():
        if key == "legend" and isinstance(value, dict) and value.get("orient") == "top":
            value["direction"] = "horizontal"
        elif isinstance(value, (dict, list)):
            _legends_across(value)


def wrapped(text: str, width: int = AXIS_LABEL_CHARS) -> str:
    """``text`` with line breaks, for labels that are split into lines when drawn."""
    return "\n".join(wrap(text, width))


SPLIT_LABEL = "split(datum.label, '\\n')"  # an axis labelExpr drawing a wrapped label on several lines


@dataclass
class Chart:
    """An Altair chart with the title and alt text every chart in the update must have.

    ``title`` states the finding (drawn in the chart, wrapped); ``subtitle`` (drawn under
    it) says how to read the chart; ``caption`` is for the figure caption: the sources
    and what the chart shows, never a copy of the title.
    """

    chart: alt.TopLevelMixin
    title: str
    alt_text: str
    subtitle: str = ""
    caption: str = ""
    static_chart: alt.TopLevelMixin | None = None  # drawn for the PDF instead, when its wider page lays it out apart

    def __post_init__(self) -> None:
        if not self.title.strip() or not self.alt_text.strip():
            raise ValueError("every chart needs a title and alt text")
        if self.caption.strip() == self.title.strip():
            raise ValueError("a chart's caption must not repeat its title")

    @cached_property
    def element_id(self) -> str:
        """The id of the chart's element in the HTML: named by its content, so that the same
        inputs give the same page, and numbered apart from any identical chart the same
        process drew before (in a render's kernel, the same notebook: :func:`forget_drawn_charts`).
        Worked out when the chart is drawn, so that a chart made only to learn what a
        section shows costs no spec."""
        digest = hashlib.sha1(f"{self.spec_json}\0{self.alt_text}\0{self.caption}".encode()).hexdigest()[:12]
        _drawn[digest] = _drawn.get(digest, 0) + 1
        return f"chart-{digest}" + (f"-{_drawn[digest]}" if _drawn[digest] > 1 else "")

    @cached_property
    def spec(self) -> dict:
        """The Vega-Lite spec the HTML draws: single views fill their container's width.

        The chart is turned into a dict once and the title, sizing, embed options and
        configuration are set on the dict: each Altair ``properties``/``configure`` call
        would copy the whole chart, data included. The dict is not checked against the
        Vega-Lite schema here (a fifth of a notebook's time): the tests check every chart's.
        """
        return self._finished(self.chart.to_dict(validate=False))

    def _finished(self, spec: dict) -> dict:
        """``spec`` with the title, sizing, embed options and configuration set."""
        spec["title"] = {"text": wrap(self.title, TITLE_CHARS), "anchor": "start", "offset": 10,
                         **({"subtitle": wrap(self.subtitle, LABEL_CHARS)} if self.subtitle else {})}
        if isinstance(self.chart, (alt.Chart, alt.LayerChart)):
            spec |= {"width": "container", "autosize": {"type": "fit-x", "contains": "padding"}}
        # Vega-Embed reads these options from the spec: its wrapper is an inline block
        # (zero wide when empty) unless told to fill the figure, which "container" needs.
        spec["usermeta"] = {"embedOptions": {"defaultStyle": EMBED_STYLE}}
        # The font the documents use: the static SVG is laid out and drawn with the same one.
        config = spec.get("config", {})
        spec["config"] = config | {key: {**config.get(key, {}), **value} if isinstance(value, dict) else value
                                   for key, value in CONFIG.items()}
        return spec

    @cached_property
    def spec_json(self) -> str:
        return json.dumps(self.spec, sort_keys=True)

    @cached_property
    def static_spec(self) -> dict:
        """The spec drawn as SVG for the PDF: a fixed width in place of the container's,
        the title and subtitle wrapped across it (and ``static_chart`` drawn, if given)."""
        spec = (self._finished(self.static_chart.to_dict(validate=False)) if self.static_chart is not None
                else json.loads(self.spec_json))
        if spec.get("width") == "container":
            spec["width"] = CHART_WIDTH
        _legends_across(spec)
        spec["title"]["text"] = wrap(self.title, STATIC_TITLE_CHARS)
        if self.subtitle:
            spec["title"]["subtitle"] = wrap(self.subtitle, STATIC_SUBTITLE_CHARS)
        return spec

    @cached_property
    def svg(self) -> str:
        return vega.svg(self.static_spec)

    def html(self) -> str:
        """The chart as a ``<figure>``: the drawing, then its title as a visible caption.

        Vega-Embed draws the chart as an SVG marked as one image (``role="img"``) named by
        the alt text, without the title the caption already gives; charts of one panel take
        the width of their container (the legend below the plot on a narrow screen, longer
        category labels on a wide one), the others scale down to it. Without scripts the
        static SVG stands in, with the same alt text.
        """
        svg = base64.b64encode(self.svg.encode()).decode()
        alt_attr = html.escape(self.alt_text, quote=True)
        spec = script_json(self.spec)
        return (
            f'<figure class="{CHART_CLASS}">'
            f'<div id="{self.element_id}">'
            f'<img src="data:image/svg+xml;base64,{svg}" alt="{alt_attr}" style="max-width:100%;height:auto">'
            f"</div>"
            f"<figcaption>{self._caption_html()}</figcaption>"
            f'<script type="text/javascript">'
            f"if (window.vegaEmbed) {{ (function (spec) {{"
            f' var box = document.getElementById("{self.element_id}");'
            f" delete spec.title;"  # the caption shows it
            f" if (!spec.facet && !spec.hconcat && !spec.vconcat && !spec.concat && !spec.repeat) {{"
            f' spec.width = "container"; }}'
            f" spec.config = spec.config || {{}};"
            f" if (box.clientWidth < {NARROW_WIDTH}) {{"
            f' spec.config.legend = Object.assign({{}}, spec.config.legend, {{"orient": "bottom", "direction": "vertical"}}); }}'
            f' vegaEmbed(box, spec, {{"actions": false, "renderer": "svg"}}).then(function (r) {{'
            f' var svg = r.view.container().querySelector("svg");'
            f' svg.setAttribute("role", "img"); svg.removeAttribute("aria-roledescription");'
            f" svg.setAttribute(\"aria-label\", {script_json(self.alt_text)}); }});"
            f" }})({spec}); }}"
            f"</script></figure>"
        )

    def _caption_html(self) -> str:
        """The figure's visible caption: the finding (the drawing leaves its title to the
        caption), then how to read the chart and what it shows."""
        notes = " ".join(html.escape(text) for text in (self.subtitle, self.caption) if text)
        return f"<strong>{html.escape(self.title)}</strong>" + (f" {notes}" if notes else "")

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/html": self.html(),
            "image/svg+xml": self.svg,
            "text/plain": self.alt_text,
        }, {"image/svg+xml": {"alt": self.alt_text}}


def forget_drawn_charts() -> None:
    """Number charts as if none had been drawn: a render's kernel calls it before each
    notebook, so that a chart's id does not depend on what the kernel ran before (in
    JupyterLab the count runs on, keeping a cell run again apart from its old output)."""
    _drawn.clear()


_outlined: ContextVar[bool] = ContextVar("outlined", default=False)


@contextmanager
def outlines_only() -> Iterator[None]:
    """Within it, each chart is made as its title and text around an empty Altair chart:
    for learning what sections show (the measures About lists) without drawing them."""
    token = _outlined.set(True)
    try:
        yield
    finally:
        _outlined.reset(token)


def _builder(build):
    """A chart builder: ``build`` with Altair's check of each schema object as it is made
    turned off (its "debug mode", a quarter of a chart's making; like :attr:`Chart.spec`,
    the finished chart is left to the tests, which check every chart's spec against
    Vega-Lite's schema), or only the chart's outline within :func:`outlines_only`."""
    signature = inspect.signature(build)

    @wraps(build)
    def built(*args, **kwargs) -> Chart:
        if _outlined.get():
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            words = {name: bound.arguments[name] for name in ("title", "alt_text", "subtitle", "caption")}
            return Chart(alt.Chart(), **words)
        with alt.utils.schemapi.debug_mode(False):
            return build(*args, **kwargs)

    return built


_TEXT = {"labelFontSize": FONT_SIZE, "titleFontSize": FONT_SIZE, "labelLimit": 0}
# One font, text at FONT_SIZE px or more, and no label cut short ("…") anywhere.
CONFIG = {
    "font": FONT, "background": BACKGROUND,
    "axis": {**_TEXT, "titleFontWeight": "normal", "labelColor": "#1a1a1a", "titleColor": "#1a1a1a",
             "domainColor": GREY, "tickColor": GREY, "gridColor": "#dddddd"},
    "legend": {**_TEXT, "titleLimit": 0, "symbolStrokeWidth": 2, "labelColor": "#1a1a1a", "titleColor": "#1a1a1a"},
    "header": {**_TEXT, "titleLimit": 0, "labelColor": "#1a1a1a"},
    "title": {"fontSize": TITLE_FONT_SIZE, "subtitleFontSize": FONT_SIZE, "limit": 0, "color": "#1a1a1a",
              "subtitleColor": "#1a1a1a", "subtitlePadding": 4},
    "text": {"fontSize": FONT_SIZE, "limit": 0, "color": "#1a1a1a"},
    "view": {"stroke": None},
}


# --- the change chart: this period against the same period last year and the target ----------


@_builder
def change_chart(rows: pd.DataFrame, title: str, alt_text: str, *, subtitle: str = "", caption: str = "") -> Chart:
    """One row per measure: a hollow circle at the same period last year, a line to a
    triangle at this period (pointing the way the measure moved) and a bar at the target.
    The measures of one unit share one scale from zero, with an axis under them.

    ``rows`` has ``label`` (the measure), ``figures`` (the numbers, as text, drawn under the
    label), ``current``, ``previous`` and ``target`` (either may be missing) and ``unit``.
    """
    roles = [("A year earlier", "circle", GREY, BACKGROUND), ("This period", "triangle-right", BLUE, BLUE),
             ("Target", TARGET_SHAPE, ORANGE, ORANGE)]
    groups = []
    for unit, members in rows.groupby("unit", sort=False):
        layout, values = [], []
        for row in members.itertuples(index=False):
            previous = None if pd.isna(row.previous) else row.previous
            target = None if pd.isna(row.target) else row.target
            fell = previous is not None and row.current < previous
            markers = [("A year earlier", previous, 0), ("This period", row.current, 180 if fell else 0),
                       ("Target", target, 0)]
            values += [value for _, value, _ in markers if value is not None]
            layout.append({"label": row.label, "figures": row.figures,
                           "line": None if previous is None else (previous, row.current),
                           "markers": [m for m in markers if m[1] is not None]})
        ticks = axis_ticks(max([*values, 100.0]) if unit == Unit.PERCENT else max(values))
        groups.append({"rows": layout, "scale_max": ticks[-1],
                       "ticks": [(tick / ticks[-1], _tick_label(tick, str(unit), tick == ticks[-1])) for tick in ticks]})
    return _rows_chart(groups, roles, title, alt_text, subtitle, caption)


def axis_ticks(maximum: float) -> list[float]:
    """Round values from zero to at least ``maximum``, at most five of them (0, 200, 400,
    600), so that their labels fit side by side on a phone."""
    if maximum <= 0:
        return [0.0, 1.0]
    magnitude = 10 ** math.floor(math.log10(maximum / 4))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= maximum / 4)
    return [round(step * n, 9) for n in range(math.ceil(maximum / step - 1e-9) + 1)]


def _tick_label(value: float, unit: str, last: bool) -> str:
    """An axis label: the number, with % or £ where the unit has one; the last in its unit
    ("50,000 hours")."""
    return format_value(value, unit) if last or unit in (Unit.PERCENT, Unit.GBP) else format_number(value)


@_builder
def strip_chart(rows: list[dict], roles: list[tuple[str, str, str, str]], title: str, alt_text: str, *,
                subtitle: str = "", caption: str = "") -> Chart:
    """One row per item (e.g. an offence), each on its own scale from zero, with a marker
    per value (e.g. one per force). ``rows``: dicts with ``label``, ``figures`` (text drawn
    under the label), ``scale_max`` and ``markers``, a list of (role, value); ``roles``:
    (role, shape, stroke colour, fill colour) in legend order, the last drawn on top."""
    groups = [{"rows": [{**row, "line": None, "markers": [(role, value, 0) for role, value in row["markers"]]}],
               "scale_max": row["scale_max"], "ticks": []} for row in rows]
    return _rows_chart(groups, roles, title, alt_text, subtitle, caption)


def _rows_chart(groups: list[dict], roles: list[tuple[str, str, str, str]], title: str, alt_text: str,
                subtitle: str, caption: str) -> Chart:
    """Groups of rows stacked down the chart, each row a bold label and a line of figures
    over a track from zero to its group's ``scale_max``, markers on the track and,
    optionally, a line between two values. A group with ``ticks`` (positions from 0 to 1
    and their labels) ends in an axis, and its tracks are marked at the ticks too. A single
    view, so it fills its container's width in HTML; the PDF's wider page draws it with
    longer lines (:func:`_rows_view`)."""
    return Chart(_rows_view(groups, roles, inline=False), title, alt_text, subtitle, caption,
                 static_chart=_rows_view(groups, roles, inline=True))


def _rows_view(groups: list[dict], roles: list[tuple[str, str, str, str]], *, inline: bool) -> alt.LayerChart:
    """The layers of :func:`_rows_chart`. ``inline`` (the static SVG): lines wrap across its
    width, and each row's figures are drawn right-aligned, on its label's line when the two
    fit there."""
    layout, markers, ruler, axes, tick_labels = [], [], [], [], []
    top = 0
    order = {role[0]: position for position, role in enumerate(roles)}
    for group in groups:
        scale = group["scale_max"] or 1
        for row in group["rows"]:
            label_lines = wrap(row["label"], STATIC_ROW_CHARS if inline else LABEL_CHARS)
            figures_lines = wrap(row["figures"], STATIC_ROW_CHARS if inline else FIGURES_CHARS)
            beside = inline and len(row["label"]) + len(row["figures"]) + 3 <= STATIC_ROW_CHARS
            figures_top = top if beside else top + len(label_lines) * LINE_HEIGHT
            y = figures_top + len(figures_lines) * LINE_HEIGHT + 8
            line = row["line"]
            layout.append({"label": "\n".join(label_lines), "figures": "\n".join(figures_lines), "top": top,
                           "figures_top": figures_top, "y": y,
                           "from": None if line is None else line[0] / scale,
                           "to": None if line is None else line[1] / scale})
            for role, value, angle in row["markers"]:
                markers.append({"item": row["label"], "role": role, "x": value / scale, "y": y, "angle": angle,
                                "order": order[role], "figures": row["figures"]})
            ruler += [{"x": x, "y": y - 3, "y2": y + 3} for x, _ in group["ticks"]]
            top = y + 10
        if group["ticks"]:
            axis_y = top - 2
            axes.append({"y": axis_y})
            ruler += [{"x": x, "y": axis_y, "y2": axis_y + 4} for x, _ in group["ticks"]]
            # the last label ends at the axis' end, so that its unit stays in the chart
            tick_labels += [{"x": x, "y": axis_y + 5, "text": text} for x, text in group["ticks"]]
            top = axis_y + 5 + LINE_HEIGHT + 12
    height = top
    base = alt.Chart(alt.Data(values=layout))
    y_scale = alt.Scale(domain=[0, height], reverse=True, nice=False, zero=False)
    x_scale = alt.Scale(domain=[-0.03, 1.05], nice=False, zero=False)
    labels = base.mark_text(align="left", baseline="top", fontWeight="bold", lineBreak="\n",
                            lineHeight=LINE_HEIGHT).encode(
        x=alt.value(0), y=alt.Y("top:Q", scale=y_scale, axis=None), text=alt.Text("label:N"))
    figures = base.mark_text(align="right" if inline else "left", baseline="top", lineBreak="\n",
                             lineHeight=LINE_HEIGHT).encode(
        x=alt.X("edge:Q", scale=x_scale, axis=None) if inline else alt.value(0),
        y=alt.Y("figures_top:Q", scale=y_scale, axis=None), text=alt.Text("figures:N"))
    if inline:
        figures = figures.transform_calculate(edge="1.05")
    track = base.transform_calculate(zero="0", one="1").mark_rule(color=TRACK, strokeWidth=1).encode(
        x=alt.X("zero:Q", scale=x_scale, axis=None), x2=alt.X2("one:Q"), y=alt.Y("y:Q", scale=y_scale, axis=None))
    change = base.transform_filter("datum['from'] != null").mark_rule(color=GREY, strokeWidth=3).encode(
        x=alt.X("from:Q", scale=x_scale, axis=None), x2=alt.X2("to:Q"), y=alt.Y("y:Q", scale=y_scale, axis=None))
    names = [role[0] for role in roles]
    legend = alt.Legend(title=None, orient="top", direction="horizontal", symbolSize=140,
                        columns=len(roles) if len(roles) <= 3 else 2)
    points = alt.Chart(alt.Data(values=markers)).mark_point(size=150, strokeWidth=2.5, opacity=1).encode(
        x=alt.X("x:Q", scale=x_scale, axis=None),
        y=alt.Y("y:Q", scale=y_scale, axis=None),
        shape=alt.Shape("role:N", scale=alt.Scale(domain=names, range=[r[1] for r in roles]), legend=legend),
        stroke=alt.Stroke("role:N", scale=alt.Scale(domain=names, range=[r[2] for r in roles]), legend=legend),
        fill=alt.Fill("role:N", scale=alt.Scale(domain=names, range=[r[3] for r in roles]), legend=legend),
        angle=alt.Angle("angle:Q", scale=None),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("item:N", title="Measure"), alt.Tooltip("role:N", title="Marker"),
                 alt.Tooltip("figures:N", title="Figures")],
    )
    layers = [track, change, points, labels, figures]
    if ruler:
        layers.append(alt.Chart(alt.Data(values=ruler)).mark_rule(color=TRACK, strokeWidth=1).encode(
            x=alt.X("x:Q", scale=x_scale, axis=None), y=alt.Y("y:Q", scale=y_scale, axis=None), y2="y2:Q"))
    if axes:
        axis_rows = alt.Chart(alt.Data(values=axes))
        layers += [
            axis_rows.transform_calculate(zero="0", one="1").mark_rule(color=GREY, strokeWidth=1).encode(
                x=alt.X("zero:Q", scale=x_scale, axis=None), x2=alt.X2("one:Q"), y=alt.Y("y:Q", scale=y_scale, axis=None)),
            *(alt.Chart(alt.Data(values=[t for t in tick_labels if (t["x"] == 1) == last]))
              .mark_text(baseline="top", align="right" if last else "center").encode(
                x=alt.X("x:Q", scale=x_scale, axis=None), y=alt.Y("y:Q", scale=y_scale, axis=None), text=alt.Text("text:N"))
              for last in (False, True)),
        ]
    return alt.layer(*layers).properties(height=height)


# --- trends: a series over time, with its target and control limits --------------------------


def date_axis_values(dates: list[int], kept: set[int], period: str) -> alt.ExprRef:
    """A trend's axis marks for the width it is drawn at (the PDF's, or a screen's): the
    :func:`_date_ticks` for as many labels as fit across that width."""
    room, every = DATE_LABEL_ROOM[period], set(dates) | kept
    month = pd.to_datetime(dates, unit="ms").month
    yearly = [day for day, its_month in zip(dates, month) if its_month == month[-1]]
    choices: list[tuple[int, list[int]]] = []  # (the least plot width, the marks)
    for most in range(3, MAX_DATE_LABELS + 1):
        ticks = _date_ticks(dates, yearly, kept, most)
        if not choices or ticks != choices[-1][1]:
            choices.append(((most - 1) * room, ticks))
        if len(ticks) == len(every):
            break
    expression = json.dumps(choices[0][1])
    for width, ticks in choices[1:]:
        expression = f"width >= {width} ? {json.dumps(ticks)} : {expression}"
    return alt.ExprRef(expression)


def _date_ticks(dates: list[int], yearly: list[int], kept: set[int], most: int) -> list[int]:
    """The dates (UTC milliseconds, sorted) a trend's axis marks: the first, the ``kept``
    ones (a target's), and marks counting back from the latest period's, spaced so that
    ``most`` labels would fit across the axis; ``yearly`` are the dates in the latest
    period's month.

    Vega hides a label that overlaps the one before it, so the spacing is what keeps the
    latest period's label drawn. Where the series spans three years or more and the marks
    are a quarter of a year apart or more, they fall on the latest period's month of every
    n-th year: the series is marked at the same point of each year.
    """
    gap = (max([dates[-1], *kept]) - dates[0]) / (most - 1)
    if gap >= YEAR_MS / 4 and len(yearly) >= 3:
        marks = yearly[::-1][:: math.ceil(gap / YEAR_MS)]
    else:
        marks = []
        for day in reversed(dates):
            if not marks or marks[-1] - day >= gap:
                marks.append(day)
    return sorted({dates[0], *marks, *kept})


def _utc_ms(day) -> int:
    return int(pd.Timestamp(day).tz_localize(None).value // 1_000_000)


PERIOD_LABELS = {
    "month": "utcFormat(datum.value, '%b %Y')",
    "date": "utcFormat(datum.value, '%b %Y')",
    "quarter": "utcFormat(datum.value, '%b') + '\u2013' + utcFormat(utcOffset('month', datum.value, 2), '%b %Y')",
}


@_builder
def trend_chart(series: pd.DataFrame, title: str, alt_text: str, y_title: str, *, period: str = "month",
                points: pd.DataFrame | None = None, target: tuple[float, object, str] | None = None,
                spc=None, subtitle: str = "", caption: str = "") -> Chart:
    """A series over time as a line, with what it is judged against.

    ``series`` has ``date`` (the period's start, or the day of a snapshot), ``value``,
    ``source`` (the legend label) and ``when`` (the period in words, for tooltips);
    ``period`` ("month", "quarter" or "date") labels the date axis with the real periods.
    ``points`` (same columns) is a second source drawn as labelled squares. ``target``
    is (value, due date, label): a dashed line across the chart with a bar at the due
    date. ``spc`` (a :class:`crimeplan.stats.judgement.SpcResult` of the series' values) adds
    the mean and process limits and marks each point showing special cause variation.
    """
    frames = [series] + ([points] if points is not None and not points.empty else [])
    data = pd.concat(frames, ignore_index=True)
    data = data.assign(date=[pd.Timestamp(d).strftime("%Y-%m-%d") for d in data["date"]])
    sources = list(dict.fromkeys(data["source"]))
    axis_dates = date_axis_values(sorted({_utc_ms(d) for d in data["date"]}),
                                  {_utc_ms(target[1])} if target else set(), period)
    x = alt.X("date:T", title=None, scale=alt.Scale(type="utc"),
              axis=alt.Axis(values=axis_dates, labelExpr=PERIOD_LABELS[period], labelAngle=0,
                            labelOverlap="greedy", labelSeparation=8, labelFlush=False, grid=False))
    y = alt.Y("value:Q", title=y_title, axis=alt.Axis(format=",~f", tickCount=6))
    colour_scale = alt.Scale(domain=sources, range=[BLUE, GREY][: len(sources)])
    colour = alt.Color("source:N", title=None, sort=sources, scale=colour_scale,
                       legend=alt.Legend(orient="top", direction="vertical"))
    shape = alt.Shape("source:N", title=None, sort=sources,
                      scale=alt.Scale(domain=sources, range=["circle", "square"][: len(sources)]),
                      legend=alt.Legend(orient="top", direction="vertical"))
    tooltip = [alt.Tooltip("source:N", title="Source"), alt.Tooltip("when:N", title="Period"),
               alt.Tooltip("value:Q", title=y_title, format=",")]
    base = alt.Chart(data)
    layers = []
    if spc is not None:
        limits = [{"line": "Mean", "value": spc.mean, "dash": "solid"},
                  {"line": "Upper limit", "value": spc.upper, "dash": "limit"},
                  {"line": "Lower limit", "value": spc.lower, "dash": "limit"}]
        lines = alt.Chart(alt.Data(values=[{**d, "text": f"{d['line']} {format_rounded(d['value'])}"}
                                           for d in limits]))
        layers += [
            lines.mark_rule(color=GREY, strokeWidth=1.5).encode(
                y=alt.Y("value:Q"), strokeDash=alt.StrokeDash("dash:N", scale=alt.Scale(
                    domain=["solid", "limit"], range=[[1, 0], [6, 3]]), legend=None),
                tooltip=[alt.Tooltip("line:N", title="Line"), alt.Tooltip("value:Q", format=",.1f")]),
            lines.mark_text(align="left", baseline="middle", dx=6, x="width").encode(
                y=alt.Y("value:Q"), text=alt.Text("text:N")),
        ]
    layers += [
        base.transform_filter(alt.datum.source == sources[0]).mark_line(strokeWidth=2.5).encode(
            x=x, y=y, color=alt.Color("source:N", scale=colour_scale, legend=None)),
        base.mark_point(filled=True, size=60, opacity=1).encode(x=x, y=y, color=colour, shape=shape, tooltip=tooltip),
    ]
    # The latest value ends at its point, so that it stays inside the plot, clear of the
    # limits' labels beyond its right edge; the second source's values are centred on theirs.
    latest = series.iloc[[-1]].assign(date=lambda f: [pd.Timestamp(d).strftime("%Y-%m-%d") for d in f["date"]])
    label_rows = [(latest, {"dy": -12, "dx": 4, "align": "right"})]
    if points is not None and not points.empty:
        label_rows.append((points.assign(date=[pd.Timestamp(d).strftime("%Y-%m-%d") for d in points["date"]]),
                           {"dy": 18}))
    for frame, placed in label_rows:
        layers.append(alt.Chart(frame).mark_text(fontWeight="bold", **placed).encode(
            x=x, y=y, text=alt.Text("value:Q", format=",")))
    if spc is not None:
        special = pd.DataFrame({"date": data.loc[data["source"] == sources[0], "date"].to_list(),
                                "value": list(spc.values), "verdict": list(spc.point_verdicts)})
        special = special[special["verdict"] != judgement.Verdict.SPC_COMMON_CAUSE]
        if not special.empty:
            verdicts = list(dict.fromkeys(special["verdict"]))
            colours = {judgement.Verdict.SPC_IMPROVEMENT: BLUE, judgement.Verdict.SPC_CONCERN: ORANGE,
                       judgement.Verdict.SPC_HIGH: PURPLE, judgement.Verdict.SPC_LOW: PURPLE}
            layers.append(alt.Chart(special.assign(verdict=[v[0].upper() + v[1:] for v in special["verdict"]]))
                          .mark_point(shape="diamond", size=220, filled=False, strokeWidth=2.5, opacity=1).encode(
                x=x, y=y,
                color=alt.Color("verdict:N", title=None, scale=alt.Scale(
                    domain=[v[0].upper() + v[1:] for v in verdicts], range=[colours[v] for v in verdicts]),
                    legend=alt.Legend(orient="top", direction="vertical", symbolType="diamond")),
                tooltip=[alt.Tooltip("verdict:N", title="Reading"), alt.Tooltip("value:Q", format=",")]))
    if target is not None:
        value, due, words = target
        mark = alt.Chart(alt.Data(values=[{"date": pd.Timestamp(due).strftime("%Y-%m-%d"), "value": value,
                                           "text": words}]))
        layers += [
            alt.Chart(alt.Data(values=[{"value": value}])).mark_rule(color=ORANGE, strokeWidth=2, strokeDash=[6, 4])
            .encode(y=alt.Y("value:Q")),
            mark.mark_point(shape=TARGET_SHAPE, size=300, strokeWidth=3, color=ORANGE, opacity=1).encode(
                x=x, y=y, tooltip=alt.Tooltip("text:N", title="Target")),
            mark.mark_text(align="right", baseline="bottom", dx=-6, dy=-6, color=ORANGE, fontWeight="bold").encode(
                x=x, y=y, text=alt.Text("text:N")),
        ]
    chart = alt.layer(*layers).resolve_scale(color="independent", shape="independent").properties(height=TREND_HEIGHT)
    return Chart(chart, title, alt_text, subtitle, caption)


# --- bars: areas or forces side by side ---------------------------------------------------------


@_builder
def by_area_chart(table: pd.DataFrame, title: str, alt_text: str, x_title: str, *, subtitle: str = "",
                  caption: str = "") -> Chart:
    """Horizontal bars, one per area, largest first, each labelled with its value:
    ``table`` has ``area`` and ``value``, and optionally ``shown``, the label to print
    instead of the value (a figure with its qualifier: "more than 200")."""
    table = table.assign(label=[wrapped(a) for a in table["area"]])
    order = list(table.sort_values("value", ascending=False)["label"])
    base = alt.Chart(table).encode(
        y=alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelExpr=SPLIT_LABEL, ticks=False)),
        x=alt.X("value:Q", title=x_title, axis=alt.Axis(format=",~f", tickCount=4)),
        tooltip=[alt.Tooltip("area:N", title="Area"), alt.Tooltip("value:Q", title=x_title, format=",")],
    )
    chart = alt.layer(
        base.mark_bar(color=BLUE),
        base.mark_text(align="left", dx=4).encode(
            text=alt.Text("shown:N") if "shown" in table else alt.Text("value:Q", format=",")),
    ).properties(height=alt.Step(_step(table["label"])))
    return Chart(chart, title, alt_text, subtitle, caption)


def _step(labels) -> int:
    """Room for each bar: its label's lines at LINE_HEIGHT, and at least 24 px."""
    return max(24, max(label.count("\n") + 1 for label in labels) * LINE_HEIGHT + 6)


@_builder
def highlighted_bar_chart(table: pd.DataFrame, title: str, alt_text: str, x_title: str, highlight: str,
                          facet: str | None = None, *, subtitle: str = "", caption: str = "",
                          value_format: str = ",.1f") -> Chart:
    """Horizontal bars, one per ``area`` in table order, coloured by ``group``: the group
    ``highlight`` (e.g. the force among its comparison group) dark blue with a bold label,
    first in the legend, then the others in table order (e.g. other forces in mid blue,
    then totals in grey). Each bar is labelled with its value.

    ``table`` has ``area``, ``value`` and ``group``; with ``facet`` (a column name), one
    panel per value of that column, each with its own value axis.
    """
    groups = [highlight, *(g for g in dict.fromkeys(table["group"]) if g != highlight)]
    table = table.assign(label=[wrapped(a) for a in table["area"]])
    labels = list(dict.fromkeys(table["label"]))
    bold = alt.expr(f"datum.label == {json.dumps(wrapped(highlight))} ? 'bold' : 'normal'")
    base = alt.Chart(table).encode(
        y=alt.Y("label:N", title=None, sort=labels,
                axis=alt.Axis(labelExpr=SPLIT_LABEL, ticks=False, labelFontWeight=bold)),
        x=alt.X("value:Q", title=x_title, axis=alt.Axis(format=",~f", tickCount=4)),
        tooltip=[alt.Tooltip("area:N", title="Area"), alt.Tooltip("value:Q", title=x_title, format=value_format)],
    )
    bars = alt.layer(
        base.mark_bar().encode(color=alt.Color(
            "group:N", title=None, sort=groups,
            scale=alt.Scale(domain=groups, range=[BLUE, MID_BLUE, GREY][: len(groups)]),
            legend=alt.Legend(orient="top", direction="vertical"))),
        base.mark_text(align="left", dx=4).encode(text=alt.Text("value:Q", format=value_format)),
    )
    step = _step(table["label"])
    if facet is None:
        return Chart(bars.properties(height=alt.Step(step)), title, alt_text, subtitle, caption)
    panels = list(dict.fromkeys(table[facet]))
    chart = (
        bars.properties(width=FACET_WIDTH, height=alt.Step(step))
        .facet(row=alt.Row(f"{facet}:N", title=None, sort=panels,
                           header=alt.Header(labelOrient="top", labelAnchor="start", labelFontWeight="bold",
                                             labelAngle=0, labelPadding=6)),
               data=table)
        .resolve_scale(x="independent")
    )
    return Chart(chart, title, alt_text, subtitle, caption)


# --- words: titles and figures stated from the numbers -----------------------------------------


def _relative(current: float, previous: float, unit: str) -> str:
    """``+11%``, ``−39%``, ``+5.7 percentage points`` or ``no change``."""
    difference = current - previous
    if abs(difference) < judgement.TOLERANCE:
        return "no change"
    if unit == Unit.PERCENT:
        return signed(difference, format_points(abs(difference)))
    if abs(previous) < judgement.TOLERANCE:
        return signed(difference, format_value(abs(difference), unit))
    return signed(difference, percent_of(difference, abs(previous)))


def _target_words(target: float, by: date, unit: str, kind: str) -> str:
    due = f"for the year to {month_year(by)}" if kind == Kind.TOTAL else f"by {month_year(by)}"
    return f"target {format_value(target, unit)} {due}"


def _with_mark(text: str, mark: str) -> str:
    return f"{text} {mark}" if mark else text


def change_figures(current: float, previous: float | None, unit: str, target: float | None = None,
                   by: date | None = None, kind: str = "snapshot", marks: tuple[str, str] = ("", "")) -> str:
    """The figures of a change-chart row: ``464 → 515 (+11%) · target 600 by March 2020``;
    ``marks`` are the provenance markers of the current and previous figure (``[d]``...)."""
    parts = []
    now = _with_mark(format_value(current, unit), marks[0])
    if previous is not None:
        parts.append(f"{_with_mark(format_value(previous, unit), marks[1])} \u2192 {now} "
                     f"({_relative(current, previous, unit)})")
    else:
        parts.append(f"{now} (no figure a year earlier)")
    if target is not None and by is not None:
        parts.append(_target_words(target, by, unit, kind))
    return " \u00b7 ".join(parts)


def change_sentence(label: str, current: float, when: str, previous: float | None, unit: str,
                    target: float | None = None, by: date | None = None, kind: str = "snapshot",
                    marks: tuple[str, str] = ("", "")) -> str:
    """``Special Constable headcount: 515 in September 2019, up from 464 a year earlier (+11%); target 600 by March 2020.``"""
    text = f"{label}: {_with_mark(format_value(current, unit), marks[0])} in {when}"
    if previous is not None:
        text += f", {_movement(current, previous)} {_with_mark(format_value(previous, unit), marks[1])} a year earlier " \
                f"({_relative(current, previous, unit)})"
    else:
        text += ", no figure a year earlier"
    if target is not None and by is not None:
        text += f"; {_target_words(target, by, unit, kind)}"
    return text + "."


def _movement(current: float, previous: float) -> str:
    return up_from(direction_between(current, previous))


def _verb(current: float, previous: float) -> str:
    return rose_to(direction_between(current, previous))


def movement_title(label: str, current: float, unit: str, when: str, earlier: float | None = None,
                   earlier_when: str | None = None, target: tuple[float, date] | None = None,
                   kind: str = "snapshot") -> str:
    """``Special Constables rose to 515 in September 2019, from 464 in September 2018; the
    target is 600 by March 2020``."""
    if earlier is None:
        text = f"{label}: {format_value(current, unit)} in {when}"
    else:
        text = f"{label} {_verb(current, earlier)} {format_value(current, unit)} in {when}"
        if abs(current - earlier) >= judgement.TOLERANCE:
            text += f", from {format_value(earlier, unit)} in {earlier_when}"
    if target is not None:
        text += f"; the {_target_words(target[0], target[1], unit, kind).replace('target ', 'target is ', 1)}"
    return text


def change_title(items: list[tuple]) -> tuple[str, str]:
    """The finding of a change chart, and the largest change for its subtitle.

    ``items`` are (label, current, previous, unit, target, by, kind, when) per row. The title is
    the first measure with a target (its value and the target); without one, the largest
    change on a year earlier. The second string names the largest change when the title
    does not.
    """
    def relative_size(item) -> float:
        _, current, previous, *_ = item
        return abs(current - previous) / abs(previous) if abs(previous) >= judgement.TOLERANCE else float("inf")

    changed = sorted((i for i in items if i[2] is not None), key=relative_size, reverse=True)
    largest = None
    if changed:
        label, current, previous, unit, *_ = changed[0]
        largest = (f"{label} {_verb(current, previous)} {format_value(current, unit)} "
                   f"({_relative(current, previous, unit)} on a year earlier)")
    with_target = [i for i in items if i[4] is not None and i[5] is not None]
    if not with_target:
        return largest or "", ""
    label, current, previous, unit, target, by, kind, when = with_target[0]
    text = (f"{label} {_verb(current, previous)} {format_value(current, unit)} in {when}" if previous is not None
            else f"{label}: {format_value(current, unit)} in {when}")
    text += f"; the {_target_words(target, by, unit, kind).replace('target ', 'target is ', 1)}"
    return text, (f"Largest change: {largest}." if largest and changed[0] is not with_target[0] else "")


# --- contrast ---------------------------------------------------------------------------------


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""
    channels = [int(colour.lstrip("#")[i:i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(first: str, second: str = BACKGROUND) -> float:
    """WCAG 2 contrast ratio of two ``#rrggbb`` colours (1 to 21)."""
    lighter, darker = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)
