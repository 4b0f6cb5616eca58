"""The watch jobs: find what needs someone's attention and tell the people who act on it, once per thing."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from core import roles
from inventory.models import DriftFinding
from ops.models import NotificationKind as K
from ops.selectors import facility_capacity, fulfillments_at_risk, open_discrepancies, parked_inbox, parked_outbox
from ops.services.notifications import Alert, notifications_raise
from orders.services.priority import URGENT_PRIORITY, order_priority_raise

WATCHER = "ops.watch"
BATCH = 500
DISCREPANCY_AGEING = dt.timedelta(hours=24)
FLOOR_MANAGERS = (roles.OPS_MANAGER, roles.WAREHOUSE_MANAGER)


def _minutes_ahead(fulfillment) -> int:
    return int(fulfillment.work_ahead.total_seconds() // 60)  # annotated by fulfillments_at_risk


def sla_risks_escalate(*, now: dt.datetime | None = None, limit: int = BATCH) -> dict:
    """Orders about to miss their ship-by go to the front of the pick queue (priority raised through the OMS),
    and the floor managers hear of each once."""
    now = now or timezone.now()
    risky = list(fulfillments_at_risk(now=now).select_related("order", "warehouse").order_by("ship_by", "pk")[:limit])
    raised = order_priority_raise(order_ids={fo.order_id for fo in risky if fo.order.priority < URGENT_PRIORITY},
                                  actor=WATCHER, reason="ship-by at risk")
    alerts = [Alert(
        kind=K.SLA_RISK, key=f"sla_risk:fo:{fo.pk}", warehouse_id=fo.warehouse_id, roles=FLOOR_MANAGERS,
        title=f"Order {fo.order.order_number} at {fo.warehouse.code} may miss its ship-by",
        body=(f"Ship by {timezone.localtime(fo.ship_by):%Y-%m-%d %H:%M}; now {fo.get_status_display().lower()}, "
              f"with about {_minutes_ahead(fo)} minutes of work ahead. Priority raised."),
        url=reverse("orders:order_detail", args=[fo.order_id]),
    ) for fo in risky]
    return {"at_risk": len(risky), "raised": len(raised), "notified": len(notifications_raise(alerts=alerts))}


def drift_findings_announce(*, now: dt.datetime | None = None, since: dt.timedelta = dt.timedelta(days=1)) -> int:
    """A broken stock invariant, once per product, facility and kind per day (the drift check finds it again
    every run until someone fixes it)."""
    now = now or timezone.now()
    findings = (DriftFinding.objects.filter(found_at__gte=now - since).select_related("product", "warehouse")
                .order_by("-found_at")[:BATCH])
    alerts = [Alert(
        kind=K.DRIFT, key=f"drift:{f.warehouse_id}:{f.product_id}:{f.kind}:{timezone.localdate(f.found_at)}",
        warehouse_id=f.warehouse_id, roles=(roles.INVENTORY_CONTROLLER, roles.WAREHOUSE_MANAGER),
        title=f"Stock drift: {f.product.sku} at {f.warehouse.code}",
        body=f"{f.get_kind_display()}: recorded {f.recorded}, detail rows add up to {f.recomputed}.",
        url=reverse("inventory:product_list") + f"?q={f.product.sku}",
    ) for f in findings]
    return len(notifications_raise(alerts=alerts))


def parked_deliveries_announce() -> int:
    """Storefront deliveries and updates parked for an operator."""
    alerts = [Alert(
        kind=K.PARKED_INBOX, key=f"parked_inbox:{d.pk}", roles=(roles.OPS_MANAGER, roles.CUSTOMER_SERVICE),
        title=f"Storefront delivery parked: {d.topic} from {d.channel.name}",
        body=(d.last_error or "")[:1000], url=reverse("orders:inbox"),
    ) for d in parked_inbox().select_related("channel").order_by("pk")[:BATCH]]
    alerts += [Alert(
        kind=K.PARKED_OUTBOX, key=f"parked_outbox:{m.pk}", roles=(roles.OPS_MANAGER, roles.CUSTOMER_SERVICE),
        title=f"Storefront update parked: {m.get_kind_display()} for {m.order.order_number}",
        body=(m.last_error or "")[:1000], url=reverse("orders:outbox"),
    ) for m in parked_outbox().select_related("order").order_by("pk")[:BATCH]]
    return len(notifications_raise(alerts=alerts))


def ageing_discrepancies_announce(*, now: dt.datetime | None = None, older_than: dt.timedelta = DISCREPANCY_AGEING) -> int:
    now = now or timezone.now()
    rows = (open_discrepancies().filter(created_at__lte=now - older_than).select_related("product", "bin", "warehouse")
            .order_by("created_at", "pk")[:BATCH])
    alerts = [Alert(
        kind=K.DISCREPANCY_AGEING, key=f"discrepancy_ageing:{d.pk}", warehouse_id=d.warehouse_id,
        roles=(roles.WAREHOUSE_MANAGER, roles.INVENTORY_CONTROLLER),
        title=f"Discrepancy open over {int(older_than.total_seconds() // 3600)} h: {d.product.sku} in {d.bin.code}",
        body=f"{d.get_kind_display()} at {d.warehouse.code}, reported {timezone.localtime(d.created_at):%Y-%m-%d %H:%M}.",
        url=reverse("warehouse:discrepancy_queue"),
    ) for d in rows]
    return len(notifications_raise(alerts=alerts))


def capacity_announce(*, now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    alerts = [Alert(
        kind=K.CAPACITY, key=f"capacity:{row['warehouse'].pk}:{timezone.localdate(now)}",
        warehouse_id=row["warehouse"].pk, roles=FLOOR_MANAGERS,
        title=f"{row['warehouse'].code} is over its capacity threshold ({row['warehouse'].capacity_alert_pct}%)",
        body=f"Cubic use {row['cubic_pct']}, bin use {row['bin_pct']}.",
        url=reverse("ops:capacity") + f"?warehouse={row['warehouse'].code}",
    ) for row in facility_capacity() if row["over"]]
    return len(notifications_raise(alerts=alerts))
