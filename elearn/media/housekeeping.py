"""What ``elearn media gc`` may remove: objects nothing refers to, and what interrupted
writes left behind — never what a reader, an author or an upload in flight still needs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from elearn.media.models import MediaAsset, MediaUpload
from elearn.media.storage import Leftover, Storage

#: Anything younger is spared: an import stores its media before its transaction commits,
#: an upload is written for minutes, a ticket may be completed a little after it expires.
GRACE = timedelta(hours=24)


@dataclass(frozen=True)
class Sweep:
    #: Keys under ``courses/`` that no asset (working or published) nor ticket refers to.
    orphans: list[str]
    #: Temporary files, folders of parts and incomplete multipart uploads.
    leftovers: list[Leftover]


def kept(session, *, now: datetime, grace: timedelta) -> tuple[set[str], set[str]]:
    """(keys, multipart ids) still needed: each asset's working key unless it was removed,
    each published version's key (readers keep it until the next publication), and what
    tickets still in flight write to."""
    keys = set(session.scalars(select(MediaAsset.key).where(MediaAsset.removed_at.is_(None))))
    keys |= {
        snapshot["key"]
        for snapshot in session.scalars(
            select(MediaAsset.published).where(MediaAsset.published.is_not(None))
        )
    }
    in_flight = session.execute(
        select(MediaUpload.key, MediaUpload.multipart_id).where(
            MediaUpload.completed_at.is_(None), MediaUpload.expires_at > now - grace
        )
    ).all()
    keys |= {key for key, _multipart in in_flight}
    return keys, {multipart for _key, multipart in in_flight if multipart}


def sweep(session, storage: Storage, *, now: datetime, grace: timedelta = GRACE) -> Sweep:
    """What may go, older than ``grace``; nothing is removed here."""
    keys, multiparts = kept(session, now=now, grace=grace)
    cutoff = now - grace
    return Sweep(
        orphans=[
            o.key for o in storage.objects("courses/") if o.key not in keys and o.modified <= cutoff
        ],
        leftovers=[
            leftover
            for leftover in storage.leftovers()
            if leftover.modified <= cutoff and leftover.multipart_id not in multiparts
        ],
    )
