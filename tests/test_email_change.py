"""A person changes their e-mail themself: nothing changes until the new address confirms
it, the old address hears of it, and every refusal says which field to fix."""

from __future__ import annotations

import email
import re

import pytest
from aiosmtpd.controller import Controller

from tests.harness import PASSWORD, free_port
from tests.mailkit import Inbox, smtp_app

V1 = "/api/v1"
NEW = "nouvelle.adresse@ofppt.example"


def confirm_link(message) -> str:
    return re.search(r"/email/confirm/\S+", message.get_content()).group(0)


def html(response) -> str:
    return response.get_data(as_text=True)


def signs_in(app, email_address: str, password: str = PASSWORD) -> bool:
    return app.test_client().login(email_address, password).status_code == 303


def ask(browser, new=NEW, password=PASSWORD, **kw):
    return browser.post_form("/account/email", {"email": new, "password": password}, **kw)


def stored_email(app, user_id: int) -> str:
    from elearn.accounts.models import User
    from elearn.extensions import db

    with app.app_context():
        return db.session.get(User, user_id).email


def test_the_new_address_confirms_the_change_and_the_person_stays_signed_in(
    app, make, signed_in, outbox, api
):
    user = make.user("trainee", name="Samira Idrissi")
    token = make.token(user.email)
    browser = signed_in(user.email)
    elsewhere = signed_in(user.email)  # another browser of the same person
    page = html(browser.get("/account"))
    assert 'action="/account/email"' in page

    asked = ask(browser, new="  Nouvelle.Adresse@OFPPT.example ")
    assert asked.status_code == 303
    # nothing changes yet: the old address still signs in, the new one does not
    assert stored_email(app, user.id) == user.email
    assert signs_in(app, user.email) and not signs_in(app, NEW)
    confirm, notice = sorted(outbox, key=lambda m: m["To"] != NEW)
    assert confirm["To"] == NEW and notice["To"] == user.email
    assert NEW in notice.get_content() and "/email/confirm/" not in notice.get_content()
    assert "/account/password" in notice.get_content()  # what to do if it was not them
    page = html(browser.get("/account"))
    assert NEW in page and 'action="/account/email/cancel"' in page  # pending, cancellable

    link = confirm_link(confirm)
    shown = app.test_client().get(link)  # a mail scanner, or the person's other device
    assert shown.status_code == 200 and NEW in html(shown)
    assert app.test_client().get(link).status_code == 200  # a GET never spends the link
    assert stored_email(app, user.id) == user.email

    done = browser.post_form(link)
    assert done.status_code == 303 and done.headers["Location"].endswith("/account")
    assert stored_email(app, user.id) == NEW
    # signed in still, here and in the other browser, and the token still works
    assert NEW in html(browser.get("/account"))
    assert elsewhere.get("/account").status_code == 200
    assert api.get(f"{V1}/me", token=token).get_json()["email"] == NEW
    assert signs_in(app, NEW) and not signs_in(app, user.email)
    assert app.test_client().get(link).status_code == 410  # spent
    assert browser.post_form(link).status_code == 410
    assert 'action="/account/email/cancel"' not in html(browser.get("/account"))


def test_a_link_opened_signed_out_sends_the_person_to_sign_in(app, make, signed_in, outbox):
    user = make.user("trainer")
    ask(signed_in(user.email))
    anonymous = signed_in(None)
    done = anonymous.post_form(confirm_link(next(m for m in outbox if m["To"] == NEW)))
    assert done.status_code == 303 and "/login" in done.headers["Location"]
    assert stored_email(app, user.id) == NEW


def test_asking_again_replaces_the_pending_change_and_cancel_stops_it(app, make, signed_in, outbox):
    user = make.user("trainee")
    browser = signed_in(user.email)
    ask(browser, new="premiere@ofppt.example")
    ask(browser, new="seconde@ofppt.example")
    links = {m["To"]: confirm_link(m) for m in outbox if "/email/confirm/" in m.get_content()}
    assert set(links) == {"premiere@ofppt.example", "seconde@ofppt.example"}
    anonymous = signed_in(None)
    assert anonymous.get(links["premiere@ofppt.example"]).status_code == 410  # replaced
    assert anonymous.get(links["seconde@ofppt.example"]).status_code == 200
    page = html(browser.get("/account"))
    assert "seconde@ofppt.example" in page and "premiere@ofppt.example" not in page

    cancelled = browser.post_form("/account/email/cancel")
    assert cancelled.status_code == 303
    assert anonymous.get(links["seconde@ofppt.example"]).status_code == 410
    assert anonymous.post_form(links["seconde@ofppt.example"]).status_code == 410
    assert 'action="/account/email/cancel"' not in html(browser.get("/account"))
    assert stored_email(app, user.id) == user.email


@pytest.mark.parametrize(
    "new, password, field",
    [
        (NEW, "not-my-password", "password"),
        (NEW, "", "password"),
        ("not-an-address", PASSWORD, "email"),
        ("", PASSWORD, "email"),
        ("TAKEN@ofppt.example", PASSWORD, "email"),  # another account's, in another case
        ("SELF", PASSWORD, "email"),  # the address it has already
    ],
)
def test_a_refused_change_says_which_field_to_fix_and_keeps_nothing(
    app, make, signed_in, outbox, new, password, field
):
    make.user("trainee", email="taken@ofppt.example")
    user = make.user("trainee")
    browser = signed_in(user.email)
    refused = ask(browser, new=user.email.upper() if new == "SELF" else new, password=password)
    assert refused.status_code == 200
    page = html(refused)
    assert f'id="{field}-error"' in page
    assert 'action="/account/email/cancel"' not in page
    assert outbox == []
    with app.app_context():
        from elearn.accounts.models import EmailChange
        from elearn.extensions import db

        assert db.session.query(EmailChange).count() == 0


def test_an_expired_or_unknown_link_is_a_clear_410(app, make, signed_in, outbox, clock):
    user = make.user("trainee")
    ask(signed_in(user.email))
    link = confirm_link(next(m for m in outbox if m["To"] == NEW))
    anonymous = signed_in(None)
    assert anonymous.get(link).status_code == 200
    clock.advance(hours=24, seconds=1)
    for response in (anonymous.get(link), anonymous.post_form(link)):
        assert response.status_code == 410
    assert stored_email(app, user.id) == user.email
    for forged in ("/email/confirm/forged", "/email/confirm/" + "x" * 500):
        assert anonymous.get(forged).status_code == 410
        assert anonymous.post_form(forged).status_code == 410


def test_an_address_taken_since_the_request_is_refused_and_nothing_changes(
    app, make, signed_in, outbox
):
    user = make.user("trainee")
    ask(signed_in(user.email))
    link = confirm_link(next(m for m in outbox if m["To"] == NEW))
    make.user("trainee", email=NEW.upper())  # someone else got it meanwhile
    refused = signed_in(None).post_form(link)
    assert refused.status_code == 409
    assert NEW in html(refused)
    assert stored_email(app, user.id) == user.email
    assert signs_in(app, user.email)


def test_a_password_change_or_deactivation_stops_the_pending_change(
    app, make, signed_in, outbox, api
):
    user = make.user("trainee")
    browser = signed_in(user.email)
    ask(browser)
    link = confirm_link(next(m for m in outbox if m["To"] == NEW))
    changed = browser.post_form(
        "/account/password",
        {
            "current_password": PASSWORD,
            "new_password": "mimosa-jaune-64",
            "confirm": "mimosa-jaune-64",
        },
    )
    assert changed.status_code == 303
    assert signed_in(None).get(link).status_code == 410

    other = make.user("trainee")
    ask(signed_in(other.email), new="autre@ofppt.example")
    link = confirm_link(next(m for m in outbox if m["To"] == "autre@ofppt.example"))
    admin = make.token(make.user("admin").email)
    api.patch(f"{V1}/users/{other.id}", token=admin, json={"active": False})
    assert signed_in(None).post_form(link).status_code == 410
    assert stored_email(app, other.id) == other.email


def test_an_account_asks_a_few_times_an_hour(app, make, signed_in, outbox, clock):
    user = make.user("trainee")
    browser = signed_in(user.email)
    for n in range(3):  # email_change.CHANGES_PER_HOUR
        assert ask(browser, new=f"essai{n}@ofppt.example").status_code == 303
    refused = ask(browser, new="essai3@ofppt.example")
    assert refused.status_code == 200 and 'id="email-error"' in html(refused)
    assert len(outbox) == 6  # a link and a notice each
    clock.advance(hours=1, seconds=1)
    assert ask(browser, new="essai3@ofppt.example").status_code == 303


def test_the_api_asks_for_the_change_with_the_same_rules(app, api, make, outbox, clock):
    user = make.user("expert")
    token = make.token(user.email)
    url = f"{V1}/me/email"
    accepted = api.post(url, token=token, json={"email": NEW.upper(), "password": PASSWORD})
    assert accepted.status_code == 202, accepted.get_data(as_text=True)
    assert accepted.get_json() == {"pending": NEW}
    assert sorted(m["To"] for m in outbox) == sorted([NEW, user.email])

    def send(body, status=422):
        response = api.post(url, token=token, json=body)
        assert response.status_code == status, response.get_data(as_text=True)
        if status >= 400:
            assert response.mimetype == "application/problem+json"
        return response

    wrong = send({"email": "autre@ofppt.example", "password": "guess"}).get_json()
    assert [e["path"] for e in wrong["errors"]] == ["password"]
    bad = send({"email": "pas une adresse", "password": PASSWORD}).get_json()
    assert [e["path"] for e in bad["errors"]] == ["email"]
    missing = send({}).get_json()
    assert {e["path"] for e in missing["errors"]} == {"email", "password"}
    assert api.post(url, json={"email": NEW, "password": PASSWORD}).status_code == 401
    send({"email": "deux@ofppt.example", "password": PASSWORD}, 202)
    send({"email": "trois@ofppt.example", "password": PASSWORD}, 202)
    too_many = send({"email": "quatre@ofppt.example", "password": PASSWORD}, 429)
    assert 0 < int(too_many.headers["Retry-After"]) <= 3600
    assert len(outbox) == 6
    # the latest one is pending, and confirming it moves the account
    link = confirm_link(next(m for m in outbox if m["To"] == "trois@ofppt.example"))
    assert app.test_client().post_form(link).status_code == 303
    assert api.get(f"{V1}/me", token=token).get_json()["email"] == "trois@ofppt.example"


def test_arabic_pages_and_emails_through_a_real_smtp_server(app, make, signed_in):
    """The person's language, not the asker's browser: both e-mails in Arabic, read from an
    SMTP server (aiosmtpd); the confirmation page right to left."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        smtp_app(app, controller.port)
        user = make.user("trainee", locale="ar", name="فاطمة الزهراء")
        browser = signed_in(user.email)
        assert 'dir="rtl"' in html(browser.get("/account"))
        assert ask(browser).status_code == 303
    finally:
        controller.stop()
    messages = {
        e.rcpt_tos[0]: email.message_from_bytes(e.content, policy=email.policy.default)
        for e in inbox.envelopes
    }
    assert set(messages) == {NEW, user.email}
    confirm, notice = messages[NEW], messages[user.email]
    assert str(confirm["Subject"]) != "Confirm your new MRE Academy e-mail"
    assert str(notice["Subject"]) != "A change of your MRE Academy e-mail"
    assert "فاطمة الزهراء" in confirm.get_content() and NEW in notice.get_content()
    link = confirm_link(confirm)
    page = app.test_client().get(f"{link}?lang=ar")
    assert page.status_code == 200 and '<html lang="ar" dir="rtl">' in html(page)
    assert browser.post_form(link).status_code == 303
    assert stored_email(app, user.id) == NEW
