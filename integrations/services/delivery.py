"""Fan-out and delivery of domain events to subscribed endpoints.

Fan-out (`events_fan_out`) reads core.DomainEvent in id order from a cursor and writes one EventDelivery per
matching active subscription (the unique (subscription, event) pair makes reading an event twice harmless).
The cursor only moves past events older than INTEGRATIONS_FANOUT_SETTLE_SECONDS: an id is taken when the event
is written but seen only when its transaction commits, so a younger event with a smaller id may still appear;
events inside that window are read again on the next pass instead of being skipped.

Delivery (`delivery_attempt`) never holds a transaction across the network: it leases the row (committed),
POSTs, then records the result only if it still holds the lease. Within a subscription, a delivery waits while
an earlier delivery of the same resource (an order, a stock level, a receipt, a return) is pending or parked,
so an endpoint hears of a resource's events in the order they happened; other resources are not held up.
Failures are retried with exponential backoff and parked after INTEGRATIONS_DELIVERY_MAX_ATTEMPTS; a parked
delivery (and every later one of its resource behind it) goes out again when it is replayed.

Every POST is signed: `X-WMS-Signature: v1=<hex HMAC-SHA256(secret, "<X-WMS-Timestamp>.<raw body>")>`
(docs/EVENTS.md has a test vector)."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import time
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass
from functools import partial

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from core.actors import actor_label
from core.errors import Conflict
from core.models import DomainEvent
from integrations.models import DeliveryStatus, EventCursor, EventDelivery, EventSubscription
from integrations.services.subscriptions import check_url
from integrations.state import DELIVERY

log = logging.getLogger(__name__)
CURSOR = "webhooks"
USER_AGENT = "wms-events/1.0"


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


# --- signing ---------------------------------------------------------------------------------------------------

def signature(secret: str, timestamp: str, body: bytes) -> str:
    """The X-WMS-Signature value for a body sent at `timestamp` (unix seconds, as sent in X-WMS-Timestamp)."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"v1={digest}"


def signature_verify(secret: str, timestamp: str, body: bytes, header: str, *, tolerance_s: int = 300,
                     now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is recent (a replayed request is refused)."""
    try:
        sent = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance_s:
        return False
    return hmac.compare_digest(signature(secret, timestamp, body), header or "")


def event_body(event: DomainEvent, *, merchant_code: str, warehouse_code: str | None) -> bytes:
    """The delivery's JSON body (docs/EVENTS.md, "What an endpoint receives")."""
    envelope = {
        "id": event.pk, "kind": event.kind, "occurred_at": event.occurred_at.isoformat(),
        "merchant": merchant_code, "warehouse": warehouse_code,
        "resource": {"type": event.resource_type, "id": event.resource_id}, "data": event.payload,
    }
    return json.dumps(envelope, cls=DjangoJSONEncoder, separators=(",", ":"), ensure_ascii=False).encode()


# --- fan-out ---------------------------------------------------------------------------------------------------

def events_fan_out(*, batch: int = 500) -> int:
    """Deliveries for the events recorded since the cursor; returns how many were created."""
    now = timezone.now()
    settled = now - dt.timedelta(seconds=_setting("INTEGRATIONS_FANOUT_SETTLE_SECONDS", 30))
    with transaction.atomic():
        EventCursor.objects.get_or_create(name=CURSOR)
        cursor = EventCursor.objects.select_for_update(of=("self",), no_key=True).get(name=CURSOR)
        events = list(DomainEvent.objects.filter(pk__gt=cursor.last_event_id).order_by("pk")[:batch])
        subscriptions: dict[int, list[EventSubscription]] = {}
        for subscription in EventSubscription.objects.filter(
                merchant_id__in={e.merchant_id for e in events}, active=True).order_by("pk"):
            subscriptions.setdefault(subscription.merchant_id, []).append(subscription)
        rows = [
            EventDelivery(subscription=subscription, event=event, merchant_id=event.merchant_id, kind=event.kind,
                          resource_key=f"{event.resource_type}:{event.resource_id}", next_attempt_at=now)
            for event in events for subscription in subscriptions.get(event.merchant_id, ())
            if event.kind in subscription.kinds and event.occurred_at >= subscription.created_at
        ]
        if rows:  # events read again (inside the settle window) already have theirs
            existing = set(EventDelivery.objects.filter(event_id__in=[e.pk for e in events]).values_list(
                "subscription_id", "event_id"))
            rows = [row for row in rows if (row.subscription_id, row.event_id) not in existing]
            EventDelivery.objects.bulk_create(rows, ignore_conflicts=True)
        created = len(rows)
        advance = cursor.last_event_id
        for event in events:
            if event.occurred_at > settled:
                break
            advance = event.pk
        if advance != cursor.last_event_id:
            cursor.last_event_id = advance
            cursor.save(update_fields=["last_event_id", "updated_at"])
    return created


def _earlier_open(delivery_ref: str = "") -> QuerySet[EventDelivery]:
    return EventDelivery.objects.filter(
        subscription_id=OuterRef(f"{delivery_ref}subscription_id"), resource_key=OuterRef(f"{delivery_ref}resource_key"),
        event_id__lt=OuterRef(f"{delivery_ref}event_id"),
    ).exclude(status=DeliveryStatus.DELIVERED)


def deliveries_due(*, limit: int = 200) -> list[int]:
    """Pending deliveries that are due, not in flight, of an active subscription, and first in line for their
    resource; oldest event first."""
    now = timezone.now()
    return list(
        EventDelivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now, subscription__active=True)
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .exclude(Exists(_earlier_open())).order_by("event_id", "pk").values_list("pk", flat=True)[:limit]
    )


# --- one delivery ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Claimed:
    delivery_id: int
    token: str
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Answer:
    status: int | None
    error: str


def delivery_attempt(*, delivery_id: int) -> str:
    """Send one delivery if it is due and first in line. Returns delivered, retrying or parked (this call tried);
    already_delivered; parked_before; waiting (an earlier delivery of its resource is not delivered); not_due;
    in_flight or busy (another attempt holds it); inactive (its subscription is disabled); superseded; missing."""
    claim = _claim(delivery_id)
    if isinstance(claim, str):
        return claim
    answer = _post(claim)
    return _record(claim, answer)


def _claim(delivery_id: int) -> Claimed | str:
    now = timezone.now()
    with transaction.atomic():
        delivery = (
            EventDelivery.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .select_related("subscription", "event", "merchant", "event__warehouse").filter(pk=delivery_id).first()
        )
        if delivery is None:
            return "busy" if EventDelivery.objects.filter(pk=delivery_id).exists() else "missing"
        if delivery.status != DeliveryStatus.PENDING:
            return "already_delivered" if delivery.status == DeliveryStatus.DELIVERED else "parked_before"
        if not delivery.subscription.active:
            return "inactive"
        if delivery.leased_until and delivery.leased_until > now:
            return "in_flight"
        if delivery.next_attempt_at > now:
            return "not_due"
        if EventDelivery.objects.filter(
                subscription_id=delivery.subscription_id, resource_key=delivery.resource_key,
                event_id__lt=delivery.event_id).exclude(status=DeliveryStatus.DELIVERED).exists():
            return "waiting"  # sent when its predecessor is delivered (see _record)
        token = uuid.uuid4().hex
        delivery.lease_token = token
        delivery.leased_until = now + dt.timedelta(seconds=_setting("INTEGRATIONS_LEASE_SECONDS", 60))
        delivery.save(update_fields=["lease_token", "leased_until"])
        event = delivery.event
        body = event_body(event, merchant_code=delivery.merchant.code,
                          warehouse_code=event.warehouse.code if event.warehouse is not None else None)
        timestamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT, "X-WMS-Event": event.kind,
            "X-WMS-Delivery": str(delivery.pk), "X-WMS-Timestamp": timestamp,
            "X-WMS-Signature": signature(delivery.subscription.secret, timestamp, body),
        }
        return Claimed(delivery.pk, token, delivery.subscription.url, body, headers)


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not an instruction: the delivery fails with the 3xx status."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


def _opener() -> urllib.request.OpenerDirector:
    proxy = getattr(settings, "INTEGRATIONS_HTTP_PROXY", "")
    proxies = {"http": proxy, "https": proxy} if proxy else {}
    return urllib.request.build_opener(urllib.request.ProxyHandler(proxies), _NoRedirects())


def _post(claim: Claimed) -> Answer:
    try:
        url = check_url(claim.url)  # the row may predate a rule: http(s) only, checked again before every call
    except Exception as exc:
        return Answer(None, f"endpoint URL refused: {exc}")
    request = urllib.request.Request(url, data=claim.body, headers=claim.headers, method="POST")
    try:
        with _opener().open(request, timeout=_setting("INTEGRATIONS_TIMEOUT_SECONDS", 10)) as response:
            status = response.status
            if 200 <= status < 300:
                return Answer(status, "")
            return Answer(status, f"HTTP {status}: {_excerpt(response.read(500))}")
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, f"HTTP {exc.code}: {_excerpt(exc.read(500) if exc.fp else b'')}")
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return Answer(None, f"{type(exc).__name__}: {reason}")


def _excerpt(raw: bytes) -> str:
    return raw.decode("utf-8", "replace").replace("\x00", "")[:300]


def backoff_seconds(attempts: int) -> float:
    """base x 2^(attempts-1), capped."""
    base = _setting("INTEGRATIONS_RETRY_BASE_SECONDS", 30)
    return min(base * 2 ** max(attempts - 1, 0), _setting("INTEGRATIONS_RETRY_MAX_SECONDS", 3600))


def _record(claim: Claimed, answer: Answer) -> str:
    ok = answer.status is not None and 200 <= answer.status < 300
    with transaction.atomic():
        delivery = EventDelivery.objects.select_for_update(of=("self",), no_key=True).get(pk=claim.delivery_id)
        if delivery.lease_token != claim.token:
            return "superseded"
        now = timezone.now()
        delivery.attempts += 1
        delivery.last_status = answer.status if answer.status is not None and 0 <= answer.status < 32768 else None
        delivery.last_error = answer.error[:1000]
        delivery.lease_token, delivery.leased_until = "", None
        if ok:
            DELIVERY.check(delivery.status, DeliveryStatus.DELIVERED, label=str(delivery.pk))
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
            transaction.on_commit(partial(_send_next_of_resource, delivery.subscription_id, delivery.resource_key,
                                          delivery.event_id), robust=True)
            outcome = "delivered"
        elif delivery.attempts >= _setting("INTEGRATIONS_DELIVERY_MAX_ATTEMPTS", 8):
            DELIVERY.check(delivery.status, DeliveryStatus.PARKED, label=str(delivery.pk))
            delivery.status = DeliveryStatus.PARKED
            delivery.parked_at = now
            outcome = "parked"
        else:
            delay = backoff_seconds(delivery.attempts)
            delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
            _send_after_commit(delivery.pk, countdown=delay)
            outcome = "retrying"
        delivery.save()
    if not ok:
        log.warning("event delivery %s attempt %s: %s", claim.delivery_id, delivery.attempts, answer.error[:300])
    return outcome


def _send_next_of_resource(subscription_id: int, resource_key: str, event_id: int) -> None:
    successor = (
        EventDelivery.objects.filter(subscription_id=subscription_id, resource_key=resource_key, event_id__gt=event_id,
                                     status=DeliveryStatus.PENDING).order_by("event_id").values_list("pk", flat=True).first()
    )
    if successor:
        _send_now(successor)


def _send_now(delivery_id: int, countdown: float | None = None) -> None:
    from integrations.tasks import deliver_event

    try:
        deliver_event.apply_async((delivery_id,), countdown=countdown)
    except Exception:  # broker down: the beat sweep sends it
        log.warning("could not queue event delivery %s; the sweep will send it", delivery_id, exc_info=True)


def _send_after_commit(delivery_id: int, countdown: float | None = None) -> None:
    transaction.on_commit(partial(_send_now, delivery_id, countdown), robust=True)


# --- replay --------------------------------------------------------------------------------------------------------

@transaction.atomic
def delivery_replay(*, delivery: EventDelivery, actor) -> EventDelivery:
    """Send a parked delivery again (its attempts start over), or hurry a pending one. A delivered one is refused."""
    delivery = EventDelivery.objects.select_for_update(of=("self",), no_key=True).get(pk=delivery.pk)
    if delivery.status == DeliveryStatus.DELIVERED:
        raise Conflict(f"delivery {delivery.pk} was already delivered")
    _reopen(delivery, actor)
    _send_after_commit(delivery.pk)
    return delivery


def _reopen(delivery: EventDelivery, actor) -> None:
    if delivery.status == DeliveryStatus.PARKED:
        delivery.attempts = 0
        delivery.last_error = f"replayed by {actor_label(actor)} after: {delivery.last_error}"[:1000]
    DELIVERY.check(delivery.status, DeliveryStatus.PENDING, label=str(delivery.pk))
    delivery.status = DeliveryStatus.PENDING
    delivery.parked_at = None
    delivery.next_attempt_at = timezone.now()
    delivery.save(update_fields=["status", "attempts", "last_error", "parked_at", "next_attempt_at"])


def deliveries_replay(*, deliveries: QuerySet[EventDelivery], actor, limit: int = 1000) -> int:
    """Bulk replay: every parked delivery of `deliveries` (already narrowed to what the actor may see), oldest event
    first, up to `limit`. Returns how many were reopened."""
    with transaction.atomic():
        ids = list(deliveries.filter(status=DeliveryStatus.PARKED).order_by("event_id", "pk").values_list("pk", flat=True)[:limit])
        rows = list(EventDelivery.objects.select_for_update(of=("self",), no_key=True).filter(pk__in=ids).order_by("pk"))
        reopened = [row for row in rows if row.status == DeliveryStatus.PARKED]
        for row in reopened:
            _reopen(row, actor)
        transaction.on_commit(partial(_send_due), robust=True)
    return len(reopened)


def _send_due() -> None:
    for delivery_id in deliveries_due():
        _send_now(delivery_id)


def events_sweep() -> dict[str, int]:
    """The beat job: fan out new events, then queue every delivery that is due and first in line."""
    created = events_fan_out()
    due = deliveries_due()
    for delivery_id in due:
        _send_now(delivery_id)
    return {"created": created, "queued": len(due)}


def deliveries_send_due(*, limit: int = 200) -> dict[str, int]:
    """Fan out and send, in this process (management command, tests): repeats until nothing is first in line."""
    events_fan_out()
    outcome: dict[str, int] = {}
    for _ in range(limit):
        due = deliveries_due(limit=limit)
        if not due:
            break
        progressed = False
        for delivery_id in due:
            result = delivery_attempt(delivery_id=delivery_id)
            outcome[result] = outcome.get(result, 0) + 1
            progressed |= result == "delivered"
        if not progressed:
            break
    return outcome


