"""Enumeration, guessing and the secrets that stand for a person (tokens, links, codes).

Cases (security-cases.md) and where each is covered:

- T44 identical answers for known and unknown accounts: sign-in page, wrong password vs
  unknown e-mail: tests/test_auth.py::test_wrong_password_and_unknown_email_get_the_same_answer;
  token endpoint: tests/test_api.py::test_wrong_password_and_unknown_email_get_the_same_401.
  Added: ``test_every_kind_of_wrong_account_gets_the_same_answer`` (also a deactivated
  account, even with its right password, and an account still waiting for its password),
  ``test_an_unknown_account_costs_the_same_hashing_as_a_known_one`` (the timing: one
  Argon2 verification whatever the account; measuring medians would time the test machine)
  and ``test_every_dead_password_link_looks_the_same``. Throttling per account, not per IP
  (a centre behind one address): tests/test_auth.py::
  test_hammering_one_account_gives_429_then_the_owner_gets_back_in and tests/test_api.py::
  test_token_requests_are_rate_limited_per_account. There is no self-registration and no
  "forgot my password" form taking an e-mail: accounts are made by admins and trainers,
  and passwords are (re)set through one-time links or by an admin.
- A trainer learning about accounts they may not see (the issue's item 11): the members
  preview printed the name of the admin, expert or other centre's trainee an e-mail in the
  file belonged to, and said which kind of account it was. Now each row shows what the
  file said and one answer for every account the cohort cannot take, on the page and in
  the API's ``errors``; admins keep the precise reasons:
  ``test_a_trainers_member_list_tells_nothing_of_accounts_they_may_not_see`` (an admin, an
  expert, a colleague, another centre's trainee and a deactivated account). The same class
  on the cohort's trainers, found while fixing it: the API said "not a trainer", "trains
  at another centre" or "does not exist", and the page named the e-mail of any user id
  slipped into the form: ``test_a_trainer_cannot_sort_accounts_through_a_cohorts_trainers``.
- The public certificate check: tests/test_certificates.py::
  test_the_public_check_confirms_only_name_course_network_and_date (no e-mail, no score).
  Added: ``test_the_public_check_shows_nothing_else_and_is_rate_limited``.
- T45 tokens: 256 random bits, stored as a SHA-256 digest, listed without secrets, revoked,
  expiring, refused in a query string: tests/test_api.py::
  test_token_from_good_credentials_opens_me_and_is_stored_only_as_a_digest,
  ::test_tokens_are_listed_without_secrets_and_revoked_by_their_owner,
  ::test_an_expired_token_is_refused, ::test_a_token_in_the_query_string_is_refused;
  the account page: tests/test_admin_pages.py::
  test_api_token_is_shown_once_works_and_can_be_revoked. Added:
  ``test_tokens_and_links_come_from_secrets_and_are_stored_as_digests`` (API, page, CLI and
  password links), ``test_a_token_anywhere_but_the_authorization_header_is_refused``
  (query string on a write, the ``bearer`` parameter, a form field, the JSON body, a cookie).
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from elearn.accounts import passwords
from elearn.accounts.models import AccessToken, SetupLink, User
from elearn.core.db import utcnow
from elearn.extensions import db
from tests.harness import PASSWORD
from tests.quizkit import SLUG, certify, publish

pytestmark = pytest.mark.adversarial


def strip_page(html: str, *emails: str) -> str:
    html = re.sub(r'(csrf[-_]token"?[^>]*value|content)="[^"]*"', "", html)
    for email in emails:
        html = html.replace(email, "EMAIL")
    return html


@pytest.fixture
def accounts(make):
    make.centre("SALE")
    return {
        "wrong password": (make.user("trainee", email="known@ofppt.example").email, "not-it-123"),
        "unknown": ("nobody@ofppt.example", "not-it-123"),
        "deactivated": (
            make.user("trainee", email="gone@ofppt.example", active=False).email,
            "x" * 9,
        ),
        "deactivated, right password": ("gone@ofppt.example", PASSWORD),
        "no password yet": (
            make.user("trainee", email="pending@ofppt.example", password=None).email,
            "not-it-123",
        ),
    }


def test_every_kind_of_wrong_account_gets_the_same_answer(app, api, accounts):
    pages, problems = {}, {}
    for kind, (email, password) in accounts.items():
        browser = app.test_client()
        page = browser.login(email, password)
        pages[kind] = (page.status_code, strip_page(page.get_data(as_text=True), email))
        answer = api.post("/api/v1/tokens", json={"email": email, "password": password})
        problems[kind] = (answer.status_code, answer.headers["Content-Type"], answer.get_json())
        assert browser.get("/account").status_code == 302, kind  # and nobody got in
    assert len(set(pages.values())) == 1, {k: v[0] for k, v in pages.items()}
    assert len({repr(v) for v in problems.values()}) == 1, problems
    assert next(iter(problems.values()))[0] == 401


def test_an_unknown_account_costs_the_same_hashing_as_a_known_one(app, api, accounts, monkeypatch):
    calls = []
    hasher = passwords._hasher

    class Counting:
        def __getattr__(self, name):
            return getattr(hasher, name)

        def verify(self, hashed, password):
            calls.append(hashed)
            return hasher.verify(hashed, password)

    monkeypatch.setattr(passwords, "_hasher", Counting())
    for kind, (email, password) in accounts.items():
        for attempt in (
            lambda e=email, p=password: app.test_client().login(e, p),
            lambda e=email, p=password: api.post(
                "/api/v1/tokens", json={"email": e, "password": p}
            ),
        ):
            calls.clear()
            attempt()
            assert len(calls) == 1, kind  # one full Argon2 verification, known or not
            assert calls[0].startswith("$argon2id$"), kind


def _link(app, email, *, days=7, used=False, expired=False, deactivate=False) -> str:
    with app.app_context():
        from elearn.accounts import links, services

        user = services.find_user(db.session, email)
        plain = links.create_link(db.session, user, now=utcnow(), days=days)
        if used or expired:
            row = db.session.scalar(
                select(SetupLink).where(
                    SetupLink.token_hash == hashlib.sha256(plain.encode()).hexdigest()
                )
            )
            if used:
                row.used_at = utcnow()
            if expired:
                row.expires_at = utcnow() - timedelta(seconds=1)
        if deactivate:
            user.active = False
        db.session.commit()
        return plain


def test_every_dead_password_link_looks_the_same(app, make):
    make.centre("SALE")
    for email in ("a@ofppt.example", "b@ofppt.example", "c@ofppt.example", "d@ofppt.example"):
        make.user("trainee", email=email, password=None)
    superseded = _link(app, "d@ofppt.example")
    _link(app, "d@ofppt.example")  # a new link replaces it
    dead = {
        "never issued": "Zm9yZ2VkLXRva2VuLXRoYXQtbm9ib2R5LWV2ZXItZ290LTEyMzQ1",
        "used": _link(app, "a@ofppt.example", used=True),
        "expired": _link(app, "b@ofppt.example", expired=True),
        "account deactivated": _link(app, "c@ofppt.example", deactivate=True),
        "superseded": superseded,
    }
    answers = {}
    for kind, token in dead.items():
        browser = app.test_client()
        url = f"/password/setup/{token}"
        shown = browser.get(url)
        posted = browser.post_form(
            url, {"new_password": "taken-over-42", "confirm": "taken-over-42"}
        )
        answers[kind] = (
            shown.status_code,
            posted.status_code,
            strip_page(shown.get_data(as_text=True), url),
            strip_page(posted.get_data(as_text=True), url),
        )
        assert "@ofppt.example" not in answers[kind][2], kind  # no hint whose link it was
    assert len(set(answers.values())) == 1, {k: v[:2] for k, v in answers.items()}
    assert next(iter(answers.values()))[:2] == (410, 410)
    assert app.test_client().login("a@ofppt.example", "taken-over-42").status_code == 200


# -- the public certificate check ---------------------------------------------------------------


def test_the_public_check_shows_nothing_else_and_is_rate_limited(app, api, make):
    publish(api, make)
    make.centre("KEN", "Centre de Kénitra", "Kénitra")
    holder = make.user(
        "trainee", centre="KEN", name="Yasmine Holder", email="yasmine@ofppt.example"
    )
    token = make.token(holder.email)
    api.post(f"/api/v1/courses/{SLUG}/enrolment", token=token)
    code = certify(api, token)
    visitor = app.test_client()
    page = visitor.get(f"/verify/{code}")
    assert page.status_code == 200
    main = page.get_data(as_text=True).split("<main", 1)[1]
    assert "Yasmine Holder" in main and "Freinage" in main
    for private in (
        holder.email,
        "Kénitra",  # the centre
        "KEN",
        "100",  # the score
        "/certificates/",  # the holder's own page
        "/attempts/",
        f"/users/{holder.id}",
        "tentative",
    ):
        assert private not in main, private
    answers = [visitor.get(f"/verify/{code}").status_code for _ in range(61)]
    assert 429 in answers and answers.index(429) <= 60
    guesses = [visitor.get("/verify/AAAA-BBBB-CCCC").status_code for _ in range(3)]
    assert guesses == [429, 429, 429]  # guessing is slowed down the same way
    assert app.test_client().get("/verify?code=AAAA BBBB CCCC").status_code in (302, 429)


# -- T45 ------------------------------------------------------------------------------------


def test_tokens_and_links_come_from_secrets_and_are_stored_as_digests(app, api, make, monkeypatch):
    import secrets as stdlib_secrets

    drawn = []
    real = stdlib_secrets.token_urlsafe

    def spy(nbytes=None):
        value = real(nbytes)
        drawn.append((nbytes, value))
        return value

    monkeypatch.setattr(stdlib_secrets, "token_urlsafe", spy)
    user = make.user("expert", email="keys@example.org")
    made = {}
    made["api"] = api.post(
        "/api/v1/tokens", json={"email": user.email, "password": PASSWORD, "name": "api"}
    ).get_json()["token"]
    browser = app.test_client()
    browser.login(user.email)
    page = browser.post_form("/account/tokens", {"name": "page"}).get_data(as_text=True)
    made["page"] = re.search(r"elearn_[A-Za-z0-9_-]{40,}", page).group(0)
    result = app.test_cli_runner().invoke(args=["tokens", "create", user.email, "--name", "cli"])
    made["cli"] = result.output.strip().splitlines()[-1]
    with app.app_context():
        from elearn.accounts import links

        made["link"] = links.create_link(
            db.session, db.session.get(User, user.id), now=utcnow(), days=7
        )
        db.session.commit()
    for kind, plain in made.items():
        origin = [n for n, value in drawn if value in plain]
        assert origin and origin[0] * 8 >= 128, (kind, origin)  # drawn from secrets, ≥ 128 bits
        assert api.get("/api/v1/me", token=plain).status_code == (200 if kind != "link" else 401)
    with app.app_context():
        rows = [
            *db.session.execute(select(AccessToken.__table__)).mappings(),
            *db.session.execute(select(SetupLink.__table__)).mappings(),
        ]
    stored = " ".join(str(v) for row in rows for v in dict(row).values())
    digests = {hashlib.sha256(p.encode()).hexdigest() for p in made.values()}
    assert digests <= set(stored.split())
    for kind, plain in made.items():
        secret = plain.removeprefix("elearn_")
        assert secret[:12] not in stored, kind  # never the secret, not even its start


def test_a_token_anywhere_but_the_authorization_header_is_refused(app, api, make):
    publish(api, make)
    user = make.user("trainee")
    token = make.token(user.email)
    enrol = f"/api/v1/courses/{SLUG}/enrolment"
    for call in (
        lambda: api.post(f"{enrol}?access_token={token}"),
        lambda: api.post(f"{enrol}?bearer={token}"),
        lambda: api.get(f"/api/v1/me?bearer={token}"),
        lambda: api.client.post(enrol, data={"access_token": token}),
        lambda: api.client.post(enrol, json={"access_token": token, "token": token}),
        lambda: api.client.post(enrol, headers={"Cookie": f"access_token={token}"}),
        lambda: api.client.post(enrol, headers={"Authorization": token}),  # no scheme
        lambda: api.client.post(enrol, headers={"Authorization": f"Token {token}"}),
        lambda: api.client.post(enrol, headers={"X-Api-Key": token}),
    ):
        response = call()
        assert response.status_code == 401
        assert response.mimetype == "application/problem+json"
    assert api.get("/api/v1/me/courses", token=token).get_json() == []  # never enrolled
    assert api.post(enrol, token=token).status_code == 201  # the header is the way


# -- what a trainer's member list and cohort form tell about other accounts -----------------

#: Accounts a Salé trainer may not see, each with a name that must not come out.
HIDDEN = {
    "admin": ("admin", {"name": "Hidden Admin Name"}),
    "expert": ("expert", {"name": "Hidden Expert Name", "network": "DMK"}),
    "trainer": ("trainer", {"name": "Hidden Colleague Name", "centre": "SALE"}),
    "other centre": ("trainee", {"name": "Hidden Kenitra Name", "centre": "KEN"}),
    "deactivated": ("trainee", {"name": "Hidden Gone Name", "centre": "SALE", "active": False}),
}
KIND_WORDS = re.compile(
    r"admin(?!istrat)|expert|formateur|stagiaire|centre|désactiv|deactivat|trainee|trainer",
    re.IGNORECASE,
)


@pytest.fixture
def hidden(api, make):
    from tests.cohortkit import create_cohort, staff

    people = staff(api, make)
    found = {
        kind: make.user(role, email=f"hidden-{n}@ofppt.example", **kw)
        for n, (kind, (role, kw)) in enumerate(HIDDEN.items())
    }
    return people, create_cohort(api, people.sale_token), found


def _preview_rows(html: str) -> list[str]:
    table = html.split('<table class="preview">', 1)[1].split("</table>", 1)[0]
    return re.findall(r"<tr class=\"outcome-[^\"]*\">.*?</tr>", table, re.S)


def test_a_trainers_member_list_tells_nothing_of_accounts_they_may_not_see(
    app, api, signed_in, hidden
):
    """The issue's item 11: the preview showed an admin's, an expert's, another centre's
    trainee's name and said which kind of account the e-mail belonged to. Each row now
    shows what the file said and one answer for every account the cohort cannot take."""
    people, cohort_id, found = hidden
    csv = "email;nom\r\n" + "".join(f"{u.email};Dans le fichier\r\n" for u in found.values())
    browser = signed_in(people.sale.email)
    page = browser.post_form(
        f"/cohorts/{cohort_id}/members/preview",
        {"file": (io.BytesIO(csv.encode()), "liste.csv")},
        content_type="multipart/form-data",
    ).get_data(as_text=True)
    rows = _preview_rows(page)
    assert len(rows) == len(found)
    for (kind, user), row in zip(found.items(), rows, strict=True):
        assert user.email in row and "Dans le fichier" in row, kind
        assert "Hidden" not in row, kind  # not the account's name
    cells = {
        re.sub(r"<td[^>]*>\d+</td>", "", row.replace(u.email, "EMAIL"))
        for u, row in zip(found.values(), rows, strict=True)
    }
    assert len(cells) == 1, cells  # the same row for an admin, an expert, … and a deactivated
    said = re.sub(r"<[^>]+>", " ", cells.pop())
    assert not KIND_WORDS.search(said.replace("Dans le fichier", "")), said
    assert "Hidden" not in page

    api_answers = {}
    for kind, user in found.items():
        body = api.post(
            f"/api/v1/cohorts/{cohort_id}/members",
            token=people.sale_token,
            json={"emails": [user.email]},
        ).get_json()
        assert body["added"] == [] and body["created_accounts"] == [], kind
        assert "Hidden" not in json.dumps(body, ensure_ascii=False), kind
        api_answers[kind] = json.dumps(body).replace(user.email, "EMAIL")
    assert len(set(api_answers.values())) == 1, api_answers
    message = json.loads(next(iter(api_answers.values())))["errors"][0]["message"]
    assert not KIND_WORDS.search(message), message

    # an administrator sees every account, and is told why
    admin = {}
    for kind, user in found.items():
        body = api.post(
            f"/api/v1/cohorts/{cohort_id}/members",
            token=people.admin_token,
            json={"emails": [user.email]},
        ).get_json()
        admin[kind] = body["errors"][0]["message"] if body["errors"] else "added"
    assert admin["other centre"] == "added"  # admins may add another centre's trainees
    assert admin["admin"] == admin["expert"] == admin["trainer"] != admin["deactivated"]
    assert {"added", message}.isdisjoint({admin["admin"], admin["deactivated"]})


def test_a_trainer_cannot_sort_accounts_through_a_cohorts_trainers(app, api, signed_in, hidden):
    """The same class on the cohort form: listing an e-mail (API) or an id (page) as a
    trainer said "x is not a trainer", "x trains at another centre" or "does not exist" —
    and on the page named the e-mail of whatever id was slipped in."""
    people, _cohort_id, found = hidden
    kenitra_trainer = people.kenitra
    body = {"name": "Sondage", "centre": "SALE", "starts_on": "2026-09-15"}
    targets = {
        **{kind: u.email for kind, u in found.items() if kind != "trainer"},
        "another centre's trainer": kenitra_trainer.email,
        "unknown": "nobody-here@ofppt.example",
    }
    answers = {}
    for kind, address in targets.items():
        response = api.post(
            "/api/v1/cohorts", token=people.sale_token, json={**body, "trainers": [address]}
        )
        answers[kind] = (response.status_code, json.dumps(response.get_json()))
        assert address not in answers[kind][1], kind
    assert len(set(answers.values())) == 1, answers
    assert next(iter(answers.values()))[0] == 403
    # a colleague of the same centre is listed without fuss
    colleague = {**body, "trainers": [found["trainer"].email]}
    assert api.post("/api/v1/cohorts", token=people.sale_token, json=colleague).status_code == 201

    page = signed_in(people.sale.email)
    with app.app_context():
        from elearn.accounts.models import Centre

        sale_id = db.session.scalar(select(Centre.id).where(Centre.code == "SALE"))
    form = {"name": "Sondage", "centre": str(sale_id), "starts_on": "2026-09-15"}
    pages = {}
    for kind, user in {**found, "another centre's trainer": kenitra_trainer}.items():
        if kind == "trainer":
            continue
        html = page.post_form("/cohorts/new", {**form, "trainers": [str(user.id)]})
        assert html.status_code == 200, kind
        text = html.get_data(as_text=True)
        name = HIDDEN[kind][1]["name"] if kind in HIDDEN else "Formatrice Kénitra"
        assert user.email not in text and name not in text, kind
        pages[kind] = strip_page(text)
    assert len(set(pages.values())) == 1
