"""Text from the data enters the update as text: never as Markdown, HTML or Typst that runs.

The update is written as Pandoc Markdown (read by both renderers) with Typst beside it.
Every value from the params, plan, catalogue, sources, reference data, measures and
ingested public data goes into that Markdown through :func:`text`, which escapes every
character Markdown could act on, and into Typst source through :func:`typst_string`.
Links are made by :func:`link` only, for web (and e-mail) addresses.

Commentary keeps a small Markdown subset (:func:`commentary_markdown`): bullets
(``-``, ``*`` or ``+``, nested by indenting), emphasis (``*…*``, ``_…_``, ``**…**``) and
links to web pages (``[text](https://…)``); everything else in it is text.
:func:`markup_found` names Markdown or Typst syntax in a value, for ``crimeplan check``
to warn that it will be shown as typed.
"""

from __future__ import annotations

import html
import re
import string
from urllib.parse import quote, urlsplit

# Pandoc's Markdown takes a backslash before any ASCII punctuation as that character.
# Straight quotes are left to Pandoc's smart typography (’ and “ ”): they only act
# inside link titles and attributes, which escaped brackets and braces never open.
MARKDOWN_ACTIVE = frozenset(string.punctuation) - {"'", '"'}
WEB_SCHEMES = ("https", "http")
_SPACE = re.compile(r"[\s\x00-\x1f\x7f]+")
_URL_SAFE = "/:?#[]@!$&'*+,;=%~-._"


def text(value: object) -> str:
    """``value`` as Markdown that reads back as exactly its text, on one line: every
    ASCII punctuation character (but quotes) backslash-escaped, line breaks and control
    characters as spaces. So no link, attribute, raw block, citation, maths, heading,
    list or table can start inside it."""
    flat = _SPACE.sub(" ", str(value)).strip()
    return "".join("\\" + c if c in MARKDOWN_ACTIVE else c for c in flat)


def is_web_address(url: str) -> bool:
    """Whether ``url`` is an ``https://`` or ``http://`` address with a host, as a browser
    reads it (entities such as ``&#115;`` decoded, spaces and control characters dropped)."""
    scheme, host = _scheme_and_host(url)
    return scheme in WEB_SCHEMES and bool(host)


def scheme_of(url: str) -> str:
    """The scheme of ``url`` as a browser reads it (``javascript`` for ``java&#115;cript:…``)."""
    return _scheme_and_host(url)[0]


def _scheme_and_host(url: str) -> tuple[str, str]:
    decoded = _SPACE.sub("", html.unescape(str(url)))
    try:
        parts = urlsplit(decoded)
    except ValueError:
        return "", ""
    return parts.scheme.lower(), parts.netloc


def link(label: object, url: str) -> str:
    """A Markdown link reading ``label`` to ``url`` when it is a web or e-mail address;
    otherwise the label as text."""
    return _link(text(label), url)


def _link(label_markdown: str, url: str) -> str:
    if not (is_web_address(url) or scheme_of(url) == "mailto"):
        return label_markdown
    target = quote(_SPACE.sub("", html.unescape(url)), safe=_URL_SAFE)
    return f"[{label_markdown}](<{target}>)"


def typst_string(value: object) -> str:
    """``value`` as a Typst string literal (``"…"``), which Typst shows and never runs."""
    flat = _SPACE.sub(" ", str(value)).strip()
    return '"' + flat.replace("\\", "\\\\").replace('"', '\\"') + '"'


def raw_block(target: str, source: str) -> str:
    """``source`` as a Pandoc raw block for one output (``"html"`` or ``"typst"``), which the
    other leaves out; ``source`` must already be safe markup of that output."""
    return f"```{{={target}}}\n{source}\n```"


# --- commentary: the Markdown subset ------------------------------------------------------------

_BULLET = re.compile(r"^(?P<indent> *)(?P<marker>[-*+]) +(?P<rest>.*)$")
_LINK = re.compile(r"\[(?P<label>[^\[\]]*)\]\((?P<url>[^()\s]+)\)")
_EMPHASIS = frozenset("*_")
_RULE = re.compile(r"^[\s*_-]*$")


def commentary_markdown(markdown: str) -> str:
    """Commentary as Markdown holding only its subset: bullets, emphasis and links to web
    pages, with every other character escaped as by :func:`text`."""
    lines = []
    for line in markdown.splitlines():
        bullet = _BULLET.match(line)
        if bullet:
            lines.append(f"{bullet['indent']}- {_inline(bullet['rest'])}")
        else:
            lines.append(_inline(line.strip()))
    return "\n".join(lines)


def _inline(line: str) -> str:
    """One line's text: links to web pages and emphasis marks kept, the rest escaped."""
    if _RULE.match(line):
        return text(line)
    parts, start = [], 0
    for found in _LINK.finditer(line):
        parts.append(_emphasis_and_text(line[start:found.start()]))
        if is_web_address(found["url"]):
            parts.append(_link(_emphasis_and_text(found["label"]), found["url"]))
        else:
            parts.append(text(found.group()))
        start = found.end()
    parts.append(_emphasis_and_text(line[start:]))
    return "".join(parts)


def _emphasis_and_text(fragment: str) -> str:
    return "".join(c if c in _EMPHASIS else text(c) if c.strip() else " " for c in fragment)


# --- markup that will be shown as typed, for `check` --------------------------------------------

MARKUP_SYNTAX = (
    ("a Markdown link", re.compile(r"\[[^\]]*\]\s*[(\[]")),
    ("Markdown attributes", re.compile(r"[\]`)]\s*\{(?!\{)")),
    ("a raw block", re.compile(r"\{\s*=\s*[A-Za-z]")),
    ("code in backticks", re.compile(r"`[^`]+`")),
    ("an HTML tag", re.compile(r"</?[A-Za-z][A-Za-z0-9-]*(?:[\s/>]|$)")),
    ("an HTML entity", re.compile(r"&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")),
    ("Typst code", re.compile(r"#(?:let|set|show|import|include|[A-Za-z][\w-]*\()")),
    ("Markdown emphasis", re.compile(r"\*\*\S|__\S|(?<![\w*])\*[^\s*][^*]*\*(?![\w*])|(?<![\w_])_[^\s_][^_]*_(?![\w_])")),
    ("maths between dollar signs", re.compile(r"\$[^\s$](?:[^$]*[^\s$])?\$(?!\d)")),
    ("a Markdown heading, list, quote or table at a line's start",
     re.compile(r"^[ \t]*(?:#{1,6}(?:\s|$)|[-+*][ \t]|\d+[.)][ \t]|>|\|)", re.MULTILINE)),
)


def markup_found(value: object) -> str | None:
    """What Markdown or Typst syntax ``value`` holds (``"a Markdown link ('[x](…')"``),
    or ``None``: the update shows such syntax as typed, not as formatting."""
    for name, pattern in MARKUP_SYNTAX:
        if found := pattern.search(str(value)):
            return f"{name} ({found.group().strip()!r})"
    return None
