"""Item analysis for a course's authors, in the Studio: every trainee's first attempt, from
every cohort, with no names (the experts abroad see how their questions fare, not who)."""

from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import login_required

from elearn.authoring.studio import course_or_404
from elearn.cohorts import insight
from elearn.extensions import db

bp = Blueprint("item_stats", __name__, template_folder="templates")


@bp.get("/studio/<slug>/questions")
@login_required
def course_items(slug: str):
    course = course_or_404(slug)
    quizzes = insight.items(db.session, course) if course.published else []
    return render_template("cohorts/studio_items.html", course=course, quizzes=quizzes)
