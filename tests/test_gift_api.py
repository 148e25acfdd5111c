"""GIFT through the API: a trainer's Moodle questions appended to a module's quiz (or its
bank), every unreadable question reported by its line, and an export that imports back."""

from __future__ import annotations

import pytest

from tests.factories import imported, package, package_files, zipped

QUIZ = "/api/v1/courses/engine-basics/modules/basics/quiz/gift"

GIFT = """// Questions du formateur
$CATEGORY: $course$/top/freins

::disque::Le disque de frein s'use-t-il ?{TRUE#Oui, il s'use.}

::plaquettes::Que remplace-t-on le plus souvent ?{=les plaquettes ~le maître-cylindre ~l'étrier}

::liquide::Quels liquides sont hygroscopiques ?{~%50%DOT 3 ~%50%DOT 4 ~%-100%LHM}

::epaisseur::Épaisseur minimale d'un disque de 22 mm (en mm) ?{#20:0.5}

::outil::Quel outil repousse le piston ?{=repousse-piston =un repousse-piston}

::assoc::Associez.{=Disque -> Friction =Étrier -> Serrage =Flexible -> Pression}

::essai::Décrivez la purge.{}
"""


@pytest.fixture
def people(make):
    return {
        "dmk": make.token(make.user("expert", network="DMK").email),
        "aeromac": make.token(make.user("expert", network="AEROMAC").email),
        "trainee": make.token(make.user("trainee").email),
    }


def _post(api, token, text, query=""):
    return api.client.post(
        QUIZ + query,
        data=text.encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
    )


def _quiz_keys(api, token):
    text = api.get(QUIZ, token=token).get_data(as_text=True)
    return text


def test_a_gift_file_is_appended_and_the_unreadable_question_named_by_its_line(api, people):
    imported(api, people["dmk"], package())
    response = _post(api, people["dmk"], GIFT)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["imported"] == 6 and body["into"] == "quiz"
    # the essay question starts on line 16: that line, said in words an author reads
    assert [e["line"] for e in body["errors"]] == [16]
    exported = api.get(QUIZ, token=people["dmk"])
    assert exported.status_code == 200 and exported.mimetype == "text/plain"
    text = exported.get_data(as_text=True)
    for name in ("q1", "disque", "plaquettes", "liquide", "epaisseur", "outil", "assoc"):
        assert f"::{name}::" in text
    assert "$CATEGORY:" in text and "freins" in text


def test_an_export_imports_back_to_the_same_questions(api, people, app):
    imported(api, people["dmk"], package())
    assert _post(api, people["dmk"], GIFT).status_code == 200
    first = api.get(QUIZ, token=people["dmk"]).get_data(as_text=True)
    # a second course receives the export: same questions, same texts, same answers
    other = package_files(slug="engine-copy")
    other["01-basics/quiz.yml"] = other["01-basics/quiz.yml"]
    imported(api, people["dmk"], zipped("engine-copy", other))
    copy = "/api/v1/courses/engine-copy/modules/basics/quiz/gift"
    answer = api.client.post(
        copy,
        data=first.replace("::q1::", "::q1-old::").encode(),
        headers={"Authorization": f"Bearer {people['dmk']}", "Content-Type": "text/plain"},
    )
    assert answer.status_code == 200 and answer.get_json()["errors"] == []
    second = api.get(copy, token=people["dmk"]).get_data(as_text=True)
    assert second.replace("::q1-old::", "::q1::").count("::") == first.count("::") + 2


def test_nothing_readable_is_a_422_that_changes_nothing(api, people):
    imported(api, people["dmk"], package())
    before = api.get(QUIZ, token=people["dmk"]).get_data(as_text=True)
    response = _post(api, people["dmk"], "Une question sans accolades\n\n::x::{}\n")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert {e["line"] for e in response.get_json()["errors"]} == {1, 3}
    assert api.get(QUIZ, token=people["dmk"]).get_data(as_text=True) == before


def test_a_dry_run_reports_and_keeps_nothing(api, people):
    imported(api, people["dmk"], package())
    before = api.get(QUIZ, token=people["dmk"]).get_data(as_text=True)
    response = _post(api, people["dmk"], GIFT, "?dry_run=true")
    assert response.status_code == 200 and response.get_json()["imported"] == 6
    assert api.get(QUIZ, token=people["dmk"]).get_data(as_text=True) == before


def test_only_the_authors_import_or_export(api, people):
    imported(api, people["dmk"], package())
    assert _post(api, people["aeromac"], GIFT).status_code == 404
    assert api.get(QUIZ, token=people["aeromac"]).status_code == 404
    assert _post(api, people["trainee"], GIFT).status_code == 404
    anonymous = api.client.post(QUIZ, data=b"x", headers={"Content-Type": "text/plain"})
    assert anonymous.status_code == 401


def test_a_language_the_course_is_not_offered_in_is_refused(api, people):
    imported(api, people["dmk"], package())
    response = _post(api, people["dmk"], GIFT, "?lang=en")
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["path"] == "lang"


def test_an_arabic_gift_file_imports_into_an_arabic_course(api, people):
    files = package_files(slug="moteur-ar")
    files["course.yml"] = files["course.yml"].replace("source_language: fr", "source_language: ar")
    files["course.yml"] = files["course.yml"].replace(
        "title: {fr: Moteur, ar: المحرك}", "title: {ar: المحرك}"
    )
    files["course.yml"] = files["course.yml"].replace(
        "summary: {fr: Les bases du moteur., ar: أساسيات المحرك.}", "summary: {ar: أساسيات المحرك.}"
    )
    files["course.yml"] = files["course.yml"].replace(
        "{fr: Identifier, ar: التعرف}", "{ar: التعرف}"
    )
    files["01-basics/module.yml"] = "title: {ar: الأساسيات}\n"
    files["01-basics/quiz.yml"] = (
        files["01-basics/quiz.yml"]
        .replace('prompt: {fr: "Un moteur 4 temps a 4 temps ?", ar:', "prompt: {ar:")
        .replace("{fr: Quiz, ar: اختبار}", "{ar: اختبار}")
    )
    files["01-basics/01-cycle.ar.md"] = "---\ntitle: الدورة\nduration_minutes: 10\n---\n\nنص\n"
    files["01-basics/02-oil.ar.md"] = "---\ntitle: الزيت\nkind: practical\n---\n\nنص\n"
    del files["01-basics/01-cycle.fr.md"], files["01-basics/02-oil.fr.md"]
    imported(api, people["dmk"], zipped("moteur-ar", files))
    text = (
        "$CATEGORY: فرامل\n\n::قرص::هل يتآكل قرص الفرامل؟{T}\n\n"
        "::سمك::ما الحد الأدنى لسمك القرص (مم)؟{#٢٠:٠٫٥}\n"
    )
    url = "/api/v1/courses/moteur-ar/modules/basics/quiz/gift"
    response = api.client.post(
        url + "?lang=ar",
        data=text.encode(),
        headers={"Authorization": f"Bearer {people['dmk']}", "Content-Type": "text/plain"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json() == {"imported": 2, "errors": [], "into": "quiz"}
    exported = api.get(url + "?lang=ar", token=people["dmk"]).get_data(as_text=True)
    assert "هل يتآكل قرص الفرامل؟" in exported and "{#20:0.5}" in exported


def test_a_quiz_that_draws_from_the_bank_receives_the_questions_in_its_bank(api, people):
    files = package_files()
    files["bank.yml"] = """questions:
  - id: b1
    type: true_false
    tags: [freins]
    prompt: {fr: "Le disque s'use ?", ar: "هل يتآكل القرص؟"}
    answer: true
"""
    files["01-basics/quiz.yml"] += "draw:\n  - {tag: freins, count: 1}\n"
    imported(api, people["dmk"], zipped("engine-basics", files))
    response = _post(api, people["dmk"], "$CATEGORY: freins\n\n::b2::Les plaquettes s'usent ?{T}\n")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["into"] == "bank"
    exported = api.get(QUIZ, token=people["dmk"]).get_data(as_text=True)
    assert "::b1::" in exported and "::b2::" in exported
