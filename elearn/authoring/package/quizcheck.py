"""quiz.yml: settings and questions of every type, checked the way grading will need them."""

from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext as ngettext

from elearn.authoring.package.checker import Checker
from elearn.authoring.package.files import PackageFiles
from elearn.authoring.package.model import BankDoc, CourseDoc, Issue, QuizDoc
from elearn.authoring.package.yamlio import LineDict, LineList, is_number
from elearn.authoring.rendering import complexity_message, too_complex
from elearn.i18n.languages import LANGUAGE_NAMES

TYPES = ("single", "multiple", "true_false", "short_text", "numeric", "matching", "ordering")
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
    "pairs",
    "items",
    "tags",
}
QUIZ_KEYS = {
    "title",
    "pass_mark",
    "max_attempts",
    "time_limit_minutes",
    "shuffle",
    "draw",
    "questions",
}
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
#: Tags name a topic ("freins", "فرامل"): letters of any script, digits, - and _.
TAG = re.compile(r"^\w[\w-]{0,39}\Z")
#: Matching pairs and ordering steps: enough to be a question, few enough for a phone.
MIN_PARTS, MAX_PARTS = 2, 12
MAX_DRAW = 100
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
            key,
        )
        return default
    return value


def check_quiz(check, path: str, data, course: CourseDoc, bank: BankDoc | None = None):
    """The quiz as the importer applies it, every problem reported on ``check``.

    ``bank`` is the course's question bank, which ``draw`` takes questions from."""
    if not isinstance(data, dict):
        check.error(path, 1, _l("quiz.yml must be a mapping"))
        return None
    for key in data:
        if key not in QUIZ_KEYS:
            check.warn(path, data.line_of(key), _l("unknown key '%(key)s' (ignored)", key=key))
    src, langs = course.source_language, course.languages
    quiz = QuizDoc(title=check.translatable(path, data, "title", src, langs))
    _wanted(check, path, data.line_of("title"), "title", quiz.title, langs)
    quiz.pass_mark = _int(check, path, data, "pass_mark", 70, 0, 100)
    quiz.max_attempts = _int(check, path, data, "max_attempts", 0, 0, 1000)
    quiz.time_limit_minutes = _int(check, path, data, "time_limit_minutes", None, 1, 24 * 60)
    shuffle = data.get("shuffle", False)
    if not isinstance(shuffle, bool):
        check.error(path, data.line_of("shuffle"), _l("shuffle must be true or false"), "shuffle")
        shuffle = False
    quiz.shuffle = shuffle
    quiz.draw = _draw(check, path, data, bank)
    questions = data.get("questions")
    if questions is None and quiz.draw:
        questions = []  # every question comes from the bank
    if not isinstance(questions, list) or not (questions or quiz.draw):
        check.error(
            path, data.line_of("questions"), _l("a quiz needs a list of questions"), "questions"
        )
        return quiz
    quiz.questions = _questions(check, path, questions, course)
    return quiz


def check_bank(check, path: str, data, course: CourseDoc) -> BankDoc | None:
    """``bank.yml``: ``questions:`` written as in quiz.yml, each with its ``tags``."""
    if not isinstance(data, dict):
        check.error(path, 1, _l("bank.yml must be a mapping with a list of questions"))
        return None
    for key in data:
        if key != "questions":
            check.warn(path, data.line_of(key), _l("unknown key '%(key)s' (ignored)", key=key))
    questions = data.get("questions") or []
    if not isinstance(questions, list):
        check.error(path, data.line_of("questions"), _l("questions must be a list"), "questions")
        return BankDoc()
    bank = BankDoc(questions=_questions(check, path, questions, course))
    for index, spec in enumerate(bank.questions):
        if not spec.get("tags"):
            check.warn(
                path,
                None,
                _l("question %(qid)s has no tag: no quiz can draw it", qid=spec["id"]),
                f"questions[{index}].tags",
            )
    return bank


def _questions(check, path, questions, course) -> list[dict]:
    out: list[dict] = []
    seen: set[str] = set()
    codes = {c["code"] for c in course.competencies}
    for index, item in enumerate(questions):
        line = questions.line_of(index) if isinstance(questions, LineList) else None
        where = f"questions[{index}]"
        if not isinstance(item, dict):
            check.error(path, line, _l("each question must be a mapping"), where)
            continue
        qid = str(item.get("id", ""))
        duplicate = ID.match(qid) is not None and qid in seen
        if duplicate:  # said whatever else is wrong with either question
            check.error(
                path,
                item.line_of("id"),
                _l("duplicate question id '%(id)s'", id=qid),
                f"{where}.id",
            )
        seen.add(qid)
        spec = _question(check, path, item, course, codes, where)
        if spec is not None and not duplicate:
            out.append(spec)
    return out


def _draw(check, path, data, bank: BankDoc | None) -> list[dict]:
    rows = data.get("draw")
    if rows is None:
        return []
    line = data.line_of("draw")
    if not isinstance(rows, list):
        check.error(path, line, _l("draw must be a list of {tag, count}"), "draw")
        return []
    out, tags = [], {}
    for spec in bank.questions if bank else []:
        for tag in spec.get("tags", []):
            tags[tag] = tags.get(tag, 0) + 1
    for index, row in enumerate(rows):
        where = f"draw[{index}]"
        if not isinstance(row, dict):
            check.error(path, line, _l("draw must be a list of {tag, count}"), where)
            continue
        tag, count = str(row.get("tag", "")).strip().lower(), row.get("count")
        if not TAG.match(tag):
            check.error(path, line, _l("give the tag to draw questions from"), f"{where}.tag")
            continue
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= MAX_DRAW:
            check.error(
                path,
                line,
                _l("the number of questions to draw must be 1 to %(max)s", max=MAX_DRAW),
                f"{where}.count",
            )
            continue
        if any(r["tag"] == tag for r in out):
            check.error(path, line, _l("tag '%(tag)s' is drawn twice", tag=tag), f"{where}.tag")
            continue
        available = tags.get(tag, 0)
        if available < count:
            check.error(
                path,
                line,
                ngettext(
                    "the bank has %(num)s question tagged %(tag)s: draw at most that many",
                    "the bank has %(num)s questions tagged %(tag)s: draw at most that many",
                    available,
                    tag=tag,
                ),
                f"{where}.count",
            )
            continue
        out.append({"tag": tag, "count": count})
    return out


def _question(check, path, item, course, codes, where="") -> dict | None:
    src, langs = course.source_language, course.languages
    for key in item:
        if key not in QUESTION_KEYS:
            check.warn(path, item.line_of(key), _l("unknown key '%(key)s' (ignored)", key=key))
    qid = str(item.get("id", ""))
    named = ID.match(qid) is not None
    if not named:
        check.error(
            path,
            item.line_of("id"),
            _l("each question needs an id (letters, digits, - or _)"),
            f"{where}.id",
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
            f"{where}.type",
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
            f"{where}.points",
        )
        points = 1
    competencies = item.get("competencies") or []
    if not isinstance(competencies, list) or any(str(c) not in codes for c in competencies):
        check.error(
            path,
            item.line_of("competencies"),
            _l("question %(qid)s: unknown competency (declare it in course.yml)", qid=qid),
            f"{where}.competencies",
        )
        competencies = (
            [c for c in competencies if str(c) in codes] if isinstance(competencies, list) else []
        )
    spec = {
        "id": qid,
        "type": qtype,
        "points": float(points),
        "competencies": [str(c) for c in competencies],
        "prompt": check.translatable(path, item, "prompt", src, langs, field=f"{where}.prompt"),
    }
    tags = _tags(check, path, item, qid, where)
    if tags:
        spec["tags"] = tags
    _wanted(check, path, item.line_of("prompt"), f"{where}.prompt", spec["prompt"], langs)
    _renderable(check, path, item.line_of("prompt"), spec["prompt"])
    if "feedback" in item:
        spec["feedback"] = check.translatable(
            path, item, "feedback", src, langs, required=False, field=f"{where}.feedback"
        )
        if not spec["feedback"]:
            del spec["feedback"]
        else:
            _wanted(
                check, path, item.line_of("feedback"), f"{where}.feedback", spec["feedback"], langs
            )
            _renderable(check, path, item.line_of("feedback"), spec["feedback"])
    if not typed:  # what the type would need cannot be checked; the rest was
        return None
    CHECKS[qtype](check, path, item, spec, src, langs, where)
    if "media/" in repr(item):
        check.warn(
            path,
            item.line_of("prompt"),
            _l(
                "question %(qid)s: media are not shown in quiz texts; put them in a lesson", qid=qid
            ),
            f"{where}.prompt",
        )
    return spec if named else None


def _tags(check, path, item, qid, where) -> list[str]:
    tags = item.get("tags")
    if tags is None:
        return []
    if isinstance(tags, str):  # "freins, diagnostic" typed in one box
        tags = [t for t in re.split(r"[,\s]+", tags) if t]
    if not isinstance(tags, list) or not all(
        isinstance(t, str) and TAG.match(t.strip().lower()) for t in tags
    ):
        check.error(
            path,
            item.line_of("tags"),
            _l(
                "question %(qid)s: tags are words of letters, digits, - or _ (e.g. brakes)",
                qid=qid,
            ),
            f"{where}.tags",
        )
        return []
    return list(dict.fromkeys(t.strip().lower() for t in tags))


def _wanted(check, path, line, where, texts: dict, langs) -> None:
    """In the Studio and the quiz API, each course language not yet written is said once,
    on its own box, as a warning: the quiz saves, and the author knows what is left."""
    if not check.blank_is_missing or not texts:
        return
    for lang in langs:
        if lang not in texts:
            check.warn(
                path,
                line,
                _l("not yet translated into %(language)s", language=LANGUAGE_NAMES.get(lang, lang)),
                f"{where}.{lang}",
            )


def _renderable(check, path, line, *texts: dict) -> None:
    """Quiz texts are Markdown rendered at import: refuse those the renderer would choke on
    (nested too deep, too many marks…), as lessons are refused."""
    for text in (t for each in texts for t in each.values()):
        reason = too_complex(text)
        if reason:
            check.error(path, line, complexity_message(reason))
            return


def _choices(check, path, item, spec, src, langs, where="") -> None:
    qid = spec["id"]
    choices = item.get("choices")
    if not isinstance(choices, list) or len(choices) < 2:
        check.error(
            path,
            item.line_of("choices"),
            _l("question %(qid)s: give at least two choices", qid=qid),
            f"{where}.choices",
        )
        spec["choices"] = []
        return
    out, seen = [], set()
    for index, choice in enumerate(choices):
        line = choices.line_of(index) if isinstance(choices, LineList) else None
        here = f"{where}.choices[{index}]"
        if not isinstance(choice, dict) or not ID.match(str(choice.get("id", ""))):
            check.error(
                path,
                line,
                _l("question %(qid)s: each choice needs an id and a text", qid=qid),
                here,
            )
            continue
        cid = str(choice["id"])
        if cid in seen:
            check.error(
                path,
                line,
                _l("question %(qid)s: duplicate choice id '%(cid)s'", qid=qid, cid=cid),
                f"{here}.id",
            )
            continue
        seen.add(cid)
        correct = choice.get("correct", False)
        if not isinstance(correct, bool):
            check.error(
                path,
                line,
                _l("question %(qid)s: correct must be true or false", qid=qid),
                f"{here}.correct",
            )
            correct = False
        entry = {
            "id": cid,
            "text": check.translatable(path, choice, "text", src, langs, field=f"{here}.text"),
            "correct": correct,
        }
        _wanted(check, path, line, f"{here}.text", entry["text"], langs)
        if "feedback" in choice:
            feedback = check.translatable(
                path, choice, "feedback", src, langs, required=False, field=f"{here}.feedback"
            )
            if feedback:
                entry["feedback"] = feedback
                _wanted(check, path, line, f"{here}.feedback", feedback, langs)
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
            f"{where}.choices",
        )
    if spec["type"] == "multiple" and right < 1:
        check.error(
            path,
            item.line_of("choices"),
            _l(
                "question %(qid)s: a multiple-choice question needs at least one correct choice",
                qid=qid,
            ),
            f"{where}.choices",
        )


def _parts(check, path, item, spec, src, langs, where, key, sides) -> None:
    """Matching ``pairs`` (a left and a right text each) and ordering ``items`` (a text
    each, written in the right order): ids unique, every text in the source language."""
    qid = spec["id"]
    parts = item.get(key)
    if not isinstance(parts, list) or not MIN_PARTS <= len(parts) <= MAX_PARTS:
        message = (
            _l(
                "question %(qid)s: give %(low)s to %(high)s pairs",
                qid=qid,
                low=MIN_PARTS,
                high=MAX_PARTS,
            )
            if key == "pairs"
            else _l(
                "question %(qid)s: give %(low)s to %(high)s steps",
                qid=qid,
                low=MIN_PARTS,
                high=MAX_PARTS,
            )
        )
        check.error(path, item.line_of(key), message, f"{where}.{key}")
        spec[key] = []
        return
    out, seen = [], set()
    for index, part in enumerate(parts):
        line = parts.line_of(index) if isinstance(parts, LineList) else None
        here = f"{where}.{key}[{index}]"
        pid = str(part.get("id", "")) if isinstance(part, dict) else ""
        if not isinstance(part, dict) or not ID.match(pid):
            check.error(
                path,
                line,
                (
                    _l("question %(qid)s: each pair needs an id", qid=qid)
                    if key == "pairs"
                    else _l("question %(qid)s: each step needs an id", qid=qid)
                ),
                here,
            )
            continue
        if pid in seen:
            check.error(
                path,
                line,
                _l("question %(qid)s: duplicate id '%(cid)s'", qid=qid, cid=pid),
                f"{here}.id",
            )
            continue
        seen.add(pid)
        entry = {"id": pid}
        for side in sides:
            entry[side] = check.translatable(path, part, side, src, langs, field=f"{here}.{side}")
            _wanted(check, path, line, f"{here}.{side}", entry[side], langs)
            _renderable(check, path, line, entry[side])
        out.append(entry)
    spec[key] = out
    if key == "pairs":
        for lang in langs:  # two identical right texts: no trainee could tell them apart
            rights = [p["right"].get(lang) for p in out if p["right"].get(lang)]
            if len(rights) != len(set(rights)):
                check.error(
                    path,
                    item.line_of(key),
                    _l("question %(qid)s: two pairs have the same right-hand text", qid=qid),
                    f"{where}.{key}",
                )
                break


def _matching(check, path, item, spec, src, langs, where="") -> None:
    _parts(check, path, item, spec, src, langs, where, "pairs", ("left", "right"))


def _ordering(check, path, item, spec, src, langs, where="") -> None:
    _parts(check, path, item, spec, src, langs, where, "items", ("text",))


def _true_false(check, path, item, spec, src, langs, where="") -> None:
    answer = item.get("answer")
    if not isinstance(answer, bool):
        check.error(
            path,
            item.line_of("answer"),
            _l("question %(id)s: answer must be true or false", id=spec["id"]),
            f"{where}.answer",
        )
        answer = False
    spec["answer"] = answer


def _numeric(check, path, item, spec, src, langs, where="") -> None:
    answer, tolerance = item.get("answer"), item.get("tolerance", 0)
    if tolerance is None:
        tolerance = 0
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
            f"{where}.answer",
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
            f"{where}.tolerance",
        )
        tolerance = 0
    spec["answer"], spec["tolerance"] = answer, tolerance


def _short_text(check, path, item, spec, src, langs, where="") -> None:
    accept = item.get("accept")
    out: dict[str, list[str]] = {}
    if isinstance(accept, list):
        accept = {src: accept}
    if not isinstance(accept, dict):
        check.error(
            path,
            item.line_of("accept"),
            _l("question %(id)s: accept must map languages to accepted answers", id=spec["id"]),
            f"{where}.accept.{src}",
        )
    else:
        for lang, answers in accept.items():
            if check.blank_is_missing and lang != src and answers in (None, [], ""):
                continue  # an empty box of the form: said as a missing translation below
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
                    f"{where}.accept.{lang}",
                )
                continue
            out[lang] = [str(a).strip() for a in answers]
        if src not in out:
            check.error(
                path,
                item.line_of("accept"),
                _l("question %(id)s: give accepted answers in %(src)s", id=spec["id"], src=src),
                f"{where}.accept.{src}",
            )
        elif check.blank_is_missing:
            _wanted(check, path, None, f"{where}.accept", out, langs)
    spec["accept"] = out


CHECKS = {
    "single": _choices,
    "multiple": _choices,
    "true_false": _true_false,
    "numeric": _numeric,
    "short_text": _short_text,
    "matching": _matching,
    "ordering": _ordering,
}


# -- the quiz as JSON: the Studio's forms and ``PUT …/quiz`` -------------------------------


def lined(value):
    """Plain JSON as the checker reads YAML (mappings that answer ``line_of``); JSON has no
    lines, so problems are placed by their ``field`` path alone."""
    if isinstance(value, dict):
        out = LineDict({k: lined(v) for k, v in value.items()})
        return out
    if isinstance(value, list):
        return LineList([lined(v) for v in value])
    return value


def course_doc(course) -> CourseDoc:
    """What the quiz checks need of a stored course."""
    return CourseDoc(
        slug=course.slug,
        source_language=course.source_language,
        languages=list(course.languages),
        competencies=list(course.competencies or []),
    )


def check_quiz_data(
    data, course, *, bank: BankDoc | None = None, path: str = "quiz"
) -> tuple[QuizDoc | None, list[Issue]]:
    """Validate a quiz sent as JSON (forms, API): every issue carries its ``field``; a
    course language not yet written is a warning on its box. Returns (quiz or None when
    there are errors, issues)."""
    checker = Checker(PackageFiles(course.slug), [])
    checker.blank_is_missing = True
    if not isinstance(data, dict):
        checker.error(path, None, _l("send the quiz as an object"), "")
        return None, checker.issues
    quiz = check_quiz(checker, path, lined(data), course_doc(course), bank)
    errors = any(i.level == "error" for i in checker.issues)
    return (None if errors else quiz), checker.issues


def check_bank_data(data, course, *, path: str = "bank") -> tuple[BankDoc | None, list[Issue]]:
    checker = Checker(PackageFiles(course.slug), [])
    checker.blank_is_missing = True
    if not isinstance(data, dict):
        checker.error(path, None, _l("send the bank as an object"), "")
        return None, checker.issues
    bank = check_bank(checker, path, lined(data), course_doc(course))
    errors = any(i.level == "error" for i in checker.issues)
    return (None if errors else bank), checker.issues
