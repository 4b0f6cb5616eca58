"""The fulfillment order's lifecycle: the one way its status changes, whoever reports the change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from core.actors import Actor
from orders.locks import lock_fulfillment
from orders.models import FulfillmentOrder
from orders.services.timeline import order_event
from orders.state import FULFILLMENT


@transaction.atomic
def fulfillment_transition(
    *, fulfillment: FulfillmentOrder, to: str, actor: Actor, reason: str, extra: Mapping[str, Any] | None = None,
) -> FulfillmentOrder:
    """Check the change against `orders.state.FULFILLMENT`, save it (with `extra` fields) and write it on the
    order's timeline. Takes the fulfillment order's lock (a caller that follows the lock order holds the
    order's lock already). A change to the current status is a no-op. Returns the locked, changed row."""
    locked = lock_fulfillment(fulfillment.pk)
    previous = FULFILLMENT.apply(locked, to, extra=extra, label=f"FO-{locked.pk}")
    if previous != to:
        order_event(
            order=locked.order, kind="fulfillment", actor=actor,
            message=f"FO-{locked.pk} ({locked.warehouse.code}): {FulfillmentOrder.Status(previous).label} → "
                    f"{FulfillmentOrder.Status(to).label}: {reason}",
            fulfillment_order=locked.pk, previous=previous, status=to,
        )
    elif extra:
        for name, value in extra.items():
            setattr(locked, name, value)
        locked.save(update_fields=[*extra, "updated_at"])
    fulfillment.__dict__.update({f.attname: getattr(locked, f.attname) for f in locked._meta.concrete_fields})
    return locked
