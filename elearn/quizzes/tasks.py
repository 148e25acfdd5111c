"""Periodic work of quizzes: grade the timed attempts whose trainee never came back."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from elearn.core import clock
from elearn.extensions import db
from elearn.jobs.registry import periodic
from elearn.quizzes import services


@periodic("settle_expired_attempts", minute="*/5")
def settle_expired_attempts() -> None:
    slack = timedelta(seconds=current_app.config["QUIZ_GRACE_SECONDS"])
    services.settle_expired(db.session, now=clock.now(), slack=slack)
