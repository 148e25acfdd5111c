"""quiz.yml: settings and questions of every type, checked the way grading will need them."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l

from elearn.authoring.package.model import CourseDoc, QuizDoc
from elearn.authoring.package.yamlio import is_number
from elearn.authoring.rendering import complexity_message, too_complex

TYPES = ("single", "multiple", "true_false", "short_text", "numeric")
QUESTION_KEYS = {
    "id",
    "type",
    "points",
    "competencies",
    "prompt",
    "choices",
    "answer",
    "tolerance",
    "accept",
    "feedback",
}
QUIZ_KEYS = {"title", "pass_mark", "max_attempts", "time_limit_minutes", "shuffle", "questions"}
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
MAX_POINTS = 1000
#: Numeric answers and tolerances: trainees type plain decimals (no exponent).
DIGITS = 15
MAX_NUMBER = 10**DIGITS


def _int(check, path, data, key, default, low, high=None):
    value = data.get(key, default)
    if value is None and default is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or value < low
        or (high is not None and value > high)
    ):
        bounds = (
            _l("%(low)s to %(high)s", low=low, high=high)
            if high is not None
            else _l("at least %(low)s", low=low)
        )
        check.error(
            path,
            data.line_of(key),
            _l("%(key)s must be a whole number, %(bounds)s", key=key, bounds=bounds),
        )
        return default
    return value


def check_quiz(check, path: str, data, course: CourseDoc) -> QuizDoc | None:
    if not isinstance(data, dict):
        check.error(path, 1, _l("quiz.yml must be a mapping"))
        return None
    for key in data:
        if key not in QUIZ_KEYS:
            check.warn(path, data.line_of(key), _l("unknown key '%(key)s' (ignored)", key=key))
    src, langs = course.source_language, course.languages
    quiz = QuizDoc(title=check.translatable(path, data, "title", src, langs))
    quiz.pass_mark = _int(check, path, data, "pass_mark", 70, 0, 100)
    quiz.max_attempts = _int(check, path, data, "max_attempts", 0, 0, 1000)
    quiz.time_limit_minutes = _int(check, path, data, "time_limit_minutes", None, 1, 24 * 60)
    shuffle = data.get("shuffle", False)
    if not isinstance(shuffle, bool):
        check.error(path, data.line_of("shuffle"), _l("shuffle must be true or false"))
        shuffle = False
    quiz.shuffle = shuffle
    questions = data.get("questions")
    if not isinstance(questions, list) or not questions:
        check.error(path, data.line_of("questions"), _l("a quiz needs a list of questions"))
        return quiz
    seen: set[str] = set()
    codes = {c["code"] for c in course.competencies}
    for index, item in enumerate(questions):
        line = questions.line_of(index)
        if not isinstance(item, dict):
            check.error(path, line, _l("each question must be a mapping"))
            continue
        qid = str(item.get("id", ""))
        duplicate = ID.match(qid) is not None and qid in seen
        if duplicate:  # said whatever else is wrong with either question
            check.error(path, item.line_of("id"), _l("duplicate question id '%(id)s'", id=qid))
        seen.add(qid)
        spec = _question(check, path, item, course, codes)
        if spec is not None and not duplicate:
            quiz.questions.append(spec)
    return quiz


def _question(check, path, item, course, codes) -> dict | None:
    src, langs = course.source_language, course.languages
    for key in item:
        if key not in QUESTION_KEYS:
            check.warn(path, item.line_of(key), _l("unknown key '%(key)s' (ignored)", key=key))
    qid = str(item.get("id", ""))
    named = ID.match(qid) is not None
    if not named:
        check.error(
            path, item.line_of("id"), _l("each question needs an id (letters, digits, - or _)")
        )
    qtype = item.get("type")
    typed = isinstance(qtype, str) and qtype in TYPES
    if not typed:
        check.error(
            path,
            item.line_of("type"),
            _l(
                "question %(qid)s: unknown type '%(type)s': one of %(types)s",
                qid=qid,
                type=str(qtype)[:40],
                types=", ".join(TYPES),
            ),
        )
    points = item.get("points", 1)
    if not is_number(points) or not 0 < points <= MAX_POINTS:
        check.error(
            path,
            item.line_of("points"),
            _l(
                "question %(qid)s: points must be a number more than 0 and at most %(max)s",
                qid=qid,
                max=MAX_POINTS,
            ),
        )
        points = 1
    competencies = item.get("competencies") or []
    if not isinstance(competencies, list) or any(str(c) not in codes for c in competencies):
        check.error(
            path,
            item.line_of("competencies"),
            _l("question %(qid)s: unknown competency (declare it in course.yml)", qid=qid),
        )
        competencies = (
            [c for c in competencies if str(c) in codes] if isinstance(competencies, list) else []
        )
    spec = {
        "id": qid,
        "type": qtype,
        "points": float(points),
        "competencies": [str(c) for c in competencies],
        "prompt": check.translatable(path, item, "prompt", src, langs),
    }
    _renderable(check, path, item.line_of("prompt"), spec["prompt"])
    if "feedback" in item:
        spec["feedback"] = check.translatable(path, item, "feedback", src, langs)
        _renderable(check, path, item.line_of("feedback"), spec["feedback"])
    if not typed:  # what the type would need cannot be checked; the rest was
        return None
    CHECKS[qtype](check, path, item, spec, src, langs)
    if "media/" in repr(item):
        check.warn(
            path,
            item.line_of("prompt"),
            _l(
                "question %(qid)s: media are not shown in quiz texts; put them in a lesson", qid=qid
            ),
        )
    return spec if named else None


def _renderable(check, path, line, *texts: dict) -> None:
    """Quiz texts are Markdown rendered at import: refuse those the renderer would choke on
    (nested too deep, too many marks…), as lessons are refused."""
    for text in (t for each in texts for t in each.values()):
        reason = too_complex(text)
        if reason:
            check.error(path, line, complexity_message(reason))
            return


def _choices(check, path, item, spec, src, langs) -> None:
    qid = spec["id"]
    choices = item.get("choices")
    if not isinstance(choices, list) or len(choices) < 2:
        check.error(
            path,
            item.line_of("choices"),
            _l("question %(qid)s: give at least two choices", qid=qid),
        )
        spec["choices"] = []
        return
    out, seen = [], set()
    for index, choice in enumerate(choices):
        line = choices.line_of(index)
        if not isinstance(choice, dict) or not ID.match(str(choice.get("id", ""))):
            check.error(
                path, line, _l("question %(qid)s: each choice needs an id and a text", qid=qid)
            )
            continue
        cid = str(choice["id"])
        if cid in seen:
            check.error(
                path, line, _l("question %(qid)s: duplicate choice id '%(cid)s'", qid=qid, cid=cid)
            )
            continue
        seen.add(cid)
        correct = choice.get("correct", False)
        if not isinstance(correct, bool):
            check.error(path, line, _l("question %(qid)s: correct must be true or false", qid=qid))
            correct = False
        entry = {
            "id": cid,
            "text": check.translatable(path, choice, "text", src, langs),
            "correct": correct,
        }
        if "feedback" in choice:
            entry["feedback"] = check.translatable(path, choice, "feedback", src, langs)
        _renderable(check, path, line, entry["text"], entry.get("feedback", {}))
        out.append(entry)
    spec["choices"] = out
    right = sum(1 for c in out if c["correct"])
    if spec["type"] == "single" and right != 1:
        check.error(
            path,
            item.line_of("choices"),
            _l(
                "question %(qid)s: a single-choice question needs exactly one correct choice "
                "(found %(right)s)",
                qid=qid,
                right=right,
            ),
        )
    if spec["type"] == "multiple" and right < 1:
        check.error(
            path,
            item.line_of("choices"),
            _l(
                "question %(qid)s: a multiple-choice question needs at least one correct choice",
                qid=qid,
            ),
        )


def _true_false(check, path, item, spec, src, langs) -> None:
    answer = item.get("answer")
    if not isinstance(answer, bool):
        check.error(
            path,
            item.line_of("answer"),
            _l("question %(id)s: answer must be true or false", id=spec["id"]),
        )
        answer = False
    spec["answer"] = answer


def _numeric(check, path, item, spec, src, langs) -> None:
    answer, tolerance = item.get("answer"), item.get("tolerance", 0)
    if not is_number(answer) or abs(answer) >= MAX_NUMBER:
        check.error(
            path,
            item.line_of("answer"),
            _l(
                "question %(id)s: answer must be a number (at most %(digits)s digits before "
                "the decimal point)",
                id=spec["id"],
                digits=DIGITS,
            ),
        )
        answer = 0
    if not is_number(tolerance) or not 0 <= tolerance < MAX_NUMBER:
        check.error(
            path,
            item.line_of("tolerance"),
            _l(
                "question %(id)s: tolerance must be a number ≥ 0 (at most %(digits)s digits "
                "before the decimal point)",
                id=spec["id"],
                digits=DIGITS,
            ),
        )
        tolerance = 0
    spec["answer"], spec["tolerance"] = answer, tolerance


def _short_text(check, path, item, spec, src, langs) -> None:
    accept = item.get("accept")
    out: dict[str, list[str]] = {}
    if isinstance(accept, list):
        accept = {src: accept}
    if not isinstance(accept, dict):
        check.error(
            path,
            item.line_of("accept"),
            _l("question %(id)s: accept must map languages to accepted answers", id=spec["id"]),
        )
    else:
        for lang, answers in accept.items():
            if (
                lang not in langs
                or not isinstance(answers, list)
                or not all(isinstance(a, str | int | float) and str(a).strip() for a in answers)
                or not answers
            ):
                check.error(
                    path,
                    accept.line_of(lang) if hasattr(accept, "line_of") else None,
                    _l(
                        "question %(id)s: accept.%(lang)s must be a list of answers",
                        id=spec["id"],
                        lang=lang,
                    ),
                )
                continue
            out[lang] = [str(a).strip() for a in answers]
        if src not in out:
            check.error(
                path,
                item.line_of("accept"),
                _l("question %(id)s: give accepted answers in %(src)s", id=spec["id"], src=src),
            )
    spec["accept"] = out


CHECKS = {
    "single": _choices,
    "multiple": _choices,
    "true_false": _true_false,
    "numeric": _numeric,
    "short_text": _short_text,
}
