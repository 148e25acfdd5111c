"""A human-readable page for the OpenAPI document, rendered on the server.

No third-party JavaScript from a CDN: the page works offline, under our CSP, in both
languages, and stays as light as the rest of the site.
"""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("api_reference", __name__, template_folder="templates")

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(schema: dict | None) -> str | None:
    if not schema:
        return None
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if schema.get("type") == "array" and "items" in schema:
        inner = _ref_name(schema["items"])
        return f"[{inner}]" if inner else "array"
    return schema.get("type")


def operations(spec: dict) -> list[dict]:
    out = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            body = op.get("requestBody", {}).get("content", {})
            body_schema = next(iter(body.values()), {}).get("schema") if body else None
            responses = []
            for status, resp in sorted(op.get("responses", {}).items()):
                content = resp.get("content", {})
                schema = next(iter(content.values()), {}).get("schema") if content else None
                responses.append(
                    {
                        "status": status,
                        "description": resp.get("description", ""),
                        "schema": _ref_name(schema),
                    }
                )
            out.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "tags": op.get("tags", []),
                    "secured": bool(op.get("security")),
                    "parameters": [p for p in op.get("parameters", []) if p.get("in") != "path"],
                    "body": _ref_name(body_schema),
                    "responses": responses,
                }
            )
    return out


@bp.get("/api/v1/docs")
def docs():
    from elearn.api import api

    spec = api.spec.to_dict()
    return render_template(
        "api/docs.html",
        ops=operations(spec),
        schemas=spec.get("components", {}).get("schemas", {}),
    )
