"""The demo's cohort: Samira Tazi's trainees at Salé on the OBD course, with a month of
believable progress, so a trainer opening the demo sees a dashboard worth reading.

Everything goes through the real services (accounts, enrolment, lesson completion, quiz
attempts graded on the server), dated in the past. Idempotent: a cohort of that name at
Salé is left as it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from elearn.accounts import services as accounts
from elearn.authoring.models import Course, Module
from elearn.authoring.reading import ordered_lessons
from elearn.cohorts import members
from elearn.cohorts import services as cohorts
from elearn.cohorts.models import Cohort
from elearn.learning import services as learning
from elearn.quizzes import services as quizzes

COHORT_NAME = "TS Diagnostic automobile — Salé 2026"
COURSE = "auto-obd-diagnostics"
TRAINER = "formateur.sale@mre-academy.example"
#: (name, locale, lessons read, quiz answers per module: True right, False wrong),
#: and days since their last step: a spread a trainer meets on a Monday.
TRAINEES = [
    ("Omar Chraibi", "fr", 3, [True], 1),
    ("Salma Bennani", "fr", 6, [True, True], 2),
    ("يوسف العلوي", "ar", 6, [True, True], 4),
    ("Amine Tazi", "fr", 6, [False, True, True], 3),
    ("خديجة الإدريسي", "ar", 5, [True], 1),
    ("Mehdi Ouazzani", "fr", 3, [False, False, False], 2),
    ("Fatima Ait Ahmed", "fr", 2, [], 9),
    ("أنس بنعلي", "ar", 1, [], 12),
    ("Hajar El Fassi", "fr", 4, [False], 0),
    ("Zakaria Amrani", "fr", 0, [], 30),
]


def load_demo_cohort(session, *, now: datetime, password_hash: str) -> Cohort | None:
    """Create the cohort and its trainees' history unless it exists; None when the course
    or the trainer is missing (the demo then simply has no cohort). The trainees get the
    demo's password, given as its hash (elearn.demo.demo_password_hash says why)."""
    centre = accounts.centre_by_code_or_none(session, "SALE")
    trainer = accounts.find_user(session, TRAINER)
    course = session.scalar(select(Course).where(Course.slug == COURSE))
    if centre is None or trainer is None or course is None or not course.is_live:
        return None
    exists = session.scalar(
        select(Cohort).where(Cohort.name == COHORT_NAME, Cohort.centre_id == centre.id)
    )
    if exists is not None:
        return exists
    start = now - timedelta(days=35)
    fields = cohorts.CohortFields(
        name=COHORT_NAME, centre=centre, starts_on=start.date(), courses=[course]
    )
    cohort = cohorts.create_cohort(session, trainer, fields, now=start)
    people = []
    for number, (name, locale, *_rest) in enumerate(TRAINEES):
        email = (
            "stagiaire.sale@mre-academy.example"
            if number == 0
            else f"stagiaire{number:02d}.sale@mre-academy.example"
        )
        user = accounts.find_user(session, email)
        if user is None:
            user = accounts.create_user(
                session, email=email, name=name, roles=["trainee"], centre=centre, locale=locale
            )
            user.password_hash = password_hash
        people.append(user)
    members.apply(
        session,
        trainer,
        cohort,
        members.rows_from_emails([u.email for u in people]),
        now=start,
    )
    lessons = ordered_lessons(course, draft=False)
    for user, (_name, _locale, read, answers, quiet) in zip(people, TRAINEES, strict=True):
        _history(session, user, course, lessons, read, answers, last=now - timedelta(days=quiet))
    return cohort


def _history(session, user, course, lessons, read: int, answers: list[bool], *, last):
    """Read ``read`` lessons a few hours apart, ending at ``last``; take each finished
    module's quiz with the given outcomes (one attempt per entry, in order)."""
    when = last - timedelta(hours=5 * read + 2 * len(answers))
    for item in lessons[:read]:
        when += timedelta(hours=5)
        learning.complete_lesson(session, user, course, item.lesson, now=when)
    unread = {item.module.id for item in lessons[read:]}
    modules_done = []
    for item in lessons[:read]:
        if item.module.id not in unread and item.module not in modules_done:
            modules_done.append(item.module)
    pending = list(answers)
    for done in modules_done:
        module = session.get(Module, done.id)
        while pending:
            right = pending.pop(0)
            when += timedelta(hours=1)
            attempt, _created = quizzes.start_attempt(session, user, course, module, now=when)
            values = _answers(attempt, quizzes.specs_of(session, attempt), right=right)
            quizzes.submit(
                session,
                user,
                course,
                attempt,
                values,
                now=when + timedelta(minutes=8),
                slack=timedelta(0),
            )
            if right:
                break


def _answers(attempt, specs: dict, *, right: bool) -> dict:
    """Answers as the attempt's page would send them (choice tokens). A failed attempt
    still gets every other question right (by the author's order), so the questions'
    statistics differ as they would in a real cohort."""
    values = {}
    order = {qid: index for index, qid in enumerate(sorted(specs))}
    for item in attempt.layout:
        spec = specs[item["q"]]
        right_here = right or order[item["q"]] % 2 == 1
        token = {author: token for token, author in item["choices"]}
        kind = spec["type"]
        if kind in ("single", "multiple"):
            picked = [c["id"] for c in spec["choices"] if bool(c.get("correct")) == right_here]
            chosen = (
                [token[c] for c in picked[:1]] if not right_here else [token[c] for c in picked]
            )
            values[item["key"]] = chosen[0] if kind == "single" else chosen
        elif kind == "true_false":
            values[item["key"]] = spec["answer"] if right_here else not spec["answer"]
        elif kind == "numeric":
            values[item["key"]] = str(spec["answer"]) if right_here else "0"
        elif kind == "matching":
            by_id = {pid: token for token, pid in item["right"]}
            ids = [pid for _t, pid in item["right"]]
            # a wrong attempt swaps the first two pairs: half right, as trainees often are
            wrong = dict(zip(ids, ids[1:2] + ids[:1] + ids[2:], strict=True))
            values[item["key"]] = {
                token: by_id[pid if right_here else wrong[pid]] for token, pid in item["left"]
            }
        elif kind == "ordering":
            token = {step: token for token, step in item["items"]}
            ids = [i["id"] for i in spec["items"]]
            steps = ids if right_here else ids[1:] + ids[:1]
            values[item["key"]] = [token[i] for i in steps]
        else:
            values[item["key"]] = next(iter(spec["accept"].values()))[0] if right_here else "?"
    return values
