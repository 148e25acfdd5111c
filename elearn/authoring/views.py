"""The Studio: course list, package upload, outline editor, review and publishing."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from elearn.accounts.models import Network, Role
from elearn.accounts.permissions import roles_required
from elearn.authoring import outline, policy, reading, services
from elearn.authoring import review as reviews
from elearn.authoring.models import Course, CourseEvent, CourseStatus, Lesson
from elearn.authoring.package.exporter import course_zip_file
from elearn.authoring.package.files import read_zip
from elearn.authoring.package.importer import check_package
from elearn.authoring.studio import (
    authored_courses,
    course_or_404,
    lesson_or_404,
    module_or_404,
)
from elearn.authoring.tasks import queue_import
from elearn.core.db import utcnow
from elearn.core.edge import attempt
from elearn.extensions import db
from elearn.i18n.locale import wanted_content
from elearn.jobs.queue import get_queue
from elearn.media.storage import get_storage

bp = Blueprint("studio", __name__, url_prefix="/studio", template_folder="templates")


@bp.before_request
def _authors_only():
    """The Studio is for experts and admins; the review queue also for the networks'
    reviewers, whatever their role (it checks that itself)."""
    if request.endpoint == "studio.review_queue":
        return None
    return _studio_staff()


@roles_required(Role.EXPERT, Role.ADMIN)
def _studio_staff():
    return None


def _back(course: Course, anchor: str = ""):
    return redirect(url_for(".course", slug=course.slug, _anchor=anchor or None), code=303)


@bp.get("/")
def index():
    reviewer = current_user.is_admin or reviews.reviews_anything(db.session, current_user)
    return render_template("authoring/index.html", courses=authored_courses(), reviewer=reviewer)


@bp.post("/import")
def upload():
    """Check the package here (every error on the page at once); import it in a job whose
    page shows the progress."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose a .zip course package to send."), "error")
        return redirect(url_for(".index"), code=303)
    filename = upload.filename.rsplit("/", 1)[-1]
    check_only = bool(request.form.get("check_only"))
    with read_zip(upload.stream, default_name=filename.removesuffix(".zip")) as pkg:
        report = check_package(db.session, pkg, render=False)
    if not report.valid or check_only:
        courses = authored_courses()
        page = render_template("authoring/index.html", courses=courses, report=report)
        return page, 200 if report.valid else 422
    queued, job = attempt(
        lambda: queue_import(
            db.session,
            get_queue(),
            get_storage(),
            upload.stream,
            filename=filename,
            report=report,
            actor=current_user,
            publish=False,
            now=utcnow(),
        )
    )
    if not queued:
        return redirect(url_for(".index"), code=303)
    return redirect(url_for("jobs.job", job_id=job.id), code=303)


@bp.route("/new", methods=["GET", "POST"])
def new_course():
    networks = db.session.scalars(select(Network).order_by(Network.code)).all()
    if not current_user.is_admin:
        networks = [n for n in networks if n.id == current_user.network_id]
    form = request.form
    if request.method == "POST":
        network = next((n for n in networks if n.code == form.get("network")), None)

        def create():
            if network is None:
                raise services.AuthoringError(_("Choose your network."), field="network")
            return outline.create_course(
                db.session,
                slug=form.get("slug", ""),
                network=network,
                domain=form.get("domain", ""),
                source_language=form.get("source", "fr"),
                languages=form.getlist("languages"),
                title=form.get("title", ""),
                user=current_user,
                now=utcnow(),
            )

        created, course = attempt(create, _("Course created. Add its modules and lessons."))
        if created:  # straight to the outline, where the add-a-module form is open
            return _back(course, "add-module")
    return render_template("authoring/new_course.html", networks=networks, form=form)


@bp.route("/<slug>/settings", methods=["GET", "POST"])
def settings(slug: str):
    course = course_or_404(slug)
    if request.method == "POST":
        form = request.form
        competencies = [
            (
                code,
                {lang: form.get(f"competency_{i}_{lang}", "").strip() for lang in course.languages},
            )
            for i, code in enumerate(form.getlist("competency_code"))
        ]
        saved, _value = attempt(
            lambda: outline.update_settings(
                course,
                titles={lang: form.get(f"title_{lang}", "") for lang in course.languages},
                summaries={lang: form.get(f"summary_{lang}", "") for lang in course.languages},
                level=form.get("level", ""),
                hours=form.get("estimated_hours", ""),
                competencies=competencies,
                now=utcnow(),
            ),
            _("Saved."),
        )
        if saved:
            return _back(course)
    return render_template("authoring/settings.html", course=course)


@bp.get("/<slug>")
def course(slug: str):
    course = course_or_404(slug)
    events = db.session.scalars(
        select(CourseEvent)
        .where(CourseEvent.course_id == course.id)
        .order_by(CourseEvent.created_at.desc())
        .limit(20)
    ).all()
    return render_template(
        "authoring/course.html",
        course=course,
        modules=reading.outline(course),  # lessons and titles in a fixed number of queries
        events=events,
        revision=services.revision(db.session, course),
    )


@bp.get("/<slug>/preview")
def preview(slug: str):
    """The whole working copy as trainees would see it if it were published now: the
    outline in the content language asked for, each lesson opening its own preview."""
    course = course_or_404(slug)
    return render_template(
        "authoring/preview.html",
        course=course,
        detail=reading.course_detail(course, draft=True),
        content_lang=wanted_content(),
    )


def _other_titles(course: Course) -> dict:
    return {
        lang: request.form.get(f"title_{lang}", "")
        for lang in course.languages
        if lang != course.source_language
    }


@bp.post("/<slug>/modules")
def add_module(slug: str):
    course = course_or_404(slug)
    form = request.form
    added, module = attempt(
        lambda: outline.add_module(
            db.session,
            course,
            slug=form.get("slug", ""),
            title=form.get("title", ""),
            titles=_other_titles(course),
            now=utcnow(),
        ),
        _("Module added."),
    )
    return _back(course, f"module-{module.id}" if added else "add-module")


@bp.post("/<slug>/modules/<module>/<action>")
def module_action(slug: str, module: str, action: str):
    course = course_or_404(slug)
    item = module_or_404(course, module)
    return _outline_action(course, course.modules, item, action)


@bp.post("/<slug>/modules/<module>/lessons")
def add_lesson(slug: str, module: str):
    course = course_or_404(slug)
    item = module_or_404(course, module)
    added, lesson = attempt(
        lambda: outline.add_lesson(
            db.session,
            course,
            item,
            slug=request.form.get("slug", ""),
            title=request.form.get("title", ""),
            titles=_other_titles(course),
            kind=request.form.get("kind", "theory"),
            user=current_user,
            now=utcnow(),
        )
    )
    if not added:
        return _back(course, f"add-lesson-{item.id}")
    return redirect(
        url_for(
            "studio_editor.edit_lesson", slug=course.slug, module=item.slug, lesson=lesson.slug
        ),
        code=303,
    )


@bp.post("/<slug>/modules/<module>/lessons/<lesson>/<action>")
def lesson_action(slug: str, module: str, lesson: str, action: str):
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    return _outline_action(course, parent.lessons, lesson_or_404(parent, lesson), action)


def _outline_action(course, siblings, item, action: str):
    now = utcnow()
    changes = {
        "up": lambda: outline.move(course, siblings, item, -1, now),
        "down": lambda: outline.move(course, siblings, item, +1, now),
        "archive": lambda: outline.archive(course, item, now),
        "restore": lambda: outline.restore(course, siblings, item, now),
        "rename": lambda: outline.rename(
            course, item, request.form.get("lang", ""), request.form.get("title", ""), now
        ),
    }
    if isinstance(item, Lesson):
        changes["move"] = lambda: outline.move_to_module(
            course, item, request.form.get("module", ""), now
        )
    if action not in changes:
        abort(404)
    moved = _("Lesson moved. Trainees see it in its new module once the course is published again.")
    attempt(changes[action], moved if action == "move" else None)
    # back to the control just used, wherever the item now is: keyboard users go on from it
    kind = "lesson" if isinstance(item, Lesson) else "module"
    anchor = f"{kind}-{item.id}" + (f"-{action}" if action in ("up", "down") else "")
    return _back(course, anchor)


@bp.post("/<slug>/submit")
def submit(slug: str):
    course = course_or_404(slug)
    attempt(
        lambda: services.submit_for_review(db.session, course, current_user, utcnow()),
        _("Sent for review. An administrator will publish it or send it back."),
    )
    return _back(course)


@bp.get("/<slug>/export")
def export(slug: str):
    course = course_or_404(slug)
    return send_file(
        course_zip_file(db.session, course, get_storage()),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{course.slug}.zip",
    )


# -- review (administrators; the queue also for the networks' reviewers) ------------------


@bp.get("/review")
@login_required
def review_queue():
    """The courses in review the signed-in person reviews, with their sign-offs so far."""
    if not (current_user.is_admin or reviews.reviews_anything(db.session, current_user)):
        abort(403)
    courses = db.session.scalars(
        select(Course)
        .where(Course.status == CourseStatus.IN_REVIEW, policy.reviewed_by(current_user))
        .order_by(Course.updated_at)
    ).all()
    return render_template(
        "authoring/review.html",
        courses=courses,
        status=reviews.queue_status(db.session, courses),
    )


def _after_review(course: Course):
    """Back where the reviewer came from: the review page when its forms say so."""
    if request.form.get("back") == "review":
        return redirect(url_for("studio_review.review", slug=course.slug), code=303)
    return _back(course)


@bp.post("/<slug>/publish")
@roles_required(Role.ADMIN)
def publish(slug: str):
    course = course_or_404(slug)
    attempt(
        lambda: services.publish(
            db.session,
            course,
            current_user,
            utcnow(),
            revision_seen=request.form.get("revision", ""),  # the page the admin reviewed
        ),
        _("Published: trainees now see this version."),
    )
    return _after_review(course)


@bp.post("/<slug>/return")
@roles_required(Role.ADMIN)
def send_back(slug: str):
    course = course_or_404(slug)
    attempt(
        lambda: services.return_to_author(
            db.session, course, current_user, utcnow(), request.form.get("comment", "")
        ),
        _("Sent back to the authors with your comment."),
    )
    return _after_review(course)
