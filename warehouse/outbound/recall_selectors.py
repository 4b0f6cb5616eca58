"""Reads of lot recalls: the recalls a user may see, where the recalled lot sits now and which orders shipped it.

Each read costs a fixed number of queries however many bins or orders the lot touched: the bins in one query, the
orders in two (the ledger's ship movements of the lot per shipment, then those shipments with their orders)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet, Sum

from inventory.exceptions import InvalidProduct
from inventory.models import BinStock, Movement, MovementKind, Product
from inventory.tenancy import merchant_for_actor, staff_scoped
from shipping.models import Shipment
from warehouse.models import LotRecall


@dataclass(frozen=True)
class RecalledBin:
    warehouse: str
    bin: str
    condition: str
    qty: int
    flagged: bool


@dataclass(frozen=True)
class RecalledShipment:
    order_id: int
    order_number: str
    customer_name: str
    email: str
    qty: int
    shipped_at: dt.datetime | None
    carrier: str
    tracking_number: str


def recalls_visible(user) -> QuerySet[LotRecall]:
    """The recalls `user` may see: a merchant's own, or those of the merchants in a staff user's scope."""
    return (LotRecall.objects.visible_to(user).select_related("merchant", "product", "created_by")
            .order_by("-created_at", "-id"))


def _scoped(rows: QuerySet, user, warehouse: str) -> QuerySet:
    """Staff limited to some warehouses see the lot only in those; a merchant sees it everywhere."""
    if user is None or getattr(user, "merchant_membership", None) is not None:
        return rows
    return staff_scoped(rows, user, warehouse=warehouse)


def recall_bins(recall: LotRecall, *, user=None) -> list[RecalledBin]:
    """Every bin holding units of the recalled lot now, with whether it is flagged (blocked from picking)."""
    rows = _scoped(BinStock.objects.filter(product_id=recall.product_id, lot=recall.lot, qty__gt=0), user, "bin__warehouse_id")
    return [
        RecalledBin(row.bin.warehouse.code, row.bin.code, row.condition, row.qty, row.is_flagged)
        for row in rows.select_related("bin__warehouse").order_by("bin__warehouse__code", "bin__code", "pk")
    ]


def recall_shipments(recall: LotRecall, *, user=None) -> list[RecalledShipment]:
    """One row per shipment that carried units of the lot, from the ledger's ship movements, oldest first."""
    per_shipment: dict[int, int] = {}
    for reference, qty in (Movement.objects.filter(product_id=recall.product_id, lot=recall.lot, kind=MovementKind.SHIP,
                                                   reference__startswith="shipment:")
                           .values("reference").annotate(n=Sum("qty")).values_list("reference", "n")):
        key = reference.split(":", 1)[1]
        if key.isdigit() and -qty > 0:
            per_shipment[int(key)] = -qty
    shipments = _scoped(Shipment.objects.filter(pk__in=per_shipment), user, "warehouse_id")
    return [
        RecalledShipment(
            order_id=shipment.fulfillment_order.order_id, order_number=shipment.fulfillment_order.order.order_number,
            customer_name=shipment.fulfillment_order.order.customer_name, email=shipment.fulfillment_order.order.email,
            qty=per_shipment[shipment.pk], shipped_at=shipment.shipped_at, carrier=shipment.carrier,
            tracking_number=shipment.tracking_number or "",
        )
        for shipment in shipments.select_related("fulfillment_order__order").order_by("shipped_at", "pk")
    ]


RECALL_CSV_HEADER = ["recall", "merchant", "sku", "lot", "order", "customer", "email", "qty", "shipped_at", "carrier",
                     "tracking_number"]


def recall_csv_rows(recall: LotRecall, *, user=None) -> list[list[str]]:
    return [
        [str(recall.pk), recall.merchant.code, recall.product.sku, recall.lot, row.order_number, row.customer_name,
         row.email, str(row.qty), row.shipped_at.isoformat() if row.shipped_at else "", row.carrier, row.tracking_number]
        for row in recall_shipments(recall, user=user)
    ]


def recall_target(user, *, merchant_code: str, sku: str):
    """The merchant and product a recall raised by `user` names: a merchant user's own merchant; staff name one
    within their scope. Unknown names are refused as a domain error (nothing is recalled)."""
    merchant = merchant_for_actor(user, merchant_code or None)
    product = Product.objects.filter(merchant=merchant, sku=sku).first()
    if product is None:
        raise InvalidProduct(f"{merchant.code} has no product {sku!r}")
    return merchant, product
