"""Home page and health check."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from sqlalchemy import select, text
from sqlalchemy.exc import SQLAlchemyError

from elearn.accounts.models import Network
from elearn.extensions import db, limiter

bp = Blueprint("core", __name__, template_folder="templates")


@bp.get("/")
def home():
    networks = db.session.scalars(select(Network).order_by(Network.code)).all()
    return render_template("core/home.html", networks=networks)


@bp.get("/healthz")
@limiter.exempt
def healthz():
    """200 when the database answers: what a load balancer needs to know."""
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:  # the 503 rolls back (core.edge)
        return jsonify(status="unavailable", database=False), 503
    return jsonify(status="ok", database=True)
