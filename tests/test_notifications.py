"""People are told what happened: in the platform under the bell, and by e-mail as each
chose (at once, a daily digest, never), in their own language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from elearn.accounts.models import User
from elearn.cohorts.notices import send_trainer_digests
from elearn.core.clock import now as app_now
from elearn.core.edge import unit_of_work
from elearn.extensions import db
from elearn.jobs.queue import get_queue
from elearn.learning.notices import remind_inactive
from elearn.notifications import services
from elearn.notifications.models import Notification
from elearn.quizzes.tasks import warn_deadlines
from tests.quizkit import QUIZ, SLUG, enrolled_trainee, publish
from tests.studiokit import publish_from_the_page

COURSE = "engine-basics"


def bell(page: str) -> str | None:
    """The unread count the bell shows, or None when it shows none."""
    found = re.search(
        r'class="bell[^"]*"[^>]*>.*?(?:<span class="count">([^<]+)</span>)?</a>', page, re.S
    )
    assert found, "no bell on the page"
    return found.group(1)


def titles(page: str) -> list[str]:
    return re.findall(r"<strong>([^<]+)</strong>", page.split('class="notification-list"')[-1])


def user_row(app, email):
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        db.session.expunge(user)
        return user


def notify(app, user_ids, kind="course_published", key=None, **params):
    with app.app_context(), unit_of_work():
        return services.notify(
            db.session,
            get_queue(),
            kind,
            user_ids,
            params={"course": {"fr": "Moteurs", "ar": "المحركات"}, **params},
            url="/courses/engine-basics",
            now=app_now(),
            key=key,
        )


@pytest.fixture
def course(make):
    return make.course().slug


def test_a_submission_tells_the_admins_and_sending_back_tells_the_author_with_the_comment(
    app, make, signed_in, course, outbox
):
    expert_account = make.user("expert", network="DMK", locale="ar", name="Samira Alaoui")
    admin_account = make.user("admin", name="Karim Admin")
    expert, admin = signed_in(expert_account.email), signed_in(admin_account.email)
    assert bell(admin.get("/").get_data(as_text=True)) is None

    expert.post_form(f"/studio/{course}/submit")
    home = admin.get("/").get_data(as_text=True)
    assert bell(home) == "1"
    page = admin.get("/notifications").get_data(as_text=True)
    assert titles(page) == ["« Moteur » attend une relecture"]
    assert "Samira Alaoui l’a soumis à la relecture." in page
    assert bell(expert.get("/").get_data(as_text=True)) is None  # not told of one's own act
    assert [m["To"] for m in outbox] == [admin_account.email]  # at once, the default
    assert "/studio/review" in outbox[0].get_content()

    admin.post_form(f"/studio/{course}/return", {"comment": "Ajoutez une photo du carter."})
    page = expert.get("/notifications").get_data(as_text=True)
    assert 'dir="rtl"' in page
    assert titles(page) == ["أُعيد «⁨المحرك⁩» إلى مؤلفيه"]
    assert "Ajoutez une photo du carter." in page
    mail = outbox[-1]
    assert mail["To"] == expert_account.email
    assert str(mail["Subject"]) == "أُعيد «⁨المحرك⁩» إلى مؤلفيه"
    text = mail.get_content()
    assert "Ajoutez une photo du carter." in text
    base = app.config["BASE_URL"].rstrip("/")
    assert f"{base}/studio/{course}" in text  # ELEARN_BASE_URL, not the request's host


def test_following_a_notification_reads_it_and_leads_where_it_says(app, make, signed_in):
    mine, theirs = make.user("trainee"), make.user("trainee")
    notify(app, [mine.id, theirs.id])
    reader = signed_in(mine.email)
    page = reader.get("/notifications").get_data(as_text=True)
    (nid,) = re.findall(r'action="/notifications/(\d+)"', page)
    assert reader.get(f"/notifications/{nid}").status_code == 405  # reading changes nothing
    followed = reader.post_form(f"/notifications/{nid}")
    assert followed.status_code == 303 and followed.headers["Location"] == "/courses/engine-basics"
    assert bell(reader.get("/notifications").get_data(as_text=True)) is None
    with app.app_context():
        other = db.session.scalar(select(Notification.id).where(Notification.user_id == theirs.id))
    assert reader.post_form(f"/notifications/{other}").status_code == 404  # someone else's
    assert bell(signed_in(theirs.email).get("/").get_data(as_text=True)) == "1"  # still unread


def test_mark_all_read_on_the_page_and_the_unread_filter(app, make, signed_in):
    user = make.user("trainee")
    for n in range(3):
        notify(app, [user.id], key=f"k{n}")
    reader = signed_in(user.email)
    assert len(titles(reader.get("/notifications?show=unread").get_data(as_text=True))) == 3
    done = reader.post_form("/notifications/read", {"all": "1", "show": "unread"})
    assert done.status_code == 303
    page = reader.get("/notifications?show=unread").get_data(as_text=True)
    assert titles(page) == [] and "Vous avez tout lu." in page
    assert len(titles(reader.get("/notifications").get_data(as_text=True))) == 3
    assert bell(page) is None


def test_the_api_lists_pages_filters_and_marks_read(app, api, make):
    user, other = make.user("trainee", locale="ar"), make.user("trainee")
    token = make.token(user.email)
    for n in range(3):
        notify(app, [user.id, other.id], key=f"k{n}")
    listed = api.get("/api/v1/me/notifications?per_page=2", token=token).get_json()
    assert (listed["total"], listed["unread"], len(listed["items"])) == (3, 3, 2)
    first = listed["items"][0]
    assert set(first) == {"id", "kind", "title", "body", "url", "created_at", "read"}
    assert first["title"] == "تم نشر «⁨المحركات⁩»"  # the account's language
    base = app.config["BASE_URL"].rstrip("/")
    assert first["url"] == f"{base}/courses/engine-basics" and first["read"] is False
    french = api.get("/api/v1/me/notifications?lang=fr", token=token).get_json()
    assert french["items"][0]["title"] == "« Moteurs » est publié"

    with app.app_context():
        foreign = db.session.scalar(select(Notification.id).where(Notification.user_id == other.id))
    marked = api.post(
        "/api/v1/me/notifications/read", token=token, json={"ids": [first["id"], foreign]}
    )
    assert marked.status_code == 200 and marked.get_json() == {"unread": 2}
    unread = api.get("/api/v1/me/notifications?unread=true", token=token).get_json()
    assert unread["total"] == 2 and first["id"] not in [i["id"] for i in unread["items"]]
    other_token = make.token(other.email)
    assert api.get("/api/v1/me/notifications", token=other_token).get_json()["unread"] == 3
    assert api.post(
        "/api/v1/me/notifications/read", token=token, json={"all": True}
    ).get_json() == {"unread": 0}


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"ids": []},
        {"ids": "12"},
        {"ids": [1.5]},
        {"ids": [1], "all": True},
        {"all": False},
        {"ids": list(range(501))},
        [1, 2],
    ],
)
def test_a_bad_read_request_is_a_422_saying_what_to_send(api, make, body):
    token = make.token(make.user("trainee").email)
    refused = api.post("/api/v1/me/notifications/read", token=token, json=body)
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert refused.get_json()["errors"][0]["message"]


def test_notifications_are_for_the_signed_in_only(api):
    assert api.get("/api/v1/me/notifications").status_code == 401
    assert api.post("/api/v1/me/notifications/read", json={"all": True}).status_code == 401


def test_each_person_chooses_at_once_a_daily_digest_or_never(app, api, make, signed_in, outbox):
    instant, daily, never = (make.user("trainee") for _ in range(3))
    signed_in(daily.email).post_form("/account/notifications", {"email": "daily", "reminders": "y"})
    token = make.token(never.email)
    put = api.call(
        "PUT",
        "/api/v1/me/notification-settings",
        token=token,
        json={"email": "never", "reminders": False},
    )
    assert put.status_code == 200 and put.get_json() == {"email": "never", "reminders": False}
    bad = api.call("PUT", "/api/v1/me/notification-settings", token=token, json={"email": "hourly"})
    assert bad.status_code == 422
    notify(app, [instant.id, daily.id, never.id], key="a")
    notify(app, [instant.id, daily.id, never.id], key="b", kind="lessons_added", count=2)
    assert sorted(m["To"] for m in outbox) == [instant.email, instant.email]
    with app.app_context(), unit_of_work():
        asked = services.send_digests(db.session, get_queue(), now=app_now())
    assert asked == 1
    digest = outbox[-1]
    assert digest["To"] == daily.email and str(digest["Subject"]) == (
        "Votre récapitulatif quotidien MRE Academy"
    )
    assert "« Moteurs » est publié" in digest.get_content()
    assert "2 nouvelles leçons dans « Moteurs »" in digest.get_content()
    with app.app_context(), unit_of_work():  # the next morning says nothing twice
        assert services.send_digests(db.session, get_queue(), now=app_now()) == 0
    # everyone sees everything under the bell, whatever the e-mail choice
    for person in (instant, daily, never):
        assert bell(signed_in(person.email).get("/").get_data(as_text=True)) == "2"
    page = signed_in(daily.email).get("/account/notifications").get_data(as_text=True)
    assert re.search(r'value="daily"[^>]*checked|checked[^>]*value="daily"', page)


def test_a_job_that_runs_twice_tells_nobody_twice(app, make):
    user = make.user("trainee")
    assert notify(app, [user.id], key="lessons:1:v2") == 1
    assert notify(app, [user.id], key="lessons:1:v2") == 0
    with app.app_context():
        assert db.session.get(User, user.id).unread_notifications == 1


def test_new_lessons_in_a_published_course_reach_its_enrolled_trainees(
    app, make, signed_in, course, outbox
):
    expert_account, admin_account = make.user("expert", network="DMK"), make.user("admin")
    expert, admin = signed_in(expert_account.email), signed_in(admin_account.email)
    expert.post_form(f"/studio/{course}/submit")
    assert publish_from_the_page(admin, course).status_code == 303
    assert titles(expert.get("/notifications").get_data(as_text=True)) == ["« Moteur » est publié"]
    assert "est publié" not in admin.get("/notifications").get_data(as_text=True)
    enrolled, elsewhere = make.user("trainee", locale="ar"), make.user("trainee")
    make.enrol(enrolled.email, course)

    expert.post_form(
        f"/studio/{course}/modules/basics/lessons",
        {"slug": "filters", "title": "Filtres", "kind": "theory"},
    )
    expert.post_form(f"/studio/{course}/submit")
    assert publish_from_the_page(admin, course).status_code == 303
    page = signed_in(enrolled.email).get("/notifications").get_data(as_text=True)
    assert titles(page) == ["درس جديد في «⁨المحرك⁩»"]  # the "one" form says no number
    assert bell(signed_in(elsewhere.email).get("/").get_data(as_text=True)) is None
    assert enrolled.email in [m["To"] for m in outbox]


def test_a_trainee_quiet_for_a_week_is_reminded_once_unless_they_turned_it_off(
    app, api, make, clock, signed_in
):
    clock.moment = datetime.now(UTC)  # the completion API stamps the real time
    publish(api, make)
    token = enrolled_trainee(api, make)
    muted_token = enrolled_trainee(api, make)
    lesson = f"/api/v1/courses/{SLUG}/modules/checks/lessons/pads/complete"
    for t in (token, muted_token):
        assert api.post(lesson, token=t).status_code in (200, 201)
    muted = api.get("/api/v1/me", token=muted_token).get_json()["email"]
    signed_in(muted).post_form("/account/notifications", {"email": "instant"})  # reminders off

    def reminded():
        with app.app_context(), unit_of_work():
            return remind_inactive(db.session, now=app_now())

    clock.advance(days=3)
    assert reminded() == 0  # not yet a week
    clock.advance(days=5)
    assert reminded() == 1
    assert reminded() == 0  # once per quiet spell
    listed = api.get("/api/v1/me/notifications", token=token).get_json()["items"]
    assert [i["kind"] for i in listed] == ["inactive_reminder"]
    assert "Reprenez « Freinage »" in listed[0]["title"] and "7 jours" in listed[0]["body"]
    assert api.get("/api/v1/me/notifications", token=muted_token).get_json()["total"] == 0
    # back at work, then quiet again: a new spell, a new reminder
    assert api.post(lesson.replace("pads", "fluid"), token=token).status_code in (200, 201)
    clock.advance(days=8)
    assert reminded() == 1


def test_a_timed_attempt_about_to_end_warns_its_trainee_once(app, api, make, clock):
    publish(api, make, time_limit=20)
    token = enrolled_trainee(api, make)
    attempt = api.post(QUIZ, token=token).get_json()

    def warned():
        with app.app_context(), unit_of_work():
            return warn_deadlines(db.session, now=app_now())

    assert warned() == 0
    clock.advance(minutes=16)
    assert warned() == 1 and warned() == 0
    (item,) = api.get("/api/v1/me/notifications", token=token).get_json()["items"]
    assert item["kind"] == "quiz_deadline" and item["url"].endswith(f"/attempts/{attempt['id']}")
    assert "4 minutes" in item["body"]


def test_trainers_get_a_weekly_digest_of_who_needs_attention(app, api, make, clock):
    publish(api, make)
    trainer, calm_trainer = make.user("trainer"), make.user("trainer")
    quiet = make.user("trainee")
    make.cohort(name="TS Freins", courses=[SLUG], trainers=[trainer.email], members=[quiet.email])
    make.cohort(name="Calme", courses=[SLUG], trainers=[calm_trainer.email])
    clock.advance(days=10)
    with app.app_context(), unit_of_work():
        assert send_trainer_digests(db.session, now=app_now()) == 1
    with app.app_context(), unit_of_work():
        assert send_trainer_digests(db.session, now=app_now()) == 0  # once a week
    items = api.get("/api/v1/me/notifications", token=make.token(trainer.email)).get_json()
    (item,) = items["items"]
    assert item["title"] == "Cette semaine, 1 stagiaire a besoin de votre attention"
    assert "TS Freins : 1 stagiaire demande de l’attention" in item["body"]
    assert "show=attention" in item["url"]
    calm = api.get("/api/v1/me/notifications", token=make.token(calm_trainer.email)).get_json()
    assert calm["total"] == 0


def test_the_bell_costs_no_query_and_the_list_a_constant_number(app, make, signed_in, queries):
    user = make.user("trainee")
    reader = signed_in(user.email)
    reader.get("/")
    with queries() as none:
        reader.get("/")
    notify(app, [user.id])
    with queries() as some:
        assert bell(reader.get("/").get_data(as_text=True)) == "1"
    assert len(some) == len(none)
    with queries() as few:
        reader.get("/notifications")
    for n in range(25):
        notify(app, [user.id], key=f"more{n}")
    with queries() as many:
        assert len(titles(reader.get("/notifications").get_data(as_text=True))) == 20
    assert len(many) == len(few)


def test_ticked_ids_that_are_not_ids_mark_nothing_and_break_nothing(app, make, signed_in):
    user = make.user("trainee")
    notify(app, [user.id])
    reader = signed_in(user.email)
    for junk in ("²", "-1", "9" * 30, "1e3", ""):
        assert reader.post_form("/notifications/read", {"ids": junk}).status_code == 303
    assert bell(reader.get("/").get_data(as_text=True)) == "1"
