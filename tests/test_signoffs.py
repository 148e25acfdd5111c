"""Review with sign-offs: each network says which sign-offs (domain, pedagogy,
translation) a publication needs and who may give them; they count on the revision in
review only; Publish waits for them, on the page and the API; comments are threaded per
lesson and their people are told."""

from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from elearn.accounts import services as accounts
from elearn.accounts.models import Network
from elearn.authoring.models import Course, CourseComment, CourseSignoff, Lesson, Module
from elearn.extensions import db
from elearn.notifications.models import Notification
from tests.factories import package
from tests.harness import count_queries
from tests.studiokit import publish_from_the_page

SLUG = "engine-basics"
REVIEW = f"/studio/{SLUG}/review"


def _page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _flashes(html: str) -> str:
    return " ".join(re.findall(r'class="flash[^"]*"[^>]*>(.*?)<', html, re.S))


@pytest.fixture
def w(app, make, signed_in):
    """DMK's engine course in review; DMK requires domain and pedagogy; a C3M expert
    reviews DMK's domain and translation, a trainer its pedagogy; the DMK expert (an author)
    also holds the domain role; a trainer of nowhere reviews nothing."""
    course = make.course(package())
    people = SimpleNamespace(
        admin=make.user("admin", name="Admin"),
        author=make.user("expert", network="DMK", name="Autrice DMK"),
        domain=make.user("expert", network="C3M", name="Leïla Domaine"),
        pedagogy=make.user("trainer", name="Rachid Pédagogie"),
        outsider=make.user("trainer", name="Formateur Ailleurs"),
    )
    with app.app_context():
        dmk = db.session.scalar(select(Network).where(Network.code == "DMK"))
        accounts.require_signoffs(dmk, ["pedagogy", "domain"])
        for user, role in (
            (people.domain, "domain"),
            (people.domain, "translation"),
            (people.pedagogy, "pedagogy"),
            (people.author, "domain"),
        ):
            accounts.add_reviewer(db.session, dmk, user.email, role)
        db.session.commit()
        people.dmk_id = dmk.id
        lessons = db.session.scalars(
            select(Lesson.id)
            .join(Module)
            .join(Course)
            .where(Course.slug == SLUG)
            .order_by(Lesson.position)
        ).all()
    people.course = course
    for name in ("admin", "author", "domain", "pedagogy", "outsider"):
        user = getattr(people, name)
        user.client = signed_in(user.email)
        user.token = make.token(user.email)
    people.lessons = lessons
    submitted = people.author.client.post_form(f"/studio/{SLUG}/submit")
    assert submitted.status_code == 303
    return people


def _sign(client, role):
    return client.post_form(f"{REVIEW}/signoffs", {"role": role})


def _status(app) -> str:
    with app.app_context():
        return db.session.scalar(select(Course.status).where(Course.slug == SLUG))


def test_publish_waits_for_the_sign_offs_on_page_and_api_then_works(app, api, w):
    page = _page(w.admin.client, REVIEW)
    # Publish has its own section, disabled with the reason, apart from Send back
    publish = re.search(r'<section class="publish-box".*?</section>', page, re.S).group(0)
    assert "Signatures manquantes : Expertise du domaine et Pédagogie" in publish
    assert re.search(r"<button[^>]*disabled[^>]*>Publier</button>", publish)
    assert "send_back" not in publish and "/return" not in publish and "textarea" not in publish
    send_back = re.search(r'<section class="send-back-box".*?</section>', page, re.S).group(0)
    assert 'action="/studio/engine-basics/return"' in send_back and "<textarea" in send_back

    # clicking anyway (or an old page): refused, naming the roles
    refused = publish_from_the_page(w.admin.client, SLUG)
    assert refused.status_code == 303
    followed = w.admin.client.get(refused.headers["Location"]).get_data(as_text=True)
    assert "Signatures manquantes : Expertise du domaine, Pédagogie" in _flashes(followed)
    answer = api.post(f"/api/v1/courses/{SLUG}/publish", token=w.admin.token)
    assert answer.status_code == 409
    assert answer.get_json()["missing"] == ["domain", "pedagogy"]
    assert "Expertise du domaine, Pédagogie" in answer.get_json()["detail"]
    assert _status(app) == "in_review"

    # the domain reviewer signs off in the page, the pedagogy reviewer through the API
    assert _sign(w.domain.client, "domain").status_code == 303
    page = _page(w.admin.client, REVIEW)
    assert "Signatures manquantes : Pédagogie" in page
    given = api.post(
        f"/api/v1/courses/{SLUG}/signoffs", token=w.pedagogy.token, json={"role": "pedagogy"}
    )
    assert given.status_code == 201, given.get_json()
    body = given.get_json()
    assert body["role"] == "pedagogy" and body["user"] == w.pedagogy.email
    assert len(body["revision"]) == 64 and body["created_at"]

    page = _page(w.admin.client, REVIEW)
    assert "Signatures manquantes" not in page
    assert "signé par <bdi>Leïla Domaine</bdi>" in page
    assert not re.search(r"<button[^>]*disabled[^>]*>Publier</button>", page)
    listed = api.get(f"/api/v1/courses/{SLUG}/signoffs", token=w.admin.token).get_json()
    assert listed["missing"] == [] and {s["role"] for s in listed["items"]} == {
        "domain",
        "pedagogy",
    }
    assert publish_from_the_page(w.admin.client, SLUG).status_code == 303
    assert _status(app) == "published"


def test_who_may_sign_off_what(app, api, w):
    url = f"/api/v1/courses/{SLUG}/signoffs"
    # an author holding the role cannot vouch for their own course; the message says why
    mine = api.post(url, token=w.author.token, json={"role": "domain"})
    assert mine.status_code == 403
    assert "vous ne pouvez pas le signer" in mine.get_json()["detail"]
    assert "(sauf pour l’administration)" in mine.get_json()["detail"]
    page = _page(w.author.client, REVIEW)
    assert "vous ne pouvez pas le signer" in page and 'data-signoff="domain"' not in page
    # a reviewer signs off only the roles they hold
    other = api.post(url, token=w.pedagogy.token, json={"role": "domain"})
    assert other.status_code == 403 and other.get_json()["errors"][0]["path"] == "role"
    # someone who reviews nothing does not learn the course exists
    assert api.post(url, token=w.outsider.token, json={"role": "domain"}).status_code == 404
    assert api.get(url, token=w.outsider.token).status_code == 404
    assert w.outsider.client.get(REVIEW).status_code == 404
    # a role that does not exist
    bad = api.post(url, token=w.domain.token, json={"role": "grammar"})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"] == "role"
    # the buttons: one per role held
    page = _page(w.domain.client, REVIEW)
    assert 'data-signoff="domain"' in page and 'data-signoff="translation"' in page
    assert 'data-signoff="pedagogy"' not in page
    # twice is once; an admin may sign off too
    first = api.post(url, token=w.domain.token, json={"role": "domain"}).get_json()
    again = api.post(url, token=w.domain.token, json={"role": "domain"})
    assert again.status_code == 201 and again.get_json()["created_at"] == first["created_at"]
    assert api.post(url, token=w.admin.token, json={"role": "pedagogy"}).status_code == 201
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(CourseSignoff)) == 2
    # a course not in review cannot be signed off
    w.admin.client.post_form(f"/studio/{SLUG}/return", {"comment": "À revoir."})
    late = api.post(url, token=w.domain.token, json={"role": "translation"})
    assert late.status_code == 409


def test_an_edit_after_the_sign_offs_asks_for_them_again(app, api, w):
    assert _sign(w.domain.client, "domain").status_code == 303
    assert _sign(w.pedagogy.client, "pedagogy").status_code == 303
    edit = f"/studio/{SLUG}/modules/basics/lessons/cycle/edit?lang=fr"
    saved = w.author.client.post_form(
        edit, {"lang": "fr", "title": "Le cycle", "markdown": "Texte revu.", "action": "save"}
    )
    assert saved.status_code in (200, 303)
    listed = api.get(f"/api/v1/courses/{SLUG}/signoffs", token=w.admin.token).get_json()
    assert listed["items"] == [] and listed["missing"] == ["domain", "pedagogy"]
    # signing the changed copy before it is submitted again is refused
    refused = api.post(
        f"/api/v1/courses/{SLUG}/signoffs", token=w.domain.token, json={"role": "domain"}
    )
    assert refused.status_code == 409 and "soumis à nouveau" in refused.get_json()["detail"]
    assert w.author.client.post_form(f"/studio/{SLUG}/submit").status_code == 303
    answer = api.post(f"/api/v1/courses/{SLUG}/publish", token=w.admin.token)
    assert answer.status_code == 409 and answer.get_json()["missing"] == ["domain", "pedagogy"]
    assert _sign(w.domain.client, "domain").status_code == 303
    assert _sign(w.pedagogy.client, "pedagogy").status_code == 303
    assert api.post(f"/api/v1/courses/{SLUG}/publish", token=w.admin.token).status_code == 200


def test_a_network_without_requirements_publishes_as_before(app, api, w):
    answer = api.patch("/api/v1/networks/DMK", token=w.admin.token, json={"required_signoffs": []})
    assert answer.status_code == 200 and answer.get_json()["required_signoffs"] == []
    page = _page(w.admin.client, REVIEW)
    assert "Ce réseau n’exige aucune signature" in page or "aucune signature" in page
    assert publish_from_the_page(w.admin.client, SLUG).status_code == 303
    assert _status(app) == "published"


def test_network_settings_by_api_and_page(app, api, w):
    url = "/api/v1/networks/DMK"
    set_ = api.patch(url, token=w.admin.token, json={"required_signoffs": ["translation"]})
    assert set_.status_code == 200 and set_.get_json()["required_signoffs"] == ["translation"]
    items = api.get("/api/v1/networks?per_page=50", token=w.outsider.token).get_json()["items"]
    assert {n["code"]: n["required_signoffs"] for n in items}["DMK"] == ["translation"]
    assert {n["code"]: n["required_signoffs"] for n in items}["AEROMAC"] == []
    bad = api.patch(url, token=w.admin.token, json={"required_signoffs": ["grammar"]})
    assert bad.status_code == 422 and bad.get_json()["errors"][0]["path"].startswith(
        "required_signoffs"
    )
    assert api.patch(url, token=w.domain.token, json={"required_signoffs": []}).status_code == 403
    assert api.patch("/api/v1/networks/NONE", token=w.admin.token, json={"required_signoffs": []})
    assert (
        api.patch(
            "/api/v1/networks/NONE", token=w.admin.token, json={"required_signoffs": []}
        ).status_code
        == 404
    )

    admin = w.admin.client
    network_page = f"/admin/networks/{w.dmk_id}"
    page = _page(admin, network_page)
    assert '<input checked id="required_signoffs-2" name="required_signoffs"' in page
    assert 'data-reviewer="' + w.pedagogy.email + '" data-role="pedagogy"' in page
    saved = admin.post_form(
        network_page,
        {
            "code": "DMK",
            "name_fr": "DMK",
            "name_ar": "دمك",
            "country": "DE",
            "domains": "automotive",
            "required_signoffs": ["domain", "pedagogy"],
        },
    )
    assert saved.status_code == 303
    with app.app_context():
        assert db.session.get(Network, w.dmk_id).required_signoffs == ["domain", "pedagogy"]
    # reviewers: added by e-mail and role, removed
    added = admin.post_form(
        f"{network_page}/reviewers", {"email": w.outsider.email, "role": "translation"}
    )
    assert added.status_code == 303
    page = _page(admin, network_page)
    assert f'data-reviewer="{w.outsider.email}" data-role="translation"' in page
    unknown = admin.post_form(
        f"{network_page}/reviewers", {"email": "nobody@ofppt.example", "role": "domain"}
    )
    assert "Aucun compte" in _flashes(admin.get(unknown.headers["Location"]).get_data(as_text=True))
    with app.app_context():
        from elearn.accounts.models import NetworkReviewer

        row = db.session.scalar(
            select(NetworkReviewer.id)
            .where(NetworkReviewer.role == "translation")
            .where(NetworkReviewer.user_id == w.outsider.id)
        )
    assert admin.post_form(f"{network_page}/reviewers/{row}/remove").status_code == 303
    assert f'data-reviewer="{w.outsider.email}"' not in _page(admin, network_page)


def _notified(app, user, kind="review_comment") -> list[Notification]:
    with app.app_context():
        return db.session.scalars(
            select(Notification).where(Notification.user_id == user.id, Notification.kind == kind)
        ).all()


def test_comments_are_threaded_per_lesson_and_their_people_told(app, w):
    cycle, oil = w.lessons
    url = f"{REVIEW}/comments"
    said = w.domain.client.post_form(url, {"lesson": cycle, "body": "Le schéma manque."})
    assert said.status_code == 303 and "#comment-" in said.headers["Location"]
    told = _notified(app, w.author)
    assert len(told) == 1 and told[0].params["excerpt"] == "Le schéma manque."
    assert told[0].url.startswith(REVIEW + "#comment-")
    with app.app_context():
        first = db.session.scalar(select(CourseComment))
    # the author answers in the thread; the comment's writer hears of it
    reply = w.author.client.post_form(
        url, {"lesson": cycle, "parent": first.id, "body": "Ajouté, merci."}
    )
    assert reply.status_code == 303
    assert len(_notified(app, w.domain)) == 1 and len(_notified(app, w.author)) == 1
    page = _page(w.pedagogy.client, REVIEW)
    section = re.search(
        rf'<section class="comment-thread" id="lesson-{cycle}".*?</section>', page, re.S
    )
    assert section and "Le schéma manque." in section.group(0)
    assert re.search(r'class="comment reply".*?Ajouté, merci\.', section.group(0), re.S)
    other = re.search(
        rf'<section class="comment-thread" id="lesson-{oil}".*?</section>', page, re.S
    )
    assert "Le schéma manque." not in other.group(0)

    # a reply must belong to the same lesson; a comment needs words, and not a novel
    wrong = w.author.client.post_form(url, {"lesson": oil, "parent": first.id, "body": "x"})
    assert "même leçon" in _flashes(
        w.author.client.get(wrong.headers["Location"]).get_data(as_text=True)
    )
    empty = w.domain.client.post_form(url, {"lesson": cycle, "body": "   "})
    assert _flashes(w.domain.client.get(empty.headers["Location"]).get_data(as_text=True))
    w.domain.client.post_form(url, {"body": "x" * 4001})
    with app.app_context():
        assert db.session.scalar(select(db.func.count()).select_from(CourseComment)) == 2
    # a general comment, and nobody outside the review writes one
    assert w.admin.client.post_form(url, {"body": "Bien dans l’ensemble."}).status_code == 303
    assert w.outsider.client.post_form(url, {"body": "Spam"}).status_code == 404
    with app.app_context():
        general = db.session.scalar(select(CourseComment).where(CourseComment.lesson_id.is_(None)))
        assert general.body == "Bien dans l’ensemble."


def test_submitting_tells_the_networks_reviewers(app, w):
    for user in (w.domain, w.pedagogy, w.admin):
        assert len(_notified(app, user, "review_submitted")) == 1, user.email
    assert _notified(app, w.outsider, "review_submitted") == []


def test_the_queue_shows_reviewers_their_courses_with_sign_off_status(app, api, make, w):
    assert _sign(w.domain.client, "domain").status_code == 303
    page = _page(w.pedagogy.client, "/studio/review")  # a trainer reviewing pedagogy
    card = re.search(r'<li class="card" data-course="engine-basics">.*?</li>\s*</ul>', page, re.S)
    assert card, page
    assert f'href="{REVIEW}"' in card.group(0)
    assert re.search(
        r'data-role="domain" class="done">Expertise du domaine — Leïla Domaine', card.group(0)
    )
    assert re.search(r'data-role="pedagogy" class="missing">', card.group(0))
    assert "/studio/review" in _page(w.pedagogy.client, "/")  # their way to it
    assert 'href="/studio/review"' in _page(w.domain.client, "/studio/")  # an expert's
    assert w.outsider.client.get("/studio/review").status_code == 403
    assert "/studio/review" not in _page(w.outsider.client, "/")
    assert _page(w.pedagogy.client, REVIEW)  # and the review page opens

    # the queue's statements do not grow with the courses in it
    with count_queries(app) as one:
        _page(w.pedagogy.client, "/studio/review")
    for slug in ("engine-two", "engine-three", "engine-four"):
        make.course(package(slug))
        assert api.post(f"/api/v1/courses/{slug}/submit", token=w.author.token).status_code == 200
        for role, who in (("domain", w.domain), ("pedagogy", w.pedagogy)):
            given = api.post(
                f"/api/v1/courses/{slug}/signoffs", token=who.token, json={"role": role}
            )
            assert given.status_code == 201
    with count_queries(app) as four:
        page = _page(w.pedagogy.client, "/studio/review")
    assert page.count('class="card"') == 4
    assert len(four) == len(one), (len(one), len(four))
    # a course of another network is not theirs to review; the admins see every network's
    make.course(package("wings", network="AEROMAC"))
    aeromac = make.user("expert", network="AEROMAC")
    assert (
        api.post("/api/v1/courses/wings/submit", token=make.token(aeromac.email)).status_code == 200
    )
    assert 'data-course="wings"' not in _page(w.pedagogy.client, "/studio/review")
    assert w.pedagogy.client.get("/studio/wings/review").status_code == 404
    assert 'data-course="wings"' in _page(w.admin.client, "/studio/review")


def test_the_review_page_does_not_query_per_comment(app, w):
    cycle, oil = w.lessons
    url = f"{REVIEW}/comments"
    w.domain.client.post_form(url, {"lesson": cycle, "body": "Premier."})
    with count_queries(app) as few:
        _page(w.author.client, REVIEW)
    for n, (who, lesson) in enumerate(
        [(w.domain, cycle), (w.pedagogy, oil), (w.admin, None), (w.author, oil)] * 2
    ):
        form = {"body": f"Remarque {n}."}
        if lesson:
            form["lesson"] = lesson
        assert who.client.post_form(url, form).status_code == 303
    with app.app_context():
        first = db.session.scalar(select(CourseComment.id).order_by(CourseComment.id))
    w.author.client.post_form(url, {"lesson": cycle, "parent": first, "body": "Réponse."})
    with count_queries(app) as many:
        page = _page(w.author.client, REVIEW)
    assert page.count('class="comment-body"') == 10
    assert len(many) == len(few), (len(few), len(many))


def test_the_networks_reviewers_read_the_changes_others_do_not_learn_the_course_exists(api, w):
    for person in (w.domain, w.pedagogy, w.author, w.admin):
        answer = api.get(f"/api/v1/courses/{SLUG}/changes", token=person.token)
        assert answer.status_code == 200, answer.get_json()
        # never published: every lesson comes as added
        assert {c["change"] for c in answer.get_json()["lessons"]} == {"added"}
    refused = api.get(f"/api/v1/courses/{SLUG}/changes", token=w.outsider.token)
    assert refused.status_code == 404
    missing = api.get("/api/v1/courses/no-such-course/changes", token=w.domain.token)
    assert missing.status_code == 404
