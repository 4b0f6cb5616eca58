"""The API schema documents the refusals each operation can really answer, with the body each one carries.

Every refusal goes through `core.api.exception_handler`: DRF's own errors answer `{"detail": ...}`, a domain
error answers `{"error": code, "detail": message, "details": {...}}`, and a refused field answers
`{"field": ["message", ...]}` (or `non_field_errors`). Which refusals an operation documents depends on what it is:

- 401 and 403 when it needs credentials (every operation that does not allow anonymous callers);
- 404 when it has a path parameter, or a body whose codes and SKUs are looked up;
- 400 when it takes a body or query parameters, or writes (a business rule may refuse it);
- 409 when it writes (the object's state may not allow it now);
- 415 when it takes a body (another media type is refused);
- 429 when its view is throttled.
"""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from rest_framework import serializers

SAFE_METHODS = ("get", "head", "options")
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

ERROR_BODY = "ErrorResponse"
VALIDATION_BODY = "ValidationErrorResponse"

SCHEMAS = {
    ERROR_BODY: {
        "type": "object",
        "description": "Why the request was refused.",
        "properties": {
            "detail": {"type": "string", "description": "What was refused, for people."},
            "error": {"type": "string", "description": "A stable code for a business rule's refusal."},
            "details": {"type": "object", "additionalProperties": {"type": "string"},
                        "description": "The values the refusal concerns."},
        },
        "required": ["detail"],
    },
    VALIDATION_BODY: {
        "type": "object",
        "description": "Why the request was refused: `detail` (and `error`) for the whole request, or each "
        "refused field's name with its messages (`non_field_errors` for the combination); nothing was changed.",
        "properties": {
            "detail": {"type": "string"},
            "error": {"type": "string"},
            "details": {"type": "object", "additionalProperties": {"type": "string"}},
        },
        "additionalProperties": True,
    },
}

DESCRIPTIONS = {
    "400": "The request is malformed or a value is refused; nothing was changed.",
    "401": "No valid credentials were given.",
    "403": "The caller's role or scope may not use this operation.",
    "404": "No such object, or not one the caller may see.",
    "409": "The object's state does not allow this now; nothing was changed.",
    "415": "The body's media type is not accepted.",
    "429": "Too many requests; retry after the Retry-After header's seconds.",
}


CSV_UPLOAD_FILE = {"type": "string", "format": "binary", "description": "The CSV file (UTF-8, header row first)."}


def csv_upload_request(**fields: dict) -> dict:
    """The multipart body of a CSV upload: the file `file` is required, other form fields are optional."""
    return {"multipart/form-data": {
        "type": "object",
        "properties": {"file": CSV_UPLOAD_FILE, **fields},
        "required": ["file"],
    }}


class AutoSchema(SpectacularAutoSchema):
    """Request fields that refuse a blank value say so (`minLength: 1`); answers are not constrained by it."""

    def _get_serializer_field_meta(self, field, direction):
        meta = super()._get_serializer_field_meta(field, direction)
        if (direction == "request" and isinstance(field, serializers.CharField) and not field.allow_blank
                and not field.read_only and not isinstance(field, serializers.ChoiceField)):
            meta.setdefault("minLength", 1)
        return meta


def _views_by_operation(generator) -> dict[tuple[str, str], object]:
    views: dict[tuple[str, str], object] = {}
    for endpoint in getattr(generator, "endpoints", None) or []:
        path, _regex, method, view = endpoint
        views[(path, method.lower())] = view
    return views


def _throttled(view) -> bool:
    if view is None:
        return True  # the default throttle applies to every API view unless it opts out
    try:
        return bool(view.get_throttles())
    except Exception:  # a view that cannot build its throttles outside a request: assume the default
        return True


def _refusals(path: str, method: str, operation: dict, view) -> list[str]:
    parameters = operation.get("parameters", [])
    in_path = any(p.get("in") == "path" for p in parameters) or "{" in path
    in_query = any(p.get("in") == "query" for p in parameters)
    has_body = "requestBody" in operation
    writes = method not in SAFE_METHODS
    security = operation.get("security") or []
    authenticated = bool(security) and {} not in security

    statuses = []
    if has_body or in_query or writes:
        statuses.append("400")
    if authenticated:
        statuses += ["401", "403"]
    if in_path or has_body:
        statuses.append("404")
    if writes:
        statuses.append("409")
    if has_body:
        statuses.append("415")
    if _throttled(view):
        statuses.append("429")
    return statuses


def document_refusals(result, generator, request, public):
    """drf-spectacular postprocessing hook: add the refusals each operation can answer and does not document."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    for name, schema in SCHEMAS.items():
        schemas.setdefault(name, schema)
    views = _views_by_operation(generator)
    for path, path_item in result.get("paths", {}).items():
        for method, operation in path_item.items():
            if method not in HTTP_METHODS or not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status in _refusals(path, method, operation, views.get((path, method))):
                body = VALIDATION_BODY if status == "400" else ERROR_BODY
                responses.setdefault(status, {
                    "description": DESCRIPTIONS[status],
                    "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
                })
    return result
