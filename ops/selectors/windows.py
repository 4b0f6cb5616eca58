"""The time windows every dashboard figure is read over."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

WINDOWS = {"today": "Today", "7d": "7 days", "30d": "30 days"}
DEFAULT_WINDOW = "7d"


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
