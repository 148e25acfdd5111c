"""What the cohort pages, the API and the export job share: which course a request is
about, and the grid as a spreadsheet (the page's export link, the API and the ``export``
job write the same file, from the same rows)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from typing import BinaryIO

from babel.numbers import get_decimal_symbol
from flask import Response, abort, request, stream_with_context
from sqlalchemy import select

from elearn.authoring.models import Course
from elearn.cohorts import dashboard, tables
from elearn.cohorts.models import Cohort
from elearn.core.clock import now
from elearn.extensions import db
from elearn.i18n.formatting import local_zone
from elearn.i18n.languages import FORMAT_LOCALES, direction
from elearn.i18n.locale import current_language

KINDS = ("csv", "xlsx")
MIMETYPES = {
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def courses_of(cohort: Cohort) -> list[Course]:
    if not cohort.course_ids:
        return []
    found = db.session.scalars(select(Course).where(Course.id.in_(cohort.course_ids))).all()
    return sorted(found, key=lambda c: c.slug)


def pick_course(cohort: Cohort, wanted: str | None) -> tuple[list[Course], Course | None]:
    """The cohort's courses and the one named ``wanted`` (default: the first by slug); a
    slug the cohort does not follow is a 404."""
    courses = courses_of(cohort)
    wanted = wanted or ""
    chosen = next((c for c in courses if c.slug == wanted), courses[0] if courses else None)
    if wanted and (chosen is None or chosen.slug != wanted):
        abort(404)
    return courses, chosen


def chosen_course(cohort: Cohort) -> tuple[list[Course], Course | None]:
    return pick_course(cohort, request.args.get("course", ""))


def filename(cohort: Cohort, course: Course, kind: str, *, on: datetime) -> str:
    return f"cohort-{cohort.id}-{course.slug}-{on:%Y%m%d}.{kind}"


def table(
    session, cohort: Cohort, course: Course, *, lang: str, now: datetime
) -> tuple[list[str], Iterator[list]]:
    """The header in ``lang`` and the rows, read a thousand trainees at a time: memory
    stays flat whatever the cohort's size. Labels and dates follow the active locale."""
    modules, slices = dashboard.grid_slices(session, cohort, course, now=now)
    rows = (row for rows in slices for row in rows)
    return tables.header(modules, lang, course.source_language), tables.rows(modules, rows)


def decimal_sign(lang: str) -> str:
    """The decimal sign of ``lang``'s spreadsheets: its format locale's (CLDR: a comma for
    fr_MA and ar_MA), in Latin digits' numbering system."""
    return get_decimal_symbol(FORMAT_LOCALES.get(lang) or lang or "fr")


def csv_chunks(header: list[str], rows, *, lang: str):
    """The CSV as :func:`elearn.cohorts.exports.csv_lines` streams it for a reader of
    ``lang``: ``;`` between cells, the locale's decimal sign, the platform's time zone."""
    from elearn.cohorts import exports

    return exports.csv_lines(header, rows, decimal=decimal_sign(lang), zone=local_zone())


def write(
    out: BinaryIO, kind: str, header: list[str], rows, *, sheet_title: str, lang: str
) -> None:
    """The sheet into ``out``, byte for byte what :func:`export_response` sends."""
    # openpyxl (~6 MB) is loaded by the first export, not by every worker at start-up
    from elearn.cohorts import exports

    if kind == "csv":
        for chunk in csv_chunks(header, rows, lang=lang):
            out.write(chunk.encode("utf-8"))
        return
    exports.write_xlsx(
        out,
        header,
        rows,
        sheet_title=sheet_title,
        rtl=direction(lang) == "rtl",
        zone=local_zone(),
    )


def export_response(cohort: Cohort, course: Course, kind: str):
    """The grid as a spreadsheet; the same function serves the page and the API."""
    lang = current_language()
    head, rows = table(db.session, cohort, course, lang=lang, now=now())
    headers = {
        "Content-Disposition": f'attachment; filename="{filename(cohort, course, kind, on=now())}"'
    }
    if kind == "csv":
        # streamed a row at a time, read a thousand trainees at a time
        body = stream_with_context(csv_chunks(head, rows, lang=lang))
        return Response(body, mimetype=MIMETYPES[kind], headers=headers)
    out = io.BytesIO()
    write(out, kind, head, rows, sheet_title=cohort.name, lang=lang)
    return Response(out.getvalue(), mimetype=MIMETYPES[kind], headers=headers)
