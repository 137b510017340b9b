"""What the documents need of Vega without Altair: the offline Vega script, JSON safe
inside a ``<script>``, and the PDF text column the charts are placed in. The render's own
process imports this, never :mod:`crimeplan.sections.charts` (Altair takes 0.4 s to import).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import vl_convert as vlc

from crimeplan.inputs.cache import cache_folder, kept

# The PDF places each chart's SVG at the full width of the text column (A4 less 2 cm
# margins: 17 cm = 482 pt) and as a figure that may float when it is taller than half
# the text area of a page.
PDF_COLUMN_POINTS = 482
PDF_PAGE_POINTS = 700  # the height of the text area of an A4 page: a taller chart would be cut
# Where vl-convert finds the fonts it lays a chart's text out with (fontconfig's usual folders).
FONT_FOLDERS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts")


def script_json(value) -> str:
    """``value`` as JSON safe inside an HTML ``<script>``: no ``<`` the HTML parser could act on."""
    return json.dumps(value, sort_keys=True).replace("<", "\\u003c")


@lru_cache(maxsize=1)
def vega_javascript() -> str:
    """Vega, Vega-Lite and Vega-Embed as one offline script (sets ``window.vegaEmbed``).

    vl-convert builds it in about a second; it depends only on vl-convert's version, so it
    is kept in the user's cache folder (``$XDG_CACHE_HOME/crimeplan``) once built.
    """
    name = f"vega-embed-bundle-vl-convert-{metadata.version('vl-convert-python')}.js"
    return _kept(name, lambda: vlc.javascript_bundle())  # type: ignore[call-arg]  # the stub calls the optional snippet required


def svg(spec: dict) -> str:
    """The Vega-Lite ``spec`` drawn as SVG by vl-convert (0.1 to 0.3 s a chart), kept in the
    user's cache folder by what the drawing depends on: the spec, vl-convert's version and
    the fonts installed. A render of unchanged figures draws none of its charts again."""
    drawing = [spec, metadata.version("vl-convert-python"), _fonts()]
    key = hashlib.sha256(json.dumps(drawing, sort_keys=True).encode()).hexdigest()
    return _kept(f"charts/{key}.svg", lambda: vlc.vegalite_to_svg(spec))


def start_drawing_for_a_first_render() -> None:
    """Start vl-convert's engine now (0.4 s of CPU) when no chart has been kept yet: a first
    render draws every chart, so each kernel starts it while the render reads its inputs.
    Otherwise it starts at the first chart not drawn before, and a render that draws none
    (most do) never starts it."""
    if not any((cache_folder() / "charts").glob("*.svg")):
        vlc.vegalite_to_svg({"mark": "point"})


def _kept(name: str, make: Callable[[], str]) -> str:
    """The text ``make`` gives, kept as ``name`` in the user's cache folder."""
    return kept(name, make, dump=str.encode, load=lambda raw: raw.decode("utf-8"))


@lru_cache(maxsize=1)
def _fonts() -> list[tuple[str, int, int]]:
    """The font files vl-convert may lay text out with: path, size and modification time."""
    found = []
    for folder in FONT_FOLDERS:
        for path in sorted(Path(folder).expanduser().rglob("*")):
            if path.is_file():
                status = path.stat()
                found.append((str(path), status.st_size, status.st_mtime_ns))
    return found
