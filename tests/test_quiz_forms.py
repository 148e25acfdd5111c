"""The Studio's quiz editor made of forms: every question type round-trips between the
forms and quiz.yml, each button works without JavaScript and keeps what was typed, and
each problem is said in the expert's language on the box it belongs to."""

from __future__ import annotations

import copy
import re

import pytest
from sqlalchemy import select

from elearn.authoring import quizform
from elearn.authoring.models import Course
from elearn.authoring.package.model import Issue
from elearn.authoring.package.yamlio import load
from elearn.core.db import utcnow
from elearn.extensions import db
from tests.factories import imported, package, package_files, zipped
from tests.harness import count_queries
from tests.quizkit import ALL_TYPES

LANGS = ["fr", "ar"]
URL = "/studio/engine-basics/modules/basics/quiz"


def _expert(app, make, signed_in, api):
    user = make.user("expert", network="DMK")
    imported(api, make.token(user.email), package())
    return signed_in(user.email)


def _typed(html: str) -> dict:
    """What the browser would send back: every input, textarea and checked box of the
    editor's form, as a user who changed nothing would submit it."""
    form = html[html.index('class="quiz-editor"') :]
    form = form[: form.index("</form>")]
    out: dict[str, list[str]] = {}
    for tag in re.finditer(r"<input ([^>]*)>", form):
        attrs = dict(re.findall(r'(\w[\w-]*)="([^"]*)"', tag.group(1)))
        if "name" not in attrs or attrs.get("type") == "submit":
            continue
        if attrs.get("type") in ("checkbox", "radio") and " checked" not in tag.group(0):
            continue
        out.setdefault(attrs["name"], []).append(_unescape(attrs.get("value", "")))
    for area in re.finditer(
        r'<textarea id="[^"]*" name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S
    ):
        out.setdefault(area.group(1), []).append(_unescape(area.group(2)))
    for menu in re.finditer(r'<select id="[^"]*" name="([^"]+)">(.*?)</select>', form, re.S):
        chosen = re.search(r'<option value="([^"]+)" selected>', menu.group(2))
        first = re.search(r'<option value="([^"]+)"', menu.group(2))
        out[menu.group(1)] = [(chosen or first).group(1)]
    return out


def _unescape(text: str) -> str:
    for a, b in (
        ("&#39;", "'"),
        ("&#34;", '"'),
        ("&quot;", '"'),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ):
        text = text.replace(a, b)
    return text


def _post(browser, fields: dict, **changes):
    data = {k: list(v) for k, v in fields.items()}
    for key, value in changes.items():
        data[key.replace("__", "-")] = value if isinstance(value, list) else [value]
    data["csrf_token"] = browser.csrf_token()
    return browser.post(URL, data=data)


# -- pure: the forms and the dict ---------------------------------------------------------


@pytest.mark.parametrize("index", range(7))
def test_each_question_type_round_trips_through_the_forms(index):
    data = {**ALL_TYPES, "questions": [ALL_TYPES["questions"][index]]}
    assert quizform.from_form(quizform.to_form(data, LANGS), LANGS) == data


def test_the_whole_quiz_round_trips_and_the_field_names_are_flat():
    form = quizform.to_form(ALL_TYPES, LANGS)
    assert form["q-0-prompt-fr"] == "Combien de temps ?"
    assert form["q-0-choice-1-text-ar"] == "أربعة"
    assert form["q-0-correct"] == "1"  # the single choice's radio: choice 1 is right
    assert form["q-5-pair-1-left-fr"] == "Pompe"
    assert form["q-6-item-2-text-ar"] == "التمدد"
    assert form["q-4-accept-fr"] == "piston\nle piston"
    assert quizform.from_form(form, LANGS) == ALL_TYPES


def test_numbers_are_read_as_typed_in_either_script_and_bad_ones_kept():
    form = quizform.to_form(ALL_TYPES, LANGS)
    form["q-3-answer"], form["q-3-points"], form["pass_mark"] = "٢٫٥", "2,5", "beaucoup"
    data = quizform.from_form(form, LANGS)
    assert data["questions"][3]["answer"] == 2.5
    assert data["questions"][3]["points"] == 2.5
    assert data["pass_mark"] == "beaucoup"  # the checker names this box


def test_issue_paths_become_field_names_and_land_on_a_shown_box():
    assert quizform.field_name("questions[2].prompt.ar") == "q-2-prompt-ar"
    assert quizform.field_name("questions[0].choices[1].text.fr") == "q-0-choice-1-text-fr"
    assert quizform.field_name("questions[5].pairs[1].left.ar") == "q-5-pair-1-left-ar"
    assert quizform.field_name("draw[0].count") == "draw-0-count"
    issues = [
        Issue.error("quiz", None, "x", "questions[2].prompt.ar"),
        Issue.error("quiz", None, "dup", "questions[1].id"),  # no box: its question
        Issue.error("quiz", None, "whole", None),
    ]
    placed = quizform.placed(issues, ALL_TYPES, LANGS)
    assert [i.message for i in placed["q-2-prompt-ar"]] == ["x"]
    assert [i.message for i in placed["q-1"]] == ["dup"]
    assert [i.message for i in placed[""]] == ["whole"]


def test_the_buttons_change_the_quiz_and_ids_are_generated():
    data = quizform.act(ALL_TYPES, "add", {"add_type": "ordering"})
    assert data["questions"][-1]["id"] == "q8" and data["questions"][-1]["type"] == "ordering"
    assert len(data["questions"][-1]["items"]) == 2
    twin = quizform.act(ALL_TYPES, "dup:0")
    assert [q["id"] for q in twin["questions"][:2]] == ["q1", "q8"]
    assert twin["questions"][1]["prompt"] == ALL_TYPES["questions"][0]["prompt"]
    up = quizform.act(ALL_TYPES, "up:1")
    assert [q["id"] for q in up["questions"][:2]] == ["q2", "q1"]
    down = quizform.act(ALL_TYPES, "down:0")
    assert [q["id"] for q in down["questions"][:2]] == ["q2", "q1"]
    gone = quizform.act(ALL_TYPES, "del:2")
    assert "q3" not in [q["id"] for q in gone["questions"]]
    retyped = quizform.act(ALL_TYPES, "type:6", {"q-6-newtype": "single"})
    q = retyped["questions"][6]
    assert q["type"] == "single" and [c["text"]["fr"] for c in q["choices"]][0] == "Admission"
    more = quizform.act(ALL_TYPES, "add-choice:1")
    assert [c["id"] for c in more["questions"][1]["choices"]] == ["a", "b", "c", "c1"]
    fewer = quizform.act(ALL_TYPES, "del-pair:5:0")
    assert [p["id"] for p in fewer["questions"][5]["pairs"]] == ["p2"]
    steps = quizform.act(ALL_TYPES, "add-item:6")
    assert steps["questions"][6]["items"][-1]["id"] == "s4"
    assert ALL_TYPES["questions"][6]["items"][-1]["id"] == "s3"  # never changed in place
    assert quizform.act(ALL_TYPES, "up:99") == ALL_TYPES


def test_with_ids_fills_missing_and_repeated_ids():
    data = {"questions": [{"id": "q1"}, {"id": "q1"}, {"id": ""}]}
    assert [q["id"] for q in quizform.with_ids(data)["questions"]] == ["q1", "q2", "q3"]


# -- the page ----------------------------------------------------------------------------


def test_a_module_without_quiz_starts_with_one_question_to_write(app, make, signed_in, api):
    browser = _expert(app, make, signed_in, api)
    browser.post_form(f"{URL}/yaml", {"yaml": ""})  # nothing saved: 422
    with app.app_context():
        course = db.session.scalar(select(Course))
        course.modules[0].quiz.archived_at = utcnow()
        db.session.commit()
    html = browser.get(URL).get_data(as_text=True)
    assert html.count('class="question-edit"') == 1
    assert 'name="q-0-prompt-fr"' in html and 'name="q-0-choice-1-text-ar"' in html
    assert 'value="Bases"' in html  # the title starts as the module's
    assert 'name="q-0-prompt-ar" rows="2" lang="ar" dir="rtl"' in html


def test_forms_save_a_bilingual_quiz_of_every_type_that_the_yaml_view_shows(
    app, make, signed_in, api
):
    browser = _expert(app, make, signed_in, api)
    form = {
        k: v if isinstance(v, list) else [v] for k, v in quizform.to_form(ALL_TYPES, LANGS).items()
    }
    saved = _post(browser, form, action="save")
    assert saved.status_code == 303, saved.get_data(as_text=True)[-3000:]
    page = browser.get(URL).get_data(as_text=True)
    assert "Quiz enregistré." in page
    text = browser.get(f"{URL}/yaml").get_data(as_text=True)
    yaml = _unescape(re.search(r'<textarea id="yaml"[^>]*>(.*?)</textarea>', text, re.S).group(1))
    assert load(yaml)[0] == ALL_TYPES
    # and back: what the page shows is what the browser sends, unchanged
    assert quizform.from_form(_typed(page), LANGS) == ALL_TYPES
    assert _post(browser, _typed(page), action="save").status_code == 303


def test_each_button_rerenders_what_was_typed(app, make, signed_in, api):
    browser = _expert(app, make, signed_in, api)
    fields = _typed(browser.get(URL).get_data(as_text=True))
    fields["q-0-prompt-fr"] = ["Pas encore enregistré"]
    added = _post(browser, fields, action="add", add_type="matching")
    html = added.get_data(as_text=True)
    assert added.status_code == 200 and "Pas encore enregistré" in html
    assert 'name="q-1-id" value="q2"' in html and 'name="q-1-pair-1-right-ar"' in html
    fields = _typed(html)
    moved = _typed(_post(browser, fields, action="up:1").get_data(as_text=True))
    assert moved["q-0-id"] == ["q2"] and moved["q-1-prompt-fr"] == ["Pas encore enregistré"]
    twin = _typed(_post(browser, moved, action="dup:1").get_data(as_text=True))
    assert twin["q-2-id"] == ["q3"] and twin["q-2-prompt-fr"] == ["Pas encore enregistré"]
    down = _typed(_post(browser, twin, action="down:0").get_data(as_text=True))
    assert down["q-1-id"] == ["q2"]
    retyped = _typed(
        _post(browser, down, **{"action": "type:1", "q-1-newtype": "ordering"}).get_data(
            as_text=True
        )
    )
    assert retyped["q-1-type"] == ["ordering"] and "q-1-item-1-text-fr" in retyped
    steps = _typed(_post(browser, retyped, action="add-item:1").get_data(as_text=True))
    assert "q-1-item-2-text-fr" in steps
    fewer = _typed(_post(browser, steps, action="del-item:1:0").get_data(as_text=True))
    assert "q-1-item-2-text-fr" not in fewer
    gone = _typed(_post(browser, fewer, action="del:1").get_data(as_text=True))
    assert (gone["q-0-id"], gone["q-1-id"], "q-2-id" in gone) == (["q1"], ["q3"], False)
    with app.app_context():  # nothing was saved by any button
        quiz = db.session.scalar(select(Course)).modules[0].quiz
        assert [q.key for q in quiz.questions] == ["q1"]


@pytest.mark.parametrize(
    ("interface", "missing", "warning"),
    [
        ("fr", "Écrivez ce texte en français", "pas encore traduit en"),
        ("ar", "يُرجى كتابة هذا النص", "لم يُترجَم بعد"),
    ],
)
def test_errors_stay_on_their_field_in_the_interface_language(
    app, make, signed_in, api, interface, missing, warning
):
    browser = _expert(app, make, signed_in, api)
    browser.post_form("/language", {"lang": interface})
    fields = _typed(browser.get(URL).get_data(as_text=True))
    fields["q-0-prompt-fr"], fields["q-0-prompt-ar"] = [""], ["سؤال بدون فرنسية"]
    refused = _post(browser, fields, action="save")
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    box = html[html.index('name="q-0-prompt-fr"') :]
    message = box[: box.index("</div>")]
    assert missing.lower() in message.lower() and 'class="error"' in message
    assert 'aria-invalid="true"' in html[html.index('id="q-0-prompt-fr"') - 10 :][:400]
    assert "سؤال بدون فرنسية" in html  # what was typed stays
    # a missing translation only warns: the quiz saves, and the warning shows on its box
    fields["q-0-prompt-fr"], fields["q-0-prompt-ar"] = ["Question sans arabe"], [""]
    assert _post(browser, fields, action="save").status_code == 303
    page = browser.get(URL).get_data(as_text=True)
    box = page[page.index('name="q-0-prompt-ar"') :]
    assert warning.lower() in box[: box.index("</div>")].lower()


def test_the_editor_page_takes_a_few_statements_whatever_the_number_of_questions(
    app, make, signed_in, api
):
    browser = _expert(app, make, signed_in, api)
    few = {
        k: v if isinstance(v, list) else [v] for k, v in quizform.to_form(ALL_TYPES, LANGS).items()
    }
    assert _post(browser, few, action="save").status_code == 303
    with count_queries(app) as small:
        assert browser.get(URL).status_code == 200
    many = {
        **ALL_TYPES,
        "questions": [
            {**q, "id": f"x{n}{q['id']}"} for n in range(4) for q in ALL_TYPES["questions"]
        ],
    }
    form = {k: v if isinstance(v, list) else [v] for k, v in quizform.to_form(many, LANGS).items()}
    assert _post(browser, form, action="save").status_code == 303
    with count_queries(app) as large:
        html = browser.get(URL).get_data(as_text=True)
    assert html.count('class="question-edit"') == 28
    assert len(large) <= len(small) + 1 and len(large) <= 25, large


def test_the_preview_shows_questions_as_a_trainee_sees_them_without_answers(
    app, make, signed_in, api
):
    browser = _expert(app, make, signed_in, api)
    form = {
        k: v if isinstance(v, list) else [v] for k, v in quizform.to_form(ALL_TYPES, LANGS).items()
    }
    assert _post(browser, form, action="save").status_code == 303
    fr = browser.get(f"{URL}/preview?content=fr").get_data(as_text=True)
    ar = browser.get(f"{URL}/preview?content=ar").get_data(as_text=True)
    assert fr.count('<fieldset class="question" id="question-') == 7
    assert "Combien de temps ?" in fr and "Allumage" in fr and 'name="q-q7.s1"' in fr
    assert "كم شوطا؟" in ar and 'lang="ar"' in ar
    for secret in ("Oui.", "Admission, compression", "le piston", "نعم."):
        assert secret not in fr and secret not in ar


def test_a_yaml_post_to_the_main_address_still_saves(app, make, signed_in, api):
    browser = _expert(app, make, signed_in, api)
    bad = browser.post_form(
        URL, {"yaml": "title: {fr: Quiz}\nquestions:\n  - id: q1\n    type: nope\n"}
    )
    assert bad.status_code == 422 and "quiz.yml:4" in bad.get_data(as_text=True)
    good = browser.post_form(
        f"{URL}/yaml",
        {
            "yaml": "title: {fr: Q, ar: ق}\nquestions:\n  - {id: z1, type: true_false, "
            "prompt: {fr: 'Vrai ?', ar: 'صحيح؟'}, answer: true}\n"
        },
    )
    assert good.status_code == 303
    html = browser.get(URL).get_data(as_text=True)
    assert 'name="q-0-id" value="z1"' in html and 'value="true" checked' in html


def test_draw_rows_show_with_a_bank_and_a_count_too_high_is_said_on_its_box(
    app, make, signed_in, api
):
    user = make.user("expert", network="DMK")
    files = package_files()
    files["01-basics/quiz.yml"] += "draw:\n  - {tag: freins, count: 2}\n"
    files["bank.yml"] = """questions:
  - {id: b1, type: true_false, tags: [freins], prompt: {fr: "Le disque s'use ?"}, answer: true}
  - {id: b2, type: true_false, tags: [freins], prompt: {fr: "Le tambour chauffe ?"}, answer: true}
"""
    imported(api, make.token(user.email), zipped("engine-basics", files))
    browser = signed_in(user.email)
    fields = _typed(browser.get(URL).get_data(as_text=True))
    assert (fields["draw-0-tag"], fields["draw-0-count"]) == (["freins"], ["2"])
    refused = _post(browser, fields, **{"draw-0-count": "5"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 422
    box = html[html.index('id="draw-0-count"') :]
    assert "freins" in box[: box.index("</div>")] and 'class="error"' in box[:600]
    added = _typed(_post(browser, fields, action="add-draw").get_data(as_text=True))
    assert added["draw-1-tag"] == [""]
    removed = _typed(_post(browser, fields, action="del-draw:0").get_data(as_text=True))
    assert "draw-0-tag" not in removed
    assert _post(browser, fields, action="save").status_code == 303


def test_a_quiz_written_in_the_forms_is_taken_by_a_trainee_once_published(
    app, make, signed_in, api
):
    from tests.quizkit import QUIZ, SLUG, enrolled_trainee, publish

    publish(api, make)
    expert = make.user("expert", network="DMK")
    browser = signed_in(expert.email)
    data = copy.deepcopy(ALL_TYPES)
    del data["questions"][0]["competencies"]  # the brakes course declares none
    form = {k: v if isinstance(v, list) else [v] for k, v in quizform.to_form(data, LANGS).items()}
    url = f"/studio/{SLUG}/modules/checks/quiz"
    form["csrf_token"] = [browser.csrf_token()]
    assert browser.post(url, data=form).status_code == 303
    token = make.token(expert.email)
    assert api.post(f"/api/v1/courses/{SLUG}/submit", token=token).status_code == 200
    admin = make.token(make.user("admin").email)
    published = api.post(f"/api/v1/courses/{SLUG}/publish", token=admin)
    assert published.status_code == 200, published.get_json()
    trainee = enrolled_trainee(api, make)
    attempt = api.post(QUIZ, token=trainee).get_json()
    shown = sorted(q["type"] for q in attempt["questions"])  # the quiz shuffles
    assert shown == sorted(q["type"] for q in data["questions"])
    assert "Combien de temps ?" in str(attempt["questions"])
