"""A human-readable page for the OpenAPI document, rendered on the server.

No third-party JavaScript from a CDN: the page works offline, under our CSP, in both
languages, and stays as light as the rest of the site. The spec's own words (paths,
summaries, field names) stay in English, left to right, inside either language's page.
"""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from elearn.api.schemas import PROBLEM

bp = Blueprint("api_reference", __name__, template_folder="templates")

METHODS = ("get", "post", "put", "patch", "delete")
REF = "#/components/schemas/"


def shape(schema: dict | None) -> dict | None:
    """How a schema reads in one line: ``ref`` (a schema of the page, linked), else
    ``label`` (``string``, ``date-time``, ``[Choice]``, ``{string: string}``), with
    ``many`` for arrays, ``map`` for dictionaries and ``nullable``."""
    if not schema:
        return None
    nullable = bool(schema.get("nullable"))
    if "$ref" in schema:
        return {"ref": schema["$ref"].removeprefix(REF), "nullable": nullable}
    if "anyOf" in schema:  # apispec's nested schema or null: [{nullable}, {$ref}]
        kept = [s for s in schema["anyOf"] if not s.get("nullable")]
        nullable = nullable or len(kept) < len(schema["anyOf"])
        if len(kept) == 1:
            return {**shape(kept[0]), "nullable": nullable}
        return {"label": " | ".join(s.get("type", "any") for s in kept), "nullable": nullable}
    if schema.get("type") == "array":
        inner = shape(schema.get("items")) or {"label": "any"}
        return {**inner, "many": True, "nullable": nullable}
    extra = schema.get("additionalProperties")
    if schema.get("type") == "object" and isinstance(extra, dict):
        inner = shape(extra) or {"label": "any"}
        return {**inner, "map": True, "nullable": nullable}
    label = schema.get("format") or schema.get("type") or "any"
    return {"label": label, "nullable": nullable}


def _body(content: dict) -> list[dict]:
    """Each content type of a body with its schema's shape."""
    return [
        {"content_type": kind, "shape": shape(media.get("schema"))}
        for kind, media in content.items()
    ]


def _resolve(spec: dict, node: dict) -> dict:
    if "$ref" in node:  # a shared response (#/components/responses/...)
        return spec["components"]["responses"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def operations(spec: dict) -> list[dict]:
    out = []
    for path, item in sorted(spec.get("paths", {}).items()):
        for method in METHODS:
            op = item.get(method)
            if op is None:
                continue
            responses = []
            for status, resp in sorted(op.get("responses", {}).items()):
                resp = _resolve(spec, resp)
                bodies = _body(resp.get("content", {}))
                problem = bool(bodies) and all(b["content_type"] == PROBLEM for b in bodies)
                responses.append(
                    {
                        "status": status,
                        "success": status.startswith("2"),
                        "description": resp.get("description", ""),
                        # the page says once that errors are problem+json
                        "bodies": [] if problem else bodies,
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
                    "bodies": _body(op.get("requestBody", {}).get("content", {})),
                    "responses": responses,
                }
            )
    return out


def schemas(spec: dict) -> list[dict]:
    """Every named schema with the shape of each of its fields."""
    return [
        {
            "name": name,
            "description": schema.get("description", ""),
            "fields": [
                {
                    "name": prop,
                    "required": prop in schema.get("required", []),
                    "shape": shape(info),
                    "description": info.get("description", ""),
                }
                for prop, info in sorted(schema.get("properties", {}).items())
            ],
        }
        for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items())
    ]


@bp.get("/api/v1/docs")
def docs():
    spec = current_app.extensions["elearn.api"].spec.to_dict()  # set by api.init_app
    return render_template("api/docs.html", ops=operations(spec), schemas=schemas(spec))
