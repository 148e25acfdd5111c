"""Periodic work of media: what ``elearn media gc --delete`` does, every night."""

from __future__ import annotations

import logging

from elearn.core import clock
from elearn.extensions import db
from elearn.jobs.registry import periodic
from elearn.media import housekeeping
from elearn.media.storage import get_storage

log = logging.getLogger(__name__)


@periodic("collect_media", minute="23", hour="2")
def collect_media() -> None:
    """Remove objects no course refers to and what interrupted uploads left, once older
    than the grace period (``housekeeping.GRACE``): the same rule as the command."""
    storage = get_storage()
    found = housekeeping.sweep(db.session, storage, now=clock.now())
    for key in found.orphans:
        storage.delete(key)
    for leftover in found.leftovers:
        storage.remove_leftover(leftover)
    log.info(
        "Media clean-up: %d orphans, %d leftovers removed", len(found.orphans), len(found.leftovers)
    )
