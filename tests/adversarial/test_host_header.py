"""Host header injection: links that leave the platform must point at the platform.

A password link e-mailed to a trainee is the key to their account: if its host comes from
the request, whoever sends the request with ``Host: evil.example`` (or, behind the
documented nginx, which passes a client's ``X-Forwarded-Host`` through, that header) gets
a link to their own server mailed to a real trainee, and the token with it.

Cases and where each is covered:

- The issue's item 10, found by the review: the members page, the members API and "send a
  new password link" built the e-mailed link with ``url_for(..., _external=True)``, hence
  from ``Host``, and from ``X-Forwarded-Host`` with ``ELEARN_PROXY_COUNT=1`` (ProxyFix
  trusted ``x_host``). Now every absolute link starts from ``ELEARN_BASE_URL``
  (``elearn.core.urls.public_url``) and the proxy's host header is not trusted:
  ``test_password_links_point_at_the_base_url_whatever_the_request_says`` — each path that
  sends a link (page CSV, API JSON, API CSV, resend), forged ``Host``, ``X-Forwarded-Host``
  and their cousins, with and without a proxy in front, read from a real SMTP server.
- The same class elsewhere: the printable certificate's verification address (the holder
  prints it; an employer types it): ``test_the_certificates_verification_address_is_the_base_url``.
  Accounts an admin creates (page, API, CLI) are given a password, not mailed a link;
  there is no self-registration and no "forgot my password" form. And so that no new
  link brings the class back: ``test_no_code_builds_an_address_from_the_request_host``.
- ``ELEARN_BASE_URL`` is required in production and must be an absolute http(s) address:
  tests/test_config.py::test_production_requires_a_public_base_url and
  ::test_a_base_url_that_is_not_an_absolute_http_address_is_refused; ``elearn run``
  makes the address it listens on the default: tests/test_cli.py::
  test_run_makes_its_address_the_base_of_links.
"""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from aiosmtpd.controller import Controller

from elearn.accounts.models import User
from elearn.extensions import db
from tests.cohortkit import create_cohort, staff
from tests.harness import Client, free_port
from tests.mailkit import Inbox, smtp_app
from tests.quizkit import SLUG, certify

pytestmark = pytest.mark.adversarial

BASE_URL = "https://academy.example.org"
FORGED_HOST = "evil.example"
#: What a client may send to steer the host: Werkzeug's ProxyFix reads X-Forwarded-Host,
#: others read the rest; none of them may reach a link.
FORGED_HEADERS = {
    "X-Forwarded-Host": "forwarded.evil.example",
    "X-Forwarded-Server": "server.evil.example",
    "X-Host": "xhost.evil.example",
    "X-Original-Host": "original.evil.example",
    "Forwarded": "host=forwarded-rfc.evil.example;proto=http",
    "X-Forwarded-Proto": "http",
    "X-Forwarded-Port": "8666",
    "X-Forwarded-Prefix": "/phish",
}
CSV = b"email;nom;langue\r\npage.trainee@ofppt.example;Salma Page;fr\r\n"


@pytest.fixture(params=[0, 1], ids=["no proxy", "behind nginx"])
def app_config(request):
    return {"BASE_URL": BASE_URL, "PROXY_COUNT": request.param}


@pytest.fixture
def inbox(app):
    """A real SMTP server on a loopback port; the app sends there."""
    received = Inbox()
    controller = Controller(received, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp_app(app, controller.port)
    yield received
    controller.stop()


class ForgedClient(Client):
    """A browser whose every request claims to be for someone else's host."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("base_url", f"http://{FORGED_HOST}")
        kwargs["headers"] = {**FORGED_HEADERS, **dict(kwargs.get("headers") or {})}
        return super().open(*args, **kwargs)


def forged(app) -> ForgedClient:
    app.test_client_class = ForgedClient
    try:
        return app.test_client()
    finally:
        app.test_client_class = Client


def links_in(inbox) -> list[str]:
    found = []
    for envelope in inbox.envelopes:
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        found += re.findall(r"https?://\S+", message.get_content())
    return found


def assert_points_home(link: str) -> None:
    assert link.startswith(f"{BASE_URL}/password/setup/"), link
    assert "evil" not in link and "8666" not in link and "/phish" not in link, link


def test_password_links_point_at_the_base_url_whatever_the_request_says(app, api, make, inbox):
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    attacker = forged(app)
    headers = {**FORGED_HEADERS, "Authorization": f"Bearer {people.sale_token}"}
    sent_by = {}

    # the API, JSON and CSV
    for kind, call in (
        ("api json", {"json": {"emails": ["json.trainee@ofppt.example"]}}),
        ("api csv", {"data": CSV.replace(b"page.", b"csv."), "content_type": "text/csv"}),
    ):
        before = len(inbox.envelopes)
        response = attacker.post(f"/api/v1/cohorts/{cohort_id}/members", headers=headers, **call)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["emails_not_sent"] == 0
        sent_by[kind] = links_in(inbox)[before:]

    # the members page: the confirmation form carries the previewed file
    assert attacker.login(people.sale.email).status_code == 303
    before = len(inbox.envelopes)
    applied = attacker.post_form(f"/cohorts/{cohort_id}/members", {"csv": CSV.decode()})
    assert applied.status_code == 303
    sent_by["page"] = links_in(inbox)[before:]

    # "send a new password link"
    with app.app_context():
        pending = db.session.scalar(
            db.select(User).where(User.email == "page.trainee@ofppt.example")
        )
    before = len(inbox.envelopes)
    resent = attacker.post_form(f"/cohorts/{cohort_id}/members/{pending.id}/link")
    assert resent.status_code == 303
    sent_by["resend"] = links_in(inbox)[before:]

    for kind, found in sent_by.items():
        assert len(found) == 1, (kind, found)
        assert_points_home(found[0])
    # and a link works where it points: the path and token are the platform's own
    assert app.test_client().get(sent_by["resend"][0].removeprefix(BASE_URL)).status_code == 200


def test_the_certificates_verification_address_is_the_base_url(app, api, make):
    from tests.quizkit import publish

    publish(api, make)
    holder = make.user("trainee", email="holder@ofppt.example")
    token = make.token(holder.email)
    api.post(f"/api/v1/courses/{SLUG}/enrolment", token=token)
    code = certify(api, token)
    attacker = forged(app)
    assert attacker.login(holder.email).status_code == 303
    page = attacker.get(f"/certificates/{code}").get_data(as_text=True)
    addresses = re.findall(r'href="(https?://[^"]+)"', page)
    assert addresses == [f"{BASE_URL}/verify/{code}"], addresses
    assert "evil" not in page


def test_no_code_builds_an_address_from_the_request_host():
    """The next e-mail or printed link must not bring the class back: nothing in the
    package reads the request's host to build an address (templates included)."""
    from pathlib import Path

    import elearn

    root = Path(elearn.__file__).parent
    pattern = re.compile(r"(?<!\w)_external\s*=\s*True|request\.(host|url_root|host_url)\b")
    found = [
        f"{path.relative_to(root)}:{number}"
        for path in [*root.rglob("*.py"), *root.rglob("*.html"), *root.rglob("*.txt")]
        if path != root / "core" / "urls.py"  # the one place, whose docstring says why
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert found == []
