"""Text from the data reaches the published HTML as text, never as markup that runs (issue 12)."""

from __future__ import annotations

from collections import Counter
from html.parser import HTMLParser

from conftest import copy_project, render, run_cli

PAYLOADS = ('<script>alert("x")</script>', '<img src=x onerror="alert(1)">', "<iframe src=https://example.org>")


class Markup(HTMLParser):
    """The elements of a page by name, and every event-handler attribute."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.elements: Counter = Counter()
        self.handlers: list[tuple[str, str]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements[tag] += 1
        self.handlers += [(tag, name) for name, _ in attrs if name.startswith("on")]


def assert_label_markup_is_text(tmp_path, renderer: str, clean) -> None:
    """Render with every payload in a catalogue label: the page shows them as text and has
    no more elements, and no event handler, than the ``clean`` render of the same update."""
    root = copy_project(tmp_path / "project")
    catalogue = root / "data" / "catalogue.yml"
    label = "    label: Special Constable headcount\n"
    assert label in catalogue.read_text()
    payload = " ".join(PAYLOADS).replace('"', "'")
    catalogue.write_text(catalogue.read_text().replace(label, f'    label: "Special Constables {payload}"\n', 1))
    html = render(root, "2019-20-Q2", "--renderer", renderer).html.read_text()
    assert "Special Constables &lt;script&gt;" in html
    injected, clean = Markup(html), Markup(clean.html.read_text())
    assert injected.handlers == [] and injected.elements["iframe"] == 0
    for tag in ("script", "img", "iframe", "a"):
        assert injected.elements[tag] == clean.elements[tag], tag


def test_catalogue_text_with_markup_is_shown_as_text(tmp_path, rendered_default):
    assert_label_markup_is_text(tmp_path, "builtin", rendered_default)


def test_commentary_with_markup_never_reaches_the_update(tmp_path):
    root = copy_project(tmp_path / "project")
    commentary = root / "data" / "commentary" / "2019-20-Q2" / "p2.md"
    for payload in PAYLOADS + ("[our page](javascript:alert(1))",):
        original = commentary.read_text()
        commentary.write_text(original + f"- {payload}\n")
        result = run_cli(root, "render", "2019-20-Q2", "--renderer", "builtin")
        assert result.returncode == 2 and "commentary_no_html" in result.stderr, payload
        assert not (root / "outputs" / "2019-20-Q2" / "update.html").exists()
        commentary.write_text(original)
