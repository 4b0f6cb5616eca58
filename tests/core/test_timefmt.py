"""One date and time format, in the warehouse's zone (core/timefmt.py), and no template bypasses it."""

import datetime as dt
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.template import Context, Template
from django.utils import timezone

from core import timefmt
from layout.models import Warehouse

UTC = dt.UTC
BERLIN = ZoneInfo("Europe/Berlin")


def _berlin():
    return Warehouse(code="ber", name="Berlin", timezone="Europe/Berlin", latitude=0, longitude=0)


def test_a_moment_is_shown_in_the_warehouses_zone_with_its_abbreviation():
    moment = dt.datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
    assert timefmt.local_dt(moment, _berlin()) == "3 Dec 2026, 14:05 CET"
    assert timefmt.local_date(moment, _berlin()) == "3 Dec 2026"
    assert timefmt.local_time(moment, _berlin()) == "14:05"
    assert timefmt.iso_dt(moment, _berlin()) == "2026-12-03T14:05:00+01:00"


def test_without_a_warehouse_the_active_zone_is_used():
    moment = dt.datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
    assert settings.TIME_ZONE == "UTC"
    assert timefmt.local_dt(moment) == "3 Dec 2026, 13:05 UTC"
    with timezone.override(ZoneInfo("America/New_York")):
        assert timefmt.local_dt(moment) == "3 Dec 2026, 08:05 EST"


def test_the_zone_comes_from_an_object_with_a_warehouse_a_name_or_a_tzinfo():
    moment = dt.datetime(2026, 7, 1, 22, 30, tzinfo=UTC)

    class Shipment:
        warehouse = _berlin()

    assert timefmt.local_dt(moment, Shipment()) == "2 Jul 2026, 00:30 CEST"
    assert timefmt.local_dt(moment, "Asia/Tokyo") == "2 Jul 2026, 07:30 JST"
    assert timefmt.local_dt(moment, BERLIN) == "2 Jul 2026, 00:30 CEST"
    # The day is the warehouse's day, not UTC's.
    assert timefmt.local_date(moment, "Europe/Berlin") == "2 Jul 2026"
    assert timefmt.local_date(moment) == "1 Jul 2026"
    # An unknown zone name falls back to the active zone instead of failing the page.
    assert timefmt.local_dt(moment, "Mars/Olympus") == "1 Jul 2026, 22:30 UTC"


def test_daylight_saving_edges():
    # Spring forward in Berlin: at 01:00 UTC the clock jumps from 01:59 CET to 03:00 CEST.
    assert timefmt.local_dt(dt.datetime(2026, 3, 29, 0, 59, tzinfo=UTC), "Europe/Berlin") == "29 Mar 2026, 01:59 CET"
    assert timefmt.local_dt(dt.datetime(2026, 3, 29, 1, 0, tzinfo=UTC), "Europe/Berlin") == "29 Mar 2026, 03:00 CEST"
    # Fall back: 02:30 happens twice; the abbreviation and the offset tell them apart.
    first = dt.datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = dt.datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert timefmt.local_dt(first, "Europe/Berlin") == "25 Oct 2026, 02:30 CEST"
    assert timefmt.local_dt(second, "Europe/Berlin") == "25 Oct 2026, 02:30 CET"
    assert timefmt.iso_dt(first, "Europe/Berlin") == "2026-10-25T02:30:00+02:00"
    assert timefmt.iso_dt(second, "Europe/Berlin") == "2026-10-25T02:30:00+01:00"


def test_nothing_is_an_em_dash_and_an_empty_iso_cell():
    for show in (timefmt.local_dt, timefmt.local_date, timefmt.local_time):
        assert show(None) == "—"
        assert show("", "Europe/Berlin") == "—"
    assert timefmt.iso_dt(None) == ""


def test_naive_datetimes_are_read_as_utc_everywhere():
    naive = dt.datetime(2026, 12, 3, 13, 5)
    aware = naive.replace(tzinfo=UTC)
    for show in (timefmt.local_dt, timefmt.local_date, timefmt.local_time, timefmt.iso_dt):
        assert show(naive, "Europe/Berlin") == show(aware, "Europe/Berlin")
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        assert timefmt.local_dt(naive) == "3 Dec 2026, 22:05 JST"


def test_plain_dates_and_times_are_not_shifted():
    assert timefmt.local_date(dt.date(2026, 1, 9), "Pacific/Kiritimati") == "9 Jan 2026"
    assert timefmt.local_dt(dt.date(2026, 1, 9)) == "9 Jan 2026"
    assert timefmt.local_time(dt.time(14, 0), "Asia/Tokyo") == "14:00"
    assert timefmt.iso_dt(dt.date(2026, 1, 9)) == "2026-01-09"


def test_the_filters_are_builtins_and_take_a_warehouse():
    moment = dt.datetime(2026, 12, 3, 13, 5, tzinfo=UTC)
    rendered = Template("{{ m|local_dt:w }}|{{ m|local_date }}|{{ m|local_time:'Asia/Tokyo' }}|{{ m|iso_dt }}|{{ none|local_dt }}").render(
        Context({"m": moment, "w": _berlin(), "none": None}))
    assert rendered == "3 Dec 2026, 14:05 CET|3 Dec 2026|22:05|2026-12-03T13:05:00+00:00|—"


_BYPASS = re.compile(r"\|\s*(date|time)\b")


def _templates():
    root = Path(settings.BASE_DIR)
    dirs = [root / "templates", *(p for p in root.glob("*/templates") if ".venv" not in p.parts)]
    return [path for d in dirs for path in d.rglob("*.html")]


def test_no_template_formats_a_date_or_time_by_hand():
    found = _templates()
    assert len(found) > 20
    offenders = [f"{path}:{n}: {line.strip()}" for path in found
                 for n, line in enumerate(path.read_text().splitlines(), 1) if _BYPASS.search(line)]
    assert not offenders, "use local_dt / local_date / local_time / iso_dt (core/timefmt.py):\n" + "\n".join(offenders)


@pytest.mark.parametrize("line", ['{{ x|date:"Y" }}', "{{ x | time }}", "{{ x|date }}"])
def test_the_template_check_catches_the_filters(line):
    assert _BYPASS.search(line)


def test_csv_cells_are_iso_8601_with_an_offset():
    from ops.views.lists import _cell

    assert _cell(dt.datetime(2026, 12, 3, 13, 5, 7, 123456, tzinfo=UTC)) == "2026-12-03T13:05:07+00:00"
    assert _cell(dt.date(2026, 12, 3)) == "2026-12-03"
