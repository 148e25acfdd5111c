"""Questions in and out of a module's quiz as GIFT, the Moodle format many trainers
already keep their questions in.

An import appends to the module's quiz — or to the course's bank when the quiz draws from
one, since that is where its questions then live. A question the file cannot express, or
one that fails the same checks the Studio and packages apply, is reported by the line it
starts on; the readable ones are kept. Nothing is written on a dry run or when nothing
could be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l

from elearn.authoring import services
from elearn.authoring.models import Course, Module
from elearn.authoring.package import gift
from elearn.authoring.package.exporter import bank_data, quiz_data
from elearn.authoring.package.importer import apply_bank, apply_quiz
from elearn.authoring.package.quizcheck import check_bank_data, check_quiz_data

_INDEX = "questions["


@dataclass
class GiftImport:
    imported: int = 0
    #: ``[{"line", "message"}]``: what the file held that did not become a question.
    errors: list[dict] = field(default_factory=list)
    #: ``quiz`` or ``bank``: where the questions went (or would go).
    into: str = "quiz"


def draws_from_bank(module: Module) -> bool:
    quiz = module.quiz
    return quiz is not None and quiz.archived_at is None and bool(quiz.draw)


def _current(course: Course, module: Module, into: str) -> dict:
    if into == "bank":
        return bank_data(course)
    if module.quiz is not None and module.quiz.archived_at is None:
        return quiz_data(module)
    # a module's first questions: a quiz with the defaults, named after the module
    return {"title": dict(module.title), "pass_mark": 70, "max_attempts": 0, "questions": []}


def _check(course: Course, data: dict, into: str):
    if into == "bank":
        return check_bank_data(data, course)
    bank = check_bank_data(bank_data(course), course)[0]
    return check_quiz_data(data, course, bank=bank)


def _question_of(issue) -> int | None:
    where = issue.field or ""
    if not where.startswith(_INDEX):
        return None
    number = where[len(_INDEX) :].split("]", 1)[0]
    return int(number) if number.isdigit() else None


def import_gift(
    session, course: Course, module: Module, text, *, lang: str, now: datetime, dry_run=False
) -> GiftImport:
    into = "bank" if draws_from_bank(module) else "quiz"
    data = _current(course, module, into)
    known = len(data["questions"])
    read = gift.parse(text, lang=lang, taken={q["id"] for q in data["questions"]})
    report = GiftImport(into=into)
    report.errors = [{"line": line, "message": str(message)} for line, message in read.errors]
    candidate = {**data, "questions": data["questions"] + read.questions}
    _doc, issues = _check(course, candidate, into)
    refused: dict[int, str] = {}
    for issue in issues:
        index = _question_of(issue)
        if issue.level != "error" or index is None or index < known:
            continue  # a translation still to write is no reason to refuse a question
        refused.setdefault(index - known, str(issue.message))
    for index, message in sorted(refused.items()):
        report.errors.append({"line": read.lines[index], "message": message})
    report.errors.sort(key=lambda e: e["line"])
    kept = [q for i, q in enumerate(read.questions) if i not in refused]
    report.imported = len(kept)
    if dry_run or not kept:
        return report
    doc, issues = _check(course, {**data, "questions": data["questions"] + kept}, into)
    if doc is None:  # the quiz as it stands does not pass (it should): say so, change nothing
        first = next(i for i in issues if i.level == "error")
        raise services.AuthoringError(
            _l("The quiz cannot take these questions: %(reason)s", reason=first.message),
            status=409,
        )
    if into == "bank":
        apply_bank(session, course, doc, now)
    else:
        apply_quiz(session, course, module, doc, now)
    services.touched(course, now)
    session.flush()
    return report


def export_gift(course: Course, module: Module, *, lang: str) -> tuple[str, list[str]]:
    """The module's questions as GIFT (and the bank's when the quiz draws from it), with
    the ids of those GIFT cannot express (ordering)."""
    questions = []
    if module.quiz is not None and module.quiz.archived_at is None:
        questions = [q.spec for q in module.quiz.questions if q.archived_at is None]
    if draws_from_bank(module):
        questions += [spec for spec in bank_data(course)["questions"]]
    return gift.dump(questions, lang=lang)
