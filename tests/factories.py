"""Make what a test needs through the real code, as people would: accounts per role (with
their network or centre), courses from package files through the real importer, cohorts
with trainers and members through the cohort services, quiz attempts through the quiz
services. Everything is committed, and handed back as plain values (ids, e-mails, slugs),
so a test can then look at it through pages, the API or a service of its own.

``make`` (the fixture) is a :class:`Factory` bound to the test's app. The package builders
(``package``, ``zipped``) and ``upload`` (a package through the API) are plain functions.
"""

from __future__ import annotations

import base64
import io
import zipfile
from datetime import date
from types import SimpleNamespace

from sqlalchemy import select

from elearn.accounts import services
from elearn.accounts.models import User
from elearn.authoring import services as authoring
from elearn.authoring.package.files import read_zip
from elearn.authoring.package.importer import check_package, import_course, staged_import
from elearn.cohorts import members as cohort_members
from elearn.cohorts import services as cohorts
from elearn.core.clock import now as app_now
from elearn.core.db import utcnow
from elearn.core.edge import unit_of_work
from elearn.extensions import db
from elearn.learning import services as learning
from elearn.media.storage import get_storage
from elearn.quizzes import services as quizzes
from tests.harness import PASSWORD

#: A 1×1 PNG: the smallest image every storage and type check accepts.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def zipped(slug: str, files: dict[str, str | bytes]) -> bytes:
    """A package as an expert's laptop sends it: every file under a ``<slug>/`` folder."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(f"{slug}/{path}", data)
    return buffer.getvalue()


def package_files(slug="engine-basics", network="DMK", extra_ar=True) -> dict[str, str | bytes]:
    """The engine course: one module of two lessons (one practical, one with an image and
    a link), a one-question quiz, French and (unless ``extra_ar=False``) Arabic."""
    files = {
        "course.yml": f"""slug: {slug}
domain: automotive
network: {network}
source_language: fr
languages: [fr, ar]
level: beginner
estimated_hours: 3
title: {{fr: Moteur, ar: المحرك}}
summary: {{fr: Les bases du moteur., ar: أساسيات المحرك.}}
competencies:
  - code: C1
    title: {{fr: Identifier, ar: التعرف}}
""",
        "media/engine.png": PNG,
        "01-basics/module.yml": "title: {fr: Bases, ar: الأساسيات}\n",
        "01-basics/01-cycle.fr.md": "---\ntitle: Le cycle\nduration_minutes: 10\n"
        "competencies: [C1]\n---\n\n# Quatre temps\n\n![Moteur](media/engine.png)\n\n"
        "[Suite](./02-oil.fr.md)\n",
        "01-basics/02-oil.fr.md": "---\ntitle: L'huile\nkind: practical\nequipment: [Jauge]\n"
        "safety: Moteur froid.\n---\n\nVérifier le niveau.\n",
        "01-basics/quiz.yml": """title: {fr: Quiz, ar: اختبار}
pass_mark: 70
max_attempts: 2
questions:
  - id: q1
    type: true_false
    prompt: {fr: "Un moteur 4 temps a 4 temps ?", ar: "هل للمحرك رباعي الأشواط أربعة أشواط؟"}
    answer: true
""",
    }
    if extra_ar:
        files["01-basics/01-cycle.ar.md"] = "---\ntitle: الدورة\n---\n\n# أربعة أشواط\n"
        files["01-basics/02-oil.ar.md"] = (
            "---\ntitle: الزيت\nequipment: [مقياس]\nsafety: محرك بارد.\n---\n\nتحقق من المستوى.\n"
        )
    return files


def package(slug="engine-basics", network="DMK", extra_ar=True) -> bytes:
    """The engine course as a .zip (see ``package_files``)."""
    return zipped(slug, package_files(slug, network, extra_ar))


def upload(api, token, data, query=""):
    """A package through ``POST /api/v1/courses/import`` (``query``: ``?publish=true``…)."""
    return api.client.post(
        f"/api/v1/courses/import{query}",
        headers={"Authorization": f"Bearer {token}"},
        data={"file": (io.BytesIO(data), "course.zip")},
        content_type="multipart/form-data",
    )


def job_of(api, token, response) -> dict:
    """The job a ``202`` started, as ``GET /api/v1/jobs/{id}`` shows it to its owner."""
    assert response.status_code == 202, response.get_data(as_text=True)[:500]
    location = response.headers["Location"]
    assert location == f"/api/v1/jobs/{response.get_json()['job']['id']}"
    found = api.client.get(location, headers={"Authorization": f"Bearer {token}"})
    assert found.status_code == 200, found.get_data(as_text=True)[:500]
    return found.get_json()


def imported(api, token, data, query="") -> dict:
    """A package through the API, its import job run to the end (the tests' queue runs jobs
    right after the request's commit): the job's result, ``{slug, status, warnings}``."""
    job = job_of(api, token, upload(api, token, data, query))
    assert job["status"] == "done", job
    return job["result"]


class Factory:
    """Make rows through the real services, committed, and hand back plain values."""

    def __init__(self, app):
        self.app = app
        self._n = 0

    def _next(self) -> int:
        self._n += 1
        return self._n

    # -- people -----------------------------------------------------------------------------

    def centre(self, code: str = "SALE", name: str = "Centre de Salé", city: str = "Salé"):
        with self.app.app_context():
            found = services.centre_by_code_or_none(db.session, code)
            centre = found or services.save_centre(
                db.session, None, code=code, name=name, city=city
            )
            db.session.commit()
            return SimpleNamespace(id=centre.id, code=centre.code)

    def user(
        self,
        role: str = "trainee",
        *,
        roles=None,
        email=None,
        name=None,
        centre="SALE",
        network="DMK",
        locale="fr",
        password=PASSWORD,
        active=True,
    ):
        """An account: experts belong to ``network``, trainers and trainees to ``centre``
        (made when missing)."""
        roles = list(roles or [role])
        email = email or f"{'-'.join(roles)}{self._next()}@example.org"
        if set(roles) & {"trainer", "trainee"}:
            self.centre(centre)
        with self.app.app_context():
            user = services.create_user(
                db.session,
                email=email,
                name=name or f"Test {roles[0].title()}",
                roles=roles,
                network=services.network_by_code(db.session, network)
                if "expert" in roles
                else None,
                centre=services.centre_by_code(db.session, centre)
                if set(roles) & {"trainer", "trainee"}
                else None,
                locale=locale,
                password=password,
            )
            user.active = active
            db.session.commit()
            return SimpleNamespace(id=user.id, email=user.email, password=password, roles=roles)

    def token(self, email: str, name: str = "test") -> str:
        with self.app.app_context():
            user = services.find_user(db.session, email)
            _token, plain = services.create_token(
                db.session, user, name, now=utcnow(), lifetime_days=30
            )
            db.session.commit()
            return plain

    # -- courses ----------------------------------------------------------------------------

    def course(self, data: bytes | None = None, *, publish: bool = False):
        """Import a package (``package()`` by default) the way ``elearn courses import``
        does — validated, rendered, media staged in the app's storage — and publish it
        when asked. A package with errors fails the test with the report."""
        data = package() if data is None else data
        with self.app.app_context():
            with read_zip(data) as pkg:
                report = check_package(db.session, pkg)
                assert report.valid, [str(issue) for issue in report.issues]
                with unit_of_work(), staged_import(get_storage()) as staged:
                    course = import_course(
                        db.session,
                        report,
                        actor=None,
                        staged=staged,
                        now=app_now(),
                        publish=publish,
                    )
            return SimpleNamespace(id=course.id, slug=course.slug)

    def enrol(self, email: str, slug: str) -> None:
        """Enrol an account in a published course, as its own click on "Enrol" does."""
        with self.app.app_context():
            user = services.find_user(db.session, email)
            learning.enrol(
                db.session, user, authoring.course_by_slug(db.session, slug), now=app_now()
            )
            db.session.commit()

    # -- cohorts ----------------------------------------------------------------------------

    def cohort(
        self,
        *,
        name: str = "TS Diagnostic 2026",
        centre: str = "SALE",
        courses=(),
        trainers=(),
        members=(),
        starts_on: date = date(2026, 9, 15),
        ends_on: date | None = None,
    ):
        """A cohort of ``centre`` made by an administrator, with these trainers (e-mails),
        published courses (slugs) and members (trainees' e-mails, enrolled in its
        courses)."""
        admin = self.user("admin")
        with self.app.app_context():
            session = db.session
            actor = services.find_user(session, admin.email)
            by_email = {
                u.email: u
                for u in session.scalars(select(User).where(User.email.in_([*trainers, *members])))
            }
            fields = cohorts.CohortFields(
                name=name,
                centre=services.centre_by_code(session, centre),
                starts_on=starts_on,
                ends_on=ends_on,
                courses=[authoring.course_by_slug(session, slug) for slug in courses],
                trainers=[by_email[email] for email in trainers],
            )
            cohort = cohorts.create_cohort(session, actor, fields, now=app_now())
            if members:
                report = cohort_members.apply(
                    session,
                    actor,
                    cohort,
                    cohort_members.rows_from_emails(list(members)),
                    now=app_now(),
                )
                assert not report.errors, report.errors
            db.session.commit()
            return SimpleNamespace(id=cohort.id, name=cohort.name)

    # -- quiz attempts ----------------------------------------------------------------------

    def attempt(self, email: str, slug: str, module: str, answers=None, *, submit=True):
        """An enrolled trainee's attempt at a module's quiz, with ``answers`` by question id
        in the author's choice ids (``{"q1": True}``, ``{"q2": ["a", "b"]}``), submitted
        unless ``submit=False``. Returns the attempt's id, number, status, percent and
        whether it passed."""
        with self.app.app_context():
            session = db.session
            user = services.find_user(session, email)
            course = authoring.course_by_slug(session, slug)
            unit = quizzes.live_module(course, module)
            now, slack = app_now(), quizzes.grace(self.app.config)
            quizzes.settle(session, user, course, unit, now=now, slack=slack)
            attempt, _created = quizzes.start_attempt(session, user, course, unit, now=now)
            values = in_tokens(attempt, answers or {})
            if submit:
                quizzes.submit(session, user, course, attempt, values, now=now, slack=slack)
            elif values:
                quizzes.save_answers(session, attempt, values, now=now, slack=slack)
            db.session.commit()
            return SimpleNamespace(
                id=attempt.id,
                number=attempt.number,
                status=attempt.status,
                percent=attempt.percent,
                passed=attempt.passed,
            )


def in_tokens(attempt, answers: dict) -> dict:
    """Answers in the author's choice ids, in this attempt's random choice tokens."""
    out = {}
    for item in attempt.layout:
        if item["key"] not in answers:
            continue
        token_of = {author: token for token, author in item["choices"]}
        value = answers[item["key"]]
        if token_of:
            value = [token_of[v] for v in value] if isinstance(value, list) else token_of[value]
        out[item["key"]] = value
    return out
