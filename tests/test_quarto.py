"""Quarto renders the same update as the built-in renderer (issues 2, 8, 10 and 20).

The Quarto update is rendered once per test run as a Quarto user renders it (``rendered_quarto``:
``quarto render`` at the root of a project that is a git repository) and compared with the
built-in renderer's (``rendered_default``): seed figures, headings, cover and page
furniture, tables, charts, page counts, the offline browser check, the accessibility checks
of tests/test_accessibility.py (axe, one h1, unique headings, tables, skip link, charts,
PDF/UA-1, tags and page labels). ``crimeplan render --renderer quarto`` gives the same
update, quietly; its project then renders another quarter's profile, is previewed, and
refuses a bad measures file.

Tests that need Quarto skip where ``quarto`` is not on PATH (``make quarto`` installs the
Quarto kit into .tools/quarto; the Makefile puts it on PATH). CI sets
``CRIMEPLAN_REQUIRE_QUARTO=1``, which turns that skip into a failure.
"""

from __future__ import annotations

import difflib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest
import yaml

import test_accessibility as accessibility
from conftest import REPO, Rendered, copy_project, page_opener, render, run_cli, shared_render, shown
from crimeplan.build.render.document import CoverFacts, hidden_from_update
from crimeplan.inputs.params import load_plan, load_quarter
from pdf_text import html_text, normalised, parsed_pdf, pdf_text
from seed_figures import missing_figures
from test_accessibility import assert_axe_finds_no_violations
from test_browser import open_offline
from test_bulletin_layout import FOOTER_ZONE, pages_ending_with_a_heading
from test_render import chart_outputs

PLAN = load_plan(REPO / "params")
COVER = CoverFacts.of(PLAN, load_quarter(REPO / "params", "2019-20-Q2"))
NO_QUARTO = (
    "Quarto is not on PATH: `make quarto` installs the Quarto kit into .tools/quarto "
    "(or install Quarto >= 1.5 from https://quarto.org/docs/get-started/)"
)
# How far the two PDFs may drift apart in pages. Both are laid out by Typst from the same
# content with the same layout rules, but not by the same tools: the built-in renderer uses
# the `typst` wheel (0.15) and `pypandoc-binary` (Pandoc 3.9) pinned in requirements.txt,
# Quarto its own Typst and Pandoc (0.14 and 3.8.2 in the kit; each Quarto release pins
# its own). A line broken differently in a long table cell can move a page break, which
# shifts the pages after it until the next priority's page break absorbs it. Today the
# two PDFs have the same words on the same pages; one page either way is allowed.
PAGE_TOLERANCE = 1


# Tests that read the Quarto update carry this mark, so that they skip before the session
# fixture `rendered_default` renders anything; with CRIMEPLAN_REQUIRE_QUARTO they run and fail.
needs_quarto = pytest.mark.skipif(
    shutil.which("quarto") is None and not os.environ.get("CRIMEPLAN_REQUIRE_QUARTO"), reason=NO_QUARTO
)


def require_quarto() -> None:
    if shutil.which("quarto") is None:
        if os.environ.get("CRIMEPLAN_REQUIRE_QUARTO"):
            pytest.fail(f"CRIMEPLAN_REQUIRE_QUARTO is set but {NO_QUARTO}")
        pytest.skip(NO_QUARTO)


def quarto(root: Path, *args: str, timeout: float = 900) -> subprocess.CompletedProcess:
    """``quarto ARGS...`` at the project root, as a Quarto user runs it. Quarto runs
    crimeplan's steps with ``QUARTO_PYTHON`` (a project's own .venv/ when it has one)."""
    return subprocess.run(
        ["quarto", *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"QUARTO_PYTHON": sys.executable},
    )


def git_status(root: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def committed(root: Path) -> Path:
    """``root`` made a git repository with everything committed."""
    for command in (
        ["init", "-q"],
        ["add", "-A"],
        ["-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "project"],
    ):
        subprocess.run(["git", *command], cwd=root, check=True)
    return root


def _render_at_the_root(folder: Path) -> Rendered:
    root = committed(copy_project(folder / "project"))
    result = quarto(root, "render")
    assert result.returncode == 0, result.stderr[-3000:]
    return Rendered(root, "2019-20-Q2", result)


@pytest.fixture(scope="session")
def rendered_quarto(run_dir) -> Rendered:
    """``quarto render`` at the root of a project that is a git repository: the default
    profile, the latest quarter (2019/20 Q2). Shared by every worker: read only."""
    require_quarto()
    return shared_render(run_dir, "quarto-root", _render_at_the_root)


@pytest.fixture(scope="class")
def rendered_by_crimeplan(tmp_path_factory, rendered_default, rendered_previous_year) -> Rendered:
    """The same update from ``crimeplan render --renderer quarto`` (HTML and Typst at once),
    in a git repository of the project: TestTheQuartoProject reads it, then changes it in
    turn (another quarter's profile, a preview, a bad file, the lab). The project holds the
    built-in renderer's updates of 2019/20 Q2 and 2018/19 Q2 first, as after a user's own
    render: their executed notebooks are up to date, so Quarto renders them (``rendered_quarto``
    executes every notebook itself)."""
    require_quarto()
    root = copy_project(tmp_path_factory.mktemp("quarto-cli") / "project")
    for update in (rendered_default, rendered_previous_year):
        shutil.copytree(update.output_dir, root / "outputs" / update.quarter)
    rendered = render(committed(root), "2019-20-Q2", "--renderer", "quarto")
    said = " ".join(rendered.result.stderr.split())
    assert "executing 0 of 9 notebooks (9 unchanged since the last render), quarto renderer" in said
    return rendered


def renderer_of(rendered: Rendered) -> str:
    return json.loads((rendered.output_dir / "manifest.json").read_text())["renderer"]


@pytest.fixture(scope="module")
def both(rendered_quarto, rendered_default) -> dict[str, Rendered]:  # Quarto first: skip before rendering
    return {"builtin": rendered_default, "quarto": rendered_quarto}


RENDERERS = ["builtin", "quarto"]
MAIN = '<main id="main" tabindex="-1">'


# ---------------------------------------------------------------- reading documents back
class _Headings(HTMLParser):
    """Text of the h2-h4 headings inside <main>, in document order, as (level, text) with
    the PDF's levels: in the HTML the cover title is the one h1, so priorities are h2."""

    def __init__(self) -> None:
        super().__init__()
        self.headings: list[tuple[int, str]] = []
        self._in_main = False
        self._level = 0
        self._text: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self._in_main = True
        elif self._in_main and re.fullmatch(r"h[2-4]", tag):
            self._level, self._text = int(tag[1]), []

    def handle_endtag(self, tag):
        if tag == "main":
            self._in_main = False
        elif self._level and tag == f"h{self._level}":
            self.headings.append((self._level - 1, normalised("".join(self._text)).strip()))
            self._level = 0

    def handle_data(self, data):
        if self._level:
            self._text.append(data)


def html_headings(path: Path) -> list[tuple[int, str]]:
    parser = _Headings()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser.headings


def pdf_headings(path: Path) -> list[tuple[int, str]]:
    """The PDF's bookmarks (Typst writes one per heading), as (level, title)."""
    with parsed_pdf(path) as pdf:
        return [(level, normalised(title).strip()) for level, title, *_ in pdf.doc.get_outlines()]


def page_texts(path: Path) -> list[str]:
    with parsed_pdf(path) as pdf:
        count = len(pdf.pages)
    return [
        normalised(
            subprocess.run(
                ["pdftotext", "-f", str(n), "-l", str(n), str(path), "-"], capture_output=True, text=True, check=True
            ).stdout
        )
        for n in range(1, count + 1)
    ]


def heading_pages(path: Path, level: int = 1) -> list[tuple[str, int]]:
    """The PDF's headings of ``level`` (its bookmarks) with the 1-based page each is on."""
    from pdfminer.pdftypes import resolve1

    with parsed_pdf(path) as pdf:
        page_number = {page.page_obj.pageid: page.page_number for page in pdf.pages}
        found = []
        for heading_level, title, dest, action, _ in pdf.doc.get_outlines():
            if heading_level == level:
                target = resolve1(dest) if dest else resolve1(resolve1(action)["D"])
                found.append((normalised(title).strip(), page_number[resolve1(target)[0].objid]))
    return found


def priority_first_pages(path: Path) -> list[int]:
    """The 1-based page on which each priority's section starts."""
    pages = dict(heading_pages(path))
    return [pages.get(priority.heading, 0) for priority in PLAN.priorities]


# ---------------------------------------------------------------- parity
@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
@pytest.mark.parametrize("document", ["pdf", "html"])
def test_every_seed_figure_in_both_renderers(both, renderer, document):
    rendered = both[renderer]
    text = pdf_text(rendered.pdf) if document == "pdf" else html_text(rendered.html)
    assert missing_figures(text) == []


@needs_quarto
def test_same_section_headings_in_the_same_order(both):
    headings = {
        f"{renderer} {document}": reader(getattr(both[renderer], document))
        for renderer in RENDERERS
        for document, reader in (("html", html_headings), ("pdf", pdf_headings))
    }
    reference = headings["builtin html"]
    sections = [title for level, title in reference if level == 1]  # front matter, priorities, back matter
    assert [title for title in sections if title.startswith("Priority ")] == [p.heading for p in PLAN.priorities]
    assert len(reference) > 2 * len(PLAN.priorities)
    assert "Priority 1: performance in 2019/20 Q2" in [title for _, title in reference]
    for name, found in headings.items():
        assert found == reference, name


def content_words(path: Path, quarter_label: str = COVER.quarter_label) -> list[str]:
    """The PDF's words without the page furniture (running header, page numbers) and the
    performance tables' column headings (Typst repeats them after each page break), which
    move with the page breaks."""
    header = f"{COVER.title} – Quarterly Update {quarter_label} {COVER.force}"
    text = " ".join(page_texts(path)[1:])
    text = re.sub(r"Page \d+ of \d+", " ", text.replace(header, " "))
    text = text.replace("Measure Period This period Same period last year Change Judgement Target", " ")
    return text.split()


@needs_quarto
def test_same_words_in_both_pdfs(both):
    builtin, quarto = (content_words(both[r].pdf) for r in RENDERERS)
    if builtin != quarto:
        diff = [line for line in difflib.unified_diff(builtin, quarto, "builtin", "quarto", n=8, lineterm="")]
        pytest.fail("the PDFs differ in words:\n" + " ".join(diff[:200]))


@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
def test_cover_with_the_contents_then_numbered_pages(both, renderer):
    pages = page_texts(both[renderer].pdf)
    cover = pages[0]
    for fact in (
        COVER.title,
        f"Quarterly Update {COVER.quarter_label}",
        COVER.data_to,
        f"Version {COVER.version}",
        f"Produced {COVER.produced}",
        COVER.producing_unit,
    ):
        assert normalised(fact) in cover, fact
    assert "Page" not in cover and "Contents" in cover, "the cover holds the contents and no page number"
    assert pages[1].lstrip().startswith(f"{COVER.title} – Quarterly Update {COVER.quarter_label} {COVER.force}")
    assert f"Page 1 of {len(pages) - 1}" in pages[1]
    for number, text in enumerate(pages[1:], start=1):
        assert f"Page {number} of {len(pages) - 1}" in text
        assert text.lstrip().startswith(COVER.title), f"running header on page {number}"
    # The first section follows the contents; a section starts a new page only when little
    # room is left.
    assert heading_pages(both[renderer].pdf)[0][1] == 2
    first = priority_first_pages(both[renderer].pdf)
    assert first == sorted(first) and all(first), first
    for page, priority in zip(first, PLAN.priorities):
        assert priority.heading in pages[page - 1], priority.heading


@needs_quarto
def test_page_counts_and_priority_pages_close(both):
    builtin, quarto = (page_texts(both[r].pdf) for r in RENDERERS)
    assert abs(len(builtin) - len(quarto)) <= PAGE_TOLERANCE, (len(builtin), len(quarto))
    starts = [priority_first_pages(both[r].pdf) for r in RENDERERS]
    for b, q, priority in zip(*starts, PLAN.priorities):
        assert abs(b - q) <= PAGE_TOLERANCE, (priority.heading, b, q)


def stranded_headings(path: Path) -> list[str]:
    """Headings, and tables' column headings, with nothing after them on their page."""
    from pdfminer.pdftypes import resolve1

    stranded = []
    with parsed_pdf(path) as pdf:
        page_index = {page.page_obj.pageid: n for n, page in enumerate(pdf.pages)}
        for _level, title, dest, action, _ in pdf.doc.get_outlines():
            target = resolve1(dest) if dest else resolve1(resolve1(action)["D"])
            page = pdf.pages[page_index[resolve1(target)[0].objid]]
            heading_top = page.height - float(resolve1(target)[3])  # Typst points at the heading's top
            body_bottom = page.height - FOOTER_ZONE
            below = [w for w in page.extract_words() if heading_top + HEADING_HEIGHT < w["top"] < body_bottom]
            if not below:
                stranded.append(f"{title} (page {page.page_number})")
        for page in pdf.pages:  # a performance table's column headings with no row under them
            words = page.extract_words()
            for measure in (w for w in words if w["text"] == "Measure"):
                if any(abs(w["top"] - measure["top"]) < 2 and w["text"] == "Period" for w in words):
                    if not [w for w in words if measure["top"] + HEADING_HEIGHT < w["top"] < page.height - FOOTER_ZONE]:
                        stranded.append(f"table headings (page {page.page_number})")
    return stranded


HEADING_HEIGHT = 30  # points: a level-1 heading's coloured band is the tallest


@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
def test_no_heading_is_left_at_a_page_foot(both, renderer):
    """Headings stay with what follows them (tables, charts, text), and a table's column
    headings with its first rows. Typst keeps a heading with the next block only within
    one flow, which the Lua filter keeps by unwrapping Quarto's cell divs. Run-in headings
    (a bold paragraph over a list) stay with what follows them too."""
    assert stranded_headings(both[renderer].pdf) == []
    assert pages_ending_with_a_heading(both[renderer].pdf) == []


@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
def test_tables_are_not_hyphenated(both, renderer):
    """Typst hyphenates justified text only; both PDFs set text ragged right, and every
    table column is at least as wide as its longest word (crimeplan-table in layout.typ)."""
    raw = subprocess.run(["pdftotext", str(both[renderer].pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "\u00ad" not in raw, "no soft hyphen (a word broken by hyphenation)"
    assert not re.findall(r"[a-z]-\n[a-z]+", raw), "no word broken at a line end"
    # The column headings' lines (pdftotext joins neighbouring cells): each heading is whole on one.
    header_words = {"Measure", "Period", "This", "period", "Same", "last", "year", "Change", "Judgement", "Target"}
    header_lines = [line.split() for line in raw.splitlines() if line.strip() and set(line.split()) <= header_words]
    for whole in ("Measure", "Period", "Change", "Judgement", "Target"):
        assert any(whole in words for words in header_lines), whole
    assert any(line.startswith("Special Constable headcount") for line in raw.splitlines())


@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
def test_every_chart_is_a_vector_figure_with_its_alt_text_in_the_pdf(both, renderer):
    rendered = both[renderer]
    expected = chart_outputs(rendered.output_dir / "notebooks")
    assert expected > 0
    with parsed_pdf(rendered.pdf) as pdf:
        assert sum(len(page.images) for page in pdf.pages) == 0, "charts are SVG drawn as vectors, not images"
    assert rendered.pdf.read_bytes().count(b"/Alt") == expected, "each chart has its alt text"


@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
def test_html_has_cover_contents_and_no_external_resources(both, renderer):
    html = both[renderer].html.read_text(encoding="utf-8")
    text = html_text(both[renderer].html)
    for fact in (
        COVER.title,
        f"Quarterly Update {COVER.quarter_label}",
        COVER.data_to,
        COVER.produced,
        COVER.producing_unit,
    ):
        assert fact in text, fact
    assert '<nav id="TOC" role="doc-toc" aria-labelledby="toc-title">' in html
    assert html.count(MAIN) == 1 and html.index("</nav>") < html.index(MAIN)
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", html), "no external scripts or styles"
    assert "cdn.jsdelivr.net" not in html and "require.min.js" not in html


@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
def test_html_draws_every_chart_offline_without_errors(browser, both, renderer):  # noqa: F811
    rendered = both[renderer]
    expected = chart_outputs(rendered.output_dir / "notebooks")
    page = open_offline(browser, rendered.html)
    drawn = page.locator("figure.crimeplan-chart svg.marks")
    drawn.nth(expected - 1).wait_for(state="attached", timeout=30_000)
    assert drawn.count() == expected
    assert page.errors == [] and page.blocked == []
    sections = [normalised(s) for s in page.locator("main > section.level2 > h2").all_inner_texts()]
    assert [s for s in sections if s.startswith("Priority ")] == [p.heading for p in PLAN.priorities]
    page.close()


@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
def test_chart_fallback_images_without_javascript(browser, both, renderer):  # noqa: F811
    rendered = both[renderer]
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(rendered.html.as_uri())
    images = page.locator("figure.crimeplan-chart img")
    assert images.count() == chart_outputs(rendered.output_dir / "notebooks")
    assert all(images.nth(i).evaluate("img => img.naturalWidth > 100") for i in range(images.count()))
    context.close()


@needs_quarto
class TestTheQuartoProject:
    """``crimeplan render --renderer quarto`` in a git repository of the project: its tests
    read it, then change it in turn, on one worker (``rendered_by_crimeplan``)."""

    def test_quarto_render_is_quiet(self, rendered_quarto, rendered_by_crimeplan):
        """No warning from Quarto, Pandoc or nbformat (crimeplan passes Quarto's warnings on)
        but Quarto's notice that veraPDF is not installed to validate the PDF/UA-1 PDF, which
        ``quarto render`` prints and ``crimeplan render`` leaves out."""
        crimeplan = rendered_by_crimeplan.result.stderr
        assert not re.search(r"warn|DuplicateCellId|Unable to parse", crimeplan, re.I), crimeplan
        root = re.sub(r"\x1b\[[0-9;]*m", "", rendered_quarto.result.stderr)
        warnings = [
            line for line in root.splitlines() if re.search(r"warn|DuplicateCellId|Unable to parse", line, re.I)
        ]
        assert warnings == ["WARN: PDF standard validation requested but verapdf is not installed."], warnings

    def test_quarto_render_at_the_root_is_the_crimeplan_update(self, rendered_quarto, rendered_by_crimeplan):
        """``quarto render`` runs crimeplan's checks and Papermill (its pre-render step) and
        publishes the update with its notebooks, tables and manifest, as ``crimeplan render``
        does: the same page text, and ``crimeplan render`` then finds it up to date."""
        root = rendered_quarto.root
        assert "Rendering 2019/20 Q2: executing 9 of 9 notebooks" in rendered_quarto.result.stderr
        files = {
            p.relative_to(rendered_quarto.output_dir).as_posix()
            for p in rendered_quarto.output_dir.rglob("*")
            if p.is_file()
        }
        expected = {
            p.relative_to(rendered_by_crimeplan.output_dir).as_posix()
            for p in rendered_by_crimeplan.output_dir.rglob("*")
            if p.is_file()
        }
        assert files == expected and {"update.html", "update.pdf", "index.html", "manifest.json"} <= files
        assert page_texts(rendered_quarto.pdf) == page_texts(rendered_by_crimeplan.pdf)
        assert html_text(rendered_quarto.html) == html_text(rendered_by_crimeplan.html)
        again = run_cli(root, "render", "2019-20-Q2", "--renderer", "quarto")
        assert again.returncode == 0 and "2019-20-Q2 is up to date" in again.stderr, again.stderr
        assert git_status(root) == ""  # nothing to commit: Quarto's entries are in .gitignore already

    def test_a_quarter_profile_renders_that_quarter(self, rendered_by_crimeplan, rendered_previous_year):
        """``quarto render --profile 2018-19-Q2`` (_quarto-2018-19-Q2.yml) renders that quarter
        into outputs/2018-19-Q2/, with the built-in renderer's words."""
        quarto_project = rendered_by_crimeplan.root
        result = quarto(quarto_project, "render", "--profile", "2018-19-Q2")
        assert result.returncode == 0, result.stderr[-3000:]
        rendered = Rendered(quarto_project, "2018-19-Q2", result)
        assert renderer_of(rendered) == "quarto", "Quarto rendered the built-in renderer's notebooks again"
        assert "Quarterly Update 2018/19 Q2" in page_texts(rendered.pdf)[0]
        assert content_words(rendered.pdf, "2018/19 Q2") == content_words(rendered_previous_year.pdf, "2018/19 Q2")
        assert html_headings(rendered.html) == html_headings(rendered_previous_year.html)
        assert git_status(quarto_project) == ""

    def test_quarto_preview_serves_the_update(self, rendered_by_crimeplan):
        """``quarto preview`` at the root renders (crimeplan's steps, the HTML) and serves the
        update: ``/`` leads to update.html; the PDF, made from the same notebooks, stays, so
        the update is complete (``crimeplan render`` finds it up to date)."""
        root, port = rendered_by_crimeplan.root, _free_port()
        preview = subprocess.Popen(
            ["quarto", "preview", "--no-browser", "--port", str(port)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ | {"QUARTO_PYTHON": sys.executable},
            start_new_session=True,
        )
        try:
            deadline = time.monotonic() + 600
            while True:
                try:
                    status, index = _get(f"http://127.0.0.1:{port}/")
                    break
                except (urllib.error.URLError, ConnectionError):
                    assert preview.poll() is None and time.monotonic() < deadline, "quarto preview did not start"
                    time.sleep(1)
            assert status == 200 and "url=update.html" in index
            status, page = _get(f"http://127.0.0.1:{port}/update.html")
            assert status == 200 and "Quarterly Update 2019/20 Q2" in page and "figure" in page
        finally:
            preview.terminate()
            try:
                preview.wait(timeout=20)
            except subprocess.TimeoutExpired:
                preview.kill()
                preview.wait()
        again = run_cli(root, "render", "2019-20-Q2", "--renderer", "quarto")
        assert again.returncode == 0 and "2019-20-Q2 is up to date" in again.stderr, again.stderr
        assert git_status(root) == ""

    def test_a_bad_measures_file_stops_quarto_and_leaves_the_update(self, rendered_by_crimeplan):
        """crimeplan's checks run first in ``quarto render``: a bad value stops it with
        crimeplan's message and a non-zero exit, and the previous update is byte-identical."""
        root = rendered_by_crimeplan.root
        before = {p: p.read_bytes() for p in rendered_by_crimeplan.output_dir.rglob("*") if p.is_file()}
        bad = root / "data" / "measures" / "zz_typo.csv"
        bad.write_text(
            "measure,area,period_start,period_end,value,source,note\n"
            "specials_headcount,Essex,2019-09-30,2019-09-30,many,,\n",
            encoding="utf-8",
        )
        try:
            result = quarto(root, "render")
            assert result.returncode != 0
            assert "error:" in result.stderr and "zz_typo.csv" in result.stderr, result.stderr[-3000:]
            assert "Traceback" not in result.stderr
            after = {p: p.read_bytes() for p in rendered_by_crimeplan.output_dir.rglob("*") if p.is_file()}
            assert after == before
            assert git_status(root) == "?? data/measures/zz_typo.csv\n"
        finally:
            bad.unlink()
        assert git_status(root) == ""

    def test_the_lab_profile_renders_a_notebook_without_code_and_offline(self, rendered_by_crimeplan):
        """``quarto render --profile lab`` executes a notebook itself and renders it as a page:
        no code, en-GB, the charts drawn with the inline Vega bundle and no CDN script. Quarto
        writes the outputs into the notebook; the nbstripout filter (as `make setup` installs
        it) keeps them out of git: no difference to commit (git status lists the file, its size
        changed, until `git add` finds nothing to stage)."""
        root = rendered_by_crimeplan.root
        notebook = root / "notebooks" / "p7_road_safety.ipynb"
        strip = f'"{sys.executable}" -m nbstripout'
        extra = " ".join(
            f"metadata.language_info.{key}"
            for key in (
                "codemirror_mode",
                "file_extension",
                "mimetype",
                "nbconvert_exporter",
                "pygments_lexer",
                "version",
            )
        )
        for key, value in (("clean", f"{strip} --keep-id"), ("extrakeys", extra), ("smudge", "cat")):
            subprocess.run(["git", "config", f"filter.nbstripout.{key}", value], cwd=root, check=True)
        try:
            result = quarto(root, "render", "notebooks/p7_road_safety.ipynb", "--profile", "lab")
            assert result.returncode == 0, result.stderr[-3000:]
            page = (root / "outputs" / "lab" / "notebooks" / "p7_road_safety.html").read_text(encoding="utf-8")
            assert 'lang="en-GB"' in page and "cell-code" not in page and "sourceCode" not in page
            assert page.count('<figure class="crimeplan-chart') > 0 and "window.vegaEmbed" in page
            assert "cdn.jsdelivr" not in page and "require.min.js" not in page
            assert any(cell.get("outputs") for cell in nbformat.read(notebook, as_version=4).cells)
            assert subprocess.run(["git", "diff", "--stat"], cwd=root, capture_output=True, text=True).stdout == ""
            subprocess.run(["git", "add", "-A"], cwd=root, check=True)
            assert git_status(root) == ""
        finally:
            subprocess.run(["git", "checkout", "--", str(notebook)], cwd=root, check=True)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=600) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, ""


@needs_quarto
def test_known_differences_between_the_renderers(both):
    """What Quarto does not match, named rather than skipped (README: "Quarto")."""
    from importlib.metadata import version

    builtin_html, quarto_html = (both[r].html.read_text(encoding="utf-8") for r in RENDERERS)
    # 1. The HTML generator: Quarto stamps its own name and version on the page.
    assert '<meta name="generator" content="crimeplan">' in builtin_html
    assert re.search(r'<meta name="generator" content="quarto-[\d.]+"', quarto_html)
    # 2. The Typst that lays out the PDF: the `typst` wheel for the built-in renderer,
    #    Quarto's own Typst for Quarto (so line and page breaks may differ; PAGE_TOLERANCE).
    with parsed_pdf(both["builtin"].pdf) as pdf:
        assert pdf.metadata["Creator"] == f"Typst {version('typst')}"
    with parsed_pdf(both["quarto"].pdf) as pdf:
        assert re.fullmatch(r"Typst \d+\.\d+\.\d+", pdf.metadata["Creator"])
    # 3. Quarto's Pandoc marks tables `caption-top` (the stylesheet puts captions on top either way).
    builtin_main, quarto_main = (html.split(MAIN)[1] for html in (builtin_html, quarto_html))
    assert builtin_main.count("<table") == quarto_main.count('<table class="caption-top"') > 0


# ---------------------------------------------------------------- accessibility, as tests/test_accessibility.py
@pytest.fixture(scope="module")
def open_quarto_at(browser, rendered_quarto):
    """Open the Quarto update at a viewport width, once every chart is drawn (as
    test_accessibility's ``open_at`` does for the built-in update)."""
    yield from page_opener(browser, rendered_quarto, chart_outputs(rendered_quarto.output_dir / "notebooks"))


@needs_quarto
@pytest.mark.parametrize("width", [390, 1280])
def test_axe_finds_no_wcag_a_or_aa_violations_in_the_quarto_html(open_quarto_at, width):
    assert_axe_finds_no_violations(open_quarto_at(width), width)


# The built-in update's accessibility checks that read the page through the browser, run
# as they are on the Quarto update (tests/test_accessibility.py holds them).
BROWSER_CHECKS = [
    accessibility.test_page_reflows_without_sideways_scrolling,
    accessibility.test_headings_form_one_outline_of_unique_headings,
    accessibility.test_skip_link_leads_to_the_main_content,
    accessibility.test_every_table_has_a_caption_scoped_headers_and_a_scroll_region,
    accessibility.test_charts_are_named_images_with_a_visible_caption,
]
# ... and those that read the rendered files.
FILE_CHECKS = [
    accessibility.test_pdf_declares_pdf_ua_1_with_its_title_displayed,
    accessibility.test_displayed_numbers_use_the_minus_sign_and_say_percentage_points,
    accessibility.test_pdf_page_labels_match_the_printed_page_numbers,
    accessibility.test_pdf_table_headers_do_not_overlap,
    accessibility.test_pdf_tables_fit_their_cells,
    accessibility.test_no_page_is_mostly_blank_but_the_last_of_a_section,
]


@needs_quarto
@pytest.mark.parametrize("check", BROWSER_CHECKS, ids=lambda check: check.__name__.removeprefix("test_"))
def test_quarto_html_passes_the_accessibility_checks(open_quarto_at, check):
    if "width" in check.__code__.co_varnames[: check.__code__.co_argcount]:
        for width in (320, 390):
            check(open_quarto_at, width)
    else:
        check(open_quarto_at)


@needs_quarto
@pytest.mark.parametrize("check", FILE_CHECKS, ids=lambda check: check.__name__.removeprefix("test_"))
def test_quarto_files_pass_the_accessibility_checks(rendered_quarto, check):
    check(rendered_quarto)


@needs_quarto
@pytest.mark.parametrize("renderer", RENDERERS)
def test_cells_hidden_with_include_false_are_not_in_the_update(both, renderer):
    """Quarto honours its own `#| include: false` in the pre-executed notebook, as the
    built-in renderer does: the tidy table for exploring is in the notebooks, not the update."""
    rendered = both[renderer]
    hidden = [
        output
        for path in sorted((rendered.output_dir / "notebooks").glob("*.ipynb"))
        for cell in nbformat.read(path, as_version=4).cells
        if hidden_from_update(cell)
        for output in cell.get("outputs", [])
    ]
    # the tidy DataFrame's column names, in no other text of the update
    assert hidden and all("period_start" in str(output.get("data", {})) for output in hidden)
    html = rendered.html.read_text(encoding="utf-8")
    assert "period_start" not in html and 'class="dataframe"' not in html
    assert "period_start" not in pdf_text(rendered.pdf)


# ---------------------------------------------------------------- without Quarto
def test_the_project_renders_through_crimeplan_and_the_extension():
    """_quarto.yml: crimeplan's pre-render and post-render steps, the latest quarter as the
    default profile, nothing executed by Quarto; the look is the extension's two formats,
    reading Markdown as the built-in renderer does, with the PDF declaring PDF/UA-1."""
    from crimeplan.build.render.builtin import PANDOC_INPUT
    from crimeplan.build.render.document import EXTENSION
    from crimeplan.inputs.params import available_quarters

    config = yaml.safe_load((REPO / "_quarto.yml").read_text())
    assert config["project"]["pre-render"] == "_extensions/crimeplan/render-step.py pre-render"
    assert config["project"]["post-render"] == "_extensions/crimeplan/render-step.py post-render"
    assert config["profile"]["default"] == available_quarters(REPO / "params")[-1]
    assert config["execute"]["enabled"] is False
    assert (REPO / "_extensions" / "crimeplan").resolve() == Path(str(EXTENSION)).resolve()
    formats = yaml.safe_load((Path(str(EXTENSION)) / "_extension.yml").read_text())["contributes"]["formats"]
    common, html, typst = formats["common"], formats["html"], formats["typst"]
    assert common["from"] == PANDOC_INPUT and common["lang"] == "en-GB" and common["echo"] is False
    # Quarto's filters first, then crimeplan.lua (which unwraps the notebook cells), then the
    # built-in renderer's accessible.lua, which then sees the document it sees there.
    assert common["filters"] == ["quarto", "crimeplan.lua", "accessible.lua"]
    assert typst["papersize"] == "a4" and typst["pdf-standard"] == "ua-1"
    assert html["shift-heading-level-by"] == 1 and html["toc-depth"] == 2  # as the built-in renderer's HTML
    for name in [*typst["template-partials"], *html["template-partials"], *common["filters"][1:]]:
        assert (Path(str(EXTENSION)) / name).is_file(), name


def test_every_quarter_has_its_current_profile(tmp_path):
    """_quarto-<quarter>.yml for each quarter in params/, as crimeplan writes it (output
    folder, the one file to render, the cover facts), and a new quarter gets one."""
    from crimeplan.build.quarto_project import write_profiles
    from crimeplan.inputs.params import available_quarters
    from crimeplan.project import Project

    root = copy_project(tmp_path / "project")
    assert write_profiles(Project(root)) == []  # the committed profiles are current
    profiles = sorted(p.name for p in REPO.glob("_quarto-*.yml"))
    assert profiles == sorted([*(f"_quarto-{q}.yml" for q in available_quarters(REPO / "params")), "_quarto-lab.yml"])
    profile = yaml.safe_load((REPO / "_quarto-2019-20-Q2.yml").read_text())
    assert profile["project"] == {"output-dir": "outputs/2019-20-Q2", "render": ["update.ipynb"]}
    assert {key: profile[key] for key in COVER.metadata()} == COVER.metadata()  # the cover facts, as Markdown text
    result = run_cli(root, "new-quarter", "2019-20-Q3")
    assert result.returncode == 0, result.stderr
    assert "wrote _quarto-2019-20-Q3.yml" in result.stderr and "wrote _quarto.yml" in result.stderr
    assert yaml.safe_load((root / "_quarto.yml").read_text())["profile"]["default"] == "2019-20-Q3"
    assert (
        yaml.safe_load((root / "_quarto-2019-20-Q3.yml").read_text())["project"]["output-dir"] == "outputs/2019-20-Q3"
    )


def test_git_ignores_what_quarto_and_the_steps_write_and_strips_notebooks():
    """Quarto finds its own entries in .gitignore (so it does not edit the file), and the
    notebooks go through the nbstripout filter, keeping cell ids, when staged."""
    ignored = (REPO / ".gitignore").read_text().splitlines()
    assert {"/.quarto/", "**/*.quarto_ipynb", "/update.ipynb", "/_crimeplan/", "outputs/"} <= set(ignored)
    assert "*.ipynb filter=nbstripout" in (REPO / ".gitattributes").read_text().splitlines()
    makefile = (REPO / "Makefile").read_text()
    assert "-m nbstripout --keep-id" in makefile and "filter.nbstripout.extrakeys" in makefile


def test_quarto_partials_include_the_built_in_templates():
    """The cover, the contents and the PDF's layout are written once, for both renderers."""
    from crimeplan.build.render.document import EXTENSION

    templates = Path(str(EXTENSION))
    assert (templates / "title-block.html").read_text().strip() == "$cover.html()$"
    assert (templates / "toc.html").read_text().strip() == "$contents.html()$"
    assert "$layout.typ()$" in (templates / "typst-show.typ").read_text()
    builtin_html, builtin_typ = ((templates / name).read_text() for name in ("update.html", "update.typ"))
    assert "$cover.html()$" in builtin_html and "$contents.html()$" in builtin_html
    assert "$layout.typ()$" in builtin_typ
    assert "#let crimeplan-table(" in (templates / "layout.typ").read_text()


def test_combined_notebook_has_fresh_ids_and_markdown_charts(tmp_path):
    """The notebook Quarto reads: unique cell ids, the cover facts as front matter, and
    charts as Markdown (a div naming the chart's HTML, around a raw Typst figure) so that
    Quarto adds no CDN scripts."""
    from crimeplan.build.render.quarto import combined_notebook

    notebooks = [REPO / "notebooks" / f"{p.notebook}.ipynb" for p in PLAN.priorities]
    chart = nbformat.v4.new_output(
        "display_data",
        data={
            "text/html": '<figure class="crimeplan-chart"></figure>',
            "image/svg+xml": "<svg></svg>",
            "text/plain": "Bar chart. Alt text.",
        },
        metadata={"image/svg+xml": {"alt": "Bar chart. Alt text."}},
    )
    executed = []
    for path in notebooks:  # the shipped notebooks have no outputs: give each a chart and a heading
        notebook = nbformat.read(path, as_version=4)
        notebook.cells[-1].outputs = [chart, nbformat.v4.new_output("execute_result", data={"text/markdown": "# P"})]
        executed.append(tmp_path / path.name)
        nbformat.write(notebook, executed[-1])
    combined = combined_notebook(executed, COVER, tmp_path / "_crimeplan")
    nbformat.validate(combined)
    ids = [cell.id for cell in combined.cells]
    assert len(ids) == len(set(ids))
    front = yaml.safe_load(combined.cells[0].source.strip("-\n"))
    assert combined.cells[0].cell_type == "raw"
    assert {key: value for key, value in front.items() if key != "format"} == COVER.metadata()
    assert shown(front["quarter-label"]) == "2019/20 Q2" and shown(front["producing-unit"]) == COVER.producing_unit
    assert front["format"] == {
        "crimeplan-html": {"include-in-header": "_crimeplan/header.html"},
        "crimeplan-typst": "default",
    }
    outputs = [o for cell in combined.cells if cell.cell_type == "code" for o in cell.outputs]
    assert len(outputs) == 2 * len(notebooks)
    assert not any("text/html" in o.data for o in outputs)
    charts = [o.data["text/markdown"] for o in outputs if "crimeplan-html" in o.data["text/markdown"]]
    assert len(charts) == len(notebooks) and len(set(charts)) == 1
    # the static figure is the built-in renderer's own (document.output_block): the SVG with its alt text
    from crimeplan.build.render.document import TYPST, output_block

    static = output_block(
        nbformat.v4.new_output(
            "display_data", data={k: v for k, v in chart.data.items() if k != "text/html"}, metadata=chart.metadata
        ),
        TYPST,
        tmp_path / "builtin" / "_crimeplan",
    )
    assert 'image("_crimeplan/' in static and 'alt: "Bar chart. Alt text."' in static
    html_div = re.fullmatch(r'::: \{\.crimeplan-html include="_crimeplan/\w+\.html"\}\n(.*)\n:::', charts[0], re.S)
    assert html_div and html_div.group(1) == static, charts[0]
    assert [p.read_text() for p in (tmp_path / "_crimeplan").glob("*.html")] == [
        '<figure class="crimeplan-chart"></figure>'
    ]
    assert [p.read_text() for p in (tmp_path / "_crimeplan").glob("*.svg")] == ["<svg></svg>"]


def test_two_quarto_calls_at_once_one_per_format(tmp_path, monkeypatch):
    """``crimeplan render --renderer quarto`` runs one ``quarto render --no-execute`` per
    format, at once, on the notebook staged outside the project beside the extension."""
    import threading

    from crimeplan.build.render import quarto

    calls, running, most = [], [0], [0]
    lock = threading.Lock()

    def fake_run(command, what, cwd, **kwargs):
        with lock:
            calls.append(command)
            running[0] += 1
            most[0] = max(most[0], running[0])
        assert (Path(cwd) / "_extensions" / "crimeplan" / "_extension.yml").is_file()
        assert (Path(cwd) / "_crimeplan" / "header.html").is_file()
        time.sleep(0.2)
        suffix = ".pdf" if "crimeplan-typst" in command else ".html"
        (Path(cwd) / f"update{suffix}").write_text("x")
        with lock:
            running[0] -= 1
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(quarto.bounded, "run", fake_run)
    notebooks = [REPO / "notebooks" / f"{p.notebook}.ipynb" for p in PLAN.priorities]
    written = quarto.render_quarto(REPO, notebooks, COVER, tmp_path)
    assert sorted(calls) == [
        ["quarto", "render", "update.ipynb", "--to", "crimeplan-html", "--no-execute"],
        ["quarto", "render", "update.ipynb", "--to", "crimeplan-typst", "--no-execute"],
    ]
    assert most[0] == 2
    assert written == {"html": tmp_path / "update.html", "pdf": tmp_path / "update.pdf"}


def compiled_with_layout(tmp_path, body: str) -> Path:
    """``body`` (Markdown) as a PDF through Quarto's typst-show.typ partial, filled in by
    Pandoc from the front matter the Quarto renderer writes, compiled by the typst wheel."""
    import pypandoc
    import typst

    from crimeplan.build.render.document import EXTENSION

    shutil.copy(EXTENSION / "layout.typ", tmp_path / "layout.typ")
    shutil.copy(EXTENSION / "typst-show.typ", tmp_path / "typst-show.typ")
    (tmp_path / "template.typ").write_text("$typst-show.typ()$\n\n$body$\n", encoding="utf-8")
    markdown = "---\n" + yaml.safe_dump(COVER.metadata(), allow_unicode=True) + "---\n\n" + body
    source = tmp_path / "doc.typ"
    pypandoc.convert_text(markdown, "typst", format="markdown", outputfile=str(source),
                          extra_args=["--standalone", f"--template={tmp_path / 'template.typ'}"])
    typst.compile(str(source), output=str(tmp_path / "doc.pdf"))
    return tmp_path / "doc.pdf"


def test_typst_partial_compiles_with_typst(tmp_path):
    """The partial compiles with the typst wheel: the cover, with the contents, labelled "i"
    and unnumbered, then "Page 1 of N", with page labels to match."""
    import pypdfium2

    pdf = compiled_with_layout(tmp_path, "# First\n\nBody\n\n# Second\n\nMore\n")
    pages = page_texts(pdf)
    assert len(pages) == 2  # short priorities start no new page (needspace)
    assert COVER.data_to in pages[0] and "Contents" in pages[0] and "Page" not in pages[0]
    assert "Page 1 of 1" in pages[1]
    assert pages[1].lstrip().startswith(f"{COVER.title} – Quarterly Update {COVER.quarter_label}")
    assert "First Body Second More" in pages[1]
    document = pypdfium2.PdfDocument(str(pdf))
    assert [document.get_page_label(i) for i in range(len(document))] == ["i", "1"]


def test_what_is_kept_on_one_page_moves_to_the_next_whole_or_breaks_when_taller_than_a_page(tmp_path):
    """The scorecard's ``on-one-page``: a list that does not fit in what is left of a page
    starts the next; one taller than a page starts a page of its own and breaks, none of it lost."""
    def kept(name: str, items: int) -> str:
        listed = "\n".join(f"- {name} item {i}" for i in range(1, items + 1))
        return f"```{{=typst}}\n#on-one-page[\n```\n\n{listed}\n\n```{{=typst}}\n]\n```\n\n"

    filler = "\n\n".join(f"Paragraph {i} of the text before." for i in range(1, 31))
    pdf = compiled_with_layout(tmp_path, f"# Body\n\n{filler}\n\n{kept('Short', 15)}{kept('Long', 90)}")
    pages = page_texts(pdf)[1:]
    assert "Paragraph 30" in pages[0] and "Short item" not in pages[0]  # room left, but not for the list
    assert "Short item 1 " in pages[1] and "Short item 15" in pages[1]
    first_long = next(n for n, page in enumerate(pages) if "Long item 1 " in page)
    assert first_long > 1 and "Short item" not in pages[first_long]  # from the top of a page
    assert "Long item 90" in pages[-1] and len(pages) - first_long == 2  # broken over two pages, every item there
