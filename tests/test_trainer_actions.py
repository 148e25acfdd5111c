"""The trainer acts on one trainee: one more attempt, a failed module reopened, a message,
one trainee added without a CSV, one removed — from the trainee's page and the API, each
recorded (who, when, why) on the trainee's timeline, a double click acting once."""

from __future__ import annotations

import email
import email.policy
import re

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from elearn.cohorts.models import CohortMember, TrainerAction
from elearn.extensions import db
from elearn.notifications.models import Notification
from elearn.quizzes.models import QuizAttempt
from tests.cohortkit import create_cohort, staff
from tests.harness import count_queries, free_port
from tests.mailkit import Inbox, smtp_app
from tests.quizkit import QUIZ, RIGHT, SLUG, answers_for

WRONG = {"q3": False}


@pytest.fixture
def world(api, make):
    """Salé's trainer, a cohort on the brakes course (quiz: 2 attempts), Mehdi in it who
    failed both attempts."""
    people = staff(api, make)
    cohort_id = create_cohort(api, people.sale_token)
    mehdi = make.user("trainee", centre="SALE", email="mehdi@ofppt.example", name="Mehdi Alaoui")
    added = api.post(
        f"/api/v1/cohorts/{cohort_id}/members",
        token=people.sale_token,
        json={"emails": [mehdi.email]},
    )
    assert added.get_json()["added"] == [mehdi.email]
    for _ in range(2):
        assert make.attempt(mehdi.email, SLUG, "checks", WRONG).passed is False
    people.mehdi, people.cohort = mehdi, cohort_id
    people.mehdi_token = make.token(mehdi.email)
    return people


def page_url(w) -> str:
    return f"/cohorts/{w.cohort}/trainees/{w.mehdi.id}"


def api_url(w, action: str = "") -> str:
    return f"/api/v1/cohorts/{w.cohort}/members/{w.mehdi.id}" + (f"/{action}" if action else "")


def token_of(html: str, prefix: str) -> str:
    return re.search(rf'name="{prefix}token" type="hidden" value="([^"]+)"', html).group(1)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
    return re.search(r'value="([^"]*)"', found).group(1)


def start(api, token):
    return api.post(QUIZ, token=token)


def actions_of(app, user_id: int) -> list[tuple]:
    with app.app_context():
        return db.session.execute(
            select(TrainerAction.kind, TrainerAction.reason, TrainerAction.actor_id)
            .where(TrainerAction.user_id == user_id)
            .order_by(TrainerAction.id)
        ).all()


# -- an extra attempt -----------------------------------------------------------------------


def test_out_of_attempts_until_the_trainer_grants_one_on_the_page(app, api, signed_in, world):
    w = world
    assert start(api, w.mehdi_token).status_code == 409
    trainer = signed_in(w.sale.email)
    html = trainer.get(page_url(w)).get_data(as_text=True)
    assert "Accorder une tentative de plus" in html or "Grant one more attempt" in html
    form = {
        "extra-module": f"{SLUG}/checks",
        "extra-reason": "Absent le jour du cours",
        "extra-token": hidden(html, "extra-token"),
    }
    done = trainer.post_form(page_url(w) + "/extra-attempt", form)
    assert done.status_code == 303
    again = trainer.post_form(page_url(w) + "/extra-attempt", form)  # the double click
    assert again.status_code == 303
    assert [a[0] for a in actions_of(app, w.mehdi.id)] == ["extra_attempt"]
    # exactly one more: the third attempt starts, a fourth does not
    third = start(api, w.mehdi_token)
    assert third.status_code == 201 and third.get_json()["attempt_number"] == 3
    submitted = api.post(
        f"/api/v1/attempts/{third.get_json()['id']}/submit",
        token=w.mehdi_token,
        json={"answers": {}},
    )
    assert submitted.status_code == 200
    assert start(api, w.mehdi_token).status_code == 409
    timeline = trainer.get(page_url(w)).get_data(as_text=True)
    assert "Absent le jour du cours" in timeline
    assert "Formateur Salé" in timeline.split('class="timeline"', 1)[1]


def test_the_quiz_page_counts_the_granted_attempt(app, api, signed_in, world):
    w = world
    mehdi = signed_in(w.mehdi.email)
    quiz_page = f"/courses/{SLUG}/modules/checks/quiz"
    assert "Il reste" not in mehdi.get(quiz_page).get_data(as_text=True)
    response = api.post(
        api_url(w, "extra-attempt"),
        token=w.sale_token,
        json={"module": "checks", "reason": "Panne de réseau"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["attempts_left"] == 1 and body["action"]["kind"] == "extra_attempt"
    assert body["action"]["reason"] == "Panne de réseau"
    shown = mehdi.get(quiz_page).get_data(as_text=True)
    assert "Il reste 1 tentative." in shown and "3 tentatives autorisées" in shown


def test_the_api_grants_with_the_contracts_body_alone(app, api, world):
    """shared/spec/api.md gives the body as ``{module}``: a client following the contract
    is served, and the grant is recorded on the timeline without a reason."""
    w = world
    response = api.post(api_url(w, "extra-attempt"), token=w.sale_token, json={"module": "checks"})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["action"]["kind"] == "extra_attempt"
    assert response.get_json()["action"]["reason"] is None
    assert [a[0] for a in actions_of(app, w.mehdi.id)] == ["extra_attempt"]


def test_the_api_retried_with_the_same_idempotency_key_grants_once(app, api, world):
    w = world
    headers = {"Idempotency-Key": "grant-mehdi-1"}
    body = {"module": "checks", "course": SLUG, "reason": "Réseau"}
    first = api.post(api_url(w, "extra-attempt"), token=w.sale_token, json=body, headers=headers)
    second = api.post(api_url(w, "extra-attempt"), token=w.sale_token, json=body, headers=headers)
    assert first.status_code == 201 and second.status_code == 201
    assert first.get_json()["action"]["id"] == second.get_json()["action"]["id"]
    assert second.get_json()["replayed"] is True
    assert len(actions_of(app, w.mehdi.id)) == 1
    assert start(api, w.mehdi_token).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(QuizAttempt)) == 3


# -- reopening ------------------------------------------------------------------------------


def test_reopening_a_failed_module_gives_a_fresh_budget_and_clears_the_flag(
    app, api, signed_in, world
):
    w = world
    trainer = signed_in(w.sale.email)
    dashboard = trainer.get(f"/cohorts/{w.cohort}").get_data(as_text=True)
    attention = dashboard.split('id="attention-title"', 1)[1].split("</section>", 1)[0]
    assert "Mehdi Alaoui" in attention and f"{page_url(w)}#reopen" in attention
    html = trainer.get(page_url(w)).get_data(as_text=True)
    assert 'id="reopen"' in html
    done = trainer.post_form(
        page_url(w) + "/reopen",
        {
            "reopen-module": f"{SLUG}/checks",
            "reopen-reason": "Rattrapage accordé",
            "reopen-token": hidden(html, "reopen-token"),
        },
    )
    assert done.status_code == 303
    grid = api.get(f"/api/v1/cohorts/{w.cohort}/progress", token=w.sale_token).get_json()
    row = grid["courses"][0]["trainees"][0]
    assert row["needs_attention"] == []  # neither out of attempts nor "failed the last"
    dashboard = trainer.get(f"/cohorts/{w.cohort}").get_data(as_text=True)
    assert (
        "Mehdi Alaoui" not in dashboard.split('id="attention-title"', 1)[1].split("</section>")[0]
    )
    # the quiz's full budget again: two attempts
    for number in (3, 4):
        attempt = start(api, w.mehdi_token).get_json()
        assert attempt["attempt_number"] == number
        api.post(f"/api/v1/attempts/{attempt['id']}/submit", token=w.mehdi_token, json={})
    assert start(api, w.mehdi_token).status_code == 409
    # past attempts stay in the record
    assert "tentative 1" in trainer.get(page_url(w)).get_data(as_text=True)


def test_a_module_that_is_not_failed_cannot_be_reopened(app, api, make, world):
    w = world
    other = make.user("trainee", centre="SALE", email="salma@ofppt.example")
    api.post(
        f"/api/v1/cohorts/{w.cohort}/members", token=w.sale_token, json={"emails": [other.email]}
    )
    response = api.post(
        f"/api/v1/cohorts/{w.cohort}/members/{other.id}/reopen",
        token=w.sale_token,
        json={"module": "checks", "reason": "Pourquoi pas"},
    )
    assert response.status_code == 409
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["errors"][0]["path"] == "module"
    assert actions_of(app, other.id) == []


def test_a_quiz_being_taken_is_not_reopened_under_the_trainee(app, api, make, world):
    w = world
    grant = {"module": "checks", "reason": "x"}
    api.post(api_url(w, "extra-attempt"), token=w.sale_token, json=grant)
    assert start(api, w.mehdi_token).status_code == 201  # the third, open: none left
    response = api.post(api_url(w, "reopen"), token=w.sale_token, json=grant)
    assert response.status_code == 409
    assert "une fois la tentative soumise" in response.get_json()["detail"]


def test_a_passed_quiz_reopened_is_refused_and_the_passing_trainee_keeps_the_record(
    app, api, make, world
):
    w = world
    token = w.mehdi_token
    api.post(
        api_url(w, "extra-attempt"), token=w.sale_token, json={"module": "checks", "reason": "x"}
    )
    attempt = start(api, token).get_json()
    api.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        token=token,
        json={"answers": answers_for(attempt, RIGHT)},
    )
    response = api.post(
        api_url(w, "reopen"), token=w.sale_token, json={"module": "checks", "reason": "x"}
    )
    assert response.status_code == 409


# -- a message ------------------------------------------------------------------------------


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    smtp_app(app, controller.port)
    yield inbox
    controller.stop()


def test_a_message_reaches_the_trainee_as_a_notification_and_an_email(
    app, api, signed_in, world, smtp
):
    w = world
    trainer = signed_in(w.sale.email)
    html = trainer.get(page_url(w)).get_data(as_text=True)
    text = "Bonjour Mehdi,\n<script>alert(1)</script> on revoit le module 1 jeudi."
    form = {"message-text": text, "message-token": hidden(html, "message-token")}
    assert trainer.post_form(page_url(w) + "/message", form).status_code == 303
    assert trainer.post_form(page_url(w) + "/message", form).status_code == 303  # twice: once
    assert len(smtp.envelopes) == 1
    assert smtp.envelopes[0].rcpt_tos == [w.mehdi.email]
    sent = email.message_from_bytes(smtp.envelopes[0].content, policy=email.policy.default)
    assert "Formateur Salé" in str(sent["Subject"])
    assert "on revoit le module 1 jeudi" in sent.get_content()
    mehdi = signed_in(w.mehdi.email)
    listing = mehdi.get("/notifications").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in listing and "<script>alert(1)" not in listing
    timeline = trainer.get(page_url(w)).get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; on revoit" in timeline
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Notification)) == 1


def test_a_message_through_the_api_in_arabic_for_an_arabic_trainee(app, api, make, world, smtp):
    w = world
    response = api.post(
        api_url(w, "messages"),
        token=w.sale_token,
        json={"text": "مرحبا، نراجع الوحدة يوم الخميس."},
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["action"]["kind"] == "message"
    assert response.get_json()["action"]["reason"] is None
    sent = email.message_from_bytes(smtp.envelopes[0].content, policy=email.policy.default)
    assert "نراجع الوحدة" in sent.get_content()


@pytest.mark.parametrize(
    "body, path",
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 1001}, "text"),
        ({"text": "ok", "reason": "r" * 201}, "reason"),
        ('{"text": "a\\ud800b"}', "text"),  # a lone surrogate, as raw JSON
    ],
)
def test_a_bad_message_is_a_422_naming_the_field(app, api, world, body, path):
    w = world
    sent = {"json": body} if isinstance(body, dict) else {"data": body}
    response = api.post(
        api_url(w, "messages"),
        token=w.sale_token,
        headers={"Content-Type": "application/json"},
        **sent,
    )
    assert response.status_code == 422, response.get_json()
    assert response.mimetype == "application/problem+json"
    assert path in {e["path"] for e in response.get_json().get("errors", [])}
    assert actions_of(app, w.mehdi.id) == []


def test_page_errors_are_shown_on_the_field(app, signed_in, world):
    w = world
    trainer = signed_in(w.sale.email)
    html = trainer.get(page_url(w)).get_data(as_text=True)
    no_reason = trainer.post_form(
        page_url(w) + "/extra-attempt",
        {"extra-module": f"{SLUG}/checks", "extra-token": hidden(html, "extra-token")},
    )
    assert no_reason.status_code == 422
    page = no_reason.get_data(as_text=True)
    assert re.search(r'id="extra-reason-error">[^<]+<', page)
    assert 'aria-invalid="true"' in page
    long = trainer.post_form(
        page_url(w) + "/message",
        {"message-text": "x" * 1001, "message-token": hidden(html, "message-token")},
    )
    assert long.status_code == 422
    assert 'id="message-text-error"' in long.get_data(as_text=True)
    unknown = trainer.post_form(
        page_url(w) + "/extra-attempt",
        {"extra-module": f"{SLUG}/nowhere", "extra-reason": "x", "extra-token": "t1"},
    )
    assert unknown.status_code == 422
    assert 'id="extra-module-error"' in unknown.get_data(as_text=True)
    assert actions_of(app, w.mehdi.id) == []


# -- adding and removing one trainee --------------------------------------------------------


def test_one_trainee_added_on_the_page_gets_the_welcome_email(app, signed_in, world, smtp):
    w = world
    trainer = signed_in(w.sale.email)
    members = f"/cohorts/{w.cohort}/members"
    html = trainer.get(members).get_data(as_text=True)
    assert 'id="add-one"' in html
    form = {
        "add-email": "Nadia.Idrissi@ofppt.example",
        "add-name": "نادية الإدريسي",
        "add-locale": "ar",
        "add-token": hidden(html, "add-token"),
    }
    assert trainer.post_form(members + "/add", form).status_code == 303
    assert trainer.post_form(members + "/add", form).status_code == 303  # double click
    assert [e.rcpt_tos for e in smtp.envelopes] == [["nadia.idrissi@ofppt.example"]]
    welcome = email.message_from_bytes(smtp.envelopes[0].content, policy=email.policy.default)
    assert "/password/setup/" in welcome.get_content()
    assert "نادية الإدريسي" in welcome.get_content()
    with app.app_context():
        from elearn.accounts.services import find_user

        nadia = find_user(db.session, "nadia.idrissi@ofppt.example")
        assert nadia.locale == "ar" and nadia.centre.code == "SALE"
    assert [a[0] for a in actions_of(app, nadia.id)] == ["add"]
    listed = trainer.get(members).get_data(as_text=True)
    assert "نادية الإدريسي" in listed
    bad = trainer.post_form(
        members + "/add",
        {"add-email": "pas-un-email", "add-name": "X", "add-locale": "fr", "add-token": "t2"},
    )
    assert bad.status_code == 422 and 'id="add-email-error"' in bad.get_data(as_text=True)


def test_an_expert_or_another_centres_trainee_cannot_be_added_one_by_one(app, api, make, world):
    w = world
    expert = w.expert.email
    response = api.post(
        f"/api/v1/cohorts/{w.cohort}/members/one",
        token=w.sale_token,
        json={"email": expert, "name": "X", "locale": "fr"},
    )
    assert response.status_code == 422
    assert "administrat" in response.get_json()["detail"]
    with app.app_context():
        assert (
            db.session.scalar(
                select(func.count())
                .select_from(CohortMember)
                .where(CohortMember.cohort_id == w.cohort)
            )
            == 1
        )


def test_one_trainee_added_through_the_api(app, api, world, smtp):
    w = world
    response = api.post(
        f"/api/v1/cohorts/{w.cohort}/members/one",
        token=w.sale_token,
        json={"email": "karim@ofppt.example", "name": "Karim B.", "locale": "fr"},
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["created_account"] is True and body["action"]["kind"] == "add"
    assert len(smtp.envelopes) == 1
    again = api.post(
        f"/api/v1/cohorts/{w.cohort}/members/one",
        token=w.sale_token,
        json={"email": "karim@ofppt.example", "name": "Karim B.", "locale": "fr"},
    )
    assert again.status_code == 409


def test_removing_asks_first_and_keeps_the_history(app, api, signed_in, world):
    w = world
    trainer = signed_in(w.sale.email)
    confirm = trainer.get(f"/cohorts/{w.cohort}/members/{w.mehdi.id}/remove")
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert "<bdi>Mehdi Alaoui</bdi>" in html
    with app.app_context():  # the confirmation page wrote nothing
        assert db.session.scalar(select(func.count()).select_from(TrainerAction)) == 0
    no_reason = trainer.post_form(
        f"/cohorts/{w.cohort}/members/{w.mehdi.id}/remove", {"token": hidden(html, "token")}
    )
    assert no_reason.status_code == 422 and 'id="reason-error"' in no_reason.get_data(as_text=True)
    form = {"reason": "A quitté la formation", "token": hidden(html, "token")}
    removed = trainer.post_form(f"/cohorts/{w.cohort}/members/{w.mehdi.id}/remove", form)
    assert removed.status_code == 303
    again = trainer.post_form(f"/cohorts/{w.cohort}/members/{w.mehdi.id}/remove", form)
    assert again.status_code == 303  # the double click is told it was done
    assert trainer.get(page_url(w)).status_code == 404
    # the attempts stay the trainee's, and the record stays with the cohort
    mine = api.get("/api/v1/me/courses", token=w.mehdi_token).get_json()
    assert mine[0]["quizzes"][0]["attempts_used"] == 2
    assert [a[:2] for a in actions_of(app, w.mehdi.id)] == [("remove", "A quitté la formation")]
    # added again: the story is whole
    api.post(
        f"/api/v1/cohorts/{w.cohort}/members", token=w.sale_token, json={"emails": [w.mehdi.email]}
    )
    assert "A quitté la formation" in trainer.get(page_url(w)).get_data(as_text=True)


def test_remove_through_the_api_needs_a_reason(app, api, world):
    w = world
    refused = api.post(api_url(w, "removal"), token=w.sale_token, json={})
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["path"] == "reason"
    done = api.post(api_url(w, "removal"), token=w.sale_token, json={"reason": "Abandon"})
    assert done.status_code == 201
    assert (
        api.post(api_url(w, "removal"), token=w.sale_token, json={"reason": "x"}).status_code == 404
    )


# -- the record -----------------------------------------------------------------------------


def test_the_timeline_lists_every_action_in_both_languages(app, api, signed_in, world):
    w = world
    for action, body in [
        ("extra-attempt", {"module": "checks", "reason": "Réseau coupé"}),
        ("messages", {"text": "Courage !", "reason": "Relance"}),
    ]:
        assert api.post(api_url(w, action), token=w.sale_token, json=body).status_code == 201
    listed = api.get(api_url(w, "actions"), token=w.sale_token).get_json()
    assert [a["kind"] for a in listed["items"]] == ["message", "extra_attempt"]
    assert listed["items"][1]["by"] == "Formateur Salé"
    assert listed["items"][1]["module"] == "checks" and listed["items"][1]["course"] == SLUG
    trainer = signed_in(w.sale.email)
    fr = trainer.get(page_url(w) + "?lang=fr").get_data(as_text=True)
    timeline = fr.split('class="timeline"', 1)[1]
    assert "Une tentative de plus accordée" in timeline and "Message envoyé" in timeline
    assert "Réseau coupé" in timeline and "Courage !" in timeline
    ar = trainer.get(page_url(w) + "?lang=ar").get_data(as_text=True)
    timeline = ar.split('class="timeline"', 1)[1]
    assert "مُنحت محاولة إضافية" in timeline and "أُرسلت رسالة" in timeline
    assert 'dir="rtl"' in ar


def test_the_trainee_page_reads_in_a_fixed_number_of_statements(app, api, make, signed_in, world):
    w = world
    trainer = signed_in(w.sale.email)
    trainer.get(page_url(w))  # outlines built in this worker's memory

    def count() -> int:
        with count_queries(app) as statements:
            assert trainer.get(page_url(w)).status_code == 200
        return len(statements)

    few = count()
    for number in range(6):
        api.post(api_url(w, "messages"), token=w.sale_token, json={"text": f"Message {number}"})
        api.post(
            api_url(w, "extra-attempt"),
            token=w.sale_token,
            json={"module": "checks", "reason": "r"},
        )
    many = count()
    assert many == few, (few, many)
    assert few <= 20, few  # 18 today: session, cohort, outline, attempts, actions…


# -- access ---------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["kenitra", "expert"])
def test_others_get_404_and_change_nothing(app, api, signed_in, world, who):
    w = world
    person, token = getattr(w, who), getattr(w, who + "_token")
    for action, body in [
        ("extra-attempt", {"module": "checks", "reason": "x"}),
        ("reopen", {"module": "checks", "reason": "x"}),
        ("messages", {"text": "x"}),
        ("removal", {"reason": "x"}),
    ]:
        assert api.post(api_url(w, action), token=token, json=body).status_code == 404, action
    assert api.get(api_url(w, "actions"), token=token).status_code == 404
    one = api.post(
        f"/api/v1/cohorts/{w.cohort}/members/one",
        token=token,
        json={"email": "z@ofppt.example", "name": "Z", "locale": "fr"},
    )
    assert one.status_code == 404
    browser = signed_in(person.email)
    for path, form in [
        ("/extra-attempt", {"extra-module": f"{SLUG}/checks", "extra-reason": "x"}),
        ("/reopen", {"reopen-module": f"{SLUG}/checks", "reopen-reason": "x"}),
        ("/message", {"message-text": "x"}),
    ]:
        assert browser.post_form(page_url(w) + path, form).status_code == 404, path
    assert browser.get(f"/cohorts/{w.cohort}/members/{w.mehdi.id}/remove").status_code == 404
    assert actions_of(app, w.mehdi.id) == []


def test_a_trainee_is_refused_and_a_non_member_is_a_404(app, api, make, world):
    w = world
    response = api.post(
        api_url(w, "messages"), token=w.mehdi_token, json={"text": "Je me donne une tentative"}
    )
    assert response.status_code == 404
    outsider = make.user("trainee", centre="SALE")
    response = api.post(
        f"/api/v1/cohorts/{w.cohort}/members/{outsider.id}/extra-attempt",
        token=w.sale_token,
        json={"module": "checks", "reason": "x"},
    )
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_an_admin_may_act_on_any_cohort(app, api, world):
    w = world
    response = api.post(
        api_url(w, "extra-attempt"),
        token=w.admin_token,
        json={"module": "checks", "reason": "Décision de la direction"},
    )
    assert response.status_code == 201
