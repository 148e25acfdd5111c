"""Every main page of every role, with the Arabic interface, speaks Arabic: a French or
English word outside an isolated name (``<bdi>``, ⁨…⁩), code, a field's value or content
marked with its own ``lang`` is a string that escaped translation (issue 17, item 5).

The demo (``elearn demo``) is the world: real courses in French and Arabic, a cohort with a
month of history, a certificate (tests/pagekit.py)."""

from __future__ import annotations

import pytest

from tests.pagekit import MAIN_PAGES, demo_client, interface_text, latin_words, page_url


@pytest.fixture(scope="module")
def clients(demo_app, demo_world):
    """One client per demo account, signed in, the interface in Arabic."""
    made = {}

    def client_for(role):
        email = demo_world.demo.accounts[role]
        if email not in made:
            made[email] = demo_client(demo_app, email, "ar")
        return made[email]

    return client_for


@pytest.mark.parametrize("page", MAIN_PAGES, ids=lambda p: p.id)
def test_page_speaks_arabic_outside_isolated_names(page, clients, demo_world):
    url = page_url(page, demo_world.demo)
    response = clients(page.role).get(url)
    assert response.status_code == 200, url
    html = response.get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in html
    found = latin_words(html)
    assert found == [], f"{url}: Latin words outside isolated names:\n" + "\n".join(
        f"  {word!r} in: …{context}…" for word, context in found
    )


def test_the_check_sees_latin_words_and_spares_names_content_and_code():
    html = (
        '<html lang="ar"><head><title>الدورات</title><style>.a{color:red}</style></head>'
        "<body><p>مرحبا <bdi>Omar Chraibi</bdi> ⁨Kénitra⁩ <code>npm run</code></p>"
        '<div lang="fr"><h2>Le moteur</h2><p>Texte <b>gras</b></p></div>'
        '<input value="Bonjour"><img alt="Schéma"><p title="Aide">OFPPT و PDF</p>'
        "<p>Terminé ! Next <span>étape</span></p>"
        "<p>نظام OBD-II، ملف quiz.yml أو .zip، image/png، a.b@mre-academy.example</p>"
        "<p>Excel مضبوط</p></body></html>"
    )
    assert "Omar" not in interface_text(html)
    assert [word for word, _context in latin_words(html)] == ["Terminé", "Next", "étape"]
