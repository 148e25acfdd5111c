"""The one transaction edge: a request (or a command) is one unit of work.

The shape of Indico's ``RH.process``: views and API handlers call services (which flush and
never commit) and return an answer; this module commits once when the answer is a success
and rolls back on an error status or any exception — before the error handler renders, so
an error page never reads a half-failed transaction. Nothing else in the package commits
or rolls back, with one named exception, :func:`commit_now`, for a fact that must stand
whatever the answer is (a failed sign-in counted even when the answer is 429).

Work outside the database that the transaction must take back — objects an import staged
in storage — registers an undo with :func:`on_rollback`; a commit forgets them. A view that
turns a rule's refusal into a message on its form uses :func:`attempt`, which rolls back at
once and keeps the rest of the request from committing anything.

What must happen only once the transaction stands — handing a job to the queue — registers
with :func:`on_commit`.

Commands and jobs use the same unit through :func:`unit_of_work`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

import flask
from flask import flash, g, has_request_context

from elearn.core.errors import DomainError
from elearn.extensions import db

log = logging.getLogger(__name__)
T = TypeVar("T")

_command_unit: ContextVar[Unit | None] = ContextVar("elearn_unit_of_work", default=None)


class Unit:
    """One transaction and what undoes the work it did outside the database."""

    def __init__(self, session) -> None:
        self.session = session
        self.undo: list[Callable[[], None]] = []
        self.after: list[Callable[[], None]] = []
        self.doomed = False

    def on_rollback(self, callback: Callable[[], None]) -> None:
        self.undo.append(callback)

    def on_commit(self, callback: Callable[[], None]) -> None:
        self.after.append(callback)

    def rollback(self) -> None:
        try:
            self.session.rollback()
        except Exception:  # noqa: BLE001 - a dead connection: the pool replaces it
            log.warning("Rollback failed", exc_info=True)
        self.after.clear()
        undo, self.undo = self.undo, []
        for callback in reversed(undo):
            try:
                callback()
            except Exception:  # noqa: BLE001 - an undo is best effort; housekeeping finishes
                log.warning("An undo after a rollback failed", exc_info=True)

    def commit(self) -> None:
        self.session.commit()
        self.undo.clear()
        after, self.after = self.after, []
        for callback in after:
            try:
                callback()
            except Exception:  # noqa: BLE001 - the fact stands; the jobs sweep delivers it
                log.warning("An action after a commit failed", exc_info=True)

    def finish(self, ok: bool) -> None:
        """Commit a success, roll back anything else. A failed commit rolls back too."""
        if not ok or self.doomed:
            self.rollback()
            return
        try:
            self.commit()
        except BaseException:
            self.rollback()
            raise


def current() -> Unit:
    """The unit of work of this command or job, else of this request. A job run inside a
    request (``ELEARN_QUEUE_URL=immediate:``) opens its own unit, which wins."""
    unit = _command_unit.get()
    if unit is not None:
        return unit
    if has_request_context():
        unit = g.get("_unit_of_work")
        if unit is None:
            unit = g._unit_of_work = Unit(db.session)
        return unit
    raise RuntimeError("No unit of work: wrap the command in core.edge.unit_of_work().")


def on_rollback(callback: Callable[[], None]) -> None:
    """Run ``callback`` if this request's or command's transaction is rolled back."""
    current().on_rollback(callback)


def on_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this transaction has committed (hand a job to the queue: a
    worker must never see a job whose row is not there yet). Forgotten on a rollback; a
    callback that fails is logged, the commit stands."""
    current().on_commit(callback)


def fail() -> None:
    """Roll back now and commit nothing more in this unit (a refusal, an error page)."""
    unit = current()
    unit.doomed = True
    unit.rollback()


def commit_now() -> None:
    """Commit what is pending although the answer may be an error. Only for a fact that
    must stand whatever happens next (say why where you call it)."""
    current().commit()


def attempt(
    action: Callable[[], T],
    success: str | None = None,
    *,
    form=None,
    field: str | None = None,
) -> tuple[bool, T | None]:
    """Run one service call for a page. When a rule says no, everything the request did is
    rolled back and its message is flashed and put on the form's field the rule names
    (else on ``field``); the page then re-renders or redirects as it likes.
    On success ``success`` is flashed. Returns (ok, what the call returned)."""
    try:
        value = action()
    except DomainError as exc:
        fail()
        target = getattr(form, exc.field or "", None) if form is not None else None
        if target is None and form is not None and field:
            target = getattr(form, field, None)
        if target is not None and hasattr(target, "errors"):
            target.errors = [*target.errors, str(exc.message)]
        flash(str(exc.message), "error")  # the page's summary; the field says where
        return False, None
    if success:
        flash(success, "success")
    return True, value


@contextmanager
def unit_of_work(session=None) -> Iterator[Unit]:
    """A command's transaction: commit at the end of the block, roll back (and undo) if it
    raises."""
    unit = Unit(session or db.session)
    token = _command_unit.set(unit)
    try:
        yield unit
    except BaseException:
        unit.rollback()
        raise
    else:
        unit.finish(True)
    finally:
        _command_unit.reset(token)


class App(flask.Flask):
    """Flask with the transaction edge around every view.

    The view's answer decides: a status below 400 commits, anything else rolls back. An
    exception rolls back before its error handler runs (``handle_user_exception``), and a
    commit that fails (a unique key lost to a concurrent request) goes to the same error
    handlers as an exception of the view.
    """

    def dispatch_request(self) -> flask.Response:  # type: ignore[override]
        response = self.make_response(super().dispatch_request())
        current().finish(response.status_code < 400)
        return response

    def handle_user_exception(self, e: Exception) -> Any:
        if has_request_context():
            fail()
        return super().handle_user_exception(e)

    def handle_exception(self, e: Exception) -> flask.Response:
        if has_request_context():
            fail()
        return super().handle_exception(e)
