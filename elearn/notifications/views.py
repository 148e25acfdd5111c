"""The bell's list, marking read, and how each person wants to be told."""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from elearn.core import clock, edge
from elearn.extensions import db
from elearn.notifications import kinds, services
from elearn.notifications.forms import SettingsForm

bp = Blueprint("notifications", __name__, template_folder="templates")

PER_PAGE = 20


def _safe_path(path: str) -> str:
    """Only a path on this platform: a stored ``url`` never sends anyone elsewhere."""
    if not path.startswith("/") or path.startswith("//") or "\\" in path:
        return url_for(".index")
    return request.script_root + path


@bp.get("/notifications")
@login_required
def index():
    unread_only = request.args.get("show") == "unread"
    page, unread = services.listing(
        db.session,
        current_user,
        unread_only=unread_only,
        page=request.args.get("page", 1, type=int) or 1,
        per_page=PER_PAGE,
        clamp=True,
    )
    entries = [(n, *kinds.write(n.kind, n.params)) for n in page.items]
    return render_template(
        "notifications/index.html",
        page=page,
        entries=entries,
        unread=unread,
        unread_only=unread_only,
    )


@bp.post("/notifications/read")
@login_required
def read():
    """Mark all read (``all``) or the ticked ones (``ids``)."""
    # ASCII digits only ("²".isdigit() is true, int() of it is not), short enough for an id
    ids = [int(v) for v in request.form.getlist("ids") if v.isascii() and v.isdigit()]
    ids = [i for i in ids if i < 2**31][:500]
    services.mark_read(
        db.session, current_user, ids=ids, everything=bool(request.form.get("all")), now=clock.now()
    )
    return redirect(url_for(".index", show=request.form.get("show") or None), code=303)


@bp.post("/notifications/<int:notification_id>")
@login_required
def open_(notification_id: int):
    """Follow a notification: it is read, and the reader is where it leads. A form's
    button, not a link: no GET changes anything (a prefetching browser or a mail scanner
    would read everything for the reader)."""
    found = services.open_one(db.session, current_user, notification_id, now=clock.now())
    if found is None:
        abort(404)
    return redirect(_safe_path(found.url), code=303)


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
def settings():
    mine = services.settings_of(db.session, current_user.id)
    form = SettingsForm(obj=mine)
    if form.validate_on_submit():
        saved, _value = edge.attempt(
            lambda: services.save_settings(
                db.session, current_user, email=form.email.data, reminders=form.reminders.data
            ),
            _("Your notification settings are saved."),
            form=form,
        )
        if saved:
            return redirect(url_for(".settings"), code=303)
    return render_template("notifications/settings.html", form=form)
