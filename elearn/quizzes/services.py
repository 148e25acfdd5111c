"""Quiz rules: starting an attempt, saving answers, submitting, what a trainee may see.

Plain functions over an explicit session; they flush and never commit. ``now`` is always
passed in, so deadlines are tested with a controlled clock.
"""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from elearn.accounts.models import User
from elearn.authoring.models import Course, Module, Question, Quiz
from elearn.core.errors import DomainError
from elearn.learning import progress
from elearn.learning.services import enrolment
from elearn.quizzes import grading
from elearn.quizzes.models import AttemptAllowance, AttemptStatus, QuizAttempt


class QuizError(DomainError):
    """A quiz action that is not possible, with what to do instead."""


def live_module(course: Course, slug: str) -> Module | None:
    return next((m for m in course.modules if m.slug == slug and m.published), None)


def live_quiz(module: Module) -> Quiz | None:
    quiz = module.quiz
    if quiz is None or not quiz.published or not module.published:
        return None
    return quiz


def live_questions(quiz: Quiz) -> list[Question]:
    questions = [q for q in quiz.questions if q.published]
    return sorted(questions, key=lambda q: q.published["position"])


def attempts_of(session, user_id: int, quiz_id: int) -> list[QuizAttempt]:
    return list(
        session.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz_id)
            .order_by(QuizAttempt.number)
        )
    )


def grace(config) -> timedelta:
    return timedelta(seconds=max(0, int(config.get("QUIZ_GRACE_SECONDS", 15))))


def is_late(attempt: QuizAttempt, now: datetime, slack: timedelta) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + slack


# -- the attempt budget -------------------------------------------------------------------


def attempt_limit(max_attempts: int | None, allowance: AttemptAllowance | None) -> int | None:
    """The highest attempt number the trainee may start at a quiz, None when unlimited.

    The one rule of the attempt budget (starting an attempt, the quiz page's "attempts
    left", the trainer's dashboard): the quiz's ``max_attempts``, plus the extra attempts a
    trainer granted, counted after the attempts that came before the module was reopened.
    """
    if not max_attempts:
        return None
    if allowance is None:
        return max_attempts
    return (allowance.reopened_after or 0) + max_attempts + (allowance.extra or 0)


def attempts_left(
    max_attempts: int | None, used: int, allowance: AttemptAllowance | None
) -> int | None:
    """How many attempts the trainee may still start (``used``: attempts begun, an open
    one included), None when unlimited."""
    limit = attempt_limit(max_attempts, allowance)
    return None if limit is None else max(0, limit - used)


def failed_since_reopened(used: int, allowance: AttemptAllowance | None) -> bool:
    """Whether an attempt was made since the module was last reopened: before any, the
    failure it was reopened on is no longer the trainee's current state."""
    return used > (allowance.reopened_after if allowance is not None else 0)


def allowance_of(session, user_id: int, quiz_id: int) -> AttemptAllowance | None:
    return session.get(AttemptAllowance, (user_id, quiz_id))


def allowances(session, user_ids, quiz_ids: list[int]) -> dict[tuple[int, int], AttemptAllowance]:
    """Per (trainee, quiz), in one query: ``user_ids`` a list or a subquery (a cohort)."""
    if not quiz_ids:
        return {}
    rows = session.scalars(
        select(AttemptAllowance).where(
            AttemptAllowance.user_id.in_(user_ids), AttemptAllowance.quiz_id.in_(quiz_ids)
        )
    )
    return {(row.user_id, row.quiz_id): row for row in rows}


def _allowance_row(session, user_id: int, quiz_id: int, *, now: datetime) -> AttemptAllowance:
    """The row to change, made when missing (a concurrent maker wins: we take theirs)."""
    found = session.get(AttemptAllowance, (user_id, quiz_id), with_for_update=True)
    if found is not None:
        return found
    row = AttemptAllowance(user_id=user_id, quiz_id=quiz_id, extra=0, reopened_after=0)
    row.updated_at = now
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:
        row = session.get(
            AttemptAllowance, (user_id, quiz_id), with_for_update=True, populate_existing=True
        )
    return row


def _budget(session, user_id: int, quiz: Quiz) -> tuple[int, int]:
    """The quiz's published limit and how many attempts the trainee began."""
    if not quiz.published:
        raise QuizError(_l("This module has no quiz."), field="module", status=404)
    max_attempts = quiz.published.get("max_attempts") or 0
    if not max_attempts:
        raise QuizError(
            _l("This quiz allows as many attempts as wanted: there is nothing to grant."),
            field="module",
            status=409,
        )
    used = session.scalar(
        select(func.count())
        .select_from(QuizAttempt)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz.id)
    )
    return max_attempts, used or 0


def _passed(session, user_id: int, quiz_id: int) -> bool:
    return (
        session.scalar(
            select(QuizAttempt.id)
            .where(
                QuizAttempt.user_id == user_id,
                QuizAttempt.quiz_id == quiz_id,
                QuizAttempt.passed.is_(True),
                QuizAttempt.status != AttemptStatus.OPEN,
            )
            .limit(1)
        )
        is not None
    )


def grant_attempt(session, user_id: int, quiz: Quiz, *, now: datetime) -> int:
    """One more attempt at ``quiz`` for the trainee; returns the attempts now left."""
    max_attempts, used = _budget(session, user_id, quiz)
    row = _allowance_row(session, user_id, quiz.id, now=now)
    row.extra = (row.extra or 0) + 1
    row.updated_at = now
    session.flush()
    return attempts_left(max_attempts, used, row) or 0


def is_exhausted(
    max_attempts: int | None, used: int, passed: bool, allowance: AttemptAllowance | None
) -> bool:
    """A failed module: its quiz is not passed and no attempt is left (the dashboard's
    "out of attempts", what a trainer may reopen)."""
    return not passed and attempts_left(max_attempts, used, allowance) == 0


def is_failed(session, user_id: int, quiz: Quiz) -> bool:
    max_attempts = (quiz.published or {}).get("max_attempts") or 0
    if not max_attempts:
        return False
    used = session.scalar(
        select(func.count())
        .select_from(QuizAttempt)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz.id)
    )
    passed = _passed(session, user_id, quiz.id)
    return is_exhausted(max_attempts, used or 0, passed, allowance_of(session, user_id, quiz.id))


def reopen(session, user_id: int, quiz: Quiz, *, now: datetime) -> int:
    """A failed module starts again: a fresh budget (the quiz's ``max_attempts``) counted
    from now, and the failure is no longer flagged. Attempts made stay in the record.
    Returns the attempts now left."""
    max_attempts, used = _budget(session, user_id, quiz)
    if _open_attempt(session, user_id, quiz.id) is not None:
        raise QuizError(
            _l("The trainee is taking this quiz: reopen it once the attempt is submitted."),
            field="module",
            status=409,
        )
    if not is_failed(session, user_id, quiz):
        raise QuizError(
            _l(
                "This module is not failed: its quiz is passed or attempts are left "
                "(grant one more attempt instead)."
            ),
            field="module",
            status=409,
        )
    row = _allowance_row(session, user_id, quiz.id, now=now)
    row.reopened_after, row.extra, row.updated_at = used, 0, now
    session.flush()
    return attempts_left(max_attempts, used, row) or 0


# -- starting -----------------------------------------------------------------------------


def start_attempt(
    session, user, course: Course, module: Module, *, now: datetime
) -> tuple[QuizAttempt, bool]:
    """Begin an attempt, or resume the open one (a reload or a double click never burns a
    second attempt). Returns (attempt, created). Call ``settle`` first."""
    row = enrolment(session, user, course)
    if row is None:
        raise QuizError(_l("Enrol in the course to take its quizzes."), status=403)
    quiz = live_quiz(module)
    if quiz is None:
        raise QuizError(_l("This module has no quiz."), status=404)
    for _try in range(3):
        current = _open_attempt(session, user.id, quiz.id)
        if current is not None:
            return current, False
        settings = quiz.published
        number = (
            session.scalar(
                select(func.max(QuizAttempt.number)).where(
                    QuizAttempt.user_id == user.id, QuizAttempt.quiz_id == quiz.id
                )
            )
            or 0
        ) + 1
        limit = attempt_limit(settings["max_attempts"], allowance_of(session, user.id, quiz.id))
        if limit is not None and number > limit:
            raise QuizError(_l("You have used all the attempts allowed for this quiz."), status=409)
        minutes = settings.get("time_limit_minutes")
        attempt = QuizAttempt(
            user_id=user.id,
            quiz_id=quiz.id,
            course_id=course.id,
            number=number,
            status=AttemptStatus.OPEN,
            started_at=now,
            deadline=now + timedelta(minutes=minutes) if minutes else None,
            layout=layout(
                live_questions(quiz),
                shuffle=bool(settings.get("shuffle")),
                drawn=drawn(session, user.id, course, quiz),
            ),
            answers={},
        )
        try:
            # twenty requests at once: the unique number and the one-open-attempt index
            # decide; the losers look again and resume the winner's attempt
            with session.begin_nested():
                session.add(attempt)
                session.flush()
        except IntegrityError:
            continue
        row.last_activity_at = now
        session.flush()
        return attempt, True
    raise QuizError(_l("Several attempts were started at once: reload the page."), status=409)


def settle(session, user, course: Course, module: Module, *, now: datetime, slack: timedelta):
    """Grade, as expired, an open attempt whose time is over (the trainee closed the page).

    Callers commit this on its own before starting a new attempt, so it stays graded even
    when no attempt is left to start."""
    row = enrolment(session, user, course)
    quiz = live_quiz(module)
    if row is None or quiz is None:
        return None
    current = _open_attempt(session, user.id, quiz.id)
    if current is not None and is_late(current, now, slack):
        finish(session, current, now=now, expired=True)
        progress.record_activity(session, user, course, row, now=now)
        return current
    return None


def settle_expired(session, *, now: datetime, slack: timedelta, limit: int = 200) -> int:
    """Grade as expired every open attempt whose time is over, oldest first — so that
    trainers' dashboards and the trainee's record tell the truth without waiting for the
    trainee to come back. Attempts another transaction holds are left for the next run.
    Returns how many were graded."""
    late = session.scalars(
        select(QuizAttempt)
        .where(
            QuizAttempt.status == AttemptStatus.OPEN,
            QuizAttempt.deadline.is_not(None),
            QuizAttempt.deadline < now - slack,
        )
        .order_by(QuizAttempt.deadline)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    graded = 0
    for attempt in late:
        quiz = session.get(Quiz, attempt.quiz_id)
        user = session.get(User, attempt.user_id)
        if quiz is None or user is None:
            continue
        if settle(session, user, quiz.module.course, quiz.module, now=now, slack=slack):
            graded += 1
    return graded


def _open_attempt(session, user_id: int, quiz_id: int) -> QuizAttempt | None:
    return session.scalar(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.quiz_id == quiz_id,
            QuizAttempt.status == AttemptStatus.OPEN,
        )
    )


def drawn(session, user_id: int, course: Course, quiz: Quiz) -> list[Question]:
    """The bank questions this attempt draws: per ``draw`` row, that many published bank
    questions with the tag, at random — first among those the trainee's previous attempts
    never showed, so a second attempt is not a copy of the first. A question drawn for one
    tag is not drawn again for another."""
    rows = (quiz.published or {}).get("draw") or []
    bank = course.bank
    if not rows or bank is None or not bank.published:
        return []
    seen = {
        item["q"]
        for layout_ in session.scalars(
            select(QuizAttempt.layout).where(
                QuizAttempt.user_id == user_id, QuizAttempt.quiz_id == quiz.id
            )
        )
        for item in layout_ or []
    }
    rng = random.Random(secrets.randbits(64))
    pool = live_questions(bank)
    chosen: list[Question] = []
    for row in rows:
        tagged = [
            q for q in pool if row["tag"] in (q.published.get("tags") or []) and q not in chosen
        ]
        rng.shuffle(tagged)
        tagged.sort(key=lambda q: q.id in seen)  # stable: unseen first, each group shuffled
        chosen.extend(tagged[: row["count"]])
    return chosen


def _tokens(ids: list[str], rng: random.Random, *, shuffle: bool) -> list[list[str]]:
    tokens = [[secrets.token_hex(4), cid] for cid in ids]
    if shuffle:
        rng.shuffle(tokens)
    return tokens


BANK_KEY = "bank:"


def attempt_key(question: Question, *, from_bank: bool) -> str:
    """The question's id in an attempt (answers, results): a bank question's key is
    prefixed, as ``:`` is in no author's id, so it never collides with the quiz's own."""
    return f"{BANK_KEY}{question.key}" if from_bank else question.key


def layout(questions: list[Question], *, shuffle: bool, drawn: list[Question] = ()) -> list[dict]:
    """The order this attempt shows, fixed now: a seed per attempt when the quiz shuffles.
    Choice ids become random tokens, so an id says nothing about the author's order.

    Matching shows its right-hand texts, and ordering its steps, shuffled whatever the
    quiz says (in the author's order the answer would be given away); the steps are
    never shown in the right order."""
    rng = random.Random(secrets.randbits(64))
    items = []
    for question, from_bank in [(q, False) for q in questions] + [(q, True) for q in drawn]:
        spec = question.published["spec"]
        choices = _tokens([c["id"] for c in spec.get("choices", [])], rng, shuffle=shuffle)
        item = {
            "q": question.id,
            "key": attempt_key(question, from_bank=from_bank),
            "v": question.published.get("version", 1),
            "choices": choices,
        }
        if spec["type"] == "matching":
            ids = [p["id"] for p in spec.get("pairs", [])]
            item["left"] = _tokens(ids, rng, shuffle=shuffle)
            item["right"] = _tokens(ids, rng, shuffle=True)
        elif spec["type"] == "ordering":
            ids = [i["id"] for i in spec.get("items", [])]
            steps = _tokens(ids, rng, shuffle=True)
            if len(ids) > 1 and [cid for _t, cid in steps] == ids:
                steps.append(steps.pop(0))  # never the answer itself
            item["items"] = steps
        items.append(item)
    if shuffle:
        rng.shuffle(items)
    return items


# -- answering ----------------------------------------------------------------------------


def load_for_update(session, attempt_id: int, *, user_id: int | None = None):
    """The attempt (only if it is ``user_id``'s, when given), locked on PostgreSQL until
    commit, so a save and a submit (or two submits) arriving together are taken one after
    the other."""
    stmt = select(QuizAttempt).where(QuizAttempt.id == attempt_id)
    if user_id is not None:
        stmt = stmt.where(QuizAttempt.user_id == user_id)
    return session.scalar(stmt.with_for_update().execution_options(populate_existing=True))


def save_answers(
    session,
    attempt: QuizAttempt,
    values: dict,
    *,
    now: datetime,
    slack: timedelta,
    specs: dict | None = None,
) -> QuizAttempt:
    """Merge answers (by question id, in this attempt's choice tokens); an empty value
    clears one. Refused once the attempt is over."""
    if attempt.finished:
        raise QuizError(_l("This attempt is already submitted."), status=409)
    if is_late(attempt, now, slack):
        raise QuizError(
            _l("Time is up: the answers saved before the deadline will be graded."),
            status=409,
        )
    answers = dict(attempt.answers or {})
    answers.update(read_answers(session, attempt, values, specs=specs))
    attempt.answers = {k: v for k, v in answers.items() if v is not None}
    attempt.saved_at = now
    session.flush()
    return attempt


def read_answers(session, attempt: QuizAttempt, values: dict, specs: dict | None = None) -> dict:
    """Submitted values in the author's choice ids; unknown questions or choices are a
    422 that names them (a hand-made request gets told what is wrong)."""
    if not isinstance(values, dict):
        raise QuizError(_l("Send the answers as an object keyed by question id."), field="answers")
    by_key = {item["key"]: item for item in attempt.layout}
    specs = specs if specs is not None else specs_of(session, attempt)
    out = {}
    for key, value in values.items():
        item = by_key.get(key)
        if item is None:
            raise QuizError(
                _l("%(qid)s is not a question of this attempt.", qid=str(key)[:64]),
                field=f"answers.{str(key)[:64]}",
            )
        tokens = dict(item["choices"])
        if value in ("", [], None):
            out[key] = None
            continue
        spec = specs[item["q"]]
        if spec["type"] in {"matching", "ordering"}:
            value = _from_tokens(key, spec["type"], item, value)
            if value is None:
                out[key] = None
                continue
        elif spec["type"] in {"single", "multiple"}:
            picked = value if isinstance(value, list) else [value]
            if not all(isinstance(v, str) and v in tokens for v in picked):
                raise QuizError(
                    _l("Unknown choice for question %(qid)s.", qid=key), field=f"answers.{key}"
                )
            value = [tokens[v] for v in picked]
            if spec["type"] == "single":
                if len(value) != 1:
                    raise QuizError(
                        _l("Question %(qid)s takes one choice.", qid=key), field=f"answers.{key}"
                    )
                value = value[0]
        cleaned = grading.clean_value(spec, value)
        if cleaned is None:
            raise QuizError(
                _l("The answer to question %(qid)s is not of the right kind.", qid=key),
                field=f"answers.{key}",
            )
        out[key] = cleaned
    return out


def _from_tokens(key: str, kind: str, item: dict, value):
    """Matching ``{left token: right token}`` and ordering ``[step tokens]`` in the
    author's ids; a token this attempt never showed is a 422 naming the question."""
    unknown = QuizError(_l("Unknown item for question %(qid)s.", qid=key), field=f"answers.{key}")
    if kind == "matching":
        left, right = dict(item.get("left", [])), dict(item.get("right", []))
        if not isinstance(value, dict):
            raise QuizError(
                _l("The answer to question %(qid)s is not of the right kind.", qid=key),
                field=f"answers.{key}",
            )
        out = {}
        for a, b in value.items():
            if b in ("", None):
                continue  # this left item not matched yet
            if a not in left or not isinstance(b, str) or b not in right:
                raise unknown
            out[left[a]] = right[b]
        return out or None
    steps = dict(item.get("items", []))
    if not isinstance(value, list):
        raise QuizError(
            _l("The answer to question %(qid)s is not of the right kind.", qid=key),
            field=f"answers.{key}",
        )
    if not all(isinstance(v, str) and v in steps for v in value):
        raise unknown
    return [steps[v] for v in value]


def specs_of(session, attempt: QuizAttempt) -> dict[int, dict]:
    """Each question's definition as published now: an edit published during an attempt
    (a typo fixed in an accepted answer) is what gets graded."""
    ids = [item["q"] for item in attempt.layout]
    rows = session.execute(
        select(Question.id, Question.published, Question.spec).where(Question.id.in_(ids))
    ).all()
    return {qid: (published or {}).get("spec") or spec for qid, published, spec in rows}


# -- submitting ---------------------------------------------------------------------------


def submit(
    session,
    user,
    course: Course,
    attempt: QuizAttempt,
    values: dict | None,
    *,
    now: datetime,
    slack: timedelta,
) -> QuizAttempt:
    """Grade once. Past the deadline and its grace, what arrives with the submission is
    ignored and the attempt is graded as expired on the answers saved in time."""
    if attempt.finished:
        raise QuizError(_l("This attempt is already submitted."), status=409)
    late = is_late(attempt, now, slack)
    specs = specs_of(session, attempt)
    if values and not late:
        save_answers(session, attempt, values, now=now, slack=slack, specs=specs)
    finish(session, attempt, now=now, expired=late, specs=specs)
    row = enrolment(session, user, course)
    if row is not None:
        progress.record_activity(session, user, course, row, now=now)
    return attempt


def finish(
    session, attempt: QuizAttempt, *, now: datetime, expired: bool, specs: dict | None = None
) -> None:
    specs = specs if specs is not None else specs_of(session, attempt)
    results, score, max_score = {}, 0.0, 0.0
    for item in attempt.layout:
        spec = specs[item["q"]]
        mark = grading.grade(spec, (attempt.answers or {}).get(item["key"]))
        results[item["key"]] = {
            "correct": mark.correct,
            "points": mark.points,
            "v": item.get("v", 1),
        }
        score += mark.points
        max_score += float(spec.get("points", 1))
    snapshot, own_mark = session.execute(
        select(Quiz.published, Quiz.pass_mark).where(Quiz.id == attempt.quiz_id)
    ).one()
    pass_mark = (snapshot or {}).get("pass_mark", own_mark)
    attempt.results = results
    attempt.score = score
    attempt.max_score = max_score
    attempt.percent = grading.percent(score, max_score)
    attempt.passed = grading.passed(score, max_score, pass_mark)
    attempt.status = AttemptStatus.EXPIRED if expired else AttemptStatus.SUBMITTED
    attempt.submitted_at = now
    session.flush()
