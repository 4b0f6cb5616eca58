"""Storefront sync-back: every customer-visible change writes an outbox row in the transaction that makes
the change; a Celery task delivers it to the storefront, in order per order, with retries and backoff,
and parks what keeps failing for an operator.

Delivery never holds a row lock or a transaction while it calls the storefront: it claims the row with a
lease (committed), calls, then records the result only if it still holds the lease. A delivery that ran
twice (a redelivered task, an expired lease) is absorbed by the adapters, which look before they write.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from core.actors import actor_label
from orders.adapters.base import PeerError
from orders.channels import client_for
from orders.exceptions import OutboxError
from orders.models import Order, OutboxKind, OutboxMessage
from orders.selectors import channel_can_be_told
from orders.services.timeline import order_event

log = logging.getLogger(__name__)
# 4xx answers that retrying can fix; any other 4xx (bad credentials, unknown order, refused input)
# needs a person, so the message is parked at once.
RETRYABLE_CLIENT_ERRORS = {408, 409, 423, 425, 429}


def outbox_record(*, order: Order, kind: str, payload: dict[str, Any]) -> OutboxMessage | None:
    """Write the message in the caller's transaction; it is sent after commit, or never if the change
    rolls back. Returns None when the order's channel is not a storefront that can be told."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("outbox_record must run inside the transaction that makes the change")
    if kind not in OutboxKind.values:
        raise ValueError(f"unknown outbox kind {kind!r}")
    channel = order.channel
    if not channel_can_be_told(channel):
        return None
    # The order lock serializes an order's messages, so max + 1 is this message's place in line.
    Order.objects.select_for_update(of=("self",), no_key=True).filter(pk=order.pk).values_list("pk", flat=True).get()
    last = OutboxMessage.objects.filter(order=order).aggregate(n=Max("sequence"))["n"] or 0
    message = OutboxMessage.objects.create(channel=channel, order=order, sequence=last + 1, kind=kind, payload=payload)
    _deliver_after_commit(message.pk)
    return message


def outbox_lines(pairs, *, done_before: dict[int, int] | None = None) -> list[dict[str, Any]]:
    """(order line, qty) pairs as the storefronts need them: their own line id, the SKU, the quantity.

    Component lines of a bundle are reported as the bundle line the storefront sold: as many bundles as
    every one of its components covers in these pairs (a bundle is fulfilled when all its components are).
    With `done_before` (order line id -> units of it already done before these pairs, e.g. shipped in earlier
    parcels), a bundle is reported by the pairs that complete it: the bundles whole now that were not whole
    before, so a bundle whose components leave in separate parcels is reported once, with its last component."""
    pairs = [(line, qty) for line, qty in pairs if qty > 0]
    bundle_ids = {line.bundle_line_id for line, _ in pairs if line.bundle_line_id}
    shares: dict[int, dict[int, int]] = {}
    if bundle_ids:
        from orders.models import OrderLine

        for bundle_id, line_id, per in OrderLine.objects.filter(bundle_line_id__in=bundle_ids).values_list(
            "bundle_line_id", "pk", "bundle_qty_per"
        ):
            shares.setdefault(bundle_id, {})[line_id] = per
    covered: dict[int, dict[int, int]] = {}
    for line, qty in pairs:
        if line.bundle_line_id:
            covered.setdefault(line.bundle_line_id, {})[line.pk] = covered.get(line.bundle_line_id, {}).get(line.pk, 0) + qty
    out: list[dict[str, Any]] = []
    for line, qty in pairs:
        if not line.bundle_line_id:
            out.append({"external_line_id": line.external_line_id, "sku": line.sku, "qty": qty})
        elif line.bundle_line_id in covered:
            got = covered.pop(line.bundle_line_id)
            share = shares.get(line.bundle_line_id, {}).items()
            before = done_before or {}
            bundles = (min(((before.get(pk, 0) + got.get(pk, 0)) // per for pk, per in share), default=0)
                       - min((before.get(pk, 0) // per for pk, per in share), default=0))
            if bundles > 0:
                sold = line.bundle_line
                out.append({"external_line_id": sold.external_line_id, "sku": sold.sku, "qty": bundles})
    return out


def outbox_deliver(*, message_id: int) -> str:
    """Deliver one message if it is due and every earlier message of its order was sent. Returns what
    happened: sent, retrying or parked (this call delivered or tried); already_sent; waiting (for an earlier
    message of the order); not_due; in_flight or busy (another delivery holds it); superseded (our lease
    ran out and another delivery took over); missing."""
    claim = _claim(message_id)
    if isinstance(claim, str):
        return claim
    message, token = claim
    try:
        result = _push(message)
    except PeerError as exc:
        return _record_failure(message.pk, token, str(exc), status=exc.status, retry_after=exc.retry_after)
    except Exception as exc:  # a bug or an unexpected answer: recorded and retried like any failure, never lost
        log.exception("outbox message %s: delivery raised", message.pk)
        return _record_failure(message.pk, token, f"{type(exc).__name__}: {exc}", status=None, retry_after=None)
    return _record_success(message.pk, token, result)


def _claim(message_id: int) -> tuple[OutboxMessage, str] | str:
    now = timezone.now()
    with transaction.atomic():
        message = (
            OutboxMessage.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .select_related("channel", "order").filter(pk=message_id).first()
        )
        if message is None:
            return "busy" if OutboxMessage.objects.filter(pk=message_id).exists() else "missing"
        if message.status != OutboxMessage.Status.PENDING:
            return "already_sent" if message.status == OutboxMessage.Status.SENT else "parked"
        if message.leased_until and message.leased_until > now:
            return "in_flight"
        if message.next_attempt_at > now:
            return "not_due"
        if _earlier_unsent(message).exists():
            return "waiting"  # delivered when its predecessor is sent (see _record_success)
        token = uuid.uuid4().hex
        message.lease_token = token
        message.leased_until = now + dt.timedelta(seconds=settings.ORDERS_OUTBOX_LEASE_SECONDS)
        message.save(update_fields=["lease_token", "leased_until"])
    return message, token


def _earlier_unsent(message: OutboxMessage):
    return OutboxMessage.objects.filter(order_id=message.order_id, sequence__lt=message.sequence).exclude(
        status=OutboxMessage.Status.SENT
    )


def _push(message: OutboxMessage) -> str:
    client = client_for(message.channel)
    return getattr(client, f"push_{message.kind}")(message.order.external_id, message.payload)


def _record_success(message_id: int, token: str, result: str) -> str:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(of=("self",), no_key=True).get(pk=message_id)
        if message.lease_token != token:
            return "superseded"
        message.status = OutboxMessage.Status.SENT
        message.sent_at = timezone.now()
        message.attempts += 1
        message.result = (result or "")[:500]
        message.last_error = ""
        message.lease_token, message.leased_until = "", None
        message.save(update_fields=["status", "sent_at", "attempts", "result", "last_error", "lease_token", "leased_until"])
        # Looked up after commit: a message recorded meanwhile either sees this one sent when it is claimed,
        # or was committed before the lookup and is found by it. Either way nobody waits for the sweep.
        transaction.on_commit(partial(_deliver_successor, message.order_id, message.sequence), robust=True)
    return "sent"


def _deliver_successor(order_id: int, sequence: int) -> None:
    from orders.tasks import deliver_outbox

    successor = (
        OutboxMessage.objects.filter(order_id=order_id, sequence__gt=sequence, status=OutboxMessage.Status.PENDING)
        .order_by("sequence").values_list("pk", flat=True).first()
    )
    if successor:
        deliver_outbox.delay(successor)


def _record_failure(message_id: int, token: str, error: str, *, status: int | None, retry_after: float | None) -> str:
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update(of=("self",), no_key=True).select_related("order").get(pk=message_id)
        if message.lease_token != token:
            return "superseded"
        message.attempts += 1
        message.last_error = error[:4000]
        message.lease_token, message.leased_until = "", None
        permanent = status is not None and 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS
        if permanent or message.attempts >= settings.ORDERS_OUTBOX_MAX_ATTEMPTS:
            message.status = OutboxMessage.Status.FAILED
            why = "the storefront refused it" if permanent else f"{message.attempts} attempts failed"
            order_event(
                order=message.order, kind="storefront_sync_failed", actor="storefront sync",
                message=f"The storefront could not be told '{message.get_kind_display()}' ({why}): {error[:300]}",
                outbox_message=message.pk,
            )
        else:
            delay = backoff_seconds(message.attempts, retry_after)
            message.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
            _deliver_after_commit(message.pk, countdown=delay)
        message.save(update_fields=["attempts", "last_error", "lease_token", "leased_until", "status", "next_attempt_at"])
    log.warning("outbox message %s attempt %s failed: %s", message_id, message.attempts, error[:300])
    return "parked" if message.status == OutboxMessage.Status.FAILED else "retrying"


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """base x 2^(attempts-1), capped; a storefront's Retry-After is honoured up to the cap."""
    ceiling = settings.ORDERS_OUTBOX_RETRY_MAX_SECONDS
    delay = min(settings.ORDERS_OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), ceiling)
    return max(delay, min(retry_after or 0, ceiling))


@transaction.atomic
def outbox_retry(*, message: OutboxMessage, actor) -> OutboxMessage:
    """An operator sends a parked message again (attempts start over), or hurries a pending one."""
    message = OutboxMessage.objects.select_for_update(of=("self",), no_key=True).select_related("order").get(pk=message.pk)
    if message.status == OutboxMessage.Status.SENT:
        raise OutboxError(f"storefront update {message.pk} was already sent")
    if message.status == OutboxMessage.Status.FAILED:
        message.status = OutboxMessage.Status.PENDING
        message.attempts = 0
        order_event(
            order=message.order, kind="storefront_sync_retried", actor=actor,
            message=f"Storefront update '{message.get_kind_display()}' sent again by {actor_label(actor)} "
                    f"after: {message.last_error[:300]}",
            outbox_message=message.pk,
        )
    message.next_attempt_at = timezone.now()
    message.save(update_fields=["status", "attempts", "next_attempt_at"])
    _deliver_after_commit(message.pk)
    return message


def _deliver_after_commit(message_id: int, countdown: float | None = None) -> None:
    from orders.tasks import deliver_outbox

    # robust: a broker that is down must not undo a committed change; the beat sweep sends it later.
    transaction.on_commit(partial(deliver_outbox.apply_async, (message_id,), countdown=countdown), robust=True)
