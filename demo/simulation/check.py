"""The end-of-day check: stock (ledger vs bins vs levels through the drift check; nothing negative, nothing
oversold) and orders (every webhook sent became exactly one order; every delivery processed)."""

from __future__ import annotations

from collections import Counter

from django.db.models import Count, F, Q

from inventory.models import BinStock, StockLevel
from inventory.services.drift import drift_check
from orders.models import FulfillmentOrder, InboxDelivery, Order


def invariant_report(*, channel_id: int, sent_ids: list[str]) -> dict:
    findings = drift_check()
    # Oversold: more promised (reserved or picked) than the building physically holds, or a counter below zero.
    negative_levels = StockLevel.objects.filter(
        Q(on_hand__lt=0) | Q(allocated__lt=0) | Q(unavailable__lt=0) | Q(on_hand__lt=F("allocated"))).count()
    # Not an oversell but worth seeing: stock flagged by a pick failure left reservations uncovered, which
    # the floor re-sources when a picker reaches them.
    uncovered = StockLevel.objects.filter(on_hand__gte=F("allocated"),
                                          on_hand__lt=F("allocated") + F("unavailable")).count()
    negative_bins = BinStock.objects.filter(qty__lt=0).count()
    orders = Order.objects.filter(channel_id=channel_id)
    per_external = dict(orders.values_list("external_id").annotate(n=Count("id")).values_list("external_id", "n"))
    sent = Counter(sent_ids)
    lost = sorted(set(sent) - set(per_external))
    duplicated = sorted(k for k, n in per_external.items() if n > 1)
    unexpected = sorted(set(per_external) - set(sent))
    deliveries = InboxDelivery.objects.filter(channel_id=channel_id)
    by_delivery = dict(deliveries.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    unprocessed = sum(n for status, n in by_delivery.items() if status != InboxDelivery.Status.PROCESSED)
    report = {
        "drift_findings": [f"{f.kind} product {f.product_id} warehouse {f.warehouse_id}: recorded {f.recorded}, "
                           f"recomputed {f.recomputed}" for f in findings],
        "negative_levels": negative_levels,
        "negative_bins": negative_bins,
        "uncovered_by_flagged_stock": uncovered,
        "webhooks_sent": len(sent_ids),
        "orders": orders.count(),
        "lost_orders": lost[:20], "lost_count": len(lost),
        "duplicated_orders": duplicated[:20], "duplicated_count": len(duplicated),
        "unexpected_orders": len(unexpected),
        "deliveries": sum(by_delivery.values()),
        "deliveries_by_status": by_delivery,
        "unprocessed_deliveries": unprocessed,
        "orders_by_status": dict(orders.values_list("status").annotate(n=Count("id")).values_list("status", "n")),
        "fulfillments_by_status": dict(FulfillmentOrder.objects.filter(order__channel_id=channel_id)
                                       .values_list("status").annotate(n=Count("id")).values_list("status", "n")),
    }
    report["clean"] = not (findings or negative_levels or negative_bins or lost or duplicated or unexpected or unprocessed
                           or report["deliveries"] != len(sent_ids))
    return report
