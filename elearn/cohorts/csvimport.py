"""The centre secretariat's list of trainees, as the CSV a spreadsheet saves.

Files come from French or Arabic Excel and LibreOffice: UTF-8 with or without a BOM, ``;``
(French Windows' list separator), ``,`` or tab between cells, headers in French, English or
Arabic. Anything the file as a whole gets wrong raises :class:`CsvFileError`; a row that is
wrong becomes a :class:`RowError` so the other rows can still be previewed and added.

Rows are numbered as the spreadsheet shows them: the header is row 1, and each *record* is
one row, so a quoted cell spanning two lines still counts once and blank lines still count
(the csv reader's ``line_num`` counts physical lines and would drift from what people see).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from elearn.core.errors import DomainError
from elearn.core.text import clean_text, fold, looks_like_email, normalize_email

MAX_NAME = 120
MAX_SHOWN = 80  # a pasted paragraph in the e-mail cell must not flood the preview
DELIMITERS = (";", ",", "\t")  # on a tie, the first wins: French Excel writes ";"

EMAIL_HEADERS = (
    "email",
    "e-mail",
    "mail",
    "courriel",
    "adresse e-mail",
    "adresse email",
    "البريد الإلكتروني",
    "البريد",
)
NAME_HEADERS = (
    "name",
    "nom",
    "nom complet",
    "full name",
    "nom et prenom",
    "nom et prénom",
    "الاسم",
    "الاسم الكامل",
)
#: Secretariats often export the family name ("Nom") and the first name apart; the first
#: name is then put before the family name: "Fatima Zahra" + "El Amrani".
FIRST_NAME_HEADERS = (
    "prénom",
    "prenom",
    "prénoms",
    "first name",
    "firstname",
    "given name",
    "الاسم الشخصي",
)
FAMILY_NAME_HEADERS = (
    "nom de famille",
    "last name",
    "lastname",
    "family name",
    "surname",
    "النسب",
    "الاسم العائلي",
)
LOCALE_HEADERS = ("locale", "langue", "language", "lang", "اللغة")
_HEADERS = {
    **{fold(h): "email" for h in EMAIL_HEADERS},
    **{fold(h): "name" for h in NAME_HEADERS},
    **{fold(h): "name" for h in FAMILY_NAME_HEADERS},
    **{fold(h): "first_name" for h in FIRST_NAME_HEADERS},
    **{fold(h): "locale" for h in LOCALE_HEADERS},
}
_LOCALES = {
    **{fold(v): "fr" for v in ("fr", "français", "francais", "french", "fra", "الفرنسية", "فرنسي")},
    **{fold(v): "ar" for v in ("ar", "arabe", "arabic", "ara", "العربية", "عربي")},
}


@dataclass
class MemberRow:
    row: int  # the line number as a spreadsheet shows it (header = 1, first data row = 2)
    email: str  # normalize_email()
    name: str  # clean_text(), "" when absent
    locale: str | None  # "fr" or "ar", None when the column is absent or the cell empty


@dataclass
class RowError:
    row: int
    code: str  # bad_email | missing_email | duplicate | unknown_locale | name_too_long
    message: object  # a lazy_gettext string saying what to fix


@dataclass
class ParsedMembers:
    rows: list[MemberRow]  # only the valid rows
    errors: list[RowError]
    delimiter: str


class CsvFileError(DomainError):
    """The whole file is unusable (encoding, no e-mail column, too long): nothing is read."""

    status = 422


@dataclass
class _Columns:
    email: int
    name: int | None
    locale: int | None
    first_name: int | None = None


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise CsvFileError(
            _l(
                "The file is not in UTF-8, so accents and Arabic letters would be garbled. "
                'In Excel, use "Save as" and choose "CSV UTF-8 (délimité par des virgules)", '
                "then upload that file."
            )
        ) from None


def _detect_delimiter(text: str) -> str:
    """Count each candidate in the header line, outside quotes. The csv Sniffer guesses from
    the data too and gets fooled by names with commas; the header never lies that way."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for ch in text.lstrip("\r\n "):  # blank lines above the header are skipped like others
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in "\r\n":
            break
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(DELIMITERS, key=lambda d: counts[d])  # max keeps the first of equals
    return best if counts[best] else ","


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank records with their spreadsheet row number. Strict, because a lenient reader
    turns a quote left open into one name swallowing every trainee below it."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    number = 0
    try:
        for number, cells in enumerate(reader, start=1):
            if any(cell.strip() for cell in cells):
                yield number, cells
    except csv.Error:
        raise CsvFileError(
            _l(
                "The file cannot be read as CSV near row %(row)s: a quote is left open, text "
                "follows a closing quote, or a cell is far too long. Correct that row, save "
                "the file as CSV UTF-8 again and retry.",
                row=number + 1,
            )
        ) from None


def _columns(header: list[str]) -> _Columns:
    found: dict[str, int] = {}
    for index, cell in enumerate(header):
        kind = _HEADERS.get(fold(clean_text(cell)))
        if kind and kind not in found:  # the first of two e-mail columns wins
            found[kind] = index
    if "email" not in found:
        shown = ", ".join(clean_text(c)[:MAX_SHOWN] for c in header if c.strip())
        raise CsvFileError(
            _l(
                "No e-mail column in the first line (it has: %(found)s). Name the column of "
                "e-mail addresses one of: %(accepted)s.",
                found=shown,
                accepted=", ".join(EMAIL_HEADERS),
            ),
            field="email",
        )
    return _Columns(found["email"], found.get("name"), found.get("locale"), found.get("first_name"))


def _cell(cells: list[str], index: int | None) -> str:
    return cells[index] if index is not None and index < len(cells) else ""


def _email_error(number: int, raw: str, email: str, seen: dict[str, int]) -> RowError | None:
    if not email:
        message = _l("This row has no e-mail address: add one, or delete the row.")
        return RowError(number, "missing_email", message)
    if not looks_like_email(email):
        message = _l(
            "%(value)s is not a valid e-mail address: correct it (like name@example.ma).",
            value=clean_text(raw)[:MAX_SHOWN],
        )
        return RowError(number, "bad_email", message)
    if email in seen:
        message = _l(
            "%(email)s already appears on row %(row)s: keep only one of the two rows.",
            email=email,
            row=seen[email],
        )
        return RowError(number, "duplicate", message)
    seen[email] = number
    return None


def _check(
    number: int, cells: list[str], columns: _Columns, seen: dict[str, int]
) -> MemberRow | RowError:
    """One error per row, the e-mail's first: it is what identifies the trainee."""
    raw = _cell(cells, columns.email)
    email = normalize_email(raw)
    error = _email_error(number, raw, email, seen)
    if error:
        return error
    locale_cell = clean_text(_cell(cells, columns.locale))
    locale = _LOCALES.get(fold(locale_cell)) if locale_cell else None
    if locale_cell and locale is None:
        message = _l(
            "Unknown language %(value)s: write fr or ar, or leave the cell empty.",
            value=locale_cell[:MAX_SHOWN],
        )
        return RowError(number, "unknown_locale", message)
    parts = (_cell(cells, columns.first_name), _cell(cells, columns.name))
    name = clean_text(" ".join(part.strip() for part in parts if part.strip()))
    if len(name) > MAX_NAME:
        message = _l(
            "This name is %(length)s characters long: shorten it to %(limit)s at most.",
            length=len(name),
            limit=MAX_NAME,
        )
        return RowError(number, "name_too_long", message)
    return MemberRow(number, email, name, locale)


def parse_members(data: bytes, *, max_rows: int = 5000) -> ParsedMembers:
    """Valid rows and per-row errors; raises :class:`CsvFileError` when nothing can be used.

    An e-mail counts as seen from its first valid occurrence even when that row has another
    error, so fixing that row later does not reveal a duplicate that could be reported now.
    """
    text = _decode(data)
    delimiter = _detect_delimiter(text)
    records = _records(text, delimiter)
    first = next(records, None)
    if first is None:
        raise CsvFileError(
            _l(
                "The file is empty. Put the column names on the first line (email;nom;langue) "
                "and one trainee per line below."
            )
        )
    columns = _columns(first[1])
    parsed = ParsedMembers(rows=[], errors=[], delimiter=delimiter)
    seen: dict[str, int] = {}
    count = 0
    for number, cells in records:
        count += 1
        if count > max_rows:
            raise CsvFileError(
                _l(
                    "The file has more than %(limit)s trainees: split it into several files.",
                    limit=max_rows,
                )
            )
        result = _check(number, cells, columns, seen)
        (parsed.rows if isinstance(result, MemberRow) else parsed.errors).append(result)
    if not count:
        raise CsvFileError(
            _l("The file has column names but no trainees: add one trainee per line below them.")
        )
    return parsed
