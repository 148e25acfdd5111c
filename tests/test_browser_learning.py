"""A trainee's whole journey on a phone, once in Arabic and once in French: catalogue,
enrolment, reading, quizzes graded on the server, certificate, and an employer checking it."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import expect

from elearn.authoring.rendering import render_inline
from tests.browser import screenshot

pytestmark = pytest.mark.browser

COURSE = Path(__file__).resolve().parent.parent / "courses" / "auto-obd-diagnostics"
WIDTH = 390
WORDS = {
    "ar": {
        "query": "التشخيص",
        "enrol": "التسجيل في هذه الدورة",
        "complete": "وضع علامة «مكتمل»",
        "start": "بدء الاختبار",
        "submit": "إرسال إجاباتي",
        "true": "صحيح",
        "false": "خطأ",
        "passed": "نجاح",
        "saved": "تم حفظ الإجابات.",
        "certificate": "عرض شهادتك",
        "check": "تحقق",
        "valid": "شهادة صالحة",
        "name": "فاطمة الزهراء العمراني",
    },
    "fr": {
        "query": "diagnostic",
        "enrol": "S’inscrire à ce cours",
        "complete": "Marquer comme terminée",
        "start": "Commencer le quiz",
        "submit": "Envoyer mes réponses",
        "true": "Vrai",
        "false": "Faux",
        "passed": "Réussi",
        "saved": "Réponses enregistrées.",
        "certificate": "Voir votre certificat",
        "check": "Vérifier",
        "valid": "Certificat valide",
        "name": "Youssef Benali",
    },
}
ARABIC_DIGITS = str.maketrans("0123456789.", "٠١٢٣٤٥٦٧٨٩٫")


def plain(markdown: str) -> str:
    text = html.unescape(re.sub(r"<[^>]+>", "", render_inline(markdown)))
    return " ".join(text.split())


def number_as_typed(value: float, lang: str) -> str:
    text = f"{value:g}"
    return text.translate(ARABIC_DIGITS) if lang == "ar" else text.replace(".", ",")


def answer_quiz(page, module: str, lang: str, words: dict) -> None:
    """Answer right, the way a trainee reads the page: by the texts of the choices."""
    spec = yaml.safe_load((COURSE / module / "quiz.yml").read_text(encoding="utf-8"))
    bank = yaml.safe_load((COURSE / "bank.yml").read_text(encoding="utf-8"))
    questions = {q["id"]: q for q in spec.get("questions", [])}
    questions.update({f"bank:{q['id']}": q for q in bank["questions"]})
    for fieldset in page.locator("fieldset.question").all():
        question = questions[fieldset.get_attribute("id").removeprefix("question-")]
        kind = question["type"]
        if kind == "matching":
            right = {plain(p["left"][lang]): plain(p["right"][lang]) for p in question["pairs"]}
            for row in fieldset.locator("ul.matching > li").all():
                left = plain(row.locator("label").inner_text())
                row.locator("select").select_option(label=right[left])
            continue
        if kind == "ordering":
            place = {plain(step["text"][lang]): n for n, step in enumerate(question["items"], 1)}
            wanted = {
                row.locator("select").get_attribute("id"): place[
                    plain(row.locator("span").inner_text())
                ]
                for row in fieldset.locator("ol.ordering > li").all()
            }
            # first place first: choosing a place moves the step there, the others follow
            for select_id, n in sorted(wanted.items(), key=lambda item: item[1]):
                fieldset.locator(f"select[id='{select_id}']").select_option(str(n))
            continue
        if kind in ("single", "multiple"):
            wanted = {plain(c["text"][lang]) for c in question["choices"] if c.get("correct")}
            for label in fieldset.locator("label.check").all():
                if " ".join(label.inner_text().split()) in wanted:
                    label.click()
        elif kind == "true_false":
            fieldset.get_by_label(words["true" if question["answer"] else "false"]).check()
        elif kind == "numeric":
            fieldset.locator("input").fill(number_as_typed(question["answer"], lang))
        else:
            fieldset.locator("input").fill(question["accept"][lang][0].upper())


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


@pytest.mark.parametrize("lang", ["ar", "fr"])
def test_a_trainee_goes_from_the_catalogue_to_a_verified_certificate(
    app, live_server, page, make, backend, lang
):
    result = app.test_cli_runner().invoke(args=["courses", "import", str(COURSE), "--publish"])
    assert result.exit_code == 0, result.output
    words = WORDS[lang]
    trainee = make.user("trainee", name=words["name"], locale=lang)
    base = live_server.url
    page.goto(f"{base}/login")
    page.locator("input[name=email]").fill(trainee.email)
    page.locator("input[name=password]").fill(trainee.password)
    page.locator("form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")
    assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")

    # catalogue: search, course page, enrol
    page.goto(f"{base}/courses?q={words['query']}")
    with page.expect_navigation():
        page.locator("a[href='/courses/auto-obd-diagnostics']").first.click()
    no_sideways_scroll(page)
    screenshot(page, f"learning-{lang}-{backend}-1-course")
    with page.expect_navigation():
        page.get_by_role("button", name=words["enrol"]).click()

    # read every lesson and take each module's quiz when its lessons are done
    for module in ("01-fundamentals", "02-reading-fault-codes"):
        while "/lessons/" in page.url:
            assert page.locator("h1").get_attribute("lang") == lang  # no fallback needed
            no_sideways_scroll(page)
            with page.expect_navigation():
                page.get_by_role("button", name=words["complete"]).click()
        assert page.url.endswith("/quiz"), page.url
        if module.startswith("01"):
            screenshot(page, f"learning-{lang}-{backend}-2-quiz")
        with page.expect_navigation():
            page.get_by_role("button", name=words["start"]).click()
        assert page.locator(".timer").is_visible()  # the script counts the time down
        page_html = page.content()
        for secret in ("correct", "feedback"):
            assert secret not in page_html.replace("Tick every correct answer", "")
        answer_quiz(page, module, lang, words)
        # the answers are saved as the trainee goes, without pressing anything
        expect(page.locator(".save-status")).to_have_text(words["saved"], timeout=5000)
        no_sideways_scroll(page)
        if module.startswith("01"):
            screenshot(page, f"learning-{lang}-{backend}-3-attempt")
        page.get_by_role("button", name=words["submit"]).click()
        assert words["passed"] in page.locator(".result").inner_text()
        assert "100" in page.locator(".result").inner_text()
        if module.startswith("01"):
            screenshot(page, f"learning-{lang}-{backend}-4-result")
            with page.expect_navigation():
                page.locator(".next-steps a.button").click()  # continue the course

    # certificate, then an employer checks it without an account
    with page.expect_navigation():
        page.get_by_role("link", name=words["certificate"]).click()
    certificate = page.locator(".certificate").inner_text()
    assert words["name"] in certificate
    assert "Diagnostic embarqué" in certificate and "التشخيص" in certificate
    code = page.locator(".certificate-code code").inner_text()
    screenshot(page, f"learning-{lang}-{backend}-5-certificate")
    page.goto(f"{base}/my/learning")
    assert page.locator(f"a[href='/certificates/{code}']").is_visible()
    no_sideways_scroll(page)
    screenshot(page, f"learning-{lang}-{backend}-5-my-learning")
    page.context.clear_cookies()
    page.goto(f"{base}/verify?lang={lang}")
    page.locator("input[name=code]").fill(code.lower().replace("-", " "))
    with page.expect_navigation():
        page.get_by_role("button", name=words["check"]).click()
    verified = page.locator("main").inner_text()
    assert words["valid"] in verified and words["name"] in verified
    assert trainee.email not in verified
    screenshot(page, f"learning-{lang}-{backend}-6-verify")
