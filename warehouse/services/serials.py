"""Serial capture (GS1 AI 21) for serial-tracked products, at receiving and at pack-out, and the trace both
ways. Called inside the station scan's transaction; a refusal changes nothing."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from core.errors import DomainError
from warehouse.models import Carton, Pack, SerialUnit
from warehouse.scanning import Scan


class SerialRefused(DomainError):
    code = "serial_refused"


def serial_required(product, scan: Scan, qty: int) -> str | None:
    """The scan's serial for a serial-tracked product (one unit per scan), or None for any other product."""
    if not product.serial_tracked:
        return None
    if not scan.serial:
        raise SerialRefused(f"{product.sku} is serial-tracked: scan the unit's GS1 label with its serial (AI 21)")
    if qty != 1:
        raise SerialRefused(f"{product.sku} is serial-tracked: one unit per scan, each with its serial")
    return scan.serial


def serial_receive(*, product, serial: str, warehouse_id: int, receipt, actor) -> SerialUnit:
    try:
        with transaction.atomic():
            return SerialUnit.objects.create(product=product, serial=serial, warehouse_id=warehouse_id, receipt=receipt,
                                             received_by=actor if getattr(actor, "pk", None) else None)
    except IntegrityError:
        raise SerialRefused(f"serial {serial} of {product.sku} was received already: not received again") from None


def serial_pack(*, product, serial: str, carton: Carton, order_line_id: int) -> SerialUnit:
    """Bind a received serial to the carton and order line; refused if it is not here or already packed."""
    unit = (SerialUnit.objects.select_for_update(of=("self",), no_key=True)
            .filter(product=product, serial=serial).select_related("carton__pack").first())
    if unit is None:
        raise SerialRefused(f"serial {serial} of {product.sku} was never received")
    if unit.warehouse_id != carton.pack.warehouse_id:
        raise SerialRefused(f"serial {serial} of {product.sku} was received in another warehouse")
    held_in = unit.carton
    if held_in is not None and held_in.pack.status != Pack.Status.CANCELLED:
        raise SerialRefused(f"serial {serial} of {product.sku} is already packed ({held_in.pack})")
    unit.carton, unit.order_line_id, unit.packed_at = carton, order_line_id, timezone.now()
    unit.save(update_fields=["carton", "order_line_id", "packed_at"])
    return unit


@dataclass(frozen=True)
class SerialTrace:
    serial: str
    sku: str
    received_on: str
    order_number: str | None
    tracking_number: str | None


def serials_of_order(order) -> list[SerialUnit]:
    """Every serial packed for the order's lines (in cartons of packs not given up)."""
    return list(SerialUnit.objects.filter(order_line_id__in=order.lines.values("pk"))
                .exclude(Q(carton__isnull=True) | Q(carton__pack__status=Pack.Status.CANCELLED))
                .select_related("product").order_by("product__sku", "serial"))


def serial_trace(*, product, serial: str) -> SerialTrace | None:
    """From a serial to where it came in and the order it left in."""
    unit = (SerialUnit.objects.filter(product=product, serial=serial)
            .select_related("receipt__purchase_order", "carton__pack__fulfillment_order__order").first())
    if unit is None:
        return None
    packed = unit.carton is not None and unit.carton.pack.status != Pack.Status.CANCELLED
    shipment = (unit.carton.shipments.exclude(status__in=["voided", "cancelled"]).order_by("-id").first()
                if packed and unit.carton else None)
    return SerialTrace(
        serial=unit.serial, sku=product.sku,
        received_on=unit.receipt.purchase_order.number if unit.receipt else "",
        order_number=unit.carton.pack.fulfillment_order.order.order_number if packed and unit.carton else None,
        tracking_number=getattr(shipment, "tracking_number", None),
    )
