"""Sessions: fixation, revocation at logout, and what a password change or reset ends.

The design (docs/architecture.md, accounts/auth.py): the signed cookie holds
``"<user id>:<session version>"``; logging out, a password change (own, by an admin, from a
one-time link, from the CLI) or a deactivation bumps the version, so every copy of an older
cookie dies; ``set_password`` also revokes every API token but the one making the change.

Cases (security-cases.md) and where each is covered:

- T42 the cookie rotates at login and an old one dies at logout:
  tests/test_auth.py::test_session_cookie_rotates_at_login_and_old_one_dies_at_logout (a
  page); logout is a POST: tests/test_auth.py::test_logout_is_not_a_get. Added:
  ``test_the_signed_out_csrf_token_and_cookie_are_worth_nothing_after_login`` (the CSRF
  token of the anonymous page is refused once signed in; a cookie planted before sign-in
  stays anonymous) and ``test_an_old_cookie_is_refused_everywhere_after_logout`` (pages,
  forms with their own CSRF token, the API, even after the owner signs in again).
  Cookie flags (HttpOnly, SameSite=Lax, Secure in production): tests/test_config.py.
- T43 a password change or reset ends other sessions and tokens: own change on the page,
  sessions: tests/test_auth.py::test_password_change_ends_other_sessions_but_keeps_this_one;
  own change through the API: tests/test_api.py::
  test_password_change_keeps_this_token_and_revokes_the_others; the CLI:
  tests/test_cli.py::test_set_password_ends_sessions; deactivation: tests/test_admin_pages.py::
  test_deactivated_user_cannot_sign_in_and_loses_its_open_session and tests/test_api.py::
  test_deactivating_a_user_ends_their_token_and_reactivating_restores_it. Added:
  ``test_a_password_change_on_the_page_also_ends_api_tokens``,
  ``test_a_reset_by_an_admin_ends_the_owners_sessions_and_tokens``,
  ``test_a_password_chosen_from_a_link_ends_other_sessions_and_tokens``,
  ``test_a_role_taken_away_applies_to_open_sessions_and_tokens``. An e-mail change: nobody
  can change an e-mail address (no confirmation flow to attack):
  ``test_no_one_can_change_an_email_address``. Remember-me cookies: there are none.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from elearn.core.db import utcnow
from elearn.extensions import db
from tests.harness import PASSWORD

pytestmark = pytest.mark.adversarial

COOKIE = "elearn_session"
NEW_PASSWORD = "a-brand-new-secret-7"


def cookie_of(client) -> str | None:
    found = client.get_cookie(COOKIE)
    return found.value if found else None


def with_cookie(app, value):
    browser = app.test_client()
    browser.set_cookie(COOKIE, value)
    return browser


def name_of(app, email):
    with app.app_context():
        from elearn.accounts.models import User

        db.session.expire_all()
        return db.session.scalar(select(User.name).where(User.email == email))


def form_token(html: str) -> str:
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


# -- T42 ------------------------------------------------------------------------------------


def test_the_signed_out_csrf_token_and_cookie_are_worth_nothing_after_login(app, make):
    user = make.user("trainee", name="Nadia Original")
    browser = app.test_client()
    old_token = form_token(browser.get("/login?lang=ar").get_data(as_text=True))
    planted = cookie_of(browser)  # what an attacker would have set in the victim's browser
    assert planted
    assert browser.login(user.email).status_code == 303
    assert cookie_of(browser) != planted
    # the token of the signed-out page does not authorise anything in the new session
    forged = browser.post(
        "/account", data={"csrf_token": old_token, "name": "Renamed By Attacker", "locale": "fr"}
    )
    assert forged.status_code == 400
    assert name_of(app, user.email) == "Nadia Original"
    # the new session's own token does (the refusal above was the token)
    fresh = browser.csrf_token()
    assert fresh != old_token
    ok = browser.post("/account", data={"csrf_token": fresh, "name": "Nadia B", "locale": "ar"})
    assert ok.status_code == 303 and name_of(app, user.email) == "Nadia B"
    # the planted cookie is still a signed-out one
    attacker = with_cookie(app, planted)
    assert attacker.get("/account").status_code == 302
    assert attacker.get("/api/v1/me").status_code == 401


def test_an_old_cookie_is_refused_everywhere_after_logout(app, make):
    user = make.user("trainer", name="Karim Original")
    browser = app.test_client()
    assert browser.login(user.email).status_code == 303
    stolen = cookie_of(browser)
    stolen_token = browser.csrf_token()
    assert browser.logout().status_code == 303
    assert browser.login(user.email).status_code == 303  # the owner comes back later
    replay = with_cookie(app, stolen)
    assert replay.get("/account").status_code == 302
    assert replay.get("/cohorts").status_code == 302
    assert replay.get("/api/v1/me").status_code == 401
    assert replay.get("/api/v1/me/courses").status_code == 401
    posted = replay.post(
        "/account", data={"csrf_token": stolen_token, "name": "Stolen Session", "locale": "fr"}
    )
    assert posted.status_code in (302, 400)
    patched = replay.patch(
        "/api/v1/me", json={"name": "Stolen Session"}, headers={"X-CSRFToken": stolen_token}
    )
    assert patched.status_code in (401, 403)
    assert name_of(app, user.email) == "Karim Original"
    assert browser.get("/account").status_code == 200  # the owner's new session lives


# -- T43 ------------------------------------------------------------------------------------


def test_a_password_change_on_the_page_also_ends_api_tokens(app, api, make):
    user = make.user("expert")
    script = make.token(user.email, name="laptop")
    browser = app.test_client()
    browser.login(user.email)
    changed = browser.post_form(
        "/account/password",
        {"current_password": PASSWORD, "new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert changed.status_code == 303
    assert api.get("/api/v1/me", token=script).status_code == 401
    assert browser.get("/account").status_code == 200


def test_a_reset_by_an_admin_ends_the_owners_sessions_and_tokens(app, api, make, as_admin):
    user = make.user("trainee", name="Sara Victim")
    token = make.token(user.email)
    browser = app.test_client()
    browser.login(user.email)
    assert browser.get("/account").status_code == 200
    reset = as_admin.post_form(
        f"/admin/users/{user.id}",
        {
            "name": "Sara Victim",
            "roles": ["trainee"],
            "network": "",
            "centre": "SALE",
            "locale": "fr",
            "password": NEW_PASSWORD,
            "active": "y",
        },
    )
    assert reset.status_code == 303
    assert browser.get("/account").status_code == 302
    assert api.get("/api/v1/me", token=token).status_code == 401
    assert as_admin.get("/admin/users").status_code == 200  # the admin stays signed in
    assert app.test_client().login(user.email, NEW_PASSWORD).status_code == 303


def test_a_password_chosen_from_a_link_ends_other_sessions_and_tokens(app, api, make):
    user = make.user("trainee")
    token = make.token(user.email)
    thief = app.test_client()
    thief.login(user.email)  # a session opened with the old, leaked password
    with app.app_context():
        from elearn.accounts import links
        from elearn.accounts.models import User

        plain = links.create_link(db.session, db.session.get(User, user.id), now=utcnow(), days=7)
        db.session.commit()
    owner = app.test_client()
    url = f"/password/setup/{plain}"
    owner.get(url)
    chosen = owner.post_form(url, {"new_password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert chosen.status_code == 303
    assert owner.get("/account").status_code == 200
    assert thief.get("/account").status_code == 302
    assert api.get("/api/v1/me", token=token).status_code == 401
    assert owner.post_form(url, {"new_password": "x" * 12, "confirm": "x" * 12}).status_code == 410


def test_a_role_taken_away_applies_to_open_sessions_and_tokens(app, api, make):
    admin = make.user("admin")
    demoted = make.user("admin", email="former.admin@example.org")
    token = make.token(demoted.email)
    browser = app.test_client()
    browser.login(demoted.email)
    assert browser.get("/admin/users").status_code == 200
    assert api.get("/api/v1/users", token=token).status_code == 200
    make.centre("SALE")
    changed = api.patch(
        f"/api/v1/users/{demoted.id}",
        token=make.token(admin.email),
        json={"roles": ["trainee"], "centre": "SALE"},
    )
    assert changed.status_code == 200
    assert browser.get("/admin/users").status_code == 403
    assert api.get("/api/v1/users", token=token).status_code == 403
    assert api.get("/api/v1/me", token=token).get_json()["roles"] == ["trainee"]


def test_no_one_can_change_an_email_address(app, api, make, as_admin):
    user = make.user("trainee", email="owner@ofppt.example")
    token = make.token(user.email)
    admin_token = make.token(as_admin.user.email)
    assert api.patch("/api/v1/me", token=token, json={"email": "x@evil.org"}).status_code == 422
    assert (
        api.patch(
            f"/api/v1/users/{user.id}", token=admin_token, json={"email": "x@evil.org"}
        ).status_code
        == 422
    )
    as_admin.post_form(
        f"/admin/users/{user.id}",
        {
            "email": "x@evil.org",
            "name": "Owner",
            "roles": ["trainee"],
            "centre": "SALE",
            "locale": "fr",
            "active": "y",
        },
    )
    browser = app.test_client()
    browser.login(user.email)
    browser.post_form("/account", {"name": "Owner", "locale": "fr", "email": "x@evil.org"})
    assert api.get("/api/v1/me", token=token).get_json()["email"] == "owner@ofppt.example"
    assert app.test_client().login("x@evil.org").status_code == 200  # no such account
