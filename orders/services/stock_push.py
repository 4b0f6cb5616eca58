"""Channel stock pushes: every storefront of a merchant is told the available-to-sell of its products.

The OMS reads the IMS's change marks in its own task (`stock_changes_sync`): in one transaction it takes
the marks and turns each changed product into one StockPush per storefront channel of its merchant
(coalesced: one row per channel and product), and queues the backorder fill for the products that have
orders waiting. Each StockPush is delivered on its own (`stock_push_deliver`) through the outbox's
machinery: lease, call with no transaction open, record the result only while holding the lease, retry
with backoff and Retry-After, park after too many attempts. One storefront down delays only its own rows.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from functools import partial

from django.conf import settings
from django.db import transaction
from django.db.models import Case, DateTimeField, F, PositiveIntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from core.actors import actor_label
from inventory.models import Product
from inventory.selectors import available_to_sell, bundles_containing
from inventory.services.availability import availability_changes_take, availability_nudge_clear
from orders.adapters.base import PeerError
from orders.channels import client_for
from orders.exceptions import OutboxError
from orders.models import STOREFRONT_KINDS, Channel, StockPush
from orders.selectors import backordered_product_ids_in_stock, channel_locations
from orders.services.outbox import RETRYABLE_CLIENT_ERRORS, backoff_seconds

log = logging.getLogger(__name__)


def stock_push_channels(merchant_ids) -> QuerySet[Channel]:
    """Storefronts with an API to call that asked for stock pushes."""
    return Channel.objects.filter(
        merchant_id__in=list(merchant_ids), is_active=True, push_stock=True, kind__in=STOREFRONT_KINDS
    ).exclude(api_base_url="")


def stock_changes_sync(*, batch: int = 500, rounds: int = 20) -> list[int]:
    """Read the IMS's change marks into stock pushes and backorder fills; returns the product ids read."""
    availability_nudge_clear()
    seen: list[int] = []
    for _ in range(rounds):
        product_ids = _sync_batch(batch)
        seen.extend(product_ids)
        if len(product_ids) < batch:
            break
    return seen


@transaction.atomic
def _sync_batch(batch: int) -> list[int]:
    product_ids = availability_changes_take(batch=batch)
    if not product_ids:
        return []
    # A bundle has no stock of its own: its number moves with any of its components'.
    pushed_ids = sorted(set(product_ids) | set(bundles_containing(product_ids)))
    merchants = dict(Product.objects.filter(pk__in=pushed_ids).values_list("pk", "merchant_id"))
    channels: dict[int, list[int]] = {}
    for channel_id, merchant_id in stock_push_channels(set(merchants.values())).values_list("pk", "merchant_id"):
        channels.setdefault(merchant_id, []).append(channel_id)
    pairs = [(channel_id, product_id) for product_id, merchant_id in merchants.items() for channel_id in channels.get(merchant_id, [])]
    if pairs:
        _stock_pushes_wake(pairs)
    waiting = backordered_product_ids_in_stock(product_ids)
    if waiting:
        from orders.tasks import fill_backorders

        transaction.on_commit(partial(fill_backorders.delay, waiting), robust=True)
    return product_ids


def _stock_pushes_wake(pairs: list[tuple[int, int]]) -> None:
    """Mark each (channel, product) changed. A sent or parked row becomes due again, but no sooner than the
    minimum interval after its last push (a SKU changing non-stop is pushed at that pace, always with the
    latest quantity); a pending one keeps its schedule (its delivery is queued already); one in flight sees
    the new generation and sends again."""
    now = timezone.now()
    StockPush.objects.bulk_create(
        [StockPush(channel_id=c, product_id=p, next_attempt_at=now, changed_at=now) for c, p in pairs],
        ignore_conflicts=True,
    )
    # Rows exist only for a channel and a product of the same merchant, so the two lists pick out the pairs.
    rows = StockPush.objects.filter(channel_id__in={c for c, _ in pairs}, product_id__in={p for _, p in pairs})
    # In primary-key order, so two readers waking overlapping rows never wait on each other in a cycle.
    locked = list(rows.select_for_update(of=("self",), no_key=True).order_by("pk").values_list("pk", "status"))
    pending = StockPush.Status.PENDING
    not_before = Greatest(
        Value(now), Coalesce(F("sent_at") + _min_interval(), Value(now)), output_field=DateTimeField()
    )
    StockPush.objects.filter(pk__in=[pk for pk, _ in locked]).update(
        generation=F("generation") + 1,
        changed_at=now,
        attempts=Case(When(status=StockPush.Status.SENT, then=Value(0)), default=F("attempts"),
                      output_field=PositiveIntegerField()),
        next_attempt_at=Case(When(status=pending, then=F("next_attempt_at")), default=not_before,
                             output_field=DateTimeField()),
        status=pending,
    )
    woken = {pk for pk, status in locked if status != pending}
    queue = (
        StockPush.objects.filter(pk__in=[pk for pk, _ in locked])
        .filter(Q(pk__in=woken) | Q(next_attempt_at__lte=now))  # new rows are pending and due now
        .filter(Q(leased_until__isnull=True) | Q(leased_until__lt=now))
        .values_list("pk", "next_attempt_at")
    )
    for push_id, due_at in queue:
        _deliver_after_commit(push_id, countdown=max((due_at - now).total_seconds(), 0) or None)


def _min_interval() -> dt.timedelta:
    return dt.timedelta(seconds=settings.ORDERS_STOCK_PUSH_MIN_INTERVAL_SECONDS)


def stock_push_deliver(*, push_id: int) -> str:
    """Send the product's current available-to-sell to the channel if the push is due. Returns sent,
    resend (a change arrived during the call: sent again after the minimum interval), retrying or parked; or, without calling:
    already_sent, not_due, in_flight, busy, superseded or missing."""
    claim = _claim(push_id)
    if isinstance(claim, str):
        return claim
    push, token, generation = claim
    try:
        # Read after the claim: any later change wakes the row again.
        locations = channel_locations(push.channel)
        client = client_for(push.channel)
        if locations:  # one number per storefront location, from the warehouses that stock it
            qty = 0
            for location_id, warehouse_ids in sorted(locations.items()):
                here = available_to_sell(push.product, warehouse_ids=warehouse_ids)
                client.set_available(push.product.sku, here, location_id=location_id)
                qty += here
        else:
            qty = available_to_sell(push.product)
            client.set_available(push.product.sku, qty)
    except PeerError as exc:
        return _record_failure(push.pk, token, str(exc), status=exc.status, retry_after=exc.retry_after)
    except Exception as exc:  # a bug or an unexpected answer: recorded and retried like any failure, never lost
        log.exception("stock push %s: delivery raised", push.pk)
        return _record_failure(push.pk, token, f"{type(exc).__name__}: {exc}", status=None, retry_after=None)
    return _record_success(push.pk, token, generation, qty)


def _claim(push_id: int) -> tuple[StockPush, str, int] | str:
    now = timezone.now()
    with transaction.atomic():
        push = (
            StockPush.objects.select_for_update(skip_locked=True, of=("self",), no_key=True)
            .select_related("channel", "product").filter(pk=push_id).first()
        )
        if push is None:
            return "busy" if StockPush.objects.filter(pk=push_id).exists() else "missing"
        if push.status != StockPush.Status.PENDING:
            return "already_sent" if push.status == StockPush.Status.SENT else "parked"
        if push.leased_until and push.leased_until > now:
            return "in_flight"
        if push.next_attempt_at > now:
            return "not_due"
        if not stock_push_channels([push.channel.merchant_id]).filter(pk=push.channel_id).exists():
            push.status, push.last_error = StockPush.Status.FAILED, "the channel no longer takes stock pushes"
            push.save(update_fields=["status", "last_error"])
            return "parked"
        token = uuid.uuid4().hex
        push.lease_token = token
        push.leased_until = now + dt.timedelta(seconds=settings.ORDERS_OUTBOX_LEASE_SECONDS)
        push.save(update_fields=["lease_token", "leased_until"])
    return push, token, push.generation


def _record_success(push_id: int, token: str, generation: int, qty: int) -> str:
    with transaction.atomic():
        push = StockPush.objects.select_for_update(of=("self",), no_key=True).get(pk=push_id)
        if push.lease_token != token:
            return "superseded"
        push.attempts, push.last_error = 0, ""
        push.lease_token, push.leased_until = "", None
        now = timezone.now()
        push.sent_qty, push.sent_at = qty, now
        changed_meanwhile = push.generation != generation
        if changed_meanwhile:
            push.next_attempt_at = now + _min_interval()
            _deliver_after_commit(push.pk, countdown=_min_interval().total_seconds() or None)
        else:
            push.status = StockPush.Status.SENT
        push.save(update_fields=["attempts", "last_error", "lease_token", "leased_until", "sent_qty", "sent_at",
                                 "next_attempt_at", "status"])
    return "resend" if changed_meanwhile else "sent"


def _record_failure(push_id: int, token: str, error: str, *, status: int | None, retry_after: float | None) -> str:
    with transaction.atomic():
        push = StockPush.objects.select_for_update(of=("self",), no_key=True).get(pk=push_id)
        if push.lease_token != token:
            return "superseded"
        push.attempts += 1
        push.last_error = error[:4000]
        push.lease_token, push.leased_until = "", None
        permanent = status is not None and 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS
        if permanent or push.attempts >= settings.ORDERS_OUTBOX_MAX_ATTEMPTS:
            push.status = StockPush.Status.FAILED
        else:
            delay = backoff_seconds(push.attempts, retry_after)
            push.next_attempt_at = timezone.now() + dt.timedelta(seconds=delay)
            _deliver_after_commit(push.pk, countdown=delay)
        push.save(update_fields=["attempts", "last_error", "lease_token", "leased_until", "status", "next_attempt_at"])
    log.warning("stock push %s attempt %s failed: %s", push_id, push.attempts, error[:300])
    return "parked" if push.status == StockPush.Status.FAILED else "retrying"


@transaction.atomic
def stock_push_retry(*, push: StockPush, actor) -> StockPush:
    """An operator sends a parked push again (attempts start over), or hurries a pending one."""
    push = StockPush.objects.select_for_update(of=("self",), no_key=True).get(pk=push.pk)
    if push.status == StockPush.Status.SENT:
        raise OutboxError(f"stock push {push.pk} was already sent")
    if push.status == StockPush.Status.FAILED:
        log.info("stock push %s sent again by %s after: %s", push.pk, actor_label(actor), push.last_error[:300])
        push.status = StockPush.Status.PENDING
        push.attempts = 0
    push.next_attempt_at = timezone.now()
    push.save(update_fields=["status", "attempts", "next_attempt_at"])
    _deliver_after_commit(push.pk)
    return push


def _deliver_after_commit(push_id: int, countdown: float | None = None) -> None:
    from orders.tasks import deliver_stock_push

    # robust: a broker that is down must not undo a committed change; the beat sweep sends it later.
    transaction.on_commit(partial(deliver_stock_push.apply_async, (push_id,), countdown=countdown), robust=True)
