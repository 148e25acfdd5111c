"""The administration pages (accounts, centres, networks) and the account page, as a browser
uses them: who may see what, what each form stores, what it refuses, and what it never does
(write on a GET, leak a token, run a script, forget a language).

No assertion reads translated wording: the catalogs change under us. The tests look at
status codes, Location headers, ``lang``/``dir``, field-error markers and the database.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from elearn.accounts import services
from elearn.accounts.models import AccessToken, Centre, Network, User
from elearn.extensions import db
from tests.harness import PASSWORD

HTML_AR = '<html lang="ar" dir="rtl">'
HTML_FR = '<html lang="fr" dir="ltr">'
WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|MERGE|UPSERT|REPLACE)\b", re.I)
USER_LINK = re.compile(r'href="/admin/users/(\d+)"')
PROGRAMME_NETWORKS = {"DMK", "AEROMAC", "C3M", "AMCN", "ACOMS"}


# -- helpers ------------------------------------------------------------------------------


@contextmanager
def database(app):
    with app.app_context():
        yield db.session


def user_state(app, email: str):
    """The stored account, as plain values (None if there is no such account)."""
    with database(app) as s:
        user = services.find_user(s, email)
        if user is None:
            return None
        return SimpleNamespace(
            id=user.id,
            email=user.email,
            name=user.name,
            roles=set(user.roles),
            locale=user.locale,
            active=user.active,
            centre=user.centre.code if user.centre else None,
            network=user.network.code if user.network else None,
            session_version=user.session_version,
            password_hash=user.password_hash,
        )


def user_by_id(app, user_id: int):
    with database(app) as s:
        user = s.get(User, user_id)
        return user_state(app, user.email) if user else None


def count_users(app, **where) -> int:
    with database(app) as s:
        stmt = select(func.count()).select_from(User)
        for key, value in where.items():
            stmt = stmt.where(getattr(User, key) == value)
        return s.scalar(stmt)


def all_users(app) -> list[tuple]:
    with database(app) as s:
        return [
            (u.email, u.name, tuple(sorted(u.roles)), u.active, u.locale)
            for u in s.scalars(select(User).order_by(User.id))
        ]


def centre_rows(app) -> list[tuple]:
    with database(app) as s:
        return [
            (c.id, c.code, c.name, c.city) for c in s.scalars(select(Centre).order_by(Centre.id))
        ]


def network_rows(app) -> list[tuple]:
    with database(app) as s:
        return [
            (n.id, n.code, dict(n.name), n.country, list(n.domains))
            for n in s.scalars(select(Network).order_by(Network.id))
        ]


def network_state(app, code: str):
    with database(app) as s:
        n = s.scalar(select(Network).where(Network.code == code))
        if n is None:
            return None
        return SimpleNamespace(
            id=n.id, code=n.code, name=dict(n.name), country=n.country, domains=list(n.domains)
        )


def add_users(app, n: int, prefix: str = "bulk") -> list[str]:
    """Many accounts in one transaction (no password: nothing to hash), roles mixed so the
    list has networks, centres and several roles to show."""
    emails = []
    with database(app) as s:
        centre = services.centre_by_code_or_none(s, "SALE") or services.save_centre(
            s, None, code="SALE", name="Centre de Salé", city="Salé"
        )
        network = services.network_by_code(s, "DMK")
        for i in range(n):
            kind = i % 3
            roles = [["trainee"], ["expert"], ["trainer", "trainee"]][kind]
            user = services.create_user(
                s,
                email=f"{prefix}{i:03d}@example.org",
                name=f"{prefix.title()} {i:03d}",
                roles=roles,
                network=network if kind == 1 else None,
                centre=centre if kind != 1 else None,
            )
            emails.append(user.email)
        s.commit()
    return emails


def signed_in_client(app, email: str, password: str = PASSWORD):
    c = app.test_client()
    response = c.login(email, password)
    return c, response


def html_of(response) -> str:
    return response.get_data(as_text=True)


def user_rows(html: str) -> list[int]:
    return [int(i) for i in USER_LINK.findall(html)]


def new_user_form(**overrides) -> dict:
    data = {
        "email": "new.person@example.org",
        "name": "New Person",
        "roles": ["trainee"],
        "network": "",
        "centre": "SALE",
        "locale": "fr",
        "password": "",
    }
    data.update(overrides)
    return data


def edit_user_form(**overrides) -> dict:
    data = {
        "name": "Edited Person",
        "roles": ["trainee"],
        "network": "",
        "centre": "SALE",
        "locale": "fr",
        "password": "",
        "active": "y",
    }
    data.update(overrides)
    return data


def assert_field_error(html: str, field: str) -> None:
    """The form came back with this field marked wrong (and an error flash)."""
    assert f'id="{field}-error"' in html, f"no error shown for {field}"
    assert 'class="flash flash-error"' in html


def assert_sign_in_redirect(response, path: str) -> None:
    assert response.status_code == 302, (path, response.status_code)
    location = urlsplit(response.headers["Location"])
    assert location.netloc in ("", "localhost")
    assert location.path == "/login", (path, response.headers["Location"])
    assert parse_qs(location.query).get("next") == [path], (path, response.headers["Location"])


# -- fixtures -----------------------------------------------------------------------------


@pytest.fixture
def targets(app, make):
    """One of each thing an admin page is about, to put in the URLs."""
    person = make.user("trainee", email="target.person@example.org", name="Target Person")
    kenitra = make.centre("KENITRA", "Centre de Kénitra", "Kénitra")
    dmk = network_state(app, "DMK")
    pages = [
        "/admin/users",
        "/admin/users/new",
        f"/admin/users/{person.id}",
        "/admin/centres",
        "/admin/centres/new",
        f"/admin/centres/{kenitra.id}",
        "/admin/networks",
        "/admin/networks/new",
        f"/admin/networks/{dmk.id}",
    ]
    return SimpleNamespace(person=person, centre=kenitra, network=dmk, pages=pages)


def admin_posts(targets, self_id: int) -> list[tuple[str, dict]]:
    """A valid submission for every admin form, each one trying to make or grab power."""
    return [
        (
            "/admin/users/new",
            new_user_form(
                email="made.by.intruder@example.org",
                name="Intruder Made",
                roles=["admin"],
                centre="",
            ),
        ),
        (
            f"/admin/users/{targets.person.id}",
            edit_user_form(name="Hacked", roles=["admin"], centre=""),
        ),
        (f"/admin/users/{self_id}", edit_user_form(name="Hacked", roles=["admin", "trainee"])),
        ("/admin/centres/new", {"code": "EVIL", "name": "Evil centre", "city": "Nowhere"}),
        (
            f"/admin/centres/{targets.centre.id}",
            {"code": "KENITRA", "name": "Hacked centre", "city": "Nowhere"},
        ),
        (
            "/admin/networks/new",
            {"code": "EVIL", "name_fr": "Evil", "name_ar": "شر", "country": "", "domains": ["ai"]},
        ),
        (
            f"/admin/networks/{targets.network.id}",
            {
                "code": "DMK",
                "name_fr": "Hacked",
                "name_ar": "مخترق",
                "country": "",
                "domains": ["ai"],
            },
        ),
    ]


# -- who may reach the admin pages --------------------------------------------------------


def test_admin_sees_every_admin_page(as_admin, targets):
    for url in targets.pages:
        response = as_admin.get(url)
        assert response.status_code == 200, url
        assert response.mimetype == "text/html"
        ar = as_admin.get(f"{url}?lang=ar")
        assert ar.status_code == 200 and HTML_AR in html_of(ar), url
    assert "target.person@example.org" in html_of(as_admin.get(targets.pages[2]))
    assert "KENITRA" in html_of(as_admin.get(targets.pages[5]))
    assert 'value="DMK"' in html_of(as_admin.get(targets.pages[8]))


@pytest.mark.parametrize("role", ["expert", "trainer", "trainee"])
def test_other_roles_get_a_403_page_in_their_language(request, role, targets):
    c = request.getfixturevalue(f"as_{role}")
    for url in targets.pages:
        assert c.get(url).status_code == 403, url
        ar = c.get(f"{url}?lang=ar")
        assert ar.status_code == 403, url
        assert ar.mimetype == "text/html", url
        html = html_of(ar)
        assert HTML_AR in html, url
        assert "target.person@example.org" not in html and "Centre de Kénitra" not in html
        fr = c.get(f"{url}?lang=fr")
        assert fr.status_code == 403 and HTML_FR in html_of(fr), url
    # the admin menu is not offered either
    assert 'href="/admin/users"' not in html_of(c.get("/"))


def test_anonymous_is_sent_to_sign_in_from_every_admin_page(client, targets):
    for url in targets.pages:
        assert_sign_in_redirect(client.get(url), url)
    before = (
        all_users(client.application),
        centre_rows(client.application),
        network_rows(client.application),
    )
    for url, data in admin_posts(targets, targets.person.id):
        assert_sign_in_redirect(client.post_form(url, data), url)
    after = (
        all_users(client.application),
        centre_rows(client.application),
        network_rows(client.application),
    )
    assert after == before


@pytest.mark.parametrize("role", ["expert", "trainer", "trainee"])
def test_other_roles_cannot_post_to_admin_forms(app, request, role, targets):
    c = request.getfixturevalue(f"as_{role}")
    before = (all_users(app), centre_rows(app), network_rows(app))
    for url, data in admin_posts(targets, c.user.id):
        response = c.post_form(url, data)
        assert response.status_code == 403, (url, response.status_code)
    assert (all_users(app), centre_rows(app), network_rows(app)) == before
    assert user_state(app, "made.by.intruder@example.org") is None


def test_trainee_posting_a_new_account_with_a_valid_token_gets_403(app, as_trainee):
    token = as_trainee.csrf_token()
    response = as_trainee.post(
        "/admin/users/new", data={**new_user_form(email="sneaky@example.org"), "csrf_token": token}
    )
    assert response.status_code == 403
    assert user_state(app, "sneaky@example.org") is None
    # the same post without the token is refused earlier (CSRF), still nothing created
    response = as_trainee.post("/admin/users/new", data=new_user_form(email="sneaky@example.org"))
    assert response.status_code in (400, 403)
    assert user_state(app, "sneaky@example.org") is None


def test_trainee_cannot_give_itself_the_admin_role_by_any_post(app, as_trainee):
    me = as_trainee.user
    before = user_state(app, me.email)
    assert before.roles == {"trainee"}
    c = as_trainee
    attempts = [
        c.post_form(f"/admin/users/{me.id}", edit_user_form(roles=["admin"], name="Me")),
        c.post_form("/admin/users/new", new_user_form(email=me.email.upper(), roles=["admin"])),
        c.post_form(
            "/account",
            {"name": "Me", "locale": "fr", "roles": ["admin"], "role": "admin", "is_admin": "y"},
        ),
        c.post_form("/language", {"lang": "fr", "roles": "admin"}),
    ]
    assert [r.status_code for r in attempts[:2]] == [403, 403]
    assert all(r.status_code < 500 for r in attempts)
    headers = {"X-CSRFToken": c.csrf_token()}
    api_attempts = [
        c.patch("/api/v1/me", json={"roles": ["admin"]}, headers=headers),
        c.patch(f"/api/v1/users/{me.id}", json={"roles": ["admin"]}, headers=headers),
        c.post(
            "/api/v1/users",
            json={"email": "x@example.org", "name": "X", "roles": ["admin"]},
            headers=headers,
        ),
    ]
    assert all(400 <= r.status_code < 500 for r in api_attempts), [
        r.status_code for r in api_attempts
    ]
    plain = c.post_form("/account/tokens", {"name": "escalate"})
    token = re.search(r"elearn_[A-Za-z0-9_-]{20,}", html_of(plain)).group(0)
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {token}"}
    response = api.patch("/api/v1/me", json={"roles": ["admin"]}, headers=bearer)
    assert 400 <= response.status_code < 500
    assert (
        api.patch(f"/api/v1/users/{me.id}", json={"roles": ["admin"]}, headers=bearer).status_code
        == 403
    )
    after = user_state(app, me.email)
    assert after.roles == {"trainee"}
    assert count_users(app) == 1  # the trainee alone: no account was made either
    assert c.get("/admin/users").status_code == 403


# -- creating accounts --------------------------------------------------------------------


def test_admin_creates_a_trainer_trainee_with_centre_and_locale(app, make, as_admin, outbox):
    make.centre("KENITRA", "Centre de Kénitra", "Kénitra")
    form = as_admin.get("/admin/users/new")
    html = html_of(form)
    for role in ("admin", "expert", "trainer", "trainee"):
        assert re.search(rf'<input[^>]*name="roles"[^>]*type="checkbox"[^>]*value="{role}"', html)
    assert 'value="KENITRA"' in html and 'value="DMK"' in html
    assert 'name="password"' not in html  # the admin never types someone's password
    response = as_admin.post_form(
        "/admin/users/new",
        new_user_form(
            email="  Nadia.Alaoui@Example.ORG ",
            name="Nadia Alaoui",
            roles=["trainer", "trainee"],
            centre="KENITRA",
            locale="ar",
            password="cedre-bleu-77",  # an old form's field: ignored
        ),
    )
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/admin/users"
    user = user_state(app, "nadia.alaoui@example.org")
    assert user is not None
    assert user.email == "nadia.alaoui@example.org"
    assert user.name == "Nadia Alaoui"
    assert user.roles == {"trainer", "trainee"}
    assert user.centre == "KENITRA" and user.network is None
    assert user.locale == "ar" and user.active is True
    assert user.password_hash is None
    listed = html_of(as_admin.get("/admin/users"))
    assert "nadia.alaoui@example.org" in listed and "Nadia Alaoui" in listed
    assert 'class="flash flash-success"' in listed  # created, and the link is on its way
    # the person receives a set-up link, chooses a password, and the account opens in Arabic
    assert [m["To"] for m in outbox] == ["nadia.alaoui@example.org"]
    link = re.search(r"/password/setup/\S+", outbox[0].get_content()).group(0)
    c = app.test_client()
    chosen = c.post_form(link, {"new_password": "cedre-bleu-77", "confirm": "cedre-bleu-77"})
    assert chosen.status_code == 303
    c, login = signed_in_client(app, "NADIA.alaoui@example.org", "cedre-bleu-77")
    assert login.status_code == 303
    assert HTML_AR in html_of(c.get("/"))


def test_the_user_page_sends_the_set_up_link_again_until_a_password_is_chosen(
    app, make, as_admin, outbox
):
    waiting = make.user("expert", email="waiting@example.org", password=None, locale="ar")
    page = html_of(as_admin.get(f"/admin/users/{waiting.id}"))
    resend = f'action="/admin/users/{waiting.id}/link"'
    assert resend in page
    sent = as_admin.post_form(f"/admin/users/{waiting.id}/link")
    assert sent.status_code == 303
    assert urlsplit(sent.headers["Location"]).path == f"/admin/users/{waiting.id}"
    again = as_admin.post_form(f"/admin/users/{waiting.id}/link")
    assert again.status_code == 303
    assert [m["To"] for m in outbox] == ["waiting@example.org"] * 2
    first, second = (re.search(r"/password/setup/\S+", m.get_content()).group(0) for m in outbox)
    assert str(outbox[0]["Subject"]) != "Your MRE Academy account"  # in Arabic
    c = app.test_client()
    assert c.get(first).status_code == 410  # the newer link replaced it
    assert c.get(second).status_code == 200
    assert c.post_form(second, {"new_password": "sable-dore-88", "confirm": "sable-dore-88"})
    # once the password is chosen, no more links: the button goes and a POST sends nothing
    assert resend not in html_of(as_admin.get(f"/admin/users/{waiting.id}"))
    refused = as_admin.post_form(f"/admin/users/{waiting.id}/link", follow_redirects=True)
    assert 'class="flash flash-error"' in html_of(refused)
    assert len(outbox) == 2
    has_password = make.user("trainee")
    assert f"/admin/users/{has_password.id}/link" not in html_of(
        as_admin.get(f"/admin/users/{has_password.id}")
    )
    assert as_admin.post_form("/admin/users/999999/link").status_code == 404


def test_trainers_and_trainees_cannot_send_set_up_links(app, make, as_trainer, outbox):
    waiting = make.user("trainee", password=None)
    assert as_trainer.post_form(f"/admin/users/{waiting.id}/link").status_code == 403
    assert outbox == []


def test_duplicate_email_in_another_case_is_refused(app, make, as_admin):
    make.user("trainee", email="amina.benali@example.org", name="Amina Benali")
    response = as_admin.post_form(
        "/admin/users/new", new_user_form(email="AMINA.Benali@EXAMPLE.org", name="Someone Else")
    )
    assert response.status_code == 200
    html = html_of(response)
    assert_field_error(html, "email")
    assert 'value="AMINA.Benali@EXAMPLE.org"' in html  # what was typed is kept
    assert count_users(app, email="amina.benali@example.org") == 1
    assert user_state(app, "amina.benali@example.org").name == "Amina Benali"
    with database(app) as s:
        assert (
            s.scalar(select(func.count()).select_from(User).where(User.name == "Someone Else")) == 0
        )


def test_expert_without_network_is_refused(app, as_admin):
    before = all_users(app)
    response = as_admin.post_form(
        "/admin/users/new",
        new_user_form(
            email="expert.nonet@example.org",
            name="No Network",
            roles=["expert"],
            network="",
            centre="",
        ),
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "network")
    assert user_state(app, "expert.nonet@example.org") is None
    assert all_users(app) == before
    # with a network it goes through
    response = as_admin.post_form(
        "/admin/users/new",
        new_user_form(
            email="expert.nonet@example.org",
            name="No Network",
            roles=["expert"],
            network="AEROMAC",
            centre="",
        ),
    )
    assert response.status_code == 303
    assert user_state(app, "expert.nonet@example.org").network == "AEROMAC"


def test_trainee_without_centre_is_refused(app, as_admin):
    response = as_admin.post_form(
        "/admin/users/new",
        new_user_form(email="trainee.nocentre@example.org", roles=["trainee"], centre=""),
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "centre")
    assert user_state(app, "trainee.nocentre@example.org") is None
    response = as_admin.post_form(
        "/admin/users/new",
        new_user_form(email="trainee.nocentre@example.org", roles=["trainee"], centre="NOWHERE"),
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "centre")
    assert user_state(app, "trainee.nocentre@example.org") is None


def test_account_without_role_is_refused(app, make, as_admin):
    make.centre()
    response = as_admin.post_form(
        "/admin/users/new", new_user_form(email="norole@example.org", roles=[])
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "roles")
    assert user_state(app, "norole@example.org") is None


def test_bidi_override_characters_are_dropped_from_names(app, make, as_admin):
    make.centre()
    response = as_admin.post_form(
        "/admin/users/new", new_user_form(email="bidi@example.org", name="\u202enimda")
    )
    assert response.status_code == 303
    user = user_state(app, "bidi@example.org")
    assert user.name == "nimda"
    response = as_admin.post_form(
        "/admin/users/new",
        new_user_form(email="bidi2@example.org", name="Ali\u2066 \u2067Admin\u2069\u200f"),
    )
    assert response.status_code == 303
    name = user_state(app, "bidi2@example.org").name
    assert not set(name) & {"\u202e", "\u2066", "\u2067", "\u2069", "\u200f"}
    assert name == "Ali Admin"
    assert "\u202e" not in html_of(as_admin.get("/admin/users"))


# -- editing accounts ---------------------------------------------------------------------


def test_admin_changes_roles_centre_and_locale(app, make, as_admin):
    make.centre("KENITRA", "Centre de Kénitra", "Kénitra")
    person = make.user("trainee", email="karim@example.org", name="Karim", centre="SALE")
    page = html_of(as_admin.get(f"/admin/users/{person.id}"))
    assert "karim@example.org" in page and 'value="Karim"' in page
    response = as_admin.post_form(
        f"/admin/users/{person.id}",
        edit_user_form(
            name="Karim Idrissi", roles=["trainer", "trainee"], centre="KENITRA", locale="ar"
        ),
    )
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/admin/users"
    user = user_state(app, "karim@example.org")
    assert user.name == "Karim Idrissi"
    assert user.roles == {"trainer", "trainee"}
    assert user.centre == "KENITRA" and user.locale == "ar" and user.active is True
    # and on to an expert of a network: the centre goes, the network comes
    response = as_admin.post_form(
        f"/admin/users/{person.id}",
        edit_user_form(
            name="Karim Idrissi", roles=["expert"], network="AMCN", centre="KENITRA", locale="fr"
        ),
    )
    assert response.status_code == 303
    user = user_state(app, "karim@example.org")
    assert user.roles == {"expert"} and user.network == "AMCN" and user.centre is None
    assert user.locale == "fr"
    # the edit page shows what is stored
    page = html_of(as_admin.get(f"/admin/users/{person.id}"))
    assert re.search(
        r'<input[^>]*checked[^>]*value="expert"|<input[^>]*value="expert"[^>]*checked', page
    )
    assert not re.search(r'<input[^>]*value="trainee"[^>]*checked', page)


def test_edit_refusals_leave_the_account_unchanged(app, make, as_admin):
    person = make.user("trainee", email="rachid@example.org", name="Rachid")
    before = user_state(app, "rachid@example.org")
    response = as_admin.post_form(
        f"/admin/users/{person.id}",
        edit_user_form(name="Rachid Changed", roles=["expert"], network=""),
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "network")
    assert user_state(app, "rachid@example.org") == before
    assert as_admin.post_form("/admin/users/999999", edit_user_form()).status_code == 404
    assert as_admin.get("/admin/users/999999").status_code == 404


def test_deactivated_user_cannot_sign_in_and_loses_its_open_session(app, make, as_admin):
    person = make.user("trainee", email="leila@example.org", name="Leila")
    theirs, login = signed_in_client(app, person.email)
    assert login.status_code == 303
    assert theirs.get("/account").status_code == 200
    response = as_admin.post_form(
        f"/admin/users/{person.id}",
        {k: v for k, v in edit_user_form(name="Leila").items() if k != "active"},
    )
    assert response.status_code == 303
    assert user_state(app, person.email).active is False
    # the browser already signed in is out
    assert_sign_in_redirect(theirs.get("/account"), "/account")
    # and a new sign-in is refused
    fresh, login = signed_in_client(app, person.email)
    assert login.status_code == 200
    assert_sign_in_redirect(fresh.get("/account"), "/account")
    # the list shows the account as deactivated (row still there)
    assert "leila@example.org" in html_of(as_admin.get("/admin/users"))
    # reactivated, the person gets in again
    assert (
        as_admin.post_form(f"/admin/users/{person.id}", edit_user_form(name="Leila")).status_code
        == 303
    )
    again, login = signed_in_client(app, person.email)
    assert login.status_code == 303


def test_admin_sets_a_new_password_in_the_edit_form(app, make, as_admin):
    person = make.user("trainee", email="omar@example.org", name="Omar")
    response = as_admin.post_form(
        f"/admin/users/{person.id}", edit_user_form(name="Omar", password="brand-new-pass-77")
    )
    assert response.status_code == 303
    _, old = signed_in_client(app, person.email, PASSWORD)
    assert old.status_code == 200  # the old password no longer works
    c, new = signed_in_client(app, person.email, "brand-new-pass-77")
    assert new.status_code == 303
    assert c.get("/account").status_code == 200
    # an empty password field keeps the password
    assert (
        as_admin.post_form(f"/admin/users/{person.id}", edit_user_form(name="Omar B")).status_code
        == 303
    )
    _, kept = signed_in_client(app, person.email, "brand-new-pass-77")
    assert kept.status_code == 303
    # a too short one is refused, and changes nothing
    response = as_admin.post_form(
        f"/admin/users/{person.id}", edit_user_form(name="Omar C", password="short")
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "password")
    assert user_state(app, person.email).name == "Omar B"


def test_admin_cannot_remove_its_own_admin_role(app, make, as_admin):
    make.centre()
    me = as_admin.user
    response = as_admin.post_form(
        f"/admin/users/{me.id}",
        edit_user_form(name="Still Admin", roles=["trainer"], centre="SALE"),
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "roles")
    state = user_state(app, me.email)
    assert state.roles == {"admin"} and state.name != "Still Admin" and state.active
    assert as_admin.get("/admin/users").status_code == 200


def test_admin_cannot_deactivate_itself(app, as_admin):
    me = as_admin.user
    data = {
        k: v
        for k, v in edit_user_form(name="Test Admin", roles=["admin"], centre="").items()
        if k != "active"
    }
    response = as_admin.post_form(f"/admin/users/{me.id}", data)
    assert response.status_code == 200
    assert_field_error(html_of(response), "roles")
    state = user_state(app, me.email)
    assert state.active is True and state.roles == {"admin"}
    assert as_admin.get("/admin/users").status_code == 200  # still signed in


def test_admin_may_edit_itself_while_keeping_admin(app, make, as_admin):
    make.centre()
    me = as_admin.user
    response = as_admin.post_form(
        f"/admin/users/{me.id}",
        edit_user_form(name="Chief Admin", roles=["admin", "trainer"], centre="SALE", locale="ar"),
    )
    assert response.status_code == 303
    state = user_state(app, me.email)
    assert state.name == "Chief Admin" and state.roles == {"admin", "trainer"}
    assert state.centre == "SALE" and state.locale == "ar"


# -- the list of accounts -----------------------------------------------------------------


def test_search_by_name_or_email_and_filter_by_role(app, make, as_admin):
    zineb = make.user("trainee", email="zineb.tazi@example.org", name="Zineb Tazi")
    youssef = make.user("trainer", email="youssef.amrani@example.org", name="Youssef Amrani")
    hind = make.user("expert", email="hind@example.org", name="Hind Experte", network="C3M")

    def listed(query: str) -> set[int]:
        response = as_admin.get(f"/admin/users?{query}")
        assert response.status_code == 200
        return set(user_rows(html_of(response)))

    assert listed("q=Tazi") == {zineb.id}
    assert listed("q=tazi") == {zineb.id}
    assert listed("q=amrani%40") == {youssef.id}
    assert listed("q=YOUSSEF.AMRANI") == {youssef.id}
    assert listed("q=example.org") >= {zineb.id, youssef.id, hind.id, as_admin.user.id}
    assert listed("q=nobody-like-this") == set()
    assert listed("role=expert") == {hind.id}
    assert listed("role=trainer") == {youssef.id}
    assert listed("role=admin") == {as_admin.user.id}
    assert listed("role=trainee&q=zineb") == {zineb.id}
    assert listed("role=trainer&q=zineb") == set()
    assert listed("role=not-a-role") == {zineb.id, youssef.id, hind.id, as_admin.user.id}
    html = html_of(as_admin.get("/admin/users?role=expert&q=hind"))
    assert re.search(r'<option value="expert"\s+selected', html)
    assert 'value="hind"' in html
    assert "C3M" in html  # the network column


def test_name_search_ignores_case_also_for_accented_capitals(make, as_admin):
    """French names often start with an accented capital: "éric" must find "Éric"."""
    elodie = make.user("trainee", email="e.martin@example.org", name="Élodie Martin")
    salma = make.user("trainee", email="s.idrissi@example.org", name="سلمى الإدريسي")
    for q in ("Élodie", "ÉLODIE", "élodie", "martin"):
        html = html_of(as_admin.get(f"/admin/users?q={q}"))
        assert user_rows(html) == [elodie.id], q
    assert user_rows(html_of(as_admin.get("/admin/users?q=سلمى"))) == [salma.id]


def test_pagination_fifty_per_page(app, as_admin):
    emails = add_users(app, 60)  # "Bulk 000".."Bulk 059" sort before "Test Admin"
    first = as_admin.get("/admin/users")
    assert first.status_code == 200
    html = html_of(first)
    rows = user_rows(html)
    assert len(rows) == 50 and len(set(rows)) == 50
    assert emails[0] in html and emails[49] in html and emails[50] not in html
    assert re.search(r'rel="next" href="/admin/users\?[^"]*page=2', html)
    second = as_admin.get("/admin/users?page=2")
    assert second.status_code == 200
    html2 = html_of(second)
    rows2 = user_rows(html2)
    assert len(rows2) == 11  # 10 bulk accounts + the admin
    assert not set(rows) & set(rows2)
    assert emails[59] in html2 and as_admin.user.email in html2 and emails[0] not in html2
    assert 'rel="prev"' in html2 and 'rel="next"' not in html2
    # a filter survives paging
    trainees = as_admin.get("/admin/users?role=trainee")
    html_t = html_of(trainees)
    assert len(user_rows(html_t)) == 40  # 20 trainees + 20 trainer-trainees
    assert 'rel="next"' not in html_t


def test_odd_page_numbers_never_break_the_list(as_admin):
    """Bad input gets an answer, never a 500 (DEVELOPERS.md): a typed or forged ?page= too."""
    for page in ("0", "-3", "abc", "100000", "99999999999999999999"):
        try:
            response = as_admin.get(f"/admin/users?page={page}")
        except Exception as exc:  # the test app lets errors through: in production, a 500
            pytest.fail(f"?page={page} raised {type(exc).__name__}: {str(exc)[:120]}")
        assert response.status_code < 500, page


def test_user_list_costs_the_same_number_of_queries_for_5_and_60_users(app, as_admin, queries):
    add_users(app, 5, prefix="few")
    as_admin.get("/admin/users")  # warm up
    with queries() as q:
        small = as_admin.get("/admin/users")
    assert small.status_code == 200 and len(user_rows(html_of(small))) == 6
    small_count = len(q)

    add_users(app, 55, prefix="many")
    as_admin.get("/admin/users")
    with queries() as q:
        big = as_admin.get("/admin/users")
    assert big.status_code == 200 and len(user_rows(html_of(big))) == 50
    assert len(q) == small_count, "\n".join(q)
    assert small_count <= 10


def test_script_in_a_name_is_shown_escaped(app, make, as_admin):
    payload = '"><script>alert(1)</script>'
    person = make.user("trainee", email="xss@example.org", name=f"Mallory {payload}")
    for url in (
        "/admin/users",
        f"/admin/users/{person.id}",
        "/admin/users?q=Mallory",
        f"/admin/users?q={payload}",
    ):
        html = html_of(as_admin.get(url))
        assert "<script>alert(1)" not in html, url
        assert '"><script' not in html, url
    listed = html_of(as_admin.get("/admin/users"))
    assert (
        "Mallory &#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in listed
        or "Mallory &quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;" in listed
    )
    # and in their own pages, where the menu shows their name
    theirs, login = signed_in_client(app, "xss@example.org")
    assert login.status_code == 303
    for url in ("/", "/account"):
        assert "<script>alert(1)" not in html_of(theirs.get(url)), url


# -- centres ------------------------------------------------------------------------------


def test_centre_create_normalises_the_code_and_refuses_duplicates(app, make, as_admin):
    make.centre("SALE", "Centre de Salé", "Salé")
    response = as_admin.post_form(
        "/admin/centres/new", {"code": " tanger-1 ", "name": "Centre de Tanger", "city": "Tanger"}
    )
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/admin/centres"
    rows = {code: (name, city) for _id, code, name, city in centre_rows(app)}
    assert rows["TANGER-1"] == ("Centre de Tanger", "Tanger")
    assert "tanger-1" not in rows
    listed = html_of(as_admin.get("/admin/centres"))
    assert "TANGER-1" in listed and "Centre de Tanger" in listed
    before = centre_rows(app)
    response = as_admin.post_form(
        "/admin/centres/new", {"code": "sale", "name": "Another Salé", "city": "Salé"}
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "code")
    assert centre_rows(app) == before
    response = as_admin.post_form(
        "/admin/centres/new", {"code": "bad code!", "name": "Bad", "city": "Bad"}
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "code")
    assert centre_rows(app) == before


def test_centre_edit(app, make, as_admin):
    sale = make.centre("SALE", "Centre de Salé", "Salé")
    make.centre("KENITRA", "Centre de Kénitra", "Kénitra")
    page = html_of(as_admin.get(f"/admin/centres/{sale.id}"))
    assert 'value="SALE"' in page and "Centre de Salé" in page
    response = as_admin.post_form(
        f"/admin/centres/{sale.id}", {"code": "sale-2", "name": "Centre de Salé II", "city": "Salé"}
    )
    assert response.status_code == 303
    row = [r for r in centre_rows(app) if r[0] == sale.id][0]
    assert row[1:] == ("SALE-2", "Centre de Salé II", "Salé")
    # keeping its own code is fine, taking another centre's is not
    assert (
        as_admin.post_form(
            f"/admin/centres/{sale.id}",
            {"code": "SALE-2", "name": "Centre de Salé", "city": "Salé"},
        ).status_code
        == 303
    )
    before = centre_rows(app)
    response = as_admin.post_form(
        f"/admin/centres/{sale.id}", {"code": "kenitra", "name": "Centre de Salé", "city": "Salé"}
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "code")
    assert centre_rows(app) == before
    assert as_admin.get("/admin/centres/999999").status_code == 404


# -- networks -----------------------------------------------------------------------------


def test_programme_networks_are_listed(as_admin):
    html = html_of(as_admin.get("/admin/networks?lang=ar"))
    assert HTML_AR in html
    for code in PROGRAMME_NETWORKS:
        assert f"<bdi>{code}</bdi>" in html, code
    assert "الشبكة الألمانية المغربية للكفاءات" in html  # DMK's Arabic name, from the data
    fr = html_of(as_admin.get("/admin/networks?lang=fr"))
    assert "réseau germano-marocain des compétences" in fr


def test_network_edit_arabic_name_and_domains(app, as_admin):
    dmk = network_state(app, "DMK")
    page = html_of(as_admin.get(f"/admin/networks/{dmk.id}"))
    assert 'value="DMK"' in page and 'value="DE"' in page
    assert dmk.name["ar"] in page
    new_ar = "الشبكة المغربية الألمانية للخبراء"
    response = as_admin.post_form(
        f"/admin/networks/{dmk.id}",
        {
            "code": "DMK",
            "name_fr": dmk.name["fr"],
            "name_ar": new_ar,
            "country": "de",
            "domains": ["automotive", "ai"],
        },
    )
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/admin/networks"
    after = network_state(app, "DMK")
    assert after.id == dmk.id
    assert after.name == {"fr": dmk.name["fr"], "ar": new_ar}
    assert sorted(after.domains) == ["ai", "automotive"]
    assert after.country == "DE"
    assert new_ar in html_of(as_admin.get("/admin/networks?lang=ar"))
    # no domain at all is refused
    before = network_rows(app)
    response = as_admin.post_form(
        f"/admin/networks/{dmk.id}",
        {"code": "DMK", "name_fr": "x", "name_ar": "y", "country": "DE"},
    )
    assert response.status_code == 200
    assert_field_error(html_of(response), "domains")
    assert network_rows(app) == before


@pytest.mark.parametrize("country", ["Germany", "D1", "DEU"])
def test_network_with_an_invalid_country_is_refused(app, as_admin, country):
    dmk = network_state(app, "DMK")
    before = network_rows(app)
    response = as_admin.post_form(
        f"/admin/networks/{dmk.id}",
        {
            "code": "DMK",
            "name_fr": dmk.name["fr"],
            "name_ar": "اسم جديد",
            "country": country,
            "domains": ["automotive"],
        },
    )
    assert response.status_code == 200
    assert 'id="country-error"' in html_of(response)
    assert network_rows(app) == before
    response = as_admin.post_form(
        "/admin/networks/new",
        {
            "code": "NEWNET",
            "name_fr": "Nouveau",
            "name_ar": "جديد",
            "country": country,
            "domains": ["health"],
        },
    )
    assert response.status_code == 200
    assert network_state(app, "NEWNET") is None


def test_new_network_is_created_and_listed(app, as_admin):
    response = as_admin.post_form(
        "/admin/networks/new",
        {
            "code": " mre-sante ",
            "name_fr": "Réseau MRE santé",
            "name_ar": "شبكة الصحة",
            "country": "",
            "domains": ["health", "elearning"],
        },
    )
    assert response.status_code == 303
    net = network_state(app, "MRE-SANTE")
    assert net is not None
    assert net.name == {"fr": "Réseau MRE santé", "ar": "شبكة الصحة"}
    assert net.country is None and sorted(net.domains) == ["elearning", "health"]
    html = html_of(as_admin.get("/admin/networks?lang=ar"))
    assert "<bdi>MRE-SANTE</bdi>" in html and "شبكة الصحة" in html
    assert len(network_rows(app)) == 6
    # its code cannot be taken twice; nor can a programme network's
    for code in ("mre-sante", "dmk"):
        response = as_admin.post_form(
            "/admin/networks/new",
            {
                "code": code,
                "name_fr": "Doublon",
                "name_ar": "مكرر",
                "country": "",
                "domains": ["ai"],
            },
        )
        assert response.status_code == 200
        assert_field_error(html_of(response), "code")
    assert len(network_rows(app)) == 6
    # the new network can take experts at once
    assert (
        as_admin.post_form(
            "/admin/users/new",
            new_user_form(
                email="sante.expert@example.org", roles=["expert"], network="MRE-SANTE", centre=""
            ),
        ).status_code
        == 303
    )
    assert user_state(app, "sante.expert@example.org").network == "MRE-SANTE"
    assert as_admin.get("/admin/networks/999999").status_code == 404


# -- the account page ---------------------------------------------------------------------


def test_account_page_changes_name_and_language(app, as_trainee):
    me = as_trainee.user
    page = as_trainee.get("/account?lang=fr")  # this browser has French remembered
    assert page.status_code == 200 and me.email in html_of(page) and HTML_FR in html_of(page)
    response = as_trainee.post_form("/account", {"name": "Salma \u202eEl Fassi", "locale": "ar"})
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/account"
    state = user_state(app, me.email)
    assert state.name == "Salma El Fassi" and state.locale == "ar"
    html = html_of(as_trainee.get("/account"))
    assert HTML_AR in html and "Salma El Fassi" in html
    assert HTML_AR in html_of(as_trainee.get("/"))
    # a new browser, after signing in, is in Arabic too (the preference is stored)
    fresh, login = signed_in_client(app, me.email)
    assert login.status_code == 303
    assert HTML_AR in html_of(fresh.get("/"))
    # a language that is not offered is refused
    response = as_trainee.post_form("/account", {"name": "Salma", "locale": "de"})
    assert response.status_code == 200
    assert user_state(app, me.email).locale == "ar"
    assert user_state(app, me.email).name == "Salma El Fassi"
    # an empty name is refused
    response = as_trainee.post_form("/account", {"name": " \u202e ", "locale": "fr"})
    assert response.status_code == 200
    assert user_state(app, me.email).name == "Salma El Fassi"


def test_api_token_is_shown_once_works_and_can_be_revoked(app, as_trainee):
    me = as_trainee.user
    response = as_trainee.post_form("/account/tokens", {"name": "my laptop"})
    assert response.status_code == 200
    html = html_of(response)
    found = re.findall(r"elearn_[A-Za-z0-9_-]{20,}", html)
    assert len(found) == 1
    plain = found[0]
    assert html.count(plain) == 1
    assert plain not in response.headers.get("Set-Cookie", "")
    api = app.test_client()
    bearer = {"Authorization": f"Bearer {plain}"}
    me_json = api.get("/api/v1/me", headers=bearer)
    assert me_json.status_code == 200
    assert me_json.json["email"] == me.email and me_json.json["roles"] == ["trainee"]
    # stored as a digest only
    with database(app) as s:
        token = s.scalar(select(AccessToken).where(AccessToken.user_id == me.id))
        assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
        assert token.prefix == plain[:11] and token.name == "my laptop"
        token_id = token.id
    # the page, reloaded, shows the prefix but not the token
    reloaded = html_of(as_trainee.get("/account"))
    assert plain not in reloaded
    assert f"{plain[:11]}…" in reloaded and "my laptop" in reloaded
    assert re.findall(r"elearn_[A-Za-z0-9_-]{20,}", reloaded) == []
    assert f'action="/account/tokens/{token_id}/revoke"' in reloaded
    # revoke it
    response = as_trainee.post_form(f"/account/tokens/{token_id}/revoke")
    assert response.status_code == 303
    assert urlsplit(response.headers["Location"]).path == "/account"
    assert api.get("/api/v1/me", headers=bearer).status_code == 401
    reloaded = html_of(as_trainee.get("/account"))
    assert f"/account/tokens/{token_id}/revoke" not in reloaded and plain[:11] not in reloaded
    with database(app) as s:
        assert s.get(AccessToken, token_id).revoked_at is not None


def test_token_without_a_name_is_not_created(app, as_trainee):
    response = as_trainee.post_form("/account/tokens", {"name": ""})
    assert response.status_code == 303
    with database(app) as s:
        assert s.scalar(select(func.count()).select_from(AccessToken)) == 0


def test_revoking_another_users_token_is_404(app, make, as_trainee):
    other = make.user("trainee", email="other@example.org")
    plain = make.token(other.email, "theirs")
    with database(app) as s:
        token_id = s.scalar(
            select(AccessToken.id).where(
                AccessToken.token_hash == hashlib.sha256(plain.encode()).hexdigest()
            )
        )
    assert as_trainee.post_form(f"/account/tokens/{token_id}/revoke").status_code == 404
    assert as_trainee.post_form("/account/tokens/999999/revoke").status_code == 404
    with database(app) as s:
        assert s.get(AccessToken, token_id).revoked_at is None
    api = app.test_client()
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {plain}"}).status_code == 200
    # and a GET does not revoke either
    assert as_trainee.get(f"/account/tokens/{token_id}/revoke").status_code == 405


# -- language -----------------------------------------------------------------------------


def test_query_language_is_rendered_and_remembered(client):
    ar = client.get("/?lang=ar")
    assert ar.status_code == 200 and HTML_AR in html_of(ar)
    assert HTML_AR in html_of(client.get("/"))
    assert HTML_AR in html_of(client.get("/login"))
    assert HTML_FR in html_of(client.get("/login?lang=fr"))
    assert HTML_FR in html_of(client.get("/"))
    # an unknown language changes nothing
    assert HTML_FR in html_of(client.get("/?lang=xx"))


def test_get_requests_never_change_the_stored_locale(app, as_trainee):
    me = as_trainee.user
    assert user_state(app, me.email).locale == "fr"
    for url in (
        "/?lang=ar",
        "/account?lang=ar",
        "/language?lang=ar",
        "/account/password?lang=ar",
        "/admin/users?lang=ar",
        "/language?lang=ar&next=/account",
    ):
        as_trainee.get(url)
        assert user_state(app, me.email).locale == "fr", url
    assert HTML_AR in html_of(as_trainee.get("/account"))  # remembered for this browser only
    fresh, _ = signed_in_client(app, me.email)
    assert HTML_FR in html_of(fresh.get("/"))


def test_posting_the_language_stores_it_for_a_signed_in_user(app, as_trainee):
    me = as_trainee.user
    response = as_trainee.post_form("/language", {"lang": "ar", "next": "/account"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    assert user_state(app, me.email).locale == "ar"
    assert HTML_AR in html_of(as_trainee.get("/account"))
    fresh, _ = signed_in_client(app, me.email)
    assert HTML_AR in html_of(fresh.get("/"))
    # an unsupported language is ignored
    response = as_trainee.post_form("/language", {"lang": "de", "next": "/account"})
    assert response.status_code == 200
    assert user_state(app, me.email).locale == "ar"


def test_anonymous_language_post_sets_only_the_session(app, make, client):
    make.user("trainee")
    before = all_users(app)
    response = client.post_form("/language", {"lang": "ar", "next": "/login"})
    assert response.status_code == 303 and response.headers["Location"] == "/login"
    assert HTML_AR in html_of(client.get("/login"))
    assert all_users(app) == before


@pytest.mark.parametrize(
    "target",
    ["//evil.com", "https://evil.com/x", "/\\evil.com", "\\\\evil.com", "javascript:alert(1)"],
)
def test_language_post_never_redirects_off_site(client, target):
    response = client.post_form("/language", {"lang": "fr", "next": target})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


# -- GETs write nothing -------------------------------------------------------------------


def test_no_admin_or_account_page_writes_on_get(app, make, as_admin, queries):
    person = make.user("expert", email="reader@example.org", network="ACOMS")
    make.user("trainee", email="learner@example.org")
    centre = make.centre("KENITRA", "Centre de Kénitra", "Kénitra")
    network = network_state(app, "AEROMAC")
    make.token(as_admin.user.email, "script")
    urls = [
        "/",
        "/account",
        "/account/password",
        "/language",
        "/language?next=/account",
        "/admin/users",
        "/admin/users?q=reader&role=expert&page=1",
        "/admin/users?page=2",
        "/admin/users/new",
        f"/admin/users/{person.id}",
        f"/admin/users/{as_admin.user.id}",
        "/admin/centres",
        "/admin/centres/new",
        f"/admin/centres/{centre.id}",
        "/admin/networks",
        "/admin/networks/new",
        f"/admin/networks/{network.id}",
    ]
    urls += [f"{u}{'&' if '?' in u else '?'}lang=ar" for u in urls]
    flushes: list[str] = []

    def on_flush(session, context):
        flushes.append(repr([*session.new, *session.dirty, *session.deleted]))

    sa.event.listen(Session, "after_flush", on_flush)
    try:
        with queries() as q:
            for url in urls:
                response = as_admin.get(url)
                assert response.status_code == 200, url
    finally:
        sa.event.remove(Session, "after_flush", on_flush)
    writes = [s for s in q if WRITE.match(s)]
    assert writes == []
    assert flushes == []
    assert len(q) > len(urls)  # the spy really saw the pages' reads
    assert user_state(app, as_admin.user.email).locale == "fr"
