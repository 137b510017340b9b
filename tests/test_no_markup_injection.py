"""Every text field is text (issues 12 and 21): a value from the params, plan, catalogue,
sources, reference data, measures or an ingested file reaches the HTML, the PDF and the
CSVs as text, never as a link, attribute, element or Typst code that runs.

One project holds the payloads in every text field at once (each marked with its field's
tag, so a failure names the field); it is rendered once per renderer.
"""

from __future__ import annotations

import base64
import csv
import io
import re
import shutil
import subprocess
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
import yaml

from conftest import copy_project, render, run_in_process
from crimeplan.errors import InputError
from crimeplan.text.commentary import load_commentary
from pdf_text import BOTTOM_MARGIN, PAGE_HEIGHT, TOP_MARGIN, html_text
from test_quarto import needs_quarto, require_quarto

QUARTER = "2019-20-Q2"
# Markdown links to javascript:, attribute spans, raw HTML and Typst blocks, Typst code,
# brackets, maths, a backslash, HTML tags, a citation, emphasis marks and an entity.
PAYLOAD = ('[x](javascript:alert(1)) [y]{onmouseover="alert(2)"} [z](https://example.org){onclick="alert(3)"} '
           '`<b id="RAW1">r</b>`{=html} `#read("update.typ")`{=typst} PU ] #eval("6*7") [ end $x$ \\ '
           '<i id="RAW2">tag</i> <img src=x onerror="alert(4)"> @SUM (budget $5m) 2 * 3 _u_ #tag &#115; < 1')
# Each field's tag; fields shown in a CSV start with a formula character.
FIELDS = {
    "=F01": "catalogue label", "F02": "catalogue definition", "@F03": "plan priority title",
    "F04": "commitment text", "F05": "contact.how", "F06": "plan_title", "F07": "params revisions[].change",
    "F08": "params producing_unit", "F09": "sources title", "F10": "sources publisher",
    "F11": "measures source", "+F12": "area name (areas.csv, ingested police.uk file)", "F13": "plan force",
    "F14": "params produced", "F15": "plan revisions_policy",
}
AREA = "Basildon"
# Ordinary text that must simply print, in commentary too.
ORDINARY = "Follow us @EssexPoliceUK; budget $5m; #hashtag; a < b; 2 * 3; snake_case; [note]"
HOSTILE_URL = 'https://example.org/?a="onmouseover="alert(5)'


def payload(tag: str) -> str:
    return f"{tag} {PAYLOAD}"


def _edit_yaml(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _edit_csv(path: Path, change) -> None:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    change(frame)
    frame.to_csv(path, index=False)


def _police_uk_file(folder: Path) -> Path:
    """A police.uk street-level file for the quarter: anti-social behaviour in the area's LSOA."""
    path = folder / "2019-07-hostile-street.csv"
    header = ("Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,"
              "Crime type,Last outcome category,Context")
    rows = [f",2019-{month:02d},Essex Police,Essex Police,0.46,51.58,On or near Test Road,E01021237,"
            f"{AREA} 001A,Anti-social behaviour,," for month in (7, 8, 9) for _ in range(month - 5)]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def plant_payloads(root: Path) -> None:
    """Every text field of the project holds its payload; the area's name comes in through
    the reference files and an ingested police.uk file."""
    data, params = root / "data", root / "params"
    area = payload("+F12")

    def catalogue(entries):
        entries["measures"]["specials_headcount"].update(label=payload("=F01"), definition=payload("F02"))
    _edit_yaml(data / "catalogue.yml", catalogue)

    def plan(p):
        p.update(force=payload("F13"), plan_title=payload("F06"))
        p["contact"]["how"] = payload("F05")
        p["revisions_policy"] = payload("F15")
        p["priorities"][0]["title"] = payload("@F03")
        p["priorities"][0]["commitments"][0]["text"] = payload("F04")
        p["areas"] = [area if name == AREA else name for name in p["areas"]]
    _edit_yaml(params / "plan.yml", plan)

    def quarter(q):
        q.update(producing_unit=payload("F08"), produced=payload("F14"))
        q["revisions"][0]["change"] = payload("F07")
    _edit_yaml(params / f"{QUARTER}.yml", quarter)

    def sources(s):
        s["sources"]["Essex Police update, Oct 2019"].update(
            title=payload("F09"), publisher=payload("F10"), url=HOSTILE_URL, licence_url=HOSTILE_URL)
    _edit_yaml(data / "sources.yml", sources)

    def measures(frame):
        frame.loc[frame["measure"] == "specials_headcount", "source"] = payload("F11")
        frame.loc[frame["area"] == AREA, "area"] = area
    _edit_csv(data / "measures" / "essex_pcp.csv", measures)
    for name in ("areas.csv", "forces.csv"):
        _edit_csv(data / "reference" / name, lambda f: f.replace({"area": {AREA: area}}, inplace=True))
    _edit_csv(data / "reference" / "force_districts.csv",
              lambda f: f.replace({"district": {AREA: area}}, inplace=True))
    for path in (data / "commentary" / QUARTER).glob("p*.md"):
        lines = [line for line in path.read_text(encoding="utf-8").splitlines() if f"@{AREA}" not in line]
        text = "\n".join(f"### {area}" if line == f"### {AREA}" else line for line in lines) + "\n"
        path.write_text(text.replace("### Essex\n", f"### Essex\n- {ORDINARY}\n", 1), encoding="utf-8")
    ingested = run_in_process(root, "ingest", "police-uk", str(_police_uk_file(root)))
    assert ingested.returncode == 0, ingested.stderr
    _police_uk_file(root).unlink()


@pytest.fixture(scope="module")
def hostile_project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("hostile") / "project")
    plant_payloads(root)
    return root


def _rendered(source: Path, renderer: str):
    """A copy of the project at ``source`` (with its outputs) rendered with ``renderer``."""
    root = source.parent.parent / renderer / "project"
    shutil.copytree(source, root)
    return render(root, QUARTER, "--renderer", renderer)


@pytest.fixture(scope="module")
def hostile_builtin(hostile_project):
    return _rendered(hostile_project, "builtin")


@pytest.fixture(scope="module")
def hostile_quarto(hostile_builtin):
    """Quarto's update of the hostile project, from the built-in render's executed notebooks
    (up to date, so the payloads reach Quarto's passes exactly as they reached the built-in's)."""
    require_quarto()
    return _rendered(hostile_builtin.root, "quarto")


RENDERERS = [pytest.param("builtin"), pytest.param("quarto", marks=needs_quarto)]


@pytest.fixture(params=RENDERERS)
def hostile(request):
    return request.getfixturevalue(f"hostile_{request.param}")


class Markup(HTMLParser):
    """The elements of a page, every event-handler attribute and every link-like address."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: Counter = Counter()
        self.ids: list[str] = []
        self.handlers: list[tuple[str, str]] = []
        self.addresses: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements[tag] += 1
        for name, value in attrs:
            if name.startswith("on"):
                self.handlers.append((tag, name))
            if name == "id":
                self.ids.append(value or "")
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                self.addresses.append(re.sub(r"\s", "", value or "").lower())


def literal(text: str) -> str:
    """Text as a reader compares it: no white space, plain quotes."""
    return re.sub(r"\s", "", text).translate(str.maketrans("\u201c\u201d\u2018\u2019", "\"\"''"))


def test_check_names_every_field_that_holds_markup(hostile_project):
    """`check` passes (the payloads are text) and warns of each field, naming its file and key."""
    result = run_in_process(hostile_project, "check", QUARTER)
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    for where in ("data/catalogue.yml, measure 'specials_headcount', column label",
                  "data/catalogue.yml, measure 'specials_headcount', column definition",
                  "params/plan.yml, column priorities[0].title", "params/plan.yml, column plan_title",
                  "params/plan.yml, column priorities[0].commitments[0].text", "params/plan.yml, column contact.how",
                  "params/plan.yml, column force", "params/plan.yml, column revisions_policy",
                  f"params/{QUARTER}.yml, column revisions[0].change",
                  f"params/{QUARTER}.yml, column producing_unit", f"params/{QUARTER}.yml, column produced",
                  "data/sources.yml, source 'Essex Police update, Oct 2019', column title",
                  "data/sources.yml, source 'Essex Police update, Oct 2019', column publisher",
                  "data/measures/essex_pcp.csv, row", "data/reference/areas.csv, row"):
        assert where in output, where
    assert "text_shown_as_typed" in output


@pytest.mark.render
def test_no_payload_becomes_live_html(hostile):
    html = hostile.html.read_text(encoding="utf-8")
    page = Markup(html)
    assert page.handlers == []
    assert [a for a in page.addresses if a.startswith(("javascript:", "vbscript:"))] == []
    assert not [i for i in page.ids if i.startswith("RAW")]
    assert "x" not in page.addresses  # the payload's <img src=x>
    shown = literal(html_text(hostile.html))
    for tag, field in FIELDS.items():
        assert literal(payload(tag)) in shown, field
    assert literal(ORDINARY) in shown


def pdf_without_running_headers(path: Path) -> str:
    """The cover's text, then every later page's text inside the margins (pdftotext crops
    in points), so that a paragraph broken across pages reads on."""
    def text(*args: str) -> str:
        return subprocess.run(["pdftotext", *args, str(path), "-"], capture_output=True, text=True,
                              check=True).stdout
    body_height = PAGE_HEIGHT - TOP_MARGIN - BOTTOM_MARGIN
    return text("-l", "1") + text("-f", "2", "-x", "0", "-y", str(TOP_MARGIN), "-W", "595", "-H", str(body_height))


@pytest.mark.render
def test_every_payload_prints_literally_in_the_pdf(hostile):
    """The payloads' text is in the PDF as typed: no Typst code or raw block ran; the
    document title (the running header's text) is the plan title as typed."""
    text = literal(pdf_without_running_headers(hostile.pdf))
    for tag, field in FIELDS.items():
        assert literal(payload(tag)) in text, field
    assert literal(ORDINARY) in text
    assert "PDFupdate'slayout" not in text  # #read("update.typ") would print the template
    info = subprocess.run(["pdfinfo", str(hostile.pdf)], capture_output=True, text=True).stdout
    assert f"Title: {payload('F06')} – Quarterly Update 2019/20 Q2" in re.sub(r" +", " ", info)


def _csv_tables(rendered) -> list[list[list[str]]]:
    """Every CSV of the update: tables/*.csv and the HTML's data: URI downloads."""
    texts = [path.read_text(encoding="utf-8-sig") for path in sorted((rendered.output_dir / "tables").glob("*.csv"))]
    html = rendered.html.read_text(encoding="utf-8")
    texts += [base64.b64decode(uri).decode("utf-8-sig")
              for uri in re.findall(r'href="data:text/csv;charset=utf-8;base64,([^"]+)"', html)]
    return [list(csv.reader(io.StringIO(text))) for text in texts]


@pytest.mark.render
def test_csv_text_cells_are_neutralised(hostile_builtin):
    tables = _csv_tables(hostile_builtin)
    assert len(tables) >= 8
    cells = [cell for table in tables for row in table for cell in row]
    for tag in ("=F01", "@F03", "+F12"):
        assert f"'{payload(tag)}" in cells, tag
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@", "\t", "\r"):
            float(cell)  # only a number may start so


@pytest.mark.parametrize("line", [
    "- [x]{onmouseover=\"alert(1)\"}",
    "- [x](https://example.org){onclick=\"alert(1)\"}",
    "- [x](java&#115;cript:alert(1))",
    "- [x](javascript:alert(1))",
    "- `#read(\"update.typ\")`{=typst}",
    "- [x][1]",
    "- <b>bold</b>",
])
def test_commentary_bypasses_are_refused(tmp_path, line):
    from test_commentary import AREAS, CATALOGUE, MEASURES, PLAN, write

    write(tmp_path, f"## p1_police_family\n\n### Essex\n{line}\n")
    with pytest.raises(InputError) as error:
        load_commentary(tmp_path, _quarter(), 1, PLAN, MEASURES, CATALOGUE, AREAS)
    assert error.value.problems(str)[0].rule == "commentary_no_html"


def test_a_link_target_on_the_next_line_is_refused(tmp_path):
    from test_commentary import AREAS, CATALOGUE, MEASURES, PLAN, write

    write(tmp_path, "## p1_police_family\n\n### Essex\n- see [x]\n  (javascript:alert(1))\n")
    with pytest.raises(InputError, match="same line"):
        load_commentary(tmp_path, _quarter(), 1, PLAN, MEASURES, CATALOGUE, AREAS)


def _quarter():
    from crimeplan.periods import Quarter

    return Quarter.parse(QUARTER)


def test_check_refuses_a_commentary_bypass(tmp_path):
    """`check` (and so `render`) refuses commentary that tries a bypass, with file and rule."""
    root = copy_project(tmp_path / "project")
    commentary = root / "data" / "commentary" / QUARTER / "p2.md"
    commentary.write_text(commentary.read_text() + "- [our page](java&#115;cript:alert(1))\n")
    result = run_in_process(root, "check", QUARTER)
    assert result.returncode == 2
    assert "p2.md" in result.stderr + result.stdout and "commentary_no_html" in result.stderr + result.stdout


def test_source_addresses_must_be_web_addresses(tmp_path):
    root = copy_project(tmp_path / "project")
    _edit_yaml(root / "data" / "sources.yml", lambda s: s["sources"]["Essex Police update, Oct 2019"].update(
        url="javascript:alert(1)", licence_url="java&#115;cript:alert(1)"))
    result = run_in_process(root, "check", QUARTER)
    output = result.stdout + result.stderr
    assert result.returncode == 2
    assert "data/sources.yml, source 'Essex Police update, Oct 2019'" in output
    assert "url: Value error, 'javascript:alert(1)' is not a web address" in output
    assert "licence_url: Value error, 'java&#115;cript:alert(1)' is not a web address" in output
