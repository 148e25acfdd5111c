"""A closer look: one trainee's timeline and competencies, and how each quiz question fares.

Item analysis uses each trainee's FIRST finished attempt: it measures the question, not how
well trainees learn the answers by trying again. Authors see it across every cohort, with
no names; trainers for the cohorts they manage.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import lazyload

from elearn.authoring.models import Course, Lesson, LessonContent, Module, Question, Quiz
from elearn.authoring.rendering import trusted
from elearn.cohorts.models import Cohort, CohortMember
from elearn.cohorts.stats import AttemptRecord, competency_mastery, item_analysis
from elearn.learning.models import LessonCompletion
from elearn.quizzes.models import AttemptStatus, QuizAttempt


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
    for lesson_id, lang, published in rows:
        titles.setdefault(lesson_id, {})[lang] = published["title"]
    return titles


def _live_questions(session, course: Course) -> list[tuple[int, Question]]:
    return session.execute(
        select(Quiz.id, Question)
        .join(Question, Question.quiz_id == Quiz.id)
        .join(Module, Module.id == Quiz.module_id)
        .where(
            Module.course_id == course.id,
            Module.published.is_not(None),
            Quiz.published.is_not(None),
            Question.published.is_not(None),
        )
    ).all()


def mastery(session, user_id: int, course: Course) -> dict[str, int | None]:
    lessons = session.execute(
        select(Lesson.id, Lesson.published)
        .join(Module, Module.id == Lesson.module_id)
        .where(Module.course_id == course.id, Lesson.published.is_not(None))
        .where(Module.published.is_not(None))
    ).all()
    completed = set(
        session.scalars(
            select(LessonCompletion.lesson_id).where(
                LessonCompletion.user_id == user_id,
                LessonCompletion.lesson_id.in_([lid for lid, _p in lessons]),
            )
        )
    )
    questions = _live_questions(session, course)
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
        [(lid, (snap or {}).get("competencies") or []) for lid, snap in lessons],
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
    by_quiz: dict[int, list[Question]] = {}
    for live_quiz_id, question in _live_questions(session, course):
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
    modules = {
        quiz.id: (module, quiz)
        for quiz, module in session.execute(
            select(Quiz, Module)
            .join(Module, Module.id == Quiz.module_id)
            .where(Quiz.id.in_(list(by_quiz)))
            .options(lazyload(Quiz.questions))
        ).all()
    }
    out = []
    for quiz_id, questions in by_quiz.items():
        questions.sort(key=lambda q: q.published["position"])
        # what trainees were shown is the published version, never the author's draft
        specs = [
            {"key": q.key, "type": q.published["type"], "spec": q.published["spec"]}
            for q in questions
        ]
        module, quiz = modules[quiz_id]
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
