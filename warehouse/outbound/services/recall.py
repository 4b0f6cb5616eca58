"""Lot recall: a merchant's lot is recalled. Every bin holding it is flagged (not available, not picked, until
a manager clears it), and every order that shipped units of the lot is listed, from the ledger: the ship
movements carry the lot and the shipment they left in."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum

from core.errors import Conflict, DomainError
from inventory.models import BinStock, Merchant, Movement, MovementKind, Product
from inventory.services.flags import stock_flag
from shipping.models import Shipment
from warehouse.models import LotRecall


class RecallRefused(DomainError):
    code = "recall_refused"


@dataclass(frozen=True)
class ShippedLot:
    order_number: str
    order_id: int
    qty: int
    tracking_numbers: list[str]


@dataclass(frozen=True)
class RecallReport:
    recall: LotRecall
    flagged_bins: list[str]
    units_held: int
    shipped: list[ShippedLot]


@transaction.atomic
def lot_recall(*, merchant: Merchant, product: Product, lot: str, reason: str, actor) -> RecallReport:
    """Recall `lot` of the merchant's `product`: flag every bin holding it (in every warehouse), and list
    every order it shipped in. Recalling a lot twice is refused; `lot_recall_report` reads it again."""
    lot = (lot or "").strip()
    if not lot or len(lot) > 40:
        raise RecallRefused("a recall names a lot (1 to 40 characters)")
    if product.merchant_id != merchant.pk:
        raise RecallRefused(f"{product.sku} is not a product of {merchant.name}")
    if not (reason or "").strip():
        raise RecallRefused("a recall needs a reason")
    try:
        with transaction.atomic():
            recall = LotRecall.objects.create(merchant=merchant, product=product, lot=lot, reason=reason.strip()[:255],
                                              created_by=actor if getattr(actor, "pk", None) else None)
    except IntegrityError:
        raise Conflict(f"lot {lot} of {product.sku} is already recalled") from None
    bins = (BinStock.objects.filter(product=product, lot=lot, qty__gt=0).select_related("bin")
            .order_by("bin_id").distinct())
    for row in bins:
        stock_flag(product=product, bin=row.bin, actor=actor, reason=f"lot {lot} recalled: {recall.reason}",
                   reference=f"recall:{recall.pk}")
    return lot_recall_report(recall)


def lot_recall_report(recall: LotRecall) -> RecallReport:
    held = list(BinStock.objects.filter(product_id=recall.product_id, lot=recall.lot, qty__gt=0)
                .select_related("bin__warehouse").order_by("bin__warehouse__code", "bin__code"))
    return RecallReport(
        recall=recall,
        flagged_bins=[f"{row.bin.warehouse.code}/{row.bin.code}" for row in held],
        units_held=sum(row.qty for row in held),
        shipped=shipped_orders_of_lot(product_id=recall.product_id, lot=recall.lot),
    )


def shipped_orders_of_lot(*, product_id: int, lot: str) -> list[ShippedLot]:
    """Every order that shipped units of the lot, with how many, from the ledger's ship movements."""
    per_shipment = {
        int(reference.split(":", 1)[1]): -qty
        for reference, qty in Movement.objects.filter(product_id=product_id, lot=lot, kind=MovementKind.SHIP,
                                                      reference__startswith="shipment:")
        .values("reference").annotate(n=Sum("qty")).values_list("reference", "n")
    }
    per_order: dict[int, int] = defaultdict(int)
    numbers: dict[int, str] = {}
    tracking: dict[int, list[str]] = defaultdict(list)
    for shipment in Shipment.objects.filter(pk__in=per_shipment).select_related("fulfillment_order__order").order_by("pk"):
        order = shipment.order_fulfillment.order
        per_order[order.pk] += per_shipment[shipment.pk]
        numbers[order.pk] = order.order_number
        tracking[order.pk].append(shipment.tracking_number or "")
    return [ShippedLot(numbers[pk], pk, qty, tracking[pk]) for pk, qty in sorted(per_order.items()) if qty > 0]
