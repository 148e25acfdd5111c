"""The Studio's "what changed since publication" page: what the next publication would
change for trainees, as the reviewer will see it."""

from __future__ import annotations

from flask import Blueprint, render_template

from elearn.accounts.models import Role
from elearn.accounts.permissions import roles_required
from elearn.authoring.changes import course_changes
from elearn.authoring.studio import course_or_404
from elearn.extensions import db

bp = Blueprint("studio_changes", __name__, url_prefix="/studio", template_folder="templates")


@bp.before_request
@roles_required(Role.EXPERT, Role.ADMIN)
def _authors_only():
    return None


@bp.get("/<slug>/changes")
def changes(slug: str):
    """The working copy against the published version, lesson by lesson and quiz by quiz."""
    course = course_or_404(slug)
    return render_template(
        "authoring/changes.html", course=course, changes=course_changes(db.session, course)
    )
