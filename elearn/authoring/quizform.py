"""The quiz editor's forms as plain data: flat field names (``q-0-prompt-fr``,
``q-0-choice-1-text-ar``…) to and from the package's quiz dict, the structural actions of
the editor's buttons, and each checker issue placed on the field it belongs to.

Pure functions, no request: the page, its tests and any other client read forms alike.
What an expert typed is kept as typed (a points box holding "deux" stays "deux") so the
checker names the box and the page re-renders what was sent."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping

from elearn.authoring.package.quizcheck import ID, TYPES

CHOICE_TYPES = ("single", "multiple")
#: Where each kind of part lives in the dict, its form prefix, its id prefix and texts.
PARTS = {
    "choice": ("choices", "c", ("text",)),
    "pair": ("pairs", "p", ("left", "right")),
    "item": ("items", "s", ("text",)),
}
#: Which question types have each kind of part.
_OWNERS = {"choice": CHOICE_TYPES, "pair": ("matching",), "item": ("ordering",)}
_QUESTION = re.compile(r"^q-(\d+)-type\Z")
_PART = re.compile(r"^q-(\d+)-(choice|pair|item)-(\d+)-id\Z")
_DRAW = re.compile(r"^draw-(\d+)-(tag|count)\Z")


# -- numbers as typed -----------------------------------------------------------------------


def _number(text: str):
    """A number typed in a box ("2", "2,5", "٢٫٥"), else the text as typed (the checker then
    says what is wrong, on that box)."""
    raw = text.strip()
    plain = raw.translate(_DIGITS).replace(",", ".").replace("٫", ".").replace(" ", "")
    try:
        return int(plain)
    except ValueError:
        pass
    try:
        value = float(plain)
    except ValueError:
        return raw
    return value if value == value and abs(value) != float("inf") else raw


_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


# -- dict → form ------------------------------------------------------------------------------


def to_form(data: Mapping, languages: Iterable[str]) -> dict[str, object]:
    """Every field of the editor for ``data`` (the package's quiz dict): a text per name,
    a list for the competencies' checkboxes."""
    langs = list(languages)
    out: dict[str, object] = {}
    _texts(out, "title", data.get("title"), langs)
    for key in ("pass_mark", "max_attempts", "time_limit_minutes"):
        out[key] = _shown(data.get(key))
    if data.get("shuffle") is True:
        out["shuffle"] = "1"
    for index, row in enumerate(data.get("draw") or []):
        out[f"draw-{index}-tag"] = _shown(row.get("tag"))
        out[f"draw-{index}-count"] = _shown(row.get("count"))
    for index, question in enumerate(data.get("questions") or []):
        _question_form(out, f"q-{index}", question, langs)
    return out


def _texts(out: dict, name: str, texts, langs) -> None:
    texts = texts if isinstance(texts, Mapping) else {}
    for lang in langs:
        out[f"{name}-{lang}"] = _shown(texts.get(lang))


def _question_form(out: dict, name: str, q: Mapping, langs) -> None:
    out[f"{name}-id"] = _shown(q.get("id"))
    out[f"{name}-type"] = _shown(q.get("type"))
    out[f"{name}-points"] = _shown(q.get("points", 1))
    out[f"{name}-competencies"] = [str(c) for c in q.get("competencies") or []]
    tags = q.get("tags") or []
    out[f"{name}-tags"] = ", ".join(tags) if isinstance(tags, list) else str(tags)
    _texts(out, f"{name}-prompt", q.get("prompt"), langs)
    _texts(out, f"{name}-feedback", q.get("feedback"), langs)
    qtype = q.get("type")
    for index, choice in enumerate(q.get("choices") or []):
        here = f"{name}-choice-{index}"
        out[f"{here}-id"] = _shown(choice.get("id"))
        _texts(out, f"{here}-text", choice.get("text"), langs)
        _texts(out, f"{here}-feedback", choice.get("feedback"), langs)
        if choice.get("correct") is True:
            if qtype == "single":
                out[f"{name}-correct"] = str(index)
            else:
                out[f"{here}-correct"] = "1"
    for kind in ("pair", "item"):
        key, _prefix, sides = PARTS[kind]
        for index, part in enumerate(q.get(key) or []):
            here = f"{name}-{kind}-{index}"
            out[f"{here}-id"] = _shown(part.get("id"))
            for side in sides:
                _texts(out, f"{here}-{side}", part.get(side), langs)
    if "answer" in q:
        out[f"{name}-answer"] = _shown(q["answer"])
    if "tolerance" in q:
        out[f"{name}-tolerance"] = _shown(q["tolerance"])
    accept = q.get("accept") or {}
    for lang in langs:
        answers = accept.get(lang) if isinstance(accept, Mapping) else None
        out[f"{name}-accept-{lang}"] = "\n".join(str(a) for a in answers or [])


# -- form → dict ------------------------------------------------------------------------------


class _Form:
    """A MultiDict or a plain dict (lists for several values) read the same way."""

    def __init__(self, form):
        self.form = form

    def get(self, name: str) -> str:
        value = self.form.get(name)
        if isinstance(value, list):
            value = value[0] if value else ""
        return "" if value is None else str(value)

    def getlist(self, name: str) -> list[str]:
        if hasattr(self.form, "getlist"):
            return [str(v) for v in self.form.getlist(name)]
        value = self.form.get(name)
        if value is None:
            return []
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]

    def keys(self):
        return list(self.form.keys())


def from_form(form, languages: Iterable[str]) -> dict:
    """The quiz dict the form describes, shaped as the exporter writes quiz.yml (defaults
    left out) so the two round-trip exactly. Blank translations are left out: the checker
    says each one as a warning on its box."""
    langs = list(languages)
    f = _Form(form)
    data: dict = {"title": _read_texts(f, "title", langs)}
    for key in ("pass_mark", "max_attempts", "time_limit_minutes"):
        typed = f.get(key).strip()
        if typed:
            data[key] = _number(typed)
    data["shuffle"] = f.get("shuffle") not in ("", "0", "false")
    draw = []
    for index in _indexes(f, _DRAW, 1):
        tag, count = f.get(f"draw-{index}-tag").strip(), f.get(f"draw-{index}-count").strip()
        if tag or count:
            draw.append({"tag": tag, "count": _number(count) if count else ""})
    if draw:
        data["draw"] = draw
    data["questions"] = [
        _read_question(f, f"q-{index}", langs) for index in _indexes(f, _QUESTION, 1)
    ]
    return data


def _indexes(f: _Form, pattern, group: int, **fixed) -> list[int]:
    found = set()
    for key in f.keys():
        match = pattern.match(key)
        if match and all(match.group(g) == v for g, v in fixed.items()):
            found.add(int(match.group(group)))
    return sorted(found)


def _read_texts(f: _Form, name: str, langs) -> dict[str, str]:
    out = {}
    for lang in langs:
        text = f.get(f"{name}-{lang}")
        if text.strip():
            out[lang] = text.strip()
    return out


def _part_indexes(f: _Form, number: int, kind: str) -> list[int]:
    found = set()
    for key in f.keys():
        match = _PART.match(key)
        if match and int(match.group(1)) == number and match.group(2) == kind:
            found.add(int(match.group(3)))
    return sorted(found)


def _read_question(f: _Form, name: str, langs) -> dict:
    number = int(name.split("-")[1])
    qtype = f.get(f"{name}-type").strip()
    q: dict = {"id": f.get(f"{name}-id").strip(), "type": qtype}
    points = f.get(f"{name}-points").strip()
    value = _number(points) if points else 1
    if value != 1:
        q["points"] = value
    competencies = [c for c in f.getlist(f"{name}-competencies") if c]
    if competencies:
        q["competencies"] = competencies
    tags = [t for t in re.split(r"[,،\s]+", f.get(f"{name}-tags")) if t]
    if tags:
        q["tags"] = tags
    q["prompt"] = _read_texts(f, f"{name}-prompt", langs)
    if qtype in CHOICE_TYPES:
        single = f.get(f"{name}-correct")
        choices = []
        for index in _part_indexes(f, number, "choice"):
            here = f"{name}-choice-{index}"
            choice: dict = {
                "id": f.get(f"{here}-id").strip(),
                "text": _read_texts(f, f"{here}-text", langs),
            }
            ticked = single == str(index) if qtype == "single" else bool(f.get(f"{here}-correct"))
            if ticked:
                choice["correct"] = True
            feedback = _read_texts(f, f"{here}-feedback", langs)
            if feedback:
                choice["feedback"] = feedback
            choices.append(choice)
        q["choices"] = choices
    elif qtype in ("matching", "ordering"):
        kind = "pair" if qtype == "matching" else "item"
        key, _prefix, sides = PARTS[kind]
        parts = []
        for index in _part_indexes(f, number, kind):
            here = f"{name}-{kind}-{index}"
            part = {"id": f.get(f"{here}-id").strip()}
            for side in sides:
                part[side] = _read_texts(f, f"{here}-{side}", langs)
            parts.append(part)
        q[key] = parts
    elif qtype == "true_false":
        answer = f.get(f"{name}-answer")
        if answer in ("true", "false"):
            q["answer"] = answer == "true"
    elif qtype == "numeric":
        answer, tolerance = f.get(f"{name}-answer").strip(), f.get(f"{name}-tolerance").strip()
        q["answer"] = _number(answer) if answer else None
        if tolerance:
            value = _number(tolerance)
            if value != 0:
                q["tolerance"] = value
    elif qtype == "short_text":
        accept = {}
        for lang in langs:
            answers = [a.strip() for a in f.get(f"{name}-accept-{lang}").splitlines()]
            if any(answers):
                accept[lang] = [a for a in answers if a]
        q["accept"] = accept
    feedback = _read_texts(f, f"{name}-feedback", langs)
    if feedback:
        q["feedback"] = feedback
    return q


# -- the editor's buttons ----------------------------------------------------------------------


def fresh_id(used: Iterable[str], prefix: str) -> str:
    """The first ``prefix1``, ``prefix2``… not taken: experts never type identifiers."""
    taken = set(used)
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def starter(qtype: str, qid: str) -> dict:
    """A new question of ``qtype``, with the boxes its type needs (two choices, pairs or
    steps), texts to write."""
    q: dict = {"id": qid, "type": qtype, "prompt": {}}
    if qtype in CHOICE_TYPES:
        q["choices"] = [{"id": "c1", "text": {}}, {"id": "c2", "text": {}}]
    elif qtype == "matching":
        q["pairs"] = [{"id": f"p{n}", "left": {}, "right": {}} for n in (1, 2)]
    elif qtype == "ordering":
        q["items"] = [{"id": f"s{n}", "text": {}} for n in (1, 2)]
    elif qtype == "numeric":
        q["answer"] = None
    elif qtype == "short_text":
        q["accept"] = {}
    return q


def starter_quiz(title: Mapping) -> dict:
    """What a module without a quiz starts from: the defaults and one question to write."""
    return {
        "title": dict(title),
        "pass_mark": 70,
        "max_attempts": 0,
        "shuffle": False,
        "questions": [starter("single", "q1")],
    }


def _changed_type(q: dict, qtype: str) -> dict:
    """The question as ``qtype``: prompt, feedback, points, competencies and tags kept,
    and the texts of its choices or steps when the new type has the like."""
    kept = {k: q[k] for k in ("points", "competencies", "tags", "feedback") if k in q}
    new = starter(qtype, q.get("id", ""))
    new["prompt"] = q.get("prompt", {})
    texts = [c.get("text", {}) for c in q.get("choices") or q.get("items") or []]
    if qtype in CHOICE_TYPES and q.get("choices"):
        new["choices"] = copy.deepcopy(q["choices"])
        if qtype == "single":
            first = True
            for choice in new["choices"]:
                if choice.get("correct") and not first:
                    del choice["correct"]
                first = first and not choice.get("correct")
    elif qtype in CHOICE_TYPES and texts:
        new["choices"] = [{"id": f"c{n}", "text": t} for n, t in enumerate(texts, start=1)]
    elif qtype == "ordering" and texts:
        new["items"] = [{"id": f"s{n}", "text": t} for n, t in enumerate(texts, start=1)]
    elif qtype == "matching" and q.get("pairs"):
        new["pairs"] = q["pairs"]
    new.update(kept)
    return new


def act(data: dict, action: str, form=None) -> dict:
    """Apply one editor button (``add``, ``up:2``, ``del-choice:1:0``…) to the quiz dict
    and return the new dict; an action that does not apply leaves it as it is."""
    data = copy.deepcopy(data)
    f = _Form(form or {})
    questions = data.setdefault("questions", [])
    verb, _sep, rest = action.partition(":")
    args = [int(a) for a in rest.split(":") if a.isdigit()]
    if verb == "add":
        qtype = f.get("add_type") if f.get("add_type") in TYPES else "single"
        questions.append(starter(qtype, fresh_id((q.get("id") for q in questions), "q")))
        return data
    if verb == "add-draw":
        data.setdefault("draw", []).append({"tag": "", "count": ""})
        return data
    if verb == "del-draw" and args and args[0] < len(data.get("draw") or []):
        del data["draw"][args[0]]
        return data
    if not args or args[0] >= len(questions):
        return data
    n = args[0]
    q = questions[n]
    if verb == "dup":
        twin = copy.deepcopy(q)
        twin["id"] = fresh_id((x.get("id") for x in questions), "q")
        questions.insert(n + 1, twin)
    elif verb == "up" and n > 0:
        questions[n - 1], questions[n] = questions[n], questions[n - 1]
    elif verb == "down" and n + 1 < len(questions):
        questions[n + 1], questions[n] = questions[n], questions[n + 1]
    elif verb == "del":
        del questions[n]
    elif verb == "type":
        qtype = f.get(f"q-{n}-newtype")
        if qtype in TYPES and qtype != q.get("type"):
            questions[n] = _changed_type(q, qtype)
    elif verb.startswith("add-") and verb[4:] in PARTS and q.get("type") in _OWNERS[verb[4:]]:
        key, prefix, sides = PARTS[verb[4:]]
        parts = q.setdefault(key, [])
        part = {"id": fresh_id((p.get("id") for p in parts), prefix)}
        part.update({side: {} for side in sides})
        parts.append(part)
    elif verb.startswith("del-") and verb[4:] in PARTS and len(args) > 1:
        parts = q.get(PARTS[verb[4:]][0]) or []
        if args[1] < len(parts):
            del parts[args[1]]
    return data


def with_ids(data: dict) -> dict:
    """Every question and part given an id when it has none (or a broken or repeated one,
    which only a hand-edited form sends): ids are the editor's business, not the expert's."""
    questions = data.get("questions") or []
    seen: set[str] = set()
    for q in questions:
        qid = str(q.get("id") or "")
        if not ID.match(qid) or qid in seen:
            q["id"] = fresh_id(seen | {str(x.get("id")) for x in questions}, "q")
        seen.add(q["id"])
        for _kind, (key, prefix, _sides) in PARTS.items():
            taken: set[str] = set()
            for part in q.get(key) or []:
                pid = str(part.get("id") or "")
                if not ID.match(pid) or pid in taken:
                    part["id"] = fresh_id(taken | {str(p.get("id")) for p in q[key]}, prefix)
                taken.add(part["id"])
    return data


# -- issues on their fields ---------------------------------------------------------------------

_SEGMENTS = (
    (re.compile(r"^questions\[(\d+)\]"), r"q-\1"),
    (re.compile(r"\.choices\[(\d+)\]"), r"-choice-\1"),
    (re.compile(r"\.pairs\[(\d+)\]"), r"-pair-\1"),
    (re.compile(r"\.items\[(\d+)\]"), r"-item-\1"),
    (re.compile(r"^draw\[(\d+)\]"), r"draw-\1"),
)


def field_name(path: str | None) -> str:
    """The form field an ``Issue.field`` path names: ``questions[2].prompt.ar`` is
    ``q-2-prompt-ar``; ``""`` for a problem of the whole quiz."""
    if not path:
        return ""
    name = path
    for pattern, replacement in _SEGMENTS:
        name = pattern.sub(replacement, name)
    return name.replace(".", "-")


def field_names(data: Mapping, languages: Iterable[str]) -> set[str]:
    """The names the editor shows a message under: every field, plus each question
    (``q-2``), its lists of choices, pairs or steps (``q-2-choices``) and the draw rows."""
    hidden = re.compile(r".*-id\Z|q-\d+-type\Z")  # kept by the page, never shown
    names = {n for n in to_form(data, languages) if not hidden.match(n)}
    names |= {"questions", "draw", "title"}
    for index, q in enumerate(data.get("questions") or []):
        base = f"q-{index}"
        names |= {base, f"{base}-choices", f"{base}-pairs", f"{base}-items", f"{base}-answer"}
        names |= {f"{base}-accept-{lang}" for lang in languages}
        for kind, (key, _prefix, _sides) in PARTS.items():
            names |= {f"{base}-{kind}-{i}" for i in range(len(q.get(key) or []))}
    return names


def placed(issues, data: Mapping, languages: Iterable[str]) -> dict[str, list]:
    """Issues by the field they are shown on: a path the page has no box for goes to the
    nearest one above it (a choice, its question), else to ``""`` (the top of the page)."""
    known = field_names(data, list(languages))
    out: dict[str, list] = {}
    for issue in issues:
        name = field_name(issue.field)
        while name and name not in known:
            name = name.rsplit("-", 1)[0] if "-" in name else ""
        out.setdefault(name, []).append(issue)
    return out
