"""Tables as CSV files a reader can download: written to ``outputs/<quarter>/tables/`` and
linked from the HTML update as ``data:`` URIs (so the saved HTML still offers them offline).

Every CSV has its header row, also when the table has no rows. Text cells that a
spreadsheet would read as a formula (starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return) are prefixed with ``'``, as OWASP advises against CSV injection; numbers
are written as numbers. Files are UTF-8 with a byte-order mark, so that spreadsheet
programs read "£" and "−" correctly.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path

import pandas as pd

from crimeplan.markup import raw_block

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
ENCODING = "utf-8-sig"


def neutralise(value: object) -> object:
    """``'=SUM(A1)`` for ``=SUM(A1)``; other values (numbers included) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` with every text cell (and column name) neutralised."""
    safe = table.copy()
    for column in safe.columns:
        if not pd.api.types.is_numeric_dtype(safe[column]):
            safe[column] = safe[column].map(neutralise)
    return safe.rename(columns=lambda name: neutralise(str(name)))


def csv_text(table: pd.DataFrame) -> str:
    """The table as CSV text (RFC 4180: CRLF line ends, so a cell with a line break is quoted):
    header row always, text cells neutralised."""
    return safe_table(table).to_csv(index=False, lineterminator="\r\n")


def write_csv(table: pd.DataFrame, path: Path) -> None:
    Path(path).write_text(csv_text(table), encoding=ENCODING)


def data_uri(table: pd.DataFrame) -> str:
    payload = base64.b64encode(csv_text(table).encode(ENCODING)).decode("ascii")
    return f"data:text/csv;charset=utf-8;base64,{payload}"


def csv_link(table: pd.DataFrame, filename: str, description: str) -> str:
    """A Markdown block with an HTML-only link that downloads ``table`` as ``filename``
    (the PDF, which cannot carry the file, leaves it out)."""
    rows = len(table)
    size = f"{rows} row{'' if rows == 1 else 's'}" if rows else "header only: no rows this quarter"
    link = (f'<p class="crimeplan-download"><a href="{data_uri(table)}" download="{html.escape(filename)}" '
            f'type="text/csv">Download {html.escape(description)} as CSV</a> ({size})</p>')
    return raw_block("html", link)
