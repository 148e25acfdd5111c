"""Administration pages: accounts, centres and networks (admins only)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms.fields.choices import SelectChoice

from elearn.accounts import services
from elearn.accounts.forms import CentreForm, NetworkForm, ReviewerForm, UserForm
from elearn.accounts.models import Centre, Network, Role, User, UserRole
from elearn.accounts.permissions import roles_required
from elearn.accounts.views import start_session
from elearn.accounts.welcome import send_links
from elearn.core import edge
from elearn.core.clock import now
from elearn.core.db import utcnow
from elearn.core.pagination import paginate
from elearn.core.text import clean_text
from elearn.extensions import db
from elearn.i18n.locale import current_language
from elearn.jobs.queue import get_queue

bp = Blueprint("admin", __name__, url_prefix="/admin", template_folder="templates")


@bp.before_request
@roles_required(Role.ADMIN)
def _admins_only():
    return None


def _fill_choices(form: UserForm) -> None:
    networks = db.session.scalars(select(Network).order_by(Network.code)).all()
    centres = db.session.scalars(select(Centre).order_by(Centre.code)).all()
    form.network.choices = [SelectChoice("", "—")] + [
        SelectChoice(n.code, n.code) for n in networks
    ]
    form.centre.choices = [SelectChoice("", "—")] + [
        # the name in the interface language, the (Latin) code isolated inside it
        SelectChoice(c.code, f"{c.name_in(current_language())} (\u2068{c.code}\u2069)")
        for c in centres
    ]


def _page_arg() -> int:
    return request.args.get("page", 1, type=int) or 1


@bp.get("/users")
def users():
    q = clean_text(request.args.get("q", ""))[:100]
    role = request.args.get("role", "")
    stmt = select(User).order_by(User.name, User.id)
    if q:
        like = f"%{q.lower()}%"
        stmt = stmt.where(or_(User.email.like(like), User.name.ilike(f"%{q}%")))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    page = paginate(db.session, stmt, _page_arg(), 50, clamp=True)
    return render_template("accounts/admin/users.html", page=page, q=q, role=role)


@bp.route("/users/new", methods=["GET", "POST"])
def new_user():
    """Open an account; the person chooses their password from a set-up link e-mailed to
    them (the admin never types nor learns it)."""
    form = UserForm()
    del form.password
    _fill_choices(form)
    if form.validate_on_submit():

        def save():
            return services.create_user(
                db.session,
                email=form.email.data,
                name=form.name.data,
                roles=form.roles.data,
                network=services.network_by_code(db.session, form.network.data),
                centre=services.centre_by_code(db.session, form.centre.data),
                locale=form.locale.data,
            )

        saved, user = edge.attempt(save, form=form)
        if saved:
            _send_link(user)
            flash(
                _(
                    "Account %(email)s created: an e-mail with a link to choose a password "
                    "is on its way.",
                    email=user.email,
                ),
                "success",
            )
            return redirect(url_for(".users"), code=303)
    return render_template("accounts/admin/user_form.html", form=form, user=None)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def edit_user(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = UserForm(
        data={
            "name": user.name,
            "locale": user.locale,
            "active": user.active,
            "roles": sorted(user.roles),
            "network": user.network.code if user.network else "",
            "centre": user.centre.code if user.centre else "",
        },
    )
    _fill_choices(form)
    del form.email
    if form.validate_on_submit():

        def save():
            services.update_user(
                db.session,
                user,
                actor=current_user,
                name=form.name.data,
                roles=form.roles.data,
                network=services.network_by_code(db.session, form.network.data),
                centre=services.centre_by_code(db.session, form.centre.data),
                locale=form.locale.data,
                active=form.active.data,
            )
            if form.password.data:
                services.set_password(db.session, user, form.password.data, now=utcnow())
                if user.id == current_user.id:
                    start_session(user)  # an admin changing their own password stays in

        saved, _value = edge.attempt(save, form=form)
        if saved:
            flash(_("Account %(email)s saved.", email=user.email), "success")
            return redirect(url_for(".users"), code=303)
    return render_template("accounts/admin/user_form.html", form=form, user=user)


def _send_link(user: User) -> None:
    send_links(db.session, get_queue(), [user], now=now(), owner_id=current_user.id, by_admin=True)


@bp.post("/users/<int:user_id>/link")
def send_link(user_id: int):
    """Send the set-up link again to an account that never chose its password (a lost or
    expired e-mail); the earlier link stops working."""
    user = db.session.get(User, user_id) or abort(404)
    if user.password_hash or not user.active:
        flash(_("This account already has a password, or is deactivated: no link sent."), "error")
    else:
        _send_link(user)
        flash(_("A new link is on its way to %(email)s.", email=user.email), "success")
    return redirect(url_for(".edit_user", user_id=user.id), code=303)


@bp.get("/centres")
def centres():
    rows = db.session.scalars(select(Centre).order_by(Centre.code)).all()
    return render_template("accounts/admin/centres.html", centres=rows)


@bp.route("/centres/new", methods=["GET", "POST"], defaults={"centre_id": None})
@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
def edit_centre(centre_id: int | None):
    centre = (db.session.get(Centre, centre_id) or abort(404)) if centre_id else None
    form = CentreForm(obj=centre)
    if form.validate_on_submit():

        def save():
            services.save_centre(
                db.session,
                centre,
                code=form.code.data,
                name=form.name.data,
                name_ar=form.name_ar.data or "",
                city=form.city.data,
            )

        saved, _value = edge.attempt(save, form=form)
        if saved:
            flash(_("Centre saved."), "success")
            return redirect(url_for(".centres"), code=303)
    return render_template("accounts/admin/centre_form.html", form=form, centre=centre)


@bp.get("/networks")
def networks():
    rows = db.session.scalars(select(Network).order_by(Network.code)).all()
    return render_template("accounts/admin/networks.html", networks=rows)


@bp.route("/networks/new", methods=["GET", "POST"], defaults={"network_id": None})
@bp.route("/networks/<int:network_id>", methods=["GET", "POST"])
def edit_network(network_id: int | None):
    network = (db.session.get(Network, network_id) or abort(404)) if network_id else None
    data = None
    if network is not None and request.method == "GET":
        data = {
            "name_fr": network.name.get("fr"),
            "name_ar": network.name.get("ar"),
            "domains": network.domains,
            "country": network.country or "",
            "required_signoffs": network.required_signoffs,
        }
    form = NetworkForm(obj=network, data=data)
    if form.validate_on_submit():

        def save():
            row = services.save_network(
                db.session,
                network,
                code=form.code.data,
                name={"fr": form.name_fr.data, "ar": form.name_ar.data},
                country=form.country.data,
                domains=form.domains.data,
            )
            services.require_signoffs(row, form.required_signoffs.data or [])

        saved, _value = edge.attempt(save, form=form)
        if saved:
            flash(_("Network saved."), "success")
            return redirect(url_for(".networks"), code=303)
    return render_template(
        "accounts/admin/network_form.html",
        form=form,
        network=network,
        reviewer_form=ReviewerForm(formdata=None),
    )


@bp.post("/networks/<int:network_id>/reviewers")
def add_reviewer(network_id: int):
    network = db.session.get(Network, network_id) or abort(404)
    form = ReviewerForm()
    if not form.validate():
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    else:
        edge.attempt(
            lambda: services.add_reviewer(db.session, network, form.email.data, form.role.data),
            _("Reviewer added."),
        )
    return redirect(url_for(".edit_network", network_id=network.id, _anchor="reviewers"), 303)


@bp.post("/networks/<int:network_id>/reviewers/<int:reviewer_id>/remove")
def remove_reviewer(network_id: int, reviewer_id: int):
    network = db.session.get(Network, network_id) or abort(404)
    edge.attempt(
        lambda: services.remove_reviewer(db.session, network, reviewer_id), _("Reviewer removed.")
    )
    return redirect(url_for(".edit_network", network_id=network.id, _anchor="reviewers"), 303)
