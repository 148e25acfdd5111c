"""What jobs exist: each domain declares its kinds and periodic work here, in its own
``tasks`` module, which ``create_app`` imports (so that this package imports no domain)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class JobInvalid(Exception):  # noqa: N818 - reads as "the job is invalid"
    """The job cannot succeed however often it is tried (its input became invalid, what it
    works on is gone): it fails at once with this message, no retry. ``result`` is kept
    for its owner (an import's errors)."""

    def __init__(self, message: Any, result: dict | None = None):
        super().__init__(str(message))
        self.message = message
        self.result = result


@dataclass(frozen=True)
class Kind:
    name: str
    run: Callable[..., dict | None]
    max_attempts: int
    #: What the job page says about a finished job: (text, link or None), and optionally
    #: the link's label (default "Open"; an export's is "Download").
    describe: Callable[[dict], tuple[str, str | None] | tuple[str, str | None, str]] | None


KINDS: dict[str, Kind] = {}


@dataclass(frozen=True)
class Periodic:
    name: str
    #: huey's crontab fields: ``{"minute": "*/5"}``.
    schedule: dict
    run: Callable[[], None]


PERIODIC: list[Periodic] = []


def handler(name: str, *, max_attempts: int = 5, describe=None):
    """Declare the function that does a kind of job. It gets a ``runner.Context`` and runs
    inside the job's unit of work: what it writes commits together with the job's "done",
    or not at all. It returns the job's result (JSON) or None."""

    def decorator(func):
        KINDS[name] = Kind(name, func, max_attempts, describe)
        return func

    return decorator


def periodic(name: str, **schedule: str):
    """Declare work that runs on a schedule (huey's crontab fields, e.g. ``minute="*/5"``),
    in its own unit of work, on one worker at a time. It must be safe to run twice."""

    def decorator(func):
        if not any(p.name == name for p in PERIODIC):
            PERIODIC.append(Periodic(name, schedule, func))
        return func

    return decorator
