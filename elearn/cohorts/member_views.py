"""Cohort membership pages: upload the secretariat's CSV, preview it, apply it; resend a
password link; and, one trainee at a time, the trainer's actions (``cohorts.actions``):
add one, grant an extra attempt, reopen a failed module, send a message, remove.

The preview carries the file's text in the confirmation form, so applying needs no
server-side state and re-applying is harmless; the one-trainee forms carry a one-time
token, so a double click acts once."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from elearn.accounts.models import User
from elearn.accounts.welcome import send_links
from elearn.cohorts import actions, members
from elearn.cohorts import services as cohort_services
from elearn.cohorts.csvimport import CsvFileError, parse_members
from elearn.cohorts.forms import (
    AddTraineeForm,
    MembersUploadForm,
    MessageForm,
    QuizActionForm,
    RemoveForm,
)
from elearn.cohorts.models import Cohort, CohortMember
from elearn.cohorts.views import _staff_only, cohort_or_404, trainee_page
from elearn.core.clock import now
from elearn.core.edge import attempt
from elearn.extensions import db
from elearn.jobs.queue import get_queue

bp = Blueprint("cohort_members", __name__, template_folder="templates")
bp.before_request(_staff_only)
MAX_CSV_BYTES = 2 * 1024 * 1024


def _page(cohort: Cohort, form=None, preview=None, text="", add_form=None):
    people = db.session.execute(
        db.select(User, CohortMember.added_at)
        .join(CohortMember, CohortMember.user_id == User.id)
        .where(CohortMember.cohort_id == cohort.id)
        .order_by(User.name, User.id)
    ).all()
    return render_template(
        "cohorts/members.html",
        cohort=cohort,
        people=people,
        form=form or MembersUploadForm(),
        add_form=(add_form or AddTraineeForm(prefix="add", formdata=None)).fresh(),
        preview=preview,
        text=text,
    )


@bp.get("/cohorts/<int:cohort_id>/members")
def members_page(cohort_id: int):
    return _page(cohort_or_404(cohort_id))


def _read_upload(form: MembersUploadForm) -> bytes | None:
    upload = form.file.data
    if upload is None or not getattr(upload, "filename", ""):
        flash(_("Choose the CSV file to upload."), "error")
        return None
    data = upload.read(MAX_CSV_BYTES + 1)
    if len(data) > MAX_CSV_BYTES:
        flash(_("This file is larger than 2 MB: split the list."), "error")
        return None
    return data


@bp.post("/cohorts/<int:cohort_id>/members/preview")
def preview(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    form = MembersUploadForm()
    if not form.validate_on_submit():
        abort(400)
    data = _read_upload(form)
    if data is None:
        return _page(cohort, form), 422
    try:
        parsed = parse_members(data)
    except CsvFileError as exc:
        flash(str(exc.message), "error")
        return _page(cohort, form), 422
    outcomes = members.plan(db.session, current_user, cohort, parsed)
    return _page(cohort, form, outcomes, data.decode("utf-8-sig"))


@bp.post("/cohorts/<int:cohort_id>/members")
def apply(cohort_id: int):
    cohort = cohort_or_404(cohort_id)
    text = request.form.get("csv", "")
    try:
        parsed = parse_members(text.encode("utf-8"))
    except CsvFileError as exc:
        flash(str(exc.message), "error")
        return redirect(url_for(".members_page", cohort_id=cohort.id), code=303)
    ok, report = attempt(
        lambda: members.apply(
            db.session,
            current_user,
            cohort,
            parsed,
            now=now(),
        )
    )
    if ok:
        send_links(
            db.session, get_queue(), report.new_accounts, now=now(), owner_id=current_user.id
        )
        say_what_happened(report)
    return redirect(url_for(".members_page", cohort_id=cohort.id), code=303)


def say_what_happened(report: members.Report) -> None:
    flash(
        ngettext("%(num)s trainee added.", "%(num)s trainees added.", len(report.added)), "success"
    )
    if report.already_members:
        flash(
            ngettext(
                "%(num)s was already a member.",
                "%(num)s were already members.",
                len(report.already_members),
            ),
            "info",
        )
    if report.errors:
        flash(
            ngettext(
                "%(num)s row was not imported: see the preview.",
                "%(num)s rows were not imported: see the preview.",
                len(report.errors),
            ),
            "error",
        )
    if report.new_accounts:
        flash(
            ngettext(
                "%(num)s e-mail with a link to choose a password is on its way.",
                "%(num)s e-mails with a link to choose a password are on their way.",
                len(report.new_accounts),
            ),
            "info",
        )


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>/link")
def resend(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    person = next(
        (u for u in members.without_password(db.session, cohort) if u.id == user_id), None
    )
    if person is None:
        abort(404)
    send_links(db.session, get_queue(), [person], now=now(), owner_id=current_user.id)
    flash(_("A new link is on its way to %(email)s.", email=person.email), "success")
    return redirect(url_for(".members_page", cohort_id=cohort.id), code=303)


# -- one trainee at a time -------------------------------------------------------------------


def _member_or_404(cohort: Cohort, user_id: int) -> User:
    if user_id not in cohort_services.member_ids(db.session, cohort):
        abort(404)
    return db.session.get(User, user_id)


def _back(cohort: Cohort, person: User, anchor: str = "actions"):
    target = url_for("cohorts.trainee", cohort_id=cohort.id, user_id=person.id)
    return redirect(f"{target}#{anchor}", code=303)


def _said(done: actions.Done, success: str) -> None:
    if done.replayed:
        flash(_("This was already done: it was not done twice."), "info")
    else:
        flash(success, "success")


def _quiz_action(cohort_id: int, user_id: int, prefix: str, service, success):
    cohort = cohort_or_404(cohort_id)
    person = _member_or_404(cohort, user_id)
    form = QuizActionForm(prefix=prefix)
    if not form.validate_on_submit():
        return trainee_page(cohort, person, status=422, **{prefix: form})
    course, _slash, module = (form.module.data or "").partition("/")
    ok, done = attempt(
        lambda: service(
            db.session,
            current_user,
            cohort,
            person.id,
            module=module,
            course=course or None,
            reason=form.reason.data,
            token=form.token.data,
            now=now(),
        ),
        form=form,
    )
    if not ok:
        return trainee_page(cohort, person, status=422, **{prefix: form})
    _said(done, success(done))
    return _back(cohort, person)


def _left(done: actions.Done) -> str:
    return ngettext(
        "%(num)s attempt left now.", "%(num)s attempts left now.", done.attempts_left or 0
    )


@bp.post("/cohorts/<int:cohort_id>/trainees/<int:user_id>/extra-attempt")
def extra_attempt(cohort_id: int, user_id: int):
    return _quiz_action(
        cohort_id,
        user_id,
        "extra",
        actions.grant_extra_attempt,
        lambda done: _("One more attempt granted.") + " " + _left(done),
    )


@bp.post("/cohorts/<int:cohort_id>/trainees/<int:user_id>/reopen")
def reopen(cohort_id: int, user_id: int):
    return _quiz_action(
        cohort_id,
        user_id,
        "reopen",
        actions.reopen_module,
        lambda done: _("The module is reopened.") + " " + _left(done),
    )


@bp.post("/cohorts/<int:cohort_id>/trainees/<int:user_id>/message")
def message(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    person = _member_or_404(cohort, user_id)
    form = MessageForm(prefix="message")
    if not form.validate_on_submit():
        return trainee_page(cohort, person, status=422, message=form)
    ok, done = attempt(
        lambda: actions.send_message(
            db.session,
            get_queue(),
            current_user,
            cohort,
            person.id,
            text=form.text.data,
            reason=form.reason.data,
            token=form.token.data,
            now=now(),
        ),
        form=form,
    )
    if not ok:
        return trainee_page(cohort, person, status=422, message=form)
    _said(done, _("Message sent: %(name)s is notified and e-mailed.", name=person.name))
    return _back(cohort, person)


@bp.route("/cohorts/<int:cohort_id>/members/<int:user_id>/remove", methods=["GET", "POST"])
def remove(cohort_id: int, user_id: int):
    """Ask first (the page says what stays), then remove with the reason given."""
    cohort = cohort_or_404(cohort_id)
    form = RemoveForm()
    if form.validate_on_submit():
        ok, done = attempt(
            lambda: actions.remove_trainee(
                db.session,
                current_user,
                cohort,
                user_id,
                reason=form.reason.data,
                token=form.token.data,
                now=now(),
            ),
            form=form,
        )
        if ok:
            _said(done, _("The trainee left the cohort; their progress is kept."))
            return redirect(url_for(".members_page", cohort_id=cohort.id), code=303)
    person = _member_or_404(cohort, user_id)
    status = 422 if request.method == "POST" else 200
    return render_template(
        "cohorts/remove.html", cohort=cohort, person=person, form=form.fresh()
    ), status


@bp.post("/cohorts/<int:cohort_id>/members/add")
def add_one(cohort_id: int):
    """One trainee without a CSV: the same rules, account and welcome e-mail as a row."""
    cohort = cohort_or_404(cohort_id)
    form = AddTraineeForm(prefix="add")
    if not form.validate_on_submit():
        return _page(cohort, add_form=form), 422
    ok, done = attempt(
        lambda: actions.add_trainee(
            db.session,
            get_queue(),
            current_user,
            cohort,
            email=form.email.data,
            name=form.name.data,
            locale=form.locale.data,
            token=form.token.data,
            now=now(),
        ),
        form=form,
    )
    if not ok:
        return _page(cohort, add_form=form), 422
    if done.created_account:
        success = _("Trainee added; an e-mail with a link to choose a password is on its way.")
    else:
        success = _("Trainee added.")
    _said(done, success)
    return redirect(url_for(".members_page", cohort_id=cohort.id), code=303)
