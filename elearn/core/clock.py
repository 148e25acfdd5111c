"""The time the application acts on.

Deadlines are enforced by the server, so their tests need to move time: an app may carry a
``TEST_CLOCK`` callable in its config (tests only; no setting reads it from the
environment). Everything else is ``utcnow``.
"""

from __future__ import annotations

from datetime import datetime

from flask import current_app, has_app_context

from elearn.core.db import utcnow


def now() -> datetime:
    clock = current_app.config.get("TEST_CLOCK") if has_app_context() else None
    return clock() if clock is not None else utcnow()
