"""An expert writes a bilingual quiz with all seven question types in the Studio's forms,
never seeing YAML, on a 360 px phone in Arabic and on a desktop in French; previews it; and
the quiz saved is exactly what was typed — in a real Chromium."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.authoring.models import Course
from elearn.extensions import db
from tests.browser import screenshot, sign_in
from tests.factories import imported, package_files, zipped

pytestmark = pytest.mark.browser
QUIZ = "/studio/engine-basics/modules/basics/quiz"


def _submit(page, selector: str) -> None:
    """Press one of the editor's buttons: the page comes back with everything typed."""
    with page.expect_navigation():
        page.locator(selector).click()


def _texts(page, name: str, fr: str, ar: str) -> None:
    page.locator(f'[name="{name}-fr"]').fill(fr)
    page.locator(f'[name="{name}-ar"]').fill(ar)


def _add(page, qtype: str) -> None:
    page.locator("#add_type").select_option(qtype)
    _submit(page, "button[value=add]")


@pytest.mark.parametrize(
    ("interface", "width", "saved"),
    [("ar", 360, "تم حفظ الاختبار"), ("fr", 1200, "Quiz enregistré.")],
)
def test_an_expert_writes_every_question_type_in_forms(
    app, api, live_server, browser, make, backend, interface, width, saved
):
    expert = make.user("expert", network="DMK", locale=interface)
    files = package_files()
    del files["01-basics/quiz.yml"]  # a module without a quiz yet
    imported(api, make.token(expert.email), zipped("engine-basics", files))
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    base = live_server.url
    sign_in(page, base, expert.email, expert.password, interface)
    page.goto(f"{base}{QUIZ}")
    assert page.locator("html").get_attribute("dir") == ("rtl" if interface == "ar" else "ltr")
    assert page.locator("fieldset.question-edit").count() == 1  # a starter question
    arabic = page.locator('[name="q-0-prompt-ar"]')
    assert (arabic.get_attribute("lang"), arabic.get_attribute("dir")) == ("ar", "rtl")
    assert page.locator('[name="q-0-prompt-fr"]').get_attribute("dir") == "ltr"
    if width > 1000:  # French and Arabic side by side on a desktop, stacked on a phone
        fr_box = page.locator('[name="title-fr"]').bounding_box()
        ar_box = page.locator('[name="title-ar"]').bounding_box()
        assert abs(fr_box["y"] - ar_box["y"]) < 5 and fr_box["x"] != ar_box["x"]
    else:
        assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    # saving the empty starter: each problem under its box, in the interface's language
    _submit(page, ".actions button[value=save]")
    said = page.locator("#q-0-prompt-fr ~ p.error").inner_text()
    assert said.startswith("يُرجى كتابة هذا النص" if interface == "ar" else "écrivez ce texte")
    assert page.locator("#q-0-prompt-fr").get_attribute("aria-invalid") == "true"
    screenshot(page, f"quiz-editor-errors-{interface}-{width}-{backend}")
    _texts(page, "title", "Quiz moteur", "اختبار المحرك")
    page.locator("#max_attempts").fill("3")
    # 1. one correct answer (the starter)
    _texts(page, "q-0-prompt", "Combien de temps ?", "كم شوطا؟")
    _texts(page, "q-0-choice-0-text", "Deux", "اثنان")
    _texts(page, "q-0-choice-1-text", "Quatre", "أربعة")
    page.locator('[name="q-0-correct"][value="1"]').check()
    # 2. several correct answers, with a third choice added
    _add(page, "multiple")
    _texts(page, "q-1-prompt", "Fluides du moteur ?", "سوائل المحرك؟")
    _texts(page, "q-1-choice-0-text", "Huile", "زيت")
    _texts(page, "q-1-choice-1-text", "Liquide de refroidissement", "سائل التبريد")
    page.locator('[name="q-1-choice-0-correct"]').check()
    page.locator('[name="q-1-choice-1-correct"]').check()
    _submit(page, "button[value='add-choice:1']")
    assert page.locator('[name="q-0-choice-1-text-ar"]').input_value() == "أربعة"  # kept
    _texts(page, "q-1-choice-2-text", "Sable", "رمل")
    # 3. true or false
    _add(page, "true_false")
    _texts(page, "q-2-prompt", "L'huile lubrifie.", "الزيت يشحم.")
    page.locator('[name="q-2-answer"][value="true"]').check()
    # 4. a number, typed with a decimal comma
    _add(page, "numeric")
    _texts(page, "q-3-prompt", "Pression (bar) ?", "الضغط (بار)؟")
    page.locator('[name="q-3-answer"]').fill("2,5")
    page.locator('[name="q-3-tolerance"]').fill("0,1")
    # 5. a short answer, two accepted in French
    _add(page, "short_text")
    _texts(page, "q-4-prompt", "Pièce qui monte et descend ?", "القطعة التي تصعد وتنزل؟")
    _texts(page, "q-4-accept", "piston\nle piston", "المكبس")
    # 6. matching pairs
    _add(page, "matching")
    _texts(page, "q-5-prompt", "Associez.", "طابق.")
    _texts(page, "q-5-pair-0-left", "Bougie", "شمعة")
    _texts(page, "q-5-pair-0-right", "Allumage", "إشعال")
    _texts(page, "q-5-pair-1-left", "Pompe", "مضخة")
    _texts(page, "q-5-pair-1-right", "Carburant", "وقود")
    # 7. steps in order, a third one added
    _add(page, "ordering")
    _texts(page, "q-6-prompt", "Dans l'ordre.", "بالترتيب.")
    _texts(page, "q-6-item-0-text", "Admission", "السحب")
    _texts(page, "q-6-item-1-text", "Compression", "الضغط")
    _submit(page, "button[value='add-item:6']")
    _texts(page, "q-6-item-2-text", "Détente", "التمدد")
    assert page.locator("fieldset.question-edit").count() == 7
    screenshot(page, f"quiz-editor-{interface}-{width}-{backend}")
    _submit(page, ".actions button[value=save]")
    assert saved in page.locator(".flash-success").inner_text()
    assert page.locator("textarea#yaml").count() == 0  # no YAML on the way
    assert page.locator(".warning-text, .error").count() == 0

    page.goto(f"{base}{QUIZ}/preview?content=ar")
    assert page.locator("fieldset.question").count() == 7
    assert "شمعة" in page.locator("main").inner_text()
    assert "المكبس" not in page.locator("main").inner_text()  # no answer in the preview
    screenshot(page, f"quiz-preview-ar-{interface}-{width}-{backend}")
    context.close()

    with app.app_context():
        quiz = db.session.scalar(select(Course)).modules[0].quiz
        specs = [q.spec for q in sorted(quiz.questions, key=lambda q: q.position)]
        assert quiz.title == {"fr": "Quiz moteur", "ar": "اختبار المحرك"}
        assert quiz.max_attempts == 3
    assert [s["type"] for s in specs] == [
        "single",
        "multiple",
        "true_false",
        "numeric",
        "short_text",
        "matching",
        "ordering",
    ]
    assert [s["id"] for s in specs] == [f"q{n}" for n in range(1, 8)]
    assert [c["correct"] for c in specs[0]["choices"]] == [False, True]
    assert [c["text"]["ar"] for c in specs[1]["choices"]] == ["زيت", "سائل التبريد", "رمل"]
    assert specs[2]["answer"] is True
    assert (specs[3]["answer"], specs[3]["tolerance"]) == (2.5, 0.1)
    assert specs[4]["accept"] == {"fr": ["piston", "le piston"], "ar": ["المكبس"]}
    assert specs[5]["pairs"][1]["right"] == {"fr": "Carburant", "ar": "وقود"}
    assert [i["text"]["fr"] for i in specs[6]["items"]] == ["Admission", "Compression", "Détente"]
