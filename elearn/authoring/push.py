"""``elearn push``: send a package from an expert's laptop to a remote platform.

The standard library is enough (http.client): the body is streamed in chunks from a file,
so the progress bar moves on a slow connection and a course's videos never sit in memory,
and certificates are verified for HTTPS. The server answers ``202`` with the import's job;
a second bar follows the job to its end (``GET /api/v1/jobs/{id}``).
"""

from __future__ import annotations

import http.client
import json
import secrets
import ssl
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

import click
from flask_babel import gettext as _

CHUNK = 64 * 1024


@contextmanager
def package_file(path: Path) -> Iterator[tuple[str, BinaryIO, int]]:
    """(file name, open file, size) of the package to send: a .zip as is; a folder zipped
    into a temporary file (dot-files and symlinks left out; media stored as they are,
    already compressed). Nothing is held in memory: a course's videos can be gigabytes."""
    if path.is_file():
        with path.open("rb") as fh:
            yield path.name, fh, path.stat().st_size
        return
    with tempfile.TemporaryFile(prefix="elearn-push-") as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in sorted(path.rglob("*")):
                rel = file.relative_to(path)
                if file.is_symlink() or any(part.startswith(".") for part in rel.parts):
                    continue
                if file.is_file():
                    media = rel.parts[0] == "media"
                    archive.write(
                        file,
                        f"{path.name}/{rel.as_posix()}",
                        zipfile.ZIP_STORED if media else zipfile.ZIP_DEFLATED,
                    )
        size = fh.tell()
        fh.seek(0)
        yield f"{path.name}.zip", fh, size


def multipart(filename: str) -> tuple[str, bytes, bytes]:
    """The boundary, and what goes before and after the file in the request body."""
    boundary = "elearn-" + secrets.token_hex(12)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'
    ).encode()
    return boundary, head, f"\r\n--{boundary}--\r\n".encode()


def push(path: Path, server: str, token: str, dry_run: bool) -> int:
    url = urlsplit(server.rstrip("/"))
    if url.scheme not in ("http", "https") or not url.hostname:
        click.echo(_("Give the server as https://host (or http://localhost for a test)."), err=True)
        return 2
    with package_file(path) as (filename, fh, size):
        status, payload, location = _send(url, token, dry_run, filename, fh, size, server)
    if status is None:
        return 3
    if status == 202 and location:
        status, payload = follow(url, token, location, server)
        if status is None:
            return 3
    return report(status, payload, dry_run)


def _connection(url, timeout: int = 120):
    if url.scheme == "https":
        return http.client.HTTPSConnection(
            url.hostname, url.port, timeout=timeout, context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)


def follow(url, token: str, location: str, server: str, *, every: float = 1.0):
    """Poll the import's job until it is over, moving a progress bar; (status, body) as
    the import's answer: 201 and the result when done, 422 and the errors when it failed.
    Ctrl-C stops watching, not the import."""
    path = location if location.startswith("/") else urlsplit(location).path
    misses = 0
    with click.progressbar(length=100, label=_("Importing"), file=sys.stderr) as bar:
        shown = 0
        while True:
            conn = _connection(url, timeout=30)
            try:
                conn.request(
                    "GET",
                    f"{url.path}{path}",
                    headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
                )
                response = conn.getresponse()
                status, payload = response.status, response.read()
            except (OSError, http.client.HTTPException) as exc:
                misses += 1
                if misses >= 10:
                    click.echo(
                        _("Could not reach %(server)s: %(error)s", server=server, error=str(exc)),
                        err=True,
                    )
                    return None, b""
                time.sleep(every * misses)
                continue
            finally:
                conn.close()
            if status != 200:
                return status, payload
            misses = 0
            job = json.loads(payload or b"{}")
            progress = int(job.get("progress") or 0)
            if progress > shown:
                bar.update(progress - shown)
                shown = progress
            if job.get("status") == "done":
                bar.update(100 - shown)
                return 201, json.dumps(job.get("result") or {}).encode()
            if job.get("status") == "failed":
                body = {"detail": job.get("error") or "", **(job.get("result") or {})}
                return 422, json.dumps(body).encode()
            time.sleep(every)


def _send(url, token: str, dry_run: bool, filename: str, fh, size: int, server: str):
    """POST the package, a chunk at a time; (status, body, Location), or (None, b"", None)
    after saying why the server could not be reached."""
    target = f"{url.path}/api/v1/courses/import" + ("?dry_run=true" if dry_run else "")
    conn = _connection(url)
    boundary, head, tail = multipart(filename)
    length = len(head) + size + len(tail)
    try:
        conn.putrequest("POST", target)
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(length))
        conn.putheader("Accept", "application/json")
        conn.endheaders()
        with click.progressbar(length=length, label=_("Sending"), file=sys.stderr) as bar:
            conn.send(head)
            while chunk := fh.read(CHUNK):
                conn.send(chunk)
                bar.update(len(chunk))
            conn.send(tail)
            bar.update(len(head) + len(tail))
        response = conn.getresponse()
        return response.status, response.read(), response.getheader("Location")
    except (OSError, http.client.HTTPException) as exc:
        click.echo(
            _("Could not reach %(server)s: %(error)s", server=server, error=str(exc)), err=True
        )
        return None, b"", None
    finally:
        conn.close()


def report(status: int, payload: bytes, dry_run: bool) -> int:
    try:
        body = json.loads(payload or b"{}")
    except ValueError:
        body = {}
    for issue in body.get("errors") or []:
        click.echo(f"{issue.get('path')}:{issue.get('line', 1)}: {issue.get('message')}", err=True)
    for issue in body.get("warnings") or []:
        click.echo(
            f"{issue.get('path')}:{issue.get('line', 1)}: warning: {issue.get('message')}", err=True
        )
    if dry_run and status == 200:
        click.echo(_("Valid package.") if body.get("valid") else _("The package has errors."))
        return 0 if body.get("valid") else 1
    if status == 201:
        click.echo(
            _("Sent: %(slug)s (%(status)s).", slug=body.get("slug"), status=body.get("status"))
        )
        return 0
    click.echo(
        _(
            "The server refused the package (%(status)s): %(detail)s",
            status=status,
            detail=body.get("detail", ""),
        ),
        err=True,
    )
    return 1
