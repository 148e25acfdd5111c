"""The Studio's question pages: GIFT in and out of a module's quiz, and the course's
question bank (the questions quizzes draw from by tag)."""

from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from elearn.accounts.models import Role
from elearn.accounts.permissions import roles_required
from elearn.authoring import questions, services
from elearn.authoring.package.checker import Checker
from elearn.authoring.package.exporter import bank_data
from elearn.authoring.package.files import PackageFiles
from elearn.authoring.package.importer import apply_bank
from elearn.authoring.package.model import Issue
from elearn.authoring.package.quizcheck import check_bank, course_doc
from elearn.authoring.package.yamlio import dump
from elearn.authoring.rendering import trusted
from elearn.authoring.studio import course_or_404, module_or_404
from elearn.core.db import utcnow
from elearn.core.edge import attempt
from elearn.extensions import db
from elearn.i18n.languages import pick_language
from elearn.i18n.locale import wanted_content

bp = Blueprint("studio_questions", __name__, url_prefix="/studio", template_folder="templates")
#: What a pasted GIFT text or an uploaded file may weigh (the reader refuses above 2 MB).
MAX_GIFT_BYTES = 8 * 1024 * 1024


@bp.before_request
@roles_required(Role.EXPERT, Role.ADMIN)
def _authors_only():
    return None


def _language(course) -> str:
    return pick_language(course.languages, wanted_content(), course.source_language) or (
        course.source_language
    )


@bp.route("/<slug>/modules/<module>/quiz/gift", methods=["GET", "POST"])
def gift(slug: str, module: str):
    """Paste or upload Moodle GIFT questions: "Check" says what would be imported,
    "Import" appends them (to the bank when the quiz draws from it)."""
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    lang = request.form.get("lang") or _language(course)
    text, report, status = request.form.get("text", ""), None, 200
    if request.method == "POST":
        upload = request.files.get("file")
        raw = upload.stream.read(MAX_GIFT_BYTES + 1) if upload and upload.filename else text
        if lang not in course.languages:
            flash(_("This course is not offered in that language."), "error")
            status = 422
        else:
            dry_run = request.form.get("action") != "import"
            ok, report = attempt(
                lambda: questions.import_gift(
                    db.session, course, parent, raw, lang=lang, now=utcnow(), dry_run=dry_run
                )
            )
            if ok and not dry_run and report.imported:
                flash(
                    ngettext(
                        "%(num)s question imported.", "%(num)s questions imported.", report.imported
                    ),
                    "success",
                )
                if not report.errors:
                    return redirect(url_for(".gift", slug=slug, module=module), code=303)
            status = 422 if report is None or (report.errors and not report.imported) else 200
            if isinstance(raw, bytes) and not text:
                text = raw.decode("utf-8", "replace")[:200_000]
    return render_template(
        "authoring/gift.html",
        course=course,
        module=parent,
        text=text,
        report=report,
        gift_lang=lang,
        into="bank" if questions.draws_from_bank(parent) else "quiz",
    ), status


@bp.get("/<slug>/modules/<module>/quiz/gift.txt")
def gift_file(slug: str, module: str):
    course = course_or_404(slug)
    parent = module_or_404(course, module)
    lang = request.args.get("lang") if request.args.get("lang") in course.languages else None
    text, skipped = questions.export_gift(course, parent, lang=lang or course.source_language)
    if skipped:
        text = f"// not expressible in GIFT (ordering): {', '.join(skipped)}\n\n{text}"
    return Response(
        text,
        mimetype="text/plain",
        headers={
            "Content-Disposition": f'attachment; filename="{course.slug}-{parent.slug}.gift.txt"'
        },
    )


def _shortfalls(course, doc) -> list[Issue]:
    """A bank that no longer holds what a quiz draws would break that quiz (and the
    course's package would not import back): say which quiz, and how many it needs."""
    tags: dict[str, int] = {}
    for spec in doc.questions:
        for tag in spec.get("tags", []):
            tags[tag] = tags.get(tag, 0) + 1
    out = []
    for module in course.modules:
        quiz = module.quiz
        if module.archived_at or quiz is None or quiz.archived_at:
            continue
        for row in quiz.draw or []:
            if tags.get(row["tag"], 0) < row["count"]:
                out.append(
                    Issue.error(
                        "bank.yml",
                        None,
                        ngettext(
                            "the quiz of %(module)s draws %(num)s question tagged %(tag)s: "
                            "keep that many, or change the quiz first",
                            "the quiz of %(module)s draws %(num)s questions tagged %(tag)s: "
                            "keep that many, or change the quiz first",
                            row["count"],
                            module=module.slug,
                            tag=row["tag"],
                        ),
                    )
                )
    return out


@bp.route("/<slug>/bank", methods=["GET", "POST"])
def bank(slug: str):
    """The course's question bank: its questions by tag, which quizzes draw how many, and
    its text as bank.yml for those who write YAML."""
    course = course_or_404(slug)
    lang = _language(course)
    text = request.form.get("yaml")
    if text is None:
        text = dump(bank_data(course)) if course.bank is not None else "questions: []\n"
    issues, status = [], 200
    if request.method == "POST":
        checker = Checker(PackageFiles(course.slug), [])
        data = checker.yaml("bank.yml", text)
        doc = check_bank(checker, "bank.yml", data, course_doc(course)) if data else None
        issues = checker.issues
        if doc is not None:
            issues += _shortfalls(course, doc)
        errors = [i for i in issues if i.level == "error"]
        if doc is not None and not errors:

            def save():
                services.lock(db.session, course)
                apply_bank(db.session, course, doc, utcnow())
                services.touched(course, utcnow())

            if attempt(save, _("Question bank saved."))[0]:
                return redirect(url_for(".bank", slug=slug), code=303)
        status = 422
    live = [q for q in course.bank.questions if q.archived_at is None] if course.bank else []
    shown = [
        (q, trusted(((q.rendered or {}).get(used) or {}).get("prompt")))
        for q in live
        for used in [pick_language(q.rendered or {}, lang, course.source_language)]
    ]
    tags: dict[str, int] = {}
    for question in live:
        for tag in question.tags or []:
            tags[tag] = tags.get(tag, 0) + 1
    draws = [
        (m, row)
        for m in course.modules
        if m.archived_at is None and m.quiz is not None and m.quiz.archived_at is None
        for row in m.quiz.draw or []
    ]
    return render_template(
        "authoring/bank.html",
        course=course,
        questions=shown,
        tags=dict(sorted(tags.items())),
        draws=draws,
        text=text,
        issues=issues,
    ), status
