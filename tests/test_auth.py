"""Signing in and out: sessions, CSRF, redirects, enumeration and brute force."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from tests.harness import PASSWORD


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("elearn_session")
    return cookie.value if cookie else None


def test_login_page_renders_in_both_languages(client):
    fr = client.get("/login?lang=fr").get_data(as_text=True)
    assert 'lang="fr" dir="ltr"' in fr and "Se connecter" in fr
    ar = client.get("/login?lang=ar").get_data(as_text=True)
    assert 'lang="ar" dir="rtl"' in ar and "تسجيل الدخول" in ar


def test_sign_in_and_out(client, make):
    user = make.user("trainee")
    response = client.login(user.email)
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Test Trainee" in client.get("/account").get_data(as_text=True)
    response = client.logout()
    assert response.status_code == 303
    assert client.get("/account").status_code == 302  # back to the sign-in page


def test_email_is_case_insensitive_at_login(client, make):
    user = make.user("trainee", email="Amina.Benali@Example.org")
    assert user.email == "amina.benali@example.org"
    assert client.login("  AMINA.benali@example.ORG ").status_code == 303


def test_wrong_password_and_unknown_email_get_the_same_answer(client, make):
    user = make.user("trainee")
    wrong = client.login(user.email, "not-the-password")
    unknown = client.login("nobody@example.org", "not-the-password")
    assert wrong.status_code == unknown.status_code == 200

    def strip(html):
        html = re.sub(r'(csrf[-_]token"?[^>]*value|content)="[^"]*"', "", html)
        return html.replace(user.email, "EMAIL").replace("nobody@example.org", "EMAIL")

    assert strip(wrong.get_data(as_text=True)) == strip(unknown.get_data(as_text=True))


def test_inactive_account_cannot_sign_in(client, make):
    user = make.user("trainee", active=False)
    assert client.login(user.email).status_code == 200
    assert client.get("/account").status_code == 302


def test_session_cookie_rotates_at_login_and_old_one_dies_at_logout(app, client, make):
    user = make.user("trainee")
    client.get("/login")
    before = session_cookie(client)
    client.login(user.email)
    signed_in = session_cookie(client)
    assert signed_in and signed_in != before
    client.logout()
    replay = app.test_client()
    replay.set_cookie("elearn_session", signed_in)
    assert replay.get("/account").status_code == 302  # the stolen cookie is worthless now


def test_the_session_cookie_is_signed_again_hourly_not_on_every_page(app, client, make, clock):
    """Re-signing on every response cost time on every page and a Set-Cookie header on
    every answer to a slow phone; the expiry must still slide while the trainee works."""
    clock.moment = datetime.now(UTC)
    client.login(make.user("trainee").email)
    client.get("/my/learning")  # shows (and so removes) the welcome message
    assert "Set-Cookie" not in client.get("/my/learning").headers
    clock.advance(minutes=59)
    assert "Set-Cookie" not in client.get("/courses").headers
    clock.advance(minutes=2)
    refreshed = client.get("/my/learning")
    assert refreshed.status_code == 200
    cookie = refreshed.headers["Set-Cookie"]
    assert cookie.startswith("elearn_session=") and "Expires=" in cookie and "HttpOnly" in cookie
    assert session_cookie(client) == cookie.split(";")[0].split("=", 1)[1]
    assert client.get("/my/learning").status_code == 200


def test_password_change_ends_other_sessions_but_keeps_this_one(app, client, make):
    user = make.user("trainee")
    client.login(user.email)
    other = app.test_client()
    other.login(user.email)
    assert other.get("/account").status_code == 200
    response = client.post_form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "a-new-secret-9",
            "confirm": "a-new-secret-9",
        },
    )
    assert response.status_code == 303
    assert client.get("/account").status_code == 200
    assert other.get("/account").status_code == 302
    client.logout()
    assert client.login(user.email, "a-new-secret-9").status_code == 303


def test_password_change_needs_the_current_password(as_trainee):
    response = as_trainee.post_form(
        "/account/password",
        {
            "current_password": "wrong",
            "new_password": "a-new-secret-9",
            "confirm": "a-new-secret-9",
        },
    )
    assert response.status_code == 200
    assert (
        "current password is not correct" in response.get_data(as_text=True).lower()
        or "mot de passe actuel" in response.get_data(as_text=True).lower()
    )


def test_short_password_is_refused_with_a_message(as_trainee):
    response = as_trainee.post_form(
        "/account/password?lang=fr",
        {
            "current_password": PASSWORD,
            "new_password": "short",
            "confirm": "short",
        },
    )
    assert response.status_code == 200
    assert "8" in response.get_data(as_text=True)


def test_post_without_csrf_token_is_refused(client, make):
    user = make.user("trainee")
    response = client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert client.get("/account").status_code == 302


def test_logout_is_not_a_get(as_trainee):
    assert as_trainee.get("/logout").status_code == 405
    assert as_trainee.get("/account").status_code == 200


def test_next_to_a_local_page_is_followed(client, make):
    user = make.user("trainee")
    response = client.post_form(
        "/login", {"email": user.email, "password": PASSWORD, "next": "/account?tab=1"}
    )
    assert response.headers["Location"] == "/account?tab=1"


def test_anonymous_is_sent_to_sign_in_with_next(client):
    response = client.get("/account")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=/account")


@pytest.fixture
def app_config():
    return {"LOGIN_LIMIT_PER_ACCOUNT": "3 per 2 seconds", "LOGIN_LIMIT_PER_IP": "12 per minute"}


def test_hammering_one_account_gives_429_then_the_owner_gets_back_in(client, make):
    import time

    owner = make.user("trainee")
    neighbour = make.user("trainee")
    statuses = [client.login(owner.email, f"guess-{i}").status_code for i in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]
    page = client.login(owner.email).get_data(as_text=True)
    assert "429" in page or "Trop" in page
    # someone else at the same centre (same IP) is not locked out
    assert client.login(neighbour.email).status_code == 303
    client.logout()
    time.sleep(2.1)
    assert client.login(owner.email).status_code == 303


def test_generous_per_ip_ceiling_still_exists(client):
    codes = [
        client.login(f"visitor{i}@example.org", "wrong-password").status_code for i in range(14)
    ]
    assert codes[:12] == [200] * 12 and codes[12:] == [429, 429]
