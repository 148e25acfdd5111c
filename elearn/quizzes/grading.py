"""Grading: pure functions from a question's spec and a trainee's value to points.

Nothing here knows about requests or the database, so every rule can be tested alone.
What trainees type is read generously (``12,5``, ``١٢٫٥``, "  La Masse ") but the decision
is exact: a value that cannot be read is simply wrong, never an error.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from elearn.core.text import fold

#: Arabic-Indic (٠-٩) and Eastern Arabic-Indic (۰-۹) digits, the Arabic decimal and
#: thousands separators, the minus sign and the spaces people put in numbers.
_NUMBER_FOLD = str.maketrans(
    {
        **{chr(0x0660 + d): str(d) for d in range(10)},
        **{chr(0x06F0 + d): str(d) for d in range(10)},
        "\u066b": ".",  # ARABIC DECIMAL SEPARATOR
        "\u066c": None,  # ARABIC THOUSANDS SEPARATOR
        ",": ".",
        "\u2212": "-",  # MINUS SIGN
        " ": None,
        "\u00a0": None,
        "\u202f": None,
        "'": None,
    }
)
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)\Z")
#: Tolerance for binary floating point (6.35 typed is not exactly 6.35 stored).
_EPSILON = 1e-9
MAX_TEXT = 500


@dataclass(frozen=True)
class Mark:
    correct: bool
    points: float


def parse_number(value) -> float | None:
    """A number as a trainee types it, or None when it is not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and len(value) <= 64:
        text = value.strip().translate(_NUMBER_FOLD)
        if not _NUMBER.match(text):
            return None
        number = float(text)
    else:
        return None
    return number if math.isfinite(number) else None


def parse_bool(value) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in {"true", "false"}:
        return value.strip().lower() == "true"
    return None


def _choice_ids(spec: dict) -> set[str]:
    return {c["id"] for c in spec.get("choices", [])}


def _correct_ids(spec: dict) -> set[str]:
    return {c["id"] for c in spec.get("choices", []) if c.get("correct")}


def clean_value(spec: dict, value):
    """What we keep of a submitted value: the right shape for the type, or None.

    Choice ids here are the author's; anything else (an id of another question, a list
    for a single choice, a 10 MB string) becomes None, i.e. unanswered.
    """
    kind = spec["type"]
    if value is None:
        return None
    if kind == "single":
        return value if isinstance(value, str) and value in _choice_ids(spec) else None
    if kind == "multiple":
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None
        known = _choice_ids(spec)
        picked = sorted({v for v in value if v in known})
        return picked or None
    if kind == "true_false":
        return parse_bool(value)
    if kind in {"numeric", "short_text"}:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return None
        text = str(value).strip()[:MAX_TEXT]
        return text or None
    if kind == "matching":
        if not isinstance(value, dict):
            return None
        known = {p["id"] for p in spec.get("pairs", [])}
        matched = {
            left: right
            for left, right in value.items()
            if left in known and isinstance(right, str) and right in known
        }
        return dict(sorted(matched.items())) or None
    if kind == "ordering":
        if not isinstance(value, list):
            return None
        known = {i["id"] for i in spec.get("items", [])}
        order = [v for v in value if isinstance(v, str) and v in known]
        if not order or len(set(order)) != len(order):
            return None
        return order
    return None


def share(spec: dict, value) -> float:
    """The share of the points a matching or ordering answer earns (0 to 1).

    Matching: the share of pairs matched right. Ordering: the share of the steps that are
    directly followed by the step that follows them in the right order ("relative to the
    next step", as Moodle's ordering question grades by default): one step put in the wrong
    place costs one or two links, not every position after it."""
    if spec["type"] == "matching":
        pairs = spec.get("pairs", [])
        right = sum(1 for p in pairs if value.get(p["id"]) == p["id"])
        return right / len(pairs) if pairs else 0.0
    ids = [i["id"] for i in spec.get("items", [])]
    if len(ids) < 2:
        return 1.0 if value == ids else 0.0
    follows = {a: b for a, b in zip(ids, ids[1:], strict=False)}
    links = sum(1 for a, b in zip(value, value[1:], strict=False) if follows.get(a) == b)
    return links / (len(ids) - 1)


def grade(spec: dict, value) -> Mark:
    """Full points or none — ``multiple`` is all-or-nothing (the spec's default) — except
    matching and ordering, which earn their :func:`share` of the points."""
    points = float(spec.get("points", 1))
    value = clean_value(spec, value)
    kind = spec["type"]
    if value is not None and kind in {"matching", "ordering"}:
        part = share(spec, value)
        return Mark(part >= 1.0 - _EPSILON, round(points * part, 6))
    if value is None:
        right = False
    elif kind == "single":
        right = value in _correct_ids(spec)
    elif kind == "multiple":
        right = set(value) == _correct_ids(spec)
    elif kind == "true_false":
        right = value is bool(spec.get("answer"))
    elif kind == "numeric":
        number = parse_number(value)
        tolerance = abs(float(spec.get("tolerance") or 0))
        right = number is not None and abs(number - float(spec["answer"])) <= (
            tolerance + _EPSILON * max(1.0, abs(float(spec["answer"])))
        )
    elif kind == "short_text":
        # accepted answers of every language count: a trainee reading in Arabic may well
        # answer with the French technical term
        accepted = {fold(a) for answers in spec.get("accept", {}).values() for a in answers}
        right = fold(value) in accepted
    else:
        right = False
    return Mark(right, points if right else 0.0)


def percent(score: float, max_score: float) -> float:
    """Rounded down to one decimal, so a displayed "70 %" has really reached 70 %."""
    if max_score <= 0:
        return 0.0
    return math.floor(1000 * score / max_score + _EPSILON) / 10


def passed(score: float, max_score: float, pass_mark: int) -> bool:
    return max_score > 0 and score * 100 >= pass_mark * max_score - _EPSILON
