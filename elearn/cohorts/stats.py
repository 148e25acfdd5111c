"""Cohort statistics: how each quiz question fares, how far a trainee masters each competency.

Pure functions over plain records, so every figure a trainer sees can be checked by hand in
the tests; the queries that feed them live in :mod:`elearn.cohorts.insight`. Arithmetic is
done on fractions and halves round away from zero, as on paper: Python's ``round`` would
show 62.5 % as 62 and 63.5 % as 64, which a trainer recomputing a figure would call a bug.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction

from elearn.core.text import fold
from elearn.quizzes.grading import parse_number

#: Kelley's share: the top and bottom 27 % of trainees are the two groups compared.
KELLEY_SHARE = 0.27
#: Answers typed rather than picked. They are grouped through ``fold`` so that "Masse " and
#: "masse" are one wrong answer; numbers are not parsed, so "12,5" and "12.5" stay two
#: (the trainer sees what trainees actually wrote).
_TYPED = frozenset({"numeric", "short_text"})

_Groups = tuple[list["AttemptRecord"], list["AttemptRecord"]]


@dataclass(frozen=True)
class AttemptRecord:
    """What the statistics need of a finished attempt, detached from its database row."""

    user_id: int
    score: float
    max_score: float
    #: Question key -> ``{"correct": bool, "points": float}``.
    results: dict[str, dict]
    #: Question key -> stored value: the author's choice id (single), sorted list of ids
    #: (multiple), bool (true_false), text as typed (numeric, short_text).
    answers: dict[str, object]


def item_analysis(
    questions: list[dict], attempts: list[AttemptRecord], *, min_for_discrimination: int = 5
) -> list[dict]:
    """Per question, in quiz order: how many met it, how many got it right, whether it tells
    strong trainees from weak ones, and the wrong answer given most often.

    Pass ONE attempt per trainee, their FIRST finished one: item analysis measures the
    question, whereas retries measure how well trainees learn its answer.

    An attempt counts for a question only when its results hold the key: a question added
    after the attempt began was never shown to that trainee. An unanswered question counts
    as wrong in ``percent_correct`` but is not a wrong *answer* for ``top_wrong``.

    ``discrimination`` is Kelley's index. Trainees are ranked by score / max score (ties by
    user id, so the same data always gives the same groups); the top and bottom 27 % (at
    least one each) are the upper and lower groups, the same for every question; D is the
    share right in the upper group minus the share right in the lower one, each group
    restricted to attempts holding the question. D is None below ``min_for_discrimination``
    trainees, where one trainee would decide it, or when a group never met the question.
    """
    groups = _kelley_groups(attempts, min_for_discrimination)
    out = []
    for question in questions:
        key = question["key"]
        met = [a for a in attempts if key in a.results]
        correct = sum(1 for a in met if _is_correct(a, key))
        out.append(
            {
                "key": key,
                "attempts": len(met),
                "correct": correct,
                "percent_correct": _round(Fraction(100 * correct, len(met)), 1) if met else None,
                "discrimination": _discrimination(key, groups),
                "top_wrong": _top_wrong(question["type"], key, met),
                "versions": _versions(key, met),
            }
        )
    return out


def _versions(key: str, met: list[AttemptRecord]) -> list[dict]:
    """Per version of the question's wording, newest first — only once it has had more
    than one, so an author sees whether the rewording helped. Attempts graded before
    versions were recorded count as version 1."""
    by_version: dict[int, list[AttemptRecord]] = {}
    for attempt in met:
        version = attempt.results[key].get("v", 1) if isinstance(attempt.results[key], dict) else 1
        by_version.setdefault(int(version or 1), []).append(attempt)
    if len(by_version) < 2:
        return []
    return [
        {
            "version": version,
            "attempts": len(group),
            "percent_correct": _round(
                Fraction(100 * sum(_is_correct(a, key) for a in group), len(group)), 1
            ),
        }
        for version, group in sorted(by_version.items(), reverse=True)
    ]


def _kelley_groups(attempts: list[AttemptRecord], minimum: int) -> _Groups | None:
    if len(attempts) < max(minimum, 1):
        return None
    ranked = sorted(attempts, key=lambda a: (-_ratio(a), a.user_id))
    size = max(1, round(KELLEY_SHARE * len(ranked)))
    return ranked[:size], ranked[-size:]


def _ratio(attempt: AttemptRecord) -> float:
    return attempt.score / attempt.max_score if attempt.max_score > 0 else 0.0


def _is_correct(attempt: AttemptRecord, key: str) -> bool:
    result = attempt.results.get(key)
    return isinstance(result, dict) and bool(result.get("correct"))


def _discrimination(key: str, groups: _Groups | None) -> float | None:
    if groups is None:
        return None
    upper, lower = ([a for a in group if key in a.results] for group in groups)
    if not upper or not lower:
        return None
    right_upper = Fraction(sum(_is_correct(a, key) for a in upper), len(upper))
    right_lower = Fraction(sum(_is_correct(a, key) for a in lower), len(lower))
    return _round(right_upper - right_lower, 2)


def _top_wrong(kind: str, key: str, met: list[AttemptRecord]) -> dict | None:
    """Most frequent wrong answer; ties go to the smaller string form, so the page is stable.

    Numbers are grouped by value, as they are graded ("12,5", "12.5" and "١٢٫٥" are one
    answer), and shown as most trainees wrote them."""
    if kind in {"matching", "ordering"}:
        return None  # partly right answers of many parts: no one "wrong answer" to show
    counts: Counter[str] = Counter()
    spellings: dict[str, Counter] = {}
    shown: dict[str, object] = {}
    for attempt in met:
        if _is_correct(attempt, key):
            continue
        value = _answer_value(kind, attempt.answers.get(key))
        if value is None:
            continue
        number = parse_number(value) if kind == "numeric" else None
        # repr is hashable for lists too, and keeps True apart from "True"
        group = repr(number) if number is not None else repr(value)
        counts[group] += 1
        spellings.setdefault(group, Counter())[str(value)] += 1
        shown.setdefault(group, value)
    if not counts:
        return None
    group = min(counts, key=lambda g: (-counts[g], str(shown[g])))
    value = shown[group]
    if kind == "numeric":
        value = min(spellings[group], key=lambda text: (-spellings[group][text], text))
    return {"value": value, "count": counts[group]}


def _answer_value(kind: str, value: object) -> object:
    """The value a wrong answer is grouped and shown by; None when nothing was answered."""
    if value is None:
        return None
    if kind in _TYPED:
        return fold(str(value)) or None  # a tatweel alone folds to nothing: not an answer
    if isinstance(value, list):
        return list(value)
    return value


def competency_mastery(
    lessons: list[tuple[int, list[str]]],
    completed: set[int],
    questions: list[tuple[str, list[str], float]],
    earned: dict[str, float],
) -> dict[str, int | None]:
    """Mastery of each competency code, in percent, ordered by code.

    The rule shown to trainers: over the lessons and quiz questions tagged with a code,
    (lessons completed + question points earned) / (lessons + question points possible).
    A lesson weighs 1 whatever its length; a question weighs its points, earned in the
    trainee's best attempt at its quiz (no attempt earns 0, and points earned never exceed
    what the question is worth now). Halves round up: 62.5 % shows as 63 %.

    ``questions`` keys are qualified as ``"{quiz_id}:{key}"``, like ``earned``'s. A code on
    no lesson or question is absent; a code only on questions worth 0 points is None, as
    there is nothing to measure it by.
    """
    got: dict[str, Fraction] = {}
    possible: dict[str, Fraction] = {}

    def count(codes: list[str], gained: Fraction, weight: Fraction) -> None:
        for code in set(filter(None, codes)):
            got[code] = got.get(code, Fraction(0)) + gained
            possible[code] = possible.get(code, Fraction(0)) + weight

    for lesson_id, codes in lessons:
        count(codes, Fraction(int(lesson_id in completed)), Fraction(1))
    for key, codes, points in questions:
        weight = max(_exact(points), Fraction(0))
        count(codes, min(max(_exact(earned.get(key, 0)), Fraction(0)), weight), weight)
    return {
        code: int(_round(100 * got[code] / possible[code], 0)) if possible[code] else None
        for code in sorted(possible)
    }


def _exact(number: float) -> Fraction:
    """The decimal as written, not its binary approximation: 0.1 + 0.2 of 0.3 is 100 %."""
    return Fraction(repr(float(number)))


def _round(value: Fraction, digits: int) -> float:
    """Halves away from zero, as on paper; never -0.0."""
    scaled = abs(value) * 10**digits
    whole = math.floor(scaled + Fraction(1, 2))
    return (whole if value >= 0 else -whole) / 10**digits
