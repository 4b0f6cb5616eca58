"""Order intake: one canonical order per (channel, external id), whatever the source.

Storefront webhooks, catch-up pulls, the REST API and CSV uploads all end in `order_upsert`.
An order that cannot proceed is kept ON HOLD with a typed reason, never dropped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from inventory.models import Product
from inventory.selectors import bundle_recipe
from orders.adapters.base import NormalizedAddress, NormalizedOrder, line_label
from orders.exceptions import InvalidOrder
from orders.models import (
    Channel,
    HoldKind,
    Order,
    OrderBundleLine,
    OrderEvent,
    OrderHold,
    OrderLine,
    PaymentStatus,
    ServiceLevel,
)
from orders.models.order import GIFT_MESSAGE_MAX, NOTE_MAX
from orders.selectors import order_problems
from orders.services.timeline import hold_place, hold_release_kind, order_event, order_transition
from orders.state import PICKING_STARTED, SHIPPED_OR_LATER

REALLOCATE_FROM = (
    Order.Status.ALLOCATED, Order.Status.PARTIALLY_ALLOCATED, Order.Status.BACKORDERED, Order.Status.RELEASED,
)
SYSTEM_HOLDS = (HoldKind.PAYMENT_PENDING, HoldKind.ADDRESS_INVALID, HoldKind.UNKNOWN_SKU, HoldKind.INVALID_QUANTITY)
MAX_QUANTITY = 2**31 - 1  # OrderLine.quantity is an integer column
MONEY_LIMIT = Decimal("1e10")  # the amounts are numeric(12, 2)



@dataclass(frozen=True)
class IntakeResult:
    order: Order
    created: bool
    outcome: str  # created, updated, unchanged, stale, cancelled, refused


@transaction.atomic
def order_upsert(*, channel: Channel, normalized: NormalizedOrder, source: str, actor=None) -> IntakeResult:
    """Create the order, or apply a storefront update / cancellation to the existing one."""
    normalized_check(normalized)
    actor = actor or f"{channel.get_kind_display()} {source}"
    order = Order.objects.select_for_update(of=("self",), no_key=True).filter(channel=channel, external_id=normalized.external_id).first()
    if order is None:
        try:
            with transaction.atomic():
                order = _create(channel, normalized, source, actor)
            return IntakeResult(order, True, "created")
        except IntegrityError:  # a concurrent delivery of the same order won the insert
            order = Order.objects.select_for_update(of=("self",), no_key=True).get(channel=channel, external_id=normalized.external_id)
    return _update(order, normalized, source, actor)


def order_create(*, channel: Channel, normalized: NormalizedOrder, source: str, actor=None) -> Order:
    """A new order only (the REST API's create), in a few statements inside the caller's transaction: the products
    by SKU in one query, the order, its lines in one INSERT, its timeline entry, holds only when something is
    wrong. A duplicate of (channel, external id) is refused by the unique key: `OrderExists` (nothing written
    once the caller's transaction rolls back). The order comes back with its lines, holds, timeline and
    fulfillment orders in hand (`order_in_hand`), so its answer needs no read."""
    normalized_check(normalized)
    actor = actor or f"{channel.get_kind_display()} {source}"
    order = Order(merchant=channel.merchant, channel=channel, external_id=normalized.external_id)
    _apply_header(order, normalized)
    try:
        order.save(force_insert=True)
    except IntegrityError as exc:
        if _constraint(exc) == "order_one_per_channel_external_id":
            raise OrderExists(f"an order with external id {normalized.external_id!r} already exists") from exc
        raise
    lines = _insert_lines(order, normalized)
    event = order_event(
        order=order, kind="received", actor=actor,
        message=f"Order {order.order_number} received from {channel.name} ({source}), {len(normalized.lines)} line(s)",
    )
    order_in_hand(order, lines=lines, holds=[], events=[event], fulfillment_orders=[])
    if order_problems(order):  # a new order has no hold to release: only placing them can be needed
        system_holds_evaluate(order, actor, arrived=normalized)
        order_in_hand(order, holds=list(OrderHold.objects.filter(order=order)),
                      events=list(OrderEvent.objects.filter(order=order)))
    if order.status == Order.Status.PENDING:
        order_queue_allocation(order)
    return order


class OrderExists(IntegrityError):
    """The channel already has an order with this external id."""


def _constraint(exc: IntegrityError) -> str:
    diag = getattr(exc.__cause__, "diag", None)
    return getattr(diag, "constraint_name", "") or ""


def order_in_hand(order: Order, **related: list) -> None:
    """Give `order` its related rows as if prefetched (`order.lines.all()` and the like answer without a query)."""
    cache = order.__dict__.setdefault("_prefetched_objects_cache", {})
    for name, rows in related.items():
        cache.pop(name, None)
        queryset = getattr(order, name).all()  # the related rows' queryset: a further filter on it still reads
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        cache[name] = queryset


def normalized_check(n: NormalizedOrder) -> None:
    """Refuse what no column can hold, whatever the source: a quantity or an amount out of range, a negative
    price, an id too long or any text with a NUL byte. A zero or negative quantity is kept, on hold."""
    problems = []
    for name, value in (("external id", n.external_id), ("order number", n.order_number)):
        if not isinstance(value, str) or not 0 < len(value) <= 64:
            problems.append(f"{name} must be 1 to 64 characters")
    for number, line in enumerate(n.lines, start=1):
        if abs(line.quantity) > MAX_QUANTITY:
            problems.append(f"line {number}: quantity {line.quantity} is out of range")
        if line.unit_price < 0 or line.discount < 0:
            problems.append(f"line {number}: unit price and discount must not be negative")
        if len(line.sku or "") > 64 or len(line.external_line_id or "") > 64:
            problems.append(f"line {number}: SKU and line id must be at most 64 characters")
        if abs(line.unit_price) >= MONEY_LIMIT or abs(line.discount) >= MONEY_LIMIT:
            problems.append(f"line {number}: amount out of range")
    amounts = {"subtotal": n.subtotal, "shipping total": n.shipping_total, "tax total": n.tax_total,
               "discount total": n.discount_total, "total": n.total}
    problems += [f"{name} {value} is out of range" for name, value in amounts.items() if abs(value) >= MONEY_LIMIT]
    if any("\x00" in str(value) for value in _texts(n)):
        problems.append("text must not contain NUL bytes")
    if problems:
        raise InvalidOrder("; ".join(problems))


def _texts(n: NormalizedOrder) -> list[object]:
    address = n.ship_to or NormalizedAddress()
    return [n.external_id, n.order_number, n.email, n.customer_name, n.currency, n.payment_status, n.service_level,
            *vars(address).values(), *[v for line in n.lines for v in (line.sku, line.name, line.external_line_id)]]


def _create(channel: Channel, n: NormalizedOrder, source: str, actor) -> Order:
    order = Order(merchant=channel.merchant, channel=channel, external_id=n.external_id)
    _apply_header(order, n)
    order.save()
    lines = _insert_lines(order, n)  # a new order has no lines to replace
    order_event(
        order=order, kind="received", actor=actor,
        message=f"Order {order.order_number} received from {channel.name} ({source}), {len(n.lines)} line(s)",
    )
    if n.is_cancelled:
        order_transition(order=order, to=Order.Status.CANCELLED, actor=actor, reason="cancelled on the storefront")
        return order
    order_in_hand(order, lines=lines)
    if order_problems(order):  # a new order has no hold to release: only placing them can be needed
        system_holds_evaluate(order, actor, arrived=n)
    if order.status == Order.Status.PENDING:
        order_queue_allocation(order)
    return order


def _update(order: Order, n: NormalizedOrder, source: str, actor) -> IntakeResult:
    if n.channel_updated_at and order.channel_updated_at and n.channel_updated_at <= order.channel_updated_at:
        return IntakeResult(order, False, "stale")
    if (order.status in SHIPPED_OR_LATER or order.status in PICKING_STARTED) and not n.is_cancelled \
            and not _material_change(order, n):
        # Storefronts echo our own pushes back (fulfillment created, status set to processing): nothing to review.
        order.channel_updated_at = n.channel_updated_at or order.channel_updated_at
        order.save(update_fields=["channel_updated_at", "updated_at"])
        return IntakeResult(order, False, "unchanged")
    if order.status in SHIPPED_OR_LATER:
        what = "cancellation" if n.is_cancelled else "update"
        hold_place(
            order=order, kind=HoldKind.UPDATE_AFTER_SHIP, actor=actor,
            reason=f"storefront {what} arrived after the order shipped; review with the customer",
        )
        order_event(order=order, kind="update_refused", actor=actor,
                    message=f"Storefront {what} refused: the warehouse already shipped this order")
        return IntakeResult(order, False, "refused")
    if order.status == Order.Status.CANCELLED:
        return IntakeResult(order, False, "unchanged")
    if n.is_cancelled:
        from orders.services.cancellation import order_cancel

        order = order_cancel(order=order, actor=actor, reason="cancelled on the storefront", notify_storefront=False)
        return IntakeResult(order, False, "cancelled")
    if order.status in PICKING_STARTED:
        hold_place(
            order=order, kind=HoldKind.UPDATE_AFTER_PICK, actor=actor,
            reason="storefront changed the order after picking started; review before packing",
        )
        order.channel_updated_at = n.channel_updated_at
        order.save(update_fields=["channel_updated_at", "updated_at"])
        return IntakeResult(order, False, "refused")
    changes = _apply_header(order, n)
    order.save()
    if _lines_differ(order, n):
        from orders.services.allocation import order_release_reservations

        order_release_reservations(order=order, actor=actor, reason="lines changed on the storefront")
        _replace_lines(order, n)
        changes.append("lines")
        if order.status in REALLOCATE_FROM:
            order_transition(order=order, to=Order.Status.PENDING, actor=actor, reason="lines changed: allocate again")
    if changes:
        order_event(order=order, kind="updated", actor=actor, message=f"Storefront update ({source}): {', '.join(changes)}")
    system_holds_evaluate(order, actor, arrived=n)
    if order.status == Order.Status.PENDING:
        order_queue_allocation(order)
    return IntakeResult(order, False, "updated" if changes else "unchanged")


def _apply_header(order: Order, n: NormalizedOrder) -> list[str]:
    address = n.ship_to or NormalizedAddress()
    values = {
        "order_number": n.order_number or n.external_id,
        "email": n.email or "",
        "customer_name": n.customer_name or "",
        "ship_name": address.name or "",
        "ship_company": address.company or "",
        "ship_line1": address.line1 or "",
        "ship_line2": address.line2 or "",
        "ship_city": address.city or "",
        "ship_region": address.region or "",
        "ship_postal_code": address.postal_code or "",
        "ship_country": (address.country or "").upper()[:2],
        "ship_phone": address.phone or "",
        "currency": (n.currency or "USD").upper()[:3],
        "subtotal": n.subtotal,
        "shipping_total": n.shipping_total,
        "tax_total": n.tax_total,
        "discount_total": n.discount_total,
        "total": n.total,
        "payment_status": n.payment_status if n.payment_status in PaymentStatus.values else PaymentStatus.PENDING,
        "service_level": n.service_level if n.service_level in ServiceLevel.values else ServiceLevel.STANDARD,
        "placed_at": n.placed_at,
        "note": (n.note or "")[:NOTE_MAX],
        "gift_message": (n.gift_message or "")[:GIFT_MESSAGE_MAX],
        "channel_updated_at": n.channel_updated_at,
    }
    changed = []
    for field, value in values.items():
        if getattr(order, field) != value:
            if order.pk and field not in ("channel_updated_at", "subtotal", "tax_total", "total"):
                changed.append(field.replace("_", " "))
            setattr(order, field, value)
    return changed


def _material_change(order: Order, n: NormalizedOrder) -> bool:
    """What the warehouse must act on: the lines, the ship-to address or the service level."""
    probe = Order(**{f.attname: getattr(order, f.attname) for f in Order._meta.concrete_fields})
    changes = _apply_header(probe, n)
    return _lines_differ(order, n) or any(c.startswith("ship ") or c == "service level" for c in changes)


def _lines_differ(order: Order, n: NormalizedOrder) -> bool:
    return storefront_lines(order) != [(line.sku, line.quantity) for line in n.lines]


def storefront_lines(order: Order) -> list[tuple[str, int]]:
    """The order's lines as the storefront sold them: a bundle once, not its exploded components."""
    plain = [(line.line_no, line.sku, line.quantity) for line in order.lines.filter(bundle_line__isnull=True)]
    bundles = [(line.line_no, line.sku, line.quantity) for line in order.bundle_lines.all()]
    return [(sku, qty) for _, sku, qty in sorted(plain + bundles)]


def _replace_lines(order: Order, n: NormalizedOrder) -> None:
    """Store the lines; a bundle SKU's line is kept as sold (OrderBundleLine) and exploded into one
    component line per component, which the warehouse reserves, picks and ships."""
    order.lines.all().delete()
    order.bundle_lines.all().delete()
    _insert_lines(order, n)


def _insert_lines(order: Order, n: NormalizedOrder) -> list[OrderLine]:
    skus = {line.sku for line in n.lines if line.sku}
    products = {p.sku: p for p in Product.objects.filter(merchant_id=order.merchant_id, sku__in=skus, is_active=True)}
    recipe = bundle_recipe(p.pk for p in products.values())
    components = {p.pk: p for p in Product.objects.filter(pk__in={c for parts in recipe.values() for c in parts})}
    rows: list[OrderLine] = []
    for line in n.lines:
        product = products.get(line.sku)
        quantity = max(line.quantity, 0)
        if product is None or product.pk not in recipe:
            rows.append(OrderLine(
                order=order, line_no=len(rows) + 1, external_line_id=line.external_line_id or "", sku=line.sku or "",
                product=product, name=(line.name or "")[:255], quantity=quantity,
                unit_price=line.unit_price, discount=line.discount,
            ))
            continue
        bundle_line = OrderBundleLine.objects.create(
            order=order, line_no=len(rows) + 1, external_line_id=line.external_line_id or "", sku=product.sku,
            product=product, name=(line.name or product.name)[:255], quantity=quantity,
            unit_price=line.unit_price, discount=line.discount,
        )
        for component_id, per in sorted(recipe[product.pk].items()):
            component = components[component_id]
            if quantity * per > MAX_QUANTITY:
                raise InvalidOrder(f"bundle {product.sku}: {quantity} x {per} {component.sku} is out of range")
            rows.append(OrderLine(
                order=order, line_no=len(rows) + 1, external_line_id=line.external_line_id or "", sku=component.sku,
                product=component if component.is_active else None, name=component.name[:255],
                quantity=quantity * per, bundle_line=bundle_line, bundle_qty_per=per,
            ))
    return OrderLine.objects.bulk_create(rows)


def system_holds_evaluate(order: Order, actor, arrived: NormalizedOrder | None = None) -> None:
    """Place or release each system hold. `arrived` is the storefront's order as it came in: a hold for
    its quantities then names the lines and the values that arrived, not only what was stored."""
    problems = order_problems(order)
    if arrived is not None and HoldKind.INVALID_QUANTITY in problems:
        problems[HoldKind.INVALID_QUANTITY] = arrival_problems(arrived) or problems[HoldKind.INVALID_QUANTITY]
    for kind in SYSTEM_HOLDS:
        if kind in problems:
            hold_place(order=order, kind=kind, reason=problems[kind], actor=actor)
        else:
            hold_release_kind(order=order, kind=kind, actor=actor, reason="fixed")


def arrival_problems(n: NormalizedOrder) -> str:
    """What was wrong with the lines as they arrived, line by line; for an order left without lines, what
    arrived and why none of it is the warehouse's to ship. Empty when the adapter saw nothing wrong."""
    named = [f"line {number}, {line_label(line.sku, line.name, line.external_line_id)}: {line.problem}"
             for number, line in enumerate(n.lines, start=1) if line.problem]
    if not named and not n.lines and n.set_aside:
        named = [f"the order has no lines to ship; arrived: {'; '.join(n.set_aside)}"]
    reason = "; ".join(named)
    limit = OrderHold._meta.get_field("reason").max_length or 500
    return reason if len(reason) <= limit else reason[: limit - 1] + "…"


# Set while an intake batch runs (orders.services.intake_batch): orders that become pending are allocated by
# the batch itself right after their processing commits, instead of each waiting behind the queue in a task.
_ALLOCATE_IN_BATCH: ContextVar[list[int] | None] = ContextVar("allocate_in_batch", default=None)


def order_queue_allocation(order: Order) -> None:
    """A pending order with no holds goes to allocation after commit. With the broker down the commit
    stands and the order stays pending: the allocation sweep finds it."""
    from core.dispatch import enqueue_after_commit
    from orders.tasks import allocate_order

    batch = _ALLOCATE_IN_BATCH.get()
    if batch is not None:
        order_id = order.pk
        transaction.on_commit(lambda: batch.append(order_id), robust=True)
        return
    enqueue_after_commit(allocate_order, order.pk)


@contextmanager
def allocations_collected() -> Iterator[list[int]]:
    """Within the block, orders queued for allocation are collected (once committed) instead of sent to
    the broker; the caller allocates them. An order whose transaction rolls back is not collected."""
    collected: list[int] = []
    token = _ALLOCATE_IN_BATCH.set(collected)
    try:
        yield collected
    finally:
        _ALLOCATE_IN_BATCH.reset(token)
