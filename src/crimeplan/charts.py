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
import itertools
import json
import os
from importlib import metadata
from pathlib import Path
from dataclasses import dataclass
from functools import cached_property, lru_cache

import altair as alt
import pandas as pd
import vl_convert as vlc

CHART_WIDTH = 520
NARROW_WIDTH = 560  # pixels: in a narrower box (a phone) a chart's legend goes below it
WIDE_LABEL_LIMIT = 320  # pixels: in a wider box, category labels are cut only past this
CHART_CLASS = "crimeplan-chart"
FONT = "DejaVu Sans"
PALETTE = ["#9ecae1", "#08519c", "#fd8d3c", "#31a354", "#756bb1", "#636363"]

_sequence = itertools.count(1)


@dataclass
class Chart:
    """An Altair chart with the title and alt text every chart in the update must have."""

    chart: alt.TopLevelMixin
    title: str
    alt_text: str

    def __post_init__(self) -> None:
        if not self.title.strip() or not self.alt_text.strip():
            raise ValueError("every chart needs a title and alt text")
        self.element_id = f"chart-{next(_sequence)}-{hashlib.sha1(self.spec_json.encode()).hexdigest()[:10]}"

    @cached_property
    def spec(self) -> dict:
        # The font the documents use: the static SVG is laid out and drawn with the same one.
        return self.chart.properties(title=self.title).configure(font=FONT).to_dict()

    @cached_property
    def spec_json(self) -> str:
        return json.dumps(self.spec, sort_keys=True)

    @cached_property
    def svg(self) -> str:
        return vlc.vegalite_to_svg(self.spec)

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
            f"<figcaption>{html.escape(self.title)}</figcaption>"
            f'<script type="text/javascript">'
            f"if (window.vegaEmbed) {{ (function (spec) {{"
            f' var box = document.getElementById("{self.element_id}");'
            f" delete spec.title;"  # the caption shows it
            f" if (!spec.facet && !spec.hconcat && !spec.vconcat && !spec.concat && !spec.repeat) {{"
            f' spec.width = "container"; }}'
            f" spec.config = spec.config || {{}};"
            f" if (box.clientWidth < {NARROW_WIDTH}) {{"
            f' spec.config.legend = Object.assign({{}}, spec.config.legend, {{"orient": "bottom", "direction": "vertical"}}); }}'
            f" else {{ spec.config.axisY = Object.assign({{}}, spec.config.axisY, {{\"labelLimit\": {WIDE_LABEL_LIMIT}}}); }}"
            f' vegaEmbed(box, spec, {{"actions": false, "renderer": "svg"}}).then(function (r) {{'
            f' var svg = r.view.container().querySelector("svg");'
            f' svg.setAttribute("role", "img"); svg.removeAttribute("aria-roledescription");'
            f" svg.setAttribute(\"aria-label\", {script_json(self.alt_text)}); }});"
            f" }})({spec}); }}"
            f"</script></figure>"
        )

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/html": self.html(),
            "image/svg+xml": self.svg,
            "text/plain": self.alt_text,
        }, {"image/svg+xml": {"alt": self.alt_text}}


def script_json(value) -> str:
    """``value`` as JSON safe inside an HTML ``<script>``: no ``<`` the HTML parser could act on."""
    return json.dumps(value, sort_keys=True).replace("<", "\\u003c")


def year_on_year_chart(table: pd.DataFrame, title: str, alt_text: str, x_title: str) -> Chart:
    """Grouped bars: each measure's value this period beside the same period last year.

    ``table`` has columns ``label``, ``period`` (the legend, e.g. "This period"), ``dates``
    (e.g. "July to September 2019") and ``value``.
    """
    periods = list(dict.fromkeys(table["period"]))
    chart = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("label:N", title=None, sort=list(dict.fromkeys(table["label"]))),
            yOffset=alt.YOffset("period:N", sort=periods),
            x=alt.X("value:Q", title=x_title),
            color=alt.Color("period:N", sort=periods, title="Period",
                            scale=alt.Scale(range=PALETTE[: len(periods)])),
            tooltip=["label:N", "dates:N", alt.Tooltip("value:Q", format=",")],
        )
        .properties(width=CHART_WIDTH)
    )
    return Chart(chart, title, alt_text)


def trend_chart(series: pd.DataFrame, title: str, alt_text: str, y_title: str) -> Chart:
    """Lines over time: ``series`` has ``date`` (datetime), ``value`` and ``series`` (legend)."""
    chart = (
        alt.Chart(series)
        .mark_line(point=True)
        .encode(
            x=alt.X("date:T", title=None),
            y=alt.Y("value:Q", title=y_title),
            color=alt.Color("series:N", title=None, scale=alt.Scale(range=PALETTE[1:])),
            tooltip=[alt.Tooltip("date:T", format="%b %Y"), "series:N", alt.Tooltip("value:Q", format=",")],
        )
        .properties(width=CHART_WIDTH, height=240)
    )
    return Chart(chart, title, alt_text)


def by_area_chart(table: pd.DataFrame, title: str, alt_text: str, x_title: str) -> Chart:
    """Horizontal bars, one per area: ``table`` has ``area`` and ``value``."""
    chart = (
        alt.Chart(table)
        .mark_bar(color=PALETTE[1])
        .encode(
            y=alt.Y("area:N", title=None, sort="-x"),
            x=alt.X("value:Q", title=x_title),
            tooltip=["area:N", alt.Tooltip("value:Q", format=",")],
        )
        .properties(width=CHART_WIDTH)
    )
    return Chart(chart, title, alt_text)


@lru_cache(maxsize=1)
def vega_javascript() -> str:
    """Vega, Vega-Lite and Vega-Embed as one offline script (sets ``window.vegaEmbed``).

    vl-convert builds it in about a second; it depends only on vl-convert's version, so it
    is kept in the user's cache folder (``$XDG_CACHE_HOME/crimeplan``) once built.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "crimeplan"
    path = cache / f"vega-embed-bundle-vl-convert-{metadata.version('vl-convert-python')}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vlc.javascript_bundle()
    try:
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(bundle, encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass  # a read-only home: build it again next time
    return bundle


def two_source_trend_chart(line: pd.DataFrame, points: pd.DataFrame, title: str, alt_text: str,
                           y_title: str) -> Chart:
    """One source as a line, another as labelled points on the same axes.

    Both tables have ``date`` (datetime), ``value`` and ``source`` (the legend label, one
    source per table); ``points`` may be empty.
    """
    sources = [*dict.fromkeys(line["source"]), *dict.fromkeys(points["source"])]
    color = alt.Color("source:N", title=None, sort=sources,
                      scale=alt.Scale(domain=sources, range=[PALETTE[1], PALETTE[2]][: len(sources)]))
    tooltip = [alt.Tooltip("date:T", format="%d %b %Y"), "source:N", alt.Tooltip("value:Q", format=",")]
    x = alt.X("date:T", title=None, axis=alt.Axis(format="%b %Y", labelAngle=0))
    y = alt.Y("value:Q", title=y_title)
    layers = [alt.Chart(line).mark_line(point=True).encode(x=x, y=y, color=color, tooltip=tooltip)]
    if not points.empty:
        marked = alt.Chart(points).encode(x=x, y=y, color=color, tooltip=tooltip)
        layers += [
            marked.mark_point(shape="diamond", size=90, filled=True),
            marked.mark_text(dy=14, fontWeight="bold").encode(text=alt.Text("value:Q", format=",")),
        ]
    return Chart(alt.layer(*layers).properties(width=CHART_WIDTH, height=240), title, alt_text)


def highlighted_bar_chart(table: pd.DataFrame, title: str, alt_text: str, x_title: str, highlight: str,
                          facet: str | None = None) -> Chart:
    """Horizontal bars, one per ``area`` in table order, coloured by ``group``: the group
    ``highlight`` (e.g. the force among its comparison group) in the strong colour, first in
    the legend, then the others in table order (e.g. other forces, then totals).

    ``table`` has ``area``, ``value`` and ``group``; with ``facet`` (a column name), one
    panel per value of that column, each with its own value axis.
    """
    groups = [highlight, *(g for g in dict.fromkeys(table["group"]) if g != highlight)]
    areas = list(dict.fromkeys(table["area"]))
    bars = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("area:N", title=None, sort=areas),
            x=alt.X("value:Q", title=x_title),
            color=alt.Color("group:N", title=None, sort=groups,
                            scale=alt.Scale(domain=groups, range=[PALETTE[1], PALETTE[0], PALETTE[5]][: len(groups)])),
            tooltip=["area:N", alt.Tooltip("value:Q", format=",.2f")],
        )
    )
    if facet is None:
        return Chart(bars.properties(width=CHART_WIDTH), title, alt_text)
    panels = list(dict.fromkeys(table[facet]))
    chart = (
        bars.properties(width=CHART_WIDTH - 100)
        .facet(row=alt.Row(f"{facet}:N", title=None, sort=panels,
                           header=alt.Header(labelOrient="top", labelAnchor="start", labelFontWeight="bold")))
        .resolve_scale(x="independent")
    )
    return Chart(chart, title, alt_text)
