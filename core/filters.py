"""Query-string filters of list endpoints: every value is checked before it reaches the database, so a bad
filter answers 400 with the parameter's name instead of failing inside the query."""

from collections.abc import Callable, Mapping
from datetime import datetime, time

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from core.errors import DomainError

MAX_TEXT = 255
MAX_ID = 2**63 - 1


class InvalidFilter(DomainError):
    code = "invalid_filter"


def text(value: str) -> str:
    if "\x00" in value:
        raise ValueError("must not contain NUL bytes")
    if len(value) > MAX_TEXT:
        raise ValueError(f"must be at most {MAX_TEXT} characters")
    return value


def integer(value: str) -> int:
    if not (value.isascii() and value.isdigit()) or int(value) > MAX_ID:
        raise ValueError("must be a whole number id")
    return int(value)


def flag(value: str) -> bool:
    if value.lower() in ("1", "true", "yes"):
        return True
    if value.lower() in ("0", "false", "no"):
        return False
    raise ValueError("must be true or false")


def timestamp(value: str) -> datetime:
    """ISO 8601 date or date and time; a date means its midnight and a time without offset the site's zone."""
    message = "must be an ISO 8601 date or date and time, e.g. 2026-03-01 or 2026-03-01T12:00:00Z"
    text(value)
    try:
        moment = parse_datetime(value)
        if moment is None:
            day = parse_date(value)
            moment = datetime.combine(day, time.min) if day is not None else None
    except ValueError:
        raise ValueError(message) from None
    if moment is None:
        raise ValueError(message)
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


Rule = str | tuple[str, Callable[[str], object]]


def filters_apply(rows: QuerySet, params: Mapping[str, str], rules: Mapping[str, Rule]) -> QuerySet:
    """`rows` narrowed by each query parameter given. `rules` maps a parameter to its field lookup (a text
    value) or to (field lookup, parser); a parser raises ValueError with what the value must be."""
    for param, rule in rules.items():
        raw = params.get(param)
        if not raw:
            continue
        field, parse = (rule, text) if isinstance(rule, str) else rule
        try:
            value = parse(raw)
        except (ValueError, OverflowError) as exc:
            raise InvalidFilter(f"filter {param!r} {exc}", parameter=param) from None
        rows = rows.filter(**{field: value})
    return rows
