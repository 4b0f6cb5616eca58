"""Bundles (components exploded at intake, availability derived) and kit work orders (components
reserved, then consumed into kits in one stock transaction).

Lock order, as everywhere: the work order (the document), then every StockLevel it touches by primary
key, then BinStock rows, then Reservation rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from core.actors import actor_label
from core.errors import DomainError, PermissionDenied
from inventory import locks
from inventory.exceptions import InsufficientStock, InvalidProduct, WrongMerchant
from inventory.models import (
    BinStock,
    BundleComponent,
    Condition,
    KitWorkOrder,
    KitWorkOrderLine,
    MovementKind,
    Product,
    Reservation,
)
from inventory.services.operation import StockOperation, check_bin, check_merchant, check_qty
from inventory.services.reservations import stock_release, stock_reserve
from inventory.state import KIT_WORK_ORDER
from inventory.tenancy import actor_in_scope
from layout.models import Bin, Warehouse

MAX_COMPONENTS = 50


class NestedBundle(DomainError):
    code = "nested_bundle"


def _check_component(bundle: Product, component: Product, quantity) -> int:
    check_qty(quantity)
    if component.merchant_id != bundle.merchant_id:
        raise WrongMerchant(f"SKU {component.sku} belongs to another merchant", sku=component.sku)
    if component.pk == bundle.pk:
        raise InvalidProduct(f"SKU {bundle.sku} cannot be a component of itself", sku=bundle.sku)
    return quantity


# --- bundles ------------------------------------------------------------------------------------


@transaction.atomic
def bundle_component_set(*, bundle: Product, component: Product, quantity: int, actor, merchant=None) -> BundleComponent:
    """`bundle` holds `quantity` units of `component` (added, or its quantity changed)."""
    check_merchant(bundle, merchant)
    _check_component(bundle, component, quantity)
    # Bundles do not nest: a bundle is never a component, and a component never has components. The checks run
    # under the merchant's bundle-catalogue lock, so two concurrent edits (B takes X while X takes Y) cannot
    # each pass before the other commits and build a nest together.
    locks.lock_bundle_catalogue(bundle.merchant_id)
    if BundleComponent.objects.filter(bundle=component).exists():
        raise NestedBundle(f"SKU {component.sku} is a bundle; bundles cannot contain bundles", sku=component.sku)
    if BundleComponent.objects.filter(component=bundle).exists():
        raise NestedBundle(f"SKU {bundle.sku} is a component of a bundle; it cannot be a bundle itself", sku=bundle.sku)
    if BundleComponent.objects.filter(bundle=bundle).exclude(component=component).count() >= MAX_COMPONENTS:
        raise InvalidProduct(f"a bundle holds at most {MAX_COMPONENTS} components")
    row, _ = BundleComponent.objects.update_or_create(
        bundle=bundle, component=component, defaults={"quantity": quantity, "merchant_id": bundle.merchant_id},
    )
    _mark_bundle_changed(bundle)
    return row


@transaction.atomic
def bundle_component_remove(*, bundle: Product, component: Product, actor, merchant=None) -> int:
    check_merchant(bundle, merchant)
    locks.lock_bundle_catalogue(bundle.merchant_id)
    deleted, _ = BundleComponent.objects.filter(bundle=bundle, component=component).delete()
    if deleted:
        _mark_bundle_changed(bundle)
    return deleted


def _mark_bundle_changed(bundle: Product) -> None:
    """The bundle's derived availability changed: mark it so the channels are told (no warehouse of its
    own, so the mark names each warehouse one of its components is stocked in)."""
    from inventory.models import StockLevel
    from inventory.services.availability import availability_mark

    warehouse_ids = set(StockLevel.objects.filter(product__in_bundles__bundle=bundle).values_list("warehouse_id", flat=True))
    for warehouse_id in sorted(warehouse_ids):
        availability_mark(product_id=bundle.pk, warehouse_id=warehouse_id)


def bundle_components(bundle: Product) -> list[tuple[Product, int]]:
    return [(row.component, row.quantity) for row in BundleComponent.objects.filter(bundle=bundle).select_related("component")]


# --- kit work orders ----------------------------------------------------------------------------


@dataclass(frozen=True)
class KitComponent:
    product: Product
    qty_per_kit: int


@transaction.atomic
def kit_work_order_create(
    *, kit: Product, warehouse: Warehouse, qty: int, components: Iterable[KitComponent], actor, merchant=None,
    note: str = "",
) -> KitWorkOrder:
    """A draft: assemble `qty` kits at `warehouse` from `components` (units of each per kit)."""
    check_qty(qty)
    check_merchant(kit, merchant)
    components = list(components)
    if not components:
        raise InvalidProduct("a kit needs at least one component")
    if len(components) > MAX_COMPONENTS:
        raise InvalidProduct(f"a kit holds at most {MAX_COMPONENTS} components")
    if len({c.product.pk for c in components}) != len(components):
        raise InvalidProduct("each component may be listed once")
    if BundleComponent.objects.filter(bundle=kit).exists():
        raise NestedBundle(f"SKU {kit.sku} is a bundle (exploded at intake); a kit is a stocked product")
    for c in components:
        _check_component(kit, c.product, c.qty_per_kit)
        check_qty(c.qty_per_kit * qty if c.qty_per_kit * qty < 2**31 else -1)
        if BundleComponent.objects.filter(bundle=c.product).exists():
            raise NestedBundle(f"SKU {c.product.sku} is a bundle; assemble kits from stocked products", sku=c.product.sku)
    if not warehouse.is_active:
        raise InvalidProduct(f"warehouse {warehouse.code} is inactive")
    _check_scope(actor, merchant_id=kit.merchant_id, warehouse_id=warehouse.pk)
    order = KitWorkOrder.objects.create(
        merchant_id=kit.merchant_id, kit=kit, warehouse=warehouse, qty=qty, note=note[:255],
        created_by=actor_label(actor),
    )
    KitWorkOrderLine.objects.bulk_create(
        KitWorkOrderLine(work_order=order, component=c.product, qty_per_kit=c.qty_per_kit) for c in components
    )
    return order


def _lines(order: KitWorkOrder) -> list[KitWorkOrderLine]:
    return list(order.lines.select_related("component").order_by("component_id"))


@transaction.atomic
def kit_work_order_release(*, work_order: KitWorkOrder, actor) -> KitWorkOrder:
    """Reserve every component at the work order's warehouse, all or nothing."""
    order = locks.lock_kit_work_order(work_order.pk)
    KIT_WORK_ORDER.check(order.status, KitWorkOrder.Status.RELEASED, label=str(order.pk))
    lines = _lines(order)
    locks.lock_stock_levels((line.component_id, order.warehouse_id) for line in lines)
    for line in lines:  # any refusal raises and rolls every reservation of this call back
        stock_reserve(
            product=line.component, warehouse=order.warehouse, qty=line.qty_per_kit * order.qty,
            order_line_id=line.reservation_line_id, actor=actor, reference=f"kit_work_order:{order.pk}",
        )
    KIT_WORK_ORDER.apply(order, KitWorkOrder.Status.RELEASED, extra={"released_at": timezone.now()})
    return order


@transaction.atomic
def kit_work_order_cancel(*, work_order: KitWorkOrder, actor, reason: str = "") -> KitWorkOrder:
    """A draft or released work order is dropped: its reservations are given back."""
    order = locks.lock_kit_work_order(work_order.pk)
    KIT_WORK_ORDER.check(order.status, KitWorkOrder.Status.CANCELLED, label=str(order.pk))
    lines = _lines(order)
    locks.lock_stock_levels((line.component_id, order.warehouse_id) for line in lines)
    for reservation in _reservations(order, lines):
        if reservation.qty:
            stock_release(reservation=reservation, actor=actor, reason=reason or f"kit work order {order.pk} cancelled")
    KIT_WORK_ORDER.apply(order, KitWorkOrder.Status.CANCELLED, extra={"finished_at": timezone.now()})
    return order


@transaction.atomic
def kit_work_order_complete(*, work_order: KitWorkOrder, to_bin: Bin, actor) -> KitWorkOrder:
    """The kits are assembled: each component leaves its storage bins (kit_consume), the kits enter
    `to_bin` (kit_produce), in one transaction with the levels and the reservations."""
    order = locks.lock_kit_work_order(work_order.pk)
    KIT_WORK_ORDER.check(order.status, KitWorkOrder.Status.DONE, label=str(order.pk))
    check_bin(to_bin, order.warehouse_id, role="kit bin")
    lines = _lines(order)
    locks.lock_stock_levels(
        [(line.component_id, order.warehouse_id) for line in lines] + [(order.kit_id, order.warehouse_id)]
    )
    reference = f"kit_work_order:{order.pk}"
    reservations = {r.product_id: r for r in _reservations(order, lines)}
    for line in lines:
        need = line.qty_per_kit * order.qty
        op = StockOperation(product=line.component, warehouse_id=order.warehouse_id, actor=actor,
                            reason=f"assembled into {order.kit.sku}", reference=reference)
        for row, take in _consume_plan(op, line.component, need):
            op.change(row, -take, kind=MovementKind.KIT_CONSUME)
        reservation = locks.lock_reservation(reservations[line.component_id].pk)
        if reservation.qty != need:
            raise InsufficientStock(f"{reservation.qty} of {line.component.sku} reserved for this work order, {need} needed")
        Reservation.objects.filter(pk=reservation.pk).update(qty=F("qty") - need, shipped_qty=F("shipped_qty") + need)
        op.allocate(-need)
        op.finish()
    kit_op = StockOperation(product=order.kit, warehouse_id=order.warehouse_id, actor=actor, reason="kit assembled",
                            reference=reference)
    kit_op.change(kit_op.row(to_bin, condition=Condition.SELLABLE), order.qty, kind=MovementKind.KIT_PRODUCE)
    kit_op.finish()
    KIT_WORK_ORDER.apply(order, KitWorkOrder.Status.DONE, extra={"finished_at": timezone.now(), "to_bin": to_bin})
    return order


def _reservations(order: KitWorkOrder, lines: list[KitWorkOrderLine]) -> list[Reservation]:
    ids = [line.reservation_line_id for line in lines]
    return list(Reservation.objects.filter(order_line_id__in=ids, warehouse_id=order.warehouse_id)
                .select_related("product").order_by("pk"))


def _consume_plan(op: StockOperation, product: Product, need: int) -> list[tuple[BinStock, int]]:
    """Sellable, unflagged units in active storage bins, first expiry first, then walking order."""
    rows = BinStock.objects.filter(
        product=product, warehouse_id=op.warehouse_id, condition=Condition.SELLABLE, is_flagged=False, qty__gt=0,
        bin__kind__in=Bin.STORAGE_KINDS, bin__is_active=True,
    )
    locked = locks.lock_bin_stock(rows)
    bins = {b.pk: b for b in Bin.objects.filter(pk__in={r.bin_id for r in locked})}
    locked.sort(key=lambda r: (r.expiry is None, r.expiry, bins[r.bin_id].pick_sequence, bins[r.bin_id].code, r.pk))
    plan, remaining = [], need
    for row in locked:
        take = min(row.qty, remaining)
        if take:
            plan.append((row, take))
            remaining -= take
    if remaining:
        raise InsufficientStock(
            f"{need - remaining} of {need} {product.sku} found in storage bins", sku=product.sku,
        )
    return plan


KIT_ACTIONS = ("release", "complete", "cancel")


def _check_scope(actor, *, merchant_id: int, warehouse_id: int) -> None:
    """Staff limited to some merchants and warehouses work only on those kits (system actors are never limited)."""
    if not actor_in_scope(actor, merchant_id=merchant_id, warehouse_id=warehouse_id):
        raise PermissionDenied("this kit work order is outside your merchants or warehouses")


def kit_work_order_action(*, work_order: KitWorkOrder, action: str, actor, to_bin: str = "", reason: str = "") -> KitWorkOrder:
    """An action word from a page or the API (with the kits' bin by code) to its service."""
    _check_scope(actor, merchant_id=work_order.merchant_id, warehouse_id=work_order.warehouse_id)
    if action == "release":
        return kit_work_order_release(work_order=work_order, actor=actor)
    if action == "complete":
        if not to_bin:
            raise InvalidProduct("to_bin is required to complete a work order")
        bin_ = Bin.objects.filter(warehouse_id=work_order.warehouse_id, code=to_bin).first()
        if bin_ is None:
            raise InvalidProduct(f"no bin {to_bin!r} in this warehouse")
        return kit_work_order_complete(work_order=work_order, to_bin=bin_, actor=actor)
    if action == "cancel":
        return kit_work_order_cancel(work_order=work_order, actor=actor, reason=reason)
    raise InvalidProduct(f"unknown action {action[:20]!r} (one of {', '.join(KIT_ACTIONS)})")
