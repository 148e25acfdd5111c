"""The review in a real Chromium: a reviewer (a trainer, in Arabic, on a phone) comments a
lesson and signs off; Publish stays disabled, with its reason, until every sign-off the
network requires is given; then the admin publishes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.accounts import services as accounts
from elearn.accounts.models import Network
from elearn.extensions import db
from tests.browser import screenshot, sign_in
from tests.factories import package

pytestmark = pytest.mark.browser

REVIEW = "/studio/engine-basics/review"


def sign_out(page):
    page.locator(".account-menu summary").click()
    page.locator(".account-menu form button").click()


def test_reviewers_sign_off_in_the_browser_and_the_admin_publishes(
    app, live_server, browser, make, api, backend
):
    make.course(package())
    author = make.user("expert", network="DMK")
    admin = make.user("admin", locale="fr")
    domain = make.user("expert", network="C3M", name="Leïla Berrada", locale="fr")
    pedagogy = make.user("trainer", name="رشيد الوزاني", locale="ar")
    with app.app_context():
        dmk = db.session.scalar(select(Network).where(Network.code == "DMK"))
        accounts.require_signoffs(dmk, ["domain", "pedagogy"])
        accounts.add_reviewer(db.session, dmk, domain.email, "domain")
        accounts.add_reviewer(db.session, dmk, domain.email, "translation")
        accounts.add_reviewer(db.session, dmk, pedagogy.email, "pedagogy")
        db.session.commit()
    token = make.token(author.email)
    assert api.post("/api/v1/courses/engine-basics/submit", token=token).status_code == 200
    base = live_server.url

    # the admin, on a desktop: Publish is there but disabled, saying what is missing
    desktop = browser.new_context(viewport={"width": 1200, "height": 900})
    page = desktop.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, admin.email, admin.password, "fr")
    page.goto(f"{base}/studio/review")
    page.get_by_role("link", name="Moteur").click()
    page.wait_for_url(f"**{REVIEW}")
    publish = page.locator(".publish-box button[type=submit]")
    assert publish.is_disabled()
    reason = page.locator("#publish-reason").inner_text()
    assert reason == "Signatures manquantes : Expertise du domaine et Pédagogie"
    # Send back is apart, with its own text box
    assert page.locator(".send-back-box textarea").count() == 1
    assert page.locator(".publish-box textarea").count() == 0
    screenshot(page, f"review-admin-waiting-fr-desktop-{backend}")
    sign_out(page)

    # the domain reviewer, in French on a desktop, signs off
    sign_in(page, base, domain.email, domain.password, "fr")
    page.goto(f"{base}{REVIEW}")
    assert page.locator("[data-signoff=pedagogy]").count() == 0  # not their role
    page.locator("[data-signoff=domain]").click()
    assert page.locator(".flash-success").count() == 1
    assert "Leïla Berrada" in page.locator(".signoff-list [data-role=domain]").inner_text()
    sign_out(page)

    # the pedagogy reviewer: a trainer, in Arabic, on a phone; the home page leads there
    phone = browser.new_context(viewport={"width": 360, "height": 780})
    mobile = phone.new_page()
    mobile.set_default_timeout(10_000)
    sign_in(mobile, base, pedagogy.email, pedagogy.password, "ar")
    mobile.locator("a[href='/studio/review']").first.click()
    mobile.locator(f"a[href='{REVIEW}']").click()
    assert mobile.locator("html").get_attribute("dir") == "rtl"
    lesson = mobile.locator(".comment-thread[id^=lesson-]").first
    lesson.locator("textarea").fill("مثال عملي إضافي سيكون مفيدًا.")
    lesson.locator("button[type=submit]").last.click()
    assert mobile.locator(".flash-success").count() == 1
    comment = mobile.locator(".comment-thread[id^=lesson-] .comment-body").first
    assert comment.inner_text() == "مثال عملي إضافي سيكون مفيدًا."
    assert comment.get_attribute("dir") == "auto"
    mobile.locator("[data-signoff=pedagogy]").click()
    assert mobile.locator(".flash-success").count() == 1
    assert mobile.locator(".signoff-list .missing").count() == 0
    width = mobile.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, width  # nothing wider than the phone
    screenshot(mobile, f"review-reviewer-ar-360-{backend}")
    phone.close()

    # the admin publishes
    sign_in(page, base, admin.email, admin.password, "fr")
    page.goto(f"{base}{REVIEW}")
    publish = page.locator(".publish-box button[type=submit]")
    assert publish.is_enabled()
    assert page.locator("#publish-reason").count() == 0
    screenshot(page, f"review-admin-ready-fr-desktop-{backend}")
    publish.click()
    assert page.locator(".flash-success").count() == 1
    assert page.locator(".badge[data-status]").get_attribute("data-status") == "published"
    desktop.close()


def test_the_review_page_in_arabic_on_a_desktop_and_french_on_a_phone(
    app, live_server, browser, make, api, backend
):
    make.course(package())
    author = make.user("expert", network="DMK")
    admin = make.user("admin", locale="ar")
    with app.app_context():
        dmk = db.session.scalar(select(Network).where(Network.code == "DMK"))
        accounts.require_signoffs(dmk, ["pedagogy"])
        db.session.commit()
    token = make.token(author.email)
    assert api.post("/api/v1/courses/engine-basics/submit", token=token).status_code == 200
    base = live_server.url
    for lang, width, height in (("ar", 1200, 900), ("fr", 360, 780)):
        context = browser.new_context(viewport={"width": width, "height": height})
        page = context.new_page()
        page.set_default_timeout(10_000)
        sign_in(page, base, admin.email, admin.password, lang)
        page.goto(f"{base}{REVIEW}")
        assert page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
        assert page.locator(".publish-box button[type=submit]").is_disabled()
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width, scroll
        screenshot(page, f"review-admin-{lang}-{width}-{backend}")
        context.close()


def test_the_admin_sets_a_networks_sign_offs_and_reviewers(
    app, live_server, browser, make, backend
):
    admin = make.user("admin", locale="fr")
    trainer = make.user("trainer", name="Samira Tazi")
    base = live_server.url
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    sign_in(page, base, admin.email, admin.password, "fr")
    page.goto(f"{base}/admin/networks")
    page.get_by_role("link", name="DMK").first.click()
    page.get_by_label("Pédagogie").check()
    page.locator("form[novalidate] button[type=submit]").first.click()
    assert page.locator(".flash-success").count() == 1
    with app.app_context():
        dmk = db.session.scalar(select(Network).where(Network.code == "DMK"))
        assert dmk.required_signoffs == ["pedagogy"]
        network_id = dmk.id
    page.goto(f"{base}/admin/networks/{network_id}")
    page.locator("#reviewers #email").fill(trainer.email)
    page.locator("#reviewers #role").select_option("pedagogy")
    page.locator("#reviewers button[type=submit]").last.click()
    assert page.locator(".flash-success").count() == 1
    row = page.locator(f"#reviewers li[data-reviewer='{trainer.email}']")
    assert "Samira Tazi" in row.inner_text() and "Pédagogie" in row.inner_text()
    screenshot(page, f"review-network-admin-fr-desktop-{backend}")
    row.locator("button").click()
    assert page.locator(f"#reviewers li[data-reviewer='{trainer.email}']").count() == 0
    context.close()
