"""Serial trace: from a serial to the unit's life (received in which receipt and purchase order, into which bin,
packed for which order, shipped in which shipment with which tracking, returned on which RMA) and from an order
to its serials. It reads across receiving, shipping and returns, so it sits with returns, the app that sees all
three. Each read costs a fixed number of queries however many units it answers for."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from inventory.tenancy import staff_scoped
from orders.models import Order
from returns.models import ReturnLine
from shipping.models import Shipment
from warehouse.models import Pack, SerialUnit

LIVE_SHIPMENT_EXCLUDED = (Shipment.Status.VOIDED, Shipment.Status.CANCELLED)


@dataclass(frozen=True)
class ReturnedOn:
    rma_number: str
    status: str
    received_qty: int


@dataclass
class SerialHistory:
    serial: str
    sku: str
    product_name: str
    merchant: str
    warehouse: str
    received_at: dt.datetime
    receipt_id: int | None
    purchase_order: str
    received_into_bin: str
    packed_at: dt.datetime | None = None
    order_id: int | None = None
    order_number: str = ""
    shipment_status: str = ""
    carrier: str = ""
    tracking_number: str = ""
    shipped_at: dt.datetime | None = None
    returns: list[ReturnedOn] = field(default_factory=list)

    @property
    def returned(self) -> bool:
        return any(r.received_qty > 0 for r in self.returns)


def serial_units_visible(user) -> QuerySet[SerialUnit]:
    """A merchant user's own products' units; a staff user's within their scope."""
    membership = getattr(user, "merchant_membership", None)
    units = SerialUnit.objects.all()
    if membership is not None:
        return units.filter(product__merchant_id=membership.merchant_id)
    return staff_scoped(units, user, merchant="product__merchant_id", warehouse="warehouse_id")


def _loaded(units: QuerySet[SerialUnit]) -> QuerySet[SerialUnit]:
    return units.select_related("product__merchant", "warehouse", "receipt__purchase_order", "receipt__dock_bin",
                                "carton__pack__fulfillment_order__order").order_by("product__sku", "serial", "pk")


def histories_of(units: list[SerialUnit]) -> list[SerialHistory]:
    """The history of each unit, with two more queries for all of them (shipments, then return lines)."""
    packed = [u for u in units if u.carton_id and u.carton.pack.status != Pack.Status.CANCELLED]
    shipments: dict[int, Shipment] = {}
    for shipment in (Shipment.objects.filter(carton_id__in=[u.carton_id for u in packed])
                     .exclude(status__in=LIVE_SHIPMENT_EXCLUDED).order_by("pk")):
        shipments[shipment.carton_id] = shipment  # the latest live shipment of the carton
    returns: dict[tuple[int, int], list[ReturnedOn]] = defaultdict(list)
    line_ids = [u.order_line_id for u in packed if u.order_line_id]
    for line in ReturnLine.objects.filter(order_line_id__in=line_ids).select_related("rma").order_by("rma_id", "pk"):
        returns[(line.order_line_id, line.product_id)].append(
            ReturnedOn(line.rma.number or f"RMA-{line.rma_id}", line.rma.status, line.received_qty))
    packed_ids = {u.pk for u in packed}
    histories = []
    for unit in units:
        receipt = unit.receipt
        history = SerialHistory(
            serial=unit.serial, sku=unit.product.sku, product_name=unit.product.name, merchant=unit.product.merchant.code,
            warehouse=unit.warehouse.code, received_at=unit.received_at, receipt_id=unit.receipt_id,
            purchase_order=receipt.purchase_order.number if receipt else "",
            received_into_bin=receipt.dock_bin.code if receipt else "",
        )
        if unit.pk in packed_ids:
            order = unit.carton.pack.fulfillment_order.order
            shipment = shipments.get(unit.carton_id)
            history.packed_at, history.order_id, history.order_number = unit.packed_at, order.pk, order.order_number
            if shipment is not None:
                history.shipment_status, history.carrier = shipment.status, shipment.carrier
                history.tracking_number, history.shipped_at = shipment.tracking_number or "", shipment.shipped_at
            history.returns = returns.get((unit.order_line_id, unit.product_id), [])
        histories.append(history)
    return histories


def serial_query(raw: str | None) -> str:
    """A searched serial, checked: at most 20 characters (GS1 AI 21), no NUL byte; ValueError says why."""
    value = (raw or "").strip()
    if "\x00" in value:
        raise ValueError("must not contain NUL bytes")
    if len(value) > 20:
        raise ValueError("must be at most 20 characters (GS1 AI 21)")
    return value


def serial_search(user, serial: str) -> QuerySet[SerialUnit]:
    """The units (one per product at most) the user may see whose serial is `serial`."""
    return _loaded(serial_units_visible(user).filter(serial=serial))


def order_serial_units(order: Order) -> QuerySet[SerialUnit]:
    """The units packed for the order's lines, in packs not given up."""
    return _loaded(SerialUnit.objects.filter(order_line_id__in=order.lines.values("pk"))
                   .exclude(Q(carton__isnull=True) | Q(carton__pack__status=Pack.Status.CANCELLED)))
