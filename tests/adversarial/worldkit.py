"""A small platform with two of everything, for the adversarial tests: two centres with a
cohort each, two networks' experts, two trainees of Salé (A attacks, B is the victim), a
published course with a quiz and a draft course of another network with media.

Everything is made through the real API and services, as people would, so the ids and
slugs substituted into the URLs are the ones an attacker would find or guess.
"""

from __future__ import annotations

import json
from types import SimpleNamespace

from sqlalchemy import select

from elearn.core.db import utcnow
from elearn.core.edge import unit_of_work
from elearn.extensions import db
from elearn.notifications.models import Notification
from tests.factories import imported, job_of, package, upload
from tests.quizkit import LESSONS, QUIZ, RIGHT, SLUG, answers_for, publish

DRAFT = "engine-basics"  # DMK's draft: foreign to the AEROMAC expert, unpublished for all
DRAFT_MODULE, DRAFT_LESSON, DRAFT_MEDIA = "basics", "cycle", "engine.png"
B_NAME = "Victime Bennani"
B_EMAIL = "victim.b@ofppt.example"


def build(app, api, make, *, max_attempts: int = 3) -> SimpleNamespace:
    """Build the world; every person comes with ``token`` (API) and ``email`` (to sign in)."""
    publish(api, make, max_attempts=max_attempts)
    make.centre("SALE", "Centre de Salé", "Salé")
    make.centre("KEN", "Centre de Kénitra", "Kénitra")

    def person(role, **kw):
        user = make.user(role, **kw)
        user.token = make.token(user.email)
        return user

    w = SimpleNamespace(
        admin=person("admin"),
        expert=person("expert", network="DMK", name="Expert DMK"),
        outsider=person("expert", network="AEROMAC", name="Expert Aeromac"),
        sale=person("trainer", centre="SALE", name="Formateur Salé"),
        kenitra=person("trainer", centre="KEN", name="Formatrice Kénitra"),
        a=person("trainee", centre="SALE", name="Attaquant Alaoui", email="a@ofppt.example"),
        b=person("trainee", centre="SALE", name=B_NAME, email=B_EMAIL),
        k=person("trainee", centre="KEN", name="Stagiaire Kénitra", email="k@ofppt.example"),
    )
    for who in (w.a, w.b):
        assert api.post(f"/api/v1/courses/{SLUG}/enrolment", token=who.token).status_code == 201

    # B finishes the course: lessons read, quiz passed (certificate), then opens attempt 2
    for url in LESSONS:
        assert api.post(url + "/complete", token=w.b.token).status_code == 200
    first = api.post(QUIZ, token=w.b.token).get_json()
    done = api.post(
        f"/api/v1/attempts/{first['id']}/submit",
        token=w.b.token,
        json={"answers": answers_for(first, RIGHT)},
    )
    assert done.status_code == 200 and done.get_json()["passed"] is True, done.get_json()
    w.b_submitted = first["id"]
    second = api.post(QUIZ, token=w.b.token)
    assert second.status_code == 201, second.get_json()
    w.b_open = second.get_json()["id"]
    w.b_open_body = second.get_json()
    w.b_certificate = api.get("/api/v1/me/courses", token=w.b.token).get_json()[0]["certificate"]
    assert w.b_certificate
    with app.app_context(), unit_of_work():  # something B was told, for the IDOR matrix
        from elearn.notifications.services import notify

        notify(db.session, None, "course_published", [w.b.id], params={}, url="/", now=utcnow())
        w.b_notification = db.session.scalar(
            select(Notification.id).where(Notification.user_id == w.b.id)
        )

    # cohorts: Salé's follows B, Kénitra's follows K
    w.sale_cohort = _cohort(api, w.sale.token, "Salé 2026", "SALE", [w.b.email])
    w.ken_cohort = _cohort(api, w.kenitra.token, "Kénitra 2026", "KEN", [w.k.email])

    # Salé's grid written by an export job of its trainer (B's name and e-mail are in it)
    export = job_of(
        api,
        w.sale.token,
        api.post(
            f"/api/v1/cohorts/{w.sale_cohort}/exports", token=w.sale.token, json={"kind": "csv"}
        ),
    )
    assert export["status"] == "done", export
    w.export_job = export["id"]

    # DMK's draft course with a media file, and an upload ticket of its expert
    job = job_of(api, w.expert.token, upload(api, w.expert.token, package()))
    assert job["status"] == "done" and job["result"]["status"] == "draft"
    w.import_job = job["id"]  # the DMK expert's own job
    ticket = api.post(
        f"/api/v1/courses/{DRAFT}/media/uploads",
        token=w.expert.token,
        json={"filename": "schema.png", "content_type": "image/png", "size": 68},
    )
    assert ticket.status_code == 201, ticket.get_json()
    w.upload_id = ticket.get_json()["id"]

    with app.app_context():
        from elearn.accounts.models import AccessToken
        from elearn.authoring.models import Course
        from elearn.media.models import MediaAsset

        draft_id = db.session.scalar(select(Course.id).where(Course.slug == DRAFT))
        w.asset_id = db.session.scalar(
            select(MediaAsset.id).where(MediaAsset.course_id == draft_id)
        )
        w.b_token_id = db.session.scalar(
            select(AccessToken.id).where(AccessToken.user_id == w.b.id)
        )
    return w


def _cohort(api, token, name, centre, emails) -> int:
    response = api.post(
        "/api/v1/cohorts",
        token=token,
        json={"name": name, "centre": centre, "courses": [SLUG], "starts_on": "2026-09-15"},
    )
    assert response.status_code == 201, response.get_json()
    cohort_id = response.get_json()["id"]
    added = api.post(f"/api/v1/cohorts/{cohort_id}/members", token=token, json={"emails": emails})
    assert added.status_code == 200 and added.get_json()["added"] == emails, added.get_json()
    return cohort_id


def published_course_and_its_expert(api, make, signed_in) -> dict:
    """engine-basics published by an admin; its DMK expert's token and signed-in browser
    (tests/adversarial/test_redos.py and test_nesting.py write through the same paths)."""
    admin = make.token(make.user("admin").email)
    assert imported(api, admin, package(), "?publish=true")
    expert = make.user("expert", network="DMK")
    return {"token": make.token(expert.email), "browser": signed_in(expert.email), "admin": admin}


def snapshot(app, *, skip_columns=frozenset()) -> dict:
    """Every row of every table, as plain values: compare before and after an attack.
    Sign-in bookkeeping is left out: when someone last signed in or used a token, and the
    per-account count of failed sign-ins (an attack's wrong passwords are meant to count)."""
    volatile = {"last_used_at", "last_login_at", *skip_columns}
    out = {}
    with app.app_context():
        db.session.remove()
        meta = db.metadata
        with db.engine.connect() as conn:
            for table in meta.sorted_tables:
                if table.name == "sign_in_failures":
                    continue
                cols = [c for c in table.c if c.name not in volatile]
                rows = conn.execute(select(*cols).order_by(*table.primary_key.columns)).all()
                out[table.name] = [json.dumps(list(r), default=str, sort_keys=True) for r in rows]
    return out


def diff(before: dict, after: dict) -> dict:
    """Tables whose rows changed, with what was added and removed."""
    changed = {}
    for name in before:
        old, new = set(before[name]), set(after.get(name, []))
        if old != new:
            changed[name] = {
                "added": sorted(new - old, key=str),
                "removed": sorted(old - new, key=str),
            }
    return changed
