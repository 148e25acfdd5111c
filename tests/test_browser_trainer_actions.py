"""A trainer acts on a 360 px phone, in French and in Arabic: from the needs-attention list
to Mehdi's page, reopen his failed module, grant one more attempt, send him a message, see
it all on his timeline; then remove him (after a confirmation) and add a trainee by hand."""

from __future__ import annotations

import pytest

from tests.browser import screenshot
from tests.quizkit import SLUG, publish

pytestmark = pytest.mark.browser

WIDTH = 360
WORDS = {
    "fr": {
        "dir": "ltr",
        "reopened": "Le module est rouvert.",
        "granted": "Une tentative de plus est accordée.",
        "sent": "Message envoyé",
        "timeline": ["Module rouvert", "Une tentative de plus accordée", "Message envoyé"],
        "added": "Stagiaire ajouté·e",
        "required": "Dites pourquoi en quelques mots",
    },
    "ar": {
        "dir": "rtl",
        "reopened": "أُعيد فتح الوحدة.",
        "granted": "مُنحت محاولة إضافية.",
        "sent": "أُرسلت الرسالة",
        "timeline": ["أُعيد فتح الوحدة", "مُنحت محاولة إضافية", "أُرسلت رسالة"],
        "added": "أُضيف المتدرب",
        "required": "يُرجى ذكر السبب",
    },
}


@pytest.fixture
def phone(browser):
    context = browser.new_context(viewport={"width": WIDTH, "height": 740}, device_scale_factor=1)
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= WIDTH


def fits(page, selector: str) -> None:
    """The part this test is about stays within the phone's width (the members table's own
    overflow, a visually hidden header escaping its scroll box in Arabic, is the layout's)."""
    box = page.locator(selector).bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= WIDTH, box


def sign_in(page, base, email, password, lang):
    page.goto(f"{base}/login?lang={lang}")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(password)
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"{base}/")


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_a_trainer_acts_for_a_trainee_on_a_phone(app, live_server, phone, make, api, backend, lang):
    page, words, base = phone, WORDS[lang], live_server.url
    publish(api, make, max_attempts=2)
    trainer = make.user("trainer", centre="SALE", name="Souad Formatrice", locale=lang)
    mehdi = make.user("trainee", centre="SALE", name="مهدي العلوي", email="mehdi@ofppt.example")
    cohort = make.cohort(courses=[SLUG], trainers=[trainer.email], members=[mehdi.email])
    for _ in range(2):
        make.attempt(mehdi.email, SLUG, "checks", {"q3": False})
    shot = f"trainer-actions-{lang}-{backend}"
    sign_in(page, base, trainer.email, trainer.password, lang)
    assert page.locator("html").get_attribute("dir") == words["dir"]

    # the needs-attention list leads to the trainee's reopen form
    page.goto(f"{base}/cohorts/{cohort.id}")
    attention = page.locator("section[aria-labelledby=attention-title]")
    assert "مهدي العلوي" in attention.inner_text()
    screenshot(page, f"{shot}-1-dashboard")
    no_sideways_scroll(page)
    attention.locator("a[href$='#reopen']").click()
    page.wait_for_url(f"{base}/cohorts/{cohort.id}/trainees/{mehdi.id}#reopen")
    screenshot(page, f"{shot}-2-trainee")
    no_sideways_scroll(page)

    # a reason is required: said on the field
    page.locator("#reopen button[type=submit]").click()
    assert words["required"] in page.locator("#reopen-reason-error").inner_text()
    assert page.locator("#reopen-reason").get_attribute("aria-invalid") == "true"
    screenshot(page, f"{shot}-3-error")
    no_sideways_scroll(page)
    page.locator("#reopen-reason").fill("Rattrapage après absence")
    page.locator("#reopen button[type=submit]").click()
    assert words["reopened"] in page.locator("main").inner_text()

    # one more attempt, then a message
    page.locator("#extra-reason").fill("Coupure de réseau")
    page.locator("#extra-attempt button[type=submit]").click()
    assert words["granted"] in page.locator("main").inner_text()
    page.locator("#message-text").fill("Bonjour Mehdi, on revoit le module 1 jeudi à 10 h.")
    page.locator("#message button[type=submit]").click()
    assert words["sent"] in page.locator("main").inner_text()
    timeline = page.locator("ol.timeline").inner_text()
    for label in words["timeline"]:
        assert label in timeline, label
    assert "Coupure de réseau" in timeline and "on revoit le module 1" in timeline
    screenshot(page, f"{shot}-4-timeline")
    no_sideways_scroll(page)

    # removing asks first
    page.locator(f"a[href$='/members/{mehdi.id}/remove']").first.click()
    assert "مهدي العلوي" in page.locator("h1").inner_text()
    screenshot(page, f"{shot}-5-confirm")
    no_sideways_scroll(page)
    page.locator("#reason").fill("A quitté la formation")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/cohorts/{cohort.id}/members")
    assert "مهدي العلوي" not in page.locator("main").inner_text()

    # one trainee by hand, in Arabic
    page.locator("#add-email").fill("nadia@ofppt.example")
    page.locator("#add-name").fill("نادية الإدريسي")
    page.locator("#add-locale").select_option("ar")
    page.locator("#add-one button[type=submit]").click()
    page.wait_for_url(f"{base}/cohorts/{cohort.id}/members")
    main = page.locator("main").inner_text()
    assert words["added"] in main and "نادية الإدريسي" in main
    screenshot(page, f"{shot}-6-members")
    fits(page, "#add-one")
