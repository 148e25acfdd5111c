"""The dashboard's grid as rows of typed values, for the CSV and XLSX exports.

One function builds the table so the spreadsheet always says what the page says; the
exports parse back to the same values in the tests. Values keep their type (a percent is
an ``int`` or a ``float``, the last activity an aware ``datetime``): each writer in
:mod:`elearn.cohorts.exports` puts them the way its spreadsheet reads them.
"""

from __future__ import annotations

from collections.abc import Iterator

from babel.lists import format_list
from flask_babel import get_locale
from flask_babel import gettext as _

from elearn.authoring.published import PublishedModule
from elearn.cohorts.dashboard import Row
from elearn.i18n.formatting import (
    FLAG_LABELS,
    MODULE_STATUS_LABELS,
    translated,
)


def header(modules: tuple[PublishedModule, ...], lang: str, source: str | None = None) -> list[str]:
    """The column names in ``lang``: each module's columns are labelled with its number and
    title (a title missing in ``lang`` falls back like any content: to ``source``, the
    course's source language, first), so a filtered or printed column still says which
    module it is about."""
    columns = [_("Name"), _("E-mail"), _("Progress (%)"), _("Last activity"), _("Completed")]
    for index, module in enumerate(modules, start=1):
        title = translated(module.title, lang, source)
        columns.append(_("Module %(number)d, %(title)s: status", number=index, title=title))
        if module.quiz_id:
            columns.append(
                _("Module %(number)d, %(title)s: best quiz result (%%)", number=index, title=title)
            )
    columns.append(_("Needs attention"))
    return columns


def rows(modules: tuple[PublishedModule, ...], grid: list[Row]) -> Iterator[list]:
    # Labels are translated once, not per cell: a 10,000-row export would otherwise look
    # the catalog up hundreds of thousands of times.
    status = {key: str(label) for key, label in MODULE_STATUS_LABELS.items()}
    flags = {key: str(label) for key, label in FLAG_LABELS.items()}
    done = {True: _("yes"), False: _("no")}  # two words the autofilter offers, in any sheet
    locale = get_locale() or "fr"
    for row in grid:
        values: list = [
            row.name,
            row.email,
            row.percent,
            row.last_activity,  # aware: each writer puts it in the platform's time zone
            done[row.completed_at is not None],
        ]
        for module, cell in zip(modules, row.cells, strict=True):
            values.append(status[cell.status])
            if module.quiz_id:
                values.append(cell.best_percent)
        values.append(format_list([flags[f] for f in row.flags], locale=locale))
        yield values
