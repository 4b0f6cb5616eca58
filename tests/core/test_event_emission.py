"""Every business change records its domain event in its own transaction, under its resource's lock, with the
payload docs/EVENTS.md documents: an order's life from allocation to delivery (or a tracking exception, or a
cancel), stock levels once per (product, warehouse) per transaction, a receipt closed, a return received and
graded."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from core import roles
from core.models import DomainEvent, EventKind
from inventory.models import StockLevel
from inventory.services.stock import stock_move, stock_receive
from orders.exceptions import IllegalTransition
from orders.services.cancellation import order_cancel
from orders.services.shipment_events import order_mark_exception
from returns.services.grading import unit_grade
from returns.services.receiving import parcel_receive, unit_receive
from shipping.carrier_accounts import _accounts
from shipping.models import Shipment
from shipping.services.shipments import manifest_close
from shipping.services.tracking import tracking_poll
from tests.factories import UserFactory
from tests.returns.factories import build_return_site, gtin_of, open_rma, shipped_order
from tests.warehouse.inbound import build_site, make_po, new_product, sscc
from tests.warehouse.inbound import gtin_of as inbound_gtin
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product, put, released
from warehouse.inbound.services.receiving import receipt_close, receipt_open, receiving_scan
from warehouse.models import AsnCarton
from warehouse.outbound.services.packing import pack_scan, pack_start

pytestmark = pytest.mark.django_db


def events(kind=None, **filters):
    rows = DomainEvent.objects.filter(**filters).order_by("id")
    return list(rows.filter(kind=kind) if kind else rows)


def test_an_order_reports_every_step_from_allocation_to_delivery_in_order():
    ps = build_pick_site()
    carton_types()
    packer = UserFactory(role=roles.PACKER)
    shirt, mug = product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 2), (mug, 3)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw="x2", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    pack_scan(pack=pack, raw="CMD:NEWBOX", actor=packer)
    pack_scan(pack=pack, raw="x3", actor=packer)
    pack_scan(pack=pack, raw=mug.sku, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    shipments = list(Shipment.objects.order_by("carton__number"))
    for carrier in {s.carrier for s in shipments}:
        manifest_close(warehouse=ps.warehouse, carrier=carrier, actor=ps.manager)

    trail = events(resource_type="order", resource_id=str(order.pk))
    assert [e.kind for e in trail] == ["order.allocated", "order.released", "order.picked", "order.packed",
                                       "order.shipped"]
    assert all(e.merchant_id == order.merchant_id and e.warehouse_id == ps.warehouse.pk for e in trail)
    assert all(e.payload["order_number"] == order.order_number and e.payload["order_id"] == order.pk for e in trail)
    allocated, released_, picked_, packed, shipped = (e.payload for e in trail)
    assert allocated["units"] == 5 and allocated["warehouses"] == [{"warehouse": ps.warehouse.code, "units": 5}]
    assert released_["warehouse"] == ps.warehouse.code and released_["units"] == 5
    assert sorted((line["sku"], line["qty"]) for line in picked_["lines"]) == sorted([(shirt.sku, 2), (mug.sku, 3)])
    assert picked_["units"] == 5
    assert packed["cartons"] == 2 and packed["units"] == 5
    assert [(p["carton"], p["units"]) for p in packed["parcels"]] == [(1, 2), (2, 3)]
    assert [p["tracking_number"] for p in packed["parcels"]] == [s.tracking_number for s in shipments]
    assert shipped["units"] == 5 and shipped["cartons"] == 2 and len(shipped["parcels"]) == 2
    assert sorted(p["tracking_number"] for p in shipped["parcels"]) == sorted(s.tracking_number for s in shipments)
    assert shipped["carrier"] == shipments[0].carrier and shipped["service"] == shipments[0].service
    assert sum(p["units"] for p in shipped["parcels"]) == 5

    Shipment.objects.update(created_at=timezone.now() - dt.timedelta(days=10))
    _accounts.cache_clear()
    tracking_poll()
    delivered = events(EventKind.ORDER_DELIVERED, resource_id=str(order.pk))
    assert len(delivered) == 1 and delivered[0].payload["delivered_at"]
    assert delivered[0].id > trail[-1].id


def test_a_delivery_exception_and_a_return_to_sender_are_order_exceptions():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 1)
    order = released(ps, [(shirt, 1)])
    order_mark_exception(order=order, actor="carrier tracking", carrier="UPS", tracking_number="1Z999",
                         description="address not found", warehouse_id=ps.warehouse.pk)
    order_mark_exception(order=order, actor="carrier tracking", carrier="UPS", tracking_number="1Z999",
                         description="returned to sender", kind="return_to_sender", warehouse_id=ps.warehouse.pk)
    raised = events(EventKind.ORDER_EXCEPTION)
    assert [e.payload["exception"] for e in raised] == ["exception", "return_to_sender"]
    assert raised[0].payload["tracking_number"] == "1Z999" and raised[0].payload["order_number"] == order.order_number
    assert raised[0].warehouse_id == ps.warehouse.pk


def test_a_cancelled_order_reports_its_cancel_once():
    ps = build_pick_site()
    shirt = product(ps)
    put(shirt, ps.shelves[0], 2)
    order = released(ps, [(shirt, 2)])
    order_cancel(order=order, actor=ps.manager, reason="customer changed their mind")
    with pytest.raises(IllegalTransition):
        order_cancel(order=order, actor=ps.manager, reason="asked twice")
    cancelled = events(EventKind.ORDER_CANCELLED)
    assert len(cancelled) == 1
    assert cancelled[0].payload["reason"] == "customer changed their mind"
    assert cancelled[0].payload["cancelled_units"] == 2 and cancelled[0].payload["order_number"] == order.order_number


def test_stock_changes_coalesce_to_one_event_per_product_and_warehouse_per_transaction():
    ps = build_pick_site()
    shirt, mug = product(ps), product(ps)
    with transaction.atomic():
        stock_receive(product=shirt, bin=ps.shelves[0], qty=3, actor=None, reference="receipt:1")
        stock_receive(product=shirt, bin=ps.shelves[1], qty=4, actor=None, reference="receipt:2")
        stock_receive(product=mug, bin=ps.shelves[1], qty=1, actor=None)
    changed = events(EventKind.STOCK_CHANGED)
    assert len(changed) == 2
    by_sku = {e.payload["sku"]: e for e in changed}
    assert (by_sku[shirt.sku].payload["on_hand"], by_sku[shirt.sku].payload["available"]) == (7, 7)
    assert by_sku[shirt.sku].payload["references"] == ["receipt:1", "receipt:2"]
    assert by_sku[shirt.sku].resource_id == f"{shirt.pk}:{ps.warehouse.pk}"
    assert by_sku[shirt.sku].warehouse_id == ps.warehouse.pk and by_sku[shirt.sku].merchant_id == shirt.merchant_id

    stock_receive(product=shirt, bin=ps.shelves[0], qty=1, actor=None)  # a transaction of its own: a new event
    latest = events(EventKind.STOCK_CHANGED)[-1]
    assert latest.payload["on_hand"] == 8 and latest.pk > by_sku[shirt.sku].pk
    count = DomainEvent.objects.count()
    stock_move(product=shirt, from_bin=ps.shelves[0], to_bin=ps.shelves[2], qty=1, actor=None)
    assert DomainEvent.objects.count() == count  # a move inside the warehouse changes neither on hand nor available
    level = StockLevel.objects.get(product=shirt, warehouse=ps.warehouse)
    assert level.on_hand == latest.payload["on_hand"]


def test_a_savepoint_rolled_back_leaves_the_next_change_recorded():
    ps = build_pick_site()
    shirt = product(ps)
    with transaction.atomic():
        try:
            with transaction.atomic():
                stock_receive(product=shirt, bin=ps.shelves[0], qty=3, actor=None)
                raise RuntimeError("undone")
        except RuntimeError:
            pass
        stock_receive(product=shirt, bin=ps.shelves[0], qty=2, actor=None)
    changed = events(EventKind.STOCK_CHANGED)
    assert len(changed) == 1 and changed[0].payload["on_hand"] == 2


def test_a_closed_receipt_reports_its_units_and_cartons():
    site = build_site()
    shirt, mug = new_product(site), new_product(site)
    po = make_po(site, [(shirt, 10), (mug, 4)])
    AsnCarton.objects.create(purchase_order=po, sscc=sscc(1), product=mug, qty=4)
    receipt = receipt_open(purchase_order=po, actor=site.receiver)
    receiving_scan(receipt=receipt, raw="x6", actor=site.receiver)
    receiving_scan(receipt=receipt, raw=inbound_gtin(shirt), actor=site.receiver)
    receiving_scan(receipt=receipt, raw=sscc(1), actor=site.receiver)
    receipt_close(receipt=receipt, actor=site.receiver)
    closed = events(EventKind.RECEIPT_CLOSED)
    assert len(closed) == 1
    body = closed[0].payload
    assert (body["reference"], body["units"], body["cartons"]) == (po.number, 10, 1)
    assert sorted((line["sku"], line["qty"]) for line in body["lines"]) == sorted([(shirt.sku, 6), (mug.sku, 4)])
    assert closed[0].warehouse_id == site.warehouse.pk and closed[0].resource_id == str(receipt.pk)


def test_a_return_reports_its_parcel_received_and_its_units_graded():
    site = build_return_site()
    shirt, mug = site.products
    order = shipped_order(site, [(shirt, 2), (mug, 1)])
    rma = open_rma(site, order, [(shirt, 2), (mug, 1)])
    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    units = [unit_receive(parcel=parcel, raw=gtin_of(p), actor=site.processor) for p in (shirt, shirt, mug)]
    for unit, grade in zip(units, ["like_new", "good", "damaged"], strict=True):
        unit_grade(unit=unit, grade_code=grade, actor=site.processor)
    trail = events(resource_type="return", resource_id=str(rma.pk))
    assert [e.kind for e in trail] == ["return.received", "return.graded"]
    received, graded = (e.payload for e in trail)
    assert received["reference"] == rma.number and received["units_expected"] == 3
    assert received["order_number"] == order.order_number
    assert graded["units"] == 3 and graded["grades"] == {"like_new": 1, "good": 1, "damaged": 1}
    assert all(e.warehouse_id == site.warehouse.pk for e in trail)
