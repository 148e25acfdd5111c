"""``elearn storage check`` and ``elearn media gc`` for operators."""

from __future__ import annotations

import secrets
import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup
from flask_babel import gettext as _
from flask_babel import ngettext

from elearn.core.db import utcnow
from elearn.extensions import db
from elearn.media import housekeeping
from elearn.media.storage import StorageError, get_storage

storage_cli = AppGroup("storage", help="Check the media storage.")
media_cli = AppGroup("media", help="Manage stored media.")


def _line(ok: bool, text: str) -> bool:
    click.echo(f"{'✓' if ok else '✗'} {text}")
    return ok


@storage_cli.command("check")
@click.option("--origin", default="", help="The site's address, to check the bucket's CORS rule.")
def check_command(origin: str) -> None:
    """Tell whether the storage is reachable, writable, readable (and, on S3, open to uploads
    from browsers through CORS)."""
    storage = get_storage()
    key = f"healthcheck/{secrets.token_hex(8)}.txt"
    results = []
    try:
        storage.put(key, b"elearn storage check", "text/plain")
        results.append(_line(True, _("writable")))
        results.append(_line(storage.get(key) == b"elearn storage check", _("readable")))
        storage.delete(key)
        results.append(_line(not storage.exists(key), _("deletable")))
    except StorageError as exc:
        results.append(_line(False, _("unreachable or refused: %(error)s", error=str(exc))))
    if current_app.config["STORAGE"] == "s3":
        results.append(
            _line(
                _cors_allows_upload(storage, origin),
                _(
                    "CORS rule allowing browser uploads (POST/PUT) from %(origin)s",
                    origin=origin or "*",
                ),
            )
        )
    sys.exit(0 if all(results) else 1)


def _cors_allows_upload(storage, origin: str) -> bool:
    try:
        rules = storage.client.get_bucket_cors(Bucket=storage.bucket).get("CORSRules", [])
    except Exception:  # noqa: BLE001 - no CORS configuration at all is a "no"
        return False
    for rule in rules:
        methods = {m.upper() for m in rule.get("AllowedMethods", [])}
        origins = rule.get("AllowedOrigins", [])
        if {"POST", "PUT"} & methods and ("*" in origins or not origin or origin in origins):
            return True
    return False


@media_cli.command("gc")
@click.option("--delete", is_flag=True, help="Really delete (the default only lists).")
@click.option(
    "--grace-hours",
    type=click.IntRange(min=0),
    default=int(housekeeping.GRACE.total_seconds() // 3600),
    show_default=True,
    help="Spare anything younger: imports and uploads in progress.",
)
def gc_command(delete: bool, grace_hours: int) -> None:
    """List (or delete) stored objects that no course refers to any more, in its working
    copy or its published version, and what interrupted uploads left behind."""
    storage = get_storage()
    found = housekeeping.sweep(
        db.session, storage, now=utcnow(), grace=timedelta(hours=grace_hours)
    )
    for key in found.orphans:
        if delete:
            storage.delete(key)
        click.echo(key)
    for leftover in found.leftovers:
        if delete:
            storage.remove_leftover(leftover)
        click.echo(leftover.name)
    message = (
        _("%(count)d orphaned object(s) deleted.", count=len(found.orphans))
        if delete
        else _(
            "%(count)d orphaned object(s); run with --delete to remove them.",
            count=len(found.orphans),
        )
    )
    click.echo(message, err=True)
    if found.leftovers:
        click.echo(
            ngettext(
                "%(num)d unfinished upload removed.",
                "%(num)d unfinished uploads removed.",
                len(found.leftovers),
            )
            if delete
            else ngettext(
                "%(num)d unfinished upload; run with --delete to remove it.",
                "%(num)d unfinished uploads; run with --delete to remove them.",
                len(found.leftovers),
            ),
            err=True,
        )
