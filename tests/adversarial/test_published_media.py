"""Media beyond the published version (issue 13, item 4): files readers could get that
the published course does not hold — a draft-only file at a guessable path, a file
deleted in the media library, new bytes re-imported for a published image.

Media assets now have a published snapshot like every authored row
(``MediaAsset.published``, set by ``authoring.services.publish`` for every asset of the
course). ``/courses/<slug>/media/<path>`` resolves the path with the working copy for
the course's authors and with the snapshot for everyone else; objects are never
overwritten (content-addressed keys, one key per upload), and ``elearn media gc`` keeps
every object a working or a published asset refers to. Both backends: local files and S3
through a real S3 API server.

Cases and where each is covered:

- P1 a draft-only file: ``test_a_file_added_after_publication_waits_for_the_next_one``
  (an enrolled trainee and a trainer whose cohort follows the course get a 404, the
  author a 302; after the next publication the trainee gets it). Before: a 302 for all.
- P2 a file deleted in the library: ``test_a_deleted_file_is_gone_for_authors_at_once_
  and_for_readers_at_the_next_publication``. Before: served to everyone until gc, and
  gc never collected it (every asset's key was kept, removed or not).
- P3 new bytes re-imported for a published image: ``test_new_bytes_for_a_published_image_
  reach_readers_with_the_next_publication`` (readers keep the published bytes, gc keeps
  their object, authors see the new ones; after publication readers get the new bytes and
  gc removes the old object). Before: readers got the new bytes at once.
- P4 upgrading: ``tests/test_migrations.py::test_published_courses_keep_their_media_
  after_the_upgrade`` (migration 0012 gives the files that published lessons link to a
  snapshot of their key; a file no published lesson uses stays out).
- Unpublished courses, other networks, ``..`` in paths: tests/adversarial/test_idor.py
  (T14), unchanged.
"""

from __future__ import annotations

import io
import urllib.request
import zipfile

import pytest
from sqlalchemy import select

from elearn.extensions import db
from tests.cohortkit import create_cohort
from tests.factories import PNG, imported, package
from tests.uploadkit import stored_keys, uploaded

pytestmark = pytest.mark.adversarial

SLUG = "engine-basics"
API = f"/api/v1/courses/{SLUG}"
ENGINE = f"/courses/{SLUG}/media/engine.png"
PNG_V2 = PNG + b"version 2"


@pytest.fixture
def app_config(media_config):
    return media_config


@pytest.fixture
def people(make, signed_in, api):
    expert, admin = make.user("expert", network="DMK"), make.user("admin")
    trainee, trainer = make.user("trainee"), make.user("trainer")
    tokens = {who: make.token(u.email) for who, u in (("expert", expert), ("admin", admin))}
    assert imported(api, tokens["admin"], package(), "?publish=true")
    create_cohort(api, make.token(trainer.email), courses=(SLUG,))
    browsers = {
        "expert": signed_in(expert.email),
        "trainee": signed_in(trainee.email),
        "trainer": signed_in(trainer.email),
    }
    assert browsers["trainee"].post_form(f"/courses/{SLUG}/enrol").status_code == 303
    return {**browsers, "expert_token": tokens["expert"], "admin_token": tokens["admin"]}


def bytes_at(client, url: str):
    """What the reader's browser ends up with: the bytes, or the status it stopped at."""
    answer = client.get(url)
    if answer.status_code != 302:
        return answer.status_code
    location = answer.headers["Location"]
    if location.startswith("/"):
        return client.get(location).data
    with urllib.request.urlopen(location, timeout=10) as fetched:  # noqa: S310 - loopback S3
        return fetched.read()


def republish(api, people) -> None:
    assert api.post(API + "/submit", token=people["expert_token"]).status_code == 200
    assert api.post(API + "/publish", token=people["admin_token"]).status_code == 200


def gc(app) -> list[str]:
    result = app.test_cli_runner().invoke(args=["media", "gc", "--delete", "--grace-hours", "0"])
    assert result.exit_code == 0, result.output
    return [line for line in result.output.splitlines() if line.startswith("courses/")]


def test_a_file_added_after_publication_waits_for_the_next_one(app, api, people):
    token = people["expert_token"]
    ticket, done = uploaded(api, token, SLUG, "brouillon.png")
    assert done.status_code == 201
    draft = f"/courses/{SLUG}/{ticket['path']}"
    assert bytes_at(people["expert"], draft) == PNG
    assert bytes_at(people["trainee"], draft) == 404
    assert bytes_at(people["trainer"], draft) == 404
    assert bytes_at(people["trainee"], ENGINE) == PNG  # the published file, as before
    assert gc(app) == []  # the draft's file is kept: its author uses it
    republish(api, people)
    assert bytes_at(people["trainee"], draft) == PNG
    assert bytes_at(people["trainer"], draft) == PNG


def test_a_deleted_file_is_gone_for_authors_at_once_and_for_readers_at_the_next_publication(
    app, api, people
):
    from elearn.media.models import MediaAsset

    expert = people["expert"]
    saved = expert.post_form(
        f"/studio/{SLUG}/modules/basics/lessons/cycle/edit?lang=fr",
        {"title": "Le cycle", "markdown": "Sans image.", "action": "save"},
    )
    assert saved.status_code == 303
    with app.app_context():
        asset_id = db.session.scalar(
            select(MediaAsset.id).where(MediaAsset.path == "media/engine.png")
        )
    deleted = expert.post_form(f"/studio/{SLUG}/media/{asset_id}/delete", follow_redirects=True)
    assert bytes_at(expert, ENGINE) == 404
    assert "la prochaine publication du cours" in deleted.get_data(as_text=True)
    # the published lesson still shows it: readers keep it, and so does gc
    assert bytes_at(people["trainee"], ENGINE) == PNG
    assert gc(app) == []
    republish(api, people)
    assert bytes_at(people["trainee"], ENGINE) == 404
    assert bytes_at(people["trainer"], ENGINE) == 404
    gone = gc(app)
    assert len(gone) == 1 and gone[0].endswith(".png")
    assert stored_keys(app) == []


def test_new_bytes_for_a_published_image_reach_readers_with_the_next_publication(app, api, people):
    changed = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package())) as original,
        zipfile.ZipFile(changed, "w") as out,
    ):
        for item in original.infolist():
            data = original.read(item)
            out.writestr(item, PNG_V2 if item.filename.endswith("engine.png") else data)
    assert imported(api, people["expert_token"], changed.getvalue())
    assert bytes_at(people["expert"], ENGINE) == PNG_V2
    assert bytes_at(people["trainee"], ENGINE) == PNG
    assert bytes_at(people["trainer"], ENGINE) == PNG
    assert gc(app) == []  # both objects are someone's
    assert len(stored_keys(app)) == 2
    republish(api, people)
    assert bytes_at(people["trainee"], ENGINE) == PNG_V2
    assert len(gc(app)) == 1  # the old bytes, now nobody's
    assert bytes_at(people["trainee"], ENGINE) == PNG_V2
