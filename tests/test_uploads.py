"""Direct uploads on both backends: tickets pin key, type and size; completion checks what
really arrived and removes anything that is not what was announced."""

from __future__ import annotations

import pytest

from tests import uploadkit
from tests.factories import PNG
from tests.uploadkit import put_part, send, stored_keys, ticket

course = uploadkit.course  # the published engine-basics course (a fixture)


@pytest.fixture
def app_config(media_config):
    return media_config


@pytest.fixture
def expert(make):
    return make.token(make.user("expert", network="DMK").email)


def test_upload_then_use_it_in_a_lesson(app, api, course, expert):
    response = ticket(api, expert)
    assert response.status_code == 201
    issued = response.get_json()
    assert issued["path"] == "media/schema-obd.png" and issued["method"] == "POST"
    assert issued["expires_at"].endswith("Z")
    assert send(api, issued, PNG) in (200, 204)
    done = api.post(
        f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}/complete", token=expert
    )
    assert done.status_code == 201
    assert done.get_json() == {
        "path": "media/schema-obd.png",
        "url": "/courses/engine-basics/media/schema-obd.png",
        "snippet": "![schema obd](media/schema-obd.png)",  # what the editor inserts
    }
    edit = api.call(
        "PUT",
        "/api/v1/courses/engine-basics/modules/basics/lessons/cycle",
        token=expert,
        json={"lang": "fr", "title": "Le cycle", "markdown": "![Schéma](media/schema-obd.png)"},
    )
    assert edit.status_code == 200 and "/media/schema-obd.png" in edit.get_json()["html"]
    again = api.post(
        f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}/complete", token=expert
    )
    assert again.status_code == 409


@pytest.mark.parametrize(
    "body, field",
    [
        ({"content_type": "image/svg+xml"}, "content_type"),
        ({"content_type": "text/html"}, "content_type"),
        (
            {"content_type": "application/x-msdownload", "filename": "devoir\u202efdp.exe"},
            "content_type",
        ),
        ({"size": 0}, "size"),
        ({"size": 21 * 1024 * 1024}, "size"),
    ],
)
def test_refused_tickets_say_what_to_change(api, course, expert, body, field):
    response = ticket(api, expert, **body)
    assert response.status_code == 422
    assert response.get_json()["errors"][0]["path"] == field


def test_the_server_picks_the_key_whatever_the_name(app, api, course, expert):
    issued = ticket(api, expert, filename="../../lessons/1/index.html\u202e.png").get_json()
    assert issued["path"] == "media/index-html.png"
    send(api, issued, PNG)
    api.post(f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}/complete", token=expert)
    keys = stored_keys(app)
    assert all(k.startswith("courses/engine-basics/") and ".." not in k for k in keys)


@pytest.mark.parametrize(
    "data, reason",
    [
        (b"<html><script>alert(1)</script></html>" + b" " * 30, "content"),
        (PNG + b"extra", "size"),
    ],
)
def test_spoofed_or_resized_files_are_removed_with_a_reason(app, api, course, expert, data, reason):
    size = len(data) if reason == "content" else len(PNG)
    issued = ticket(api, expert, size=size).get_json()
    status = send(api, issued, data)
    before = len(stored_keys(app))
    done = api.post(
        f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}/complete", token=expert
    )
    if status >= 400:  # the storage itself already refused a wrong size
        assert done.status_code == 404
    else:
        assert done.status_code == 422
        assert len(stored_keys(app)) == before - 1


def test_trainees_and_other_networks_get_no_ticket(api, course, make):
    trainee = make.token(make.user("trainee").email)
    outsider = make.token(make.user("expert", network="AEROMAC").email)
    assert ticket(api, trainee).status_code == 403
    assert ticket(api, outsider).status_code == 403


def test_completing_before_sending_is_404(api, course, expert):
    issued = ticket(api, expert).get_json()
    done = api.post(
        f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}/complete", token=expert
    )
    assert done.status_code == 404


def test_a_big_video_goes_in_parts_and_resumes_after_a_dropped_connection(
    app, api, course, expert, monkeypatch
):
    from elearn.media import uploads

    monkeypatch.setattr(uploads, "MULTIPART_THRESHOLD", 1024 * 1024)
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (13 * 1024 * 1024)
    issued = ticket(
        api, expert, filename="Démonstration.mp4", content_type="video/mp4", size=len(video)
    ).get_json()
    assert issued["multipart"] == {"part_size": uploads.PART_SIZE, "parts": 3}
    base = f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}"
    urls = api.post(base + "/parts", token=expert, json={"numbers": [1, 2, 3]}).get_json()["urls"]
    size = uploads.PART_SIZE
    assert put_part(api, urls["1"], video[:size]) == 200
    assert put_part(api, urls["3"], video[2 * size :]) == 200
    # the connection dropped during part 2: the uploader asks what arrived and resumes
    assert api.get(base + "/parts", token=expert).get_json() == {"done": [1, 3]}
    early = api.post(base + "/complete", token=expert)
    assert early.status_code == 409 and "2" in early.get_json()["detail"]
    fresh = api.post(base + "/parts", token=expert, json={"numbers": [2]}).get_json()["urls"]
    assert put_part(api, fresh["2"], video[size : 2 * size]) == 200
    done = api.post(base + "/complete", token=expert)
    assert done.status_code == 201 and done.get_json()["path"] == "media/demonstration.mp4"
    with app.app_context():
        from elearn.media.storage import get_storage

        keys = [k for k in stored_keys(app) if k.endswith(".mp4")]
        assert len(keys) == 1 and get_storage().size(keys[0]) == len(video)


def test_part_numbers_out_of_range_are_refused(api, course, expert, monkeypatch):
    from elearn.media import uploads

    monkeypatch.setattr(uploads, "MULTIPART_THRESHOLD", 1024 * 1024)
    issued = ticket(
        api, expert, filename="v.mp4", content_type="video/mp4", size=2 * 1024 * 1024
    ).get_json()
    base = f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}"
    assert api.post(base + "/parts", token=expert, json={"numbers": [7]}).status_code == 422


def test_limits_per_kind_are_configurable(app, api, course, expert):
    from elearn.media.types import LIMITS

    LIMITS["image"] = 1024  # as ELEARN_MAX_IMAGE_MB would set it, in bytes
    try:
        response = ticket(api, expert, size=2048)
        assert response.status_code == 422 and response.get_json()["errors"][0]["path"] == "size"
        assert ticket(api, expert, size=len(PNG)).status_code == 201
    finally:
        LIMITS["image"] = 20 * 1024 * 1024


def test_an_executable_named_png_is_removed(app, api, course, expert):
    program = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120
    issued = ticket(api, expert, filename="photo.png", size=len(program)).get_json()
    send(api, issued, program)
    done = api.post(
        f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}/complete", token=expert
    )
    assert done.status_code == 422
    assert all(not k.endswith(issued["id"] + ".png") for k in stored_keys(app))


def test_two_uploads_of_one_name_keep_both_files(app, api, course, expert):
    """Two uploads of "schema.png" under way at once: the second ticket gets its own path,
    and even two tickets holding one path (requested at the same instant) both keep their
    file at completion — the second completion no longer replaced the first file."""
    first = ticket(api, expert, filename="schema.png").get_json()
    second = ticket(api, expert, filename="schema.png").get_json()
    assert (first["path"], second["path"]) == ("media/schema.png", "media/schema-2.png")
    with app.app_context():
        from elearn.extensions import db
        from elearn.media.models import MediaUpload

        db.session.get(MediaUpload, second["id"]).path = first["path"]  # as if they raced
        db.session.commit()
    for issued in (first, second):
        assert send(api, issued, PNG) in (200, 204)
    done = [
        api.post(
            f"/api/v1/courses/engine-basics/media/uploads/{issued['id']}/complete", token=expert
        )
        for issued in (first, second)
    ]
    assert [d.status_code for d in done] == [201, 201]
    paths = [d.get_json()["path"] for d in done]
    assert paths[0] == "media/schema.png" and paths[1] != paths[0], paths
    with app.app_context():
        from sqlalchemy import select

        from elearn.extensions import db
        from elearn.media.models import MediaAsset

        keys = db.session.execute(
            select(MediaAsset.path, MediaAsset.key).where(MediaAsset.path.in_(paths))
        ).all()
        assert len({key for _path, key in keys}) == 2, keys
