"""The progress rule, through learning/progress.py's public functions with a session (no
HTTP): a module is complete when its lessons are read and its quiz is passed, a course when
all its modules are; the percent counts lessons and quizzes alike; ``states`` (many
courses) and ``course_state`` (one) say the same."""

from __future__ import annotations

import pytest

from elearn.accounts import services as accounts
from elearn.authoring import services as authoring
from elearn.core.db import utcnow
from elearn.extensions import db
from elearn.learning import progress
from elearn.learning import services as learning
from tests.quizkit import SLUG, quiz_package

RIGHT = {"q1": "b", "q2": ["a", "b"], "q3": True, "q4": "2,3", "q5": "étrier"}
WRONG = {"q1": "a"}


@pytest.fixture
def trainee(make):
    """Enrolled in the brakes course: one module, two lessons and a quiz."""
    make.course(quiz_package(max_attempts=3), publish=True)
    user = make.user("trainee")
    make.enrol(user.email, SLUG)
    return user


def _state(email: str):
    """``course_state`` and ``states`` for the trainee, which must agree."""
    user = accounts.find_user(db.session, email)
    course = authoring.course_by_slug(db.session, SLUG)
    one = progress.course_state(db.session, user.id, course)
    many = progress.states(db.session, user.id, [course])[course.id]
    seen = [(one.percent, one.complete, [(m.slug, m.status) for m in one.modules])]
    assert seen == [(many.percent, many.complete, [(m.slug, m.status) for m in many.modules])]
    return one


def _read(email: str, lesson_slug: str) -> None:
    user = accounts.find_user(db.session, email)
    course = authoring.course_by_slug(db.session, SLUG)
    lesson = next(
        lesson
        for module in course.modules
        for lesson in module.lessons
        if lesson.slug == lesson_slug
    )
    learning.complete_lesson(db.session, user, course, lesson, now=utcnow())
    db.session.commit()


def test_a_module_is_complete_with_its_lessons_read_and_its_quiz_passed(app, make, trainee):
    with app.app_context():
        start = _state(trainee.email)
        assert (start.percent, start.complete, start.modules[0].status) == (0, False, "not_started")
        _read(trainee.email, "pads")
        _read(trainee.email, "fluid")
        read = _state(trainee.email)
        # two lessons of three things to do; every lesson read is not a complete module
        assert (read.percent, read.complete, read.modules[0].status) == (67, False, "in_progress")
        assert read.next_lesson is None and read.next_quiz == "checks"
    make.attempt(trainee.email, SLUG, "checks", WRONG)
    with app.app_context():
        failed = _state(trainee.email)
        assert (failed.percent, failed.complete) == (67, False)  # a failed quiz is not done
        assert failed.quiz_results()[0]["attempts_used"] == 1
    make.attempt(trainee.email, SLUG, "checks", RIGHT)
    with app.app_context():
        done = _state(trainee.email)
        assert (done.percent, done.complete, done.modules[0].status) == (100, True, "complete")
        assert done.next_quiz is None


def test_a_passed_quiz_does_not_complete_a_module_whose_lessons_are_unread(app, make, trainee):
    make.attempt(trainee.email, SLUG, "checks", RIGHT)
    with app.app_context():
        _read(trainee.email, "pads")
        state = _state(trainee.email)
        assert (state.percent, state.complete) == (67, False)  # one lesson and the quiz of 3
        assert state.next_lesson == {"module": "checks", "lesson": "fluid"}
