"""The health check (the home page is accounts': it lists the networks)."""

from __future__ import annotations

from flask import Blueprint, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from elearn.extensions import db, limiter

bp = Blueprint("core", __name__)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 when the database answers: what a load balancer needs to know."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:  # the 503 rolls back (core.edge)
        return jsonify(status="unavailable", database=False), 503
    return jsonify(status="ok", database=True)
