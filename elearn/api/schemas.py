"""Shared API schemas: problems, pages of results, UTC timestamps."""

from __future__ import annotations

from datetime import UTC

from marshmallow import Schema, fields, validate

from elearn.core.pagination import MAX_PAGE, MAX_PER_PAGE


class UTCDateTime(fields.DateTime):
    """ISO 8601 in UTC with a ``Z``, as the API contract says."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


class ProblemSchema(Schema):
    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.List(fields.Dict())


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
