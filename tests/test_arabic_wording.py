"""Arabic done right (issue 17): a certificate that does not assume the holder's gender,
counts in the six Arabic plural forms, centres named in both languages, pickers in the
interface language, and one calendar style (Morocco's month names) on every page."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from babel.messages.mofile import read_mo
from sqlalchemy import select

from elearn.accounts.models import Centre
from elearn.config import PROJECT_ROOT
from elearn.core.edge import unit_of_work
from elearn.demo import CENTRES
from elearn.extensions import db
from elearn.learning.models import Certificate
from elearn.quizzes.models import QuizAttempt
from tests.browser import screenshot
from tests.factories import package_files, zipped
from tests.quizkit import SLUG, certify, publish

SALE_AR = "مركز التكوين المهني سلا"


def _holder(api, make, name="Salma Idrissi"):
    """A trainee with a certificate (answering the French quiz; pages choose with ?lang=)."""
    publish(api, make)
    holder = make.user("trainee", name=name, locale="fr")
    token = make.token(holder.email)
    assert api.post(f"/api/v1/courses/{SLUG}/enrolment", token=token).status_code == 201
    return holder, certify(api, token)


def _issued_in_december(app, code):
    with app.app_context(), unit_of_work():
        found = db.session.scalar(select(Certificate).where(Certificate.code == code))
        found.issued_at = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    main = response.get_data(as_text=True).split("<main", 1)[1]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", main))


# -- the certificate -------------------------------------------------------------------------


def test_the_arabic_certificate_names_the_completion_not_a_masculine_verb(api, make, app):
    holder, code = _holder(api, make)
    client = app.test_client()
    client.login(holder.email)
    text = _text(client.get(f"/certificates/{code}?lang=ar"))
    assert "أتمّ" not in text.replace("بإتمام", "") and "أتم " not in text
    assert "تشهد هذه الوثيقة بإتمام Salma Idrissi الدورة التكوينية" in text
    # the French side says the same, and the name is isolated on both sides
    assert "Ce certificat atteste que Salma Idrissi" in text
    html = client.get(f"/certificates/{code}").get_data(as_text=True).split("<main", 1)[1]
    assert html.count("<bdi>Salma Idrissi</bdi>") == 2


def test_a_latin_name_with_a_hyphen_stays_on_one_line_in_the_certificate(api, make, app):
    """ "OBD-II" broken at its hyphen in the Arabic title put "-OBD" at the end of one line
    and "II:" at the start of the next (seen at 360 px): the certificate's titles hold
    such names together with the non-breaking hyphen; a spaced dash still breaks."""
    holder, code = _holder(api, make)
    with app.app_context(), unit_of_work():  # the title as it was when the course was passed
        found = db.session.scalar(select(Certificate).where(Certificate.code == code))
        found.course_title = {"fr": "Diagnostic OBD-II - niveau 1", "ar": "التشخيص المدمج OBD-II"}
    client = app.test_client()
    client.login(holder.email)
    html = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "التشخيص المدمج OBD\u2011II" in html and "OBD-II" not in html.split("<main", 1)[1]
    assert "Diagnostic OBD\u2011II - niveau 1" in html


def test_the_certificate_and_the_public_check_write_the_same_month(api, make, app, client):
    holder, code = _holder(api, make)
    _issued_in_december(app, code)
    owner = app.test_client()
    owner.login(holder.email)
    certificate_ar = _text(owner.get(f"/certificates/{code}?lang=ar"))
    verify_ar = _text(client.get(f"/verify/{code}?lang=ar"))
    # Morocco's month names, on both pages: "دجنبر", never the Middle-East "ديسمبر"
    assert "3 دجنبر 2026" in certificate_ar and "3 دجنبر 2026" in verify_ar
    assert "ديسمبر" not in certificate_ar + verify_ar
    assert "3 décembre 2026" in certificate_ar  # the French side of the same certificate
    assert "3 décembre 2026" in _text(client.get(f"/verify/{code}?lang=fr"))


# -- counts ----------------------------------------------------------------------------------

HOURS = {  # estimated hours → what the catalogue card says in Arabic, and in French
    1.5: ("1,5 ساعة", "1,5 heure"),  # a fraction: Arabic's "other" form, French's "one"
    1: ("ساعة واحدة", "1 heure"),
    2: ("ساعتان", "2 heures"),
    3: ("3 ساعات", "3 heures"),
    11: ("11 ساعةً", "11 heures"),
    100: ("100 ساعة", "100 heures"),
}


def _course_of(make, slug: str, hours) -> None:
    files = package_files(slug)
    files["course.yml"] = files["course.yml"].replace(
        "estimated_hours: 3", f"estimated_hours: {hours}"
    )
    make.course(zipped(slug, files), publish=True)


def test_the_catalogue_counts_hours_and_courses_in_the_six_arabic_forms(make, signed_in):
    for index, hours in enumerate(HOURS):
        _course_of(make, f"hours-{index}", hours)
    trainee = make.user("trainee")
    reader = signed_in(trainee.email)
    for lang, column in (("ar", 0), ("fr", 1)):
        html = reader.get(f"/courses?lang={lang}").get_data(as_text=True)
        cards = dict(
            re.findall(r'href="/courses/hours-(\d)".*?<p class="muted">(.*?)</p>', html, re.S)
        )
        for index, hours in enumerate(HOURS):
            assert cards[str(index)].rstrip().endswith(HOURS[hours][column]), (lang, cards)
    arabic = reader.get("/courses?lang=ar").get_data(as_text=True)
    assert "6 دورات" in arabic and " 6 دورة" not in arabic
    nothing = reader.get("/courses?lang=ar&q=zzzzzz").get_data(as_text=True)
    assert "لا دورات" in nothing and "0 دورة" not in nothing
    assert not re.search(r"(?<!\d)(1 ساعة|2 ساعتان)", arabic)


def test_a_quiz_score_says_points_in_the_right_form(api, make, app):
    holder, _code = _holder(api, make)
    with app.app_context():
        attempt_id = db.session.scalar(select(QuizAttempt.id).order_by(QuizAttempt.id.desc()))
    client = app.test_client()
    client.login(holder.email)
    text = _text(client.get(f"/attempts/{attempt_id}?lang=ar"))
    # the quiz is worth six points: the 3-10 form, "نقاط", not "6 نقطة"
    assert re.search(r"\d+ من 6 نقاط؛ عتبة النجاح", text), text[:600]
    assert "6 نقطة" not in text
    french = _text(client.get(f"/attempts/{attempt_id}?lang=fr"))
    assert re.search(r"\d+ sur 6 points ; seuil de réussite", french)


# -- centres and pickers ---------------------------------------------------------------------


def _arabic_centre(app, code="SALE"):
    with app.app_context(), unit_of_work():
        centre = db.session.scalar(select(Centre).where(Centre.code == code))
        centre.name_ar = SALE_AR


def test_the_cohort_page_names_the_centre_in_the_interface_language(app, make, signed_in):
    trainer = make.user("trainer")
    _arabic_centre(app)
    cohort = make.cohort(trainers=[trainer.email])
    client = signed_in(trainer.email)
    arabic = client.get(f"/cohorts/{cohort.id}?lang=ar").get_data(as_text=True)
    assert f"<bdi>{SALE_AR}</bdi>" in arabic and "Centre de Salé" not in arabic
    french = client.get(f"/cohorts/{cohort.id}?lang=fr").get_data(as_text=True)
    assert "<bdi>Centre de Salé</bdi>" in french and SALE_AR not in french
    listing = client.get("/cohorts?lang=ar").get_data(as_text=True)
    assert f"<bdi>{SALE_AR}</bdi>" in listing


def test_a_centre_without_an_arabic_name_falls_back_to_french(make, signed_in):
    trainer = make.user("trainer")
    cohort = make.cohort(trainers=[trainer.email])
    arabic = signed_in(trainer.email).get(f"/cohorts/{cohort.id}?lang=ar").get_data(as_text=True)
    assert "<bdi>Centre de Salé</bdi>" in arabic


def test_admins_give_a_centre_its_arabic_name_on_the_form_and_the_api(app, make, signed_in, api):
    admin = make.user("admin")
    client = signed_in(admin.email)
    saved = client.post_form(
        "/admin/centres/new",
        {"code": "TETOUAN", "name": "CFP Tétouan", "name_ar": "مركز تطوان", "city": "Tétouan"},
    )
    assert saved.status_code == 303
    page = client.get("/admin/centres").get_data(as_text=True)
    assert '<bdi lang="ar">مركز تطوان</bdi>' in page
    token = make.token(admin.email)
    created = api.post(
        "/api/v1/centres",
        token=token,
        json={"code": "FES", "name": "CFP Fès", "name_ar": "مركز فاس", "city": "Fès"},
    )
    assert created.status_code == 201 and created.get_json()["name_ar"] == "مركز فاس"
    renamed = api.patch("/api/v1/centres/FES", token=token, json={"name": "CFP de Fès"})
    assert renamed.get_json() == {
        "code": "FES",
        "name": "CFP de Fès",
        "name_ar": "مركز فاس",  # a PATCH without name_ar keeps it
        "city": "Fès",
    }
    too_long = api.patch("/api/v1/centres/FES", token=token, json={"name_ar": "س" * 201})
    assert too_long.status_code == 422


def test_the_cohort_form_lists_courses_and_centres_in_the_interface_language(app, make, signed_in):
    make.course(publish=True)
    _arabic_centre(app, make.centre().code)
    admin = signed_in(make.user("admin").email)
    arabic = admin.get("/cohorts/new?lang=ar").get_data(as_text=True)
    assert "المحرك" in arabic and ">Moteur<" not in arabic
    assert f"\u2068{SALE_AR} (Salé)\u2069" in arabic
    french = admin.get("/cohorts/new?lang=fr").get_data(as_text=True)
    assert "Moteur" in french and "\u2068Centre de Salé (Salé)\u2069" in french


def test_the_demo_names_its_centres_in_arabic():
    assert all(centre["name_ar"] for centre in CENTRES)
    assert any("سلا" in centre["name_ar"] for centre in CENTRES)


# -- the certificate's layout, looked at ----------------------------------------------------


@pytest.mark.browser
@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_the_certificate_fills_its_columns_on_screen_and_in_print(
    api, make, app, browser, live_server, lang
):
    holder, code = _holder(api, make, name="Fatima Zahra El Amrani")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login?lang={lang}")
    page.locator("#email").fill(holder.email)
    page.locator("#password").fill(holder.password)
    page.locator("form button[type=submit]").click()
    page.wait_for_url(f"{live_server.url}/")
    page.goto(f"{live_server.url}/certificates/{code}")

    def boxes():
        sides = [s.bounding_box() for s in page.locator(".certificate-side").all()]
        whole = page.locator(".certificate").bounding_box()
        return sides, whole

    for width in (1280, 360):
        page.set_viewport_size({"width": width, "height": 900})
        sides, whole = boxes()
        if width == 1280:  # side by side, each about half: no empty third column
            assert abs(sides[0]["y"] - sides[1]["y"]) < 2
            assert sum(s["width"] for s in sides) > 0.85 * whole["width"]
        else:  # stacked, each the whole width
            assert sides[1]["y"] > sides[0]["y"] + sides[0]["height"] - 1
            assert all(s["width"] > 0.8 * whole["width"] for s in sides)
        screenshot(page, f"certificate-{lang}-{width}")
    page.set_viewport_size({"width": 794, "height": 1123})  # A4 at 96 dpi
    page.emulate_media(media="print")
    sides, whole = boxes()
    assert abs(sides[0]["y"] - sides[1]["y"]) < 2
    assert sum(s["width"] for s in sides) > 0.85 * whole["width"]
    assert not page.locator(".site-header").is_visible()
    screenshot(page, f"certificate-{lang}-print")
    page.pdf(path=str(screenshot(page, f"certificate-{lang}-print").with_suffix(".pdf")))
    context.close()


# -- the catalog as a whole ------------------------------------------------------------------

#: Imperatives in the masculine addressed to the reader ("choose", "enter", "give",
#: "correct", "enrol", "write", "keep"): the catalog says "يُرجى + masdar" instead.
MASCULINE_ORDERS = re.compile(
    r"(^|[\s:؛،(.—])(اختر|أدخل|أدخِل|أعطِ|أعط|صحّح|صحِّح|سجّل|اكتب|احتفظ|واصل)(?=[\s.،:؛]|$)"
)


def test_the_arabic_catalog_gives_no_order_in_the_masculine():
    with open(PROJECT_ROOT / "translations" / "ar" / "LC_MESSAGES" / "messages.mo", "rb") as f:
        catalog = read_mo(f)
    offenders = []
    for message in catalog:
        strings = message.string if isinstance(message.string, list | tuple) else [message.string]
        if message.id and any(MASCULINE_ORDERS.search(s or "") for s in strings):
            offenders.append(message.id)
    assert offenders == []
    certificate = catalog.get("has completed the course")
    assert certificate is not None and "أتم" not in certificate.string
