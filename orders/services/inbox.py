"""The webhook inbox: store every verified delivery raw, once; process it in a task that is safe
to run twice; retry with backoff; park what keeps failing for an operator to replay.

Nothing waits on a task that may be lost: a delivery carries `next_attempt_at`, the time the inbox sweep
queues it again if it is still received or failed, or if the run that claimed it (processing, under a
lease) died with its worker. A broker that is down when the delivery commits only delays processing.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.conf import settings
from django.db import DataError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from core.actors import actor_label
from core.dispatch import Dispatch, enqueue_after_commit
from core.errors import Conflict
from orders.adapters.base import PayloadError, WebhookEvent, load_json
from orders.channels import adapter_for, client_for
from orders.exceptions import InvalidOrder
from orders.models import Channel, InboxDelivery, Order
from orders.services.cancellation import order_cancel
from orders.services.fulfillment_service import fulfillment_hold_apply, fulfillment_service_sync
from orders.services.intake import order_upsert

log = logging.getLogger(__name__)
SECRET_HEADERS = {"authorization", "x-wms-webhook-secret", "x-auth-token", "cookie"}
# States that wait on a processing task: each one is swept, shown on the inbox page and replayable.
WAITING = (InboxDelivery.Status.RECEIVED, InboxDelivery.Status.PROCESSING, InboxDelivery.Status.FAILED)
DONE = (InboxDelivery.Status.PROCESSED, InboxDelivery.Status.IGNORED)
# Deliveries about the warehouse as the shop's fulfillment service (orders.services.fulfillment_service).
FULFILLMENT_SERVICE_TOPICS = ("fulfillment_service.request", "fulfillment_service.cancellation",
                              "fulfillment_order.hold", "fulfillment_order.release")


class PermanentInboxError(Exception):
    """Processing cannot succeed by retrying (malformed payload): park at once."""


NEW_DELIVERY_CHANNEL = "wms_inbox_new"  # NOTIFY channel: ids of deliveries just stored (orders.inbox_dispatch)

# One statement, one round trip, its own transaction: store the delivery (or count a duplicate of its event)
# and, when stored, tell the listening dispatcher at commit. With the channel guard, the row is stored only if
# the channel is still active under the secret and shop the delivery was verified with (the caller may have
# verified against a cached copy of the channel).
_ACCEPT_SQL = """
WITH stored AS (
    INSERT INTO orders_inboxdelivery (channel_id, source, dedup_key, topic, external_order_id, headers, body,
        triggered_at, suspicious, status, next_attempt_at, attempts, last_error, duplicates, received_at)
    SELECT %(channel)s::bigint, %(source)s::text, %(dedup_key)s::text, %(topic)s::text, %(external_order_id)s::text,
        %(headers)s::jsonb, %(body)s::text, %(triggered_at)s::timestamptz, %(suspicious)s::text, 'received', statement_timestamp(), 0, '', 0, statement_timestamp()
    {guard}
    ON CONFLICT (channel_id, dedup_key) DO UPDATE SET duplicates = orders_inboxdelivery.duplicates + 1
    RETURNING id, (xmax = 0) AS created
)
SELECT id, created, CASE WHEN created THEN pg_notify('""" + NEW_DELIVERY_CHANNEL + """', id::text)::text END FROM stored
"""
_CHANNEL_GUARD = """WHERE EXISTS (SELECT 1 FROM orders_channel WHERE id = %(channel)s AND is_active AND kind = %(kind)s
        AND webhook_secret = %(secret)s AND store_identity = %(store)s)"""
ACCEPT_SQL = _ACCEPT_SQL.format(guard="")
ACCEPT_GUARDED_SQL = _ACCEPT_SQL.format(guard=_CHANNEL_GUARD)


def inbox_accept(
    *, channel: Channel, event: WebhookEvent, headers: dict, body: bytes | str, source: str = InboxDelivery.Source.WEBHOOK,
    suspicious: str = "", guard_channel: bool = False,
) -> tuple[int, bool] | None:
    """Store the delivery unless the same event is already stored (then count the duplicate); returns
    (delivery id, created) once committed. The stored delivery is due at once: the dispatcher queues its
    processing off the request path when the NOTIFY reaches it, and the inbox sweep if it does not.

    With guard_channel, returns None and stores nothing when the channel is no longer active under the
    secret and shop it has here (a cached copy gone stale): verify again against a fresh copy."""
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    kept_headers = {k: v for k, v in headers.items() if k.lower() not in SECRET_HEADERS}
    params = {
        "channel": channel.pk, "source": source, "dedup_key": event.event_id[:255], "topic": event.topic,
        "external_order_id": str(event.external_order_id or "")[:64], "headers": json.dumps(kept_headers),
        "body": text, "triggered_at": getattr(event, "triggered_at", None), "suspicious": suspicious,
        "kind": channel.kind, "secret": channel.webhook_secret, "store": channel.store_identity,
    }
    with connection.cursor() as cursor:
        cursor.execute(ACCEPT_GUARDED_SQL if guard_channel else ACCEPT_SQL, params)
        row = cursor.fetchone()
    if row is None:
        return None
    return row[0], row[1]


def inbox_dispatch_new(*, delivery_ids: list[int]) -> list[int]:
    """The dispatcher: queue processing for deliveries just stored that still wait for it, pushing each one's
    sweep time a requeue interval ahead first (as the sweep does); a broker that is down leaves them due at
    once for the sweep."""
    with transaction.atomic():
        queued = list(
            # Not skip_locked: a duplicate of the event may be counting itself on the row right now.
            InboxDelivery.objects.select_for_update(of=("self",), no_key=True)
            .filter(pk__in=delivery_ids, status=InboxDelivery.Status.RECEIVED)
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=timezone.now()))
            .order_by("pk").values_list("pk", flat=True)
        )
        InboxDelivery.objects.filter(pk__in=queued).update(next_attempt_at=_requeue_time())
        # Batches of at most the configured size, as even as can be so the worker slots share a burst, each
        # in arrival order.
        batches = -(-len(queued) // max(1, settings.ORDERS_INTAKE_BATCH_SIZE))
        for first in range(batches):
            _queue_batch(queued[first::batches])
    return queued


def _requeue_time() -> dt.datetime:
    return timezone.now() + dt.timedelta(seconds=settings.ORDERS_INBOX_REQUEUE_SECONDS)


def _queue_processing(delivery_id: int) -> Dispatch:
    """Process after commit; if the broker is down, the delivery is due for the next sweep at once."""
    from orders.tasks import process_delivery

    def due_now() -> None:
        InboxDelivery.objects.filter(pk=delivery_id, status__in=WAITING).update(next_attempt_at=timezone.now())

    return enqueue_after_commit(process_delivery, delivery_id, on_broker_error=due_now)


def _queue_batch(delivery_ids: list[int]) -> Dispatch:
    """Process a batch in one task (orders.services.intake_batch); if the broker is down, every delivery of
    the batch is due for the next sweep at once."""
    from orders.tasks import process_deliveries

    def due_now() -> None:
        InboxDelivery.objects.filter(pk__in=delivery_ids, status__in=WAITING).update(next_attempt_at=timezone.now())

    return enqueue_after_commit(process_deliveries, delivery_ids, on_broker_error=due_now)


def inbox_process(*, delivery_id: int) -> str:
    """Turn a stored delivery into an order change. Idempotent: a processed delivery is skipped, and a run
    that starts while another one holds the delivery's lease leaves it to that run."""
    claim = _claim(delivery_id)
    if isinstance(claim, str):
        return claim
    delivery = claim
    channel = delivery.channel
    adapter = adapter_for(channel.kind)
    try:
        payload = load_json(delivery.body) if delivery.body else {}
    except PayloadError as exc:
        raise PermanentInboxError(f"stored body cannot be read: {exc}") from exc
    if delivery.topic in FULFILLMENT_SERVICE_TOPICS:
        return _fulfillment_service(delivery, payload)
    if delivery.topic == "order.cancelled" and not _looks_like_full_order(channel.kind, payload):
        return _cancel_by_external_id(delivery)
    if channel.kind == Channel.Kind.BIGCOMMERCE and delivery.source == InboxDelivery.Source.WEBHOOK:
        payload = client_for(channel).fetch_order(delivery.external_order_id)  # network: no lock held
    try:
        normalized = adapter.normalize(payload)
    except (PayloadError, KeyError, TypeError, ValueError) as exc:
        raise PermanentInboxError(f"cannot read the order: {exc}") from exc
    with transaction.atomic():
        locked = InboxDelivery.objects.select_for_update(of=("self",), no_key=True).get(pk=delivery.pk)
        if locked.status in DONE:
            return locked.status
        try:
            result = order_upsert(channel=channel, normalized=normalized, source=f"{delivery.source} {delivery.topic}")
        except (InvalidOrder, DataError) as exc:  # the same payload fails the same way every time
            raise PermanentInboxError(f"the order cannot be stored: {exc}") from exc
        locked.status = InboxDelivery.Status.IGNORED if result.outcome == "stale" else InboxDelivery.Status.PROCESSED
        locked.order = result.order
        locked.processed_at = timezone.now()
        locked.next_attempt_at = None
        locked.last_error = ""
        locked.save(update_fields=["status", "order", "processed_at", "next_attempt_at", "last_error"])
    return result.outcome


def _claim(delivery_id: int) -> InboxDelivery | str:
    """Mark the delivery processing under a lease (committed at once), counting the attempt. A worker
    killed mid-run leaves it processing; the sweep takes it back when the lease runs out."""
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            InboxDelivery.objects.select_for_update(of=("self",), no_key=True)
            .select_related("channel__merchant").filter(pk=delivery_id).first()
        )
        if delivery is None:
            return "missing"
        if delivery.status in DONE or delivery.status == InboxDelivery.Status.PARKED:
            return delivery.status
        if delivery.status == InboxDelivery.Status.PROCESSING and delivery.next_attempt_at and delivery.next_attempt_at > now:
            return "in_flight"
        delivery.status = InboxDelivery.Status.PROCESSING
        delivery.next_attempt_at = now + dt.timedelta(seconds=settings.ORDERS_INBOX_LEASE_SECONDS)
        delivery.attempts += 1
        delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    return delivery


def _fulfillment_service(delivery: InboxDelivery, payload: dict) -> str:
    """A callback ping fetches and answers what is assigned (network, no lock held); a hold placed or released
    on a fulfillment order holds or releases our order."""
    if delivery.topic.startswith("fulfillment_service."):
        outcome = fulfillment_service_sync(channel_id=delivery.channel_id)
        result = ", ".join(f"{n} {what}" for what, n in sorted(outcome.items())) or "nothing assigned"
    else:
        held = delivery.topic == "fulfillment_order.hold"
        holds = payload.get("fulfillment_hold") or (payload.get("fulfillment_order") or {}).get("fulfillment_holds")
        first = holds[0] if isinstance(holds, list) and holds else holds if isinstance(holds, dict) else {}
        reason = " ".join(str(first.get(k) or "") for k in ("reason", "reason_notes")).strip() if isinstance(first, dict) else ""
        result = None
    with transaction.atomic():
        locked = InboxDelivery.objects.select_for_update(of=("self",), no_key=True).get(pk=delivery.pk)
        if locked.status in DONE:
            return locked.status
        if result is None:
            result = fulfillment_hold_apply(channel=delivery.channel, fulfillment_order_ref=delivery.external_order_id,
                                            held=held, reason=reason.replace("\x00", ""))
        locked.status = InboxDelivery.Status.IGNORED if result == "unknown" else InboxDelivery.Status.PROCESSED
        locked.processed_at = timezone.now()
        locked.next_attempt_at = None
        locked.last_error = ""
        locked.save(update_fields=["status", "processed_at", "next_attempt_at", "last_error"])
    return result


def _looks_like_full_order(kind: str, payload: dict) -> bool:
    return bool(payload.get("line_items") or payload.get("products"))


def _cancel_by_external_id(delivery: InboxDelivery) -> str:
    with transaction.atomic():
        locked = InboxDelivery.objects.select_for_update(of=("self",), no_key=True).get(pk=delivery.pk)
        if locked.status in DONE:
            return locked.status
        order = Order.objects.filter(channel=delivery.channel, external_id=delivery.external_order_id).first()
        if order is not None and order.status != Order.Status.CANCELLED:
            order_cancel(order=order, actor=f"{delivery.channel.get_kind_display()} webhook", reason="cancelled on the storefront",
                         notify_storefront=False)
        locked.status = InboxDelivery.Status.PROCESSED if order else InboxDelivery.Status.IGNORED
        locked.order = order
        locked.processed_at = timezone.now()
        locked.next_attempt_at = None
        locked.save(update_fields=["status", "order", "processed_at", "next_attempt_at"])
    return "cancelled" if order else "ignored"


def inbox_mark_failed(*, delivery_id: int, error: str, park: bool, retry_in: float = 0) -> bool:
    """Record a failed run. Returns True when the delivery is parked for an operator: asked to, or it has
    used up its attempts (a delivery that kills its worker every time must not loop forever). Otherwise it
    is failed and due for the sweep a little after its retry should have run."""
    with transaction.atomic():
        delivery = InboxDelivery.objects.select_for_update(of=("self",), no_key=True).filter(pk=delivery_id).first()
        if delivery is None or delivery.status in DONE:
            return False
        park = park or delivery.attempts >= settings.ORDERS_INBOX_MAX_ATTEMPTS
        delivery.status = InboxDelivery.Status.PARKED if park else InboxDelivery.Status.FAILED
        delivery.last_error = error[:4000]
        delivery.next_attempt_at = None if park else _requeue_time() + dt.timedelta(seconds=retry_in)
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
    log.warning("inbox delivery %s %s: %s", delivery_id, delivery.status, error[:300])
    return park


def inbox_requeue_due(*, limit: int = 500) -> list[int]:
    """The sweep: queue again every waiting delivery whose time has come (its task was lost, or the run
    that held it died). Each is pushed a requeue interval ahead so a slow queue is not flooded."""
    now = timezone.now()
    with transaction.atomic():
        due = list(
            InboxDelivery.objects.select_for_update(of=("self",), no_key=True, skip_locked=True)
            .filter(status__in=WAITING).filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
            .order_by(F("next_attempt_at").asc(nulls_first=True), "id").values_list("pk", "status")[:limit]
        )
        expired = [pk for pk, status in due if status == InboxDelivery.Status.PROCESSING]
        if expired:
            InboxDelivery.objects.filter(pk__in=expired).update(
                status=InboxDelivery.Status.RECEIVED, last_error="processing lease ran out (worker lost?); queued again",
            )
        InboxDelivery.objects.filter(pk__in=[pk for pk, _ in due]).update(next_attempt_at=_requeue_time())
        for pk, _ in due:
            _queue_processing(pk)
    if due:
        log.info("inbox sweep queued %s delivery(ies) again (%s whose processing lease ran out)", len(due), len(expired))
    return [pk for pk, _ in due]


def inbox_replay(*, delivery_id: int, actor) -> tuple[InboxDelivery, Dispatch]:
    """An operator sends a waiting, failed or parked delivery through processing again. Recorded on the row
    first: with the broker down the task cannot be sent now, and the sweep processes it when it is back."""
    with transaction.atomic():
        delivery = InboxDelivery.objects.select_for_update(of=("self",), no_key=True).get(pk=delivery_id)
        if delivery.status in DONE:
            raise Conflict(f"delivery {delivery_id} was already {delivery.get_status_display().lower()}")
        if delivery.status == InboxDelivery.Status.PROCESSING and delivery.next_attempt_at and \
                delivery.next_attempt_at > timezone.now():
            raise Conflict(f"delivery {delivery_id} is being processed right now")
        delivery.status = InboxDelivery.Status.RECEIVED
        delivery.last_error = f"replayed by {actor_label(actor)}"
        delivery.next_attempt_at = _requeue_time()
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
        dispatch = _queue_processing(delivery.pk)
    return delivery, dispatch
