"""GIFT, the quiz text format of Moodle, read into quiz.yml question specs and written back.

Trainers already keep their question banks as GIFT files; reading them spares retyping, and
writing them lets a quiz leave for Moodle. Pure: text in, question dicts out (the package's
shape, texts in one language), never the database nor the request, so the API, the CLI and
the tests call it alike. Every question that cannot be read is reported with the line where
it starts, in words an expert understands; nothing any input holds makes it raise.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import lazy_gettext as _l

#: Beyond these a file is refused whole: a bank is split, not fed to one request.
MAX_CHARS = 2_000_000
MAX_QUESTIONS = 2000
MAX_ANSWERS = 100
#: As quiz.yml: trainees type plain decimals with at most this many digits before the point.
MAX_NUMBER = 10**15
MAX_POINTS = 1000
ID_LENGTH = 64
#: A quiz.yml identifier, kept as written when a GIFT file gives one in ``[id:…]``.
ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
#: Where an answer block stood in the middle of the text (fill in the blank).
BLANK = "_____"
FORMATS = ("markdown", "html", "plain", "moodle")
_FORMAT = re.compile(r"^\[(?:markdown|html|plain|moodle)\]", re.IGNORECASE)

#: GIFT's escapes become noncharacters while the structure is read, then the characters
#: they stand for; noncharacters found in the input are dropped (no text means them).
_ESCAPES = {"\\": "\ufdd0", "~": "\ufdd1", "=": "\ufdd2", "#": "\ufdd3"}
_ESCAPES |= {"{": "\ufdd4", "}": "\ufdd5", ":": "\ufdd6", "n": "\ufdd7"}
_ESCAPE = re.compile(r"\\([\\~=#{}:n])")
_NONCHARACTERS = dict.fromkeys(range(0xFDD0, 0xFDF0))
_RESTORE = {ord(v): ("\n" if k == "n" else k) for k, v in _ESCAPES.items()}
_WEIGHT = re.compile(r"^\s*%(-?\d+(?:[.,]\d+)?)%")
_COMMENT_ID = re.compile(r"\[id:((?:\\\]|[^\]])*)\]")
_COMMENT_TAG = re.compile(r"\[tag:((?:\\\]|[^\]])*)\]")
_COMMENT_POINTS = re.compile(r"\[points:([^\]]*)\]")
_CATEGORY = re.compile(r"^\$CATEGORY:", re.IGNORECASE)

#: Arabic-Indic and Persian digits, the Arabic decimal and thousands separators, the minus
#: sign, and the direction marks an Arabic editor puts around numbers.
_DIGITS = str.maketrans(
    {
        **{0x0660 + i: str(i) for i in range(10)},
        **{0x06F0 + i: str(i) for i in range(10)},
        0x066B: ".",
        0x066C: None,
        0x2212: "-",
        0x200E: None,
        0x200F: None,
        0x061C: None,
        0x202F: None,
        0x00A0: None,
        0x0020: None,
    }
)
_NUMBER = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?\Z")

#: Enough of a transliteration for identifiers and tags written in Arabic ("الفرامل" →
#: "alframl"): an ASCII id the expert can still recognise beats a generated q7.
_ARABIC_LATIN = str.maketrans(
    {
        "ا": "a", "أ": "a", "إ": "i", "آ": "a", "ٱ": "a", "ب": "b", "ت": "t", "ث": "th",
        "ج": "j", "ح": "h", "خ": "kh", "د": "d", "ذ": "dh", "ر": "r", "ز": "z", "س": "s",
        "ش": "sh", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "ع": "", "غ": "gh", "ف": "f",
        "ق": "q", "ك": "k", "ل": "l", "م": "m", "ن": "n", "ه": "h", "و": "w", "ي": "y",
        "ى": "a", "ة": "a", "ء": "", "ئ": "y", "ؤ": "w", "ڤ": "v", "پ": "p", "گ": "g",
        "ـ": "", **{chr(0x0660 + i): str(i) for i in range(10)},
    }
)  # fmt: skip


@dataclass
class GiftResult:
    """What a GIFT file held: the questions read, and (line, message) for the rest."""

    #: quiz.yml-shaped question specs, texts in the file's language only.
    questions: list[dict] = field(default_factory=list)
    #: (1-based line where the unreadable question starts, lazy message).
    errors: list[tuple[int, object]] = field(default_factory=list)
    #: (line, lazy message) for what was read but changed on the way (partial credit,
    #: feedback per answer where elearn keeps one per question).
    warnings: list[tuple[int, object]] = field(default_factory=list)
    #: The line each of ``questions`` starts on, so a later check can point at it.
    lines: list[int] = field(default_factory=list)


class _UnreadableError(Exception):
    """A question that cannot be read; carries the message for its line."""

    def __init__(self, message):
        super().__init__(str(message))
        self.message = message


# --------------------------------------------------------------------------- helpers


def slug(value: str, limit: int = ID_LENGTH) -> str:
    """Lowercase ASCII letters, digits, ``-`` and ``_``: what ids and tags are made of."""
    value = unicodedata.normalize("NFKC", value or "").translate(_ARABIC_LATIN)
    value = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode().lower()
    value = re.sub(r"[^a-z0-9_-]+", "-", value)
    value = re.sub(r"-{2,}", "-", value).strip("-_")
    return value[:limit].strip("-_")


def _protect(text: str) -> str:
    return _ESCAPE.sub(lambda m: _ESCAPES[m.group(1)], text)


def _restore(text: str) -> str:
    return text.translate(_RESTORE)


def _unformat(text: str) -> str:
    """Drop a leading ``[markdown]``/``[html]``/``[plain]``/``[moodle]``: elearn's texts are
    Markdown, and the renderer sanitises what HTML it keeps."""
    return _FORMAT.sub("", text.lstrip(), count=1)


def _clean(text: str) -> str:
    """A protected fragment as the text it means: format prefix off, trimmed, unescaped."""
    return _restore(_unformat(text).strip())


def _number(raw: str) -> float | int:
    value = _restore(raw).translate(_DIGITS)
    if "," in value and "." not in value:  # 12,5: the French decimal comma
        value = value.replace(",", ".")
    if not _NUMBER.match(value):
        raise _UnreadableError(
            _l("the numeric answer “%(value)s” is not a number", value=_restore(raw).strip()[:40])
        )
    number = float(value)
    if not math.isfinite(number) or abs(number) >= MAX_NUMBER:
        raise _UnreadableError(_l("the numeric answer “%(value)s” is too large", value=value[:40]))
    return int(number) if number.is_integer() else number


def _weight(raw: str) -> tuple[float | None, str]:
    match = _WEIGHT.match(raw)
    if not match:
        return None, raw
    return float(match.group(1).replace(",", ".")), raw[match.end() :]


def _split_feedback(raw: str) -> tuple[str, str]:
    text, _sep, feedback = raw.partition("#")
    return text, feedback


def _items(body: str) -> list[tuple[str, str]]:
    """``=a ~b#why`` → [("=", "a "), ("~", "b#why")]; text before the first marker refused."""
    parts = re.split(r"([=~])", body)
    if parts[0].strip():
        raise _UnreadableError(
            _l(
                "unknown answer “%(text)s”: each answer starts with = (right) or ~ (wrong), "
                "a number with #, true or false with T or F",
                text=_restore(parts[0]).strip()[:40],
            )
        )
    if len(parts) > 2 * MAX_ANSWERS + 1:
        raise _UnreadableError(
            _l("too many answers in one question (at most %(max)s)", max=MAX_ANSWERS)
        )
    return [(parts[i], parts[i + 1]) for i in range(1, len(parts), 2)]


def _in(lang: str, text: str) -> dict:
    return {lang: text}


# --------------------------------------------------------------------------- parse


def parse(text: str, *, lang: str, taken: set[str] = frozenset()) -> GiftResult:
    """Read a GIFT file written in ``lang`` into question specs, reporting every question
    it cannot read by the line where it starts.

    :param taken: question ids already in the quiz; new ids avoid them (``-2``, ``q3``).
    """
    result = GiftResult()
    if isinstance(text, bytes | bytearray):
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            result.errors.append((1, _l("the file is not UTF-8 text: save it as UTF-8")))
            return result
    if not isinstance(text, str):
        text = ""
    if len(text) > MAX_CHARS:
        result.errors.append((1, _l("the file is larger than 2 MB: split it into several files")))
        return result
    text = text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    text = text.translate(_NONCHARACTERS)
    found: list[tuple[dict, str | None]] = []  # (spec, wanted id or None)
    category_tag: str | None = None
    for block in _blocks(text.split("\n")):
        lines, category_tag, meta = _prelude(block, category_tag)
        if not lines:
            continue
        start = lines[0][0]
        if len(found) >= MAX_QUESTIONS:
            result.errors.append(
                (
                    start,
                    _l(
                        "too many questions: at most %(max)s per file (the rest was not read)",
                        max=MAX_QUESTIONS,
                    ),
                )
            )
            break
        body = "\n".join(line for _n, line in lines)
        try:
            spec, wanted = _question(_protect(body), lang, start, result.warnings)
        except _UnreadableError as refused:
            result.errors.append((start, refused.message))
            continue
        except Exception:  # a safety net: the fuzz tests check it is never needed
            result.errors.append((start, _l("this question could not be read")))
            continue
        tags = [category_tag] if category_tag else []
        tags += [t for t in (slug(_unbracket(t)) for t in meta["tags"]) if t and t not in tags]
        spec["tags"] = tags
        spec["points"] = meta["points"] or 1
        found.append((spec, meta["id"] or wanted))
        result.lines.append(start)
    result.questions = _name(found, set(taken))
    return result


def _blocks(lines: list[str]):
    """Questions are separated by blank lines: yield each run of (line number, text)."""
    block: list[tuple[int, str]] = []
    for number, line in enumerate(lines, start=1):
        if line.strip():
            block.append((number, line))
        elif block:
            yield block
            block = []
    if block:
        yield block


def _unbracket(value: str) -> str:
    return value.replace("\\]", "]").strip()


def _prelude(block, category_tag):
    """Take out comments (and the ``[id:…] [tag:…] [points:…]`` Moodle keeps in them) and
    ``$CATEGORY:`` lines; what stays is the question, if any."""
    meta = {"id": None, "tags": [], "points": None}
    kept = []
    for number, line in block:
        stripped = line.strip()
        if stripped.startswith("//"):
            for match in _COMMENT_ID.finditer(stripped):
                value = _unbracket(match.group(1))
                meta["id"] = value if ID.match(value) else slug(value) or meta["id"]
            meta["tags"] += [m.group(1) for m in _COMMENT_TAG.finditer(stripped)]
            for match in _COMMENT_POINTS.finditer(stripped):
                try:
                    points = float(match.group(1).strip().translate(_DIGITS).replace(",", "."))
                except ValueError:
                    continue
                if math.isfinite(points) and 0 < points <= MAX_POINTS:
                    meta["points"] = int(points) if points.is_integer() else points
        elif _CATEGORY.match(stripped):
            category_tag = _category_tag(stripped[len("$CATEGORY:") :])
        else:
            kept.append((number, line))
    return kept, category_tag, meta


def _category_tag(path: str) -> str | None:
    """``$course$/top/Freins/ABS`` → ``abs``: the last part is what a draw picks by;
    Moodle's own ``top`` and ``$course$`` say nothing and give no tag."""
    last = path.strip().rstrip("/").rsplit("/", 1)[-1].strip()
    if not last or last.lower() == "top" or (last.startswith("$") and last.endswith("$")):
        return None
    return slug(last) or None


def _question(body: str, lang: str, line: int, warnings: list) -> tuple[dict, str | None]:
    """One question's protected text → (spec without id, the id its name asks for)."""
    wanted = None
    rest = body.strip()
    if rest.startswith("::"):
        name, sep, after = rest[2:].partition("::")
        if not sep:
            raise _UnreadableError(_l("the question name starts with :: but has no closing ::"))
        wanted = slug(_restore(name)) or None
        rest = after
    html = rest.lstrip()[:6].lower() == "[html]"
    rest = _unformat(rest)
    opens, closes = rest.count("{"), rest.count("}")
    if not opens and not closes:
        raise _UnreadableError(
            _l(
                "question without answers between { } (descriptions are not supported: "
                "put that text in a lesson)"
            )
        )
    if opens != closes or rest.find("}") < rest.find("{"):
        raise _UnreadableError(
            _l("unbalanced braces: { and } do not match (write a brace in a text as \\{ or \\})")
        )
    if opens > 1:
        raise _UnreadableError(_l("more than one answer block { } in one question"))
    start, end = rest.index("{"), rest.index("}")
    before, answers, after = rest[:start], rest[start + 1 : end], rest[end + 1 :]
    prompt = before + BLANK + after if after.strip() else before
    spec: dict = {"id": None, "type": None, "prompt": _in(lang, _restore(prompt.strip()))}
    general = None
    if "####" in answers:
        answers, _sep, general = answers.partition("####")
        general = _clean(general) or None
    body = answers.strip()
    if not body:
        raise _UnreadableError(_l("essay questions (nothing between { }) are not supported"))
    if body.startswith("#"):
        own = _numeric(spec, body[1:], lang, line, warnings)
    elif _split_feedback(body)[0].strip().upper() in ("T", "F", "TRUE", "FALSE"):
        own = _true_false(spec, body, lang, line, warnings)
    elif "~" in body:
        own = None
        _choices(spec, body, lang)
    elif "=" in body and all("->" in raw for _marker, raw in _items(body)):
        own = None
        _matching(spec, body, lang)
    else:
        own = _short_text(spec, body, lang, line, warnings)
    feedback = general or own
    if own and general:
        warnings.append(
            (
                line,
                _l(
                    "the feedback of each answer was left out: one feedback per question is "
                    "kept, the one after ####"
                ),
            )
        )
    if feedback:
        spec["feedback"] = _in(lang, feedback)
    if html:
        _unwrap(spec)
    return spec, wanted


_PARAGRAPH = re.compile(r"^<p>((?:(?!</?p[\s>]).)*)</p>\Z", re.IGNORECASE | re.DOTALL)


def _unwrap(spec: dict) -> None:
    """Moodle wraps each HTML text in one ``<p>``; quiz texts are inline, so it goes."""

    def bare(texts: dict) -> dict:
        return {
            k: (m.group(1).strip() if (m := _PARAGRAPH.match(v)) else v) for k, v in texts.items()
        }

    for key in ("prompt", "feedback"):
        if key in spec:
            spec[key] = bare(spec[key])
    for choice in spec.get("choices", ()):
        choice["text"] = bare(choice["text"])
        if "feedback" in choice:
            choice["feedback"] = bare(choice["feedback"])
    for pair in spec.get("pairs", ()):
        pair["left"], pair["right"] = bare(pair["left"]), bare(pair["right"])


def _true_false(spec: dict, body: str, lang: str, line: int, warnings: list) -> str | None:
    """``{T#if wrong#if right}``: elearn keeps one feedback per question; the one for a
    right answer explains it best, the other stands in when it is the only one."""
    head, *feedbacks = body.split("#")
    spec["type"] = "true_false"
    spec["answer"] = head.strip().upper() in ("T", "TRUE")
    wrong = _clean(feedbacks[0]) if feedbacks else ""
    right = _clean("#".join(feedbacks[1:])) if len(feedbacks) > 1 else ""
    if right and wrong:
        warnings.append(
            (line, _l("only the feedback for a right answer was kept (one per question)"))
        )
    return right or wrong or None


def _choices(spec: dict, body: str, lang: str) -> None:
    items = _items(body)
    choices, weights = [], []
    for index, (marker, raw) in enumerate(items):
        weight, raw = _weight(raw)
        if weight is None:
            weight = 100.0 if marker == "=" else 0.0
        text, feedback = _split_feedback(raw)
        text = _clean(text)
        if not text:
            raise _UnreadableError(_l("answer %(n)s has no text", n=index + 1))
        choice = {"id": _choice_id(index), "text": _in(lang, text), "correct": False}
        feedback = _clean(feedback)
        if feedback:
            choice["feedback"] = _in(lang, feedback)
        choices.append((marker, choice))
        weights.append(weight)
    if len(choices) < 2:
        raise _UnreadableError(_l("a multiple-choice question needs at least two answers"))
    equals = sum(1 for marker, _c in choices if marker == "=")
    positive = [w for w in weights if w > 0]
    if equals:
        if equals > 1 or len(positive) > equals:
            raise _UnreadableError(
                _l(
                    "several right answers in a question with one right answer (=): keep one =, "
                    "or give each right answer a weight such as %(example)s for multiple answers",
                    example="~%50%",
                )
            )
        spec["type"] = "single"
        for marker, choice in choices:
            choice["correct"] = marker == "="
    else:
        if not positive:
            raise _UnreadableError(
                _l(
                    "no right answer: mark it with = (or the right ones with %(example)s)",
                    example="~%50%",
                )
            )
        single = positive == [100.0] and min(weights) >= 0
        spec["type"] = "single" if single else "multiple"
        for (_marker, choice), weight in zip(choices, weights, strict=True):
            choice["correct"] = weight > 0
    spec["choices"] = [choice for _marker, choice in choices]


def _choice_id(index: int) -> str:
    """a, b, … z, aa, ab…: choices are known by their place, as GIFT has no ids for them."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def _matching(spec: dict, body: str, lang: str) -> None:
    pairs = []
    for index, (_marker, raw) in enumerate(_items(body)):
        left, sep, right = raw.partition("->")
        if not sep:
            raise _UnreadableError(_l("pair %(n)s: write each pair as =left -> right", n=index + 1))
        left, right = _clean(left), _clean(right)
        if not left:
            raise _UnreadableError(
                _l(
                    "pair %(n)s has nothing on the left: extra answers without a question "
                    "are not supported, remove it",
                    n=index + 1,
                )
            )
        if not right:
            raise _UnreadableError(_l("pair %(n)s has nothing on the right of ->", n=index + 1))
        pairs.append({"id": f"p{index + 1}", "left": _in(lang, left), "right": _in(lang, right)})
    if len(pairs) < 2:
        raise _UnreadableError(_l("a matching question needs at least two pairs"))
    spec["type"] = "matching"
    spec["pairs"] = pairs


def _short_text(spec: dict, body: str, lang: str, line: int, warnings: list) -> str | None:
    accepted, feedback, partial = [], None, False
    for _marker, raw in _items(body):
        weight, raw = _weight(raw)
        text, own = _split_feedback(raw)
        text = _clean(text)
        if weight is not None and weight <= 0:
            continue
        partial = partial or (weight is not None and weight < 100)
        if not text:
            raise _UnreadableError(_l("an accepted answer is empty"))
        if text not in accepted:
            accepted.append(text)
        feedback = feedback or _clean(own) or None
    if not accepted:
        raise _UnreadableError(_l("no accepted answer: write at least one as =answer"))
    if partial:
        warnings.append(
            (
                line,
                _l(
                    "answers with partial credit (%(example)s) are accepted as fully right",
                    example="%50%",
                ),
            )
        )
    spec["type"] = "short_text"
    spec["accept"] = {lang: accepted}
    return feedback


def _numeric(spec: dict, body: str, lang: str, line: int, warnings: list) -> str | None:
    """``{#12:0.5}``, ``{#1..5}``, or ``{#=12:0.5 =%50%12:2}`` of which the 100% one."""
    if "=" in body or "~" in body:
        best = None
        for marker, raw in _items(body):
            weight, raw = _weight(raw)
            weight = (100.0 if weight is None else weight) if marker == "=" else 0.0
            if weight > 0 and (best is None or weight > best[0]):
                best = (weight, raw)
        if best is None:
            raise _UnreadableError(_l("no right number: write it as =12 or =12:0.5"))
        if len([m for m, _r in _items(body) if m == "="]) > 1:
            warnings.append((line, _l("only the fully right number was kept")))
        raw = best[1]
    else:
        raw = body
    value, feedback = _split_feedback(raw)
    value = value.strip()
    if not value:
        raise _UnreadableError(_l("a numeric question needs a number after #"))
    if ".." in value:
        low, _sep, high = value.partition("..")
        low, high = _number(low), _number(high)
        if low > high:
            raise _UnreadableError(_l("in a range low..high the first number must be the smaller"))
        answer, tolerance = (low + high) / 2, (high - low) / 2
        answer = int(answer) if float(answer).is_integer() else answer
        tolerance = int(tolerance) if float(tolerance).is_integer() else tolerance
    else:
        number, _sep, margin = value.partition(":")
        answer = _number(number)
        tolerance = _number(margin) if margin.strip() else 0
        if tolerance < 0:
            raise _UnreadableError(_l("the tolerance after : cannot be negative"))
    spec["type"] = "numeric"
    spec["answer"], spec["tolerance"] = answer, tolerance
    return _clean(feedback) or None


def _name(found: list[tuple[dict, str | None]], taken: set[str]) -> list[dict]:
    """Give every question its id: the one it asks for (``-2`` when used), then ``q1``,
    ``q2``… for the unnamed, skipping any id already taken."""
    used = set(taken)
    for spec, wanted in found:
        if wanted:
            spec["id"] = _free(wanted, used)
            used.add(spec["id"])
    number = 0
    for spec, wanted in found:
        if not wanted:
            number += 1
            while f"q{number}" in used:
                number += 1
            spec["id"] = f"q{number}"
            used.add(spec["id"])
    return [spec for spec, _wanted in found]


def _free(wanted: str, used: set[str]) -> str:
    if wanted not in used:
        return wanted
    count = 2
    while True:
        suffix = f"-{count}"
        candidate = wanted[: ID_LENGTH - len(suffix)].rstrip("-_") + suffix
        if candidate not in used:
            return candidate
        count += 1


# --------------------------------------------------------------------------- dump


def _pick(texts, lang: str) -> str:
    """The text in ``lang``, else in the first language that has one."""
    if isinstance(texts, str):
        return texts
    if not isinstance(texts, dict):
        return ""
    if texts.get(lang):
        return str(texts[lang])
    for other in ("fr", "ar", "en", *texts):
        if texts.get(other):
            return str(texts[other])
    return ""


def _escape(text: str, *, strip: bool = True) -> str:
    text = str(text).replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip() if strip else text
    for char in "\\~=#{}:":
        text = text.replace(char, "\\" + char)
    return text.replace("\n", "\\n")


def _text(text: str) -> str:
    """An answer or feedback text; one that would read as a format prefix is given one."""
    escaped = _escape(text)
    return "[markdown]" + escaped if _FORMAT.match(escaped) else escaped


def _guard_weight(text: str) -> str:
    """A text starting with ``%50%`` would be read as a weight: say its weight first."""
    return "%100%" if _WEIGHT.match(text) else ""


def _line_safe(value) -> str:
    return " ".join(str(value).split()).replace("]", "")


def _num(value) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = 0
    if float(value).is_integer() and abs(value) < MAX_NUMBER:
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def _percent(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def _answers(question: dict, lang: str) -> list[str] | None:
    """The lines inside { } for one question; None for a type GIFT cannot say."""
    kind = question.get("type")
    if kind in ("single", "multiple"):
        choices = question.get("choices") or []
        right = sum(1 for c in choices if c.get("correct"))
        lines = []
        for choice in choices:
            text = _text(_pick(choice.get("text"), lang))
            if kind == "single":
                marker = "=" if choice.get("correct") else "~"
                if _WEIGHT.match(text):  # "%50% off" would be read as a weight
                    marker += "%100%" if choice.get("correct") else "%0%"
            else:
                share = 100 / right if right else 0
                marker = f"~%{_percent(share)}%" if choice.get("correct") else "~%-100%"
            feedback = _pick(choice.get("feedback"), lang)
            lines.append(marker + text + ("#" + _text(feedback) if feedback else ""))
        return lines
    if kind == "true_false":
        return ["TRUE" if question.get("answer") else "FALSE"]
    if kind == "numeric":
        tolerance = question.get("tolerance") or 0
        return [f"#{_num(question.get('answer'))}:{_num(tolerance)}"]
    if kind == "short_text":
        accept = question.get("accept") or {}
        answers = accept if isinstance(accept, list) else (accept.get(lang) or [])
        if not answers and isinstance(accept, dict):
            answers = next((a for a in accept.values() if a), [])
        lines = []
        for answer in answers:
            text = _text(str(answer))
            lines.append("=" + _guard_weight(text) + text)
        return lines
    if kind == "matching":
        return [
            f"={_text(_pick(p.get('left'), lang))} -> {_text(_pick(p.get('right'), lang))}"
            for p in question.get("pairs") or []
        ]
    return None


def _prompt_with(prompt: str, inside: list[str]) -> str:
    """The answer block where the blank was (Moodle's missing word), else at the end."""
    before, sep, after = prompt.partition(BLANK)
    if sep and after.strip():
        block = "{" + " ".join(inside) + "}"
        return _escape(before, strip=False) + block + _escape(after, strip=False)
    if len(inside) == 1:
        return _escape(prompt) + " {" + inside[0] + "}"
    return _escape(prompt) + " {\n" + "".join(f"\t{line}\n" for line in inside) + "}"


def default_category(question: dict) -> str | None:
    """Moodle's path for the question's first tag (``$course$/top/freins``)."""
    tags = question.get("tags") or []
    return f"$course$/top/{tags[0]}" if tags else None


def dump(
    questions: list[dict],
    *,
    lang: str,
    category_of: Callable[[dict], str | None] | None = None,
) -> tuple[str, list[str]]:
    """Write question specs as GIFT in ``lang`` (another language where a text lacks it).

    :param category_of: question → the ``$CATEGORY`` path to file it under (default: its
        first tag); tags the path does not give are written as ``// [tag:…]``.
    :returns: the text, and the ids of the questions GIFT cannot express (ordering).
    """
    category_of = category_of or default_category
    out: list[str] = []
    skipped: list[str] = []
    current: str | None = None
    for question in questions:
        if not isinstance(question, dict):
            continue
        lines = _answers(question, lang)
        if lines is None:
            skipped.append(str(question.get("id", "")))
            continue
        category = category_of(question)
        category = " ".join(str(category).split()) if category else None
        if category != current:
            out.append(f"$CATEGORY: {category or '$course$/top'}\n")
            current = category
        implied = _category_tag(category) if category else None
        meta = [f"[id:{_line_safe(question.get('id', ''))}]"]
        meta += [f"[tag:{_line_safe(t)}]" for t in question.get("tags") or [] if t != implied]
        points = question.get("points", 1)
        if points not in (1, None):
            meta.append(f"[points:{_num(points)}]")
        feedback = _pick(question.get("feedback"), lang)
        inside = list(lines) + (["####" + _text(feedback)] if feedback else [])
        name = _escape(str(question.get("id", "")))
        prompt = _pick(question.get("prompt"), lang).strip()
        out.append(
            "// "
            + " ".join(meta)
            + "\n"
            + f"::{name}::[markdown]"
            + _prompt_with(prompt, inside)
            + "\n"
        )
    return "\n".join(out), skipped
