"""Reads for transfers: the lists a manager sees, what is inbound in transit, and imbalance proposals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, QuerySet, Sum

from inventory.models import InTransitStock, Product, Reservation, StockLevel
from inventory.models.monitoring import ReorderRule
from inventory.tenancy import staff_scoped
from layout.models import Warehouse
from orders.models import Order, OrderLine
from shipping.models import Shipment
from warehouse.models import TransferOrder, TransferStatus

# A parcel is live until its label is voided or given up: while one is, the transfer counts as labelled.
LIVE_PARCEL = (Shipment.Status.AWAITING_LABEL, Shipment.Status.LABELLED, Shipment.Status.VOIDING)
COLLECTED_PARCEL = (Shipment.Status.SHIPPED, Shipment.Status.DELIVERED, Shipment.Status.EXCEPTION)


def transfers_visible_to(user) -> QuerySet[TransferOrder]:
    return (TransferOrder.objects.visible_to(user)
            .select_related("merchant", "from_warehouse", "to_warehouse", "staging_bin")
            .prefetch_related("lines__product", "parcels__shipment"))


def transfer_parcels(transfer_id: int) -> QuerySet[Shipment]:
    """Every label a transfer was given (voided ones too), oldest first."""
    return Shipment.objects.filter(transfer_parcel__transfer_id=transfer_id).order_by("id")


def transfer_live_parcels(transfer_id: int) -> QuerySet[Shipment]:
    return transfer_parcels(transfer_id).filter(status__in=LIVE_PARCEL)


def in_transit_inbound(*, warehouse: Warehouse, user=None) -> QuerySet[InTransitStock]:
    """Units on their way into `warehouse`: shown on its receiving page and stock view, never available."""
    rows = InTransitStock.objects.filter(to_warehouse=warehouse, qty__gt=0).select_related(
        "product", "product__merchant", "from_warehouse",
    ).order_by("product__sku", "from_warehouse__code")
    return staff_scoped(rows, user, merchant="product__merchant_id") if user is not None else rows


def inbound_transfers(*, warehouse: Warehouse, user) -> QuerySet[TransferOrder]:
    return transfers_visible_to(user).filter(
        to_warehouse=warehouse, status__in=(TransferStatus.SHIPPED, TransferStatus.PARTIALLY_RECEIVED),
    )


@dataclass(frozen=True)
class Proposal:
    product: Product
    to_warehouse: Warehouse
    from_warehouse: Warehouse
    short_available: int
    demand: int
    donor_available: int
    donor_reorder_point: int
    qty: int


def transfer_proposals(*, user) -> list[Proposal]:
    """SKUs out of stock (or at/below their reorder point) in one building with demand there or backordered,
    while another building of the same merchant holds more than its own reorder point."""
    levels = list(staff_scoped(
        StockLevel.objects.select_related("product", "product__merchant", "warehouse").filter(
            product__is_active=True, warehouse__is_active=True,
        ), user, merchant="product__merchant_id", warehouse="warehouse_id",
    ))
    by_product: dict[int, list[StockLevel]] = defaultdict(list)
    for level in levels:
        by_product[level.product_id].append(level)
    products = [pid for pid, rows in by_product.items() if len(rows) > 1]
    if not products:
        return []
    rules = {(r.product_id, r.warehouse_id): r.reorder_point
             for r in ReorderRule.objects.filter(product_id__in=products)}
    backordered = _backordered_units(products)
    proposals = []
    for product_id in products:
        rows = by_product[product_id]
        point = {lv.warehouse_id: rules.get((product_id, lv.warehouse_id), lv.product.reorder_point or 0) for lv in rows}
        for short in rows:
            demand = short.allocated + backordered.get(product_id, 0)
            if short.available > point[short.warehouse_id] or demand <= 0:
                continue
            donors = sorted((lv for lv in rows if lv.pk != short.pk and lv.available > point[lv.warehouse_id]),
                            key=lambda lv: -(lv.available - point[lv.warehouse_id]))
            if not donors:
                continue
            donor = donors[0]
            surplus = donor.available - point[donor.warehouse_id]
            need = max(point[short.warehouse_id] - short.available, backordered.get(product_id, 0), 1)
            proposals.append(Proposal(
                product=short.product, to_warehouse=short.warehouse, from_warehouse=donor.warehouse,
                short_available=short.available, demand=demand, donor_available=donor.available,
                donor_reorder_point=point[donor.warehouse_id], qty=min(surplus, need),
            ))
    return sorted(proposals, key=lambda p: (p.product.merchant.code, p.product.sku, p.to_warehouse.code))


def _backordered_units(product_ids: list[int]) -> dict[int, int]:
    """Units of backordered orders' lines not yet reserved anywhere, per product."""
    lines = OrderLine.objects.filter(order__status=Order.Status.BACKORDERED, product_id__in=product_ids)
    wanted = dict(lines.values("product_id").annotate(n=Sum(F("quantity") - F("cancelled_qty"))).values_list("product_id", "n"))
    promised = dict(
        Reservation.objects.filter(order_line_id__in=lines.values("pk")).values("product_id")
        .annotate(n=Sum(F("qty") + F("picked_qty") + F("shipped_qty"))).values_list("product_id", "n")
    )
    return {pid: max((n or 0) - (promised.get(pid) or 0), 0) for pid, n in wanted.items()}
