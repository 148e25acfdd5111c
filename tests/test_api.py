"""The JSON API under /api/v1, as its clients see it: tokens, /me, users, networks, centres.

Every response the ``api`` client receives here is also checked for ``nosniff``.
"""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from elearn.accounts.models import DOMAINS, AccessToken, User
from elearn.core.db import utcnow
from elearn.extensions import db
from tests.harness import PASSWORD

V1 = "/api/v1"
PROGRAMME_NETWORKS = {"DMK", "AEROMAC", "C3M", "AMCN", "ACOMS"}
USER_FIELDS = {
    "id",
    "email",
    "name",
    "roles",
    "network",
    "centre",
    "locale",
    "active",
    "created_at",
}
TOKEN_INFO_FIELDS = {"id", "name", "prefix", "created_at", "last_used_at", "expires_at"}
NEW_PASSWORD = "a-brand-new-secret-7"


# -- fixtures and helpers -----------------------------------------------------------------


@pytest.fixture
def app_config(request):
    """Default settings; a test may pass its own with ``indirect=True`` parametrisation."""
    return getattr(request, "param", {})


@pytest.fixture
def api(api):
    """The conftest JSON client, checking ``nosniff`` on every single response."""
    call = api.call

    def checked(method, url, **kw):
        response = call(method, url, **kw)
        assert response.headers.get("X-Content-Type-Options") == "nosniff", (
            method,
            url,
            response.status,
            dict(response.headers),
        )
        return response

    api.call = checked
    return api


@pytest.fixture
def centres(make):
    make.centre("SALE", "Centre de Salé", "Salé")
    make.centre("KENITRA", "Centre de Kénitra", "Kénitra")


def assert_problem(response, status: int) -> dict:
    """A problem+json answer with this status; returns its body."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.mimetype == "application/problem+json", (response.mimetype, text)
    assert "Location" not in response.headers
    body = response.get_json()
    assert isinstance(body, dict), text
    assert body["status"] == status
    for key in ("type", "title", "detail"):
        assert isinstance(body.get(key), str) and body[key], (key, body)
    return body


def error_paths(body: dict) -> set[str]:
    return {e.get("path") for e in body.get("errors") or []}


def assert_utc_z(value: str) -> datetime:
    assert isinstance(value, str) and value.endswith("Z"), value
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.utcoffset() == timedelta(0)
    return parsed


def sha256_hex(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def new_token(api, user, name: str = "script") -> dict:
    response = api.post(
        f"{V1}/tokens", json={"email": user.email, "password": user.password, "name": name}
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def me(api, token):
    return api.get(f"{V1}/me", token=token)


def token_rows(app) -> list[dict]:
    with app.app_context():
        rows = db.session.execute(sa.select(AccessToken.__table__)).mappings().all()
        return [dict(r) for r in rows]


def set_token_expiry(app, plain: str, when: datetime) -> None:
    with app.app_context():
        token = db.session.scalar(
            sa.select(AccessToken).where(AccessToken.token_hash == sha256_hex(plain))
        )
        token.expires_at = when
        db.session.commit()


def user_roles(app, user_id: int) -> set[str]:
    with app.app_context():
        db.session.expire_all()
        return set(db.session.get(User, user_id).roles)


# -- tokens -------------------------------------------------------------------------------


def test_token_from_good_credentials_opens_me_and_is_stored_only_as_a_digest(app, api, make):
    user = make.user("expert", network="AEROMAC", locale="ar", email="Nadia.Expert@Example.org")
    before = datetime.now(UTC)
    response = api.post(
        f"{V1}/tokens",
        json={"email": "  NADIA.expert@example.ORG ", "password": PASSWORD, "name": "laptop"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body = response.get_json()
    assert set(body) == {"id", "token", "name", "expires_at"}
    assert isinstance(body["id"], int) and body["name"] == "laptop"
    expires = assert_utc_z(body["expires_at"])
    lifetime = timedelta(days=app.config["TOKEN_LIFETIME_DAYS"])
    assert before + lifetime - timedelta(minutes=1) <= expires <= datetime.now(UTC) + lifetime

    plain = body["token"]
    assert plain.startswith("elearn_")
    secret = plain[len("elearn_") :]
    assert len(secret) >= 43 and re.fullmatch(r"[A-Za-z0-9_-]+", secret)  # >= 32 random bytes

    response = me(api, plain)
    assert response.status_code == 200, response.get_data(as_text=True)
    got = response.get_json()
    assert {"email", "name", "roles", "network", "centre", "locale"} <= set(got)
    assert got["email"] == "nadia.expert@example.org"
    assert got["name"] == "Test Expert"
    assert got["roles"] == ["expert"]
    assert got["network"] == "AEROMAC" and got["centre"] is None
    assert got["locale"] == "ar"
    assert "password_hash" not in got and "password" not in got

    rows = token_rows(app)
    assert [r["id"] for r in rows] == [body["id"]]
    row = rows[0]
    assert row["user_id"] == user.id
    assert re.fullmatch(r"[0-9a-f]{64}", row["token_hash"])
    assert row["token_hash"] == sha256_hex(plain)
    for value in row.values():  # the secret part is nowhere in the row
        assert secret not in str(value) and secret[:16] not in str(value)

    other = new_token(api, user)["token"]
    assert other != plain and sha256_hex(other) != row["token_hash"]


def test_wrong_password_and_unknown_email_get_the_same_401(api, make):
    user = make.user("trainee")
    wrong = api.post(f"{V1}/tokens", json={"email": user.email, "password": "not-the-password"})
    unknown = api.post(
        f"{V1}/tokens", json={"email": "nobody@example.org", "password": "not-the-password"}
    )
    wrong_body = assert_problem(wrong, 401)
    unknown_body = assert_problem(unknown, 401)
    assert wrong_body == unknown_body
    assert wrong.headers["Content-Type"] == unknown.headers["Content-Type"]
    assert wrong.headers["Content-Type"].startswith("application/problem+json")
    assert "token" not in wrong_body


def test_inactive_account_gets_no_token(api, make):
    user = make.user("trainee", active=False)
    assert_problem(api.post(f"{V1}/tokens", json={"email": user.email, "password": PASSWORD}), 401)


def test_token_request_with_missing_fields_names_them(api):
    body = assert_problem(api.post(f"{V1}/tokens", json={"name": "x"}), 422)
    assert {"email", "password"} <= error_paths(body)


@pytest.mark.parametrize("app_config", [{"LOGIN_LIMIT_PER_ACCOUNT": "3 per minute"}], indirect=True)
def test_token_requests_are_rate_limited_per_account(api, make):
    owner = make.user("trainee")
    neighbour = make.user("trainee")
    statuses = [
        api.post(f"{V1}/tokens", json={"email": owner.email, "password": f"guess-{i}"}).status_code
        for i in range(3)
    ]
    assert statuses == [401, 401, 401]
    limited = api.post(f"{V1}/tokens", json={"email": owner.email, "password": "guess-4"})
    body = assert_problem(limited, 429)
    assert "per" not in body["detail"]  # our words, not the limiter's "3 per 1 minute"
    # the good password does not get through either while the account is limited,
    # nor does another spelling of the same e-mail
    assert_problem(api.post(f"{V1}/tokens", json={"email": owner.email, "password": PASSWORD}), 429)
    assert_problem(
        api.post(f"{V1}/tokens", json={"email": owner.email.upper(), "password": PASSWORD}), 429
    )
    # another person at the same centre (same IP) still gets a token
    token = new_token(api, neighbour)["token"]
    assert me(api, token).status_code == 200


def test_successful_token_requests_do_not_count_against_the_account(api, make):
    user = make.user("trainee")
    for _ in range(12):  # more than the default 10 failures per 10 minutes
        new_token(api, user)


def test_tokens_are_listed_without_secrets_and_revoked_by_their_owner(api, make):
    owner = make.user("trainer")
    stranger = make.user("trainee")
    first = new_token(api, owner, "first")
    second = new_token(api, owner, "second")
    foreign = new_token(api, stranger, "foreign")

    listing = api.get(f"{V1}/tokens", token=first["token"])
    assert listing.status_code == 200
    items = listing.get_json()
    assert {t["id"] for t in items} == {first["id"], second["id"]}
    text = listing.get_data(as_text=True)
    for item in items:
        assert set(item) == TOKEN_INFO_FIELDS
        assert_utc_z(item["created_at"])
        assert_utc_z(item["expires_at"])
        assert first["token"].startswith(item["prefix"]) or second["token"].startswith(
            item["prefix"]
        )
    for plain in (first["token"], second["token"]):
        assert plain not in text and plain[len("elearn_") :][:12] not in text

    # someone else's token id: 404 as if it did not exist, and it keeps working
    assert_problem(api.delete(f"{V1}/tokens/{foreign['id']}", token=first["token"]), 404)
    assert me(api, foreign["token"]).status_code == 200
    assert_problem(api.delete(f"{V1}/tokens/999999", token=first["token"]), 404)

    response = api.delete(f"{V1}/tokens/{second['id']}", token=first["token"])
    assert response.status_code == 204 and response.get_data() == b""
    assert_problem(me(api, second["token"]), 401)
    assert me(api, first["token"]).status_code == 200
    remaining = api.get(f"{V1}/tokens", token=first["token"]).get_json()
    assert [t["id"] for t in remaining] == [first["id"]]

    # revoking the token in use ends it too
    assert api.delete(f"{V1}/tokens/{first['id']}", token=first["token"]).status_code == 204
    assert_problem(me(api, first["token"]), 401)


def test_listing_and_revoking_tokens_needs_authentication(api, make):
    user = make.user("trainee")
    token = new_token(api, user)
    assert_problem(api.get(f"{V1}/tokens"), 401)
    assert_problem(api.delete(f"{V1}/tokens/{token['id']}"), 401)
    assert me(api, token["token"]).status_code == 200


@pytest.mark.parametrize("param", ["access_token", "token", "api_key"])
def test_a_token_in_the_query_string_is_refused(api, make, param):
    user = make.user("trainee")
    plain = make.token(user.email)
    assert me(api, plain).status_code == 200
    assert_problem(api.get(f"{V1}/me?{param}={plain}"), 401)
    # refused even alongside a valid header: the URL has leaked it to logs already
    assert_problem(api.get(f"{V1}/me?{param}={plain}", token=plain), 401)


@pytest.mark.parametrize(
    "header",
    [
        "Bearer elearn_not-a-real-token-0000000000000000000000000000",
        "Bearer not-even-prefixed",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
    ],
)
def test_bad_authorization_headers_are_401_with_a_bearer_challenge(api, header):
    response = api.get(f"{V1}/me", headers={"Authorization": header})
    assert_problem(response, 401)
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_an_expired_token_is_refused(app, api, make):
    user = make.user("trainee")
    expired = make.token(user.email)
    live = make.token(user.email, name="live")
    assert me(api, expired).status_code == 200
    set_token_expiry(app, expired, utcnow() - timedelta(seconds=1))
    assert_problem(me(api, expired), 401)
    assert me(api, live).status_code == 200
    assert [t["name"] for t in api.get(f"{V1}/tokens", token=live).get_json()] == ["live"]


def test_a_deactivated_users_token_is_refused(app, api, make):
    user = make.user("trainer")
    plain = make.token(user.email)
    assert me(api, plain).status_code == 200
    with app.app_context():
        db.session.get(User, user.id).active = False
        db.session.commit()
    assert_problem(me(api, plain), 401)
    assert_problem(api.patch(f"{V1}/me", token=plain, json={"name": "Back again"}), 401)


# -- /me ----------------------------------------------------------------------------------


def test_me_needs_authentication(api):
    response = api.get(f"{V1}/me")
    assert_problem(response, 401)
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_patch_me_changes_name_and_locale(api, make):
    user = make.user("trainee", locale="fr")
    plain = make.token(user.email)
    response = api.patch(
        f"{V1}/me", token=plain, json={"name": "  Amina   Benali ", "locale": "ar"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["name"] == "Amina Benali" and body["locale"] == "ar"
    again = me(api, plain).get_json()
    assert again["name"] == "Amina Benali" and again["locale"] == "ar"
    assert again["roles"] == ["trainee"] and again["centre"] == "SALE"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"locale": "en"}, "locale"),
        ({"name": ""}, "name"),
        ({"name": 42}, "name"),
        ({"name": "x" * 121}, "name"),
    ],
)
def test_patch_me_refuses_invalid_values(api, make, change, field):
    user = make.user("trainee")
    plain = make.token(user.email)
    body = assert_problem(api.patch(f"{V1}/me", token=plain, json=change), 422)
    assert field in error_paths(body)
    after = me(api, plain).get_json()
    assert after["name"] == "Test Trainee" and after["locale"] == "fr"


@pytest.mark.parametrize(
    "change, field",
    [
        ({"role": "admin"}, "role"),
        ({"roles": ["admin"]}, "roles"),
        ({"roles": ["admin", "trainee"]}, "roles"),
        ({"email": "someone.else@example.org"}, "email"),
        ({"network": "DMK"}, "network"),
        ({"centre": "KENITRA"}, "centre"),
        ({"active": True}, "active"),
        ({"id": 1}, "id"),
    ],
)
def test_patch_me_refuses_fields_the_owner_may_not_change(app, api, make, centres, change, field):
    user = make.user("trainee")
    plain = make.token(user.email)
    body = assert_problem(
        api.patch(f"{V1}/me", token=plain, json={"name": "Sneaky Rename", **change}), 422
    )
    assert field in error_paths(body), body
    after = me(api, plain).get_json()
    assert after["roles"] == ["trainee"]
    assert after["email"] == user.email
    assert after["centre"] == "SALE" and after["network"] is None
    assert after["name"] == "Test Trainee"  # nothing of a refused request is applied
    assert user_roles(app, user.id) == {"trainee"}


def test_password_change_needs_the_current_password(api, make):
    user = make.user("trainee")
    plain = make.token(user.email)
    missing = assert_problem(
        api.patch(f"{V1}/me", token=plain, json={"password": NEW_PASSWORD}), 422
    )
    assert "current_password" in error_paths(missing)
    wrong = assert_problem(
        api.patch(
            f"{V1}/me",
            token=plain,
            json={"password": NEW_PASSWORD, "current_password": "not-my-password"},
        ),
        422,
    )
    assert "current_password" in error_paths(wrong)
    # nothing changed: the old password still works, the new one does not
    assert (
        api.post(f"{V1}/tokens", json={"email": user.email, "password": PASSWORD}).status_code
        == 201
    )
    assert_problem(
        api.post(f"{V1}/tokens", json={"email": user.email, "password": NEW_PASSWORD}), 401
    )


def test_too_short_new_password_is_refused(api, make):
    user = make.user("trainee")
    plain = make.token(user.email)
    body = assert_problem(
        api.patch(
            f"{V1}/me", token=plain, json={"password": "short", "current_password": PASSWORD}
        ),
        422,
    )
    assert "password" in error_paths(body)
    assert (
        api.post(f"{V1}/tokens", json={"email": user.email, "password": PASSWORD}).status_code
        == 201
    )


def test_password_change_keeps_this_token_and_revokes_the_others(app, api, make, client):
    user = make.user("trainee")
    current = make.token(user.email, name="current")
    other = make.token(user.email, name="other")
    assert client.login(user.email).status_code == 303
    assert client.get(f"{V1}/me").status_code == 200

    response = api.patch(
        f"{V1}/me", token=current, json={"password": NEW_PASSWORD, "current_password": PASSWORD}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "password" not in response.get_json()

    assert me(api, current).status_code == 200
    assert_problem(me(api, other), 401)
    assert_problem(client.get(f"{V1}/me"), 401)  # browser sessions end too
    assert [t["name"] for t in api.get(f"{V1}/tokens", token=current).get_json()] == ["current"]
    assert_problem(api.post(f"{V1}/tokens", json={"email": user.email, "password": PASSWORD}), 401)
    assert (
        api.post(f"{V1}/tokens", json={"email": user.email, "password": NEW_PASSWORD}).status_code
        == 201
    )


# -- users --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "payload, expected",
    [
        ({"roles": ["admin"]}, {"roles": ["admin"], "network": None, "centre": None}),
        (
            {"roles": ["expert"], "network": "c3m"},
            {"roles": ["expert"], "network": "C3M", "centre": None},
        ),
        (
            {"roles": ["trainer"], "centre": "kenitra"},
            {"roles": ["trainer"], "network": None, "centre": "KENITRA"},
        ),
        (
            {"roles": ["trainee"], "centre": "SALE", "locale": "ar"},
            {"roles": ["trainee"], "network": None, "centre": "SALE", "locale": "ar"},
        ),
        (
            {"roles": ["trainer", "expert"], "network": "DMK", "centre": "SALE"},
            {"roles": ["expert", "trainer"], "network": "DMK", "centre": "SALE"},
        ),
    ],
)
def test_admin_creates_users_of_any_role(api, make, centres, payload, expected):
    admin = make.user("admin")
    token = make.token(admin.email)
    response = api.post(
        f"{V1}/users",
        token=token,
        json={
            "email": "New.Person@Example.org",
            "name": "New Person",
            "password": NEW_PASSWORD,
            **payload,
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert set(body) == USER_FIELDS
    assert isinstance(body["id"], int)
    assert body["email"] == "new.person@example.org" and body["name"] == "New Person"
    assert body["active"] is True
    assert body["locale"] == expected.get("locale", "fr")
    for key in ("roles", "network", "centre"):
        assert body[key] == expected[key], key
    assert_utc_z(body["created_at"])

    # the new account exists for real and signs in with the password it was given
    plain = api.post(
        f"{V1}/tokens", json={"email": "new.person@example.org", "password": NEW_PASSWORD}
    ).get_json()["token"]
    mine = me(api, plain).get_json()
    assert {k: mine[k] for k in ("email", "roles", "network", "centre")} == {
        k: body[k] for k in ("email", "roles", "network", "centre")
    }


def test_an_account_created_without_a_password_gets_a_set_up_link(app, api, make, outbox):
    """The contract keeps ``password`` optional; without it the person chooses their own
    from a one-time link, as after the admin's form."""
    make.centre()
    trainer = make.token(make.user("trainer").email)
    admin = make.token(make.user("admin").email)
    made = api.post(
        f"{V1}/users",
        token=trainer,
        json={
            "email": "Linked@ofppt.example",
            "name": "Linked",
            "roles": ["trainee"],
            "centre": "SALE",
            "locale": "ar",
        },
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    with_password = api.post(
        f"{V1}/users",
        token=admin,
        json={
            "email": "typed@ofppt.example",
            "name": "Typed",
            "roles": ["admin"],
            "password": NEW_PASSWORD,
        },
    )
    assert with_password.status_code == 201
    assert [m["To"] for m in outbox] == ["linked@ofppt.example"]  # none for the typed one
    link = re.search(r"/password/setup/\S+", outbox[0].get_content()).group(0)
    browser = app.test_client()
    chosen = browser.post_form(
        link, {"new_password": "olivier-vert-31", "confirm": "olivier-vert-31"}
    )
    assert chosen.status_code == 303
    token = api.post(
        f"{V1}/tokens", json={"email": "linked@ofppt.example", "password": "olivier-vert-31"}
    )
    assert token.status_code == 201


@pytest.mark.parametrize(
    "payload, field",
    [
        ({"email": "TAKEN@example.ORG", "roles": ["trainee"], "centre": "SALE"}, "email"),
        ({"roles": ["expert"]}, "network"),
        ({"roles": ["expert"], "network": "NOPE"}, "network"),
        ({"roles": ["trainee"]}, "centre"),
        ({"roles": ["trainee"], "centre": "ATLANTIS"}, "centre"),
        ({"roles": ["superuser"]}, "roles"),
        ({"roles": []}, "roles"),
        ({"roles": ["trainee"], "centre": "SALE", "email": "not-an-email"}, "email"),
        ({"roles": ["trainee"], "centre": "SALE", "locale": "en"}, "locale"),
        ({"roles": ["trainee"], "centre": "SALE", "password": "short"}, "password"),
        ({"roles": ["trainee"], "centre": "SALE", "name": ""}, "name"),
    ],
)
def test_admin_create_user_refuses_bad_input_naming_the_field(api, make, centres, payload, field):
    admin = make.user("admin")
    make.user("trainee", email="taken@example.org")
    token = make.token(admin.email)
    before = api.get(f"{V1}/users", token=token).get_json()["total"]
    body = assert_problem(
        api.post(
            f"{V1}/users",
            token=token,
            json={"email": "fresh@example.org", "name": "Fresh", **payload},
        ),
        422,
    )
    assert any(p == field or p.startswith(f"{field}.") for p in error_paths(body)), body
    assert api.get(f"{V1}/users", token=token).get_json()["total"] == before


def test_create_user_needs_name_email_and_roles(api, make):
    token = make.token(make.user("admin").email)
    body = assert_problem(api.post(f"{V1}/users", token=token, json={}), 422)
    assert {"email", "name", "roles"} <= error_paths(body)


def test_trainer_creates_trainees_of_their_own_centre_only(api, make, centres):
    trainer = make.user("trainer", centre="SALE")
    token = make.token(trainer.email)
    response = api.post(
        f"{V1}/users",
        token=token,
        json={
            "email": "recruit@example.org",
            "name": "Recruit",
            "roles": ["trainee"],
            "centre": "SALE",
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["centre"] == "SALE"
    assert response.get_json()["roles"] == ["trainee"]

    for payload in (
        {"roles": ["trainee"], "centre": "KENITRA"},
        {"roles": ["expert"], "network": "DMK"},
        {"roles": ["trainer"], "centre": "SALE"},
        {"roles": ["trainee", "trainer"], "centre": "SALE"},
        {"roles": ["admin"]},
    ):
        assert_problem(
            api.post(
                f"{V1}/users",
                token=token,
                json={"email": "other@example.org", "name": "Other", **payload},
            ),
            403,
        )
    listed = api.get(f"{V1}/users", token=token).get_json()
    assert [u["email"] for u in listed["items"]] == ["recruit@example.org"]


@pytest.mark.parametrize("role", ["trainee", "expert"])
def test_create_user_is_forbidden_to_trainees_and_experts(api, make, centres, role):
    token = make.token(make.user(role).email)
    response = api.post(
        f"{V1}/users",
        token=token,
        json={"email": "x@example.org", "name": "X", "roles": ["trainee"], "centre": "SALE"},
    )
    assert_problem(response, 403)


@pytest.mark.parametrize(
    "payload",
    [
        {"roles": ["trainee"], "centre": "ATLANTIS"},
        {"roles": ["expert"], "network": "NOPE"},
        {"roles": ["expert"]},
    ],
)
def test_a_caller_who_may_not_create_users_gets_403_whatever_the_body_names(api, make, payload):
    """Authenticated but not allowed is 403: no validation advice for a request that could
    never succeed."""
    token = make.token(make.user("trainee").email)
    response = api.post(
        f"{V1}/users", token=token, json={"email": "x@example.org", "name": "X", **payload}
    )
    assert_problem(response, 403)


def test_create_user_anonymously_is_401(api, make):
    make.centre("SALE")
    response = api.post(
        f"{V1}/users",
        json={"email": "x@example.org", "name": "X", "roles": ["trainee"], "centre": "SALE"},
    )
    assert_problem(response, 401)
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer")


def test_admin_lists_every_user_in_pages(api, make, centres):
    admin = make.user("admin")
    others = [
        make.user("trainee"),
        make.user("expert", network="DMK"),
        make.user("trainer", centre="KENITRA"),
        make.user("trainee", centre="KENITRA"),
    ]
    token = make.token(admin.email)
    response = api.get(f"{V1}/users", token=token)
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) >= {"items", "total", "page", "per_page"}
    assert body["total"] == 5 and body["page"] == 1 and body["per_page"] == 50
    assert {u["email"] for u in body["items"]} == {u.email for u in [admin, *others]}
    for item in body["items"]:
        assert set(item) == USER_FIELDS

    pages = [
        api.get(f"{V1}/users?per_page=2&page={n}", token=token).get_json() for n in (1, 2, 3, 4)
    ]
    assert [len(p["items"]) for p in pages] == [2, 2, 1, 0]
    assert all(p["total"] == 5 and p["per_page"] == 2 for p in pages)
    assert pages[1]["page"] == 2
    seen = [u["id"] for p in pages for u in p["items"]]
    assert sorted(seen) == sorted(u["id"] for u in body["items"])  # no overlap, no gap


@pytest.mark.parametrize(
    "query, field",
    [
        ("per_page=500", "per_page"),
        ("per_page=0", "per_page"),
        ("page=0", "page"),
        ("page=abc", "page"),
        ("role=superuser", "role"),
    ],
)
def test_bad_paging_or_filter_is_422(api, make, query, field):
    token = make.token(make.user("admin").email)
    body = assert_problem(api.get(f"{V1}/users?{query}", token=token), 422)
    assert field in error_paths(body)


def test_trainer_lists_only_trainees_of_their_centre(api, make, centres):
    trainer = make.user("trainer", centre="SALE")
    mine = {make.user("trainee", centre="SALE").email, make.user("trainee", centre="SALE").email}
    stranger = make.user("trainee", centre="KENITRA")
    make.user("trainer", centre="SALE")
    make.user("expert")
    make.user("admin")
    token = make.token(trainer.email)
    body = api.get(f"{V1}/users", token=token).get_json()
    assert body["total"] == 2
    assert {u["email"] for u in body["items"]} == mine
    assert_problem(api.get(f"{V1}/users/{stranger.id}", token=token), 404)


@pytest.mark.parametrize("role", ["trainee", "expert"])
def test_listing_users_is_forbidden_to_trainees_and_experts(api, make, role):
    token = make.token(make.user(role).email)
    assert_problem(api.get(f"{V1}/users", token=token), 403)


def test_listing_users_costs_a_constant_number_of_queries(api, make, queries, centres):
    admin = make.user("admin")
    token = make.token(admin.email)

    def add(n):
        for i in range(n):
            kind = i % 4
            if kind == 0:
                make.user("expert", network=("DMK", "C3M", "AMCN")[i % 3])
            elif kind == 1:
                make.user("trainer", centre=("SALE", "KENITRA")[i % 2])
            elif kind == 2:
                make.user(roles=["trainee", "trainer"], centre="KENITRA")
            else:
                make.user("trainee")

    def count() -> tuple[int, int]:
        with queries() as q:
            response = api.get(f"{V1}/users?per_page=100", token=token)
        assert response.status_code == 200
        return len(q), len(response.get_json()["items"])

    add(4)
    api.get(f"{V1}/me", token=token)  # the token's first use records last_used_at
    small, n_small = count()
    add(25)
    large, n_large = count()
    assert (n_small, n_large) == (5, 30)
    assert small == large, f"{small} queries for 5 users, {large} for 30"
    assert large <= 8


def test_admin_changes_roles_and_placement(api, make, centres):
    admin = make.user("admin")
    user = make.user("trainee", centre="SALE")
    token = make.token(admin.email)
    user_token = make.token(user.email)

    response = api.patch(f"{V1}/users/{user.id}", token=token, json={"roles": ["trainer"]})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["roles"] == ["trainer"]
    assert response.get_json()["centre"] == "SALE"
    assert me(api, user_token).get_json()["roles"] == ["trainer"]

    body = assert_problem(
        api.patch(f"{V1}/users/{user.id}", token=token, json={"roles": ["expert"]}), 422
    )
    assert "network" in error_paths(body)
    response = api.patch(
        f"{V1}/users/{user.id}", token=token, json={"roles": ["expert"], "network": "AMCN"}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["roles"] == ["expert"]
    assert response.get_json()["network"] == "AMCN" and response.get_json()["centre"] is None

    assert_problem(api.patch(f"{V1}/users/999999", token=token, json={"name": "Ghost"}), 404)
    body = assert_problem(
        api.patch(f"{V1}/users/{user.id}", token=token, json={"roles": ["wizard"]}), 422
    )
    assert any(p.startswith("roles") for p in error_paths(body))


@pytest.mark.parametrize("change", [{"roles": ["expert"], "network": "DMK"}, {"active": False}])
def test_admin_cannot_remove_their_own_admin_role_or_deactivate_themself(app, api, make, change):
    admin = make.user("admin")
    token = make.token(admin.email)
    body = assert_problem(api.patch(f"{V1}/users/{admin.id}", token=token, json=change), 422)
    assert error_paths(body)
    assert user_roles(app, admin.id) == {"admin"}
    assert me(api, token).get_json()["roles"] == ["admin"]


@pytest.mark.parametrize("role", ["trainer", "trainee", "expert"])
def test_only_admins_patch_users(app, api, make, role):
    actor = make.user(role)
    target = make.user("trainee")
    token = make.token(actor.email)
    assert_problem(
        api.patch(f"{V1}/users/{target.id}", token=token, json={"roles": ["admin"]}), 403
    )
    assert_problem(api.patch(f"{V1}/users/{actor.id}", token=token, json={"roles": ["admin"]}), 403)
    assert user_roles(app, target.id) == {"trainee"}
    assert user_roles(app, actor.id) == {role}


def test_deactivating_a_user_ends_their_token_and_reactivating_restores_it(api, make):
    admin = make.user("admin")
    user = make.user("trainee")
    token = make.token(admin.email)
    user_token = make.token(user.email)
    assert me(api, user_token).status_code == 200
    response = api.patch(f"{V1}/users/{user.id}", token=token, json={"active": False})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert_problem(me(api, user_token), 401)
    assert_problem(api.post(f"{V1}/tokens", json={"email": user.email, "password": PASSWORD}), 401)
    response = api.patch(f"{V1}/users/{user.id}", token=token, json={"active": True})
    assert response.status_code == 200
    assert me(api, user_token).status_code == 200


# -- networks and centres -----------------------------------------------------------------


def test_networks_are_the_five_programme_networks(api, make):
    token = make.token(make.user("trainee").email)
    response = api.get(f"{V1}/networks", token=token)
    assert response.status_code == 200
    body = response.get_json()
    assert body["total"] == 5
    assert {n["code"] for n in body["items"]} == PROGRAMME_NETWORKS
    for network in body["items"]:
        assert set(network["name"]) == {"fr", "ar"}
        assert all(isinstance(v, str) and v.strip() for v in network["name"].values())
        assert re.search(r"[\u0600-\u06FF]", network["name"]["ar"])  # really Arabic
        assert network["domains"] and set(network["domains"]) <= set(DOMAINS)
    assert_problem(api.get(f"{V1}/networks"), 401)


def test_centres_are_listed_with_code_name_and_city(api, make, centres):
    token = make.token(make.user("expert").email)
    body = api.get(f"{V1}/centres", token=token).get_json()
    assert body["total"] == 2
    assert {c["code"]: (c["name"], c["city"]) for c in body["items"]} == {
        "SALE": ("Centre de Salé", "Salé"),
        "KENITRA": ("Centre de Kénitra", "Kénitra"),
    }
    assert_problem(api.get(f"{V1}/centres"), 401)


def test_admin_adds_a_centre_and_a_duplicate_code_is_422(api, make, centres):
    token = make.token(make.user("admin").email)
    response = api.post(
        f"{V1}/centres",
        token=token,
        json={"code": "rabat-1", "name": "ISTA Rabat", "city": "Rabat"},
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json() == {
        "code": "RABAT-1",
        "name": "ISTA Rabat",
        "name_ar": "",  # none given: pages show the French name
        "city": "Rabat",
    }
    codes = {c["code"] for c in api.get(f"{V1}/centres", token=token).get_json()["items"]}
    assert codes == {"SALE", "KENITRA", "RABAT-1"}

    body = assert_problem(
        api.post(
            f"{V1}/centres",
            token=token,
            json={"code": "Rabat-1", "name": "Another", "city": "Rabat"},
        ),
        422,
    )
    assert "code" in error_paths(body)
    body = assert_problem(
        api.post(f"{V1}/centres", token=token, json={"code": "FES", "name": "ISTA Fès"}), 422
    )
    assert "city" in error_paths(body)
    body = assert_problem(
        api.post(
            f"{V1}/centres", token=token, json={"code": "bad code!", "name": "X", "city": "Y"}
        ),
        422,
    )
    assert "code" in error_paths(body)
    assert api.get(f"{V1}/centres", token=token).get_json()["total"] == 3


@pytest.mark.parametrize("role", ["trainer", "trainee", "expert"])
def test_only_admins_add_centres_and_networks(api, make, role):
    token = make.token(make.user(role).email)
    assert_problem(
        api.post(
            f"{V1}/centres",
            token=token,
            json={"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"},
        ),
        403,
    )
    assert_problem(
        api.post(
            f"{V1}/networks",
            token=token,
            json={"code": "NEW", "name": {"fr": "Nouveau", "ar": "جديد"}, "domains": ["ai"]},
        ),
        403,
    )
    assert api.get(f"{V1}/networks", token=token).get_json()["total"] == 5
    assert_problem(
        api.post(f"{V1}/centres", json={"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"}),
        401,
    )
    assert_problem(
        api.post(
            f"{V1}/networks",
            json={"code": "NEW", "name": {"fr": "Nouveau", "ar": "جديد"}, "domains": ["ai"]},
        ),
        401,
    )


def test_admin_adds_a_network(api, make):
    token = make.token(make.user("admin").email)
    response = api.post(
        f"{V1}/networks",
        token=token,
        json={
            "code": "medx",
            "name": {"fr": "Experts santé", "ar": "خبراء الصحة"},
            "country": "de",
            "domains": ["health", "ai"],
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json() == {
        "code": "MEDX",
        "name": {"fr": "Experts santé", "ar": "خبراء الصحة"},
        "country": "DE",
        "domains": ["health", "ai"],
        "required_signoffs": [],
    }
    listed = api.get(f"{V1}/networks", token=token).get_json()
    assert listed["total"] == 6 and "MEDX" in {n["code"] for n in listed["items"]}

    for payload, field in (
        (
            {"code": "dmk", "name": {"fr": "a", "ar": "b"}, "country": "FR", "domains": ["ai"]},
            "code",
        ),
        (
            {"code": "X1", "name": {"fr": "a", "ar": "b"}, "country": "FR", "domains": ["cooking"]},
            "domains",
        ),
        ({"code": "X2", "name": {"fr": "a", "ar": "b"}, "country": "FR"}, "domains"),
        (
            {"code": "X3", "name": {"fr": "a", "ar": "b"}, "country": "FRA", "domains": ["ai"]},
            "country",
        ),
        (
            {
                "code": "X4",
                "name": {"fr": "a", "ar": "b"},
                "country": "FR",
                "domains": ["ai"],
                "colour": "red",
            },
            "colour",
        ),
    ):
        body = assert_problem(api.post(f"{V1}/networks", token=token, json=payload), 422)
        assert any(p.startswith(field) for p in error_paths(body)), body
    assert api.get(f"{V1}/networks", token=token).get_json()["total"] == 6


def test_a_network_without_a_country_is_accepted(api, make):
    """``country`` is optional in the schema (a network need not work from one country)."""
    token = make.token(make.user("admin").email)
    response = api.post(
        f"{V1}/networks",
        token=token,
        json={
            "code": "GLOBAL",
            "name": {"fr": "Réseau mondial", "ar": "شبكة عالمية"},
            "domains": ["ai"],
        },
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.get_json()["country"] is None
    assert api.get(f"{V1}/networks", token=token).get_json()["total"] == 6


# -- cookie sessions ----------------------------------------------------------------------


def test_signed_in_browser_reads_me_with_its_cookie(as_trainee):
    response = as_trainee.get(f"{V1}/me")
    assert response.status_code == 200
    assert response.get_json()["email"] == as_trainee.user.email


def test_cookie_writes_need_the_csrf_header(as_trainee):
    refused = as_trainee.patch(f"{V1}/me", json={"name": "Forged Name"})
    assert_problem(refused, 403)
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    forged = as_trainee.patch(
        f"{V1}/me", json={"name": "Forged Name"}, headers={"X-CSRFToken": "not-the-token"}
    )
    assert_problem(forged, 403)
    assert as_trainee.get(f"{V1}/me").get_json()["name"] == "Test Trainee"

    response = as_trainee.patch(
        f"{V1}/me", json={"name": "Real Name"}, headers={"X-CSRFToken": as_trainee.csrf_token()}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["name"] == "Real Name"
    assert as_trainee.get(f"{V1}/me").get_json()["name"] == "Real Name"


def test_cookie_csrf_guard_covers_every_api_write(as_admin):
    for method, url, body in (
        ("POST", f"{V1}/users", {"email": "x@example.org", "name": "X", "roles": ["admin"]}),
        ("POST", f"{V1}/centres", {"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"}),
        ("PATCH", f"{V1}/users/{as_admin.user.id}", {"name": "Renamed"}),
        ("DELETE", f"{V1}/tokens/1", None),
    ):
        assert_problem(as_admin.open(url, method=method, json=body), 403)
    users = as_admin.get(f"{V1}/users").get_json()
    assert users["total"] == 1 and users["items"][0]["name"] == "Test Admin"


def test_password_change_from_the_browser_keeps_its_session(as_trainee):
    response = as_trainee.patch(
        f"{V1}/me",
        json={"password": NEW_PASSWORD, "current_password": PASSWORD},
        headers={"X-CSRFToken": as_trainee.csrf_token()},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert as_trainee.get(f"{V1}/me").status_code == 200


# -- errors -------------------------------------------------------------------------------


def test_unknown_api_path_is_a_404_problem(api, make):
    assert_problem(api.get(f"{V1}/no-such-thing"), 404)
    token = make.token(make.user("admin").email)
    assert_problem(api.get(f"{V1}/no-such-thing", token=token), 404)
    assert_problem(api.get(f"{V1}/users/999999", token=token), 404)


@pytest.mark.parametrize(
    "method, path",
    [
        ("DELETE", "/me"),
        ("PUT", "/tokens"),
        ("DELETE", "/networks"),
        ("GET", "/tokens/1"),
    ],
)
def test_wrong_method_is_a_405_problem(api, make, method, path):
    token = make.token(make.user("admin").email)
    response = api.call(method, f"{V1}{path}", token=token)
    assert_problem(response, 405)
    assert response.headers.get("Allow")


def test_invalid_json_is_a_400_problem(api, make):
    response = api.post(
        f"{V1}/tokens",
        data='{"email": "a@example.org", "password": ',
        content_type="application/json",
    )
    assert_problem(response, 400)
    token = make.token(make.user("trainee").email)
    response = api.patch(
        f"{V1}/me", token=token, data="{name: 'single quotes'}", content_type="application/json"
    )
    assert_problem(response, 400)
    response = api.patch(
        f"{V1}/me", token=token, data=b'{"name": "\xff\xfe"}', content_type="application/json"
    )
    assert response.status_code in (400, 422)
    assert response.mimetype == "application/problem+json"


@pytest.mark.parametrize(
    "method, path, authenticated",
    [
        ("POST", "/tokens", False),  # reachable by anyone on the internet
        ("PATCH", "/me", True),
    ],
)
@pytest.mark.parametrize("nesting", ["[", '{"a":'])
def test_deeply_nested_json_is_refused_not_a_500(api, make, method, path, authenticated, nesting):
    token = make.token(make.user("admin").email) if authenticated else None
    try:
        response = api.call(
            method,
            f"{V1}{path}",
            token=token,
            data=nesting * 100_000,
            content_type="application/json",
        )
    except RecursionError as exc:  # TESTING propagates what would otherwise be a 500
        pytest.fail(f"{method} {path} with deeply nested JSON raised {exc!r} (a 500)")
    assert response.status_code in (400, 413, 422), response.status
    assert response.mimetype == "application/problem+json"


def test_moderately_nested_json_is_an_ordinary_422(api):
    response = api.post(f"{V1}/tokens", data="[" * 500 + "]" * 500, content_type="application/json")
    assert_problem(response, 422)


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}], indirect=True)
def test_a_body_over_max_content_length_is_a_413_problem(api, make):
    big = {"email": "a@example.org", "password": "x" * 5000}
    assert_problem(api.post(f"{V1}/tokens", json=big), 413)
    token = make.token(make.user("admin").email)
    assert_problem(api.patch(f"{V1}/me", token=token, json={"name": "n" * 5000}), 413)
    assert me(api, token).get_json()["name"] == "Test Admin"


@pytest.mark.parametrize("payload", [["email", "password"], "a string", 42, True])
def test_json_that_is_not_an_object_is_422(api, make, payload):
    assert_problem(api.post(f"{V1}/tokens", json=payload), 422)
    token = make.token(make.user("admin").email)
    assert_problem(api.patch(f"{V1}/me", token=token, json=payload), 422)
    assert_problem(api.post(f"{V1}/users", token=token, json=payload), 422)


# -- reference documents ------------------------------------------------------------------

DOCUMENTED = {
    "/api/v1/tokens": {"get", "post"},
    "/api/v1/tokens/{token_id}": {"delete"},
    "/api/v1/me": {"get", "patch"},
    "/api/v1/me/email": {"post"},
    "/api/v1/users": {"get", "post"},
    "/api/v1/users/{user_id}": {"get", "patch"},
    "/api/v1/networks": {"get", "post"},
    "/api/v1/centres": {"get", "post"},
}


def test_openapi_document_lists_every_endpoint(api):
    response = api.get(f"{V1}/openapi.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    spec = response.get_json()
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"]
    paths = spec["paths"]
    for path, methods in DOCUMENTED.items():
        assert path in paths, (path, sorted(paths))
        assert methods <= set(paths[path]), (path, set(paths[path]))
    assert "bearerAuth" in spec["components"]["securitySchemes"]
    assert paths["/api/v1/me"]["get"].get("security") == [{"bearerAuth": []}]
    assert "201" in paths["/api/v1/tokens"]["post"]["responses"]


def test_docs_page_names_every_endpoint(api):
    response = api.get(f"{V1}/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    assert "<html" in html.lower()
    for path in DOCUMENTED:
        assert path in html, path
    assert "openapi.json" in html


# -- headers everywhere -------------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 4096}], indirect=True)
def test_every_kind_of_api_response_carries_nosniff(api, make, as_trainee):
    """The ``api`` fixture asserts nosniff on each of these; the cookie client is checked here."""
    user = make.user("admin")
    token = make.token(user.email)
    created = new_token(api, user)
    responses = [
        me(api, token),  # 200
        api.post(f"{V1}/centres", token=token, json={"code": "X", "name": "X", "city": "X"}),  # 201
        api.delete(f"{V1}/tokens/{created['id']}", token=token),  # 204
        api.post(f"{V1}/tokens", data="{", content_type="application/json"),  # 400
        api.get(f"{V1}/me"),  # 401
        api.get(f"{V1}/me?access_token={token}"),  # 401
        api.get(f"{V1}/users", token=make.token(make.user("trainee").email)),  # 403
        api.get(f"{V1}/nothing-here"),  # 404
        api.delete(f"{V1}/me", token=token),  # 405
        api.post(f"{V1}/tokens", json={"password": "x" * 5000}),  # 413
        api.post(f"{V1}/tokens", json=[]),  # 422
        api.get(f"{V1}/openapi.json"),
        api.get(f"{V1}/docs"),
        as_trainee.get(f"{V1}/me"),
        as_trainee.patch(
            f"{V1}/me", json={"name": "With CSRF"}, headers={"X-CSRFToken": as_trainee.csrf_token()}
        ),
    ]
    assert [r.status_code for r in responses] == [
        200,
        201,
        204,
        400,
        401,
        401,
        403,
        404,
        405,
        413,
        422,
        200,
        200,
        200,
        200,
    ]
    for response in responses:
        assert response.headers.get("X-Content-Type-Options") == "nosniff"
