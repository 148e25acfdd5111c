"""Open redirects (T40): every redirect that takes a target from the request (``next`` on
sign-in, sign-out and the language switch; the sign-in page when already signed in) sends
the browser back to this site only, whatever the payload: the Location, resolved the way a
browser resolves it (backslashes as slashes, tabs and newlines dropped), stays on our
host, never starts with ``//`` or ``/\\``, and never splits the header.

The other redirects build their target with ``url_for`` (the Studio, cohorts, the verify
form, enrolment) or go to our own storage (media), and take no target from the request:
``grep -rn "next\\|referrer" elearn`` finds only the three above and the sign-in wall, which
writes ``next`` from the request's own path.

Already covered elsewhere (not repeated here): POST /language with five of the payloads
(tests/test_admin_pages.py::test_language_post_never_redirects_off_site);
a local ``next`` followed after sign-in (tests/test_auth.py::test_next_to_a_local_page_is_followed).
Here: sign-in, sign-out, the language switch with every payload, sign-in when already
signed in (a GET), and payloads beyond the case's eight.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

import pytest

from tests.harness import PASSWORD

pytestmark = pytest.mark.adversarial

HOST = "localhost"
#: the case's eight, then what else browsers and parsers disagree about
PAYLOADS = [
    "https://evil.com",
    "//evil.com",
    "\\\\evil.com",
    "/\\evil.com",
    "/%09/evil.com",
    "https:evil.com",
    "javascript:alert(1)",
    "https://app@evil.com",
    "///evil.com",
    "/\t/evil.com",
    "/\n/evil.com",
    "\t//evil.com",
    " //evil.com",
    "//evil.com/%2F..",
    "/\\/evil.com",
    "\\/evil.com",
    "//evil%E3%80%82com",
    "//\u3002evil.com",
    "http:/\\evil.com",
    "HTTPS://evil.com",
    "data:text/html,<script>alert(1)</script>",
    "/\r\nLocation: https://evil.com",
    "/%0d%0aSet-Cookie:x=1",
    "evil.com",
    "@evil.com",
    "%2F%2Fevil.com",
]


def assert_stays_here(response, target):
    assert response.status_code in (302, 303), (target, response.status_code)
    location = response.headers["Location"]
    assert "\r" not in location and "\n" not in location, target
    assert "Set-Cookie" not in response.headers or "x=1" not in response.headers["Set-Cookie"]
    assert not location.startswith(("//", "/\\", "\\")), (target, location)
    as_browser = re.sub(r"[\t\n\r]", "", location).strip().replace("\\", "/")
    resolved = urlsplit(urljoin(f"http://{HOST}/login", as_browser))
    assert resolved.scheme in ("http", "https"), (target, location)
    assert resolved.hostname == HOST, (target, location)
    assert "evil" not in (resolved.netloc or ""), (target, location)


@pytest.mark.parametrize("target", PAYLOADS)
def test_sign_in_never_leaves_the_site(client, make, target):
    """The form's ``next`` and the address's, both hostile: home, always."""
    user = make.user("trainee")
    response = client.post(
        f"/login?next={target}",
        data={
            "csrf_token": client.csrf_token(),
            "email": user.email,
            "password": PASSWORD,
            "next": target,
        },
    )
    assert response.status_code == 303
    assert_stays_here(response, target)
    if target in PAYLOADS[:9]:  # the case's eight and ///evil.com: refused outright
        assert response.headers["Location"] == "/"


@pytest.mark.parametrize("target", PAYLOADS)
def test_sign_out_never_leaves_the_site(make, signed_in, target):
    user = make.user("trainee")
    browser = signed_in(user.email)
    response = browser.post_form("/logout", {"next": target})
    assert_stays_here(response, target)
    assert browser.get("/account").status_code == 302  # and it did sign out


@pytest.mark.parametrize("target", PAYLOADS)
def test_sign_out_with_next_in_the_address_never_leaves_the_site(make, signed_in, target):
    browser = signed_in(make.user("trainee").email)
    response = browser.post_form(f"/logout?next={quote(target, safe='')}")
    assert_stays_here(response, target)


@pytest.mark.parametrize("target", PAYLOADS)
def test_the_language_switch_never_leaves_the_site(client, as_trainee, target):
    for browser in (client, as_trainee):
        response = browser.post_form("/language", {"lang": "ar", "next": target})
        assert_stays_here(response, target)


@pytest.mark.parametrize("target", PAYLOADS)
def test_sign_in_page_when_already_signed_in_never_leaves_the_site(as_trainee, target):
    response = as_trainee.get(f"/login?next={quote(target, safe='')}")
    assert_stays_here(response, target)


@pytest.mark.parametrize("target", PAYLOADS)
def test_sign_in_with_next_only_in_the_address_never_leaves_the_site(client, make, target):
    """The form's hidden field is filled from the address; a forged form may leave it out
    and keep ``next`` in the address only: both are read, both are checked."""
    user = make.user("trainee")
    response = client.post(
        f"/login?next={quote(target, safe='')}",
        data={"csrf_token": client.csrf_token(), "email": user.email, "password": user.password},
    )
    assert_stays_here(response, target)


def test_local_targets_are_still_followed(make, signed_in, client):
    """The guard refuses hosts, not paths: a page of this site, with its query, is kept."""
    browser = signed_in(make.user("trainee").email)
    response = browser.post_form("/logout", {"next": "/courses?q=freins"})
    assert response.headers["Location"] == "/courses?q=freins"
    response = client.post_form("/language", {"lang": "fr", "next": "/verify?code=AB"})
    assert response.headers["Location"] == "/verify?code=AB"


def test_the_sign_in_wall_writes_a_local_next(client):
    """Anonymous on a protected page: sent to sign in with the page as ``next``, which is a
    path of this site whatever the address looked like."""
    for path in ("/account", "/account?x=//evil.com", "/my/learning?next=https://evil.com"):
        response = client.get(path)
        assert response.status_code == 302
        location = response.headers["Location"]
        assert urlsplit(location).path == "/login"
        sent = dict(p.split("=", 1) for p in urlsplit(location).query.split("&"))
        from urllib.parse import unquote

        assert unquote(sent["next"]).startswith("/") and not unquote(sent["next"]).startswith("//")


def test_the_checker_catches_what_it_looks_for():
    class Fake:
        status_code = 303

        def __init__(self, location):
            self.headers = {"Location": location}

    for bad in ("//evil.com", "/\\evil.com", "https://evil.com/", "\t//evil.com", "https:evil.com"):
        with pytest.raises(AssertionError):
            assert_stays_here(Fake(bad), bad)
    assert_stays_here(Fake("/account"), "/account")
