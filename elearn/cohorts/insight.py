"""A closer look: one trainee's timeline and competencies, and how each quiz question fares.

Item analysis uses each trainee's FIRST finished attempt: it measures the question, not how
well trainees learn the answers by trying again. Authors see it across every cohort, with
no names; trainers for the cohorts they manage.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from elearn.authoring import published
from elearn.authoring.models import Course, Lesson, LessonContent, Module, Question, Quiz
from elearn.authoring.published import Outline
from elearn.authoring.rendering import trusted
from elearn.cohorts.models import Cohort, CohortMember
from elearn.cohorts.stats import AttemptRecord, competency_mastery, item_analysis
from elearn.learning import progress
from elearn.learning.models import LessonCompletion
from elearn.quizzes.models import AttemptStatus, QuizAttempt
from elearn.quizzes.services import attempt_key


def timeline(session, user_id: int, course_ids: list[int]) -> list[dict]:
    """Lessons completed and quiz attempts in these courses, newest first."""
    if not course_ids:
        return []
    done = session.execute(
        select(LessonCompletion.completed_at, Lesson.slug, Module.slug, Module.course_id)
        .add_columns(Lesson.id)
        .join(Lesson, Lesson.id == LessonCompletion.lesson_id)
        .join(Module, Module.id == Lesson.module_id)
        .where(LessonCompletion.user_id == user_id, Module.course_id.in_(course_ids))
    ).all()
    attempts = session.execute(
        select(QuizAttempt, Module.slug, Quiz.published)
        .join(Quiz, Quiz.id == QuizAttempt.quiz_id)
        .join(Module, Module.id == Quiz.module_id)
        .where(QuizAttempt.user_id == user_id, QuizAttempt.course_id.in_(course_ids))
    ).all()
    titles = _lesson_titles(session, [row[4] for row in done])
    events = [
        {
            "kind": "lesson",
            "at": at,
            "course_id": course_id,
            "module": module,
            "lesson": lesson,
            "title": titles.get(lesson_id, {}),
        }
        for at, lesson, module, course_id, lesson_id in done
    ]
    events += [
        {
            "kind": "attempt",
            "at": a.submitted_at or a.started_at,
            "course_id": a.course_id,
            "module": module,
            "title": (settings or {}).get("title", {}),
            "attempt": a,
        }
        for a, module, settings in attempts
    ]
    return sorted(events, key=lambda e: e["at"], reverse=True)


def _lesson_titles(session, lesson_ids: list[int]) -> dict[int, dict]:
    titles: dict[int, dict] = {}
    if not lesson_ids:
        return titles
    rows = session.execute(
        select(LessonContent.lesson_id, LessonContent.lang, LessonContent.published).where(
            LessonContent.lesson_id.in_(lesson_ids), LessonContent.published.is_not(None)
        )
    ).all()
    for lesson_id, lang, snapshot in rows:
        titles.setdefault(lesson_id, {})[lang] = snapshot["title"]
    return titles


def _live_questions(session, outline: Outline) -> list[tuple[int, Question]]:
    """The published questions of the outline's live quizzes: what trainees were asked."""
    if not outline.quiz_ids:
        return []
    return session.execute(
        select(Question.quiz_id, Question).where(
            Question.quiz_id.in_(outline.quiz_ids), Question.published.is_not(None)
        )
    ).all()


def mastery(session, user_id: int, course: Course) -> dict[str, int | None]:
    outline = published.outline(session, course)
    completed = progress.completed_ids(session, user_id, outline.lesson_ids)
    questions = _live_questions(session, outline)
    best: dict[int, QuizAttempt] = {}
    for attempt in session.scalars(
        select(QuizAttempt).where(
            QuizAttempt.user_id == user_id,
            QuizAttempt.course_id == course.id,
            QuizAttempt.status != AttemptStatus.OPEN,
        )
    ):
        kept = best.get(attempt.quiz_id)
        if kept is None or (attempt.score or 0) > (kept.score or 0):
            best[attempt.quiz_id] = attempt
    earned = {
        f"{quiz_id}:{key}": float(result.get("points", 0))
        for quiz_id, attempt in best.items()
        for key, result in (attempt.results or {}).items()
    }
    return competency_mastery(
        [(e.lesson.id, e.lesson.published.get("competencies") or []) for e in outline.entries],
        completed,
        [
            (
                f"{quiz_id}:{q.key}",
                q.published["spec"].get("competencies") or [],
                float(q.published["spec"].get("points", 1)),
            )
            for quiz_id, q in questions
        ],
        earned,
    )


def items(
    session, course: Course, *, cohort: Cohort | None = None, quiz_id: int | None = None
) -> list[dict]:
    """Per live quiz of the course (or only ``quiz_id``), in module order: its questions
    with their statistics."""
    outline = published.outline(session, course)
    by_quiz: dict[int, list[Question]] = {}
    for live_quiz_id, question in _live_questions(session, outline):
        if quiz_id is None or live_quiz_id == quiz_id:
            by_quiz.setdefault(live_quiz_id, []).append(question)
    if not by_quiz:
        return []
    first = (
        select(QuizAttempt.user_id, QuizAttempt.quiz_id, func.min(QuizAttempt.number).label("n"))
        .where(QuizAttempt.quiz_id.in_(list(by_quiz)), QuizAttempt.status != AttemptStatus.OPEN)
        .group_by(QuizAttempt.user_id, QuizAttempt.quiz_id)
    )
    if cohort is not None:
        members = select(CohortMember.user_id).where(CohortMember.cohort_id == cohort.id)
        first = first.where(QuizAttempt.user_id.in_(members))
    first = first.subquery()
    # Only the columns the statistics read: the layouts would triple what is parsed.
    attempts = session.execute(
        select(
            QuizAttempt.quiz_id,
            QuizAttempt.user_id,
            QuizAttempt.score,
            QuizAttempt.max_score,
            QuizAttempt.results,
            QuizAttempt.answers,
        ).join(
            first,
            (first.c.user_id == QuizAttempt.user_id)
            & (first.c.quiz_id == QuizAttempt.quiz_id)
            & (first.c.n == QuizAttempt.number),
        )
    ).all()
    records: dict[int, list[AttemptRecord]] = {}
    for quiz_id, user_id, score, max_score, results, answers in attempts:
        records.setdefault(quiz_id, []).append(
            AttemptRecord(user_id, score or 0, max_score or 0, results or {}, answers or {})
        )
    modules = {m.quiz_id: m for m in outline.modules if m.quiz_id in by_quiz}
    quizzes = {
        quiz.id: quiz
        for quiz in session.scalars(
            select(Quiz).where(Quiz.id.in_(list(by_quiz))).options(lazyload(Quiz.questions))
        )
    }
    _add_drawn(session, course, quizzes, by_quiz)
    out = []
    for quiz_id, questions in by_quiz.items():
        # its own questions in order, then those it draws from the bank
        questions.sort(key=lambda q: (q.quiz_id != quiz_id, q.published["position"]))
        # what trainees were shown is the published version, never the author's draft
        specs = [
            {
                "key": attempt_key(q, from_bank=q.quiz_id != quiz_id),
                "type": q.published["type"],
                "spec": q.published["spec"],
            }
            for q in questions
        ]
        module, quiz = modules[quiz_id], quizzes[quiz_id]
        stats = item_analysis(specs, records.get(quiz_id, []))
        out.append(
            {
                "module": module,
                "quiz": quiz,
                "trainees": len(records.get(quiz_id, [])),
                "questions": [
                    {"question": q, "type": spec["type"], "texts": _texts(q), **stat}
                    | {"shown": _shown(spec["type"], stat["top_wrong"], q)}
                    for q, spec, stat in zip(questions, specs, stats, strict=True)
                ],
            }
        )
    return sorted(out, key=lambda e: e["module"].published["position"])


def _add_drawn(session, course: Course, quizzes: dict, by_quiz: dict) -> None:
    """A quiz that draws from the bank is also judged on the bank questions it can draw:
    their answers sit in its attempts, under their keys. One query, whatever the quizzes."""
    tags_of = {
        quiz_id: {row["tag"] for row in (quiz.published or {}).get("draw") or []}
        for quiz_id, quiz in quizzes.items()
    }
    if not any(tags_of.values()):
        return
    bank = session.scalars(
        select(Question)
        .join(Quiz, Question.quiz_id == Quiz.id)
        .where(
            Quiz.bank_course_id == course.id,
            Quiz.published.is_not(None),
            Question.published.is_not(None),
        )
    ).all()
    for quiz_id, tags in tags_of.items():
        own = {q.key for q in by_quiz[quiz_id]}
        by_quiz[quiz_id].extend(
            q for q in bank if q.key not in own and tags & set(q.published.get("tags") or [])
        )


def _texts(question: Question) -> dict[str, dict]:
    """Per language, the published prompt and choices as the author's rendered HTML."""
    return {
        lang: {
            "prompt": trusted(entry.get("prompt")),
            "choices": {cid: trusted(html) for cid, html in (entry.get("choices") or {}).items()},
        }
        for lang, entry in (question.published.get("rendered") or {}).items()
    }


def _shown(kind: str, top_wrong: dict | None, question: Question) -> list[tuple[str, object]]:
    """How the most chosen wrong answer is printed: ``("choice", id)`` for a choice the
    author wrote (shown as its rendered text), ``("bool", value)``, or ``("text", value)``
    for anything else — what a trainee typed, or an answer given to an earlier version of
    the question, which is always text, never markup."""
    if top_wrong is None:
        return []
    value = top_wrong["value"]
    if kind == "true_false" and isinstance(value, bool):
        return [("bool", value)]
    if kind in ("single", "multiple"):
        known = {c["id"] for c in question.published["spec"].get("choices") or []}
        values = value if isinstance(value, list) else [value]
        return [("choice", v) if v in known else ("text", str(v)) for v in values]
    return [("text", str(value))]
