"""A trainee signs in in Arabic on a phone, switches to French and signs out."""

from __future__ import annotations

import pytest

from tests.browser import screenshot

pytestmark = pytest.mark.browser


def test_trainee_signs_in_in_arabic_switches_to_french_and_signs_out(
    live_server,
    page,
    make,
    backend,
):
    trainee = make.user("trainee", name="فاطمة الزهراء العمراني", locale="ar")
    page.goto(f"{live_server.url}/login?lang=ar")
    assert page.locator("html").get_attribute("dir") == "rtl"
    page.get_by_label("البريد الإلكتروني").fill(trainee.email)
    page.get_by_label("كلمة المرور").fill(trainee.password)
    page.get_by_role("button", name="تسجيل الدخول").click()

    page.wait_for_url(f"{live_server.url}/")
    assert page.locator("html").get_attribute("lang") == "ar"
    assert page.locator("html").get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
    assert "فاطمة الزهراء العمراني" in page.locator("main").inner_text()
    # the brand starts at the right-hand edge in a right-to-left layout
    brand = page.locator(".brand").bounding_box()
    assert brand["x"] + brand["width"] > 390 - 40
    screenshot(page, f"signin-ar-{backend}")

    page.get_by_role("link", name="Français").click()
    assert page.locator("html").get_attribute("dir") == "ltr"
    assert page.locator(".brand").bounding_box()["x"] < 40
    assert "Bienvenue" in page.locator("main").inner_text()
    screenshot(page, f"signin-fr-{backend}")

    page.locator(".account-menu summary").click()
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="Se connecter").first.is_visible()
    page.goto(f"{live_server.url}/account")
    assert "/login" in page.url
