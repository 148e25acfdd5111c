"""``elearn push``: send a package from an expert's laptop to a remote platform.

The standard library is enough (http.client): the body is streamed in chunks so the progress
bar moves on a slow connection, and certificates are verified for HTTPS.
"""

from __future__ import annotations

import http.client
import io
import json
import secrets
import ssl
import sys
import zipfile
from pathlib import Path
from urllib.parse import urlsplit

import click
from flask_babel import gettext as _

CHUNK = 64 * 1024


def package_bytes(path: Path) -> tuple[str, bytes]:
    """A .zip as is; a folder zipped in memory (dot-files and symlinks left out)."""
    if path.is_file():
        return path.name, path.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file in sorted(path.rglob("*")):
            rel = file.relative_to(path)
            if file.is_symlink() or any(part.startswith(".") for part in rel.parts):
                continue
            if file.is_file():
                archive.write(file, f"{path.name}/{rel.as_posix()}")
    return f"{path.name}.zip", buffer.getvalue()


def multipart(filename: str, data: bytes) -> tuple[str, bytes]:
    boundary = "elearn-" + secrets.token_hex(12)
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="{filename}"\r\nContent-Type: application/zip\r\n\r\n'
    ).encode()
    return boundary, head + data + f"\r\n--{boundary}--\r\n".encode()


def push(path: Path, server: str, token: str, dry_run: bool) -> int:
    url = urlsplit(server.rstrip("/"))
    if url.scheme not in ("http", "https") or not url.hostname:
        click.echo(_("Give the server as https://host (or http://localhost for a test)."), err=True)
        return 2
    filename, data = package_bytes(path)
    boundary, body = multipart(filename, data)
    target = f"{url.path}/api/v1/courses/import" + ("?dry_run=true" if dry_run else "")
    if url.scheme == "https":
        conn = http.client.HTTPSConnection(
            url.hostname, url.port, timeout=120, context=ssl.create_default_context()
        )
    else:
        conn = http.client.HTTPConnection(url.hostname, url.port, timeout=120)
    try:
        conn.putrequest("POST", target)
        conn.putheader("Authorization", f"Bearer {token}")
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(len(body)))
        conn.putheader("Accept", "application/json")
        conn.endheaders()
        with click.progressbar(length=len(body), label=_("Sending"), file=sys.stderr) as bar:
            for start in range(0, len(body), CHUNK):
                conn.send(body[start : start + CHUNK])
                bar.update(min(CHUNK, len(body) - start))
        response = conn.getresponse()
        status, payload = response.status, response.read()
    except (OSError, http.client.HTTPException) as exc:
        click.echo(
            _("Could not reach %(server)s: %(error)s", server=server, error=str(exc)), err=True
        )
        return 3
    finally:
        conn.close()
    return report(status, payload, dry_run)


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
