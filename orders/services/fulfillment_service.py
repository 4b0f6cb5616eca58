"""The warehouse as a Shopify fulfillment service: the shop assigns fulfillment orders to our location, pings the
callback (stored in the inbox), and we fetch what is assigned and answer each request through the order's outbox.

What we accept and reject, as 3PLs in the ShipHero mould do: a fulfillment request is rejected only when the
warehouse could never ship it as sent, which is a SKU that is not in the merchant's catalog (reason
INELIGIBLE_PRODUCT, the SKUs named; the merchant fixes the product and requests again). Everything else is
accepted and handled like any order: short stock is backordered, an unpaid order or a bad address is held with
its reason. Either way the order goes through the normal intake, so a rejected request stays on record (the
order is cancelled with the reason). A cancellation request is accepted while the warehouse can still stop the
work without a label having been bought (the cancellation saga takes units out of waves and back to their
bins); once the order is packed and labelled, or shipped, it is refused with the reason. A hold the merchant
places on the fulfillment order on Shopify holds our order until it is released there.

Every call to Shopify is an outbox message (lease, retry, park); only the reads (assigned fulfillment orders,
the order) happen in the task, with no transaction open.
"""

from __future__ import annotations

import dataclasses
import logging
from typing import Any

from django.db import transaction

from orders.adapters.base import NormalizedOrder, PayloadError, PeerError
from orders.channels import adapter_for, client_for
from orders.exceptions import InvalidOrder
from orders.locks import lock_order
from orders.models import (
    Channel,
    FulfillmentOrder,
    HoldKind,
    Order,
    OrderHold,
    OutboxKind,
    StorefrontFulfillmentRequest,
)
from orders.selectors import cancellable
from orders.services.allocation import order_release_reservations
from orders.services.cancellation import order_cancel
from orders.services.intake import order_queue_allocation, order_upsert
from orders.services.outbox import outbox_record
from orders.services.timeline import hold_place, hold_release_kind, order_event
from orders.state import FINAL, FULFILLMENT_LABELLED, PICKING_STARTED

log = logging.getLogger(__name__)
ACTOR = "Shopify fulfillment service"
Request = StorefrontFulfillmentRequest


def fulfillment_service_sync(*, channel_id: int) -> dict[str, int]:
    """Fetch the fulfillment orders Shopify assigned to us with an open request, and answer each one not
    answered yet. Reads only here (no transaction open); each answer is one transaction with its outbox row."""
    channel = Channel.objects.select_related("merchant").get(pk=channel_id)
    if channel.kind != Channel.Kind.SHOPIFY or not channel.is_active:
        return {}
    client = client_for(channel)
    outcome: dict[str, int] = {}

    def count(what: str) -> None:
        outcome[what] = outcome.get(what, 0) + 1

    for fulfillment_order in client.assigned_fulfillment_orders("FULFILLMENT_REQUESTED"):
        if Request.objects.filter(channel=channel, fulfillment_order_ref=fulfillment_order["id"]).exists():
            count("already answered")
            continue
        order_id = (fulfillment_order.get("order") or {}).get("legacyResourceId") or \
            str((fulfillment_order.get("order") or {}).get("id", "")).rsplit("/", 1)[-1]
        shop_order = client.fetch_order(order_id)
        count(fulfillment_request_answer(channel=channel, fulfillment_order=fulfillment_order, shop_order=shop_order))
    for fulfillment_order in client.assigned_fulfillment_orders("CANCELLATION_REQUESTED"):
        count(fulfillment_cancellation_answer(channel=channel, fulfillment_order_ref=fulfillment_order["id"]))
    return outcome


def _assigned_lines(normalized: NormalizedOrder, fulfillment_order: dict[str, Any]) -> NormalizedOrder:
    """The order as the warehouse must ship it: only the lines of this fulfillment order, at the quantity left."""
    wanted: dict[str, int] = {}
    for item in (fulfillment_order.get("lineItems") or {}).get("nodes") or []:
        line_id = str((item.get("lineItem") or {}).get("id", "")).rsplit("/", 1)[-1]
        remaining = item.get("remainingQuantity")
        if not isinstance(remaining, int) or isinstance(remaining, bool):
            raise PayloadError(f"fulfillment order line {item.get('id')} has no whole remaining quantity")
        wanted[line_id] = wanted.get(line_id, 0) + remaining
    lines = tuple(dataclasses.replace(line, quantity=wanted[line.external_line_id])
                  for line in normalized.lines if wanted.get(line.external_line_id, 0) > 0)
    if not lines:
        raise PayloadError(f"fulfillment order {fulfillment_order.get('id')} has no line of its order left to ship")
    return dataclasses.replace(normalized, lines=lines)


@transaction.atomic
def fulfillment_request_answer(*, channel: Channel, fulfillment_order: dict[str, Any], shop_order: dict[str, Any]) -> str:
    """Take the fulfillment order in through the normal intake and answer its request. Answering twice
    changes nothing."""
    ref = str(fulfillment_order.get("id") or "")
    if not 0 < len(ref) <= 255:
        raise PayloadError("the fulfillment order has no id")
    if Request.objects.filter(channel=channel, fulfillment_order_ref=ref).exists():
        return "already answered"
    try:
        normalized = _assigned_lines(adapter_for(channel.kind).normalize(shop_order), fulfillment_order)
    except PayloadError as exc:
        raise InvalidOrder(f"fulfillment order {ref}: {exc}") from exc
    order = order_upsert(channel=channel, normalized=normalized, source="fulfillment request", actor=ACTOR).order
    order = lock_order(order.pk)
    unknown = list(OrderHold.objects.filter(order=order, kind=HoldKind.UNKNOWN_SKU, released_at__isnull=True)
                   .values_list("reason", flat=True))
    if unknown:
        reason = f"not in the warehouse's catalog: {'; '.join(unknown)}"[:500]
        Request.objects.create(channel=channel, fulfillment_order_ref=ref, order=order,
                               decision=Request.Decision.REJECTED, reason=reason)
        order_event(order=order, kind="fulfillment_request_rejected", actor=ACTOR,
                    message=f"Fulfillment request {ref} rejected: {reason}", fulfillment_order=ref)
        outbox_record(order=order, kind=OutboxKind.FULFILLMENT_REJECTED, payload={
            "fulfillment_order_id": ref, "reason": "INELIGIBLE_PRODUCT", "message": reason[:255]})
        order_cancel(order=order, actor=ACTOR, reason=f"fulfillment request rejected: {reason}"[:500],
                     notify_storefront=False)
        return "rejected"
    Request.objects.create(channel=channel, fulfillment_order_ref=ref, order=order, decision=Request.Decision.ACCEPTED)
    order_event(order=order, kind="fulfillment_request_accepted", actor=ACTOR,
                message=f"Fulfillment request {ref} accepted", fulfillment_order=ref)
    outbox_record(order=order, kind=OutboxKind.FULFILLMENT_ACCEPTED, payload={
        "fulfillment_order_id": ref, "message": f"Accepted by the warehouse as order {order.order_number}"})
    return "accepted"


def _locked_request(channel: Channel, ref: str) -> tuple[Order, StorefrontFulfillmentRequest] | None:
    """The order first, then its request row (the house lock order starts at the order)."""
    order_id = Request.objects.filter(channel=channel, fulfillment_order_ref=ref).values_list("order_id", flat=True).first()
    if order_id is None:
        return None
    order = lock_order(order_id)
    request = Request.objects.select_for_update(of=("self",), no_key=True).get(channel=channel, fulfillment_order_ref=ref)
    return order, request


@transaction.atomic
def fulfillment_cancellation_answer(*, channel: Channel, fulfillment_order_ref: str) -> str:
    """Accept the cancellation while the warehouse can still stop without a label bought (the order is cancelled
    through the saga), refuse it with the reason once the order is packed and labelled or has shipped."""
    found = _locked_request(channel, fulfillment_order_ref)
    if found is None:
        return "unknown"
    order, request = found
    if request.cancellation:
        return "already answered"
    ok, why = cancellable(order)
    if ok and order.fulfillment_orders.filter(status__in=FULFILLMENT_LABELLED).exists():
        ok, why = False, "the order is packed and labelled; it leaves with the carrier"
    if request.decision == Request.Decision.REJECTED:
        ok, why = True, "the fulfillment request was rejected"
    request.cancellation = Request.Cancellation.ACCEPTED if ok else Request.Cancellation.REJECTED
    request.cancellation_reason = (why if not ok else "")[:500]
    request.save(update_fields=["cancellation", "cancellation_reason", "updated_at"])
    if not ok:
        order_event(order=order, kind="cancel_refused", actor=ACTOR,
                    message=f"Cancellation request from Shopify refused: {why}", fulfillment_order=fulfillment_order_ref)
        outbox_record(order=order, kind=OutboxKind.CANCEL_REJECTED, payload={
            "fulfillment_order_id": fulfillment_order_ref, "message": f"Cannot cancel: {why}"[:255]})
        return "cancellation refused"
    if order.status != Order.Status.CANCELLED:
        order_cancel(order=order, actor=ACTOR, reason="cancellation requested on Shopify", notify_storefront=False)
    outbox_record(order=order, kind=OutboxKind.CANCEL_ACCEPTED, payload={
        "fulfillment_order_id": fulfillment_order_ref, "message": "Cancelled by the warehouse"})
    return "cancellation accepted"


@transaction.atomic
def fulfillment_hold_apply(*, channel: Channel, fulfillment_order_ref: str, held: bool, reason: str = "") -> str:
    """A hold placed (held) or released on Shopify for a fulfillment order assigned to us: our order is held
    (its reservations given back) or released to allocation. A hold that arrives once picking has started is
    recorded on the timeline and not applied: the order is stopped by a cancellation, not a hold."""
    found = _locked_request(channel, fulfillment_order_ref)
    if found is None:
        return "unknown"
    order, request = found
    reason = (reason or "held on Shopify")[:200]
    if held:
        request.held_on_storefront = True
        request.save(update_fields=["held_on_storefront", "updated_at"])
        if order.status in FINAL:
            return f"order is {order.status}"
        if order.status in PICKING_STARTED or order.fulfillment_orders.filter(
                status__in=[FulfillmentOrder.Status.PICKING, FulfillmentOrder.Status.PACKED]).exists():
            order_event(order=order, kind="storefront_hold_too_late", actor=ACTOR,
                        message=f"Held on Shopify ({reason}) after picking started: not held here")
            return "too late"
        hold_place(order=order, kind=HoldKind.STOREFRONT_HOLD, reason=reason, actor=ACTOR)
        order_release_reservations(order=order, actor=ACTOR, reason=f"order on hold: {reason}")
        return "held"
    request.held_on_storefront = False
    request.save(update_fields=["held_on_storefront", "updated_at"])
    if not hold_release_kind(order=order, kind=HoldKind.STOREFRONT_HOLD, actor=ACTOR, reason="released on Shopify"):
        return "not held"
    if order.status == Order.Status.PENDING:
        order_queue_allocation(order)
    return "released"


def fulfillment_service_poll() -> dict[int, str]:
    """The beat's catch-up for pings Shopify did not send or we did not get: every fulfillment service channel."""
    outcome: dict[int, str] = {}
    for channel_id in Channel.objects.filter(kind=Channel.Kind.SHOPIFY, is_active=True, is_fulfillment_service=True) \
            .order_by("pk").values_list("pk", flat=True):
        try:
            outcome[channel_id] = str(fulfillment_service_sync(channel_id=channel_id))
        except (PeerError, InvalidOrder) as exc:  # one shop down or one bad order does not stop the others
            log.warning("fulfillment service channel %s: %s", channel_id, exc)
            outcome[channel_id] = f"error: {exc}"
    return outcome
