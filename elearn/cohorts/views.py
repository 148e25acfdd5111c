"""Cohort pages for trainers and admins: list, create, edit, dashboard, trainee, items.

A cohort the reader may not manage is a 404, exactly like one that does not exist.
"""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from elearn.accounts.models import Centre, Role, User, UserRole
from elearn.accounts.permissions import roles_required
from elearn.authoring.models import Course
from elearn.cohorts import actions, charts, dashboard, insight, policy, tasks
from elearn.cohorts import services as cohorts
from elearn.cohorts.forms import CohortForm, MessageForm, QuizActionForm
from elearn.cohorts.models import Cohort
from elearn.cohorts.sheets import KINDS, chosen_course, courses_of, export_response, pick_course
from elearn.core.clock import now
from elearn.core.edge import attempt
from elearn.core.pagination import page_of
from elearn.extensions import db
from elearn.i18n.formatting import format_number, translated
from elearn.i18n.locale import current_language
from elearn.jobs.queue import get_queue
from elearn.media.storage import get_storage

bp = Blueprint("cohorts", __name__, template_folder="templates")

#: Rows of the grid per page: a 1,000-trainee cohort stays light on a trainer's phone.
GRID_PAGE = 50
#: Names listed under "needs attention"; the rest are a click away in the filtered grid.
ATTENTION_SHOWN = 10


@bp.before_request
@roles_required(Role.TRAINER, Role.ADMIN, refused=404)
def _staff_only():
    return None


def cohort_or_404(cohort_id: int) -> Cohort:
    return policy.cohort_or_404(db.session, current_user, cohort_id)


@bp.get("/cohorts")
def index():
    archived = request.args.get("archived") == "1"
    rows = db.session.scalars(cohorts.visible_query(current_user, archived=archived)).all()
    return render_template("cohorts/index.html", cohorts=rows, archived=archived)


def _fill(form: CohortForm) -> None:
    lang = current_language()  # the form speaks the interface's language, like its labels
    centres = db.session.scalars(select(Centre).order_by(Centre.name))
    if not current_user.is_admin:
        centres = [c for c in centres if c.id == current_user.centre_id]
    form.centre.choices = [
        SelectChoice(str(c.id), _isolated(f"{c.name_in(lang)} ({c.city})")) for c in centres
    ]
    live = db.session.scalars(select(Course).where(Course.is_live).order_by(Course.slug))
    form.courses.choices = [
        SelectChoice(str(c.id), translated(c.published["title"], lang, c.source_language))
        for c in live
    ]
    trainers = db.session.scalars(
        select(User)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == Role.TRAINER, User.active.is_(True))
        .order_by(User.name)
    )
    if not current_user.is_admin:
        trainers = [t for t in trainers if t.centre_id == current_user.centre_id]
    form.trainers.choices = [
        SelectChoice(str(t.id), _isolated(f"{t.name} ({t.email})")) for t in trainers
    ]


def _isolated(label: str) -> str:
    """A Latin label inside an Arabic page keeps its own order (brackets and e-mails came
    out reversed): first-strong isolate … pop directional isolate, what <bdi> does."""
    return f"\u2068{label}\u2069"


def _fields(form: CohortForm) -> cohorts.CohortFields:
    def ids(values):
        return [int(v) for v in values or [] if str(v).isdigit()]

    courses = db.session.scalars(select(Course).where(Course.id.in_(ids(form.courses.data))))
    trainers = db.session.scalars(select(User).where(User.id.in_(ids(form.trainers.data))))
    raw = form.centre.data or ""
    centre = db.session.get(Centre, int(raw)) if raw.isdigit() else None
    return cohorts.CohortFields(
        name=form.name.data or "",
        centre=centre,
        starts_on=form.starts_on.data,
        ends_on=form.ends_on.data,
        courses=list(courses),
        trainers=list(trainers),
    )


@bp.route("/cohorts/new", methods=["GET", "POST"])
def new():
    form = CohortForm()
    _fill(form)
    if request.method == "GET" and not current_user.is_admin:
        form.centre.data = str(current_user.centre_id)
    if form.validate_on_submit():
        ok, cohort = attempt(
            lambda: cohorts.create_cohort(db.session, current_user, _fields(form), now=now()),
            _("Cohort created. Now add its trainees."),
        )
        if ok:
            return redirect(url_for("cohort_members.members_page", cohort_id=cohort.id), code=303)
    return render_template("cohorts/form.html", form=form, cohort=None)


@bp.route("/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
def edit(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    form = CohortForm(obj=None if request.method == "POST" else cohort)
    _fill(form)
    if request.method == "GET":
        form.centre.data = str(cohort.centre_id)
        form.courses.data = [str(i) for i in cohort.course_ids]
        form.trainers.data = [str(i) for i in cohort.trainer_ids]
    if form.validate_on_submit():
        ok, _value = attempt(
            lambda: cohorts.update_cohort(
                db.session, current_user, cohort, _fields(form), now=now()
            ),
            _("Cohort saved."),
        )
        if ok:
            return redirect(url_for(".show", cohort_id=cohort.id), code=303)
    return render_template("cohorts/form.html", form=form, cohort=cohort)


@bp.post("/cohorts/<int:cohort_id>/archive")
def archive(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    archived = request.form.get("archived") == "1"
    attempt(
        lambda: cohorts.set_archived(db.session, cohort, archived, now=now()),
        _("Cohort archived.") if archived else _("Cohort restored."),
    )
    return redirect(url_for(".show", cohort_id=cohort.id), code=303)


@bp.get("/cohorts/<int:cohort_id>")
def show(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    courses, course = chosen_course(cohort)
    context = {"cohort": cohort, "courses": courses, "course": course}
    if course is None:
        return render_template("cohorts/show.html", **context)
    modules, rows = dashboard.grid(db.session, cohort, course, now=now())
    view = {
        "sort": request.args.get("sort", "name")[:8],
        "dir": "desc" if request.args.get("dir") == "desc" else "asc",
        "show": "attention" if request.args.get("show") == "attention" else "",
        "q": request.args.get("q", "")[:100].strip(),
    }
    shown = dashboard.filter_rows(rows, attention=bool(view["show"]), query=view["q"])
    shown = dashboard.sort_rows(shown, view["sort"], descending=view["dir"] == "desc")
    attention = sorted((r for r in rows if r.flags), key=lambda r: -len(r.flags))
    return render_template(
        "cohorts/show.html",
        modules=modules,
        page=page_of(shown, request.args.get("page", 1, type=int), GRID_PAGE),
        view=view,
        summary=dashboard.summary(rows),
        attention=attention[:ATTENTION_SHOWN],
        attention_total=len(attention),
        histogram=_histogram(rows),
        timeline=_timeline(cohort, course),
        export_as_job=len(rows) > current_app.config["EXPORT_INLINE_LIMIT"],
        **context,
    )


def _histogram(rows):
    return charts.histogram_svg(
        [r.percent for r in rows],
        chart_id="progress-distribution",
        title=_("Progress distribution"),
        desc=_("Number of trainees by course progress, in steps of ten percent."),
        count_label=format_number,
    )


def _timeline(cohort, course):
    total, points = 0, []
    for day, count in dashboard.completions_per_day(db.session, cohort, course):
        total += count
        points.append((day, total))
    return charts.timeline_svg(
        points,
        chart_id="completions-over-time",
        title=_("Lessons completed over time"),
        desc=_("Cumulative number of lessons completed by the cohort, day by day."),
        count_label=format_number,
    )


@bp.get("/cohorts/<int:cohort_id>/trainees/<int:user_id>")
def trainee(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    if user_id not in cohorts.member_ids(db.session, cohort):
        abort(404)
    return trainee_page(cohort, db.session.get(User, user_id))


def trainee_page(cohort: Cohort, person: User, *, status: int = 200, **forms):
    """The trainee's page: competencies, the trainer's actions, and one timeline of
    lessons, attempts and actions. ``forms``: those sent back with their errors."""
    courses = courses_of(cohort)
    budgets = actions.budgets(db.session, cohort, person.id)
    extra = forms.get("extra") or QuizActionForm(prefix="extra", formdata=None)
    reopen = forms.get("reopen") or QuizActionForm(prefix="reopen", formdata=None)
    message = forms.get("message") or MessageForm(prefix="message", formdata=None)
    wanted = request.args.get("module", "")
    lang = current_language()
    several = len(courses) > 1
    extra.module.choices = [SelectChoice(b.value, _budget_label(b, lang, several)) for b in budgets]
    reopen.module.choices = [
        SelectChoice(b.value, _budget_label(b, lang, several)) for b in budgets if b.failed
    ]
    for form in (extra, reopen):
        if not form.module.data and wanted:
            form.module.data = wanted
    events = insight.timeline(db.session, person.id, [c.id for c in courses])
    events += actions.history(db.session, cohort, person.id)
    events.sort(key=lambda e: e["at"], reverse=True)
    page = render_template(
        "cohorts/trainee.html",
        cohort=cohort,
        person=person,
        courses={c.id: c for c in courses},
        events=events,
        budgets=budgets,
        extra_form=extra.fresh(),
        reopen_form=reopen.fresh(),
        message_form=message.fresh(),
        mastery=[(c, insight.mastery(db.session, person.id, c)) for c in courses],
    )
    return page, status


def _budget_label(budget: actions.Budget, lang: str, with_course: bool) -> str:
    """ "Module (2 attempts left)", the course first when the cohort follows several, in
    the interface's language."""
    source = budget.course.source_language
    module = translated(budget.module.title, lang, source)
    if with_course:
        course = translated(budget.course.published["title"], lang, source)
        module = _("%(course)s — %(module)s", course=course, module=module)
    if budget.passed:
        state = _("passed")
    elif budget.left is None:
        state = _("unlimited attempts")
    else:
        state = ngettext("%(num)s attempt left", "%(num)s attempts left", budget.left)
    return _("%(module)s (%(state)s)", module=module, state=state)


@bp.get("/cohorts/<int:cohort_id>/items")
def items(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    courses, course = chosen_course(cohort)
    quizzes = insight.items(db.session, course, cohort=cohort) if course else []
    return render_template(
        "cohorts/items.html", cohort=cohort, courses=courses, course=course, quizzes=quizzes
    )


@bp.get("/cohorts/<int:cohort_id>/progress.<any(csv, xlsx):kind>")
def export(cohort_id: int, kind: str):
    cohort = cohort_or_404(cohort_id)
    _courses, course = chosen_course(cohort)
    if course is None:
        abort(404)
    return export_response(cohort, course, kind)


@bp.post("/cohorts/<int:cohort_id>/exports")
def request_export(cohort_id: int):
    """A large cohort's sheet, written by a job: its page follows it to the download."""
    cohort = cohort_or_404(cohort_id)
    _courses, course = pick_course(cohort, request.form.get("course", ""))
    kind = request.form.get("kind", "")
    if course is None or kind not in KINDS:
        abort(404)
    queued, job = attempt(
        lambda: tasks.queue_export(
            db.session,
            get_queue(),
            actor=current_user,
            cohort=cohort,
            course=course,
            kind=kind,
            now=now(),
        )
    )
    if not queued:
        return redirect(url_for(".show", cohort_id=cohort.id, course=course.slug), code=303)
    return redirect(url_for("jobs.job", job_id=job.id), code=303)


@bp.get("/jobs/<int:job_id>/download")
def export_file(job_id: int):
    """A finished export job's file, for its owner (while they manage the cohort) and
    admins; anyone else gets a 404, like for a job that does not exist."""
    storage = get_storage()
    stored = tasks.downloadable(db.session, storage, job_id, current_user)
    if stored is None:
        abort(404)
    key, name, mimetype = stored
    # a short-lived address minted for this reader, as for course media: presigned by S3,
    # or signed by the app for local files; both answer as an attachment of the right type
    response = redirect(storage.url(key, content_type=mimetype, download_name=name), code=302)
    response.headers["Cache-Control"] = "private, no-store"
    return response
