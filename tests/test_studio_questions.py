"""The Studio's question pages: GIFT pasted or uploaded into a module's quiz, and the
course's question bank edited and shown by tag."""

from __future__ import annotations

import io

from tests.factories import imported, package, package_files, zipped

GIFT = "$CATEGORY: freins\n\n::disque::Le disque s'use ?{T}\n\n::essai::Décrivez.{}\n"


def _expert(make, signed_in):
    user = make.user("expert", network="DMK")
    return make.token(user.email), signed_in(user.email)


def test_an_expert_checks_then_imports_a_gift_file(api, make, signed_in):
    token, browser = _expert(make, signed_in)
    imported(api, token, package())
    url = "/studio/engine-basics/modules/basics/quiz/gift"
    page = browser.get(url)
    assert page.status_code == 200 and "GIFT" in page.get_data(as_text=True)
    checked = browser.post_form(url, {"text": GIFT, "lang": "fr", "action": "check"})
    text = checked.get_data(as_text=True)
    assert checked.status_code == 200
    assert "1 question peut être importée" in text and "Ligne 5" in text
    assert "::disque::" not in browser.get(f"{url}.txt").get_data(as_text=True)  # not yet
    done = browser.post(
        url,
        data={
            "csrf_token": browser.csrf_token(),
            "lang": "fr",
            "action": "import",
            "file": (io.BytesIO(GIFT.encode()), "freins.gift"),
        },
        content_type="multipart/form-data",
    )
    assert done.status_code == 200 and "1 question importée" in done.get_data(as_text=True)
    exported = browser.get(f"{url}.txt").get_data(as_text=True)
    assert "::disque::" in exported and "::q1::" in exported


def test_the_bank_page_saves_bank_yml_and_shows_tags_and_draws(api, make, signed_in):
    token, browser = _expert(make, signed_in)
    files = package_files()
    files["01-basics/quiz.yml"] += "draw:\n  - {tag: freins, count: 2}\n"
    files["bank.yml"] = """questions:
  - {id: b1, type: true_false, tags: [freins], prompt: {fr: "Le disque s'use ?"}, answer: true}
  - {id: b2, type: true_false, tags: [freins], prompt: {fr: "Le tambour chauffe ?"}, answer: true}
"""
    imported(api, token, zipped("engine-basics", files))
    page = browser.get("/studio/engine-basics/bank")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "freins" in text and "2 questions" in text and "Le disque s&#39;use ?" in text
    bad = browser.post_form("/studio/engine-basics/bank", {"yaml": "questions:\n  - id: b1\n"})
    assert bad.status_code == 422 and "b1" in bad.get_data(as_text=True)
    good = browser.post_form(
        "/studio/engine-basics/bank",
        {
            "yaml": "questions:\n  - {id: b1, type: true_false, tags: [freins], "
            'prompt: {fr: "Le disque s\'use vite ?"}, answer: true}\n'
        },
    )
    # the quiz draws 2 questions tagged freins: a bank of one is refused, and says why
    assert good.status_code == 422 and "basics" in good.get_data(as_text=True)
    kept = browser.post_form(
        "/studio/engine-basics/bank",
        {
            "yaml": "questions:\n  - {id: b1, type: true_false, tags: [freins], "
            'prompt: {fr: "Le disque s\'use vite ?"}, answer: true}\n'
            '  - {id: b2, type: true_false, tags: [freins], prompt: {fr: "Le tambour chauffe ?"}, '
            "answer: true}\n"
        },
    )
    assert kept.status_code == 303
    after = browser.get("/studio/engine-basics/bank").get_data(as_text=True)
    assert "Le disque s&#39;use vite ?" in after and "version 2" in after
