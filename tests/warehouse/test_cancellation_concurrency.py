"""Cancellation racing the warehouse, in real threads on PostgreSQL with a barrier start, many rounds: a pick
failure on the order's line, the pack close of the order, a picker claiming its session. Whoever wins, nobody deadlocks, the order ends
cancelled with every unit back on a shelf, labels voided, the storefront told once, and the stock
invariants hold."""

import time

import pytest

from core import roles
from core.errors import DomainError
from inventory.models import BinStock, Reservation
from layout.models import Bin
from orders.models import Channel, FulfillmentOrder, Order, OutboxKind, OutboxMessage
from orders.services.cancellation import order_cancel
from shipping.models import Shipment
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory
from tests.warehouse.cancelling import warehouse_acts_on_cancels
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put, released
from warehouse.models import PickSession
from warehouse.outbound.services.cancellation import CancelNotReady, fulfillment_cancel
from warehouse.outbound.services.packing import pack_scan, pack_start
from warehouse.outbound.services.picking import pick_claim_next, pick_scan
from warehouse.outbound.services.waves import wave_plan

ROUNDS = 20


@pytest.fixture
def ps(transactional_db):
    site = build_pick_site()
    carton_types()
    site.warehouse.address_line1 = "100 Port St"
    site.warehouse.save()
    site.channel = ChannelFactory(merchant=site.merchant, kind=Channel.Kind.SHOPIFY, api_base_url="http://127.0.0.1:9")
    return site


def cancel_and_let_the_warehouse_stop(order):
    order_cancel(order=order, actor="customer service", reason="customer asked")
    for fulfillment in FulfillmentOrder.objects.filter(order=order, cancel_requested_at__isnull=False):
        for _ in range(100):  # as the task does: a close buying labels asks it to come back in a moment
            try:
                fulfillment_cancel(fulfillment_id=fulfillment.pk, actor="warehouse")
                break
            except CancelNotReady:
                time.sleep(0.1)
    return "cancelled"


def assert_no_deadlock(results) -> None:
    for result in results:
        assert not isinstance(result, Exception) or isinstance(result, DomainError), repr(result)


def assert_cancelled_everything_back(order, item) -> None:
    warehouse_acts_on_cancels(order)  # a request the race left waiting, as the beat sweep would
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.CANCELLED
    lines = order.lines.values("pk")
    assert not Reservation.objects.filter(order_line_id__in=lines, qty__gt=0).exists()
    assert not Reservation.objects.filter(order_line_id__in=lines, picked_qty__gt=0).exists()
    assert not BinStock.objects.filter(product=item, qty__gt=0).exclude(bin__kind__in=[Bin.Kind.SHELF, Bin.Kind.PALLET]).exists()
    assert OutboxMessage.objects.filter(order=order, kind=OutboxKind.CANCELLED).count() == 1


def test_a_pick_failure_racing_the_cancel_of_the_same_order(ps):
    zone = ps.shelves[0].zone
    for n in range(ROUNDS):
        shirt = product(ps)
        empty_here = BinFactory(zone=zone, code=f"R-{n:02d}-A", walk_x=200 + n, walk_y=0, pick_sequence=100 + n)
        also_here = BinFactory(zone=zone, code=f"R-{n:02d}-B", walk_x=300 + n, walk_y=0, pick_sequence=200 + n)
        put(shirt, empty_here, 2)
        put(shirt, also_here, 2)
        order = released(ps, [(shirt, 2)])
        picker = UserFactory(role=roles.PICKER)
        session = planned_and_claimed(ps, picker=picker)
        pick_scan(session=session, raw=f"BIN:{empty_here.code}", actor=picker)

        def race(i, session=session, picker=picker, order=order):
            if i == 0:
                return pick_scan(session=session, raw="CMD:EMPTY", actor=picker)
            return cancel_and_let_the_warehouse_stop(order)

        results = run_in_threads(race, 2)
        assert_no_deadlock(results)
        assert results[1] == "cancelled", results
        assert_cancelled_everything_back(order, shirt)
        assert_stock_invariants()


def test_a_cancel_racing_the_pack_close_of_the_same_order(ps):
    outcomes = set()
    for _ in range(ROUNDS):
        shirt = product(ps)
        order, tote = picked(ps, [(shirt, 2)])
        packer = UserFactory(role=roles.PACKER)
        pack = pack_start(warehouse=ps.warehouse, pack_bin=ps.pack, raw=f"TOTE:{tote.code}", actor=packer)
        pack_scan(pack=pack, raw="x2", actor=packer)
        pack_scan(pack=pack, raw=shirt.sku, actor=packer)

        def race(i, pack=pack, packer=packer, order=order):
            if i == 0:
                return pack_scan(pack=pack, raw="CMD:DONE", actor=packer)
            return cancel_and_let_the_warehouse_stop(order)

        results = run_in_threads(race, 2)
        assert_no_deadlock(results)
        assert results[1] == "cancelled", results
        labels = list(Shipment.objects.filter(fulfillment_order__order=order).values_list("status", flat=True))
        # No label survives: voided at the carrier, or never bought (the close saw the request and gave up).
        assert set(labels) <= {Shipment.Status.VOIDED, Shipment.Status.CANCELLED}
        outcomes.add("labelled, then voided" if Shipment.Status.VOIDED in labels
                     else "gave up before buying" if labels else "refused to label")
        assert_cancelled_everything_back(order, shirt)
        assert BinStock.objects.get(product=shirt, bin__kind=Bin.Kind.SHELF, qty__gt=0).qty == 2
        assert_stock_invariants()
    assert outcomes  # which side won each round is up to the scheduler; every round ended the same way


def test_a_picker_claiming_the_session_racing_the_cancel_of_its_order(ps):
    for n in range(ROUNDS):
        shirt = product(ps)
        put(shirt, ps.shelves[n % len(ps.shelves)], 2)
        order = released(ps, [(shirt, 2)])
        wave_plan(warehouse=ps.warehouse, actor=ps.manager)
        picker = UserFactory(role=roles.PICKER)

        def race(i, picker=picker, order=order):
            if i == 0:
                return pick_claim_next(warehouse=ps.warehouse, actor=picker)
            return cancel_and_let_the_warehouse_stop(order)

        results = run_in_threads(race, 2)
        assert_no_deadlock(results)
        assert results[1] == "cancelled", results
        assert_cancelled_everything_back(order, shirt)
        assert not PickSession.objects.filter(status__in=[PickSession.Status.OPEN, PickSession.Status.CLAIMED]).exists()
        assert_stock_invariants()
