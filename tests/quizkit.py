"""A small course with a quiz of every question type, and helpers that answer it the way a
trainee would: by reading the choice texts, never by knowing the ids."""

from __future__ import annotations

from tests.factories import imported, zipped

SLUG = "brakes"
QUIZ = f"/api/v1/courses/{SLUG}/modules/checks/quiz/attempts"
LESSONS = [f"/api/v1/courses/{SLUG}/modules/checks/lessons/{s}" for s in ("pads", "fluid")]

QUIZ_YML = """title: {{fr: "Quiz freins", ar: "اختبار الفرامل"}}
pass_mark: 70
max_attempts: {max_attempts}
{time_limit}shuffle: true
questions:
  - id: q1
    type: single
    prompt: {{fr: "Épaisseur minimale d'une plaquette ?", ar: "ما هو أدنى سمك للوسادة؟"}}
    choices:
      - id: a
        text: {{fr: "1 mm", ar: "1 مم"}}
        feedback: {{fr: "Trop mince.", ar: "رقيق جدا."}}
      - id: b
        text: {{fr: "3 mm", ar: "3 مم"}}
        correct: true
        feedback: {{fr: "SECRET-FEEDBACK-B", ar: "ملاحظة-ب"}}
      - {{id: c, text: {{fr: "10 mm", ar: "10 مم"}}}}
  - id: q2
    type: multiple
    points: 2
    prompt: {{fr: "Signes d'usure ?", ar: "علامات التآكل؟"}}
    choices:
      - {{id: a, text: {{fr: "Grincement", ar: "صرير"}}, correct: true}}
      - {{id: b, text: {{fr: "Vibration", ar: "اهتزاز"}}, correct: true}}
      - {{id: c, text: {{fr: "Radio en panne", ar: "عطل الراديو"}}}}
  - id: q3
    type: true_false
    prompt: {{fr: "Le liquide de frein est hygroscopique.", ar: "سائل الفرامل يمتص الرطوبة."}}
    answer: true
    feedback: {{fr: "Il absorbe l'eau de l'air.", ar: "يمتص الماء من الهواء."}}
  - id: q4
    type: numeric
    prompt: {{fr: "Point d'ébullition DOT 4 sec (°C, en centaines) ?", ar: "نقطة غليان DOT 4؟"}}
    answer: 2.3
    tolerance: 0.05
  - id: q5
    type: short_text
    prompt: {{fr: "Organe qui presse les plaquettes ?", ar: "ما العضو الذي يضغط الوسائد؟"}}
    accept: {{fr: ["étrier", "l'étrier"], ar: ["الملقط"]}}
"""

RIGHT = {
    "q1": "3 mm",
    "q2": ["Grincement", "Vibration"],
    "q3": True,
    "q4": "2,3",
    "q5": "Etrier",
}
RIGHT_AR = {"q1": "3 مم", "q2": ["صرير", "اهتزاز"], "q3": True, "q4": "٢٫٣", "q5": "الملقط"}
#: Every secret of the quiz: none may appear before submission.
SECRETS = [
    "SECRET-FEEDBACK-B",
    "ملاحظة-ب",
    "Trop mince",
    "étrier",
    "الملقط",
    "absorbe",
    "يمتص الماء",
]


def quiz_package(max_attempts: int = 2, time_limit: int | None = None) -> bytes:
    files = {
        "course.yml": f"""slug: {SLUG}
domain: automotive
network: DMK
source_language: fr
languages: [fr, ar]
level: beginner
estimated_hours: 2
title: {{fr: Freinage, ar: الفرملة}}
summary: {{fr: Contrôler les freins., ar: فحص الفرامل.}}
""",
        "01-checks/module.yml": "title: {fr: Contrôles, ar: الفحوص}\n",
        "01-checks/01-pads.fr.md": "---\ntitle: Plaquettes\n---\n\nMesurer.\n",
        "01-checks/01-pads.ar.md": "---\ntitle: الوسائد\n---\n\nقس.\n",
        "01-checks/02-fluid.fr.md": "---\ntitle: Liquide\n---\n\nPurger.\n",
        "01-checks/02-fluid.ar.md": "---\ntitle: السائل\n---\n\nأفرغ.\n",
        "01-checks/quiz.yml": QUIZ_YML.format(
            max_attempts=max_attempts,
            time_limit=f"time_limit_minutes: {time_limit}\n" if time_limit else "",
        ),
    }
    return zipped(SLUG, files)


def publish(api, make, **kwargs) -> None:
    admin = make.token(make.user("admin").email)
    assert imported(api, admin, quiz_package(**kwargs), "?publish=true")["status"] == "published"


def enrolled_trainee(api, make, **user) -> str:
    token = make.token(make.user("trainee", **user).email)
    assert api.post(f"/api/v1/courses/{SLUG}/enrolment", token=token).status_code == 201
    return token


def answers_for(attempt: dict, wanted: dict) -> dict:
    """Turn answers written as texts into this attempt's choice ids."""
    out = {}
    for question in attempt["questions"]:
        value = wanted.get(question["id"])
        if question["choices"] and value is not None:
            by_text = {c["text_html"]: c["id"] for c in question["choices"]}
            value = [by_text[v] for v in value] if isinstance(value, list) else by_text[value]
        out[question["id"]] = value
    return out


def certify(api, token: str) -> str:
    """An enrolled trainee reads every lesson and passes the quiz; returns the certificate's
    code."""
    for url in LESSONS:
        assert api.post(url + "/complete", token=token).status_code == 200
    attempt = api.post(QUIZ, token=token).get_json()
    done = api.post(
        f"/api/v1/attempts/{attempt['id']}/submit",
        token=token,
        json={"answers": answers_for(attempt, RIGHT)},
    )
    assert done.status_code == 200 and done.get_json()["passed"], done.get_json()
    return api.get("/api/v1/me/courses", token=token).get_json()[0]["certificate"]


#: One question of each of the seven types, as the exporter writes them (defaults left out).
ALL_TYPES = {
    "title": {"fr": "Quiz moteur", "ar": "اختبار المحرك"},
    "pass_mark": 60,
    "max_attempts": 3,
    "time_limit_minutes": 20,
    "shuffle": True,
    "questions": [
        {
            "id": "q1",
            "type": "single",
            "points": 2,
            "competencies": ["C1"],
            "tags": ["moteur"],
            "prompt": {"fr": "Combien de temps ?", "ar": "كم شوطا؟"},
            "choices": [
                {"id": "a", "text": {"fr": "Deux", "ar": "اثنان"}},
                {
                    "id": "b",
                    "text": {"fr": "Quatre", "ar": "أربعة"},
                    "correct": True,
                    "feedback": {"fr": "Oui.", "ar": "نعم."},
                },
            ],
            "feedback": {"fr": "Admission, compression…", "ar": "السحب، الضغط…"},
        },
        {
            "id": "q2",
            "type": "multiple",
            "prompt": {"fr": "Fluides ?", "ar": "السوائل؟"},
            "choices": [
                {"id": "a", "text": {"fr": "Huile", "ar": "زيت"}, "correct": True},
                {"id": "b", "text": {"fr": "Eau", "ar": "ماء"}, "correct": True},
                {"id": "c", "text": {"fr": "Sable", "ar": "رمل"}},
            ],
        },
        {
            "id": "q3",
            "type": "true_false",
            "prompt": {"fr": "L'huile lubrifie.", "ar": "الزيت يشحم."},
            "answer": False,
        },
        {
            "id": "q4",
            "type": "numeric",
            "points": 1.5,
            "prompt": {"fr": "Pression (bar) ?", "ar": "الضغط؟"},
            "answer": 2.3,
            "tolerance": 0.05,
        },
        {
            "id": "q5",
            "type": "short_text",
            "prompt": {"fr": "Organe ?", "ar": "العضو؟"},
            "accept": {"fr": ["piston", "le piston"], "ar": ["المكبس"]},
        },
        {
            "id": "q6",
            "type": "matching",
            "prompt": {"fr": "Associez.", "ar": "طابق."},
            "pairs": [
                {
                    "id": "p1",
                    "left": {"fr": "Bougie", "ar": "شمعة"},
                    "right": {"fr": "Allumage", "ar": "إشعال"},
                },
                {
                    "id": "p2",
                    "left": {"fr": "Pompe", "ar": "مضخة"},
                    "right": {"fr": "Carburant", "ar": "وقود"},
                },
            ],
        },
        {
            "id": "q7",
            "type": "ordering",
            "prompt": {"fr": "Dans l'ordre.", "ar": "بالترتيب."},
            "items": [
                {"id": "s1", "text": {"fr": "Admission", "ar": "السحب"}},
                {"id": "s2", "text": {"fr": "Compression", "ar": "الضغط"}},
                {"id": "s3", "text": {"fr": "Détente", "ar": "التمدد"}},
            ],
        },
    ],
}
