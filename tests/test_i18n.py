"""French and Arabic: the locale chain, complete catalogs, direction, plurals, formats."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from elearn.i18n.locale import direction, resolve_locale

ROOT = Path(__file__).resolve().parent.parent
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def chain(**kw):
    args = {"query": None, "remembered": None, "preference": None, "accepted": [], "default": "fr"}
    args.update(kw)
    return resolve_locale(**args)


def test_locale_chain_order():
    assert chain() == "fr"
    assert chain(default="ar") == "ar"
    assert chain(accepted=["en-US", "ar-MA", "fr"]) == "ar"
    assert chain(preference="ar", accepted=["fr"]) == "ar"
    assert chain(remembered="fr", preference="ar") == "fr"
    assert chain(query="ar", remembered="fr", preference="fr") == "ar"
    assert chain(query="de", remembered="xx", preference="es", accepted=["de"]) == "fr"


def test_direction():
    assert direction("ar") == "rtl" and direction("fr") == "ltr"


def catalog(lang):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


@pytest.mark.parametrize("lang", ["fr", "ar"])
def test_catalog_is_complete_and_keeps_placeholders(lang):
    cat = catalog(lang)
    problems = []
    for message in cat:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        wanted = set(PLACEHOLDER.findall(ids[-1])) | set(PLACEHOLDER.findall(ids[0]))
        for text in strings:
            if not set(PLACEHOLDER.findall(text)) <= wanted:
                problems.append(f"placeholder mismatch: {ids[0]!r} -> {text!r}")
    assert problems == []


def test_arabic_has_six_plural_forms():
    cat = catalog("ar")
    assert cat.num_plurals == 6
    plurals = [m for m in cat if isinstance(m.id, tuple)]
    assert plurals and all(len(m.string) == 6 for m in plurals)


def test_every_message_in_the_code_is_in_both_catalogs(tmp_path):
    """Fails when someone adds a string and forgets `make i18n` and its translation."""
    pot = tmp_path / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-k",
            "lazy_gettext",
            "-o",
            str(pot),
            str(ROOT / "elearn"),
        ]
    )
    with open(pot, "rb") as fh:
        extracted = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(fh) if m.id}
    assert len(extracted) > 100  # the extraction really read the code and templates
    for lang in ("fr", "ar"):
        known = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog(lang) if m.id}
        assert sorted(extracted - known) == [], f"missing from {lang}: run make i18n"


@pytest.mark.parametrize("path", ["/", "/login", "/language", "/no-such-page"])
def test_pages_are_rtl_in_arabic_and_ltr_in_french(client, path):
    ar = client.get(f"{path}?lang=ar").get_data(as_text=True)
    assert '<html lang="ar" dir="rtl">' in ar
    fr = client.get(f"{path}?lang=fr").get_data(as_text=True)
    assert '<html lang="fr" dir="ltr">' in fr


def test_arabic_page_has_no_english_left(client):
    html = client.get("/login?lang=ar").get_data(as_text=True)
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S))
    words = set(re.findall(r"\b(Sign|Password|Home|Language|Skip|Welcome|the)\b", text))
    assert words == set()
    assert "تسجيل الدخول" in html


def test_accept_language_is_used_when_nothing_else_says(app):
    client = app.test_client()
    html = client.get("/", headers={"Accept-Language": "ar-MA,ar;q=0.9"}).get_data(as_text=True)
    assert 'dir="rtl"' in html


def test_query_choice_is_remembered(client):
    client.get("/?lang=ar")
    assert 'dir="rtl"' in client.get("/login").get_data(as_text=True)
    client.get("/?lang=fr")
    assert 'dir="ltr"' in client.get("/login").get_data(as_text=True)


def test_dates_and_plurals_follow_the_locale(app):
    from flask_babel import format_datetime, ngettext

    moment = datetime(2026, 3, 5, 14, 30, tzinfo=UTC)
    with app.test_request_context("/?lang=fr"):
        assert "mars" in format_datetime(moment, "long")
        assert ngettext("%(num)s account", "%(num)s accounts", 2) == "2 comptes"
    with app.test_request_context("/?lang=ar"):
        assert "مارس" in format_datetime(moment, "long")
        forms = [ngettext("%(num)s account", "%(num)s accounts", n) for n in (0, 1, 2, 3, 11, 100)]
        # zero, one and two say it in words (no "1 حساب", "2 حسابان"); then the number
        assert forms == ["لا حسابات", "حساب واحد", "حسابان", "3 حسابات", "11 حسابًا", "100 حساب"]
        # Morocco's month names (ar_MA), the platform's one calendar style
        assert "دجنبر" in format_datetime(datetime(2026, 12, 5, tzinfo=UTC), "long")


def test_stylesheet_uses_logical_properties_only():
    css = (ROOT / "elearn" / "static" / "css" / "app.css").read_text()
    physical = re.findall(
        r"(?:margin|padding|border)-(?:left|right)\b|(?<![-\w])(?:left|right)\s*:|"
        r"text-align:\s*(?:left|right)|float:\s*(?:left|right)",
        css,
    )
    assert physical == []
