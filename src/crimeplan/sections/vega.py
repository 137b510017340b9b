"""What the documents need of Vega without Altair: the offline Vega script, JSON safe
inside a ``<script>``, and the PDF text column the charts are placed in. The render's own
process imports this, never :mod:`crimeplan.sections.charts` (Altair takes 0.4 s to import).
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import vl_convert as vlc

# The PDF places each chart's SVG at the full width of the text column (A4 less 2 cm
# margins: 17 cm = 482 pt) and as a figure that may float when it is taller than half
# the text area of a page.
PDF_COLUMN_POINTS = 482
PDF_PAGE_POINTS = 700  # the height of the text area of an A4 page: a taller chart would be cut


def script_json(value) -> str:
    """``value`` as JSON safe inside an HTML ``<script>``: no ``<`` the HTML parser could act on."""
    return json.dumps(value, sort_keys=True).replace("<", "\\u003c")


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
    bundle = vlc.javascript_bundle()  # type: ignore[call-arg]  # the stub calls the optional snippet required
    try:
        cache.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.tmp")
        partial.write_text(bundle, encoding="utf-8")
        partial.replace(path)
    except OSError:
        pass  # a read-only home: build it again next time
    return bundle
