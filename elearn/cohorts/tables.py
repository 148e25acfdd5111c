"""The dashboard's grid as rows of plain values, for the CSV and XLSX exports and the API.

One function builds the table so the spreadsheet always says what the page says; the
exports parse back to the same values in the tests.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask_babel import gettext as _

from elearn.authoring.published import PublishedModule
from elearn.cohorts.dashboard import Row
from elearn.i18n.formatting import (
    FLAG_LABELS,
    MODULE_STATUS_LABELS,
    format_datetime,
    translated,
)


def header(modules: tuple[PublishedModule, ...], lang: str, source: str | None = None) -> list[str]:
    """The column names in ``lang``; a module title missing in it falls back like any
    content (to ``source``, the course's source language, first)."""
    columns = [_("Name"), _("E-mail"), _("Progress (%)"), _("Last activity"), _("Completed")]
    for index, module in enumerate(modules, start=1):
        title = translated(module.title, lang, source)
        columns.append(_("M%(number)s %(title)s: status", number=index, title=title))
        if module.quiz_id:
            columns.append(_("M%(number)s: best quiz (%%)", number=index))
    columns.append(_("Needs attention"))
    return columns


def rows(modules: tuple[PublishedModule, ...], grid: list[Row]) -> Iterator[list]:
    # Labels are translated once, not per cell: a 10,000-row export would otherwise look
    # the catalog up hundreds of thousands of times.
    status = {key: str(label) for key, label in MODULE_STATUS_LABELS.items()}
    flags = {key: str(label) for key, label in FLAG_LABELS.items()}
    done = {True: _("yes"), False: _("no")}
    for row in grid:
        values: list = [
            row.name,
            row.email,
            row.percent,
            format_datetime(row.last_activity, "short") if row.last_activity else "",
            done[row.completed_at is not None],
        ]
        for module, cell in zip(modules, row.cells, strict=True):
            values.append(status[cell.status])
            if module.quiz_id:
                values.append(cell.best_percent)
        values.append(", ".join(flags[f] for f in row.flags))
        yield values
