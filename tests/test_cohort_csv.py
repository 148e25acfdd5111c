"""The secretariat's list of trainees as Excel and LibreOffice save it, in French and Arabic:
every row the spreadsheet shows is either added or reported by the number it shows."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask_babel import Babel

from elearn.cohorts.csvimport import CsvFileError, MemberRow, parse_members

ROOT = Path(__file__).resolve().parent.parent
BOM = "\ufeff"


@pytest.fixture
def said():
    """Messages as a French-speaking trainer reads them, without a database: the project's
    catalogs, locale fr (an untranslated message comes back as its English msgid)."""
    app = Flask(__name__)
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(ROOT / "translations")
    Babel(app, locale_selector=lambda: "fr")
    with app.test_request_context():
        yield str


def parse(text: str, **kw):
    return parse_members(text.encode("utf-8"), **kw)


def codes(parsed) -> list[tuple[int, str]]:
    return [(e.row, e.code) for e in parsed.errors]


def test_excel_utf8_with_bom_and_libreoffice_without_read_the_same():
    text = "email;nom;langue\r\nfatima@ofppt.example;Fatima Zahra;ar\r\n"
    with_bom = parse_members((BOM + text).encode("utf-8"))
    without = parse_members(text.encode("utf-8"))
    expected = [MemberRow(2, "fatima@ofppt.example", "Fatima Zahra", "ar")]
    assert with_bom.rows == without.rows == expected
    assert with_bom.errors == without.errors == []


@pytest.mark.parametrize("sep", [";", ",", "\t"])
def test_semicolon_comma_and_tab_separated_files(sep):
    text = sep.join(["email", "nom", "langue"]) + "\r\n"
    text += sep.join(["youssef@ofppt.example", "Youssef Benali", "fr"]) + "\r\n"
    parsed = parse(text)
    assert parsed.delimiter == sep
    assert parsed.rows == [MemberRow(2, "youssef@ofppt.example", "Youssef Benali", "fr")]


def test_a_comma_in_a_name_does_not_fool_a_semicolon_file():
    parsed = parse('email;nom\r\na@ofppt.example;"Benali, Youssef"\r\nb@ofppt.example;X, Y, Z\r\n')
    assert parsed.delimiter == ";"
    assert [r.name for r in parsed.rows] == ["Benali, Youssef", "X, Y, Z"]


def test_quoted_cells_with_separator_newline_and_doubled_quotes_keep_spreadsheet_rows():
    text = (
        "email;nom;langue\r\n"
        'a@ofppt.example;"Benali; Youssef";fr\r\n'
        'b@ofppt.example;"Karim\r\n""Le Chef"" Idrissi";ar\r\n'  # one row, two lines
        "pas-un-email;Zoé;fr\r\n"  # row 4 in the spreadsheet, line 5 of the file
        "c@ofppt.example;Salma;fr\r\n"
    )
    parsed = parse(text)
    assert [(r.row, r.name) for r in parsed.rows] == [
        (2, "Benali; Youssef"),
        (3, 'Karim "Le Chef" Idrissi'),  # the line break becomes a space, as in a name
        (5, "Salma"),
    ]
    assert codes(parsed) == [(4, "bad_email")]


def test_arabic_and_french_names_come_through_intact():
    text = (
        "email;nom\r\n"
        "f@ofppt.example;فاطمة الزهراء العمراني\r\n"
        "z@ofppt.example;Zoé Lefèvre-Çelik\r\n"
        "m@ofppt.example;محمد El Ouazzani\r\n"
    )
    names = [r.name for r in parse(text).rows]
    assert names == ["فاطمة الزهراء العمراني", "Zoé Lefèvre-Çelik", "محمد El Ouazzani"]


def test_formula_like_names_are_kept_as_typed_they_are_neutralised_on_export():
    names = ['=HYPERLINK("http://evil","x")', "+33612345678", "@SUM(A1)", "-1+1"]
    quoted = ['"' + name.replace('"', '""') + '"' for name in names]
    lines = [f"x{n}@ofppt.example;{cell}\r\n" for n, cell in enumerate(quoted)]
    parsed = parse("email;nom\r\n" + "".join(lines))
    assert [r.name for r in parsed.rows] == names


def test_duplicates_ignore_case_and_name_the_earlier_row(said):
    text = (
        "email;nom\r\n"
        "A@x.org;Amine\r\n"
        "b@x.org;Badr\r\n"
        "a@x.org;Amine encore\r\n"
        " A@X.ORG ;Amine toujours\r\n"
    )
    parsed = parse(text)
    assert [(r.row, r.email) for r in parsed.rows] == [(2, "a@x.org"), (3, "b@x.org")]
    assert codes(parsed) == [(4, "duplicate"), (5, "duplicate")]
    assert all("2" in said(e.message) for e in parsed.errors)  # where the first one is
    assert "a@x.org" in said(parsed.errors[0].message)


def test_an_email_with_another_error_still_counts_for_duplicates():
    parsed = parse("email;langue\r\na@x.org;klingon\r\nA@x.org;fr\r\n")
    assert parsed.rows == []
    assert codes(parsed) == [(2, "unknown_locale"), (3, "duplicate")]


@pytest.mark.parametrize(
    "value", ["pas-un-email", "a@b", "a b@x.org", "a@@x.org", "@x.org", "a@x.", "a@x .org"]
)
def test_bad_emails_are_reported_with_the_value_to_correct(value, said):
    parsed = parse(f'email,nom\r\n"{value}",Quelqu\'un\r\n')
    assert parsed.rows == []
    assert codes(parsed) == [(2, "bad_email")]
    assert value in said(parsed.errors[0].message)


def test_a_pasted_paragraph_in_the_email_cell_is_quoted_short(said):
    parsed = parse("email\r\n" + "x" * 500 + "\r\n")
    assert codes(parsed) == [(2, "bad_email")]
    message = said(parsed.errors[0].message)
    assert "x" * 80 in message and "x" * 81 not in message


def test_a_row_without_email_is_reported_not_skipped():
    parsed = parse("nom;email;langue\r\nSans Adresse;;fr\r\nAvec;ok@x.org;\r\n")
    assert codes(parsed) == [(2, "missing_email")]
    assert parsed.rows == [MemberRow(3, "ok@x.org", "Avec", None)]


@pytest.mark.parametrize(
    ("cell", "locale"),
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("Français", "fr"),
        ("francais", "fr"),
        ("French", "fr"),
        ("fra", "fr"),
        ("الفرنسية", "fr"),
        ("فرنسي", "fr"),
        ("ar", "ar"),
        (" AR ", "ar"),
        ("Arabe", "ar"),
        ("arabic", "ar"),
        ("ara", "ar"),
        ("العربية", "ar"),
        ("العربيه", "ar"),  # ta marbuta typed as ha
        ("عربي", "ar"),
        ("", None),
    ],
)
def test_language_cell_in_words_or_codes(cell, locale):
    parsed = parse(f"email;langue\r\na@x.org;{cell}\r\n")
    assert parsed.errors == []
    assert parsed.rows[0].locale == locale


@pytest.mark.parametrize("cell", ["en", "anglais", "Tamazight", "fr-FR"])
def test_unknown_language_is_reported_with_the_value(cell, said):
    parsed = parse(f"email;langue\r\na@x.org;{cell}\r\n")
    assert parsed.rows == []
    assert codes(parsed) == [(2, "unknown_locale")]
    assert cell in said(parsed.errors[0].message)


def test_no_language_column_means_no_language():
    assert parse("email\r\na@x.org\r\n").rows == [MemberRow(2, "a@x.org", "", None)]


def test_blank_lines_are_skipped_and_rows_keep_the_spreadsheets_numbers():
    text = (
        "email;nom\r\n"
        "\r\n"  # row 2
        "a@x.org;Amine\r\n"  # row 3
        ";;\r\n"  # row 4
        "  ;  \r\n"  # row 5
        "pas-un-email;Badr\r\n"  # row 6
        "\r\n"
    )
    parsed = parse(text)
    assert [r.row for r in parsed.rows] == [3]
    assert codes(parsed) == [(6, "bad_email")]


def test_blank_lines_above_the_header_do_not_hide_the_separator():
    parsed = parse("\r\n\r\nemail;nom\r\na@x.org;Amine\r\n")
    assert parsed.delimiter == ";"
    assert parsed.rows == [MemberRow(4, "a@x.org", "Amine", None)]


def test_crlf_lf_and_a_missing_last_newline_all_work():
    for text in (
        "email;nom\r\na@x.org;Amine\r\nb@x.org;Badr",
        "email;nom\na@x.org;Amine\nb@x.org;Badr\n",
    ):
        parsed = parse(text)
        assert [(r.row, r.email, r.name) for r in parsed.rows] == [
            (2, "a@x.org", "Amine"),
            (3, "b@x.org", "Badr"),
        ]


@pytest.mark.parametrize(
    "header",
    [
        "Email;Nom;Langue",
        " E-MAIL ;NOM COMPLET;LANGUAGE",
        "Courriel;Nom et prénom;Lang",
        "Adresse e-mail;nom et prenom;locale",
        "Adresse Email;Full name;langue",
        "Mail;Name;Locale",
        "البريد الإلكتروني;الاسم الكامل;اللغة",
        "البريد;الاسم;اللغة",
        "البريد الالكتروني;الإسم;اللغه",  # hamza and ta marbuta left out, as often typed
    ],
)
def test_header_names_in_french_english_and_arabic(header):
    parsed = parse(header + "\r\na@x.org;فاطمة الزهراء;ar\r\n")
    assert parsed.rows == [MemberRow(2, "a@x.org", "فاطمة الزهراء", "ar")]


def test_columns_in_any_order_and_unknown_columns_ignored():
    text = "CIN;Téléphone;Nom;Groupe;Email\r\nAB123;0600000000;Salma;TS1;s@x.org\r\n"
    assert parse(text).rows == [MemberRow(2, "s@x.org", "Salma", None)]


@pytest.mark.parametrize(
    "header",
    [
        "Nom;Prénom;Email",
        "NOM;PRENOM;E-mail",
        "Last name;First name;email",
        "النسب;الاسم الشخصي;البريد",
    ],
)
def test_family_and_first_name_columns_are_joined_first_name_first(header):
    text = header + "\r\nEl Amrani; Fatima Zahra ;f@x.org\r\nBenali;;b@x.org\r\n;Salma;s@x.org\r\n"
    assert [r.name for r in parse(text).rows] == ["Fatima Zahra El Amrani", "Benali", "Salma"]


def test_missing_email_column_rejects_the_file_naming_accepted_headers(said):
    with pytest.raises(CsvFileError) as caught:
        parse("Nom;Prénom;Téléphone\r\nBenali;Youssef;0600000000\r\n")
    assert caught.value.status == 422
    message = said(caught.value.message)
    assert "courriel" in message and "البريد الإلكتروني" in message  # what to write
    assert "Téléphone" in message  # what the file has instead


def test_windows_1252_file_is_refused_asking_for_csv_utf8(said):
    data = "email;nom\r\nzoe@x.org;Zoé\r\n".encode("cp1252")
    with pytest.raises(CsvFileError) as caught:
        parse_members(data)
    assert "CSV UTF-8" in said(caught.value.message)


@pytest.mark.parametrize("data", [b"", BOM.encode(), b"\r\n\r\n", b"  ;  \r\n"])
def test_an_empty_file_is_refused(data):
    with pytest.raises(CsvFileError):
        parse_members(data)


def test_a_header_without_rows_is_refused():
    with pytest.raises(CsvFileError):
        parse("email;nom;langue\r\n\r\n;;\r\n")


def test_too_many_rows_are_refused_naming_the_limit(said):
    rows = "".join(f"t{n}@x.org;Stagiaire {n}\r\n" for n in range(4))
    assert len(parse("email;nom\r\n" + rows, max_rows=4).rows) == 4
    assert len(parse("email;nom\r\n\r\n" + rows + "\r\n", max_rows=4).rows) == 4  # blanks free
    with pytest.raises(CsvFileError) as caught:
        parse("email;nom\r\n" + rows + "t9@x.org;Un de trop\r\n", max_rows=4)
    assert "4" in said(caught.value.message)


def test_a_quote_left_open_is_refused_at_its_row_not_swallowing_the_rest(said):
    text = 'email;nom\r\na@x.org;Amine\r\nb@x.org;"Badr\r\nc@x.org;Chaimae\r\n'
    with pytest.raises(CsvFileError) as caught:
        parse(text)
    assert "3" in said(caught.value.message)


def test_names_longer_than_120_characters_are_reported():
    text = f"email;nom\r\na@x.org;{'A' * 120}\r\nb@x.org;{'B' * 121}\r\n"
    parsed = parse(text)
    assert [r.email for r in parsed.rows] == ["a@x.org"]
    assert codes(parsed) == [(3, "name_too_long")]


def test_bidi_override_is_removed_from_names():
    parsed = parse("email;nom\r\na@x.org;\u202enimda\r\nb@x.org;\u2067فاطمة\u2069 Z\r\n")
    assert [r.name for r in parsed.rows] == ["nimda", "فاطمة Z"]


def test_every_message_renders_in_a_french_context(said):
    text = (
        "email;nom;langue\r\n"
        ";X;fr\r\n"
        "bad;X;fr\r\n"
        "a@x.org;X;fr\r\n"
        "a@x.org;X;fr\r\n"
        "b@x.org;X;xx\r\n"
        f"c@x.org;{'C' * 121};fr\r\n"
    )
    parsed = parse(text)
    assert [e.code for e in parsed.errors] == [
        "missing_email",
        "bad_email",
        "duplicate",
        "unknown_locale",
        "name_too_long",
    ]
    assert all(said(e.message).strip() for e in parsed.errors)
