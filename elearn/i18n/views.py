"""Choosing the language: a page with one button per language (works without JavaScript)."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, session, url_for
from flask_login import current_user

from elearn.core.text import is_safe_next
from elearn.i18n.forms import LanguageForm
from elearn.i18n.languages import INTERFACE_LANGUAGES
from elearn.i18n.locale import SESSION_KEY

bp = Blueprint("i18n", __name__, template_folder="templates")


@bp.route("/language", methods=["GET", "POST"])
def choose_language():
    form = LanguageForm()
    if form.validate_on_submit() and form.lang.data in INTERFACE_LANGUAGES:
        session[SESSION_KEY] = form.lang.data
        if current_user.is_authenticated:
            current_user.locale = form.lang.data  # a signed-in choice is their preference
        target = form.next.data
        return redirect(target if is_safe_next(target) else url_for("accounts.home"), code=303)
    return render_template("i18n/language.html", next=request.args.get("next", ""))
