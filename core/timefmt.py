"""How a moment is shown: one format everywhere, in the zone of the warehouse the page is about.

  local_dt   "3 Dec 2026, 14:05 CET"   a moment: date, 24-hour time and the zone's abbreviation
  local_date "3 Dec 2026"              the day of a moment in that zone (a plain date is shown as it is)
  local_time "14:05"                   the wall-clock time in that zone (a plain time is shown as it is)
  iso_dt     "2026-12-03T14:05:00+01:00"  ISO 8601 with its offset, for machines (CSV exports, data attributes)

The zone: a warehouse (anything with an IANA ``timezone`` name), an object that has a ``warehouse``, a zone
name or a tzinfo; without one, the active zone (settings.TIME_ZONE unless a request activated another).
Naive datetimes are read as UTC, always: the database hands out aware ones, so a naive one is a value some
code built by hand, and reading it as UTC is the one rule that gives the same answer on every page.
Nothing (None, "") is shown as an em dash.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import timezone

EMPTY = "—"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def zone_for(where: Any = None) -> dt.tzinfo:
    """The zone to show a moment in: the warehouse's (of `where` or of its `warehouse`), or the active one."""
    if where is None or where == "":
        return timezone.get_current_timezone()
    if isinstance(where, dt.tzinfo):
        return where
    if isinstance(where, str):
        return _zone_named(where)
    name = getattr(where, "timezone", None)
    if isinstance(name, str) and name:
        return _zone_named(name)
    warehouse = getattr(where, "warehouse", None)
    if warehouse is not None and warehouse is not where:
        return zone_for(warehouse)
    return timezone.get_current_timezone()


def _zone_named(name: str) -> dt.tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return timezone.get_current_timezone()


def as_aware(value: dt.datetime) -> dt.datetime:
    """A naive datetime is read as UTC (see the module's note)."""
    return value.replace(tzinfo=dt.UTC) if timezone.is_naive(value) else value


def localize(value: dt.datetime, where: Any = None) -> dt.datetime:
    return as_aware(value).astimezone(zone_for(where))


def _day(value: dt.date) -> str:
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _clock(value: dt.datetime | dt.time) -> str:
    return f"{value.hour:02d}:{value.minute:02d}"


def _empty(value: Any) -> bool:
    return value is None or value == ""


def local_dt(value: Any, where: Any = None) -> str:
    """'3 Dec 2026, 14:05 CET': date, 24-hour time and the zone's abbreviation (a date alone: '3 Dec 2026')."""
    if _empty(value):
        return EMPTY
    if isinstance(value, dt.datetime):
        moment = localize(value, where)
        return f"{_day(moment)}, {_clock(moment)} {moment.tzname() or ''}".rstrip()
    if isinstance(value, dt.date):
        return _day(value)
    if isinstance(value, dt.time):
        return _clock(value)
    return str(value)


def local_date(value: Any, where: Any = None) -> str:
    """'3 Dec 2026': the day of a moment in the zone (a plain date is already a day and is not converted)."""
    if _empty(value):
        return EMPTY
    if isinstance(value, dt.datetime):
        return _day(localize(value, where))
    if isinstance(value, dt.date):
        return _day(value)
    return str(value)


def local_time(value: Any, where: Any = None) -> str:
    """'14:05': the wall-clock time in the zone (a plain time, like a warehouse's cut-off, is already local)."""
    if _empty(value):
        return EMPTY
    if isinstance(value, dt.datetime):
        return _clock(localize(value, where))
    if isinstance(value, dt.time):
        return _clock(value)
    return str(value)


def iso_dt(value: Any, where: Any = None) -> str:
    """ISO 8601 with its offset ('2026-12-03T14:05:00+01:00'); a plain date as '2026-12-03'; nothing as ''."""
    if _empty(value):
        return ""
    if isinstance(value, dt.datetime):
        return localize(value, where).isoformat(timespec="seconds")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return str(value)
