"""Every dashboard figure on a small history whose answers were worked out by hand (see factories.py)."""

import pytest

from ops import selectors as kpi
from tests.ops.factories import NOW, D, F, build_history

pytestmark = pytest.mark.django_db


@pytest.fixture
def history():
    return build_history()


def test_sla_summary_for_one_facility_over_seven_days(history):
    s = kpi.sla_summary(warehouse=history.warehouse, window="7d", now=NOW)
    assert (s["due_today"], s["at_risk"]) == (4, 3)
    assert s["on_time"] == {"shipped": 3, "on_time": 2, "late": 1, "rate": 0.6667}
    ship = s["order_to_ship"]
    assert (ship["shipped"], ship["avg_hours"], ship["p50_hours"], ship["p90_hours"]) == (3, 14.0, 10.0, 26.0)
    assert [n for _label, n in ship["buckets"]] == [1, 0, 1, 1, 0]
    assert s["dock_to_stock"] == {"receipts": 2, "avg_hours": 16.0, "p50_hours": 16.0, "over_sla": 1}
    assert (s["returns_grading"]["units"], s["returns_grading"]["avg_hours"]) == (2, 6.0)
    assert s["discrepancies"]["open"] == 4
    assert [n for _label, n in s["discrepancies"]["buckets"]] == [1, 1, 1, 1]
    assert s["parked"] == {"inbox": 1, "outbox": 1}


def test_sla_summary_for_one_merchant(history):
    s = kpi.sla_summary(warehouse=history.warehouse, merchant=history.merchant, window="7d", now=NOW)
    assert (s["due_today"], s["at_risk"]) == (3, 2)
    assert s["parked"] == {"inbox": 1, "outbox": 0}
    other = kpi.sla_summary(merchant=history.other_merchant, window="7d", now=NOW)
    assert (other["due_today"], other["at_risk"], other["on_time"]["shipped"]) == (1, 1, 0)
    assert other["parked"] == {"inbox": 0, "outbox": 1}
    assert other["returns_grading"]["units"] == 0 and other["dock_to_stock"]["receipts"] == 0


def test_windows_change_what_counts(history):
    month = kpi.sla_summary(warehouse=history.warehouse, window="30d", now=NOW)
    assert month["on_time"] == {"shipped": 4, "on_time": 3, "late": 1, "rate": 0.75}
    assert [n for _label, n in month["order_to_ship"]["buckets"]] == [1, 1, 1, 1, 0]
    assert (month["dock_to_stock"]["receipts"], month["dock_to_stock"]["avg_hours"],
            month["dock_to_stock"]["p50_hours"]) == (3, 11.0, 2.0)
    today = kpi.sla_summary(warehouse=history.warehouse, window="today", now=NOW)
    assert today["on_time"] == {"shipped": 0, "on_time": 0, "late": 0, "rate": None}
    assert today["window"].start.hour == 0 and today["window"].hours == 15


def test_all_facilities_and_the_other_facility(history):
    everywhere = kpi.sla_summary(window="7d", now=NOW)
    assert (everywhere["due_today"], everywhere["at_risk"]) == (5, 4)
    assert [n for _label, n in everywhere["discrepancies"]["buckets"]] == [1, 2, 1, 1]
    assert list(kpi.fulfillments_at_risk(warehouse=history.other_warehouse, now=NOW)) == [
        history.fulfillments["other_facility"]]


def test_at_risk_rows_are_the_ones_worked_out_by_hand(history):
    rows = kpi.fulfillments_at_risk(warehouse=history.warehouse, now=NOW).order_by("ship_by")
    names = {fo.pk: name for name, fo in history.fulfillments.items()}
    assert [names[fo.pk] for fo in rows] == ["picking_overdue", "globex_picking", "released_soon"]
    assert [fo.work_ahead.total_seconds() / 3600 for fo in rows] == [1, 1, 3]


def test_capacity(history):
    [row] = kpi.facility_capacity(warehouse=history.warehouse)
    assert (row["units"], row["cubic_ft"], row["capacity_ft3"], row["cubic_pct"], row["units_per_sqft"]) == (
        670, 23.7, 10000, 0.0024, 0.67)
    assert (row["bins"], row["bin_capacity"], row["bin_units"], row["bin_pct"], row["over"]) == (5, 200, 170, 0.85, True)
    other = next(r for r in kpi.facility_capacity() if r["warehouse"] == history.other_warehouse)
    assert (other["units"], other["over"]) == (0, False)

    zones = {z["zone"]: z for z in kpi.zone_utilisation(warehouse=history.warehouse)}
    assert {k: zones["A"][k] for k in ("bins", "occupied", "units", "capacity", "pct", "over")} == {
        "bins": 4, "occupied": 2, "units": 170, "capacity": 200, "pct": 0.85, "over": True}
    assert (zones["B"]["units"], zones["B"]["capacity"], zones["B"]["pct"], zones["B"]["over"]) == (500, 0, None, False)

    assert kpi.inbound_against_capacity(warehouse=history.warehouse, now=NOW) == {
        "expected_units": 60, "documents": 1, "free_units": 30, "capacity": 200, "short": True}
    assert {q["queue"]: q["count"] for q in kpi.work_queues(warehouse=history.warehouse)} == {
        "released": 1, "in_wave": 1, "picking": 2, "packed": 1, "awaiting_manifest": 1}
    assert {q["queue"]: q["count"] for q in kpi.work_queues(warehouse=history.warehouse, merchant=history.merchant)} == {
        "released": 1, "in_wave": 1, "picking": 1, "packed": 1, "awaiting_manifest": 1}


def test_accuracy_and_throughput(history):
    pick = kpi.pick_accuracy(warehouse=history.warehouse, window="7d", now=NOW)
    assert {k: pick[k] for k in ("lines", "failures", "mismatches", "errors", "accuracy", "meets")} == {
        "lines": 6, "failures": 1, "mismatches": 1, "errors": 2, "accuracy": 0.6667, "meets": False}
    assert pick["yardstick"] == 0.995
    assert kpi.pick_accuracy(window="7d", now=NOW)["mismatches"] == 2  # all facilities: the stranger's scan too
    assert kpi.inventory_accuracy(warehouse=history.warehouse, window="7d", now=NOW) == {
        "counts": 3, "matched": 1, "accuracy": 0.3333, "units_over": 2, "units_short": 2}

    pickers = kpi.picker_throughput(warehouse=history.warehouse, window="7d", now=NOW)
    assert [(p["picker"], p["sessions"], p["lines"], p["hours"], p["lines_per_hour"]) for p in pickers] == [
        ("bob", 1, 2, 1.0, 2.0), ("ann", 1, 3, 2.0, 1.5)]
    month = kpi.picker_throughput(warehouse=history.warehouse, window="30d", now=NOW)
    assert [p["picker"] for p in month] == ["carl", "bob", "ann"]  # 5 lines in 1 h

    week = kpi.facility_throughput(warehouse=history.warehouse, window="7d", now=NOW)
    assert (week["lines"], week["shipped"], week["lines_per_hour"], week["shipped_per_hour"]) == (5, 3, 0.03, 0.02)
    assert sum(r["lines"] for r in week["series"]) == 5 and not week["hourly"]
    today = kpi.facility_throughput(warehouse=history.warehouse, window="today", now=NOW)
    assert (today["lines"], today["lines_per_hour"], today["hourly"]) == (3, 0.2, True)
    assert [(r["at"].hour, r["lines"]) for r in today["series"]] == [(14, 3)]


def test_unknown_window_is_refused():
    with pytest.raises(ValueError, match="unknown window"):
        kpi.window_bounds("3d")


def every_kpi(history, now=NOW) -> dict:
    """Every dashboard figure over every window and scope the dashboards offer."""
    figures = {}
    for window in ("today", "7d", "30d"):
        for warehouse in (history.warehouse, history.other_warehouse, None):
            for merchant in (history.merchant, history.other_merchant, None):
                scope = {"warehouse": warehouse, "merchant": merchant, "window": window, "now": now}
                key = (window, warehouse and warehouse.code, merchant and merchant.code)
                figures[key] = {
                    "sla": kpi.sla_summary(**scope),
                    "on_time": kpi.on_time_ship_rate(**scope),
                    "order_to_ship": kpi.order_to_ship_times(**scope),
                    "pick": kpi.pick_accuracy(**scope),
                    "counts": kpi.inventory_accuracy(**scope),
                    "throughput": kpi.facility_throughput(**scope),
                }
            figures[(window, warehouse and warehouse.code, "pickers")] = kpi.picker_throughput(
                warehouse=warehouse, window=window, now=now)
    return figures


def test_every_figure_is_the_same_read_live_or_from_the_daily_rollups(history):
    from ops.models import PickerDay, PickingDay, RollupDay, ShippingDay
    from ops.selectors.windows import window_bounds, window_parts
    from ops.services.rollups import refresh_rollups

    live = every_kpi(history)
    assert not RollupDay.objects.exists()
    result = refresh_rollups(now=NOW)
    assert result["days"] == 31 and result["last"] == NOW.date() - D
    assert ShippingDay.objects.exists() and PickingDay.objects.exists() and PickerDay.objects.exists()
    parts = window_parts(window_bounds("30d", now=NOW))
    assert len(parts.days) == 29 and parts.live == (  # the part of the first day in the window, and today
        (NOW - 30 * D, NOW.replace(hour=0) - 29 * D), (NOW.replace(hour=0), NOW))
    assert every_kpi(history) == live

    # Idempotent: a second run writes the same rows.
    before = sorted(ShippingDay.objects.values_list("day", "warehouse_id", "merchant_id", "shipped", "on_time", "took_us"))
    refresh_rollups(now=NOW)
    after = sorted(ShippingDay.objects.values_list("day", "warehouse_id", "merchant_id", "shipped", "on_time", "took_us"))
    assert after == before

    # A day not rolled up (the job missed it) is read live, and the figures still agree.
    RollupDay.objects.filter(day=NOW.date() - 3 * D).delete()
    assert every_kpi(history) == live


def test_rollup_days_follow_the_window_time_zone(history):
    from django.utils import timezone

    from ops.services.rollups import refresh_rollups

    with timezone.override("America/New_York"):
        live = every_kpi(history)
        refresh_rollups(now=NOW)
        assert every_kpi(history) == live


def test_a_late_event_on_a_closed_day_lands_on_the_next_refresh(history):
    """The rollups are read for closed days: a shipment recorded late for yesterday counts once the job ran
    again (it recomputes the last two closed days every time), and the figure matches the live one again."""
    from ops.models import ShippingDay
    from ops.services.rollups import refresh_rollups
    from tests.ops.factories import H, _fulfillment

    refresh_rollups(now=NOW)
    assert kpi.on_time_ship_rate(warehouse=history.warehouse, window="7d", now=NOW)["shipped"] == 3
    _fulfillment(history, "late_record", status=F.SHIPPED, placed=NOW - D - 6 * H, shipped=NOW - D)
    assert kpi.on_time_ship_rate(warehouse=history.warehouse, window="7d", now=NOW)["shipped"] == 3  # not yet
    result = refresh_rollups(now=NOW)
    assert result["days"] == 2  # the horizon is done: only the last two closed days again
    assert kpi.on_time_ship_rate(warehouse=history.warehouse, window="7d", now=NOW) == {
        "shipped": 4, "on_time": 3, "late": 1, "rate": 0.75}
    # Yesterday: the 10 h late one (shipped 01:00) and the late record (6 h), shortest first.
    assert ShippingDay.objects.get(day=(NOW - D).date(), warehouse=history.warehouse).took_us == [
        6 * 3600 * 10**6, 10 * 3600 * 10**6]


def test_refresh_refuses_a_day_count_below_one():
    from ops.services.rollups import refresh_rollups

    with pytest.raises(ValueError, match="at least 1"):
        refresh_rollups(days=0)


def test_rollups_are_refreshed_by_beat_every_fifteen_minutes(history):
    from celery.schedules import crontab

    from ops.models import RollupDay
    from ops.tasks import refresh_rollups as task
    from wms_project.celery import app

    entry = app.conf.beat_schedule["ops-refresh-rollups"]
    assert entry["task"] == "ops.refresh_rollups" == task.name
    assert entry["schedule"] == crontab(minute="*/15")
    task.apply()
    assert RollupDay.objects.count() == 31


def test_capacity_reads_the_stock_volume_snapshot_while_it_is_fresh(history):
    import datetime as dt

    from django.utils import timezone

    from ops.models import StockVolume
    from ops.services.rollups import refresh_rollups

    def figures(rows):
        return [{k: v for k, v in row.items() if k != "as_of"} for row in rows]

    live = kpi.facility_capacity()
    assert all(row["as_of"] is None for row in live)
    refresh_rollups(now=NOW)
    snapshot = kpi.facility_capacity()
    assert figures(snapshot) == figures(live) and all(row["as_of"] is not None for row in snapshot)
    assert figures(kpi.facility_capacity(warehouse=history.warehouse)) == figures(
        kpi.facility_capacity(warehouse=history.warehouse, live=True))
    inbound = {"expected_units": 60, "documents": 1, "free_units": 30, "capacity": 200, "short": True}
    assert kpi.inbound_against_capacity(warehouse=history.warehouse, now=NOW) == inbound
    assert kpi.inbound_against_capacity(warehouse=history.warehouse, now=NOW, live=True) == inbound
    zones = kpi.zone_utilisation(warehouse=history.warehouse)
    assert zones == kpi.zone_utilisation(warehouse=history.warehouse, live=True)
    assert StockVolume.objects.get(warehouse=history.warehouse).zones  # read from the snapshot, not live

    # Stock moves after the snapshot: the dashboard shows the snapshot until the next run, then the change.
    from inventory.models import BinStock

    BinStock.objects.filter(warehouse=history.warehouse).update(qty=0)
    assert kpi.facility_capacity(warehouse=history.warehouse)[0]["units"] == 670
    assert kpi.facility_capacity(warehouse=history.warehouse, live=True)[0]["units"] == 0
    held = {z["zone"]: (z["units"], z["occupied"]) for z in kpi.zone_utilisation(warehouse=history.warehouse)}
    assert held == {z["zone"]: (z["units"], z["occupied"]) for z in zones} and held["A"] == (170, 2)
    assert {z["units"] for z in kpi.zone_utilisation(warehouse=history.warehouse, live=True)} == {0}
    StockVolume.objects.update(taken_at=timezone.now() - dt.timedelta(minutes=21))  # stale: read live
    assert kpi.facility_capacity(warehouse=history.warehouse)[0]["units"] == 0
    assert {z["units"] for z in kpi.zone_utilisation(warehouse=history.warehouse)} == {0}
    refresh_rollups(now=NOW)
    [row] = kpi.facility_capacity(warehouse=history.warehouse)
    assert (row["units"], row["over"], row["as_of"] is not None) == (0, False, True)


def test_an_empty_window_at_midnight_counts_nothing(history):
    midnight = NOW.replace(hour=0)
    assert kpi.on_time_ship_rate(window="today", now=midnight) == {"shipped": 0, "on_time": 0, "late": 0, "rate": None}
    assert kpi.order_to_ship_times(window="today", now=midnight)["p50_hours"] is None


def test_the_shipped_late_list_is_the_late_figure(history):
    for window in ("today", "7d", "30d"):
        for warehouse in (None, history.warehouse):
            late = kpi.fulfillments_shipped_late(warehouse=warehouse, window=window, now=NOW)
            rate = kpi.on_time_ship_rate(warehouse=warehouse, window=window, now=NOW)
            assert late.count() == rate["late"]
            assert all(fo.ship_by is not None and fo.shipped_at > fo.ship_by for fo in late)
    assert kpi.fulfillments_shipped_late(warehouse=history.warehouse, window="30d", now=NOW).exists()
