"""A trainee's day on a 360 px phone, in French and in Arabic: the home says where to go on,
the lesson says where it sits, "mark complete" answers, the catalogue shows what is
followed, the course a trainer assigned is started from the home, and a quiz sent with
blank questions asks first (with the script, and without it on the server)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests import quizkit
from tests.browser import screenshot, sign_in
from tests.factories import package

pytestmark = pytest.mark.browser

WIDTH = 360
WORDS = {
    "fr": {
        "resume": "Reprendre là où vous en étiez",
        "start": "Commencer le cours",
        "complete": "Marquer comme terminée",
        "place": "Leçon 2 sur 2",
        "done": "Leçon terminée",
        "read": "Vous avez lu ce module",
        "mine": "Dans mes cours",
        "quiz": "Commencer le quiz",
        "submit": "Envoyer mes réponses",
        "anyway": "Envoyer quand même",
        "blank": "4 questions sont encore sans réponse.",
        "oil": "L’huile",
        "true": "Vrai",
    },
    "ar": {
        "resume": "المتابعة من حيث التوقف",
        "start": "بدء الدورة",
        "complete": "وضع علامة «مكتمل»",
        "place": "الدرس 2 من 2",
        "done": "اكتمل الدرس",
        "read": "اكتملت قراءة هذه الوحدة",
        "mine": "ضمن دوراتي",
        "quiz": "بدء الاختبار",
        "submit": "إرسال إجاباتي",
        "anyway": "الإرسال على أي حال",
        "blank": "4 أسئلة دون إجابة بعد.",
        "oil": "الزيت",
        "true": "صحيح",
    },
}


def fits(page) -> None:
    """Nothing wider than the phone: no sideways scrolling."""
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_trainees_day_on_a_phone(app, live_server, page, make, backend, lang):
    words = WORDS[lang]
    page.set_viewport_size({"width": WIDTH, "height": 760})
    make.course(package(), publish=True)
    make.course(package(slug="engine-two"), publish=True)
    make.course(quizkit.quiz_package(), publish=True)
    trainee = make.user("trainee", locale=lang, name="Salma Idrissi")
    make.enrol(trainee.email, "engine-basics")
    make.cohort(courses=["brakes"], members=[trainee.email])
    base = live_server.url
    shot = f"trainee-{lang}-{backend}"

    # yesterday: the first lesson read
    sign_in(page, base, trainee.email, trainee.password, lang)
    page.goto(f"{base}/courses/engine-basics/modules/basics/lessons/cycle")
    with page.expect_navigation():
        page.get_by_role("button", name=words["complete"]).click()
    expect(page.locator(".flash[role=status]")).to_contain_text(words["done"])

    # today: the home goes on with the next lesson
    page.goto(f"{base}/")
    resume = page.locator(".continue-card")
    expect(resume).to_contain_text(words["oil"].replace("’", "'"))
    expect(resume.locator("progress")).to_have_attribute("value", "33")
    fits(page)
    screenshot(page, f"{shot}-1-home")
    with page.expect_navigation():
        resume.get_by_role("link", name=words["resume"]).click()
    assert page.url.endswith("/lessons/oil")
    expect(page.locator(".lesson-place")).to_contain_text(words["place"])
    outline = page.locator(".module-outline")
    expect(outline.locator("[aria-current=page]")).to_have_count(1)
    expect(outline.locator(".tick")).to_have_count(1)  # the first lesson, read yesterday
    fits(page)
    screenshot(page, f"{shot}-2-lesson")
    with page.expect_navigation():
        page.get_by_role("button", name=words["complete"]).click()
    # the module is read: on to its quiz, told what happened
    expect(page.locator(".flash[role=status]")).to_contain_text(words["read"])
    assert page.url.endswith("/modules/basics/quiz")
    screenshot(page, f"{shot}-3-completed")

    # the catalogue marks what is followed, with how far
    page.goto(f"{base}/courses")
    engine = page.locator("li.card", has=page.locator("a[href='/courses/engine-basics']"))
    expect(engine.locator(".badge")).to_have_text(words["mine"])
    expect(engine.locator("progress")).to_have_attribute("value", "67")
    other = page.locator("li.card", has=page.locator("a[href='/courses/engine-two']"))
    expect(other.locator(".badge")).to_have_count(0)
    fits(page)
    screenshot(page, f"{shot}-4-catalogue")

    # what the trainer assigned starts from the home
    page.goto(f"{base}/")
    assigned = page.locator("li.card", has=page.locator("a[href='/courses/brakes']"))
    with page.expect_navigation():
        assigned.get_by_role("link", name=words["start"]).click()
    assert page.url.endswith("/lessons/pads")
    for _lesson in ("pads", "fluid"):
        with page.expect_navigation():
            page.get_by_role("button", name=words["complete"]).click()
    with page.expect_navigation():
        page.get_by_role("button", name=words["quiz"]).click()

    # one answer of five, then "submit": the script asks, and "cancel" keeps the page
    page.locator("fieldset#question-q3").get_by_label(words["true"]).check()
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name=words["submit"]).click()
    expect(page.locator("form.quiz-form")).to_be_visible()
    assert asked and ("?" in asked[0] or "؟" in asked[0]), asked
    # without the script the server asks instead, keeping the answer given
    with page.expect_navigation():
        page.evaluate(
            """() => { const form = document.querySelector('form.quiz-form');
            const action = document.createElement('input');
            action.type = 'hidden'; action.name = 'action'; action.value = 'submit';
            form.appendChild(action); form.submit(); }"""
        )
    box = page.locator("#unanswered")
    expect(box).to_contain_text(words["blank"])
    expect(page.locator("fieldset#question-q3").get_by_label(words["true"])).to_be_checked()
    fits(page)
    screenshot(page, f"{shot}-5-blank-questions")
    with page.expect_navigation():
        page.get_by_role("button", name=words["anyway"]).click()
    expect(page.locator(".result")).to_be_visible()
    fits(page)
    screenshot(page, f"{shot}-6-result")
