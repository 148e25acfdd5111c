"""The Studio's media library: listing with usage, deleting only what no lesson uses."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from elearn.extensions import db
from elearn.media.models import MediaAsset


@pytest.fixture
def course(make):
    """engine-basics imported as a draft, its media in the app's storage."""
    return make.course().slug


def test_library_lists_usage_and_deletes_only_unused(app, make, course, signed_in):
    expert = signed_in(make.user("expert", network="DMK").email)
    page = expert.get("/studio/engine-basics/media").get_data(as_text=True)
    assert "media/engine.png" in page and "basics/cycle" in page  # used by the first lesson
    with app.app_context():
        asset = db.session.scalar(select(MediaAsset))
    refused = expert.post_form(f"/studio/engine-basics/media/{asset.id}/delete")
    assert refused.status_code == 303
    with app.app_context():
        assert db.session.get(MediaAsset, asset.id).removed_at is None
    expert.post_form(
        "/studio/engine-basics/modules/basics/lessons/cycle/edit?lang=fr",
        {"lang": "fr", "title": "Le cycle", "markdown": "Sans image.", "action": "save"},
    )
    expert.post_form(f"/studio/engine-basics/media/{asset.id}/delete")
    with app.app_context():
        assert db.session.get(MediaAsset, asset.id).removed_at is not None


def test_library_is_for_the_course_authors_only(app, make, course, signed_in):
    assert (
        signed_in(make.user("expert", network="AEROMAC").email)
        .get("/studio/engine-basics/media")
        .status_code
        == 404
    )
    assert (
        signed_in(make.user("trainee").email).get("/studio/engine-basics/media").status_code == 403
    )


def test_a_file_used_in_two_languages_of_a_lesson_names_that_lesson_once(make, course, signed_in):
    expert = signed_in(make.user("expert", network="DMK").email)
    saved = expert.post_form(
        "/studio/engine-basics/modules/basics/lessons/cycle/edit?content=ar",
        {
            "title": "الدورة",
            "markdown": "# أربعة أشواط\n\n![محرك](media/engine.png)\n",
            "action": "save",
        },
    )
    assert saved.status_code == 303
    page = expert.get("/studio/engine-basics/media").get_data(as_text=True)
    row = page.split("media/engine.png", 1)[1].split("</tr>", 1)[0]
    assert row.count("basics/cycle") == 1
