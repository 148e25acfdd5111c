"""What phones and screen readers need from a page's structure (issue 17, items 6 and 7):
a lesson's diagrams open full size, its tables scroll and are reached with the keyboard,
its headings go in order under the title, and every data table sits in a named box that
scrolls sideways. The demo is the world for the pages (tests/pagekit.py)."""

from __future__ import annotations

import re
from itertools import pairwise

from elearn.authoring.reading import without_repeated_title
from elearn.authoring.rendering import Links, render_markdown
from tests.pagekit import demo_client

LINKS = Links(media_url=lambda path: f"/courses/demo/{path}", module_slug="m")


def test_a_diagram_is_a_link_to_itself_full_size():
    html = render_markdown("Voir :\n\n![Brochage de la prise](media/pinout.png) ci-dessus", LINKS)
    assert re.search(
        r'<a class="image-full" href="/courses/demo/media/pinout.png"[^>]*>'
        r'<img alt="Brochage de la prise"[^>]*src="/courses/demo/media/pinout.png"[^>]*></a>'
        r" ci-dessus",
        html,
    ), html


def test_an_image_without_text_or_already_linked_is_left_alone():
    bare = render_markdown("![](media/deco.png)", LINKS)
    assert "image-full" not in bare and "<img" in bare
    linked = render_markdown("[![Schéma](media/a.png)](https://example.org/a)", LINKS)
    assert "image-full" not in linked and linked.count("<a ") == 1


def test_a_lesson_table_is_reached_with_the_keyboard_and_no_other_tabindex_survives():
    html = render_markdown("| a | b |\n|---|---|\n| 1 | 2 |", LINKS)
    assert '<table tabindex="0">' in html
    forced = render_markdown(
        '<p tabindex="3">x</p><table tabindex="-1"><tr><td>y</td></tr></table>'
    )
    assert 'tabindex="3"' not in forced and 'tabindex="-1"' not in forced


def test_lesson_headings_start_at_h2_under_the_title():
    # "# Title" repeats the page's title: dropped, and the "##" under it become h2
    html = '<h2 id="h-t">Le titre</h2><p>x</p><h3 id="h-a">A</h3><h4 id="h-b">B</h4>'
    assert (
        without_repeated_title(html, "Le titre") == '<p>x</p><h2 id="h-a">A</h2><h3 id="h-b">B</h3>'
    )
    # a text that starts at "##" without repeating the title: the same
    assert without_repeated_title('<h3 id="h-a">A</h3>', "Autre") == '<h2 id="h-a">A</h2>'
    assert without_repeated_title('<h2 id="h-a">A</h2><h3>B</h3>', "Autre") == (
        '<h2 id="h-a">A</h2><h3>B</h3>'
    )


def test_the_demo_lesson_page_has_its_diagram_linked_and_headings_in_order(demo_app):
    trainee = demo_client(demo_app, "stagiaire.sale@mre-academy.example", "fr")
    html = trainee.get(
        "/courses/auto-obd-diagnostics/modules/fundamentals/lessons/connector-pinout"
    ).get_data(as_text=True)
    assert re.search(r'<a class="image-full" href="[^"]*obd-j1962-pinout.png"', html)
    levels = [int(n) for n in re.findall(r"<h([1-6])\b", html)]
    assert levels[0] == 1 and all(b - a <= 1 for a, b in pairwise(levels)), levels


def test_every_data_table_sits_in_a_named_box_that_scrolls(demo_app):
    admin = demo_client(demo_app, "admin@mre-academy.example", "ar")
    for url in ("/admin/users", "/admin/centres", "/admin/networks", "/cohorts/1"):
        html = admin.get(url).get_data(as_text=True)
        boxes = re.findall(r'<div class="table-wrap"([^>]*)>\s*<table', html)
        assert len(boxes) == html.count("<table"), url
        for attributes in boxes:
            assert 'role="region"' in attributes and 'tabindex="0"' in attributes, url
            assert re.search(r'aria-label="[^"]+"', attributes), url


def test_the_cohort_grid_says_its_order_on_the_header_cell(demo_app, demo_world):
    trainer = demo_client(demo_app, "formateur.sale@mre-academy.example", "fr")
    html = trainer.get(f"/cohorts/{demo_world.demo.cohort}?sort=progress&dir=desc").get_data(
        as_text=True
    )
    assert re.search(r'<th scope="col" aria-sort="descending"><a [^>]*sort=progress', html), html
    assert html.count("aria-sort") == 1 and not re.search(r"<a [^>]*aria-sort", html)
