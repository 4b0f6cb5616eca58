"""Carrier scans reach the shipment, then the order (delivered) and the storefront's outbox."""

import datetime as dt

import pytest
from django.utils import timezone

from core import roles
from orders.models import Order, OutboxMessage
from shipping.carrier_accounts import _accounts
from shipping.models import Shipment, TrackingEvent
from shipping.services.shipments import manifest_close
from shipping.services.tracking import tracking_poll
from tests.factories import UserFactory
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product
from warehouse.outbound.services.packing import pack_scan, pack_start

pytestmark = pytest.mark.django_db


def shipped_order():
    ps = build_pick_site()
    carton_types()
    packer = UserFactory(role=roles.PACKER)
    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 1)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    shipment = Shipment.objects.get()
    manifest_close(warehouse=ps.warehouse, carrier=shipment.carrier, actor=ps.manager)
    return order, shipment


def test_scans_are_recorded_and_delivery_reaches_the_order():
    order, shipment = shipped_order()
    assert tracking_poll() == {"shipped": 1}  # just labelled: only the label-created scan so far
    assert TrackingEvent.objects.filter(shipment=shipment, status="label_created").exists()

    # Ten days later (as another process would see it: the carrier remembers the label from the database).
    Shipment.objects.filter(pk=shipment.pk).update(created_at=timezone.now() - dt.timedelta(days=10))
    _accounts.cache_clear()
    assert tracking_poll() == {"delivered": 1}
    shipment.refresh_from_db()
    order.refresh_from_db()
    assert shipment.status == Shipment.Status.DELIVERED and shipment.delivered_at is not None
    assert order.status == Order.Status.DELIVERED
    assert {"in_transit", "out_for_delivery", "delivered"} <= set(TrackingEvent.objects.filter(shipment=shipment).values_list("status", flat=True))
    assert tracking_poll() == {}  # delivered shipments are not asked again
    assert not OutboxMessage.objects.exists()  # an API order: nobody to tell


def test_label_serials_are_shared_by_every_process_of_the_account():
    from shipping.carrier_accounts import carriers_for

    first = carriers_for(None)[0]
    _accounts.cache_clear()  # as a second gunicorn worker or a restarted web server would start
    second = carriers_for(None)[0]
    assert first is not second
    assert first._next_serial() < second._next_serial() < first._next_serial()
