"""Upload and presign abuse (T31-T35) against a real S3 API server (moto, server mode, on a
loopback port), the way an attacker holding a ticket would try it.

Already covered in ``tests/test_uploads.py`` (local and S3 backends), not repeated here:

- T31 a ticket for ``../../lessons/1/index.html\\u202e.png`` gets ``media/index-html.png``
  and a key under ``courses/<slug>/``: ``test_the_server_picks_the_key_whatever_the_name``;
  ``text/html``, SVG or ``.exe`` tickets are refused: ``test_refused_tickets_say_what_to_change``.
- T32 HTML bytes or an executable under a PNG ticket are removed at completion with a reason:
  ``test_spoofed_or_resized_files_are_removed_with_a_reason``,
  ``test_an_executable_named_png_is_removed``.
- T33 announced size + 5 bytes is refused by the storage or removed at completion
  (``test_spoofed_or_resized_files_are_removed_with_a_reason``); a 21 MiB image ticket is
  refused (``test_refused_tickets_say_what_to_change``).
- T34 completing a key that was never uploaded is 404: ``test_completing_before_sending_is_404``.

Here:

- T31 ``test_the_signed_policy_pins_key_type_and_size_exactly`` (the key is server-chosen,
  and the policy S3 checks pins it exactly — no ``starts-with`` — with the server's signature),
  ``test_a_form_sent_to_another_key_completes_nothing``.
- T32 ``test_a_file_sent_as_text_html_is_refused_removed_or_served_as_an_image``: HTML
  sent as ``text/html`` under a PNG ticket is refused by the storage or removed at
  completion; a PNG/HTML polyglot passes the content check, and readers still only ever get
  it as ``image/png`` (the presigned GET fixes the type).
- T33 ``test_size_limit_is_exact_at_the_ticket_and_in_the_policy``,
  ``test_one_byte_over_the_limit_is_removed_at_completion``,
  ``test_parts_that_add_up_to_more_than_announced_are_removed_at_completion`` (a presigned
  PUT cannot cap size: completion HEADs the assembled object).
- T34 ``test_another_users_upload_cannot_be_completed_or_continued`` (another author of the
  same course, an expert of another network, a trainee; unknown ids). Until
  ``media.uploads.upload_of`` bound a ticket to its requester, any author of the course
  could complete, continue or inspect another author's upload.
- T35 ``test_tickets_are_rate_limited_per_user``. There is no per-user storage quota in
  ``elearn/media/`` (only per-file type/size limits and this rate limit): not tested, noted.

Elsewhere: a ticket sent again after (or during) its completion, on both backends, is
``tests/adversarial/test_upload_replay.py``; bodies the local endpoint must not read before
it checked the ticket, ``tests/adversarial/test_upload_bodies.py``.

Note on the S3 server: moto's server mode accepts presigned POSTs without checking their
policy (it stores whatever key, type and size arrive), which AWS, MinIO and Ceph refuse
with 403. So what S3 would refuse is asserted on the signed policy itself (the part the
storage enforces), and what *our* code does is asserted whatever the storage accepted.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import urllib.request

import pytest

from tests import uploadkit
from tests.factories import PNG
from tests.harness import s3_config
from tests.uploadkit import (
    put_part,
    send,
    ticket,
)

course = uploadkit.course  # the published engine-basics course (a fixture)

pytestmark = pytest.mark.adversarial


BASE = "/api/v1/courses/engine-basics/media/uploads"


@pytest.fixture
def app_config(s3_bucket):
    return s3_config(s3_bucket)


@pytest.fixture
def users(make):
    """The expert who asks for tickets, another author of the same course (same network), an
    expert of another network, a trainee."""
    return {
        "expert": make.user("expert", network="DMK"),
        "coauthor": make.user("expert", network="DMK"),
        "outsider": make.user("expert", network="AEROMAC"),
        "trainee": make.user("trainee"),
    }


@pytest.fixture
def people(make, users):
    return {who: make.token(user.email) for who, user in users.items()}


def complete(api, token, upload_id):
    return api.post(f"{BASE}/{upload_id}/complete", token=token)


def bucket_keys(s3_bucket) -> dict[str, int]:
    listed = s3_bucket.client.list_objects_v2(Bucket=s3_bucket.name).get("Contents", [])
    return {item["Key"]: item["Size"] for item in listed}


def policy_of(issued: dict) -> dict:
    return json.loads(base64.b64decode(issued["fields"]["policy"]))


def conditions(policy: dict) -> dict:
    """``{"key": ..., "Content-Type": ..., "content-length-range": [lo, hi], ...}``; a
    ``starts-with`` condition shows up as ``("starts-with", value)`` under its field."""
    out: dict = {}
    for condition in policy["conditions"]:
        if isinstance(condition, dict):
            out.update(condition)
        elif condition[0] == "content-length-range":
            out["content-length-range"] = list(condition[1:])
        else:
            op, field, value = condition
            out[field.lstrip("$")] = value if op == "eq" else (op, value)
    return out


def sigv4_signature(secret: str, credential: str, string_to_sign: str) -> str:
    _key_id, date, region, service, _ = credential.split("/")
    key = ("AWS4" + secret).encode()
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def problem_of(response) -> dict:
    assert response.mimetype == "application/problem+json", response.get_data(as_text=True)
    body = response.get_json()
    assert body["status"] == response.status_code and body["detail"]
    return body


# -- T31: the key is the server's, and the signature binds it -------------------------------


def test_the_signed_policy_pins_key_type_and_size_exactly(api, course, people, s3_bucket):
    response = ticket(api, people["expert"], filename="../../x.html", content_type="image/png")
    assert response.status_code == 201
    issued = response.get_json()
    key = issued["fields"]["key"]
    assert re.fullmatch(r"courses/engine-basics/uploads/[0-9a-f]{32}\.png", key), key
    assert key.rsplit("/", 1)[-1] == f"{issued['id']}.png"  # nothing left of "../../x.html"
    assert issued["path"] == "media/x.png"

    policy = policy_of(issued)
    pinned = conditions(policy)
    assert pinned["bucket"] == s3_bucket.name
    assert pinned["key"] == key  # exact: a "starts-with" would sign every key below it
    assert pinned["Content-Type"] == "image/png" == issued["fields"]["Content-Type"]
    assert pinned["content-length-range"] == [len(PNG), len(PNG)]
    # The policy is what S3 checks the form against; the signature is the server's over it,
    # so a browser cannot loosen a condition without the signature failing.
    assert issued["fields"]["x-amz-signature"] == sigv4_signature(
        os.environ["AWS_SECRET_ACCESS_KEY"],
        issued["fields"]["x-amz-credential"],
        issued["fields"]["policy"],
    )
    tampered = json.dumps({**policy, "conditions": [{"key": "courses/engine-basics/x.html"}]})
    assert issued["fields"]["x-amz-signature"] != sigv4_signature(
        os.environ["AWS_SECRET_ACCESS_KEY"],
        issued["fields"]["x-amz-credential"],
        base64.b64encode(tampered.encode()).decode(),
    )


def test_a_form_sent_to_another_key_completes_nothing(app, api, course, people, s3_bucket):
    issued = ticket(api, people["expert"]).get_json()
    elsewhere = "courses/engine-basics/uploads/" + "0" * 32 + ".png"
    hijacked = {**issued, "fields": {**issued["fields"], "key": elsewhere}}
    status = send(api, hijacked, PNG)
    stored = bucket_keys(s3_bucket)
    if status < 400:  # moto keeps it; AWS and MinIO answer 403 (the policy pins the key)
        assert elsewhere in stored
    assert issued["fields"]["key"] not in stored
    done = complete(api, people["expert"], issued["id"])
    assert done.status_code == 404
    problem_of(done)
    # and the ticket still works for the key it was issued for
    assert send(api, issued, PNG) < 400
    assert complete(api, people["expert"], issued["id"]).status_code == 201


# -- T32: the type is signed; what arrives is checked ---------------------------------------


@pytest.mark.parametrize(
    "body, kind",
    [
        (b"<html><script>alert(document.cookie)</script></html>", "html"),
        (PNG + b"<script>alert(document.cookie)</script>", "polyglot"),
    ],
)
def test_a_file_sent_as_text_html_is_refused_removed_or_served_as_an_image(
    app, api, course, people, users, signed_in, s3_bucket, body, kind
):
    issued = ticket(api, people["expert"], size=len(body)).get_json()
    assert conditions(policy_of(issued))["Content-Type"] == "image/png"
    as_html = {**issued, "fields": {**issued["fields"], "Content-Type": "text/html"}}
    status = send(api, as_html, body)
    done = complete(api, people["expert"], issued["id"])
    if status >= 400:  # a storage that checks the policy refused it outright
        assert done.status_code == 404
        return
    key = issued["fields"]["key"]
    if kind == "html":
        assert done.status_code == 422
        assert "image/png" in problem_of(done)["detail"]
        assert key not in bucket_keys(s3_bucket)
        return
    # PNG magic followed by a script passes the content check; readers must still only ever
    # get it as an image, never as the text/html it was labelled with.
    assert done.status_code == 201
    url = done.get_json()["url"]
    redirect = signed_in(users["expert"].email).get(url)
    assert redirect.status_code == 302
    with urllib.request.urlopen(redirect.headers["Location"], timeout=10) as fetched:  # noqa: S310
        assert fetched.headers.get_content_type() == "image/png"
        assert fetched.read() == body


# -- T33: size, at the ticket, in the policy, at completion ---------------------------------


def test_size_limit_is_exact_at_the_ticket_and_in_the_policy(api, course, people):
    from elearn.media.types import LIMITS

    limit = LIMITS["image"]
    over = ticket(api, people["expert"], size=limit + 1)
    assert over.status_code == 422
    assert problem_of(over)["errors"][0]["path"] == "size"
    at = ticket(api, people["expert"], size=limit)
    assert at.status_code == 201
    assert conditions(policy_of(at.get_json()))["content-length-range"] == [limit, limit]


def test_one_byte_over_the_limit_is_removed_at_completion(
    app, api, course, people, s3_bucket, monkeypatch
):
    from elearn.media.types import LIMITS

    monkeypatch.setitem(LIMITS, "image", 4096)  # what ELEARN_MAX_IMAGE_MB sets, smaller
    issued = ticket(api, people["expert"], size=4096).get_json()
    assert conditions(policy_of(issued))["content-length-range"] == [4096, 4096]
    data = PNG + b"\x00" * (4096 + 1 - len(PNG))
    status = send(api, issued, data)
    done = complete(api, people["expert"], issued["id"])
    if status >= 400:  # the storage enforced content-length-range
        assert done.status_code == 404
    else:
        assert done.status_code == 422
        detail = problem_of(done)["detail"]
        assert "4097" in detail and "4096" in detail
    assert issued["fields"]["key"] not in bucket_keys(s3_bucket)
    lesson = api.call(
        "PUT",
        "/api/v1/courses/engine-basics/modules/basics/lessons/cycle",
        token=people["expert"],
        json={"lang": "fr", "title": "Le cycle", "markdown": f"![x]({issued['path']})"},
    )
    assert lesson.status_code == 422  # nothing to point a lesson at


def test_parts_that_add_up_to_more_than_announced_are_removed_at_completion(
    app, api, course, people, s3_bucket, monkeypatch
):
    from elearn.media import uploads

    monkeypatch.setattr(uploads, "MULTIPART_THRESHOLD", 1024 * 1024)
    size = uploads.PART_SIZE + 1024
    video = b"\x00\x00\x00\x18ftypmp42" + b"\x00" * (size - 12)
    issued = ticket(
        api, people["expert"], filename="v.mp4", content_type="video/mp4", size=size
    ).get_json()
    assert issued["multipart"] == {"part_size": uploads.PART_SIZE, "parts": 2}
    base = f"{BASE}/{issued['id']}"
    urls = api.post(base + "/parts", token=people["expert"], json={"numbers": [1, 2]})
    urls = urls.get_json()["urls"]
    assert put_part(api, urls["1"], video[: uploads.PART_SIZE]) == 200
    # a presigned PUT cannot cap its body: the last part carries a megabyte more
    assert put_part(api, urls["2"], video[uploads.PART_SIZE :] + b"\x00" * (1024 * 1024)) == 200
    before = bucket_keys(s3_bucket)
    done = api.post(base + "/complete", token=people["expert"])
    assert done.status_code == 422
    assert str(size) in problem_of(done)["detail"]
    after = bucket_keys(s3_bucket)
    assert not [k for k in after if k.endswith(issued["id"] + ".mp4")]
    assert set(after) <= set(before)


# -- T34: a ticket belongs to the one who asked for it -------------------------------------


def test_another_users_upload_cannot_be_completed_or_continued(
    app, api, course, people, s3_bucket, monkeypatch
):
    issued = ticket(api, people["expert"]).get_json()
    assert send(api, issued, PNG) < 400
    for who, allowed in (("coauthor", {404}), ("outsider", {403, 404}), ("trainee", {403, 404})):
        done = complete(api, people[who], issued["id"])
        assert done.status_code in allowed, (who, done.status_code)
        problem_of(done)
    assert complete(api, people["expert"], "f" * 32).status_code == 404
    assert complete(api, people["expert"], "../" + issued["id"]).status_code == 404
    # nothing the others did changed it: the owner completes it as sent
    done = complete(api, people["expert"], issued["id"])
    assert done.status_code == 201 and done.get_json()["path"] == issued["path"]

    from elearn.media import uploads

    monkeypatch.setattr(uploads, "MULTIPART_THRESHOLD", 1024 * 1024)
    big = ticket(
        api, people["expert"], filename="v.mp4", content_type="video/mp4", size=2 * 1024 * 1024
    ).get_json()
    parts = f"{BASE}/{big['id']}/parts"
    # another author may neither get URLs to write into it nor see how far it got
    assert api.post(parts, token=people["coauthor"], json={"numbers": [1]}).status_code == 404
    assert api.get(parts, token=people["coauthor"]).status_code == 404
    assert api.post(parts, token=people["expert"], json={"numbers": [1]}).status_code == 200


# -- T35: tickets are rate limited per user -------------------------------------------------


def test_tickets_are_rate_limited_per_user(app, api, course, make, people):
    expert = make.user("expert", network="DMK")
    token, second_token = make.token(expert.email), make.token(expert.email, name="laptop")
    codes = [ticket(api, token).status_code for _ in range(120)]
    assert codes == [201] * 120
    limited = ticket(api, token)
    assert limited.status_code == 429
    assert problem_of(limited)["detail"]
    # another token of the same account does not reset the count; another author is not
    # punished for it
    assert ticket(api, second_token).status_code == 429
    assert ticket(api, people["coauthor"]).status_code == 201
