"""A merchant's known month for billing tests: a rate card, domain events dated in the month, stock in two bins."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from billing.models import ChargeKind, RateCard
from billing.services.rate_cards import rate_card_create
from core.events import event_record
from core.models import DomainEvent
from inventory.models import Merchant
from layout.models import Bin, Warehouse
from tests.factories import BinFactory, MerchantFactory, ProductFactory, WarehouseFactory, ZoneFactory

MONTH = dt.date(2026, 11, 1)

RATES = {
    ChargeKind.ORDER_SHIPPED: Decimal("2.50"),
    ChargeKind.PICK_FIRST_UNIT: Decimal("0.75"),
    ChargeKind.PICK_ADDITIONAL_UNIT: Decimal("0.25"),
    ChargeKind.CARTON_PACKED: Decimal("1.10"),
    ChargeKind.RECEIPT_CARTON: Decimal("5.00"),
    ChargeKind.RECEIPT_UNIT: Decimal("0.10"),
    ChargeKind.STORAGE_BIN_DAY: Decimal("0.15"),
    ChargeKind.STORAGE_CUBIC_FOOT_DAY: Decimal("0.02"),
    ChargeKind.RETURN_GRADED: Decimal("1.75"),
}


def card_for(merchant: Merchant, *, minimum: str = "150.00", start: dt.date = MONTH) -> RateCard:
    return rate_card_create(merchant=merchant, effective_from=start, effective_to=None, currency="USD",
                            minimum_monthly=Decimal(minimum), rates=dict(RATES), actor="finance")


def event_on(day: dt.date, kind: str, *, merchant: Merchant, warehouse: Warehouse | None, resource_id: str,
             payload: dict, resource_type: str = "order") -> DomainEvent:
    """A domain event as a service records it, dated on `day` (noon)."""
    event = event_record(kind, merchant_id=merchant.pk, warehouse_id=warehouse.pk if warehouse else None,
                         resource_type=resource_type, resource_id=resource_id, payload=payload)
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    DomainEvent.objects.filter(pk=event.pk).update(occurred_at=at)
    event.occurred_at = at
    return event


@dataclass
class Floor:
    merchant: Merchant
    other: Merchant
    warehouse: Warehouse
    shelves: list[Bin]
    tote: Bin


def billing_floor() -> Floor:
    warehouse = WarehouseFactory()
    zone = ZoneFactory(warehouse=warehouse)
    shelves = [BinFactory(zone=zone, code=f"S-{n}") for n in (1, 2, 3)]
    tote = BinFactory(zone=zone, code="T-1", kind=Bin.Kind.TOTE)
    return Floor(merchant=MerchantFactory(code="acme"), other=MerchantFactory(code="bloom"), warehouse=warehouse,
                 shelves=shelves, tote=tote)


def the_known_month(floor: Floor) -> None:
    """November 2026 for merchant acme (and some noise around it):
    - picked: orders of 1, 4 and 2 units -> 3 first units, 4 additional units
    - shipped: 3 orders; packed: 1 + 2 + 1 = 4 cartons
    - a receipt closed with 3 cartons and 120 units; a return graded with 2 units
    """
    m, w = floor.merchant, floor.warehouse
    for n, (day, units, cartons) in enumerate(((3, 1, 1), (9, 4, 2), (17, 2, 1)), start=1):
        date = MONTH.replace(day=day)
        event_on(date, "order.picked", merchant=m, warehouse=w, resource_id=str(n),
                 payload={"units": units, "lines": 1, "order_number": f"#100{n}"})
        event_on(date, "order.packed", merchant=m, warehouse=w, resource_id=str(n),
                 payload={"cartons": cartons, "units": units})
        event_on(date, "order.shipped", merchant=m, warehouse=w, resource_id=str(n),
                 payload={"parcels": [{"tracking_number": f"1Z{n}"}] * cartons, "units": units})
    event_on(MONTH.replace(day=5), "receipt.closed", merchant=m, warehouse=w, resource_type="receipt", resource_id="7",
             payload={"units": 120, "cartons": 3, "reference": "PO-77"})
    event_on(MONTH.replace(day=20), "return.graded", merchant=m, warehouse=w, resource_type="return",
             resource_id="RMA-1", payload={"units": 2})
    # Noise: the months around it, another merchant, an event billing does not charge for.
    event_on(dt.date(2026, 10, 31), "order.shipped", merchant=m, warehouse=w, resource_id="90", payload={"units": 1})
    event_on(dt.date(2026, 12, 1), "order.shipped", merchant=m, warehouse=w, resource_id="91", payload={"units": 1})
    event_on(MONTH.replace(day=4), "order.shipped", merchant=floor.other, warehouse=w, resource_id="92",
             payload={"units": 1})
    event_on(MONTH.replace(day=4), "order.allocated", merchant=m, warehouse=w, resource_id="93", payload={})


def stock_in_two_bins(floor: Floor) -> None:
    """12 units of a 305 mm cube (1.00197 cubic feet each) in two shelves: 2 bins, 12.024 cubic feet a day."""
    from inventory.services.stock import stock_receive

    product = ProductFactory(merchant=floor.merchant, length_mm=305, width_mm=305, height_mm=305)
    stock_receive(product=product, bin=floor.shelves[0], qty=7, actor=None, reference="test")
    stock_receive(product=product, bin=floor.shelves[1], qty=5, actor=None, reference="test")
    other = ProductFactory(merchant=floor.other, length_mm=100, width_mm=100, height_mm=100)
    stock_receive(product=other, bin=floor.shelves[2], qty=3, actor=None, reference="test")
