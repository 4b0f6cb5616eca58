"""Return authorizations: created from a shipped order (customer service, the merchant portal, or a
storefront over REST), authorized, cancelled while nothing has arrived."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum

from core.actors import actor_label
from layout.models import Warehouse
from orders.models import Order, OrderLine
from orders.selectors import shipped_qty_by_line, shipping_warehouse_ids
from returns.exceptions import OverReturn, ReturnIdempotencyConflict, ReturnRefused
from returns.locks import lock_order_row, lock_rma
from returns.models import (
    ReasonCode,
    Resolution,
    ReturnAuthorization,
    ReturnEvent,
    ReturnIdempotencyKey,
    ReturnLine,
    RmaStatus,
    rma_number,
)
from returns.state import rma_transition


@dataclass(frozen=True)
class RequestedLine:
    order_line_id: int
    qty: int
    reason: str
    exchange_sku: str = ""


def returnable_qty_by_line(order_id: int, *, excluding_rma_id: int | None = None) -> dict[int, int]:
    """Shipped minus what open or finished returns already claim (cancelled returns claim nothing)."""
    shipped = shipped_qty_by_line(order_id)
    claimed = (ReturnLine.objects.filter(rma__order_id=order_id).exclude(rma__status=RmaStatus.CANCELLED)
               .exclude(rma_id=excluding_rma_id).values("order_line_id").annotate(n=Sum("qty")))
    taken = {row["order_line_id"]: row["n"] for row in claimed}
    return {line_id: qty - taken.get(line_id, 0) for line_id, qty in shipped.items()}


def reason_for(merchant, code: str) -> ReasonCode:
    reason = (ReasonCode.objects.filter(code=code, is_active=True, merchant=merchant).first()
              or ReasonCode.objects.filter(code=code, is_active=True, merchant__isnull=True).first())
    if reason is None:
        known = sorted(set(ReasonCode.objects.filter(is_active=True).filter(merchant__isnull=True)
                           .values_list("code", flat=True)) | set(ReasonCode.objects.filter(merchant=merchant, is_active=True)
                                                                  .values_list("code", flat=True)))
        raise ReturnRefused(f"unknown return reason {code!r} (one of {', '.join(known)})")
    return reason


@transaction.atomic
def rma_create(*, order: Order, lines: Sequence[RequestedLine], resolution: str, actor, source: str,
               warehouse: Warehouse | None = None, customer_note: str = "", authorize: bool = False) -> ReturnAuthorization:
    """Open a return for units of a shipped order; never more than shipped minus already returned."""
    if resolution not in Resolution.values:
        raise ReturnRefused(f"unknown resolution {resolution!r} (one of {', '.join(Resolution.values)})")
    if not lines:
        raise ReturnRefused("a return needs at least one line")
    lock_order_row(order.pk)
    order_lines = {line.pk: line for line in OrderLine.objects.filter(order=order).select_related("product")}
    returnable = returnable_qty_by_line(order.pk)
    seen: set[int] = set()
    for requested in lines:
        line = order_lines.get(requested.order_line_id)
        if line is None:
            raise ReturnRefused(f"order line {requested.order_line_id} is not on order {order.order_number}")
        if requested.order_line_id in seen:
            raise ReturnRefused(f"order line {line.sku} is named twice")
        seen.add(requested.order_line_id)
        if not isinstance(requested.qty, int) or requested.qty < 1:
            raise ReturnRefused(f"{line.sku}: a return quantity must be a whole number of at least 1")
        if line.product_id is None:
            raise ReturnRefused(f"{line.sku} is not a known product of the merchant")
        can = returnable.get(line.pk, 0)
        if requested.qty > can:
            raise OverReturn(f"{line.sku}: {requested.qty} asked, only {max(can, 0)} shipped and not yet returned",
                             sku=line.sku, returnable=max(can, 0))
        if resolution == Resolution.EXCHANGE and not requested.exchange_sku:
            raise ReturnRefused(f"{line.sku}: an exchange names the SKU wanted instead")
    if warehouse is None:
        shipped_from = shipping_warehouse_ids(order.pk)
        if not shipped_from:
            raise ReturnRefused(f"order {order.order_number} has not shipped: nothing to return")
        warehouse = Warehouse.objects.get(pk=shipped_from[0])
    rma = ReturnAuthorization.objects.create(
        merchant=order.merchant, order=order, warehouse=warehouse, resolution=resolution, source=source[:40],
        created_by=actor_label(actor), customer_note=customer_note,
    )
    rma.number = rma_number(rma.pk)
    rma.save(update_fields=["number"])
    ReturnLine.objects.bulk_create([
        ReturnLine(rma=rma, order_line_id=r.order_line_id, product_id=order_lines[r.order_line_id].product_id, qty=r.qty,
                   reason=reason_for(order.merchant, r.reason), exchange_sku=r.exchange_sku)
        for r in lines
    ])
    ReturnEvent.objects.create(rma=rma, kind="created", message=f"Return {rma.number} requested ({source})",
                               actor_label=actor_label(actor))
    if authorize:
        rma_transition(rma=rma, to=RmaStatus.AUTHORIZED, actor=actor, reason="authorized on creation")
    return rma


def rma_create_via_api(*, order: Order, lines: Sequence[RequestedLine], resolution: str, actor, source: str,
                       idempotency_key: str | None, body: dict, authorize: bool = True) -> tuple[ReturnAuthorization, bool]:
    """Returns (rma, created). The same key and body: the same RMA; the same key, another body: refused."""
    body_hash = hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode()).hexdigest()
    if idempotency_key:
        seen = ReturnIdempotencyKey.objects.filter(merchant=order.merchant, key=idempotency_key).select_related("rma").first()
        if seen:
            return _replay(seen, body_hash)
    try:
        with transaction.atomic():
            rma = rma_create(order=order, lines=lines, resolution=resolution, actor=actor, source=source,
                             authorize=authorize)
            if idempotency_key:
                ReturnIdempotencyKey.objects.create(merchant=order.merchant, key=idempotency_key, request_hash=body_hash, rma=rma)
            return rma, True
    except IntegrityError:  # the same key raced us and won
        seen = ReturnIdempotencyKey.objects.select_related("rma").filter(merchant=order.merchant, key=idempotency_key).first()
        if seen is None:
            raise
        return _replay(seen, body_hash)


def _replay(seen: ReturnIdempotencyKey, body_hash: str) -> tuple[ReturnAuthorization, bool]:
    if seen.request_hash != body_hash:
        raise ReturnIdempotencyConflict("this Idempotency-Key was used with a different request body")
    return seen.rma, False


@transaction.atomic
def rma_authorize(*, rma: ReturnAuthorization, actor) -> ReturnAuthorization:
    rma = lock_rma(rma.pk)
    rma_transition(rma=rma, to=RmaStatus.AUTHORIZED, actor=actor)
    return rma


@transaction.atomic
def rma_cancel(*, rma: ReturnAuthorization, actor, reason: str) -> ReturnAuthorization:
    """Only before anything arrived; the units it claimed become returnable again."""
    lock_order_row(rma.order_id)
    rma = lock_rma(rma.pk)
    rma_transition(rma=rma, to=RmaStatus.CANCELLED, actor=actor, reason=reason or "cancelled")
    return rma


@transaction.atomic
def rma_mark_in_transit(*, rma: ReturnAuthorization, actor) -> ReturnAuthorization:
    """The carrier scanned the return label: the parcel is on its way."""
    rma = lock_rma(rma.pk)
    if rma.status == RmaStatus.AUTHORIZED:
        rma_transition(rma=rma, to=RmaStatus.IN_TRANSIT, actor=actor, reason="carrier scanned the return label")
    return rma
