"""Help for analysts exploring the notebooks in JupyterLab."""

from __future__ import annotations

import os

RENDERING = "CRIMEPLAN_RENDER"  # set in the kernels of `crimeplan render`


def interactive_charts():
    """The offline Vega libraries as one output, so the charts below it draw interactively in
    JupyterLab with no network. A render embeds them in the update itself, so there it
    shows nothing."""
    if os.environ.get(RENDERING):
        return None
    from IPython.display import HTML

    from crimeplan.sections.charts import vega_javascript

    return HTML(f'<script type="text/javascript">{vega_javascript()}</script>')
