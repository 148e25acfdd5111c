"""The progress grid as a trainer opens it in Excel or LibreOffice: the same values back,
Arabic names readable, and no typed name ever run as a formula."""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator

import openpyxl
import pytest

from elearn.cohorts.exports import (
    FORMULA_PREFIXES,
    csv_lines,
    neutralise,
    safe_sheet_title,
    xlsx_bytes,
)

HEADER = ["Nom", "E-mail", "Progression (%)", "Dernière activité", "M1 Freins : meilleur quiz (%)"]
ROWS = [
    ["فاطمة الزهراء العمراني", "f@ofppt.example", 67, "12/03/2026 09:15", 80.5],
    ["Zoé Lefèvre", "z@ofppt.example", 0, None, None],
    ['Youssef; «Le Chef» "Benali"', "y@ofppt.example", 100, "", 12.5],
]
FORMULAS = [
    '=HYPERLINK("http://evil","x")',
    "+212600000000",
    "-1+1",
    "@SUM(A1)",
    "\tabc",
    "\rabc",
]


def read_csv(chunks) -> list[list[str]]:
    text = "".join(chunks)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline=""), delimiter=";"))


def read_xlsx(data: bytes):
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    return sheet, [[cell.value for cell in row] for row in sheet.iter_rows()]


def as_csv_text(value) -> str:
    return "" if value is None else str(value)


def test_csv_starts_with_the_bom_and_parses_back_to_the_same_table():
    rows = read_csv(csv_lines(HEADER, ROWS))
    assert rows[0] == HEADER
    assert rows[1:] == [[as_csv_text(v) for v in row] for row in ROWS]
    assert rows[1][0] == "فاطمة الزهراء العمراني"
    assert rows[1][4] == "80.5"  # a dot whatever the locale: machine-readable


def test_csv_rows_end_with_crlf_and_another_delimiter_can_be_asked():
    chunks = list(csv_lines(["a", "b"], [[1, "x,y"]], delimiter=","))
    assert chunks == ["\ufeffa,b\r\n", '1,"x,y"\r\n']


@pytest.mark.parametrize("value", FORMULAS)
def test_every_formula_prefix_is_neutralised(value):
    assert neutralise(value) == "'" + value
    rows = read_csv(csv_lines(["Nom", "Progression"], [[value, 50]]))
    assert rows[1] == ["'" + value, "50"]


def test_the_prefix_list_is_the_one_spreadsheets_act_on():
    assert set(FORMULA_PREFIXES) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize("value", [-5, 12.5, 0, None, True, False, "Zoé", "", "a=b", "'=déjà"])
def test_numbers_none_booleans_and_plain_text_are_left_alone(value):
    assert neutralise(value) is value


def test_negative_numbers_stay_numbers_in_the_csv():
    rows = read_csv(csv_lines(["Nom", "Écart", "Note"], [["=1+1", -5, 12.5]]))
    assert rows[1] == ["'=1+1", "-5", "12.5"]


def test_a_formula_in_a_column_title_is_neutralised_too():
    rows = read_csv(csv_lines(["Nom", "=M1 status"], []))
    assert rows == [["Nom", "'=M1 status"]]


def test_csv_is_streamed_one_row_at_a_time():
    consumed = 0

    def trainees() -> Iterator[list]:
        nonlocal consumed
        for n in range(10_000):
            if n >= 3:
                raise AssertionError("the whole input was read before anything was sent")
            consumed += 1
            yield [f"Stagiaire {n}", f"s{n}@ofppt.example", n]

    chunks = csv_lines(["Nom", "E-mail", "Progression"], trainees())
    assert iter(chunks) is chunks  # an iterator, not a built list
    assert next(chunks).startswith("\ufeffNom;")
    assert consumed == 0  # the header went out before any trainee was read
    assert next(chunks) == "Stagiaire 0;s0@ofppt.example;0\r\n"
    assert next(chunks) == "Stagiaire 1;s1@ofppt.example;1\r\n"
    assert consumed == 2


def test_a_large_csv_comes_out_as_one_chunk_per_row():
    big = ([f"Stagiaire {n}", n] for n in range(10_000))
    chunks = list(csv_lines(["Nom", "Progression"], big))
    assert len(chunks) == 10_001
    assert chunks[-1] == "Stagiaire 9999;9999\r\n"


def test_xlsx_reads_back_the_same_values_with_a_styled_frozen_header():
    sheet, values = read_xlsx(xlsx_bytes(HEADER, ROWS, sheet_title="TS Diagnostic", rtl=False))
    assert values[0] == HEADER
    assert values[1:] == [[v if v != "" else None for v in row] for row in ROWS]
    assert all(cell.font.bold for cell in sheet[1])
    assert sheet["A1"].fill.fgColor.rgb.endswith("0B5D4B")
    assert sheet.freeze_panes == "A2"
    assert not sheet.sheet_view.rightToLeft
    assert sheet.title == "TS Diagnostic"


def test_xlsx_numbers_are_numbers_and_arabic_is_intact():
    _sheet, values = read_xlsx(xlsx_bytes(HEADER, ROWS, sheet_title="x", rtl=True))
    assert values[1][0] == "فاطمة الزهراء العمراني"
    assert values[1][2] == 67 and isinstance(values[1][2], int)
    assert values[1][4] == 80.5 and isinstance(values[1][4], float)


def test_xlsx_right_to_left_for_arabic():
    sheet, _values = read_xlsx(xlsx_bytes(["الاسم"], [["فاطمة"]], sheet_title="ف", rtl=True))
    assert sheet.sheet_view.rightToLeft is True


def test_xlsx_never_holds_a_formula():
    rows = [[value, -5, 12.5] for value in FORMULAS]
    data = xlsx_bytes(["=Nom", "Écart", "Note"], rows, sheet_title="x", rtl=False)
    sheet, values = read_xlsx(data)
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    assert values[0][0] == "'=Nom"
    # XML reads a bare carriage return back as a line feed: still text after the apostrophe
    assert [row[0] for row in values[1:]] == ["'" + v.replace("\r", "\n") for v in FORMULAS]
    assert all(row[1:] == [-5, 12.5] for row in values[1:])
    assert b"<f>" not in _sheet_xml(data)


def _sheet_xml(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml")


def test_xlsx_column_widths_follow_the_header_within_bounds():
    header = ["N", "Progression (%)", "x" * 80]
    sheet, _values = read_xlsx(xlsx_bytes(header, [], sheet_title="x", rtl=False))
    widths = [sheet.column_dimensions[c].width for c in "ABC"]
    assert widths[0] == 10 and 10 < widths[1] < 50 and widths[2] == 50


def test_a_control_character_in_a_name_does_not_break_the_xlsx():
    _sheet, values = read_xlsx(xlsx_bytes(["Nom"], [["Ami\x00ne\x1b"]], sheet_title="x", rtl=False))
    assert values[1] == ["Amine"]


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("TS [Diag]: 2026/27 *?\\", "TS Diag 202627"),
        (
            "Techniciens Spécialisés en Diagnostic Automobile 2026",
            "Techniciens Spécialisés en Diag",
        ),
        ("فوج التشخيص الإلكتروني للسيارات 2026/2027", "فوج التشخيص الإلكتروني للسيارات"),
        ("'Cohorte'", "Cohorte"),
        ("???", "Sheet"),
    ],
)
def test_sheet_title_is_what_excel_accepts(title, expected):
    assert safe_sheet_title(title) == expected
    sheet, _values = read_xlsx(xlsx_bytes(["Nom"], [], sheet_title=title, rtl=False))
    assert sheet.title == expected and len(sheet.title) <= 31
