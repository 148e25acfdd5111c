"""Guessable passwords: what a guesser tries first must not be a password anyone can choose.

The per-account sign-in budget (tests/adversarial/test_signin_budget.py) leaves a guesser
ten tries per account every ten minutes: enough for "12345678", "azertyui", the name in
the victim's e-mail address and the demo's documented password, so those are refused
when a password is chosen. One rule (``accounts.services.check_password``) with its
lists shipped in the package (``elearn/accounts/data``: Django's 20,000 common passwords
and our French, German, Arabic and Moroccan additions), no network call.

Cases and where each is covered:

- The issue's item 16, found by the review: ``12345678``, ``password``, ``azertyui`` and
  ``demo-elearn`` were accepted. Every way of choosing a password now refuses the
  lists' samples (in any case, with Arabic-Indic digits, with spaces around) and anything
  containing the e-mail's name (the part before the @ and its parts of four letters or
  more), with the message on the field, in French and Arabic, and changes nothing:
  ``test_every_way_of_choosing_a_password_refuses_guessable_ones`` — account creation by
  an admin and by a trainer through the API, by the CLI (the admin's page types no
  password: the person chooses it from a set-up link, a way of its own below); an
  admin's reset on the page; an own change on the page and through the API; a one-time
  set-up link; ``elearn users set-password``. Each path also accepts a good password, so
  the refusals are the rule's and not a broken form's.
- The demo still loads its documented accounts with ``demo-elearn``, writing the hash
  past the rule (the demo is refused in production): tests/test_cli.py::
  test_demo_is_idempotent_and_prints_one_account_per_role.
- The lists ship with the package and are read on first use only, not by every command
  that imports the module: ``test_the_lists_ship_with_the_package_and_load_on_first_use``.
"""

from __future__ import annotations

import re
import subprocess
import sys
from types import SimpleNamespace

import pytest

from elearn.accounts import services
from elearn.config import PROJECT_ROOT
from elearn.extensions import db
from tests.harness import PASSWORD

pytestmark = pytest.mark.adversarial

EMAIL = "fatima.zahra@ofppt.example"
COMMON = [
    "12345678",
    "password",
    "azertyui",
    "demo-elearn",
    "Motdepasse",
    " AZERTYUIOP ",
    "maroc٢٠٢٦",  # maroc2026 typed with Arabic-Indic digits
    "qwertz123",
    "ضصثقفغعه",  # qwertyui on an Arabic keyboard
]
NAMED = ["fatima.zahra", "Fatima2026!", "zahra-zahra-1", "FATIMA.ZAHRA@ofppt.example"]
GOOD = "cedre-bleu-sous-la-pluie"
SAYS = {
    "common": ("fait partie des plus courants", "شيوعًا"),
    "named": ("tiré de l’adresse e-mail", "المأخوذ من عنوان البريد"),
}


def _said(text: str, kind: str) -> bool:
    return any(phrase in text for phrase in SAYS[kind])


@pytest.fixture
def people(make):
    make.centre("SALE")
    admin = make.user("admin", email="boss@ofppt.example")
    trainer = make.user("trainer", email="formateur@ofppt.example", centre="SALE")
    return SimpleNamespace(
        admin=admin,
        admin_token=make.token(admin.email),
        trainer_token=make.token(trainer.email),
    )


def _account(app):
    with app.app_context():
        return services.find_user(db.session, EMAIL)


def _signs_in(app, password) -> bool:
    return app.test_client().login(EMAIL, password).status_code == 303


def _field_error(html: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error">(.*?)</p>', html, re.S)
    return found.group(1) if found else ""


# -- each way of choosing a password: choose(pw) → what the person is told ------------------


def api_refusal(response) -> str:
    """The message of an API's refusal of a password: a 422 on the ``password`` field only."""
    body = response.get_json()
    assert response.status_code == 422, body
    assert [e["path"] for e in body["errors"]] == ["password"], body
    return body["errors"][0]["message"]


def _api_create(app, api, people, token_key):
    def choose(password):
        response = api.post(
            "/api/v1/users",
            token=getattr(people, token_key),
            json={
                "email": EMAIL,
                "name": "Fatima Zahra",
                "roles": ["trainee"],
                "centre": "SALE",
                "password": password,
            },
        )
        if response.status_code == 201:
            return None
        return api_refusal(response)

    return choose


def _cli_create(app):
    def choose(password):
        result = app.test_cli_runner().invoke(
            args=["users", "create", EMAIL, "--name", "Fatima Zahra", "--role", "trainee"]
            + ["--centre", "SALE"],
            input=password + "\n",
        )
        return None if result.exit_code == 0 else result.output

    return choose


def _admin_page_reset(app, signed_in, people, user_id):
    browser = signed_in(people.admin.email)

    def choose(password):
        response = browser.post_form(
            f"/admin/users/{user_id}",
            {
                "name": "Fatima Zahra",
                "roles": ["trainee"],
                "network": "",
                "centre": "SALE",
                "locale": "fr",
                "password": password,
                "active": "y",
            },
        )
        if response.status_code == 303:
            return None
        return _field_error(response.get_data(as_text=True), "password")

    return choose


def _own_page(app, signed_in):
    browser = signed_in(EMAIL)
    lang = iter(["fr", "ar"] * 20)  # the message on the field, in both languages

    def choose(password):
        response = browser.post_form(
            f"/account/password?lang={next(lang)}",
            {"current_password": PASSWORD, "new_password": password, "confirm": password},
        )
        if response.status_code == 303:
            return None
        assert response.status_code == 200
        return _field_error(response.get_data(as_text=True), "new_password")

    return choose


def _own_api(app, api, make):
    token = make.token(EMAIL)

    def choose(password):
        response = api.patch(
            "/api/v1/me", token=token, json={"password": password, "current_password": PASSWORD}
        )
        if response.status_code == 200:
            return None
        return api_refusal(response)

    return choose


def _setup_link(app, user_id):
    from elearn.accounts import links
    from elearn.accounts.models import User
    from elearn.core.db import utcnow

    with app.app_context():
        user = db.session.get(User, user_id)
        token = links.create_link(db.session, user, now=utcnow(), days=7)
        db.session.commit()
    browser = app.test_client()
    url = f"/password/setup/{token}"

    def choose(password):
        assert browser.get(url).status_code == 200  # a refusal does not spend the link
        response = browser.post_form(url, {"new_password": password, "confirm": password})
        if response.status_code == 303:
            return None
        return _field_error(response.get_data(as_text=True), "new_password")

    return choose


def _cli_set_password(app):
    def choose(password):
        result = app.test_cli_runner().invoke(
            args=["users", "set-password", EMAIL], input=password + "\n"
        )
        return None if result.exit_code == 0 else result.output

    return choose


CREATING = ["api, admin", "api, trainer", "elearn users create"]
CHANGING = [
    "admin page, reset",
    "account page",
    "api, /me",
    "set-up link",
    "elearn users set-password",
]


@pytest.mark.parametrize("way", CREATING + CHANGING)
def test_every_way_of_choosing_a_password_refuses_guessable_ones(
    app, api, make, signed_in, people, way
):
    if way in CHANGING:
        user_id = make.user("trainee", email=EMAIL, centre="SALE").id
    choose = {
        "api, admin": lambda: _api_create(app, api, people, "admin_token"),
        "api, trainer": lambda: _api_create(app, api, people, "trainer_token"),
        "elearn users create": lambda: _cli_create(app),
        "admin page, reset": lambda: _admin_page_reset(app, signed_in, people, user_id),
        "account page": lambda: _own_page(app, signed_in),
        "api, /me": lambda: _own_api(app, api, make),
        "set-up link": lambda: _setup_link(app, user_id),
        "elearn users set-password": lambda: _cli_set_password(app),
    }[way]()
    for kind, samples in (("common", COMMON), ("named", NAMED)):
        for password in samples:
            said = choose(password)
            assert said is not None, (way, password)  # refused …
            assert _said(said, kind), (way, password, said)  # … saying why, on the field
    # nothing changed: no account made, the old password still the one
    if way in CREATING:
        assert _account(app) is None, way
    else:
        assert _signs_in(app, PASSWORD), way
    # and a good password goes through the same way
    assert choose(GOOD) is None, way
    assert _signs_in(app, GOOD), way


def test_the_lists_ship_with_the_package_and_load_on_first_use():
    probe = (
        "import elearn.accounts.passwords as p; "
        "assert p._dummy_hash is None; "  # nor a full-cost Argon2 hash at import
        "before = p.common_passwords.cache_info().currsize; "
        "listed = p.is_common('azertyui'); "
        "print(before, listed, len(p.common_passwords()))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    before, listed, size = done.stdout.split()
    assert before == "0" and listed == "True" and int(size) > 19_000
    pyproject = (PROJECT_ROOT / "pyproject.toml").read_text()
    assert '"elearn.accounts" = ["data/*"]' in pyproject  # `pip install .` ships them
