"""Sign in, sign out, the account page: password, preferences and API tokens."""

from __future__ import annotations

import math

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import select

from elearn.accounts import email_change, links, services, throttle
from elearn.accounts import home as home_page
from elearn.accounts.forms import (
    ConfirmForm,
    EmailChangeForm,
    ForgotPasswordForm,
    LoginForm,
    PasswordForm,
    ProfileForm,
    SetupPasswordForm,
    TokenForm,
)
from elearn.accounts.models import AccessToken, Network, NetworkReviewer
from elearn.accounts.welcome import request_reset
from elearn.core import edge
from elearn.core.clock import now
from elearn.core.db import utcnow
from elearn.core.errors import error_page
from elearn.core.text import is_safe_next
from elearn.extensions import db, limiter
from elearn.i18n.locale import SESSION_KEY
from elearn.jobs.queue import get_queue

bp = Blueprint("accounts", __name__, template_folder="templates")


@bp.get("/")
def home():
    """The programme's front page: who you are, where to go (for a trainee, the learning
    panel first: continue, courses in progress…), the networks taking part."""
    networks = db.session.scalars(select(Network).order_by(Network.code)).all()
    # reviewers of any role find their queue here (trainers have no Studio in the menu)
    reviewer = current_user.is_authenticated and (
        current_user.is_admin
        or db.session.scalar(
            select(NetworkReviewer.id).where(NetworkReviewer.user_id == current_user.id).limit(1)
        )
        is not None
    )
    return render_template(
        "accounts/home.html",
        networks=networks,
        reviewer=reviewer,
        panels=home_page.panels(db.session, current_user, now=now()),
    )


def login_limits(view):
    """A generous ceiling per IP (Flask-Limiter), since a whole centre signs in from one
    address. The budget per account is check_credentials'."""
    return limiter.limit(
        lambda: current_app.config["LOGIN_LIMIT_PER_IP"],
        key_func=get_remote_address,
        methods=["POST"],
        scope="login-ip",
    )(view)


class TooManyFailuresError(Exception):
    """The account's budget of failed sign-ins is spent for ``seconds`` more."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds

    def message(self):
        minutes = max(1, math.ceil(self.seconds / 60))
        return ngettext(
            "Too many failed sign-ins for this account: try again in %(num)s minute.",
            "Too many failed sign-ins for this account: try again in %(num)s minutes.",
            minutes,
        )


def check_credentials(email: str, password: str):
    """The one way in with a password, for the sign-in page and the token API alike.

    A try is taken from the account's budget and committed before the password is
    checked, so every worker and instance sees it at once (accounts/throttle.py); a right
    password gives it back. Returns the user or None; raises TooManyFailuresError.
    """
    config = current_app.config
    limited = config["RATELIMIT_ENABLED"]
    if limited:
        budget = throttle.parse_budget(config["LOGIN_LIMIT_PER_ACCOUNT"])
        wait = throttle.take(db.session, email, now=now(), budget=budget)
        edge.commit_now()  # the try counts whatever the answer is, 429 and 401 included
        if wait is not None:
            raise TooManyFailuresError(wait)
    user = services.authenticate(db.session, email, password, now=utcnow())
    if user is not None and limited:
        throttle.give_back(db.session, email, now=now())
    return user


def start_session(user) -> None:
    """Forget everything the anonymous session held but its language, then sign in."""
    user = getattr(user, "_get_current_object", lambda: user)()  # never store the proxy
    lang = session.get(SESSION_KEY)
    session.clear()
    if lang:
        session[SESSION_KEY] = lang
    login_user(user)
    session.permanent = True


def _next_url(default: str = "accounts.home") -> str:
    target = request.values.get("next")
    return target if is_safe_next(target) else url_for(default)


@bp.route("/login", methods=["GET", "POST"])
@login_limits
def login():
    if current_user.is_authenticated:
        return redirect(_next_url())
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        try:
            user = check_credentials(form.email.data, form.password.data)
        except TooManyFailuresError as exc:
            flash(exc.message(), "error")
            page = render_template("accounts/login.html", form=form)
            return page, 429, {"Retry-After": str(exc.seconds)}
        if user is not None:
            start_session(user)
            return redirect(_next_url(), code=303)
        flash(_("The e-mail or the password is not correct."), "error")
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    services.end_sessions(db.session, current_user)
    lang = session.get(SESSION_KEY)
    logout_user()
    session.clear()
    if lang:
        session[SESSION_KEY] = lang
    flash(_("You are signed out."), "info")
    return redirect(_next_url(), code=303)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def account():
    form = ProfileForm(obj=current_user)
    if form.validate_on_submit():

        def save():
            current_user.name = services.check_name(form.name.data)
            current_user.locale = services.check_locale(form.locale.data)

        saved, _value = edge.attempt(save, _("Your account is saved."), form=form)
        if saved:
            session[SESSION_KEY] = current_user.locale
            return redirect(url_for(".account"), code=303)
    return _account_page(form)


def _account_page(
    form: ProfileForm, new_token: str | None = None, email_form: EmailChangeForm | None = None
):
    tokens = services.live_tokens(db.session, current_user, now=utcnow())
    return render_template(
        "accounts/account.html",
        form=form,
        tokens=tokens,
        token_form=TokenForm(formdata=None),
        new_token=new_token,
        email_form=email_form or EmailChangeForm(formdata=None),
        pending=email_change.pending_change(db.session, current_user, now=now()),
    )


def email_change_limits(view):
    """Every try, refused ones included, per account: a bound on guessing the password or
    probing which addresses have an account. The e-mails' own budget is the service's."""
    return limiter.limit(
        "10 per hour",
        key_func=lambda: f"user:{current_user.id}",
        methods=["POST"],
        scope="email-change",
    )(view)


@bp.post("/account/email")
@login_required
@email_change_limits
def change_email():
    """Ask for a new e-mail address: nothing changes until the new address confirms it."""
    form = EmailChangeForm()
    if form.validate_on_submit():
        asked, change = edge.attempt(
            lambda: email_change.request_change(
                db.session,
                get_queue(),
                current_user,
                form.email.data,
                form.password.data,
                now=now(),
            ),
            form=form,
        )
        if asked:
            flash(
                _(
                    "An e-mail with a link is on its way to %(email)s: your address changes "
                    "once you follow it (within 24 hours).",
                    email=change.new_email,
                ),
                "info",
            )
            return redirect(url_for(".account", _anchor="email"), code=303)
    return _account_page(ProfileForm(formdata=None, obj=current_user), email_form=form)


@bp.post("/account/email/cancel")
@login_required
def cancel_email_change():
    if email_change.cancel_change(db.session, current_user, now=now()):
        flash(_("The change of e-mail is cancelled: the link no longer works."), "success")
    return redirect(url_for(".account", _anchor="email"), code=303)


@bp.route("/email/confirm/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", scope="email-confirm")
def confirm_email(token: str):
    """The link e-mailed to the new address. GET only shows a button (mail scanners follow
    links); the POST moves the account. Whoever is signed in stays so."""
    change = email_change.valid_change(db.session, token, now=now())
    if change is None:
        return error_page(
            410,
            _(
                "This link has expired, was already used or was replaced by a newer one. "
                "Ask for the change again on your account page."
            ),
        )
    form = ConfirmForm()
    if form.validate_on_submit():
        user = email_change.confirm_change(db.session, change, now=now())  # 409 if taken
        flash(_("Your e-mail address is now %(email)s.", email=user.email), "success")
        if current_user.is_authenticated and current_user.id == user.id:
            return redirect(url_for(".account"), code=303)
        return redirect(url_for(".login"), code=303)
    return render_template("accounts/confirm_email.html", form=form, change=change)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordForm()
    if form.validate_on_submit():
        changed, _value = edge.attempt(
            lambda: services.change_own_password(
                db.session,
                current_user,
                form.current_password.data,
                form.new_password.data,
                now=utcnow(),
            ),
            # on the field to fix: the current password, or the new one (too common, …)
            form=form,
            field="new_password",
        )
        if changed:
            start_session(current_user)  # this browser stays signed in, all others are out
            flash(
                _("Your password is changed. Other sessions and tokens are signed out."), "success"
            )
            return redirect(url_for(".account"), code=303)
    return render_template("accounts/password.html", form=form)


@bp.post("/account/tokens")
@login_required
@limiter.limit("20 per hour", key_func=lambda: f"user:{current_user.id}", scope="token-create")
def create_token():
    form = TokenForm()
    if not form.validate_on_submit():
        flash(_("Give the token a name."), "error")
        return redirect(url_for(".account"), code=303)
    _token, plain = services.create_token(
        db.session,
        current_user,
        form.name.data,
        now=utcnow(),
        lifetime_days=current_app.config["TOKEN_LIFETIME_DAYS"],
    )
    # Shown in this response only: never stored, never put in a cookie or a URL.
    return _account_page(ProfileForm(formdata=None, obj=current_user), new_token=plain)


@bp.post("/account/tokens/<int:token_id>/revoke")
@login_required
def revoke_token(token_id: int):
    token = db.session.get(AccessToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    services.revoke_token(db.session, token, now=utcnow())
    flash(_("The token is revoked."), "success")
    return redirect(url_for(".account", _anchor="tokens"), code=303)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"], scope="password-forgot")
def forgot_password():
    """Ask for a link to choose a new password. The answer is the same whether or not the
    address has an account (nobody learns who is registered); each account gets at most a
    few e-mails an hour (``welcome.RESETS_PER_HOUR``)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_reset(db.session, get_queue(), form.email.data, now=now())
        flash(
            _(
                "If an account uses this address, an e-mail with a link to choose a new "
                "password is on its way. The link works for one hour."
            ),
            "info",
        )
        return redirect(url_for(".login"), code=303)
    return render_template("accounts/forgot_password.html", form=form)


@bp.route("/password/setup/<token>", methods=["GET", "POST"])
@limiter.limit("30 per hour", scope="password-setup")
def setup_password(token: str):
    """The link a trainee receives when a trainer adds them: choose a password, get in."""
    link = links.valid_link(db.session, token, now=utcnow())
    if link is None:
        return error_page(
            410,
            _(
                "This link has expired or was already used. Ask for a new one with "
                '"Forgot your password?" on the sign-in page, or ask your trainer.'
            ),
        )
    form = SetupPasswordForm()
    if form.validate_on_submit():
        used, user = edge.attempt(
            lambda: links.use_link(db.session, link, form.new_password.data, now=utcnow()),
            form=form,
            field="new_password",
        )
        if used:
            start_session(user)  # clears the anonymous session, so the welcome comes after
            flash(_("Welcome! Your password is set."), "success")
            return redirect(url_for("learning.my_learning"), code=303)
    return render_template("accounts/setup_password.html", form=form, user=link.user)
