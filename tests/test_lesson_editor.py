"""The lesson editor as an author uses it (HTTP): both languages saved at once, a save that
would overwrite someone else's text refused with their version and a diff, autosave's JSON,
and one Markdown snippet per kind of media wherever the Studio offers one."""

from __future__ import annotations

import re
from html import unescape
from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from elearn.authoring.models import Course, LessonRevision
from elearn.authoring.rendering import media_snippet
from elearn.core.db import utcnow
from elearn.extensions import db
from elearn.media.models import MediaAsset
from tests.factories import package_files, zipped

EDIT = "/studio/engine-basics/modules/basics/lessons/cycle/edit"
AUTOSAVE = EDIT.replace("/edit", "/autosave")
API = "/api/v1/courses/engine-basics/modules/basics/lessons/cycle"
PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 32
MP3 = b"ID3\x03\x00\x00\x00\x00\x00\x0f" + b"\x00" * 64


@pytest.fixture
def course(make):
    """engine-basics (fr and ar) as a draft, with a PDF, a video and a sound besides its image."""
    files = package_files()
    files["media/fiche-securite.pdf"] = PDF
    files["media/demo.mp4"] = MP4
    files["media/brochage.mp3"] = MP3
    return make.course(zipped("engine-basics", files)).slug


@pytest.fixture
def expert(make, signed_in):
    return signed_in(make.user("expert", network="DMK", name="Samira").email)


def _html(response) -> str:
    return response.get_data(as_text=True)


def _bases(page: str) -> dict[str, str]:
    return dict(re.findall(r'name="base_(\w+)" value="([^"]*)"', page))


def _textarea(page: str, lang: str) -> str:
    found = re.search(rf'<textarea id="markdown-{lang}"[^>]*>(.*?)</textarea>', page, re.S)
    return unescape(found.group(1))


def _content(app, lang: str):
    with app.app_context():
        course = db.session.scalar(select(Course).where(Course.slug == "engine-basics"))
        content = course.modules[0].lessons[0].content(lang)
        return None if content is None else (content.title, content.markdown)


def _revisions(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(LessonRevision))


def _form(page: str, **texts) -> dict:
    """The editor's form as the page holds it, with ``texts``: lang → (title, markdown)."""
    data = {"action": "save", "content": "fr"}
    for lang, base in _bases(page).items():
        data[f"base_{lang}"] = base
        title = re.search(rf'name="title_{lang}" type="text" value="([^"]*)"', page).group(1)
        data[f"title_{lang}"] = unescape(title)
        data[f"markdown_{lang}"] = _textarea(page, lang)
    for lang, (title, markdown) in texts.items():
        data[f"title_{lang}"], data[f"markdown_{lang}"] = title, markdown
    return data


# -- side by side, saved together -----------------------------------------------------------


def test_the_editor_shows_both_languages_each_with_its_direction_and_preview(course, expert):
    page = _html(expert.get(EDIT + "?content=ar"))
    assert 'id="markdown-fr" name="markdown_fr" rows="18" lang="fr" dir="ltr"' in page
    assert 'id="markdown-ar" name="markdown_ar" rows="18" lang="ar" dir="rtl"' in page
    assert 'id="title-ar" name="title_ar" type="text" value="الدورة" lang="ar" dir="rtl"' in page
    assert 'data-live-preview="fr"' in page and 'data-live-preview="ar"' in page
    assert "# Quatre temps" in _textarea(page, "fr") and "# أربعة أشواط" in _textarea(page, "ar")
    assert 'name="kind"' in page and 'name="equipment_ar"' in page  # the metadata form stays


def test_saving_saves_both_languages_at_once(app, course, expert):
    before = _revisions(app)
    page = _html(expert.get(EDIT))
    saved = expert.post_form(
        EDIT + "?content=fr",
        _form(page, fr=("Le cycle à quatre temps", "Texte revu."), ar=("الدورة", "نص مراجع.")),
    )
    assert saved.status_code == 303 and saved.headers["Location"].endswith(EDIT + "?content=fr")
    assert _content(app, "fr") == ("Le cycle à quatre temps", "Texte revu.")
    assert _content(app, "ar") == ("الدورة", "نص مراجع.")
    assert _revisions(app) == before + 2
    again = _html(expert.get(EDIT))
    assert _bases(again) != _bases(page)  # the next save starts from the new versions


def test_the_language_not_touched_stays_as_it_was_though_the_browser_sends_crlf(
    app, course, expert
):
    """A browser sends a textarea's lines as CRLF: saving the French must leave the Arabic
    unchanged (no new revision, nothing for a reviewer or a translator to look at)."""
    page = _html(expert.get(EDIT))
    arabic = _content(app, "ar")
    before = _revisions(app)
    form = _form(page, fr=("Le cycle", "Texte revu.\r\n\r\nSuite."))
    form["markdown_ar"] = form["markdown_ar"].replace("\n", "\r\n")
    assert expert.post_form(EDIT + "?content=fr", form).status_code == 303
    assert _content(app, "ar") == arabic
    assert _content(app, "fr") == ("Le cycle", "Texte revu.\n\nSuite.")
    assert _revisions(app) == before + 1


def test_a_language_left_empty_is_not_created(app, make, signed_in):
    make.course(zipped("engine-basics", package_files(extra_ar=False)))
    expert = signed_in(make.user("expert", network="DMK").email)
    page = _html(expert.get(EDIT))
    assert _bases(page)["ar"] == "" and _textarea(page, "ar") == ""
    saved = expert.post_form(EDIT, _form(page, fr=("Le cycle", "Seul le français.")))
    assert saved.status_code == 303
    assert _content(app, "fr") == ("Le cycle", "Seul le français.") and _content(app, "ar") is None
    created = expert.post_form(EDIT, _form(_html(expert.get(EDIT)), ar=("الدورة", "نص.")))
    assert created.status_code == 303 and _content(app, "ar") == ("الدورة", "نص.")


def test_a_refused_language_saves_neither(app, course, expert):
    page = _html(expert.get(EDIT))
    refused = expert.post_form(
        EDIT, _form(page, fr=("Le cycle", "Nouveau."), ar=("", "نص بلا عنوان"))
    )
    assert refused.status_code == 422
    assert "Nouveau." in _textarea(_html(refused), "fr")  # the texts stay in the boxes
    assert _content(app, "fr")[1] != "Nouveau."


def test_the_preview_button_renders_both_texts_without_javascript(app, course, expert):
    page = _html(expert.get(EDIT))
    shown = expert.post_form(
        EDIT,
        {
            **_form(page, fr=("Le cycle", "**gras**"), ar=("الدورة", "**عريض**")),
            "action": "preview",
        },
    )
    html = _html(shown)
    assert shown.status_code == 200
    assert "<strong>gras</strong>" in html and "<strong>عريض</strong>" in html
    assert _content(app, "fr")[1] != "**gras**"  # previewing saves nothing


def test_content_still_focuses_a_language(course, expert):
    page = _html(expert.get(EDIT + "?content=ar"))
    assert page.split('id="markdown-ar"', 1)[1].split(">", 1)[0].endswith("autofocus")
    assert "autofocus" not in page.split('id="markdown-fr"', 1)[1].split(">", 1)[0]


def test_the_metadata_form_stays_with_each_languages_equipment(app, course, expert):
    page = _html(expert.get(EDIT))
    form = {
        **_form(page),
        "kind": "practical",
        "duration_minutes": "25",
        "competencies": ["C1"],
        "equipment_fr": "Jauge\nChiffon",
        "safety_fr": "",
        "equipment_ar": "مقياس",
        "safety_ar": "محرك بارد.",
    }
    assert expert.post_form(EDIT, form).status_code == 303
    with app.app_context():
        lesson = db.session.scalar(select(Course)).modules[0].lessons[0]
        assert (lesson.kind, lesson.duration_minutes, lesson.competencies) == (
            "practical",
            25,
            ["C1"],
        )
        assert lesson.equipment == {"fr": ["Jauge", "Chiffon"], "ar": ["مقياس"]}
        assert lesson.safety == {"ar": "محرك بارد."}
    again = _html(expert.get(EDIT))
    assert 'name="equipment_ar" rows="3" lang="ar" dir="rtl">مقياس</textarea>' in again


# -- conflicts ------------------------------------------------------------------------------


def test_someone_elses_save_is_never_overwritten_silently(app, make, course, expert, signed_in):
    mine = _html(expert.get(EDIT))
    colleague = signed_in(make.user("expert", network="DMK", name="Youssef").email)
    theirs = _form(_html(colleague.get(EDIT)), fr=("Le cycle", "# Quatre temps\n\nLeur ajout."))
    assert colleague.post_form(EDIT, theirs).status_code == 303

    refused = expert.post_form(EDIT, _form(mine, fr=("Le cycle", "# Quatre temps\n\nMon ajout.")))
    page = _html(refused)
    assert refused.status_code == 409
    assert _content(app, "fr")[1] == "# Quatre temps\n\nLeur ajout."  # nothing overwritten
    conflict = page.split('id="conflict-fr"', 1)[1].split("</div>", 1)[0]
    assert "Youssef" in conflict and "Leur ajout." in conflict
    assert '<span class="del">-Leur ajout.</span>' in conflict
    assert '<span class="add">+Mon ajout.</span>' in conflict
    assert 'id="conflict-ar"' not in page  # the other language is not in conflict
    assert _textarea(page, "fr") == "# Quatre temps\n\nMon ajout."  # kept to merge
    fresh = _bases(page)
    assert fresh["fr"] != _bases(mine)["fr"] and fresh["ar"] == _bases(mine)["ar"]

    merged = expert.post_form(
        EDIT, _form(page, fr=("Le cycle", "# Quatre temps\n\nLeur ajout.\n\nMon ajout."))
    )
    assert merged.status_code == 303
    assert _content(app, "fr")[1] == "# Quatre temps\n\nLeur ajout.\n\nMon ajout."


def test_saving_again_what_is_stored_is_no_conflict(app, course, expert):
    page = _html(expert.get(EDIT))
    form = _form(page, fr=("Le cycle", "Une fois."))
    assert expert.post_form(EDIT, form).status_code == 303
    assert expert.post_form(EDIT, form).status_code == 303  # e.g. a resent form: same text


# -- autosave -------------------------------------------------------------------------------


def test_autosave_answers_json_and_refuses_a_conflict(app, make, course, expert, signed_in):
    page = _html(expert.get(EDIT))
    form = {k: v for k, v in _form(page, fr=("Le cycle", "Brouillon 1")).items() if k != "action"}
    saved = expert.post_form(AUTOSAVE, form, headers={"Accept": "application/json"})
    assert saved.status_code == 200
    body = saved.get_json()
    assert body["saved"] == ["fr", "ar"] and body["message"].startswith("Enregistré à ")
    assert _content(app, "fr")[1] == "Brouillon 1"
    assert body["bases"]["fr"] != _bases(page)["fr"] and body["bases"]["ar"] == _bases(page)["ar"]

    colleague = signed_in(make.user("expert", network="DMK").email)
    colleague.post_form(EDIT, _form(_html(colleague.get(EDIT)), fr=("Le cycle", "Leur texte")))
    stale = expert.post_form(
        AUTOSAVE, {**form, "markdown_fr": "Brouillon 2", "base_fr": body["bases"]["fr"]}
    )
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    problem = stale.get_json()
    assert problem["current"]["fr"]["markdown"] == "Leur texte" and "ar" not in problem["current"]
    assert problem["errors"][0]["path"] == "markdown_fr"
    assert _content(app, "fr")[1] == "Leur texte"

    retry = expert.post_form(
        AUTOSAVE,
        {**form, "markdown_fr": "Brouillon 2", "base_fr": problem["current"]["fr"]["hash"]},
    )
    assert retry.status_code == 200 and _content(app, "fr")[1] == "Brouillon 2"


def test_autosaves_of_one_author_make_one_revision(app, course, expert, clock):
    clock.moment = utcnow()  # after the import's revisions
    page = _html(expert.get(EDIT))
    before = _revisions(app)
    form = {k: v for k, v in _form(page).items() if k != "action"}
    for n in range(3):  # a minute apart
        form = {**form, "markdown_fr": f"Brouillon {n}"}
        answer = expert.post_form(AUTOSAVE, form).get_json()
        form["base_fr"] = answer["bases"]["fr"]
        clock.advance(minutes=1)
    assert _revisions(app) == before + 1 and _content(app, "fr")[1] == "Brouillon 2"
    clock.advance(minutes=30)  # a later sitting keeps the earlier one in the history
    expert.post_form(AUTOSAVE, {**form, "markdown_fr": "Le lendemain"})
    assert _revisions(app) == before + 2


def test_autosave_names_the_field_to_fix(app, course, expert):
    page = _html(expert.get(EDIT))
    form = _form(page, ar=("", "نص بلا عنوان"))
    refused = expert.post_form(AUTOSAVE, form)
    assert refused.status_code == 422
    assert refused.get_json()["errors"][0]["path"] == "title_ar"


def test_autosave_needs_the_csrf_token(course, expert):
    page = _html(expert.get(EDIT))
    form = _form(page, fr=("Le cycle", "Sans jeton"))
    assert expert.post(AUTOSAVE, data=form).status_code == 400


# -- media snippets -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, snippet",
    [
        ("media/obd-connector.jpg", "![obd connector](media/obd-connector.jpg)"),
        ("media/scan_tool.webp", "![scan tool](media/scan_tool.webp)"),
        ("media/demo.mp4", "![demo](media/demo.mp4)"),
        ("media/brochage.mp3", "![brochage](media/brochage.mp3)"),
        ("media/fiche-securite.pdf", "[fiche securite](media/fiche-securite.pdf)"),
        ("media/docs/[x].pdf", "[x](media/docs/[x].pdf)"),
    ],
)
def test_one_snippet_per_kind_of_media(path, snippet):
    assert media_snippet(SimpleNamespace(path=path)) == snippet


def test_the_media_page_suggests_a_link_for_a_pdf(course, expert):
    page = _html(expert.get("/studio/engine-basics/media"))
    assert "[fiche securite](media/fiche-securite.pdf)" in page
    assert "![fiche securite](media/fiche-securite.pdf)" not in page
    assert "![demo](media/demo.mp4)" in page and "![engine](media/engine.png)" in page


def test_the_editor_picker_lists_the_course_media_with_their_snippets(course, expert):
    page = _html(expert.get(EDIT))
    picker = page.split('class="media-picker"', 1)[1].split("</details>", 1)[0]
    assert (
        'data-insert="[fiche securite](media/fiche-securite.pdf)" data-target="markdown-fr"'
        in picker
    )
    assert 'data-insert="![brochage](media/brochage.mp3)"' in picker
    snippet = "[fiche securite](media/fiche-securite.pdf)"
    saved = expert.post_form(EDIT, _form(page, fr=("Le cycle", f"Lisez : {snippet}")))
    assert saved.status_code == 303  # what the picker inserts is a reference the save accepts


# -- the API: ETag, If-Match, base_hash -----------------------------------------------------


@pytest.fixture
def token(make):
    return make.token(make.user("expert", network="DMK").email)


def test_the_api_gives_the_version_and_refuses_a_stale_put(app, api, course, token):
    read = api.get(API + "?lang=fr", token=token)
    etag, version = read.headers["ETag"], read.get_json()["hash"]
    assert etag == f'"{version}"' and len(version) == 64
    first = api.call(
        "PUT",
        API,
        token=token,
        json={"lang": "fr", "title": "Le cycle", "markdown": "Premier."},
        headers={"If-Match": etag},
    )
    assert first.status_code == 200 and first.headers["ETag"] != etag
    assert first.get_json()["hash"] == first.headers["ETag"].strip('"')

    stale = api.call(
        "PUT",
        API,
        token=token,
        json={"lang": "fr", "title": "Le cycle", "markdown": "Second."},
        headers={"If-Match": etag},
    )
    assert stale.status_code == 409 and stale.mimetype == "application/problem+json"
    assert stale.get_json()["current"] == {
        "title": "Le cycle",
        "markdown": "Premier.",
        "hash": first.get_json()["hash"],
    }
    assert _content(app, "fr")[1] == "Premier."

    by_body = api.call(
        "PUT",
        API,
        token=token,
        json={"lang": "fr", "title": "Le cycle", "markdown": "Second.", "base_hash": version},
    )
    assert by_body.status_code == 409
    fresh = api.call(
        "PUT",
        API,
        token=token,
        json={
            "lang": "fr",
            "title": "Le cycle",
            "markdown": "Second.",
            "base_hash": stale.get_json()["current"]["hash"],
        },
    )
    assert fresh.status_code == 200 and _content(app, "fr")[1] == "Second."


def test_a_put_without_a_version_still_wins(app, api, course, token):
    for text in ("Un.", "Deux."):
        answer = api.call(
            "PUT", API, token=token, json={"lang": "fr", "title": "Le cycle", "markdown": text}
        )
        assert answer.status_code == 200
    assert _content(app, "fr")[1] == "Deux."
    star = api.call(
        "PUT",
        API,
        token=token,
        json={"lang": "fr", "title": "Le cycle", "markdown": "Trois."},
        headers={"If-Match": "*"},
    )
    assert star.status_code == 200 and _content(app, "fr")[1] == "Trois."


def test_trainees_get_no_version_of_the_working_copy(api, make):
    make.course(publish=True)
    reader = make.token(make.user("trainee").email)
    api.post("/api/v1/courses/engine-basics/enrolment", token=reader)
    read = api.get(API, token=reader)
    assert read.status_code == 200 and "ETag" not in read.headers
    assert read.get_json().get("hash") is None


def test_the_editor_reads_as_many_statements_however_many_media(app, course, expert, queries):
    def add_media(count: int, start: int) -> None:
        with app.app_context():
            course_id = db.session.scalar(select(Course.id))
            for n in range(start, start + count):
                db.session.add(
                    MediaAsset(
                        course_id=course_id,
                        path=f"media/extra-{n}.png",
                        key=f"courses/engine-basics/extra-{n}.png",
                        content_type="image/png",
                        size=68,
                        sha256="0" * 64,
                    )
                )
            db.session.commit()

    expert.get(EDIT)  # warm: the session's first request reads the account
    add_media(2, 0)
    with queries() as few:
        assert expert.get(EDIT).status_code == 200
    add_media(30, 2)
    with queries() as many:
        page = _html(expert.get(EDIT))
    assert "media/extra-31.png" in page
    assert len(many) == len(few)
