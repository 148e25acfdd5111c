"""Periodic work of notifications: the daily digest for those who chose it."""

from __future__ import annotations

from elearn.core import clock
from elearn.extensions import db
from elearn.jobs.queue import get_queue
from elearn.jobs.registry import periodic
from elearn.notifications import services


@periodic("notification_digest", minute="0", hour="6")
def notification_digest() -> None:
    """06:00 UTC: early morning in Morocco, the evening before in Canada and the USA."""
    services.send_digests(db.session, get_queue(), now=clock.now())
