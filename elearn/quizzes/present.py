"""What a trainee is shown of an attempt: before submission only prompts and choice texts
(no answer, flag or feedback can leak, because none is copied here); after it, the result
with the author's feedback."""

from __future__ import annotations

from sqlalchemy import select

from elearn.authoring.models import Question
from elearn.authoring.rendering import trusted
from elearn.core.jsonio import iso
from elearn.i18n.languages import pick_language
from elearn.quizzes.models import QuizAttempt


def _published(session, attempt: QuizAttempt) -> dict[int, dict]:
    ids = [item["q"] for item in attempt.layout]
    rows = session.execute(
        select(Question.id, Question.published, Question.spec, Question.rendered).where(
            Question.id.in_(ids)
        )
    ).all()
    return {
        qid: published or {"spec": spec, "rendered": rendered, "points": spec.get("points", 1)}
        for qid, published, spec, rendered in rows
    }


def _texts(rendered: dict, lang: str, source: str | None) -> tuple[str, dict]:
    """The question's texts in the wanted language, else where the platform's one
    fallback rule (:func:`~elearn.i18n.languages.pick_language`) leads."""
    written = [code for code, entry in rendered.items() if (entry or {}).get("prompt")]
    used = pick_language(written, lang, source)
    return (used, rendered[used]) if used else (lang, {})


def questions(
    session, attempt: QuizAttempt, lang: str, found: dict | None = None, *, source=None
) -> list[dict]:
    """The attempt's questions in its fixed order, with the saved answers in its tokens."""
    found = found if found is not None else _published(session, attempt)
    saved = attempt.answers or {}
    out = []
    for number, item in enumerate(attempt.layout, start=1):
        data = found[item["q"]]
        spec = data["spec"]
        used, texts = _texts(data.get("rendered") or {}, lang, source)
        choices = [
            {"id": token, "text_html": trusted((texts.get("choices") or {}).get(cid))}
            for token, cid in item["choices"]
        ]
        shown = {
            "id": item["key"],
            "number": number,
            "type": spec["type"],
            "points": float(spec.get("points", 1)),
            "lang": used,
            "prompt_html": trusted(texts.get("prompt")),
            "choices": choices,
            "answer": _in_tokens(saved.get(item["key"]), item["choices"]),
        }
        for part, key in (("left", "left"), ("right", "right"), ("items", "items")):
            if part in item:
                shown[part] = [
                    {"id": token, "text_html": trusted((texts.get(key) or {}).get(cid))}
                    for token, cid in item[part]
                ]
        if spec["type"] == "matching":
            shown["answer"] = _pairs_in_tokens(saved.get(item["key"]), item)
        elif spec["type"] == "ordering":
            shown["answer"] = _in_tokens(saved.get(item["key"]), item.get("items", []))
            # shown in the order saved (the steps not placed yet after it), each with its place
            placed = shown["answer"] or []
            steps = sorted(
                shown["items"],
                key=lambda step: placed.index(step["id"]) if step["id"] in placed else len(placed),
            )
            shown["items"] = [{**step, "place": n} for n, step in enumerate(steps, start=1)]
        out.append(shown)
    return out


def _pairs_in_tokens(value, item: dict) -> dict | None:
    if not isinstance(value, dict):
        return None
    left = {cid: token for token, cid in item.get("left", [])}
    right = {cid: token for token, cid in item.get("right", [])}
    return {left[a]: right[b] for a, b in value.items() if a in left and b in right} or None


def _in_tokens(value, choices: list) -> object:
    if value is None or not choices:
        return value
    token_of = {cid: token for token, cid in choices}
    if isinstance(value, list):
        return [token_of[v] for v in value if v in token_of]
    return token_of.get(value)


def results(session, attempt: QuizAttempt, lang: str, *, source=None) -> list[dict]:
    """Per question: correct, points, the trainee's answer and the author's feedback
    (the question's, and that of each choice the trainee picked)."""
    found = _published(session, attempt)
    graded = attempt.results or {}
    saved = attempt.answers or {}
    out = []
    shown_all = questions(session, attempt, lang, found, source=source)
    for item, shown in zip(attempt.layout, shown_all, strict=True):
        data = found[item["q"]]
        _used, texts = _texts(data.get("rendered") or {}, lang, source)
        value = saved.get(item["key"])
        picked = value if isinstance(value, list) else [value]
        notes = [
            (texts.get("choice_feedback") or {}).get(cid)
            for _token, cid in item["choices"]
            if cid in picked
        ]
        notes.append(texts.get("feedback"))
        mark = graded.get(item["key"], {"correct": False, "points": 0.0})
        out.append(
            {
                **shown,
                "correct": mark["correct"],
                "points_awarded": mark["points"],
                "feedback_html": trusted(" ".join(n for n in notes if n)),
            }
        )
    return out


def attempt_body(session, attempt: QuizAttempt, lang: str, *, source=None) -> dict:
    """The API's view of an attempt: questions before submission, the result after."""
    body = {
        "id": attempt.id,
        "attempt_number": attempt.number,
        "status": attempt.status,
        "started_at": iso(attempt.started_at),
        "expires_at": iso(attempt.deadline),
        "saved_at": iso(attempt.saved_at),
        "questions": [_api_question(q) for q in questions(session, attempt, lang, source=source)],
    }
    if attempt.finished:
        result = result_body(session, attempt, lang, source=source)
        graded = {q["id"]: q for q in result.pop("questions")}
        body.update(result)
        for question in body["questions"]:  # the prompts, with how each was graded
            question.update(graded[question["id"]])
    return body


def _api_question(q: dict) -> dict:
    """A question as the API sends it. Ordering steps travel as ``steps`` inside the
    program (a dict's ``items`` is a method to the serialiser) and as ``items`` on the
    wire."""
    out = {key: q[key] for key in ("id", "type", "points", "prompt_html", "choices", "answer")}
    for part in ("left", "right"):
        if part in q:
            out[part] = q[part]
    if "items" in q:
        out["steps"] = [{"id": s["id"], "text_html": s["text_html"]} for s in q["items"]]
    return out


def result_body(session, attempt: QuizAttempt, lang: str, *, source=None) -> dict:
    return {
        "status": attempt.status,
        "submitted_at": iso(attempt.submitted_at),
        "score": attempt.score,
        "max_score": attempt.max_score,
        "percent": attempt.percent,
        "passed": attempt.passed,
        "expired": attempt.status == "expired",
        "questions": [
            {
                "id": r["id"],
                "correct": r["correct"],
                "points_awarded": r["points_awarded"],
                "feedback_html": r["feedback_html"],
                "answer": r["answer"],
            }
            for r in results(session, attempt, lang, source=source)
        ],
    }
