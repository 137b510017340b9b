"""Reading rendered documents back as a reviewer sees them."""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pdfplumber

# The update's A4 pages after the cover (layout.typ, the extension's margins), in points:
# the running header sits in the top margin (2.2 cm, 62 pt) and the page label in the
# bottom one (1.8 cm, 51 pt).
PAGE_HEIGHT, TOP_MARGIN, BOTTOM_MARGIN = 842, 62, 51
# Where the pages of each PDF read are kept once parsed, for every test process of the run
# (conftest sets it to the folder the xdist workers share); None: parsed in each process.
PARSED_PAGES_DIR: Path | None = None


def pdf_text(path: Path) -> str:
    """The PDF's text in reading order (poppler's pdftotext), normalised."""
    return normalised(subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout)


def pdf_body_text(path: Path) -> str:
    """The PDF's text without the running header (the update's title, then the force's name)
    and the page number of each page, so a paragraph broken across pages reads on."""
    raw = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for page in raw.split("\f"):
        lines = [line for line in page.splitlines() if line.strip()]
        if lines and re.fullmatch(r"Page \d+ of \d+", lines[-1].strip()):
            lines = lines[2:-1]
        pages.append("\n".join(lines))
    return normalised("\n".join(pages))


@contextmanager
def parsed_pdf(path: Path) -> Iterator[pdfplumber.PDF]:
    """``path`` opened with pdfplumber once per test process while the file is unchanged, its
    pages parsed once per test run (about 3 s for the update, 0.3 s to load them again)
    however many tests and workers read them."""
    stat = Path(path).stat()
    yield _opened(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=8)
def _opened(path: str, mtime_ns: int, size: int) -> pdfplumber.PDF:
    pdf = pdfplumber.open(path)
    if PARSED_PAGES_DIR is None:
        return pdf
    content = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    kept = PARSED_PAGES_DIR / f"{content}-pdfplumber-{pdfplumber.__version__}.pickle"
    if kept.is_file():
        for page, objects in zip(pdf.pages, pickle.loads(kept.read_bytes()), strict=True):
            page._objects = objects  # what pdfplumber's Page.objects parses once and keeps
    else:
        PARSED_PAGES_DIR.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=PARSED_PAGES_DIR, delete=False) as file:
            pickle.dump([page.objects for page in pdf.pages], file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(file.name, kept)
    return pdf


def pdf_table_rows(path: Path) -> str:
    """The PDF's table rows, one a line, each its cells' text in column order (a cell's
    wrapped lines joined), as a reader reads a row across, whatever order pdftotext takes."""
    with parsed_pdf(path) as pdf:
        rows = [row for page in pdf.pages for table in page.extract_tables() for row in table]
    return "\n".join(normalised(" ".join(cell for cell in row if cell)) for row in rows)


def normalised(text: str) -> str:
    """Whitespace collapsed and typographic apostrophes made plain, as a reader would search."""
    return re.sub(r"\s+", " ", text).replace("\u2019", "'")


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    """The HTML's visible text (scripts and styles dropped), normalised."""
    parser = _TextOnly()
    parser.feed(path.read_text(encoding="utf-8"))
    return normalised(" ".join(parser.parts))
