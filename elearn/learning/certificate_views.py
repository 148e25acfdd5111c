"""Certificates: the holder's printable, bilingual page, and the public check an employer
uses, which confirms name, course, network and date and nothing else."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import escape

from elearn.core.urls import public_url
from elearn.extensions import db, limiter
from elearn.i18n.formatting import bdi, format_date, translated
from elearn.i18n.languages import FORMAT_LOCALES, INTERFACE_LANGUAGES, pick_language
from elearn.learning import policy, progress

bp = Blueprint("certificates", __name__, template_folder="templates")


def _texts(certificate) -> dict:
    """The certificate speaks every interface language, whatever the reader's choice; a
    course title missing in one of them falls back like any content, and says which
    language it is in."""
    texts = {}
    titles = [lang for lang, text in certificate.course_title.items() if text]
    names = [lang for lang, text in certificate.network_name.items() if text]
    for code in INTERFACE_LANGUAGES:
        # the regional locale (ar_MA), as on every other page: the same month names
        with force_locale(FORMAT_LOCALES[code]):
            texts[code] = {
                "brand": _("MRE Academy"),
                "heading": _("Certificate of completion"),
                "awarded": _("This certifies that"),
                "completed": _("has completed the course"),
                "course": translated(certificate.course_title, code),
                "course_lang": pick_language(titles, code, None) or code,
                # the network's name isolated in the sentence (Latin inside Arabic)
                "network": escape(_("designed by the experts of %(network)s"))
                % {
                    "network": bdi(
                        translated(certificate.network_name, code),
                        pick_language(names, code, None),
                    )
                },
                "date": _("on %(date)s", date=format_date(certificate.issued_at, "long")),
                "code": _("Verification code"),
            }
    return texts


@bp.get("/certificates/<code>")
@login_required
def certificate(code: str):
    found = policy.certificate_or_404(db.session, current_user, code)
    return render_template(
        "learning/certificate.html",
        certificate=found,
        texts=_texts(found),
        verify_url=public_url("certificates.verify", code=found.code),
    )


@bp.get("/verify")
@limiter.limit("60 per minute")
def verify_form():
    code = request.args.get("code", "")[:64].strip()
    if code:
        return redirect(url_for(".verify", code=code))
    return render_template("learning/verify.html", certificate=None, code="")


@bp.get("/verify/<code>")
@limiter.limit("60 per minute")
def verify(code: str):
    found = progress.find_certificate(db.session, code[:64])
    if found is None:
        return render_template("learning/verify.html", certificate=None, code=code[:64]), 404
    return render_template("learning/verify.html", certificate=found, code=found.code)
