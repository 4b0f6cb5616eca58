"""The OMS's domain events: what happened to an order, as merchants' other systems and 3PL billing hear of it.

Every order event is recorded by the service that makes the change, in its transaction and under the order's
lock, so an order's events are numbered in the order they happened. The payload is the event's public body
(docs/EVENTS.md): plain JSON that always names the order (`order_id`, `order_number`, `external_id`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from core.events import event_record
from core.models import DomainEvent
from orders.models import FulfillmentOrder, Order, OrderLine


def event_lines(pairs: Iterable[tuple[OrderLine, int]]) -> list[dict[str, Any]]:
    """(order line, qty) pairs as events carry them: the line ids (ours and the storefront's), SKU, quantity."""
    return [
        {"order_line_id": line.pk, "external_line_id": line.external_line_id, "sku": line.sku, "qty": qty}
        for line, qty in pairs if qty > 0
    ]


def order_event_record(
    kind: str, *, order: Order, fulfillment: FulfillmentOrder | None = None, warehouse_id: int | None = None,
    **payload: Any,
) -> DomainEvent:
    """Record `kind` for the order in the caller's transaction (which holds the order's lock)."""
    body: dict[str, Any] = {"order_id": order.pk, "order_number": order.order_number, "external_id": order.external_id}
    if fulfillment is not None:
        warehouse_id = fulfillment.warehouse_id
        body["fulfillment_order_id"] = fulfillment.pk
        body["warehouse"] = fulfillment.warehouse.code
    body.update(payload)
    return event_record(kind, merchant_id=order.merchant_id, resource_type="order", resource_id=order.pk,
                        payload=body, warehouse_id=warehouse_id)
