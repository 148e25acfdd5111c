"""The attempt rules of quizzes/services.py, called directly with a session (no HTTP): the
pass mark decides, attempts run out at ``max_attempts``, an open attempt is resumed, and
the deadline (plus its grace) closes saving and grades what was saved in time.

How each question type is graded is tests/test_grading.py (pure functions)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from elearn.accounts import services as accounts
from elearn.authoring import services as authoring
from elearn.extensions import db
from elearn.quizzes import services as quizzes
from elearn.quizzes.models import AttemptStatus, QuizAttempt
from tests.factories import in_tokens
from tests.quizkit import SLUG, quiz_package

#: Every answer right, in the author's choice ids (q2 is worth 2 points: 6 in all).
ALL_RIGHT = {"q1": "b", "q2": ["a", "b"], "q3": True, "q4": "2,3", "q5": "étrier"}
#: q1, q3 and q4 right, q2 and q5 wrong: 3 points of 6.
HALF = {"q1": "b", "q2": ["a", "c"], "q3": True, "q4": "2,3", "q5": "piston"}


@pytest.fixture
def trainee(app, make, clock):
    """A trainee of Salé enrolled in the brakes course (two attempts, ten minutes each)."""
    make.course(quiz_package(max_attempts=2, time_limit=10), publish=True)
    user = make.user("trainee")
    make.enrol(user.email, SLUG)
    return user


def _parts(email: str):
    """The trainee, the course and its quiz module, as the services take them."""
    user = accounts.find_user(db.session, email)
    course = authoring.course_by_slug(db.session, SLUG)
    return user, course, quizzes.live_module(course, "checks")


def test_every_answer_right_passes_and_half_does_not(make, trainee):
    first = make.attempt(trainee.email, SLUG, "checks", ALL_RIGHT)
    assert (first.status, first.percent, first.passed) == (AttemptStatus.SUBMITTED, 100.0, True)
    second = make.attempt(trainee.email, SLUG, "checks", HALF)
    assert (second.number, second.percent, second.passed) == (2, 50.0, False)  # pass mark 70


def test_the_published_pass_mark_is_the_one_applied(app, make, trainee):
    """An author lowering the pass mark in the working copy changes nothing until it is
    published: the trainee is graded against what they were shown."""
    with app.app_context():
        quiz = quizzes.live_quiz(_parts(trainee.email)[2])
        quiz.pass_mark = 40
        db.session.commit()
    assert make.attempt(trainee.email, SLUG, "checks", HALF).passed is False


def test_an_open_attempt_is_resumed_and_attempts_run_out_at_the_maximum(app, make, clock, trainee):
    with app.app_context():
        user, course, module = _parts(trainee.email)
        first, created = quizzes.start_attempt(db.session, user, course, module, now=clock())
        again, created_again = quizzes.start_attempt(db.session, user, course, module, now=clock())
        assert created and not created_again and again.id == first.id  # a reload burns nothing
        db.session.commit()
    make.attempt(trainee.email, SLUG, "checks", HALF)  # submits the open one: attempt 1
    assert make.attempt(trainee.email, SLUG, "checks", HALF).number == 2
    with app.app_context():
        user, course, module = _parts(trainee.email)
        with pytest.raises(quizzes.QuizError) as refused:
            quizzes.start_attempt(db.session, user, course, module, now=clock())
        assert refused.value.status == 409
        assert "toutes les tentatives" in str(refused.value.message)  # the default locale
        assert db.session.query(QuizAttempt).count() == 2


def test_the_deadline_closes_saving_and_grades_what_was_saved_in_time(app, make, clock, trainee):
    opened = make.attempt(trainee.email, SLUG, "checks", {"q1": "b", "q3": True}, submit=False)
    slack = timedelta(seconds=app.config["QUIZ_GRACE_SECONDS"])
    with app.app_context():
        user, course, _module = _parts(trainee.email)
        attempt = db.session.get(QuizAttempt, opened.id)
        # within the ten minutes and the grace: still saving
        clock.advance(minutes=10)
        quizzes.save_answers(db.session, attempt, {"q4": "2,3"}, now=clock(), slack=slack)
        clock.advance(seconds=app.config["QUIZ_GRACE_SECONDS"] + 1)
        with pytest.raises(quizzes.QuizError) as late:
            quizzes.save_answers(db.session, attempt, {"q5": "étrier"}, now=clock(), slack=slack)
        assert late.value.status == 409
        # a late submission carrying every answer is graded on the three saved in time
        right_now = {"q2": ["a", "b"], "q5": "étrier"}
        quizzes.submit(
            db.session,
            user,
            course,
            attempt,
            in_tokens(attempt, right_now),
            now=clock(),
            slack=slack,
        )
        assert attempt.status == AttemptStatus.EXPIRED
        assert attempt.score == 3 and attempt.passed is False


def test_an_attempt_left_open_past_its_deadline_is_settled_as_expired(app, make, clock, trainee):
    opened = make.attempt(trainee.email, SLUG, "checks", dict(ALL_RIGHT), submit=False)
    clock.advance(hours=1)  # the trainee closed the page
    slack = timedelta(seconds=app.config["QUIZ_GRACE_SECONDS"])
    with app.app_context():
        user, course, module = _parts(trainee.email)
        settled = quizzes.settle(db.session, user, course, module, now=clock(), slack=slack)
        assert settled.id == opened.id and settled.status == AttemptStatus.EXPIRED
        assert settled.passed is True  # what was saved in time counts, even expired
        fresh, created = quizzes.start_attempt(db.session, user, course, module, now=clock())
        assert created and fresh.number == 2
