"""E-mail sent by a job: the request that causes it returns at once, a mail server that is
down costs a retry rather than a lost message, and a batch of 5,000 goes out in chunks.

A message is written when it is sent, not when it is asked for: the job carries only a
kind of message and, per recipient, ids and parameters — never a password link, which the
renderer makes at sending time (``accounts.welcome``). Each renderer writes in its
recipient's language. The job commits its checkpoint after each chunk, so a retry goes on
from where the last one stopped; at worst one chunk goes twice (at least once).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from elearn.core import mail
from elearn.extensions import db
from elearn.jobs import services
from elearn.jobs.models import Job
from elearn.jobs.queue import Queue
from elearn.jobs.registry import handler

#: name → renderer(session, item) → Mail, or None to skip (the account is gone).
MESSAGES: dict[str, Callable[..., mail.Mail | None]] = {}
CHUNK = 20


def message(name: str):
    """Declare how one kind of e-mail is written for one recipient."""

    def decorator(func):
        MESSAGES[name] = func
        return func

    return decorator


def send_later(
    session,
    queue: Queue,
    name: str,
    items: list[dict],
    *,
    owner_id: int | None = None,
    now: datetime,
) -> Job | None:
    """One job sending message ``name`` to each of ``items`` (``{"user_id": …}`` and what
    the renderer needs), once the caller's transaction commits."""
    if name not in MESSAGES:
        raise ValueError(f"unknown e-mail {name!r}")
    if not items:
        return None
    return services.submit(
        session,
        queue,
        "mail",
        owner_id=owner_id,
        args={"message": name, "items": items},
        now=now,
    )


@handler("mail", max_attempts=8)
def run_mail(ctx) -> dict:
    render = MESSAGES[ctx.args["message"]]
    items = ctx.args["items"]
    job = ctx.job
    sent = skipped = 0
    while job.checkpoint < len(items):
        chunk = items[job.checkpoint : job.checkpoint + CHUNK]
        mails = [m for m in (render(db.session, item) for item in chunk) if m is not None]
        mail.deliver(mails)  # raises when the server is down: retried from this chunk
        sent += len(mails)
        skipped += len(chunk) - len(mails)
        job.checkpoint += len(chunk)
        ctx.progress(100 * job.checkpoint / len(items))
        ctx.keep()
    return {"sent": sent, "skipped": skipped, "total": len(items)}
