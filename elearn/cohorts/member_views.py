"""Cohort membership pages: upload the secretariat's CSV, preview it, apply it; resend a
password link; remove a member. The preview carries the file's text in the confirmation
form, so applying needs no server-side state and re-applying is harmless."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from elearn.accounts.models import User
from elearn.accounts.welcome import send_links
from elearn.cohorts import members
from elearn.cohorts.csvimport import CsvFileError, parse_members
from elearn.cohorts.forms import MembersUploadForm
from elearn.cohorts.models import Cohort, CohortMember
from elearn.cohorts.views import _staff_only, cohort_or_404
from elearn.core.clock import now
from elearn.core.edge import attempt
from elearn.extensions import db
from elearn.jobs.queue import get_queue

bp = Blueprint("cohort_members", __name__, template_folder="templates")
bp.before_request(_staff_only)
MAX_CSV_BYTES = 2 * 1024 * 1024


def _page(cohort: Cohort, form=None, preview=None, text=""):
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


@bp.post("/cohorts/<int:cohort_id>/members/<int:user_id>/remove")
def remove(cohort_id: int, user_id: int):
    cohort = cohort_or_404(cohort_id)
    ok, removed = attempt(lambda: members.remove_member(db.session, cohort, user_id))
    if ok and not removed:
        abort(404)
    flash(_("The trainee left the cohort; their progress is kept."), "success")
    return redirect(url_for(".members_page", cohort_id=cohort.id), code=303)
