"""The webhook inbox: store every verified delivery raw, once; process it in a task that is safe
to run twice; retry with backoff; park what keeps failing for an operator to replay."""

from __future__ import annotations

import json
import logging
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from orders.channels import adapter_for, client_for
from orders.adapters.base import PayloadError, WebhookEvent
from orders.models import Channel, InboxDelivery, Order
from orders.services.cancellation import order_cancel
from orders.services.intake import order_upsert

log = logging.getLogger(__name__)
SECRET_HEADERS = {"authorization", "x-wms-webhook-secret", "x-auth-token", "cookie"}


class PermanentInboxError(Exception):
    """Processing cannot succeed by retrying (malformed payload): park at once."""


def inbox_accept(
    *, channel: Channel, event: WebhookEvent, headers: dict, body: bytes | str, source: str = InboxDelivery.Source.WEBHOOK,
    suspicious: str = "",
) -> tuple[InboxDelivery, bool]:
    """Store the delivery unless the same event is already stored; returns (delivery, created)."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    kept_headers = {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}
    try:
        with transaction.atomic():
            delivery = InboxDelivery.objects.create(
                channel=channel, source=source, dedup_key=event.event_id[:255], topic=event.topic,
                external_order_id=str(event.external_order_id or "")[:64], headers=kept_headers, body=text,
                triggered_at=getattr(event, "triggered_at", None), suspicious=suspicious,
            )
    except IntegrityError:
        InboxDelivery.objects.filter(channel=channel, dedup_key=event.event_id[:255]).update(duplicates=F("duplicates") + 1)
        return InboxDelivery.objects.get(channel=channel, dedup_key=event.event_id[:255]), False
    from orders.tasks import process_delivery

    transaction.on_commit(partial(process_delivery.delay, delivery.pk))
    return delivery, True


def inbox_process(*, delivery_id: int) -> str:
    """Turn a stored delivery into an order change. Idempotent: a processed delivery is skipped."""
    delivery = InboxDelivery.objects.select_related("channel__merchant").get(pk=delivery_id)
    if delivery.status in (InboxDelivery.Status.PROCESSED, InboxDelivery.Status.IGNORED):
        return delivery.status
    channel = delivery.channel
    adapter = adapter_for(channel.kind)
    try:
        payload = json.loads(delivery.body) if delivery.body else {}
    except json.JSONDecodeError as exc:
        raise PermanentInboxError(f"stored body is not JSON: {exc}") from exc
    if delivery.topic == "order.cancelled" and not _looks_like_full_order(channel.kind, payload):
        return _cancel_by_external_id(delivery)
    if channel.kind == Channel.Kind.BIGCOMMERCE and delivery.source == InboxDelivery.Source.WEBHOOK:
        payload = client_for(channel).fetch_order(delivery.external_order_id)  # network: no lock held
    try:
        normalized = adapter.normalize(payload)
    except (PayloadError, KeyError, TypeError, ValueError) as exc:
        raise PermanentInboxError(f"cannot read the order: {exc}") from exc
    with transaction.atomic():
        locked = InboxDelivery.objects.select_for_update().get(pk=delivery.pk)
        if locked.status in (InboxDelivery.Status.PROCESSED, InboxDelivery.Status.IGNORED):
            return locked.status
        result = order_upsert(channel=channel, normalized=normalized, source=f"{delivery.source} {delivery.topic}")
        locked.status = InboxDelivery.Status.IGNORED if result.outcome == "stale" else InboxDelivery.Status.PROCESSED
        locked.order = result.order
        locked.processed_at = timezone.now()
        locked.attempts = F("attempts") + 1
        locked.last_error = ""
        locked.save(update_fields=["status", "order", "processed_at", "attempts", "last_error"])
    return result.outcome


def _looks_like_full_order(kind: str, payload: dict) -> bool:
    return bool(payload.get("line_items") or payload.get("products"))


def _cancel_by_external_id(delivery: InboxDelivery) -> str:
    with transaction.atomic():
        locked = InboxDelivery.objects.select_for_update().get(pk=delivery.pk)
        order = Order.objects.filter(channel=delivery.channel, external_id=delivery.external_order_id).first()
        if order is not None and order.status != Order.Status.CANCELLED:
            order_cancel(order=order, actor=f"{delivery.channel.get_kind_display()} webhook", reason="cancelled on the storefront",
                         notify_storefront=False)
        locked.status = InboxDelivery.Status.PROCESSED if order else InboxDelivery.Status.IGNORED
        locked.order = order
        locked.processed_at = timezone.now()
        locked.save(update_fields=["status", "order", "processed_at"])
    return "cancelled" if order else "ignored"


def inbox_mark_failed(*, delivery_id: int, error: str, park: bool) -> None:
    status = InboxDelivery.Status.PARKED if park else InboxDelivery.Status.FAILED
    InboxDelivery.objects.filter(pk=delivery_id).exclude(status=InboxDelivery.Status.PROCESSED).update(
        status=status, last_error=error[:4000], attempts=F("attempts") + 1
    )
    log.warning("inbox delivery %s %s: %s", delivery_id, status, error[:300])


def inbox_replay(*, delivery_id: int, actor) -> InboxDelivery:
    """An operator sends a parked or failed delivery through processing again."""
    from orders.tasks import process_delivery

    with transaction.atomic():
        delivery = InboxDelivery.objects.select_for_update().get(pk=delivery_id)
        if delivery.status in (InboxDelivery.Status.PARKED, InboxDelivery.Status.FAILED):
            delivery.status = InboxDelivery.Status.RECEIVED
            delivery.last_error = f"replayed by {getattr(actor, 'username', actor)}"
            delivery.save(update_fields=["status", "last_error"])
            transaction.on_commit(partial(process_delivery.delay, delivery.pk))
    return delivery
