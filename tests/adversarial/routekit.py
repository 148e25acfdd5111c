"""What the CSRF and unstorable-input tests walk: worldkit's world with the ids the forms
need, every form of the pages and every write of the API (each with someone allowed to
send it and a body that works), and a spy on the statements that would write.

tests/adversarial/test_csrf.py and tests/adversarial/test_unstorable.py both walk these
tables; a new POST route goes in ``forms`` or ``api_writes`` (test_csrf fails until it is).
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

from sqlalchemy import event, select

from elearn.core.db import utcnow
from elearn.extensions import db
from tests.adversarial import worldkit
from tests.adversarial.worldkit import DRAFT
from tests.factories import package
from tests.harness import PASSWORD
from tests.quizkit import SLUG

WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE)\b", re.I)


class WriteSpy:
    """Records every statement that would change the database (token bookkeeping aside: the
    last use of an API token is noted in its own short transaction, by design)."""

    def __init__(self, app):
        with app.app_context():
            self.engine = db.engine
        self.statements: list[str] = []

    def __enter__(self):
        event.listen(self.engine, "before_cursor_execute", self._spy)
        return self

    def __exit__(self, *exc):
        event.remove(self.engine, "before_cursor_execute", self._spy)

    def _spy(self, conn, cursor, statement, *args):
        if WRITE.match(statement) and "access_tokens" not in statement:
            self.statements.append(statement.split("\n")[0][:80])

    def take(self) -> list[str]:
        taken, self.statements = self.statements, []
        return taken


def build_world(app, api, make):
    """worldkit's world, plus the ids the forms need and an account waiting for its password
    (tests/adversarial/test_unstorable.py walks the same forms and writes)."""
    w = worldkit.build(app, api, make)
    with app.app_context():
        from elearn.accounts.models import Centre, Network
        from elearn.authoring.models import Course

        w.sale_centre = db.session.scalar(select(Centre.id).where(Centre.code == "SALE"))
        w.dmk = db.session.scalar(select(Network.id).where(Network.code == "DMK"))
        w.brakes_id = db.session.scalar(select(Course.id).where(Course.slug == SLUG))
    added = api.post(
        f"/api/v1/cohorts/{w.sale_cohort}/members",
        token=w.sale.token,
        json={"emails": ["pending@ofppt.example"]},  # an account still waiting for its password
    )
    assert added.get_json()["created_accounts"] == ["pending@ofppt.example"]
    with app.app_context():
        from elearn.accounts import services

        w.pending = services.find_user(db.session, "pending@ofppt.example").id
    return w


def setup_link(app, email) -> str:
    with app.app_context():
        from elearn.accounts import links, services

        plain = links.create_link(
            db.session, services.find_user(db.session, email), now=utcnow(), days=7
        )
        db.session.commit()
        return plain


def email_link(app, email, new_email) -> str:
    """The token of a link moving ``email`` to ``new_email``, written by its e-mail."""
    with app.app_context():
        from elearn.accounts import email_change, services
        from elearn.accounts.models import EmailChange

        user = services.find_user(db.session, email)
        now = utcnow()
        change = EmailChange(
            user_id=user.id, new_email=new_email, created_at=now, expires_at=now + timedelta(1)
        )
        db.session.add(change)
        db.session.flush()
        message = email_change.confirm_message(
            db.session, {"user_id": user.id, "change_id": change.id}
        )
        db.session.commit()
        return re.search(r"/email/confirm/(\S+)", message.body).group(1)


def forms(app, w) -> list[tuple[str, str, dict, dict]]:
    """(rule, who, URL arguments, a form that works for them), in an order where each
    request still makes sense after the ones before went through."""
    new_pw = "a-brand-new-secret-7"
    csv = (io.BytesIO(b"email;nom\nfrom.preview@ofppt.example;Preview\n"), "list.csv")
    draft_lesson = {"slug": DRAFT, "module": "basics", "lesson": "cycle"}
    return [
        ("/language", "b", {}, {"lang": "ar"}),
        ("/account", "b", {}, {"name": "B Renamed", "locale": "fr"}),
        ("/account/tokens", "b", {}, {"name": "script"}),
        ("/account/tokens/<int:token_id>/revoke", "b", {"token_id": w.b_token_id}, {}),
        ("/account/email", "b", {}, {"email": "b.new@ofppt.example", "password": PASSWORD}),
        (
            "/email/confirm/<token>",
            None,
            {"token": email_link(app, worldkit.B_EMAIL, "b.confirmed@ofppt.example")},
            {},
        ),
        ("/account/email/cancel", "b", {}, {}),
        ("/login", None, {}, {"email": w.a.email, "password": PASSWORD}),
        ("/password/forgot", None, {}, {"email": w.a.email}),
        ("/account/notifications", "b", {}, {"email": "daily", "reminders": "y"}),
        ("/notifications/read", "b", {}, {"all": "1"}),
        ("/notifications/<int:notification_id>", "b", {"notification_id": w.b_notification}, {}),
        ("/jobs/<int:job_id>/retry", "admin", {"job_id": w.import_job}, {}),
        (
            "/password/setup/<token>",
            None,
            {"token": setup_link(app, w.k.email)},
            {"new_password": new_pw, "confirm": new_pw},
        ),
        (
            "/admin/users/new",
            "admin",
            {},
            {
                "email": "made@ofppt.example",
                "name": "Made",
                "roles": "trainee",
                "centre": "SALE",
                "locale": "fr",
            },
        ),
        ("/admin/users/<int:user_id>/link", "admin", {"user_id": w.pending}, {}),
        (
            "/admin/users/<int:user_id>",
            "admin",
            {"user_id": w.a.id},
            {
                "name": "A Edited",
                "roles": "trainee",
                "centre": "SALE",
                "locale": "fr",
                "active": "y",
            },
        ),
        (
            "/admin/centres/new",
            "admin",
            {},
            {"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"},
        ),
        (
            "/admin/centres/<int:centre_id>",
            "admin",
            {"centre_id": w.sale_centre},
            {"code": "SALE", "name": "Centre de Salé", "city": "Salé"},
        ),
        (
            "/admin/networks/new",
            "admin",
            {},
            {"code": "NEWNET", "name_fr": "Nouveau", "name_ar": "جديد", "domains": "ai"},
        ),
        (
            "/admin/networks/<int:network_id>",
            "admin",
            {"network_id": w.dmk},
            {
                "code": "DMK",
                "name_fr": "DMK",
                "name_ar": "دمك",
                "country": "DE",
                "domains": "automotive",
            },
        ),
        ("/courses/<slug>/enrol", "a", {"slug": SLUG}, {}),
        (
            "/courses/<slug>/modules/<module>/lessons/<lesson>/complete",
            "a",
            {"slug": SLUG, "module": "checks", "lesson": "pads"},
            {},
        ),
        (
            "/courses/<slug>/modules/<module>/quiz/attempts",
            "b",
            {"slug": SLUG, "module": "checks"},
            {},
        ),
        (
            "/attempts/<int:attempt_id>",
            "b",
            {"attempt_id": w.b_open},
            {"q-q3": "true", "action": "save"},
        ),
        (
            "/cohorts/new",
            "sale",
            {},
            {"name": "Nouvelle", "centre": str(w.sale_centre), "starts_on": "2026-09-15"},
        ),
        (
            "/cohorts/<int:cohort_id>/edit",
            "sale",
            {"cohort_id": w.sale_cohort},
            {
                "name": "Salé 2026",
                "centre": str(w.sale_centre),
                "starts_on": "2026-09-15",
                "courses": str(w.brakes_id),
                "trainers": str(w.sale.id),
            },
        ),
        (
            "/cohorts/<int:cohort_id>/members/preview",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"file": csv},
        ),
        (
            "/cohorts/<int:cohort_id>/members",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"csv": "email;nom\nnew.member@ofppt.example;Nouveau\n"},
        ),
        (
            "/cohorts/<int:cohort_id>/members/<int:user_id>/link",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.pending},
            {},
        ),
        # -- trainer (issue 17): B passed the quiz, so reopening is refused on the form (422)
        (
            "/cohorts/<int:cohort_id>/trainees/<int:user_id>/extra-attempt",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {"extra-module": f"{SLUG}/checks", "extra-reason": "Réseau", "extra-token": "f1"},
        ),
        (
            "/cohorts/<int:cohort_id>/trainees/<int:user_id>/reopen",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {
                "reopen-module": f"{SLUG}/checks",
                "reopen-reason": "Rattrapage",
                "reopen-token": "f2",
            },
        ),
        (
            "/cohorts/<int:cohort_id>/trainees/<int:user_id>/message",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {"message-text": "Bonjour", "message-reason": "Relance", "message-token": "f3"},
        ),
        (
            "/cohorts/<int:cohort_id>/members/add",
            "sale",
            {"cohort_id": w.sale_cohort},
            {
                "add-email": "one.more@ofppt.example",
                "add-name": "Un de plus",
                "add-locale": "fr",
                "add-token": "f4",
            },
        ),
        (
            "/cohorts/<int:cohort_id>/members/<int:user_id>/remove",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {"reason": "A quitté la formation", "token": "f5"},
        ),
        (
            "/cohorts/<int:cohort_id>/exports",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"kind": "xlsx", "course": SLUG},
        ),
        (
            "/cohorts/<int:cohort_id>/archive",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"archived": "1"},
        ),
        (
            "/studio/new",
            "expert",
            {},
            {
                "slug": "new-course",
                "network": "DMK",
                "domain": "automotive",
                "source": "fr",
                "languages": "fr",
                "title": "Nouveau",
            },
        ),
        ("/studio/import", "expert", {}, {"file": (io.BytesIO(package()), "engine-basics.zip")}),
        (
            "/studio/<slug>/settings",
            "expert",
            {"slug": DRAFT},
            {"title_fr": "Moteur", "title_ar": "المحرك"},
        ),
        ("/studio/<slug>/modules", "expert", {"slug": DRAFT}, {"slug": "extra", "title": "Extra"}),
        (
            "/studio/<slug>/modules/<module>/<action>",
            "expert",
            {"slug": DRAFT, "module": "basics", "action": "down"},
            {},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons",
            "expert",
            {"slug": DRAFT, "module": "basics"},
            {"slug": "extra", "title": "Extra"},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/<action>",
            "expert",
            {**draft_lesson, "action": "down"},
            {},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/current",
            "expert",
            draft_lesson,
            {"lang": "ar"},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/edit",
            "expert",
            draft_lesson,
            {"lang": "fr", "title": "Le cycle", "markdown": "Texte revu.", "action": "save"},
        ),
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/preview.json",
            "expert",
            draft_lesson,
            {"markdown": "**x**"},
        ),
        (
            "/studio/<slug>/modules/<module>/quiz",
            "expert",
            {"slug": DRAFT, "module": "basics"},
            {"yaml": "title: {fr: Quiz}\nquestions: []\n"},
        ),
        # -- quizform (issue 16)
        (
            "/studio/<slug>/modules/<module>/quiz/yaml",
            "expert",
            {"slug": DRAFT, "module": "basics"},
            {"yaml": "title: {fr: Quiz}\nquestions: []\n"},
        ),
        (
            "/studio/<slug>/modules/<module>/quiz/gift",
            "expert",
            {"slug": DRAFT, "module": "basics"},
            {"text": "::g1::Vrai ?{T}", "lang": "fr", "action": "check"},
        ),
        (
            "/studio/<slug>/bank",
            "expert",
            {"slug": DRAFT},
            {"yaml": "questions: []\n"},
        ),
        (
            "/studio/<slug>/media/<int:asset_id>/delete",
            "expert",
            {"slug": DRAFT, "asset_id": w.asset_id},
            {},
        ),
        ("/studio/<slug>/submit", "expert", {"slug": DRAFT}, {}),
        ("/studio/<slug>/return", "admin", {"slug": DRAFT}, {"comment": "À revoir"}),
        ("/studio/<slug>/publish", "admin", {"slug": DRAFT}, {}),
        # -- signoffs (issue 16): before the sign-out, which ends the session
        ("/studio/<slug>/review/signoffs", "admin", {"slug": DRAFT}, {"role": "domain"}),
        (
            "/studio/<slug>/review/comments",
            "expert",
            {"slug": DRAFT},
            {"body": "Le schéma manque."},
        ),
        (
            "/admin/networks/<int:network_id>/reviewers",
            "admin",
            {"network_id": w.dmk},
            {"email": w.sale.email, "role": "pedagogy"},
        ),
        (
            "/admin/networks/<int:network_id>/reviewers/<int:reviewer_id>/remove",
            "admin",
            {"network_id": w.dmk, "reviewer_id": 1},
            {},
        ),
        (
            "/account/password",
            "b",
            {},
            {"current_password": PASSWORD, "new_password": new_pw, "confirm": new_pw},
        ),
        ("/logout", "b", {}, {}),
        # -- outline (issue 16): moving a lesson is one more action of the lesson's route
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/<action>",
            "expert",
            {**draft_lesson, "action": "move"},
            {"module": "basics"},
        ),
        # -- editor (issue 16)
        (
            "/studio/<slug>/modules/<module>/lessons/<lesson>/autosave",
            "expert",
            draft_lesson,
            {"title_fr": "Le cycle", "markdown_fr": "Texte revu."},
        ),
    ]


def api_writes(w) -> list[tuple[str, str, str, dict, object]]:
    """(rule, method, who, URL arguments, body) for every API write, by someone allowed."""
    lesson = {"slug": DRAFT, "module": "basics", "lesson": "cycle"}
    return [
        (
            "/api/v1/centres",
            "POST",
            "admin",
            {},
            {"code": "RABAT", "name": "ISTA Rabat", "city": "Rabat"},
        ),
        ("/api/v1/centres/<code>", "PATCH", "admin", {"code": "SALE"}, {"city": "Salé"}),
        (
            "/api/v1/networks",
            "POST",
            "admin",
            {},
            {"code": "NEWNET", "name": {"fr": "Nouveau", "ar": "جديد"}, "domains": ["ai"]},
        ),
        (
            "/api/v1/users",
            "POST",
            "admin",
            {},
            {"email": "made@ofppt.example", "name": "Made", "roles": ["trainee"], "centre": "SALE"},
        ),
        (
            "/api/v1/users/<int:user_id>",
            "PATCH",
            "admin",
            {"user_id": w.a.id},
            {"name": "A Edited"},
        ),
        (
            "/api/v1/cohorts",
            "POST",
            "sale",
            {},
            {"name": "Nouvelle", "centre": "SALE", "starts_on": "2026-09-15"},
        ),
        (
            "/api/v1/cohorts/<int:cohort_id>/members",
            "POST",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"emails": ["a@ofppt.example"]},
        ),
        (
            "/api/v1/cohorts/<int:cohort_id>/exports",
            "POST",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"kind": "csv", "course": SLUG, "lang": "ar"},
        ),
        # -- trainer (issue 17): B passed, so reopening is a 409; the removal comes last
        (
            "/api/v1/cohorts/<int:cohort_id>/members/<int:user_id>/extra-attempt",
            "POST",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {"module": "checks", "course": SLUG, "reason": "Réseau"},
        ),
        (
            "/api/v1/cohorts/<int:cohort_id>/members/<int:user_id>/reopen",
            "POST",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {"module": "checks", "reason": "Rattrapage"},
        ),
        (
            "/api/v1/cohorts/<int:cohort_id>/members/<int:user_id>/messages",
            "POST",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {"text": "Bonjour", "reason": "Relance"},
        ),
        (
            "/api/v1/cohorts/<int:cohort_id>/members/one",
            "POST",
            "sale",
            {"cohort_id": w.sale_cohort},
            {"email": "one.more@ofppt.example", "name": "Un de plus", "locale": "fr"},
        ),
        (
            "/api/v1/cohorts/<int:cohort_id>/members/<int:user_id>/removal",
            "POST",
            "sale",
            {"cohort_id": w.sale_cohort, "user_id": w.b.id},
            {"reason": "A quitté la formation"},
        ),
        ("/api/v1/courses/<slug>/enrolment", "POST", "a", {"slug": SLUG}, None),
        (
            "/api/v1/courses/<slug>/modules/<module>/lessons/<lesson>/complete",
            "POST",
            "a",
            {"slug": SLUG, "module": "checks", "lesson": "pads"},
            None,
        ),
        (
            "/api/v1/courses/<slug>/modules/<module>/quiz/attempts",
            "POST",
            "b",
            {"slug": SLUG, "module": "checks"},
            None,
        ),
        (
            "/api/v1/attempts/<int:attempt_id>/answers",
            "PUT",
            "b",
            {"attempt_id": w.b_open},
            {"answers": {"q3": True}},
        ),
        (
            "/api/v1/attempts/<int:attempt_id>/submit",
            "POST",
            "b",
            {"attempt_id": w.b_open},
            {"answers": {}},
        ),
        (
            "/api/v1/courses/<slug>/modules/<module>/lessons/<lesson>",
            "PUT",
            "expert",
            lesson,
            {"lang": "fr", "title": "Le cycle", "markdown": "Texte"},
        ),
        (
            "/api/v1/courses/<slug>/modules/<module>/quiz/gift",
            "POST",
            "expert",
            {"slug": DRAFT, "module": "basics"},
            "::g1::Vrai ?{T}",  # a text body (GIFT), not JSON
        ),
        (
            "/api/v1/courses/<slug>/media/uploads",
            "POST",
            "expert",
            {"slug": DRAFT},
            {"filename": "x.png", "content_type": "image/png", "size": 68},
        ),
        (
            "/api/v1/courses/<slug>/media/uploads/<upload_id>/parts",
            "POST",
            "expert",
            {"slug": DRAFT, "upload_id": w.upload_id},
            {"numbers": [1]},
        ),
        (
            "/api/v1/courses/<slug>/media/uploads/<upload_id>/complete",
            "POST",
            "expert",
            {"slug": DRAFT, "upload_id": w.upload_id},
            None,
        ),
        ("/api/v1/courses/import", "POST", "expert", {}, "package"),
        ("/api/v1/courses/<slug>/submit", "POST", "expert", {"slug": DRAFT}, None),
        (
            "/api/v1/courses/<slug>/return",
            "POST",
            "admin",
            {"slug": DRAFT},
            {"comment": "À revoir"},
        ),
        ("/api/v1/courses/<slug>/publish", "POST", "admin", {"slug": DRAFT}, None),
        ("/api/v1/me", "PATCH", "b", {}, {"name": "B Renamed"}),
        (
            "/api/v1/me/email",
            "POST",
            "b",
            {},
            {"email": "b.api@ofppt.example", "password": PASSWORD},
        ),
        ("/api/v1/tokens", "POST", "b", {}, {"email": worldkit.B_EMAIL, "password": PASSWORD}),
        ("/api/v1/tokens/<int:token_id>", "DELETE", "b", {"token_id": w.b_token_id}, None),
        ("/api/v1/jobs/<int:job_id>/retry", "POST", "admin", {"job_id": w.import_job}, None),
        ("/api/v1/password-reset", "POST", "b", {}, {"email": worldkit.B_EMAIL}),
        ("/api/v1/me/notifications/read", "POST", "b", {}, {"all": True}),
        (
            "/api/v1/me/notification-settings",
            "PUT",
            "b",
            {},
            {"email": "daily", "reminders": True},
        ),
        # -- quizform (issue 16)
        (
            "/api/v1/courses/<slug>/modules/<module>/quiz",
            "PUT",
            "expert",
            {"slug": DRAFT, "module": "basics"},
            {
                "title": {"fr": "Quiz", "ar": "اختبار"},
                "questions": [
                    {"id": "q1", "type": "true_false", "prompt": {"fr": "Vrai ?"}, "answer": True}
                ],
            },
        ),
        # -- signoffs (issue 16)
        ("/api/v1/courses/<slug>/signoffs", "POST", "admin", {"slug": DRAFT}, {"role": "domain"}),
        ("/api/v1/networks/<code>", "PATCH", "admin", {"code": "DMK"}, {"required_signoffs": []}),
    ]
