"""Cancellation at every warehouse stage: the OMS asks, the warehouse stops the work through the owning apps'
services and reports back. Units end in the bin they were picked from (bin rows and ledger), reservations
are released, labels are voided at the carrier, the storefront is told once; a manifested order is refused
and nothing changes."""

import pytest

from core import roles
from inventory.models import BinStock, Movement, Reservation, StockLevel
from orders.exceptions import IllegalTransition
from orders.models import Channel, FulfillmentOrder, Order, OrderEvent, OutboxKind, OutboxMessage
from orders.services.cancellation import order_cancel
from orders.services.edits import LineChange, order_edit_lines
from shipping.carrier_accounts import carrier_named, carriers_for
from shipping.models import Shipment
from shipping.services.shipments import manifest_close
from tests.factories import BinFactory, UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory
from tests.warehouse.cancelling import warehouse_acts_on_cancels
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import Carton, Pack, PickLine, PickSession
from warehouse.outbound.services.packing import PackRefused, pack_scan, pack_start, pack_void
from warehouse.outbound.services.picking import pick_scan
from warehouse.outbound.services.waves import wave_plan

pytestmark = pytest.mark.django_db


@pytest.fixture
def ps():
    site = build_pick_site()
    carton_types()
    site.warehouse.address_line1 = "100 Port St"
    site.warehouse.save()
    # A storefront that can be told (its messages wait in the outbox: nothing is delivered in these tests).
    site.channel = ChannelFactory(merchant=site.merchant, kind=Channel.Kind.SHOPIFY, api_base_url="http://127.0.0.1:9")
    return site


@pytest.fixture
def agent():
    return UserFactory(role=roles.CUSTOMER_SERVICE)


@pytest.fixture
def packer():
    return UserFactory(role=roles.PACKER)


def stock_of(item) -> dict[str, int]:
    return {row.bin.code: row.qty for row in BinStock.objects.filter(product=item, qty__gt=0).select_related("bin")}


def told_cancelled(order) -> int:
    return OutboxMessage.objects.filter(order=order, kind=OutboxKind.CANCELLED).count()


def the_fulfillment(order) -> FulfillmentOrder:
    return FulfillmentOrder.objects.get(order=order)


def assert_cancelled_and_released(order, item, *, shelf: str, qty: int, others_allocated: int = 0) -> None:
    order.refresh_from_db()
    fulfillment = the_fulfillment(order)
    assert order.status == Order.Status.CANCELLED
    assert (fulfillment.status, fulfillment.cancel_requested_at) == (FulfillmentOrder.Status.CANCELLED, None)
    assert stock_of(item) == {shelf: qty}
    assert not Reservation.objects.filter(order_line_id__in=order.lines.values("pk"), qty__gt=0).exists()
    assert not Reservation.objects.filter(order_line_id__in=order.lines.values("pk"), picked_qty__gt=0).exists()
    level = StockLevel.objects.get(product=item, warehouse=order.fulfillment_orders.get().warehouse)
    assert (level.on_hand, level.allocated) == (qty, others_allocated)
    assert told_cancelled(order) == 1
    assert all(line.cancelled_qty == line.quantity for line in order.lines.all())
    assert_stock_invariants()


def asked_the_warehouse(order) -> FulfillmentOrder:
    """The cancel is requested, nothing has moved yet and nobody has been told."""
    order.refresh_from_db()
    fulfillment = the_fulfillment(order)
    assert fulfillment.status == FulfillmentOrder.Status.CANCEL_REQUESTED and fulfillment.cancel_requested_at
    assert order.status != Order.Status.CANCELLED and told_cancelled(order) == 0
    assert OrderEvent.objects.filter(order=order, kind="cancel_requested").exists()
    return fulfillment


def test_released_but_not_in_a_wave_is_cancelled_at_once(ps, agent):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 2)])
    order_cancel(order=order, actor=agent, reason="duplicate")
    assert_cancelled_and_released(order, shirt, shelf="A-01-01-A", qty=5)
    assert warehouse_acts_on_cancels(order) == []  # nothing was asked of the warehouse


def test_in_a_wave_not_picked_its_lines_leave_the_session_and_the_rest_carries_on(ps, agent):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 2)])
    other = released(ps, [(shirt, 1)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    assert the_fulfillment(order).status == FulfillmentOrder.Status.IN_WAVE

    order_cancel(order=order, actor=agent, reason="fraud")
    fulfillment = asked_the_warehouse(order)
    assert Reservation.objects.get(order_line_id=order.lines.get().pk).qty == 2  # until the warehouse reports
    with pytest.raises(IllegalTransition, match="picking has started"):
        order_edit_lines(order=order, changes=[LineChange(shirt.sku, 1)], actor=agent, reason="less")
    order_cancel(order=order, actor=agent, reason="asked twice")  # changes nothing
    assert the_fulfillment(order).cancel_reason == "fraud"

    (done,) = warehouse_acts_on_cancels(order)
    assert "1 pick line(s) stopped, 0 picked unit(s) put back" in done
    assert_cancelled_and_released(order, shirt, shelf="A-01-01-A", qty=5, others_allocated=1)
    assert set(PickLine.objects.filter(slot__fulfillment_order=fulfillment).values_list("status", flat=True)) == {"cancelled"}
    assert set(PickLine.objects.filter(slot__fulfillment_order__order=other).values_list("status", flat=True)) == {"open"}
    assert PickSession.objects.get().status == PickSession.Status.OPEN

    assert fulfillment_cancel_again(order) == "nothing to stop: no cancel request is waiting"
    assert told_cancelled(order) == 1
    with pytest.raises(IllegalTransition, match="already cancelled"):
        order_cancel(order=order, actor=agent, reason="once more")


def fulfillment_cancel_again(order) -> str:
    from warehouse.outbound.services.cancellation import fulfillment_cancel

    return fulfillment_cancel(fulfillment_id=the_fulfillment(order).pk, actor="warehouse")


def test_while_picking_open_lines_stop_and_picked_units_go_back_from_the_tote(ps, agent):
    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 3)])
    session = planned_and_claimed(ps)
    pick_scan(session=session, raw="BIN:A-01-01-A", actor=ps.picker)
    pick_scan(session=session, raw=shirt.sku, actor=ps.picker)
    tote = session.slots.get().tote
    assert stock_of(shirt) == {"A-01-01-A": 4, tote.code: 1}

    order_cancel(order=order, actor=agent, reason="customer changed mind")
    fulfillment = asked_the_warehouse(order)
    assert stock_of(shirt) == {"A-01-01-A": 4, tote.code: 1}
    warehouse_acts_on_cancels(order)

    assert_cancelled_and_released(order, shirt, shelf="A-01-01-A", qty=5)
    back = Movement.objects.filter(product=shirt, kind="unpick", reference=f"cancel:FO-{fulfillment.pk}")
    assert sorted((m.bin.code, m.qty) for m in back) == [("A-01-01-A", 1), (tote.code, -1)]
    session.refresh_from_db()
    assert session.status == PickSession.Status.DONE


def test_picked_and_waiting_in_a_tote_the_units_go_back_to_their_bins(ps, agent):
    shirt, mug = product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 2), (mug, 1)])
    shelf = ps.shelves[2].code
    assert stock_of(shirt) == {tote.code: 2} and stock_of(mug) == {tote.code: 1}

    order_cancel(order=order, actor=agent, reason="out of budget")
    asked_the_warehouse(order)
    warehouse_acts_on_cancels(order)

    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and told_cancelled(order) == 1
    assert stock_of(shirt) == {shelf: 2} and stock_of(mug) == {shelf: 1}
    assert not BinStock.objects.filter(bin=tote, qty__gt=0).exists()
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).allocated == 0
    assert_stock_invariants()


def test_a_pack_under_way_is_given_up_and_cannot_be_labelled_once_the_cancel_is_asked(ps, agent, packer):
    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 2)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw="x2", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)

    order_cancel(order=order, actor=agent, reason="address is a scam")
    asked_the_warehouse(order)
    with pytest.raises(PackRefused, match="cancel requested"):
        pack_scan(pack=pack, raw="CMD:DONE", actor=packer)
    assert not Shipment.objects.exists()
    warehouse_acts_on_cancels(order)

    assert_cancelled_and_released(order, shirt, shelf=ps.shelves[1].code, qty=2)
    assert Pack.objects.get(pk=pack.pk).status == Pack.Status.CANCELLED and not Carton.objects.exists()


def labelled(ps, packer, lines):
    order, tote = picked(ps, lines)
    pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
    for item, qty in lines:
        pack_scan(pack=pack, raw=f"x{qty}", actor=packer)
        pack_scan(pack=pack, raw=item.sku, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    return order, pack


def carrier_label(shipment):
    return carrier_named(carriers_for(None), shipment.carrier)._shipment(shipment.tracking_number)


def test_labelled_at_a_pack_station_the_label_is_voided_at_the_carrier_and_units_go_back(ps, agent, packer):
    shirt = product(ps)
    order, pack = labelled(ps, packer, [(shirt, 2)])
    shipment = Shipment.objects.get()
    assert the_fulfillment(order).status == FulfillmentOrder.Status.PACKED
    assert stock_of(shirt) == {"PACK-1": 2} and carrier_label(shipment).voided_at is None

    order_cancel(order=order, actor=agent, reason="customer changed mind")
    fulfillment = asked_the_warehouse(order)
    (done,) = warehouse_acts_on_cancels(order)

    assert "2 picked unit(s) put back in their bins, 1 label(s) voided" in done
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.VOIDED and carrier_label(shipment).voided_at is not None
    assert_cancelled_and_released(order, shirt, shelf=ps.shelves[1].code, qty=2)
    back = Movement.objects.filter(product=shirt, reference=f"cancel:FO-{fulfillment.pk}")
    assert sorted((m.bin.code, m.qty) for m in back) == [("A-01-02-A", 2), ("PACK-1", -2)]
    assert Pack.objects.get(pk=pack.pk).status == Pack.Status.CANCELLED


def test_packed_at_a_station_after_a_voided_label_units_go_back_from_the_station(ps, agent, packer):
    shirt = product(ps)
    order, pack = labelled(ps, packer, [(shirt, 1)])
    pack_void(shipment=Shipment.objects.get(), actor=ps.manager, reason="relabel")
    assert the_fulfillment(order).status == FulfillmentOrder.Status.PICKING and stock_of(shirt) == {"PACK-1": 1}

    order_cancel(order=order, actor=agent, reason="too slow")
    asked_the_warehouse(order)
    warehouse_acts_on_cancels(order)
    assert_cancelled_and_released(order, shirt, shelf=ps.shelves[1].code, qty=1)


def test_manifested_the_cancel_is_refused_with_the_reason_and_nothing_changes(ps, agent, packer):
    shirt = product(ps)
    order, _ = labelled(ps, packer, [(shirt, 1)])
    shipment = Shipment.objects.get()
    order_cancel(order=order, actor=agent, reason="customer changed mind")
    asked_the_warehouse(order)
    # The carrier collects before the warehouse gets to it.
    manifest_close(warehouse=ps.warehouse, carrier=shipment.carrier, actor=ps.manager)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and the_fulfillment(order).status == FulfillmentOrder.Status.SHIPPED
    stock_before = list(BinStock.objects.order_by("pk").values())
    ledger_before = Movement.objects.count()

    (done,) = warehouse_acts_on_cancels(order)

    assert done.startswith("refused: it has left the building")
    order.refresh_from_db()
    fulfillment = the_fulfillment(order)
    assert order.status == Order.Status.SHIPPED
    assert (fulfillment.status, fulfillment.cancel_requested_at) == (FulfillmentOrder.Status.SHIPPED, None)
    refused = OrderEvent.objects.get(order=order, kind="cancel_refused")
    assert "left the building" in refused.message and shipment.tracking_number in refused.message
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.SHIPPED and carrier_label(shipment).voided_at is None
    assert list(BinStock.objects.order_by("pk").values()) == stock_before and Movement.objects.count() == ledger_before
    assert told_cancelled(order) == 0
    assert OutboxMessage.objects.filter(order=order, kind=OutboxKind.SHIPPED).count() == 1
    assert warehouse_acts_on_cancels(order) == []
    assert_stock_invariants()


def test_an_order_with_one_part_in_the_warehouse_and_one_not_is_cancelled_when_the_warehouse_reports(ps, agent):
    from orders.models import RoutingPolicy
    from orders.services.allocation import order_allocate
    from tests.factories import WarehouseFactory, ZoneFactory
    from tests.orders.factories import order_with_lines

    RoutingPolicy.objects.create(merchant=ps.merchant, allow_split=True)
    shirt, cap = product(ps), product(ps)
    put(shirt, ps.shelves[0], 1)
    elsewhere = WarehouseFactory(code="far")
    far_bin = BinFactory(zone=ZoneFactory(warehouse=elsewhere))
    put(cap, far_bin, 1)
    order = order_with_lines(channel=ps.channel, lines=[(shirt, 1), (cap, 1)])
    order_allocate(order_id=order.pk)
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    here, far = (FulfillmentOrder.objects.get(order=order, warehouse=w) for w in (ps.warehouse, elsewhere))
    assert (here.status, far.status) == (FulfillmentOrder.Status.IN_WAVE, FulfillmentOrder.Status.RELEASED)

    order_cancel(order=order, actor=agent, reason="customer asked")
    far.refresh_from_db()
    here.refresh_from_db()
    assert far.status == FulfillmentOrder.Status.CANCELLED and here.status == FulfillmentOrder.Status.CANCEL_REQUESTED
    assert StockLevel.objects.get(product=cap, warehouse=elsewhere).allocated == 0
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).allocated == 1
    order.refresh_from_db()
    assert order.status != Order.Status.CANCELLED and told_cancelled(order) == 0

    warehouse_acts_on_cancels(order)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED and told_cancelled(order) == 1
    assert StockLevel.objects.get(product=shirt, warehouse=ps.warehouse).allocated == 0
    assert_stock_invariants()



def test_customer_service_sees_the_cancel_requested_until_the_warehouse_reports(client, ps, agent):
    from django.urls import reverse

    shirt = product(ps)
    put(shirt, ps.shelves[0], 5)
    order = released(ps, [(shirt, 1)])
    wave_plan(warehouse=ps.warehouse, actor=ps.manager)
    client.force_login(agent)
    page = client.post(reverse("orders:order_action", args=[order.pk]), {"action": "cancel", "reason": "fraud"},
                       follow=True).content.decode()
    assert "cancel requested: the warehouse is stopping its work" in page and "Cancel requested" in page
    asked_the_warehouse(order)
    warehouse_acts_on_cancels(order)
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert "Cancelled" in client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
