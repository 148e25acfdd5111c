"""What the cohort pages and the API share: which course a request is about, and the grid
as a downloadable spreadsheet (the page's export link and the API answer the same file)."""

from __future__ import annotations

from flask import Response, abort, request, stream_with_context
from sqlalchemy import select

from elearn.authoring.models import Course
from elearn.cohorts import dashboard, tables
from elearn.cohorts.models import Cohort
from elearn.core.clock import now
from elearn.extensions import db
from elearn.i18n.languages import direction
from elearn.i18n.locale import current_language


def courses_of(cohort: Cohort) -> list[Course]:
    if not cohort.course_ids:
        return []
    found = db.session.scalars(select(Course).where(Course.id.in_(cohort.course_ids))).all()
    return sorted(found, key=lambda c: c.slug)


def chosen_course(cohort: Cohort) -> tuple[list[Course], Course | None]:
    courses = courses_of(cohort)
    wanted = request.args.get("course", "")
    chosen = next((c for c in courses if c.slug == wanted), courses[0] if courses else None)
    if wanted and (chosen is None or chosen.slug != wanted):
        abort(404)
    return courses, chosen


def export_response(cohort: Cohort, course: Course, kind: str):
    """The grid as a spreadsheet; the same function serves the page and the API."""
    # openpyxl (~6 MB) is loaded by the first export, not by every worker at start-up
    from elearn.cohorts import exports

    lang = current_language()
    stem = f"{cohort.id}-{course.slug}-{now():%Y%m%d}"
    if kind == "csv":
        # streamed a thousand trainees at a time: memory stays flat whatever the size
        modules, slices = dashboard.grid_slices(db.session, cohort, course, now=now())
        rows = (row for rows in slices for row in rows)
        head = tables.header(modules, lang, course.source_language)
        body = stream_with_context(exports.csv_lines(head, tables.rows(modules, rows)))
        return Response(
            body,
            mimetype="text/csv",
            headers={"Content-Disposition": f'attachment; filename="cohort-{stem}.csv"'},
        )
    modules, rows = dashboard.grid(db.session, cohort, course, now=now())
    head = tables.header(modules, lang, course.source_language)
    data = exports.xlsx_bytes(
        head, tables.rows(modules, rows), sheet_title=cohort.name, rtl=direction(lang) == "rtl"
    )
    return Response(
        data,
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="cohort-{stem}.xlsx"'},
    )
