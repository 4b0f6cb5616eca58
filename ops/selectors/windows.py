"""The time windows every dashboard figure is read over."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.db.models import Q
from django.utils import timezone

from ops.models import RollupDay

WINDOWS = {"today": "Today", "7d": "7 days", "30d": "30 days"}
DEFAULT_WINDOW = "7d"
T = TypeVar("T")


@dataclass(frozen=True)
class Window:
    name: str
    start: dt.datetime
    end: dt.datetime

    @property
    def hours(self) -> float:
        return max((self.end - self.start).total_seconds() / 3600, 1 / 60)

    @property
    def label(self) -> str:
        return WINDOWS[self.name]


def window_bounds(window: str | Window = DEFAULT_WINDOW, *, now: dt.datetime | None = None) -> Window:
    """`today` starts at local midnight; `7d` and `30d` are the trailing days up to now. Unknown names refuse."""
    if isinstance(window, Window):
        return window
    if window not in WINDOWS:
        raise ValueError(f"unknown window {window!r}: one of {', '.join(WINDOWS)}")
    now = now or timezone.now()
    if window == "today":
        local = timezone.localtime(now)
        start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    else:
        start = now - dt.timedelta(days=int(window[:-1]))
    return Window(window, start, now)


def end_of_day(now: dt.datetime) -> dt.datetime:
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0) + dt.timedelta(days=1)


def day_start(day: dt.date) -> dt.datetime:
    """Local midnight starting `day`, in the time zone the windows use."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@dataclass(frozen=True)
class WindowParts:
    """A window cut into closed days read from the daily rollups and the time ranges read live."""

    days: tuple[dt.date, ...]
    live: tuple[tuple[dt.datetime, dt.datetime], ...]

    def live_q(self, field: str) -> Q | None:
        """A Q over `field` for the live ranges (None when the rollups cover the whole window)."""
        if not self.live:
            return None
        q = Q()
        for start, end in self.live:
            q |= Q(**{f"{field}__gte": start, f"{field}__lt": end})
        return q


def memo(w: Window, key: tuple, compute: Callable[[], T]) -> T:
    """A figure read once per window object: a request builds its window once and every selector it calls reads
    the list of rolled-up days (and the live rows they share) once. A new window (a new request, a new `now`)
    reads afresh."""
    cache = w.__dict__.setdefault("_memo", {})  # a frozen dataclass still has an instance dict
    if key not in cache:
        cache[key] = compute()
    return cache[key]


def window_parts(w: Window) -> WindowParts:
    """The whole local days inside the window that have been rolled up (one query, none for `today`, and once
    per window object), and the rest of the window as contiguous live ranges."""
    return memo(w, ("parts",), lambda: _window_parts(w))


def _window_parts(w: Window) -> WindowParts:
    first = timezone.localdate(w.start)
    if day_start(first) < w.start:
        first += dt.timedelta(days=1)
    last = timezone.localdate(w.end)  # whole days end before the day `end` falls in
    candidates = [first + dt.timedelta(days=n) for n in range((last - first).days)]
    covered = set(RollupDay.objects.filter(day__gte=first, day__lt=last).values_list("day", flat=True)) \
        if candidates else set()
    live: list[tuple[dt.datetime, dt.datetime]] = []
    cursor = w.start
    for day in candidates:
        if day in covered:
            if cursor < day_start(day):
                live.append((cursor, day_start(day)))
            cursor = day_start(day + dt.timedelta(days=1))
    if cursor < w.end:
        live.append((cursor, w.end))
    return WindowParts(days=tuple(sorted(covered)), live=tuple(live))
