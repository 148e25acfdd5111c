"""The progress grid as a trainer opens it in Excel or LibreOffice: the same values back,
Arabic names readable, and no typed name ever run as a formula."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from sqlalchemy import select, update

from elearn.cohorts.exports import (
    FORMULA_PREFIXES,
    csv_lines,
    neutralise,
    safe_sheet_title,
    text_width,
    xlsx_bytes,
)
from elearn.core.text import BIDI_CONTROLS
from elearn.extensions import db
from tests.cohortkit import create_cohort, staff
from tests.quizkit import LESSONS, QUIZ, RIGHT, answers_for

CASABLANCA = ZoneInfo("Africa/Casablanca")  # the platform's default (ELEARN_TIMEZONE)
SEEN = datetime(2026, 10, 12, 8, 15, tzinfo=UTC)  # 09:15 in Casablanca (UTC+1)
HEADER = ["Nom", "E-mail", "Progression (%)", "Dernière activité", "M1 Freins : meilleur quiz (%)"]
ROWS = [
    ["فاطمة الزهراء العمراني", "f@ofppt.example", 67, SEEN, 80.5],
    ["Zoé Lefèvre", "z@ofppt.example", 0, None, None],
    ['Youssef; «Le Chef» "Benali"', "y@ofppt.example", 100, None, 100.0],
]
#: Every bidi control a sheet must not hold (elearn.core.text.BIDI_CONTROLS).
BIDI = set(map(chr, BIDI_CONTROLS))
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


def test_csv_starts_with_the_bom_and_parses_back_as_french_excel_reads_it():
    rows = read_csv(csv_lines(HEADER, ROWS, zone=CASABLANCA))
    assert rows[0] == HEADER
    assert rows[1] == [
        "فاطمة الزهراء العمراني",
        "f@ofppt.example",
        "67",
        "2026-10-12 09:15",  # ISO 8601, the platform's wall clock
        "80,5",  # French Excel's decimal comma
    ]
    assert rows[2] == ["Zoé Lefèvre", "z@ofppt.example", "0", "", ""]
    assert rows[3] == ['Youssef; «Le Chef» "Benali"', "y@ofppt.example", "100", "", "100"]


@pytest.mark.parametrize(
    ("value", "comma", "point"),
    [
        (100.0, "100", "100"),  # never "100.0": French Excel would read it as text
        (0.0, "0", "0"),
        (80.5, "80,5", "80.5"),
        (83.3, "83,3", "83.3"),
        (-5, "-5", "-5"),
        (-2.5, "-2,5", "-2.5"),
        (12_345.5, "12345,5", "12345.5"),  # no group separator, which Excel would not read
        (Decimal("12.50"), "12,50", "12.50"),
        (float("nan"), "", ""),
        (True, "1", "1"),
    ],
)
def test_csv_numbers_are_written_as_the_locale_reads_them(value, comma, point):
    assert read_csv(csv_lines(["x"], [[value]]))[1] == [comma]
    assert read_csv(csv_lines(["x"], [[value]], decimal="."))[1] == [point]


def test_csv_dates_are_iso_in_the_platform_time_zone_ramadan_included():
    """Morocco goes back to UTC during Ramadan: zoneinfo knows, a fixed +01:00 would not."""
    ramadan = datetime(2026, 3, 1, 8, 15, tzinfo=UTC)
    naive = datetime(2026, 10, 12, 8, 15)  # as SQLite hands it back: taken as UTC
    rows = read_csv(
        csv_lines(
            ["a", "b", "c", "d"], [[SEEN, ramadan, naive, date(2026, 9, 15)]], zone=CASABLANCA
        )
    )
    assert rows[1] == ["2026-10-12 09:15", "2026-03-01 08:15", "2026-10-12 09:15", "2026-09-15"]
    assert read_csv(csv_lines(["a"], [[SEEN]]))[1] == ["2026-10-12 08:15"]  # default: UTC


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
    assert rows[1] == ["'=1+1", "-5", "12,5"]


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


def test_xlsx_reads_back_the_same_values_with_a_styled_frozen_filtered_header():
    sheet, values = read_xlsx(
        xlsx_bytes(HEADER, ROWS, sheet_title="TS Diagnostic", rtl=False, zone=CASABLANCA)
    )
    assert values[0] == HEADER
    assert values[1] == [*ROWS[0][:3], datetime(2026, 10, 12, 9, 15), 80.5]
    assert values[2:] == [[v if v != "" else None for v in row] for row in ROWS[1:]]
    assert all(cell.font.bold and cell.alignment.wrap_text for cell in sheet[1])
    assert sheet["A1"].fill.fgColor.rgb.endswith("0B5D4B")
    assert sheet.freeze_panes == "B2"  # the header row and the names stay in view
    assert sheet.auto_filter.ref == "A1:E4"  # the whole table, header to last trainee
    assert not sheet.sheet_view.rightToLeft
    assert sheet.title == "TS Diagnostic"
    assert sheet.print_title_rows == "$1:$1"  # the header on every printed page


def test_xlsx_cells_are_typed_dates_and_numbers_with_their_formats():
    sheet, _values = read_xlsx(
        xlsx_bytes(HEADER, ROWS, sheet_title="x", rtl=False, zone=CASABLANCA)
    )
    seen = sheet["D2"]
    assert seen.is_date and seen.value == datetime(2026, 10, 12, 9, 15)  # Casablanca's clock
    assert seen.number_format == "dd/mm/yyyy hh:mm"
    percent, best = sheet["C2"], sheet["E2"]
    assert percent.data_type == "n" and isinstance(percent.value, int)
    assert percent.number_format == "General"  # shows 67 as 67, in any locale
    assert best.data_type == "n" and best.value == 80.5 and best.number_format == "0.0"
    assert sheet["E4"].value == 100 and sheet["E4"].number_format == "0.0"
    assert sheet["A2"].data_type == "s" and sheet["A2"].number_format == "General"
    assert sheet["D3"].value is None and sheet["E3"].value is None


def test_xlsx_odd_values_keep_their_type():
    """Text that looks like an error value stays text, a boolean a boolean, a date a date
    (to the second: Excel keeps no microseconds), a naive datetime is taken as UTC."""
    odd = ["#N/A", True, datetime(2026, 10, 12, 8, 15, 42, 876_000), date(2026, 9, 15)]
    sheet, values = read_xlsx(
        xlsx_bytes(["a", "b", "c", "d"], [odd], sheet_title="x", rtl=False, zone=CASABLANCA)
    )
    assert values[1] == ["#N/A", True, datetime(2026, 10, 12, 9, 15, 42), datetime(2026, 9, 15)]
    assert [c.data_type for c in sheet[2]] == ["s", "b", "d", "d"]
    assert sheet["D2"].number_format == "dd/mm/yyyy"


def test_xlsx_numbers_are_numbers_and_arabic_is_intact():
    _sheet, values = read_xlsx(xlsx_bytes(HEADER, ROWS, sheet_title="x", rtl=True))
    assert values[1][0] == "فاطمة الزهراء العمراني"
    assert values[1][2] == 67 and isinstance(values[1][2], int)
    assert values[1][4] == 80.5 and isinstance(values[1][4], float)


def test_xlsx_right_to_left_for_arabic():
    sheet, _values = read_xlsx(xlsx_bytes(["الاسم"], [["فاطمة"]], sheet_title="ف", rtl=True))
    assert sheet.sheet_view.rightToLeft is True


MARKED = [
    "\u2068Contrôles\u2069 :الحالة",  # an isolated Latin title, as an Arabic msgstr has it
    "\u200f12\u200f/3\u200f/2026، 09:15",  # Babel's Arabic short date
    "\u202bفاطمة\u202c \u202dZoé\u202c \u202eabc\u061c",
    "\u200e=1+1",  # a mark must not hide a formula
    "\u2066\u2067x\u2069",
]


def test_no_bidi_control_reaches_a_cell_or_the_sheet_title():
    """Isolation belongs to the page (``<bdi>``): in a cell the marks break sorting,
    filtering and comparing, and no spreadsheet needs them to show Arabic."""
    data = xlsx_bytes(MARKED, [MARKED], sheet_title="\u2068TS\u2069 \u200fفوج", rtl=True)
    sheet, values = read_xlsx(data)
    cells = [v for row in values for v in row] + [sheet.title]
    assert not any(set(v) & BIDI for v in cells), [ascii(v) for v in cells]
    assert values[1] == ["Contrôles :الحالة", "12/3/2026، 09:15", "فاطمة Zoé abc", "'=1+1", "x"]
    assert sheet.title == "TS فوج"
    rows = read_csv(csv_lines(MARKED, [MARKED]))
    assert not any(set(v) & BIDI for row in rows for v in row)
    assert rows[1] == values[1]


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


def test_xlsx_column_widths_follow_the_content_within_bounds():
    header = ["N", "E-mail", "Dernière activité", "x" * 80, "Module 1, Contrôles : statut", "Note"]
    rows = [
        ["a", "fatima-zahra.elamrani@ofppt.example", SEEN, "court", "Non commencé", 83.3],
        ["b", "z@ofppt.example", None, "y" * 200, "En cours", 100.0],
    ]
    sheet, _values = read_xlsx(xlsx_bytes(header, rows, sheet_title="x", rtl=False))
    widths = {c: sheet.column_dimensions[c].width for c in "ABCDEF"}
    assert widths["A"] == 8  # the minimum, for one-letter values
    assert widths["B"] == len("fatima-zahra.elamrani@ofppt.example") + 2 > 10
    assert widths["C"] == len("dd/mm/yyyy hh:mm") + 2
    assert widths["D"] == 60  # the maximum, however long the text
    # a long title wraps (on three lines at most) rather than widen a column of short values
    assert len("Non commencé") + 2 <= widths["E"] < len(header[4])
    assert widths["F"] == 8
    assert sheet.row_dimensions[1].height >= 30  # room for the wrapped titles


def test_widths_are_measured_as_arabic_is_drawn():
    """Harakat and shadda sit on their letter; a long Arabic name widens its column."""
    assert text_width("مُحَمَّد") == text_width("محمد") == 4
    assert text_width("\u2068Zoé\u2069") == 3
    name = "فاطمة الزهراء العمراني بنت عبد الرحمن"
    sheet, _values = read_xlsx(xlsx_bytes(["الاسم", "ب"], [[name, 1]], sheet_title="ف", rtl=True))
    assert sheet.column_dimensions["A"].width == len(name) + 2


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


# -- the files a trainer downloads, end to end ------------------------------------------------

TRAINEES = {
    "f@ofppt.example": "فاطمة الزهراء العمراني بنت عبد الرحمن",
    "z@ofppt.example": "Zoé Lefèvre",
}
#: Five points of six: the best quiz result is a decimal.
FIVE_OF_SIX = {**RIGHT, "q1": "1 mm"}


@pytest.fixture
def cohort_with_results(app, api, make):
    """Fatima read both lessons and scored 83.3 % at the quiz (her last activity set to a
    known moment); Zoé scored 0 %; the cohort's trainer's token."""
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    for email, name in TRAINEES.items():
        make.user("trainee", centre="SALE", email=email, name=name)
    added = api.post(
        f"/api/v1/cohorts/{cohort_id}/members",
        token=people.sale_token,
        json={"emails": [*TRAINEES]},
    )
    assert added.status_code == 200, added.get_json()
    for email, answers in (("f@ofppt.example", FIVE_OF_SIX), ("z@ofppt.example", {})):
        token = make.token(email)
        if answers:
            for url in LESSONS:
                assert api.post(url + "/complete", token=token).status_code == 200
        attempt = api.post(QUIZ, token=token).get_json()
        done = api.post(
            f"/api/v1/attempts/{attempt['id']}/submit",
            token=token,
            json={"answers": answers_for(attempt, answers)},
        )
        assert done.status_code == 200, done.get_json()
    with app.app_context():
        from elearn.accounts.models import User
        from elearn.learning.models import Enrolment

        fatima = db.session.scalar(select(User.id).where(User.email == "f@ofppt.example"))
        db.session.execute(
            update(Enrolment).where(Enrolment.user_id == fatima).values(last_activity_at=SEEN)
        )
        db.session.commit()
    return cohort_id, people.sale_token


def download(api, token, cohort_id, kind, lang):
    response = api.get(f"/api/v1/cohorts/{cohort_id}/progress.{kind}?lang={lang}", token=token)
    assert response.status_code == 200
    return response.data


@pytest.mark.parametrize(
    ("lang", "status", "quiz"),
    [
        (
            "fr",
            "Module 1, Contrôles : statut",
            "Module 1, Contrôles : meilleur résultat au quiz (%)",
        ),
        ("ar", "الوحدة 1، الفحوص: الحالة", "الوحدة 1، الفحوص: أفضل نتيجة في الاختبار (%)"),
    ],
)
def test_the_downloaded_xlsx_is_a_table_a_secretariat_can_sort_and_filter(
    cohort_with_results, api, lang, status, quiz
):
    cohort_id, token = cohort_with_results
    sheet, values = read_xlsx(download(api, token, cohort_id, "xlsx", lang))
    header = values[0]
    # module columns say which module, by its title in the sheet's language: no slug, no id
    assert header[5:7] == [status, quiz]
    assert not any("checks" in title or title.startswith("M1") for title in header)
    by_email = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
    fatima, zoe = by_email["f@ofppt.example"], by_email["z@ofppt.example"]
    assert fatima[0].value == TRAINEES["f@ofppt.example"]
    assert fatima[2].value == 100 and fatima[2].data_type == "n"
    last = fatima[3]
    assert last.is_date and last.value == datetime(2026, 10, 12, 9, 15)  # Casablanca's clock
    assert last.number_format == "dd/mm/yyyy hh:mm"
    assert fatima[6].value == 83.3 and fatima[6].number_format == "0.0"
    assert zoe[6].value == 0 and zoe[6].data_type == "n"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(len(header))}3"
    assert sheet.freeze_panes == "B2"
    assert sheet.column_dimensions["A"].width == len(TRAINEES["f@ofppt.example"]) + 2
    assert sheet.column_dimensions["B"].width > 10
    assert sheet.sheet_view.rightToLeft is (lang == "ar")
    cells = [v for row in values for v in row if isinstance(v, str)] + [sheet.title]
    assert not any(set(v) & BIDI for v in cells), [ascii(v) for v in cells if set(v) & BIDI]


@pytest.mark.parametrize(("lang", "first", "done"), [("fr", "Nom", "oui"), ("ar", "الاسم", "نعم")])
def test_the_downloaded_csv_writes_numbers_and_dates_as_the_locale_reads_them(
    cohort_with_results, api, lang, first, done
):
    """fr_MA and ar_MA both write a decimal comma (CLDR, and the platform's own pages): the
    file keeps ``;`` between cells in both, as the Windows of either locale lists them."""
    cohort_id, token = cohort_with_results
    data = download(api, token, cohort_id, "csv", lang)
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8")
    assert not set(text) & BIDI
    rows = read_csv([text])
    assert rows[0][0] == first and len({len(row) for row in rows}) == 1
    by_email = {row[1]: row for row in rows[1:]}
    fatima, zoe = by_email["f@ofppt.example"], by_email["z@ofppt.example"]
    assert fatima[2:5] == ["100", "2026-10-12 09:15", done]
    assert fatima[6] == "83,3" and zoe[6] == "0"  # never "0.0", never "83.3"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d", zoe[3])  # her attempt, ISO too
