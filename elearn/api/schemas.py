"""Shared API schemas: problems, pages of results, UTC timestamps, numbers as stored, files."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from elearn.core.pagination import MAX_PAGE, MAX_PER_PAGE

#: What every error of the API is sent as (``core.errors.problem``).
PROBLEM = "application/problem+json"
#: A downloaded file: the body is the file's bytes.
BINARY = {"type": "string", "format": "binary"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def query(name: str, description: str, kind: str = "string") -> dict:
    """A query parameter read from ``request.args`` rather than through a schema."""
    return {"in": "query", "name": name, "schema": {"type": kind}, "description": description}


#: The API's content language (it has no interface language of its own).
LANG = query("lang", "Language of the content; else the account's, then Accept-Language.")


class UTCDateTime(fields.DateTime):
    """ISO 8601 in UTC with a ``Z``, as the API contract says."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class Number(fields.Number):
    """A number sent as it is stored: ``3`` stays ``3`` and ``2.5`` stays ``2.5``, where
    ``Float`` would write ``3.0`` and ``Integer`` would cut ``2.5``."""

    num_type = float  # what loading would give; dumping keeps the value as it is

    def _format_num(self, value):
        return value


def translatable(**kwargs) -> fields.Dict:
    """A text given in each language of the course, ``{"fr": ..., "ar": ...}``."""
    return fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": 'Translatable: {"fr": ..., "ar": ...}'},
        **kwargs,
    )


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(
        fields.Dict(),
        metadata={"description": "Each failing field or line: {path, line?, message}."},
    )


class Issue(Schema):
    """One error or warning at a place: a field, a package file and its line, a CSV row."""

    path = fields.String()
    line = fields.Integer()
    message = fields.String()


class PageArgs(Schema):
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    per_page = fields.Integer(load_default=50, validate=validate.Range(min=1, max=MAX_PER_PAGE))


def page_schema(item: type[Schema], name: str) -> type[Schema]:
    """``{"items": [...], "total": n, "page": p, "per_page": k}``."""
    return Schema.from_dict(
        {
            "items": fields.List(fields.Nested(item)),
            "total": fields.Integer(),
            "page": fields.Integer(),
            "per_page": fields.Integer(),
        },
        name=name,
    )


def page_body(page) -> dict:
    return {"items": page.items, "total": page.total, "page": page.page, "per_page": page.per_page}
