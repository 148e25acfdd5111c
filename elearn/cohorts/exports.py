"""The progress grid as a CSV or an XLSX file that opens right on a secretariat's computer.

Values come typed from :mod:`elearn.cohorts.tables` (text, whole numbers, decimals,
datetimes) and each writer puts them the way its spreadsheet reads them back as what they
are (docs/architecture.md, "The exports"):

- the XLSX holds real numbers (whole ones as they are, decimals with a ``0.0`` format)
  and real Excel dates, written in the platform's time zone (``ELEARN_TIMEZONE``: Excel
  has no zones) with a ``dd/mm/yyyy hh:mm`` format; its header is styled, frozen with the
  names' column, under an autofilter, its columns as wide as their content, right to left
  in Arabic;
- the CSV uses ``;`` because that is the list separator of French and Moroccan Windows:
  Excel splits such a file into columns on a double click, while a ``,`` file lands in one
  column. Decimals take the locale's decimal sign (a comma for fr_MA and ar_MA alike, as
  Babel's CLDR data and the platform's pages write them: "80,5"), whole numbers no
  ".0", never a group separator; dates are ISO 8601 in the platform's time zone
  ("2026-03-12 09:15", which Excel and LibreOffice read as a date in any locale). It starts
  with a UTF-8 BOM, without which Excel reads the bytes as Windows-1252 and Arabic names
  come out as mojibake.

No cell holds a bidi control (U+200E/F, U+061C, U+202A-E, U+2066-9): isolating a name is
the page's business (``<bdi>``); in a cell the marks are invisible noise that breaks
sorting, filtering and comparing ("‏12‏/3‏/2026" is not a date).

Names and titles are typed by people, so a cell may start like a formula
(``=HYPERLINK(...)``, ``+212...``, ``@SUM``): spreadsheets would run it when the file is
opened. Every string is neutralised with a leading apostrophe, which shows it as text.
Numbers stay numbers so the trainer can still sort and average them.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from itertools import chain, islice
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from elearn.core.text import BIDI_CONTROLS

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
BOM = "\ufeff"
HEADER_COLOUR = "0B5D4B"  # the site's dark green
#: Column widths, in Excel's unit (the width of a "0"): computed from the content, within these.
MIN_WIDTH, MAX_WIDTH = 8, 60
#: The rows the widths are measured on (the first slice the grid reads): the rest are streamed.
MEASURED_ROWS = 1000
#: A header may wrap on so many lines rather than widen a column of short values.
HEADER_LINES = 3
#: Points per line of a wrapped header: a little more than Excel's 15, for Arabic glyphs.
HEADER_LINE_HEIGHT = 17
#: Excel's number formats (stored in this form, shown in the reader's own separators).
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
DATE_FORMAT = "dd/mm/yyyy"
DECIMAL_FORMAT = "0.0"  # the grid's percents have one decimal (quizzes.grading.percent)
#: A CSV's dates: ISO 8601 (a space for the "T", which Excel would not read as a date).
CSV_DATETIME = "%Y-%m-%d %H:%M"
_TITLE_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_BIDI = re.compile("[" + "".join(map(chr, BIDI_CONTROLS)) + "]")
_CELL_TYPES = (str, int, float, Decimal, bool, date, datetime, time)


def neutralise(value):
    """Strings starting with a formula prefix get a leading apostrophe ("'=1+1") so Excel and
    LibreOffice show them as text; numbers, None and booleans are returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def clean_text(value: str) -> str:
    """Text as a cell holds it: no bidi control, then neutralised (a mark in front of "="
    must not hide the formula: it goes first)."""
    if not value.isascii():  # an e-mail or a plain name: no control to look for
        value = _BIDI.sub("", value)
    return neutralise(value)


def local(value: datetime, zone: tzinfo) -> datetime:
    """``value`` as the wall clock of ``zone`` shows it, to the second, without a zone (a
    naive datetime is taken as UTC, as the database stores them)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(zone).replace(tzinfo=None, microsecond=0)


def csv_number(value: int | float | Decimal, decimal: str) -> str:
    """A number as the reader's spreadsheet parses it: "100" (never "100.0"), "80,5" with
    a decimal comma, no group separator, Latin digits."""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float) and not math.isfinite(value):
        return ""
    if value == int(value):
        return str(int(value))
    text = format(value, "f") if isinstance(value, Decimal) else repr(value)
    return text.replace(".", decimal)


def _csv_writer(*, decimal: str, zone: tzinfo) -> Callable[[object], str]:
    """How each value becomes a CSV field: looked up by type (600,000 cells in a 10,000
    trainee file), any other type as text."""
    by_type: dict[type, Callable] = {
        str: clean_text,
        type(None): lambda _value: "",
        int: str,
        float: lambda value: csv_number(value, decimal),
        Decimal: lambda value: csv_number(value, decimal),
        bool: lambda value: csv_number(value, decimal),
        datetime: lambda value: local(value, zone).strftime(CSV_DATETIME),
        date: date.isoformat,
    }

    def field(value) -> str:
        convert = by_type.get(type(value))
        if convert is not None:
            return convert(value)
        if isinstance(value, datetime | date | int | float | Decimal):
            return by_type[next(t for t in by_type if isinstance(value, t))](value)
        return clean_text(str(value))  # a lazy translation string, an enum...

    return field


def csv_lines(
    header: list[str],
    rows: Iterable[Sequence],
    *,
    delimiter: str = ";",
    decimal: str = ",",
    zone: tzinfo = UTC,
) -> Iterator[str]:
    """Yield the CSV as text chunks, UTF-8 BOM first (so Excel shows Arabic names), one chunk
    per row: a cohort's file is streamed, never built whole in memory. The header goes through
    neutralise() too: module titles are typed by people as well.

    :param decimal: the reader's decimal sign (``","`` for French and Moroccan Excel).
    :param zone: the platform's time zone, which datetimes are written in.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    field = _csv_writer(decimal=decimal, zone=zone)

    def line(values: Iterable) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([field(v) for v in values])
        return buffer.getvalue()

    yield BOM + line(header)
    for row in rows:
        yield line(row)


def safe_sheet_title(title: str) -> str:
    """Excel refuses more than 31 characters, any of []:*?/\\ and an apostrophe at either end
    (the file would need repairing); an empty title is refused too."""
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", (title or "").translate(BIDI_CONTROLS))
    cleaned = _TITLE_FORBIDDEN.sub("", cleaned)
    cleaned = cleaned.strip().strip("'")[:31].strip().strip("'")
    return cleaned or "Sheet"


def _xlsx_value(value, zone: tzinfo):
    """A value openpyxl writes as-is: a string never begins with "=" (openpyxl would store a
    formula), carries no control character (openpyxl would raise), a datetime is the local
    wall clock (Excel has no zones) and odd types become text."""
    if value is None:
        return None
    if not isinstance(value, _CELL_TYPES):
        value = str(value)  # a lazy translation string, an enum...
    if isinstance(value, str):
        return clean_text(ILLEGAL_CHARACTERS_RE.sub("", value))
    if isinstance(value, datetime):
        return local(value, zone)
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def _number_format(value) -> str | None:
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return None
    if isinstance(value, datetime):
        return DATETIME_FORMAT
    if isinstance(value, date):
        return DATE_FORMAT
    if isinstance(value, float | Decimal):
        return DECIMAL_FORMAT
    return None


def text_width(text: str) -> int:
    """How many "0"s a line of text takes in a cell: Arabic harakat, shadda and the other
    combining marks sit on their letter and take no room, nor do format characters; wide
    (CJK) characters take two."""
    if text.isascii():
        return len(text)
    width = 0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) in ("Mn", "Me", "Cf"):
            continue
        width += 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1
    return width


def _shown_width(value) -> int:
    """The width of a value as the sheet shows it (through its number format)."""
    if value is None:
        return 0
    if isinstance(value, str):
        return max((text_width(line) for line in value.splitlines()), default=0)
    if isinstance(value, bool):
        return 5  # TRUE / FALSE, VRAI / FAUX
    if isinstance(value, datetime):
        return len(DATETIME_FORMAT)
    if isinstance(value, date):
        return len(DATE_FORMAT)
    if isinstance(value, float | Decimal):
        return len(f"{value:.1f}")
    return len(str(value))


def _header_width(title: str) -> int:
    """Room for a title on at most ``HEADER_LINES`` lines, its longest word whole; bold."""
    words = [text_width(word) for word in title.split()] or [0]
    return math.ceil(1.1 * max(max(words), math.ceil(text_width(title) / HEADER_LINES)))


def column_widths(header: Sequence[str], rows: Sequence[Sequence]) -> list[int]:
    """Each column as wide as its longest value (and its title, wrapped), plus a margin,
    within ``MIN_WIDTH`` and ``MAX_WIDTH``."""
    widths = [_header_width(title) for title in header]
    for row in rows:
        for index, value in enumerate(row[: len(widths)]):
            widths[index] = max(widths[index], _shown_width(value))
    return [min(max(width + 2, MIN_WIDTH), MAX_WIDTH) for width in widths]


def _header_lines(title: str, width: int) -> int:
    """How many lines a title wraps on in a column ``width`` wide (greedily, by words)."""
    lines, used = 1, 0
    room = max(width - 2, 1)
    for word in title.split():
        size = text_width(word)
        if used and used + 1 + size > room:
            lines, used = lines + 1, size
        else:
            used += size + (1 if used else 0)
    return lines


def _cell(ws, value):
    """The value itself where openpyxl writes it right as it is (most cells: text, whole
    numbers, blanks: a styled cell costs openpyxl twice the time), else a cell carrying
    its number format, or text that openpyxl would take for an error value ("#N/A")."""
    kind = type(value)
    if value is None or kind is int or (kind is str and value not in ERROR_CODES):
        return value
    cell = WriteOnlyCell(ws)
    number_format = _number_format(value)
    if number_format:
        cell.number_format = number_format  # before the value: openpyxl keeps a date format
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"  # whatever openpyxl guessed, this is text
    return cell


def _header_cells(ws, header: list[str]) -> list[WriteOnlyCell]:
    font = Font(bold=True, color="FFFFFF")
    fill = PatternFill(fill_type="solid", start_color=HEADER_COLOUR, end_color=HEADER_COLOUR)
    alignment = Alignment(wrap_text=True, vertical="top")
    cells = []
    for title in header:
        cell = WriteOnlyCell(ws, value=title)
        cell.data_type = "s"  # "#N/A" as a title is text too
        cell.font, cell.fill, cell.alignment = font, fill, alignment
        cells.append(cell)
    return cells


def write_xlsx(
    out: BinaryIO,
    header: list[str],
    rows: Iterable[Sequence],
    *,
    sheet_title: str,
    rtl: bool,
    zone: tzinfo = UTC,
) -> None:
    """Write the workbook to ``out`` (a file, or a temporary one for a job): openpyxl in
    write_only mode (memory must not grow with rows, so the widths are measured on the
    first ``MEASURED_ROWS``): a bold white-on-dark-green (#0B5D4B) header row, wrapped,
    frozen with the first column (the names), an autofilter over the whole table, typed
    cells (see the module's docstring), sheet_view.rightToLeft = rtl, the header repeated
    on every printed page. Strings go through clean_text() and are written as strings; no
    cell ever holds a formula.

    :param zone: the platform's time zone: datetimes are written as its wall clock.
    """
    book = Workbook(write_only=True)
    ws = book.create_sheet(title=safe_sheet_title(sheet_title))
    header = [_xlsx_value(title, zone) or "" for title in header]
    rows = ([_xlsx_value(value, zone) for value in row] for row in rows)
    measured = list(islice(rows, MEASURED_ROWS))
    # In write-only mode, sheet settings must come before the first row is written.
    ws.sheet_view.rightToLeft = rtl
    ws.freeze_panes = "B2" if len(header) > 1 else "A2"
    widths = column_widths(header, measured)
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width
    lines = max((_header_lines(t, w) for t, w in zip(header, widths, strict=True)), default=1)
    if lines > 1:  # one line: the spreadsheet's own height, which fits Arabic glyphs too
        ws.row_dimensions[1].height = HEADER_LINE_HEIGHT * lines
    ws.page_setup.orientation = "landscape"
    ws.print_title_rows = "1:1"
    ws.append(_header_cells(ws, header))
    last = 1
    for row in chain(measured, rows):
        ws.append([_cell(ws, value) for value in row])
        last += 1
    if header:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{last}"
    book.save(out)


def xlsx_bytes(
    header: list[str],
    rows: Iterable[Sequence],
    *,
    sheet_title: str,
    rtl: bool,
    zone: tzinfo = UTC,
) -> bytes:
    """The workbook of :func:`write_xlsx` as bytes (the page's and the API's direct export)."""
    out = io.BytesIO()
    write_xlsx(out, header, rows, sheet_title=sheet_title, rtl=rtl, zone=zone)
    return out.getvalue()
