"""From the floor to the invoice: an order picked, packed in two cartons and shipped through the real services
records its domain events; the beat task on a real Celery worker turns them into billable events; the month's
invoice bills them."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.utils import timezone

from billing.models import BillableEvent, ChargeKind
from billing.services.invoicing import invoice_generate
from billing.tasks import sweep_events
from core import roles
from shipping.models import Shipment
from shipping.services.shipments import manifest_close
from tests.billing.factories import card_for
from tests.factories import UserFactory
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product
from warehouse.outbound.services.packing import pack_scan, pack_start
from wms_project.celery import app

K = ChargeKind


def wait_for(condition, what: str, timeout: float = 40.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for: {what}")


@pytest.mark.django_db(transaction=True)
def test_an_order_worked_on_the_floor_is_billed_on_its_months_invoice(celery_worker):
    assert app.conf.beat_schedule["billing-sweep-events"] == {"task": "billing.sweep_events", "schedule": 60.0}
    ps = build_pick_site()
    carton_types()
    packer = UserFactory(role=roles.PACKER)
    shirt, mug = product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 2), (mug, 3)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    for raw in ("x2", shirt.sku, "CMD:NEWBOX", "x3", mug.sku):
        pack_scan(pack=pack, raw=raw, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    for carrier in set(Shipment.objects.values_list("carrier", flat=True)):
        manifest_close(warehouse=ps.warehouse, carrier=carrier, actor=ps.manager)

    sweep_events.delay()
    wait_for(lambda: BillableEvent.objects.filter(kind=K.ORDER_SHIPPED).exists(), "the sweep on the worker")
    sweep_events.delay()  # the beat again: nothing new
    time.sleep(1)
    rows = sorted(BillableEvent.objects.filter(merchant=order.merchant).values_list("kind", "quantity"))
    # 5 units picked in one session: 1 first + 4 additional; 2 cartons packed; 1 order shipped; each once
    assert rows == sorted([(K.PICK_FIRST_UNIT, 1), (K.PICK_ADDITIONAL_UNIT, 4), (K.CARTON_PACKED, 2),
                           (K.ORDER_SHIPPED, 1)])
    assert set(BillableEvent.objects.values_list("warehouse_id", flat=True)) == {ps.warehouse.pk}

    month = timezone.localdate().replace(day=1)
    card_for(order.merchant, minimum="0", start=month)
    invoice = invoice_generate(merchant=order.merchant, month=month, actor="finance")
    # 1 x 0.75 + 4 x 0.25 + 2 x 1.10 + 1 x 2.50 = 6.45
    assert invoice.total == Decimal("6.45")
    assert all(line.billable_events.exists() for line in invoice.lines.all())
