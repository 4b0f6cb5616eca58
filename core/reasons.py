"""The reason a destructive action is taken: required, one line of text, no longer than where it is kept."""

from __future__ import annotations

from core.errors import DomainError

REASON_MAX_LENGTH = 500


class ReasonRequired(DomainError):
    """No usable reason was given: the action is refused and nothing changes (400)."""


def clean_reason(value: object, *, max_length: int = REASON_MAX_LENGTH) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not text:
        raise ReasonRequired("a reason is required")
    if "\x00" in text:
        raise ReasonRequired("the reason must not contain NUL bytes")
    if len(text) > max_length:
        raise ReasonRequired(f"the reason is {len(text)} characters long: at most {max_length}")
    return text
