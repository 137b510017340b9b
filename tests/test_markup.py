"""crimeplan.markup: values as inert Markdown and Typst, links to web pages only, the
commentary's Markdown subset, and markup named for `check`."""

from __future__ import annotations

import re
import subprocess

import pypandoc
import pytest
import typst

from crimeplan.build.render.builtin import FILTER, PANDOC_INPUT
from crimeplan.markup import commentary_markdown, is_web_address, link, markup_found, text, typst_string

HOSTILE = [
    "[x](javascript:alert(1))", '[y]{onmouseover="alert(2)"}', '`<b id="RAW">r</b>`{=html}',
    '`#read("update.typ")`{=typst}', 'PU ] #eval("6*7") [ end', "$x$ and (budget $5m)", "@SUM and @Essex",
    "back\\slash \\", "&#115; &amp;", "# heading", "- item", "1. item", "> quote", "| a | b |", "***",
    "~sub~ ^sup^", "a // b /* c */", "= heading", "<script>alert(1)</script>", "**bold** _it_ *em*",
    "<https://example.org>", "\\#eval(1)", "==> -- end",
]


PLAIN_QUOTES = str.maketrans("\u201c\u201d\u2018\u2019", "\"\"''")  # Pandoc's smart quotes, as typed


def live_tags(html: str) -> list[str]:
    """The HTML's tags other than the paragraph and list tags text is set in."""
    return [tag for tag in re.findall(r"<[^>]*>", html) if not re.fullmatch(r"</?(p|ul|li|em|strong)>", tag)]


def read_back(markdown: str, to: str) -> str:
    return pypandoc.convert_text(markdown, to, format=PANDOC_INPUT, extra_args=["--wrap=none"]).strip()


@pytest.mark.parametrize("value", HOSTILE)
def test_text_reads_back_as_exactly_the_value(value):
    assert read_back(text(value), "plain").translate(PLAIN_QUOTES) == value
    assert live_tags(read_back(text(value), "html5")) == []


def test_text_is_one_line_and_typst_prints_it_as_typed(tmp_path):
    assert text("line one\n# line two\r\n- three\tfour") == "line one \\# line two \\- three four"
    source = tmp_path / "doc.typ"
    source.write_text(read_back(text(" ".join(HOSTILE)), "typst") + "\n\n#let s = " + typst_string(" ".join(HOSTILE))
                      + "\n#s\n", encoding="utf-8")
    typst.compile(str(source), output=str(tmp_path / "doc.pdf"), root=str(tmp_path))
    printed = subprocess.run(["pdftotext", str(tmp_path / "doc.pdf"), "-"], capture_output=True, text=True,
                             check=True).stdout
    flat = "".join(printed.split()).translate(PLAIN_QUOTES)
    assert flat.count("".join(" ".join(HOSTILE).split())) == 2


def test_typst_strings_escape_quotes_and_backslashes_only():
    assert typst_string('a "b" \\ – c') == '"a \\"b\\" \\\\ – c"'


@pytest.mark.parametrize(("url", "web"), [
    ("https://data.police.uk/", True), ("http://example.org/a?b=1&c=2", True), ("HTTPS://EXAMPLE.ORG", True),
    ("javascript:alert(1)", False), ("java&#115;cript:alert(1)", False), (" javascript:alert(1)", False),
    ("jav\tascript:alert(1)", False), ("data:text/html,x", False), ("file:///etc/passwd", False),
    ("https:no-host", False), ("//example.org", False), ("example.org", False),
])
def test_web_addresses(url, web):
    assert is_web_address(url) is web
    made = link("label", url)
    assert (made.startswith("[label](<") and made.endswith(">)")) is web
    if not web:
        assert made == "label"


def test_links_are_escaped_and_e_mail_addresses_allowed():
    html = read_back(link("a [b]", 'https://example.org/?q="><script>'), "html5")
    assert html.startswith('<p><a href="https://example.org/?q=%22%3E%3Cscript%3E">a [b]</a>')
    assert 'href="mailto:team@example.org"' in read_back(link("team@example.org", "mailto:team@example.org"), "html5")


def test_commentary_keeps_bullets_emphasis_and_web_links_only():
    markdown = commentary_markdown(
        "- Follow us @EssexPoliceUK: *up* **by** _5%_, see [our page](https://example.org/a_b)\n"
        "  - nested [x]{onmouseover=\"alert(1)\"} [y](https://example.org){onclick=\"alert(1)\"}\n"
        "- [z](java&#115;cript:alert(1)) `#eval(1)`{=typst} $x$ <b>\n"
        "# not a heading\n"
        "***")
    html = read_back(markdown, "html5")
    assert html.count("<ul>") == 2 and html.count("<li>") == 3
    assert "<em>up</em> <strong>by</strong> <em>5%</em>" in html
    assert '<a href="https://example.org/a_b">our page</a>' in html
    assert live_tags(html) == ['<a href="https://example.org/a_b">', "</a>", '<a href="https://example.org">', "</a>"]
    assert "@EssexPoliceUK" in html and "# not a heading" in html and "<hr" not in html and "<h1" not in html


@pytest.mark.parametrize(("value", "found"), [
    ("[x](javascript:alert(1))", "a Markdown link"), ('[x]{onclick="y"}', "Markdown attributes"),
    ("`x`{=typst}", "Markdown attributes"), ("`x`", "code in backticks"), ("<b>x</b>", "an HTML tag"), ("java&#115;cript", "an HTML entity"),
    ('#eval("6*7")', "Typst code"), ("**bold**", "Markdown emphasis"), ("$x$", "maths between dollar signs"),
    ("# Heading", "a Markdown heading"), ("- item", "a Markdown heading, list"),
])
def test_markup_is_named(value, found):
    assert markup_found(value).startswith(found)


@pytest.mark.parametrize("value", [
    "Follow us @EssexPoliceUK", "Police and Crime Plan (budget $5m)", "$5m and $6m", "a < b", "2 * 3",
    "p1_police_family", "Children's services", "Calls [101]", "#1 priority", "Southend-on-Sea",
])
def test_ordinary_text_is_not_called_markup(value):
    assert markup_found(value) is None


def test_every_table_cell_keeps_its_own_text_in_the_pdf_source():
    """The filter writes a table's cells in one run of the writer and splits the result:
    a group row, empty cells side by side and first, and text that reads like the line it
    splits at each stay in their own cell."""
    markdown = "\n".join([
        "| | Figure | Note |", "|---|---|---|", "| **Group** | | |",
        f"| #crimeplan-cell-break | | {text('#crimeplan-cell-break')} |", "| **b** c | | 2 |",
    ])
    source = pypandoc.convert_text(markdown, "typst", format=PANDOC_INPUT, extra_args=[FILTER])
    assert 'header: (("", []), ("Figure", [Figure]), ("Note", [Note]),),' in source
    rows = re.search(r"rows: \(\n(.*)\n  \),", source, re.S).group(1).splitlines()
    assert rows == [
        '    (("Group", [#strong[Group]]),),',
        '    (("#crimeplan-cell-break", [\\#crimeplan-cell-break]), ("", []), '
        '("#crimeplan-cell-break", [\\#crimeplan-cell-break]),),',
        '    (("b c", [#strong[b] c]), ("", []), ("2", [2]),),',
    ], source
