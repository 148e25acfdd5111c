"""Direct uploads as a browser or a laptop sends them: a ticket, the bytes (one POST, or
parts), completion; and what the storage holds afterwards."""

from __future__ import annotations

import secrets
import urllib.error
import urllib.request

import pytest

from elearn.media.storage import get_storage
from tests.factories import PNG


@pytest.fixture
def course(make):
    """engine-basics imported and published as ``elearn courses import --publish`` does; the
    upload tests' ``expert`` token is its DMK expert's."""
    return make.course(publish=True).slug


def multipart(fields: dict, data: bytes) -> tuple[bytes, str]:
    boundary = secrets.token_hex(12)
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    body = (
        "".join(parts).encode()
        + (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def send(api, ticket: dict, data: bytes) -> int:
    """Send the bytes where the ticket says, as a browser would."""
    body, content_type = multipart(ticket["fields"], data)
    if ticket["url"].startswith("/"):
        return api.client.post(ticket["url"], data=body, content_type=content_type).status_code
    request = urllib.request.Request(  # noqa: S310 - the loopback S3 server
        ticket["url"],
        data=body,
        method="POST",  # noqa: S310
        headers={"Content-Type": content_type},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status
    except urllib.error.HTTPError as exc:
        return exc.code


def ticket(api, token, **body):
    payload = {"filename": "Schéma OBD.png", "content_type": "image/png", "size": len(PNG)}
    payload.update(body)
    return api.post("/api/v1/courses/engine-basics/media/uploads", token=token, json=payload)


def uploaded(api, token, slug: str, filename: str, data: bytes = PNG):
    """Upload ``data`` to a course as the Studio does (ticket, bytes, completion); returns
    (the ticket, the completion's response)."""
    issued = api.post(
        f"/api/v1/courses/{slug}/media/uploads",
        token=token,
        json={"filename": filename, "content_type": "image/png", "size": len(data)},
    ).get_json()
    assert send(api, issued, data) in (200, 204)
    done = api.post(f"/api/v1/courses/{slug}/media/uploads/{issued['id']}/complete", token=token)
    return issued, done


def put_part(api, url: str, data: bytes) -> int:
    if url.startswith("/"):
        return api.client.put(url, data=data).status_code
    request = urllib.request.Request(  # noqa: S310 - loopback
        url, data=data, method="PUT", headers={"Content-Type": "application/octet-stream"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310 - loopback
        return response.status


def stored_keys(app) -> list[str]:
    """Every object the app's storage holds under ``courses/``."""
    with app.app_context():
        return get_storage().keys("courses/")
