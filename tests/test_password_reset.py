"""A trainee who forgot their password gets a link without asking anyone; nobody learns
from the answer which addresses have an account."""

from __future__ import annotations

import re

from tests.harness import PASSWORD


def link_in(message) -> str:
    return re.search(r"/password/setup/\S+", message.get_content()).group(0)


def test_the_api_answers_the_same_for_any_address_and_mails_only_accounts(api, make, outbox):
    user = make.user("trainee")
    known = api.post("/api/v1/password-reset", json={"email": user.email.upper()})
    unknown = api.post("/api/v1/password-reset", json={"email": "personne@ofppt.example"})
    assert known.status_code == unknown.status_code == 202
    assert known.get_json() == unknown.get_json()
    assert [m["To"] for m in outbox] == [user.email]
    assert "one hour" in outbox[0].get_content() or "une heure" in outbox[0].get_content()


def test_the_emailed_link_sets_a_new_password_once(api, make, outbox, client):
    user = make.user("trainee")
    api.post("/api/v1/password-reset", json={"email": user.email})
    link = link_in(outbox[0])
    page = client.get(link)
    assert page.status_code == 200
    chosen = client.post_form(
        link, {"new_password": "une-phrase-neuve-2026", "confirm": "une-phrase-neuve-2026"}
    )
    assert chosen.status_code == 303
    assert client.get(link).status_code == 410  # once only
    app = api.client.application
    assert app.test_client().login(user.email, "une-phrase-neuve-2026").status_code == 303
    assert app.test_client().login(user.email, PASSWORD).status_code != 303  # replaced


def test_the_sign_in_page_offers_it_and_says_the_same_whatever_the_address(make, signed_in, outbox):
    user = make.user("trainee", locale="ar")
    browser = signed_in(None)
    assert "/password/forgot" in browser.get("/login").get_data(as_text=True)
    for email in (user.email, "personne@ofppt.example"):
        sent = browser.post_form("/password/forgot", {"email": email}, follow_redirects=True)
        assert sent.status_code == 200
    first, second = (
        browser.post_form("/password/forgot", {"email": e}, follow_redirects=True)
        .get_data(as_text=True)
        .count("flash")
        for e in (user.email, "x@y.example")
    )
    assert first == second
    assert [m["To"] for m in outbox] == [user.email, user.email]
    assert str(outbox[0]["Subject"]) != "Choose a new MRE Academy password"  # in Arabic


def test_an_account_gets_a_few_reset_emails_an_hour_and_an_inactive_one_none(api, make, outbox):
    user = make.user("trainee")
    for _ in range(6):
        assert api.post("/api/v1/password-reset", json={"email": user.email}).status_code == 202
    assert len(outbox) == 3  # welcome.RESETS_PER_HOUR
    gone = make.user("trainee", active=False)
    assert api.post("/api/v1/password-reset", json={"email": gone.email}).status_code == 202
    assert len(outbox) == 3


def test_a_missing_email_is_a_422_naming_the_field(api):
    refused = api.post("/api/v1/password-reset", json={})
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"][0]["path"] == "email"
