"""The Studio's media library: what a course holds, where it is used, upload and delete.

A Studio page, so authoring's (media stores the files and knows nothing of lessons).
"""

from __future__ import annotations

import re

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from elearn.accounts.models import Role
from elearn.accounts.permissions import roles_required
from elearn.authoring.models import LessonContent
from elearn.authoring.rendering import media_snippet
from elearn.authoring.services import load_texts, touched
from elearn.authoring.studio import course_or_404
from elearn.core.db import utcnow
from elearn.extensions import db
from elearn.media.models import MediaAsset

bp = Blueprint("media_library", __name__, url_prefix="/studio", template_folder="templates")


@bp.before_request
@roles_required(Role.EXPERT, Role.ADMIN)
def _authors_only():
    return None


def usage(course) -> dict[str, list[str]]:
    """media path → the lessons (module/lesson) whose working text refers to it, each once
    however many of its languages use it."""
    found: dict[str, list[str]] = {}
    contents = load_texts(db.session, course, LessonContent.markdown)
    for content in contents:
        lesson = content.lesson
        name = f"{lesson.module.slug}/{lesson.slug}"
        for path in set(_refs(content.markdown)):
            users = found.setdefault(path, [])
            if name not in users:
                users.append(name)
    return found


def _refs(markdown: str):
    return re.findall(r"\]\((?:\./)?(media/[^)\s]+)", markdown)


@bp.get("/<slug>/media")
def library(slug: str):
    course = course_or_404(slug)
    assets = db.session.scalars(
        select(MediaAsset)
        .where(MediaAsset.course_id == course.id, MediaAsset.removed_at.is_(None))
        .order_by(MediaAsset.path)
    ).all()
    return render_template(
        "authoring/media_library.html",
        course=course,
        assets=assets,
        used=usage(course),
        snippet=media_snippet,
    )


@bp.post("/<slug>/media/<int:asset_id>/delete")
def delete(slug: str, asset_id: int):
    course = course_or_404(slug)
    asset = db.session.get(MediaAsset, asset_id)
    if asset is None or asset.course_id != course.id or asset.removed_at is not None:
        abort(404)
    if usage(course).get(asset.path):
        flash(_("This file is used by a lesson: remove it from the lesson first."), "error")
    else:
        asset.removed_at = utcnow()  # the object itself goes with `elearn media gc`
        touched(course, asset.removed_at)
        if asset.published is None:
            flash(_("File removed from the course."), "success")
        else:
            flash(
                _(
                    "File removed from the course. Readers of the published version keep "
                    "it until the course is published again."
                ),
                "success",
            )
    return redirect(url_for(".library", slug=course.slug), code=303)
