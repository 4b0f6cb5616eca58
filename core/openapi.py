"""The API schema documents the refusals every operation can answer, with the body each one carries."""

from __future__ import annotations

ERROR_SCHEMA = {
    "type": "object",
    "description": "Why the request was refused: `detail` or `error` for the whole request, or the field names "
    "with their messages.",
    "additionalProperties": True,
}

# Status, when it applies, and what it means.
REFUSALS: tuple[tuple[str, str], ...] = (
    ("400", "The request is malformed or a value is refused; nothing was changed."),
    ("401", "No valid credentials were given."),
    ("403", "The caller's role may not use this operation."),
    ("404", "No such object, or not one the caller may see."),
    ("405", "The method is not allowed here."),
    ("409", "The object's state does not allow this now; nothing was changed."),
    ("413", "The body is too large."),
    ("415", "The body's media type is not accepted."),
    ("429", "Too many requests; retry after the Retry-After header's seconds."),
)


def document_refusals(result, generator, request, public):
    """drf-spectacular postprocessing hook: add each refusal an operation does not document yet."""
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            responses = operation["responses"]
            for status, description in REFUSALS:
                responses.setdefault(status, {
                    "description": description,
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                })
    return result
