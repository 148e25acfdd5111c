"""The edge of every page that changes something: commit, or roll back and say why not."""

from __future__ import annotations

from flask import flash

from elearn.core.errors import DomainError
from elearn.extensions import db


def commit_or_explain(action, success=None):
    """Run one service call: commit (and flash ``success``) or roll back and flash the
    rule that said no. Returns (ok, what the call returned)."""
    try:
        value = action()
    except DomainError as exc:
        db.session.rollback()
        flash(str(exc.message), "error")
        return False, None
    db.session.commit()
    if success:
        flash(success, "success")
    return True, value
