"""The Studio's media library: listing with usage, deleting only what no lesson uses."""

from __future__ import annotations

from sqlalchemy import select

from elearn.extensions import db
from elearn.media.models import MediaAsset
from tests.test_studio import course, signed_in  # noqa: F401 - fixture


def test_library_lists_usage_and_deletes_only_unused(app, make, course):  # noqa: F811
    expert = signed_in(app, make.user("expert", network="DMK"))
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


def test_library_is_for_the_course_authors_only(app, make, course):  # noqa: F811
    assert (
        signed_in(app, make.user("expert", network="AEROMAC"))
        .get("/studio/engine-basics/media")
        .status_code
        == 404
    )
    assert (
        signed_in(app, make.user("trainee")).get("/studio/engine-basics/media").status_code == 403
    )
