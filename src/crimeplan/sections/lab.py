"""Help for analysts exploring the notebooks in JupyterLab.

- :func:`interactive_charts` puts the offline Vega libraries on the page (the priority
  notebooks call it), so the update's own charts draw with no network;
- :func:`offline_altair` does the same and makes *plain* Altair charts draw from them too
  (Altair's own renderer would load Vega from a CDN);
- :func:`measures_table` returns every measure across quarters as one tidy DataFrame.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

RENDERING = "CRIMEPLAN_RENDER"  # set in the kernels of `crimeplan render`
ALTAIR_RENDERER = "crimeplan-offline"
MEASURES_COLUMNS = ["measure", "label", "unit", "area", "quarter", "period_start", "period_end", "value",
                    "status", "source", "note", "file", "row"]


def interactive_charts():
    """The offline Vega libraries as one output, so the charts below it draw interactively in
    JupyterLab with no network. A render embeds them in the update itself, so there it
    shows nothing."""
    if os.environ.get(RENDERING):
        return None
    from IPython.display import HTML

    from crimeplan.sections.vega import vega_javascript

    # Once per page: a second copy at the top level would declare its names again (an error).
    return HTML(f'<script type="text/javascript">if (!window.vegaEmbed) {{ (function () {{\n{vega_javascript()}\n}})(); }}'
                '</script>')


def offline_altair():
    """Make plain Altair charts draw offline in JupyterLab: one call, in a cell before them.

    Enables an Altair renderer that draws each chart with the bundled Vega, and returns
    the output that loads it (as :func:`interactive_charts`)::

        from crimeplan.sections.lab import measures_table, offline_altair
        offline_altair()
        alt.Chart(measures_table()).mark_line().encode(x="period_end", y="value", color="area")
    """
    import altair as alt

    if ALTAIR_RENDERER not in alt.renderers.names():
        alt.renderers.register(ALTAIR_RENDERER, _offline_bundle)
    alt.renderers.enable(ALTAIR_RENDERER)
    return interactive_charts()


def _offline_bundle(spec: dict, **_options) -> dict:
    """An Altair chart as HTML drawn by the ``window.vegaEmbed`` that :func:`offline_altair` loaded."""
    from crimeplan.sections.vega import script_json

    element = f"crimeplan-altair-{uuid.uuid4().hex}"
    script = (
        f"(function draw(tries) {{ var box = document.getElementById({script_json(element)});"
        f" if (window.vegaEmbed) {{ vegaEmbed(box, {script_json(spec)}, {{\"actions\": false}})"
        f".catch(function (e) {{ box.textContent = String(e); }}); }}"
        f" else if (tries > 0) {{ setTimeout(function () {{ draw(tries - 1); }}, 100); }}"
        f" else {{ box.textContent = 'Run offline_altair() first: the Vega libraries are not loaded.'; }} }})(50);"
    )
    return {"text/html": f'<div id="{element}"></div><script type="text/javascript">{script}</script>'}


def measures_table(root: str | Path = "..") -> pd.DataFrame:
    """Every measure of the project at ``root`` (default: the project of a notebook in
    ``notebooks/``) across all quarters, one row per figure, ready for Altair and pandas.

    Columns: ``measure``, ``label`` and ``unit`` (from the catalogue), ``area``, ``quarter``
    (the financial quarter the period ends in, e.g. ``2019-20-Q2``), ``period_start`` and
    ``period_end`` (datetimes), ``value``, ``status`` (when the measures files have one,
    else empty), ``source``, ``note``, ``file`` (relative to the project, e.g.
    ``data/measures/own_figures.csv``) and ``row``. Raises
    :class:`~crimeplan.errors.InputError` listing every problem in the data.
    """
    import pandas as pd

    from crimeplan.errors import raise_for_errors
    from crimeplan.inputs.measures import display_path, read_catalogue, read_measures
    from crimeplan.periods import quarter_of

    data_dir = Path(root).resolve() / "data"
    catalogue, _, problems = read_catalogue(data_dir)
    measures, found = read_measures(data_dir)
    raise_for_errors(problems + found)
    table = measures.assign(
        label=measures["measure"].map(lambda m: catalogue[m].label if m in catalogue else ""),
        unit=measures["measure"].map(lambda m: catalogue[m].unit if m in catalogue else ""),
        quarter=measures["period_end"].map({day: quarter_of(day).id for day in measures["period_end"].unique()}),
        period_start=pd.to_datetime(measures["period_start"]),
        period_end=pd.to_datetime(measures["period_end"]),
        file=measures["file"].map({f: display_path(Path(f), data_dir) for f in measures["file"].unique()}),
    )
    if "status" not in table:
        table["status"] = ""
    extra = [c for c in table.columns if c not in MEASURES_COLUMNS]
    return table[MEASURES_COLUMNS + extra].sort_values(["measure", "area", "period_end"]).reset_index(drop=True)
