"""Every dashboard figure on a small history whose answers were worked out by hand (see factories.py)."""

import pytest

from ops import selectors as kpi
from tests.ops.factories import NOW, build_history

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
