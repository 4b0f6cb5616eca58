"""`make run` seeds demo data: it must load on an empty database, twice without duplicating, and be usable."""

import pytest

from demo.data import seed_demo
from inventory.models import Movement
from tests.inventory.invariants import assert_stock_invariants
from warehouse.inbound.services.receiving import receipt_open, receiving_scan
from warehouse.models import AsnCarton, PurchaseOrder


@pytest.mark.django_db
def test_demo_data_loads_idempotently_and_its_asn_cartons_can_be_received(django_user_model):
    first = seed_demo()
    movements = Movement.objects.count()
    again = seed_demo()
    assert again["purchase_orders"] == first["purchase_orders"]
    assert Movement.objects.count() == movements
    assert PurchaseOrder.objects.count() == 8
    carton = AsnCarton.objects.select_related("purchase_order").first()
    receiver = django_user_model.objects.get(username="receiver")
    receipt = receipt_open(purchase_order=carton.purchase_order, actor=receiver)
    reply = receiving_scan(receipt=receipt, raw=carton.sscc, actor=receiver)
    assert reply.ok and reply.data["qty"] == carton.qty
    assert_stock_invariants()


@pytest.mark.django_db
def test_demo_orders_are_released_into_waves_a_picker_can_start(django_user_model):
    from orders.models import Order
    from warehouse.models import PickSession
    from warehouse.outbound.services.picking import pick_station_scan

    first = seed_demo()
    sessions = PickSession.objects.count()
    seed_demo()
    assert PickSession.objects.count() == sessions > 0
    assert Order.objects.filter(order_number__in=first["pick_orders"]).count() == len(first["pick_orders"]) == 12
    session = PickSession.objects.select_related("warehouse").first()
    picker = django_user_model.objects.get(username="picker")
    reply = pick_station_scan(warehouse=session.warehouse, raw="", actor=picker)
    assert reply.ok and "claimed" in reply.message
    assert_stock_invariants()


@pytest.mark.django_db
def test_demo_pack_out_is_ready():
    from shipping.models import ShippingRule
    from warehouse.models import CartonType, PackingSlipTemplate

    seed_demo()
    seed_demo()
    assert CartonType.objects.count() == 4
    assert PackingSlipTemplate.objects.count() == ShippingRule.objects.count() == 2
