"""The progress grid as a CSV or an XLSX file that opens right on a trainer's computer.

The CSV uses ``;`` because that is the list separator of French and Moroccan Windows: Excel
splits such a file into columns on a double click, while a ``,`` file lands in one column.
It starts with a UTF-8 BOM, without which Excel reads the bytes as Windows-1252 and Arabic
names come out as mojibake.

Names and titles are typed by people, so a cell may start like a formula
(``=HYPERLINK(...)``, ``+212...``, ``@SUM``): spreadsheets would run it when the file is
opened. Every string is neutralised with a leading apostrophe, which shows it as text.
Numbers stay numbers so the trainer can still sort and average them.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime, time
from decimal import Decimal
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
HEADER_COLOUR = "0B5D4B"  # the site's dark green
MIN_WIDTH, MAX_WIDTH = 10, 50
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_CELL_TYPES = (str, int, float, Decimal, bool, date, datetime, time)


def neutralise(value):
    """Strings starting with a formula prefix get a leading apostrophe ("'=1+1") so Excel and
    LibreOffice show them as text; numbers, None and booleans are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return str(value)  # 12.5 stays "12.5": machine-readable, whatever the reader's locale


def csv_lines(
    header: list[str], rows: Iterable[Sequence], *, delimiter: str = ";"
) -> Iterator[str]:
    """Yield the CSV as text chunks, UTF-8 BOM first (so Excel shows Arabic names), one chunk
    per row: a cohort's file is streamed, never built whole in memory. The header goes through
    neutralise() too: module titles are typed by people as well."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")

    def line(values: Iterable) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_csv_cell(v) for v in values])
        return buffer.getvalue()

    yield BOM + line(header)
    for row in rows:
        yield line(row)


def safe_sheet_title(title: str) -> str:
    """Excel refuses more than 31 characters, any of []:*?/\\ and an apostrophe at either end
    (the file would need repairing); an empty title is refused too."""
    cleaned = _TITLE_FORBIDDEN.sub("", ILLEGAL_CHARACTERS_RE.sub("", title or ""))
    cleaned = cleaned.strip().strip("'")[:31].strip().strip("'")
    return cleaned or "Sheet"


def _xlsx_value(value):
    """A value openpyxl writes as-is: a string never begins with "=" (openpyxl would store a
    formula), carries no control character (openpyxl would raise) and odd types become text."""
    if value is None:
        return None
    if not isinstance(value, _CELL_TYPES):
        value = str(value)  # a lazy translation string, an enum...
    if isinstance(value, str):
        value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def _cell(ws, value) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=_xlsx_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"  # whatever openpyxl guessed, this is text
    return cell


def _header_cells(ws, header: list[str]) -> list[WriteOnlyCell]:
    font = Font(bold=True, color="FFFFFF")
    fill = PatternFill(fill_type="solid", start_color=HEADER_COLOUR, end_color=HEADER_COLOUR)
    cells = []
    for title in header:
        cell = _cell(ws, title)
        cell.font, cell.fill = font, fill
        cells.append(cell)
    return cells


def write_xlsx(
    out: BinaryIO, header: list[str], rows: Iterable[Sequence], *, sheet_title: str, rtl: bool
) -> None:
    """Write the workbook to ``out`` (a file, or a temporary one for a job): openpyxl in
    write_only mode (memory must not grow with rows): bold white-on-dark-green (#0B5D4B)
    header row, frozen header, sensible column widths (from the header lengths, min 10,
    max 50), sheet_view.rightToLeft = rtl. Strings go through neutralise() and are written
    as strings; no cell ever holds a formula."""
    book = Workbook(write_only=True)
    ws = book.create_sheet(title=safe_sheet_title(sheet_title))
    # In write-only mode, sheet settings must come before the first row is written.
    ws.sheet_view.rightToLeft = rtl
    ws.freeze_panes = "A2"
    for index, title in enumerate(header, start=1):
        width = min(max(len(str(title)) + 2, MIN_WIDTH), MAX_WIDTH)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.append(_header_cells(ws, header))
    for row in rows:
        ws.append([_cell(ws, value) for value in row])
    book.save(out)


def xlsx_bytes(
    header: list[str], rows: Iterable[Sequence], *, sheet_title: str, rtl: bool
) -> bytes:
    """The workbook of :func:`write_xlsx` as bytes (the page's and the API's direct export)."""
    out = io.BytesIO()
    write_xlsx(out, header, rows, sheet_title=sheet_title, rtl=rtl)
    return out.getvalue()
