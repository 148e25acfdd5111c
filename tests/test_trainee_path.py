"""The trainee's path: a home built around learning (continue with the next step, courses
in progress, what a trainer assigned, what was published lately), the catalogue marking
the courses followed, lessons that say where they sit, a word after "mark complete",
"resume" only once something was done, and a quiz that asks before grading blank
questions — each page in a fixed number of statements."""

from __future__ import annotations

import re

import pytest

from tests import quizkit
from tests.factories import package

ENGINE = "/courses/engine-basics"
CYCLE = f"{ENGINE}/modules/basics/lessons/cycle"
OIL = f"{ENGINE}/modules/basics/lessons/oil"


def statements(sent) -> int:
    return len([q for q in sent if not q.startswith(("BEGIN", "SAVEPOINT", "RELEASE"))])


def section(page: str, heading: str) -> str:
    """The part of the page from a heading to the next section heading (h1 to h3)."""
    start = page.index(f">{heading}</h")
    following = re.search(r"<h[1-3][ >]", page[start + len(heading) + 8 :])
    end = start + len(heading) + 8 + following.start() if following else len(page)
    return page[start:end]


def card(page: str, title: str) -> str:
    """The card (``<li class="card">`` or ``<div class="card …">``) holding a course title."""
    at = page.index(f">{title}</a>")
    start = max(page.rfind('<li class="card"', 0, at), page.rfind('<div class="card', 0, at))
    return page[start : page.index("</li>" if page[start + 1] == "l" else "</div>", at)]


@pytest.fixture
def courses(make):
    """Four published courses: the engine (two lessons and a quiz), two more like it and
    the brakes course (a quiz of five questions)."""
    for slug in ("engine-basics", "engine-two", "engine-three"):
        make.course(package(slug=slug), publish=True)
    make.course(quizkit.quiz_package(), publish=True)


def trainee_client(app, make, *, locale="fr", **kwargs):
    trainee = make.user("trainee", locale=locale, **kwargs)
    client = app.test_client()
    assert client.login(trainee.email).status_code == 303
    return trainee, client


# -- home ---------------------------------------------------------------------------------


def test_the_home_continues_with_the_next_lesson_and_lists_the_rest(app, make, courses):
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "engine-basics")
    make.enrol(trainee.email, "brakes")
    client.post_form(f"{CYCLE}/complete")
    # the cohort's course, not started, is what the trainer assigned
    make.cohort(courses=["engine-two"], members=[trainee.email])

    page = client.get("/").get_data(as_text=True)
    resume = card(page, "Moteur")
    assert "continue-card" in resume and "Ensuite : L&#39;huile (Bases)" in resume
    assert f'href="{OIL}"' in resume and "Reprendre là où vous en étiez" in resume
    assert 'value="33"' in resume and "33 % réalisé" in resume.replace("\u202f", " ")
    # brakes: enrolled, nothing done yet, so it starts (no "resume" at 0 %)
    in_progress = section(page, "En cours")
    brakes = card(page, "Freinage")
    assert "Freinage" in in_progress and 'value="0"' in brakes
    assert "Commencer le cours" in brakes and "Reprendre" not in brakes
    assert 'href="/courses/brakes/modules/checks/lessons/pads"' in brakes
    assigned = section(page, "Proposés par votre formateur ou formatrice")
    assert "/courses/engine-two" in assigned and "2 leçons" in assigned
    assert "Commencer le cours" in assigned and "/courses/engine-two/modules/basics" in assigned
    # published lately: what may be followed and is not followed yet
    recent = section(page, "Publiés récemment")
    assert "/courses/engine-three" in recent
    assert "/courses/engine-basics" not in recent and "/courses/engine-two" not in recent
    # the account's own card is still there
    assert "/account" in page


def test_once_the_lessons_are_read_the_home_goes_to_the_module_quiz(app, make, courses):
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "engine-basics")
    client.post_form(f"{CYCLE}/complete")
    client.post_form(f"{OIL}/complete")
    resume = card(client.get("/").get_data(as_text=True), "Moteur")
    assert "Ensuite : le quiz de « Bases »" in resume.replace("\u202f", " ")
    assert f'href="{ENGINE}/modules/basics/quiz"' in resume and "Passer le quiz du module" in resume
    # passed: the course is complete, counted and no longer offered
    make.attempt(trainee.email, "engine-basics", "basics", {"q1": True})
    page = client.get("/").get_data(as_text=True)
    assert "continue-card" not in page and "1 cours terminé." in page


def test_the_home_speaks_arabic_with_its_plural_forms(app, make, courses):
    trainee, client = trainee_client(app, make, locale="ar")
    make.cohort(courses=["engine-two"], members=[trainee.email])
    page = client.get("/?lang=ar").get_data(as_text=True)
    assert 'dir="rtl"' in page and "مسار التعلّم" in page
    assigned = section(page, "دورات مقترحة من هيئة التكوين")
    assert "درسان" in assigned and "بدء الدورة" in assigned  # two lessons: the dual


def test_other_roles_keep_their_home_cards(app, make, courses, signed_in):
    admin = signed_in(make.user("admin").email)
    page = admin.get("/").get_data(as_text=True)
    assert "/admin/users" in page and "/admin/centres" in page and "/account" in page
    assert "learning-home" not in page
    expert = signed_in(make.user("expert").email)
    assert "learning-home" not in expert.get("/").get_data(as_text=True)
    # a trainer who also follows a course sees it
    trainer = make.user("trainer", roles=["trainer"])
    make.enrol(trainer.email, "engine-basics")
    client = app.test_client()
    client.login(trainer.email)
    assert "learning-home" in client.get("/").get_data(as_text=True)


def test_a_new_trainee_is_sent_to_the_catalogue(app, make, courses):
    _trainee, client = trainee_client(app, make)
    page = client.get("/").get_data(as_text=True)
    assert "Vous ne suivez encore aucun cours." in page.replace("'", "’")
    assert 'href="/courses"' in page


def test_the_home_costs_the_same_statements_for_one_course_or_four(app, make, courses, queries):
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "engine-basics")
    client.post_form(f"{CYCLE}/complete")
    client.get("/")  # this worker builds the outlines once
    with queries() as one:
        client.get("/")
    make.enrol(trainee.email, "brakes")
    make.enrol(trainee.email, "engine-three")
    make.cohort(courses=["engine-two"], members=[trainee.email])
    client.post_form("/courses/brakes/modules/checks/lessons/pads/complete")
    client.get("/")
    with queries() as four:
        page = client.get("/").get_data(as_text=True)
    assert page.count("<progress") == 3  # resume, brakes and engine-three in progress
    # who, the reviewer check, the networks, the enrolments, the lessons read, the quiz
    # results, published lately — whatever the number of courses
    assert statements(one) == statements(four) == 7, four


# -- catalogue ----------------------------------------------------------------------------


def test_the_catalogue_marks_the_courses_followed_with_their_progress(app, make, courses, queries):
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "engine-basics")
    client.post_form(f"{CYCLE}/complete")
    client.get("/courses")
    with queries() as one:
        page = client.get("/courses").get_data(as_text=True)
    engine = card(page, "Moteur")
    assert "Dans mes cours" in engine and 'value="33"' in engine
    assert "33 % réalisé" in engine.replace("\u202f", " ")
    assert "Dans mes cours" not in card(page, "Freinage") and page.count("<progress") == 1
    make.enrol(trainee.email, "brakes")
    make.enrol(trainee.email, "engine-three")
    client.get("/courses")
    with queries() as three:
        page = client.get("/courses").get_data(as_text=True)
    assert page.count("Dans mes cours") == 3 and page.count("<progress") == 3
    assert statements(one) == statements(three)  # no query per course


# -- lessons ------------------------------------------------------------------------------


def test_a_lesson_says_where_it_sits_and_what_the_module_holds(app, make, courses):
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "engine-basics")
    client.post_form(f"{CYCLE}/complete")
    page = client.get(OIL).get_data(as_text=True)
    place = page.split('class="lesson-place', 1)[1].split("</p>", 1)[0]
    assert "<bdi>Bases</bdi> · Leçon 2 sur 2" in place
    outline = page.split('class="module-outline"', 1)[1].split("</nav>", 1)[0]
    assert "Dans ce module" in outline
    items = re.findall(r"<li[^>]*>.*?</li>", outline, re.S)
    assert len(items) == 2
    assert "✓" in items[0] and f'href="{CYCLE}"' in items[0] and "aria-current" not in items[0]
    assert "✓" not in items[1] and 'aria-current="page"' in items[1]
    assert 'value="33"' in outline and "Cours : 33 % réalisé" in outline.replace("\u202f", " ")
    # the headings stay in order: h1 the lesson, h2 the module's outline
    assert page.index("<h1") < page.index('id="module-outline-title"')


def test_a_trainer_reads_the_outline_without_marks_or_progress(app, make, courses):
    trainer = make.user("trainer")
    make.cohort(courses=["engine-basics"], trainers=[trainer.email])
    client = app.test_client()
    client.login(trainer.email)
    page = client.get(OIL).get_data(as_text=True)
    assert "Leçon 2 sur 2" in page and 'aria-current="page"' in page
    outline = page.split('class="module-outline"', 1)[1].split("</nav>", 1)[0]
    assert "✓" not in outline and "<progress" not in outline


def test_the_lesson_page_costs_the_same_for_a_short_or_long_history(app, make, queries):
    make.course(quizkit.quiz_package(), publish=True)
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "brakes")
    pads = "/courses/brakes/modules/checks/lessons/pads"
    client.get(pads)
    with queries() as before:
        client.get(pads)
    client.post_form(f"{pads}/complete")
    make.attempt(trainee.email, "brakes", "checks", {"q3": True})
    with queries() as after:
        page = client.get(pads).get_data(as_text=True)
    assert "✓" in page
    # who, the course, enrolled-and-read, the quiz results, the lesson's HTML
    assert statements(before) == statements(after) == 5, after


def test_mark_complete_says_so_on_the_next_page(app, make, courses):
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "engine-basics")
    moved = client.post_form(f"{CYCLE}/complete")
    assert moved.headers["Location"] == OIL
    page = client.get(OIL).get_data(as_text=True)
    flash = re.search(r'<p class="flash flash-success" role="status">([^<]*)</p>', page)
    assert flash and flash.group(1).replace("\u202f", " ") == (
        "Leçon terminée : 33 % du cours réalisé."
    )
    # said once: the page after it is quiet
    assert "Leçon terminée" not in client.get(OIL).get_data(as_text=True)


def test_the_course_offers_to_resume_only_once_something_was_done(app, make, courses):
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "engine-basics")
    page = client.get(ENGINE).get_data(as_text=True)
    assert "Commencer le cours" in page and "Reprendre" not in page
    assert f'class="button" href="{CYCLE}"' in page
    client.post_form(f"{CYCLE}/complete")
    page = client.get(ENGINE).get_data(as_text=True)
    assert "Reprendre là où vous en étiez" in page and "Commencer le cours" not in page
    assert f'class="button" href="{OIL}"' in page
    # My learning says the same
    mine = client.get("/my/learning").get_data(as_text=True)
    assert "Reprendre là où vous en étiez" in mine
    # a quiz tried counts as something done, even with no lesson read
    other, other_client = trainee_client(app, make)
    make.enrol(other.email, "brakes")
    make.attempt(other.email, "brakes", "checks", {"q3": True})
    page = other_client.get("/courses/brakes").get_data(as_text=True)
    assert "Reprendre là où vous en étiez" in page


# -- quiz: blank questions ----------------------------------------------------------------


def start_attempt(client) -> str:
    started = client.post_form("/courses/brakes/modules/checks/quiz/attempts")
    assert started.status_code == 303, started.get_data(as_text=True)
    return started.headers["Location"]


def radio(page: str, key: str, value: str | None = None) -> str:
    """A radio button's value (its choice token) for question ``key``."""
    wanted = re.escape(value) if value else '[^"]+'
    pattern = f'name="q-{key}" value="({wanted})"'
    return re.search(pattern, page).group(1)


def test_submitting_with_blank_questions_asks_first_and_loses_nothing(app, make):
    make.course(quizkit.quiz_package(), publish=True)
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "brakes")
    url = start_attempt(client)
    page = client.get(url).get_data(as_text=True)
    assert 'id="unanswered"' not in page and 'id="submit-anyway"' not in page
    answered = {"q-q3": radio(page, "q3", "true"), "q-q5": "étrier", "action": "submit"}
    asked = client.post_form(url, answered)
    assert asked.status_code == 303 and asked.headers["Location"] == f"{url}?confirm=1#unanswered"
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    box = page.split('id="unanswered"', 1)[1].split("</div>", 1)[0]
    assert 'role="status"' in box and "3 questions sont encore sans réponse." in box
    # each blank question a link away, by the number the page shows it with
    blank = re.findall(r'<a href="#question-(q\d)">Question (\d)</a>', box)
    assert sorted(key for key, _n in blank) == ["q1", "q2", "q4"]
    for key, number in blank:
        legend = page.split(f'id="question-{key}"', 1)[1].split("</legend>", 1)[0]
        assert f"Question {number} " in legend
    assert 'id="submit-anyway"' in page and "Envoyer quand même" in page
    # nothing graded, nothing lost: still an attempt, the answers given are there
    assert "/result" not in page and 'name="action" value="submit"' in page
    assert 'value="true" checked' in page and 'value="étrier"' in page
    assert 'name="confirm" value="1"' in page
    # "submit anyway" grades it as it is
    done = client.post_form(url, {**answered, "confirm": "1"})
    assert done.status_code == 303 and done.headers["Location"] == url
    result = client.get(url).get_data(as_text=True)
    assert "Envoyer quand même" not in result
    assert 'class="quiz-form"' not in result  # the result page, not the form


def test_a_complete_submission_is_graded_at_once(app, make):
    make.course(quizkit.quiz_package(), publish=True)
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "brakes")
    url = start_attempt(client)
    page = client.get(url).get_data(as_text=True)
    boxes = re.findall(r'name="q-q2" value="([^"]+)"', page)
    form = {
        "q-q1": radio(page, "q1"),
        "q-q2": boxes[0],
        "q-q3": radio(page, "q3", "true"),
        "q-q4": "2,3",
        "q-q5": "étrier",
        "action": "submit",
    }
    graded = client.post_form(url, form)
    assert graded.headers["Location"] == url
    assert 'class="quiz-form"' not in client.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("answered", "wanted"),
    [(4, "سؤال واحد دون إجابة بعد."), (3, "سؤالان دون إجابة بعد."), (0, "5 أسئلة دون إجابة بعد.")],
)
def test_the_count_of_blank_questions_takes_the_arabic_plural(app, make, answered, wanted):
    make.course(quizkit.quiz_package(), publish=True)
    trainee, client = trainee_client(app, make, locale="ar")
    make.enrol(trainee.email, "brakes")
    url = start_attempt(client)
    page = client.get(url).get_data(as_text=True)
    given = {
        "q-q3": radio(page, "q3", "true"),
        "q-q4": "2,3",
        "q-q5": "x",
        "q-q1": radio(page, "q1"),
    }
    form = dict(list(given.items())[:answered])
    asked = client.post_form(url, {**form, "action": "submit"})
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    box = page.split('id="unanswered"', 1)[1].split("</div>", 1)[0]
    assert wanted in box.translate(str.maketrans("٠١٢٣٤٥٦٧٨٩", "0123456789")), box


def test_the_api_still_grades_blank_questions_without_asking(api, make):
    quizkit.publish(api, make)
    token = quizkit.enrolled_trainee(api, make)
    attempt = api.post(quizkit.QUIZ, token=token).get_json()
    done = api.post(f"/api/v1/attempts/{attempt['id']}/submit", token=token, json={"answers": {}})
    assert done.status_code == 200 and done.get_json()["passed"] is False


def test_when_time_is_up_the_submission_is_graded_without_asking(app, make, clock):
    make.course(quizkit.quiz_package(time_limit=1), publish=True)
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "brakes")
    url = start_attempt(client)
    page = client.get(url).get_data(as_text=True)
    assert 'role="timer"' in page
    clock.advance(seconds=65)  # past the deadline, inside the grace the timer's click gets
    graded = client.post_form(url, {"q-q3": radio(page, "q3", "true"), "action": "submit"})
    assert graded.headers["Location"] == url
    assert 'class="quiz-form"' not in client.get(url).get_data(as_text=True)


def test_a_practical_lesson_without_a_duration_says_so_without_a_dangling_dot(app, make, courses):
    trainee, client = trainee_client(app, make)
    make.enrol(trainee.email, "engine-basics")
    page = client.get(OIL).get_data(as_text=True)
    assert '<p class="muted">Travaux pratiques</p>' in page
