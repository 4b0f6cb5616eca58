"""Allocation: reserve stock for an order's open lines where routing says, record why, and
release the work to the warehouse. Backorders fill automatically when stock arrives."""

from __future__ import annotations

from django.db import connection, transaction
from django.db.models import Count, F, Sum
from django.utils import timezone

from core.models import EventKind
from inventory.exceptions import InsufficientStock
from inventory.models import Reservation, StockLevel
from inventory.services.levels import stock_levels_lock
from inventory.services.reservations import stock_release, stock_reserve
from layout.models import Warehouse
from orders.locks import lock_order
from orders.models import FulfillmentOrder, Order, OrderLine, OutboxKind, RoutingPolicy, ServiceLevel
from orders.routing import candidates_for, plan
from orders.selectors import policy_for, reserved_by_line, ship_by_for
from orders.services.events import event_lines, order_event_record
from orders.services.fulfillments import fulfillment_transition
from orders.services.outbox import outbox_lines, outbox_record
from orders.services.timeline import order_event, order_transition

ALLOCATABLE = (Order.Status.PENDING, Order.Status.BACKORDERED, Order.Status.PARTIALLY_ALLOCATED)
PROMISED_DAYS = {ServiceLevel.STANDARD: 5, ServiceLevel.EXPEDITED: 2, ServiceLevel.OVERNIGHT: 1}
PRIORITY = {ServiceLevel.STANDARD: 0, ServiceLevel.EXPEDITED: 10, ServiceLevel.OVERNIGHT: 20}
OPEN_FULFILLMENT = (FulfillmentOrder.Status.ALLOCATED, FulfillmentOrder.Status.RELEASED, FulfillmentOrder.Status.IN_WAVE,
                    FulfillmentOrder.Status.PICKING)


@transaction.atomic
def order_allocate(*, order_id: int, actor="routing") -> Order:
    order = lock_order(order_id, related=("merchant",))  # the merchant is read, not locked: orders reference it
    if order.status not in ALLOCATABLE:
        return order
    if order.fulfillment_orders.filter(cancel_requested_at__isnull=False).exists():
        return order  # being cancelled: the warehouse is stopping its work, nothing new is reserved
    policy = policy_for(order.merchant)
    lines = [line for line in order.lines.select_related("product") if line.product_id and line.open_qty > 0]
    reserved = reserved_by_line(line.pk for line in lines)
    needs = {
        line.pk: (line.product_id, line.open_qty - reserved.get(line.pk, 0))
        for line in lines
        if line.open_qty > reserved.get(line.pk, 0)
    }
    if needs:
        _reserve_by_plan(order, policy, lines, needs, actor)
    _settle_status(order, policy, actor)
    return order


def _reserve_by_plan(order: Order, policy: RoutingPolicy, lines: list[OrderLine], needs, actor) -> None:
    warehouses = list(Warehouse.objects.filter(is_active=True))
    product_ids = {product_id for product_id, _ in needs.values()}
    available = {
        (level.product_id, level.warehouse_id): level.available
        for level in StockLevel.objects.filter(product_id__in=product_ids, warehouse__is_active=True)
    }
    open_work = dict(
        FulfillmentOrder.objects.filter(status__in=OPEN_FULFILLMENT).values_list("warehouse_id").annotate(n=Count("id"))
    )
    by_id = {line.pk: line for line in lines}
    weight_kg = sum(by_id[line_id].product.weight_g * qty for line_id, (_, qty) in needs.items()) / 1000
    result = plan(
        needs=needs, available=available, rules=policy.ordered_rules(), allow_split=policy.allow_split,
        candidates=candidates_for(warehouses, country=order.ship_country, postal_code=order.ship_postal_code, open_work=open_work),
        weight_kg=weight_kg, promised_days=PROMISED_DAYS.get(order.service_level),
    )
    warehouses_by_id = {w.pk: w for w in warehouses}
    granted_total = 0
    work = sorted(
        ((needs[line_id][0], wh_id, line_id, qty) for wh_id, assigned in result.assignments.items() for line_id, qty in assigned.items()),
    )
    # Every level this allocation reserves from, locked at once in primary-key order (the house lock order)
    # before the first reservation, so two allocations (or an allocation and a pick) never wait in a circle.
    stock_levels_lock(keys=((product_id, wh_id) for product_id, wh_id, _, _ in work))
    bundles: dict[int, list[tuple[int, int, int]]] = {}
    reserved: Reserved = {}
    for _product_id, wh_id, line_id, qty in work:
        line = by_id[line_id]
        if line.bundle_line_id:  # a bundle's components: all of them or none, below
            bundles.setdefault(line.bundle_line_id, []).append((wh_id, line_id, qty))
            continue
        granted = stock_reserve(
            product=line.product, warehouse=warehouses_by_id[wh_id], qty=qty, order_line_id=line.pk, actor=actor,
            merchant=order.merchant, allow_partial=True, reference=f"order:{order.pk}",
        ).qty
        if granted:
            _reserved_add(reserved, wh_id, line.pk, granted)
            granted_total += granted
        if granted < qty:
            result.backordered[line_id] = result.backordered.get(line_id, 0) + qty - granted
            result.reasons.append(f"{line.sku}: only {granted} of {qty} could be reserved in {warehouses_by_id[wh_id].code}")
    for bundle_line_id, parts in sorted(bundles.items()):
        granted_total += _reserve_bundle(order, [line for line in lines if line.bundle_line_id == bundle_line_id], parts,
                                         needs, warehouses_by_id, result, actor, reserved)
    _fulfillments_add(order, warehouses_by_id, reserved)
    order_event(
        order=order, kind="routing", actor=actor,
        message=f"Allocated {granted_total} unit(s). " + " ".join(f"{reason}." for reason in result.reasons),
        assignments={warehouses_by_id[w].code: q for w, q in result.assignments.items()},
        backordered={by_id[line_id].sku: qty for line_id, qty in result.backordered.items()},
    )


def _reserve_bundle(order: Order, components: list[OrderLine], parts: list[tuple[int, int, int]], needs,
                    warehouses_by_id, result, actor, reserved: Reserved) -> int:
    """Every component line of one storefront bundle line is reserved in full, or none is: a bundle is never
    half promised. Returns the units reserved."""
    planned: dict[int, int] = {}
    for _, line_id, qty in parts:
        planned[line_id] = planned.get(line_id, 0) + qty
    complete = all(line.pk in needs and planned.get(line.pk, 0) >= needs[line.pk][1] for line in components
                   if line.pk in needs)
    granted = 0
    if complete:
        try:
            with transaction.atomic():  # a savepoint: a refused component undoes the others
                for wh_id, line_id, qty in parts:
                    line = next(c for c in components if c.pk == line_id)
                    stock_reserve(
                        product=line.product, warehouse=warehouses_by_id[wh_id], qty=qty, order_line_id=line.pk,
                        actor=actor, merchant=order.merchant, reference=f"order:{order.pk}",
                    )
                    granted += qty
        except InsufficientStock:
            granted, complete = 0, False
        else:  # every component reserved: only now do they join the fulfillment orders
            for wh_id, line_id, qty in parts:
                _reserved_add(reserved, wh_id, line_id, qty)
    if not complete:
        for _, line_id, qty in parts:
            result.backordered[line_id] = result.backordered.get(line_id, 0) + qty
        result.reasons.append(f"bundle {components[0].bundle_line.sku}: not every component is available; none reserved")
    return granted


Reserved = dict[int, dict[int, int]]  # warehouse id -> order line id -> units reserved by this allocation

# What this allocation reserved joins the warehouse's open fulfillment order in one statement: a line already
# on it (a re-allocation after a short pick) grows, a new one is added.
_FULFILLMENT_LINES_ADD = """
INSERT INTO orders_fulfillmentline (fulfillment_order_id, order_line_id, qty, shipped_qty)
SELECT %s, line_id, qty, 0 FROM UNNEST(%s::bigint[], %s::integer[]) AS added(line_id, qty)
ON CONFLICT (fulfillment_order_id, order_line_id) DO UPDATE SET qty = orders_fulfillmentline.qty + EXCLUDED.qty
"""


def _reserved_add(reserved: Reserved, warehouse_id: int, line_id: int, qty: int) -> None:
    per_line = reserved.setdefault(warehouse_id, {})
    per_line[line_id] = per_line.get(line_id, 0) + qty


def _fulfillments_add(order: Order, warehouses_by_id: dict[int, Warehouse], reserved: Reserved) -> None:
    for warehouse_id, per_line in sorted(reserved.items()):
        fulfillment = _open_fulfillment(order, warehouses_by_id[warehouse_id])
        line_ids = sorted(per_line)
        with connection.cursor() as cursor:
            cursor.execute(_FULFILLMENT_LINES_ADD, [fulfillment.pk, line_ids, [per_line[pk] for pk in line_ids]])


def _open_fulfillment(order: Order, warehouse: Warehouse) -> FulfillmentOrder:
    fulfillment = (
        FulfillmentOrder.objects.filter(order=order, warehouse=warehouse)
        .exclude(status__in=[FulfillmentOrder.Status.SHIPPED, FulfillmentOrder.Status.CANCELLED])
        .first()
    )
    if fulfillment is None:
        fulfillment = FulfillmentOrder.objects.create(order=order, warehouse=warehouse, ship_by=ship_by_for(order, warehouse))
    return fulfillment


def _settle_status(order: Order, policy: RoutingPolicy, actor) -> None:
    lines = [line for line in order.lines.all() if line.open_qty > 0]
    reserved = reserved_by_line(line.pk for line in lines)
    wanted = sum(line.open_qty for line in lines)
    have = sum(min(reserved.get(line.pk, 0), line.open_qty) for line in lines)
    if wanted and have >= wanted:
        target = Order.Status.ALLOCATED
    elif have:
        target = Order.Status.PARTIALLY_ALLOCATED
    else:
        target = Order.Status.BACKORDERED
    if target != order.status:
        order_transition(order=order, to=target, actor=actor, reason=f"{have} of {wanted} unit(s) reserved")
        if target == Order.Status.ALLOCATED:
            outbox_record(order=order, kind=OutboxKind.ALLOCATED, payload={"lines": outbox_lines(
                (line, line.open_qty) for line in lines)})
        if target in (Order.Status.ALLOCATED, Order.Status.PARTIALLY_ALLOCATED):
            _allocated_event(order, lines, reserved, target)
    fulfillments = list(order.fulfillment_orders.filter(status=FulfillmentOrder.Status.ALLOCATED))
    if fulfillments:
        order.ship_by = min(f.ship_by for f in fulfillments if f.ship_by) if any(f.ship_by for f in fulfillments) else None
        order.priority = PRIORITY.get(order.service_level, 0)
        order.save(update_fields=["ship_by", "priority", "updated_at"])
    ready = target == Order.Status.ALLOCATED or (target == Order.Status.PARTIALLY_ALLOCATED and policy.allow_split)
    if ready and policy.release == RoutingPolicy.Release.AUTOMATIC:
        fulfillment_release(order=order, actor=actor)


def _allocated_event(order: Order, lines: list[OrderLine], reserved: dict[int, int], status: str) -> None:
    by_warehouse: dict[str, int] = {}
    warehouse_ids = set()
    for code, warehouse_id, qty in Reservation.objects.filter(order_line_id__in=[line.pk for line in lines], qty__gt=0).values_list(
            "warehouse__code", "warehouse_id", "qty"):
        by_warehouse[code] = by_warehouse.get(code, 0) + qty
        warehouse_ids.add(warehouse_id)
    order_event_record(
        EventKind.ORDER_ALLOCATED, order=order, warehouse_id=next(iter(warehouse_ids)) if len(warehouse_ids) == 1 else None,
        status=status, units=sum(min(reserved.get(line.pk, 0), line.open_qty) for line in lines),
        warehouses=[{"warehouse": code, "units": n} for code, n in sorted(by_warehouse.items())],
        lines=event_lines((line, min(reserved.get(line.pk, 0), line.open_qty)) for line in lines),
    )


def fulfillment_release(*, order: Order, actor) -> list[FulfillmentOrder]:
    """Make the order's allocated fulfillment orders visible to wave planning. Caller holds the order lock."""
    now = timezone.now()
    released = list(order.fulfillment_orders.filter(status=FulfillmentOrder.Status.ALLOCATED))
    if not released:
        return []
    for fulfillment in sorted(released, key=lambda f: f.pk):
        fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.RELEASED, actor=actor,
                               reason="released to the warehouse", extra={"released_at": now})
        planned = list(fulfillment.lines.select_related("order_line").order_by("pk"))
        order_event_record(
            EventKind.ORDER_RELEASED, order=order, fulfillment=fulfillment, released_at=now.isoformat(),
            units=sum(fl.qty for fl in planned), lines=event_lines((fl.order_line, fl.qty) for fl in planned),
        )
    order_transition(
        order=order, to=Order.Status.RELEASED, actor=actor,
        reason=f"released to {', '.join(sorted(f.warehouse.code for f in released))}",
    )
    return released


def orders_release_batch(*, actor, warehouse: Warehouse | None = None, limit: int | None = None) -> int:
    """For merchants who release in batches: a manager releases allocated orders, most urgent first
    (priority, then ship-by). Each order is its own transaction. Returns how many were released."""
    from orders.selectors import orders_awaiting_release

    ids = list(orders_awaiting_release(warehouse).values_list("pk", flat=True))
    released = 0
    for order_id in ids[:limit] if limit else ids:
        with transaction.atomic():
            order = lock_order(order_id)
            if order.status == Order.Status.ALLOCATED and fulfillment_release(order=order, actor=actor):
                released += 1
    return released


def order_release_reservations(*, order: Order, actor, reason: str, keep_warehouse_ids=()) -> int:
    """Give back every unpicked reserved unit of the order (but those in `keep_warehouse_ids`, where the
    warehouse still has work to stop first). Caller holds the order lock."""
    released = 0
    line_ids = list(order.lines.values_list("pk", flat=True))
    reservations = (Reservation.objects.filter(order_line_id__in=line_ids, qty__gt=0)
                    .exclude(warehouse_id__in=list(keep_warehouse_ids)).select_related("product"))
    for reservation in reservations.order_by("product_id", "warehouse_id"):
        released += stock_release(reservation=reservation, actor=actor, reason=reason).qty
    for fulfillment in order.fulfillment_orders.filter(
        status__in=[FulfillmentOrder.Status.ALLOCATED, FulfillmentOrder.Status.RELEASED]
    ).exclude(warehouse_id__in=list(keep_warehouse_ids)).order_by("pk"):
        still = Reservation.objects.filter(order_line_id__in=line_ids, warehouse=fulfillment.warehouse).aggregate(
            n=Sum(F("qty") + F("picked_qty"))
        )["n"]
        if not still:
            fulfillment_transition(fulfillment=fulfillment, to=FulfillmentOrder.Status.CANCELLED, actor=actor,
                                   reason=f"nothing reserved there any more: {reason}")
    if released:
        order_event(order=order, kind="reservations_released", actor=actor, message=f"Released {released} reserved unit(s): {reason}")
    return released


def backorders_allocate(*, product_ids) -> int:
    """Stock arrived: try the waiting orders for these products, highest priority and oldest first."""
    waiting = (
        Order.objects.filter(
            status__in=[Order.Status.BACKORDERED, Order.Status.PARTIALLY_ALLOCATED], lines__product_id__in=list(product_ids)
        )
        .distinct()
        .order_by("-priority", "created_at", "id")
        .values_list("pk", flat=True)
    )
    count = 0
    for order_id in list(waiting):
        order_allocate(order_id=order_id, actor="backorder fill")
        count += 1
    return count
