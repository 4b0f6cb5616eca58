"""Read-only figures for the operations dashboards and the merchant portal.

Every KPI is a named function over a facility (`warehouse`, None for all), an optional `merchant` and a
window ("today", "7d", "30d"; see `windows.py`). Functions that name a set of rows return the queryset
behind the figure, so a dashboard figure and the list it links to are the same query."""

from ops.selectors.accuracy import (
    ORDER_ACCURACY_YARDSTICK,
    counts_done,
    facility_throughput,
    inventory_accuracy,
    lines_picked,
    pack_mismatches,
    pick_accuracy,
    pick_failures,
    picker_throughput,
)
from ops.selectors.capacity import (
    awaiting_manifest,
    facility_capacity,
    inbound_against_capacity,
    inbound_this_week,
    queue_fulfillments,
    work_queues,
    zone_utilisation,
)
from ops.selectors.sla import (
    discrepancies_by_age,
    dock_to_stock,
    fulfillment_counts,
    fulfillments_at_risk,
    fulfillments_due_today,
    fulfillments_shipped,
    fulfillments_shipped_late,
    on_time_ship_rate,
    open_discrepancies,
    open_fulfillments,
    order_to_ship_times,
    parked_inbox,
    parked_messages,
    parked_outbox,
    receipts_stocked,
    returns_received_to_graded,
    shipped_figures,
    sla_summary,
)
from ops.selectors.windows import DEFAULT_WINDOW, WINDOWS, Window, window_bounds

__all__ = [
    "DEFAULT_WINDOW", "ORDER_ACCURACY_YARDSTICK", "WINDOWS", "Window", "awaiting_manifest", "counts_done",
    "discrepancies_by_age", "dock_to_stock", "facility_capacity", "facility_throughput", "fulfillment_counts",
    "fulfillments_at_risk", "fulfillments_due_today", "fulfillments_shipped", "fulfillments_shipped_late",
    "inbound_against_capacity", "inbound_this_week", "inventory_accuracy", "lines_picked", "on_time_ship_rate",
    "open_discrepancies", "open_fulfillments", "order_to_ship_times", "pack_mismatches", "parked_inbox",
    "parked_messages", "parked_outbox", "pick_accuracy", "pick_failures", "picker_throughput",
    "queue_fulfillments", "receipts_stocked", "returns_received_to_graded", "shipped_figures", "sla_summary", "window_bounds",
    "work_queues", "zone_utilisation",
]
