"""Transfers between warehouses: the whole flow, the state machine's refusals, over and short receipts."""

import pytest

from core.errors import Conflict, DomainError, PermissionDenied
from core.lifecycle import IllegalTransition
from inventory.exceptions import InsufficientStock
from inventory.models import InTransitStock, Movement, MovementKind, Reservation, StaffScope, StockLevel
from inventory.services.reservations import stock_reserve
from tests.factories import ProductFactory, UserFactory
from tests.warehouse.inbound import build_site
from tests.warehouse.transfers import assert_transfer_invariants, build_pair, draft, stocked
from warehouse.models import TransferStatus
from warehouse.services.transfers import (
    InvalidTransfer,
    OverReceipt,
    TransferLineInput,
    transfer_cancel,
    transfer_close_short,
    transfer_create,
    transfer_pick,
    transfer_receive,
    transfer_release,
    transfer_ship,
)

pytestmark = pytest.mark.django_db


def level(product, warehouse):
    return StockLevel.objects.filter(product=product, warehouse=warehouse).first()


def test_full_flow_moves_stock_through_transit_and_keeps_the_ledger_honest():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 10)
    transfer = draft(pair, [(product, 6)])
    assert transfer.status == TransferStatus.DRAFT and transfer.number.startswith("TR")
    assert level(product, pair.a).allocated == 0
    assert_transfer_invariants()

    transfer_release(transfer=transfer, actor=pair.manager)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RELEASED
    assert (level(product, pair.a).allocated, level(product, pair.a).available) == (6, 4)
    assert_transfer_invariants()

    transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=6, actor=pair.manager)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PICKING and transfer.staging_bin == pair.source.pack
    assert_transfer_invariants()

    transfer_ship(transfer=transfer, actor=pair.manager, carrier="ltl", tracking_number="PRO123")
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED and transfer.tracking_number == "PRO123"
    src = level(product, pair.a)
    assert (src.on_hand, src.allocated, src.available) == (4, 0, 4)
    assert level(product, pair.b) is None or level(product, pair.b).on_hand == 0
    assert InTransitStock.objects.get(product=product, from_warehouse=pair.a, to_warehouse=pair.b).qty == 6
    out = Movement.objects.filter(product=product, kind=MovementKind.TRANSFER_OUT)
    assert sum(m.qty for m in out) == -6 and {m.warehouse_id for m in out} == {pair.a.pk}
    assert_transfer_invariants()

    line = transfer_receive(transfer=transfer, product=product, qty=4, dock_bin=pair.dest.dock, actor=pair.manager)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PARTIALLY_RECEIVED and line.received_qty == 4
    assert level(product, pair.b).on_hand == 4 and level(product, pair.b).available == 4
    assert InTransitStock.objects.get(product=product).qty == 2
    assert_transfer_invariants()

    transfer_receive(transfer=transfer, product=product, qty=2, dock_bin=pair.dest.dock, actor=pair.manager)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED and transfer.received_at is not None
    assert InTransitStock.objects.get(product=product).qty == 0
    inward = Movement.objects.filter(product=product, kind=MovementKind.TRANSFER_IN)
    assert sum(m.qty for m in inward) == 6 and {m.bin_id for m in inward} == {pair.dest.dock.pk}
    assert_transfer_invariants()


def test_release_is_all_or_nothing_and_never_reserves_more_than_available():
    pair = build_pair()
    plenty, scarce = ProductFactory(merchant=pair.merchant), ProductFactory(merchant=pair.merchant)
    stocked(pair, plenty, 10)
    stocked(pair, scarce, 2)
    transfer = draft(pair, [(plenty, 5), (scarce, 3)])
    with pytest.raises(InsufficientStock):
        transfer_release(transfer=transfer, actor=pair.manager)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DRAFT
    assert level(plenty, pair.a).allocated == 0 and not Reservation.objects.exists()
    assert_transfer_invariants()


def test_state_machine_refuses_out_of_order_steps():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 5)
    transfer = draft(pair, [(product, 5)])
    with pytest.raises(IllegalTransition):
        transfer_ship(transfer=transfer, actor=pair.manager)
    with pytest.raises(Conflict):
        transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=1,
                      actor=pair.manager)
    with pytest.raises(Conflict):
        transfer_receive(transfer=transfer, product=product, qty=1, dock_bin=pair.dest.dock, actor=pair.manager)
    transfer_release(transfer=transfer, actor=pair.manager)
    with pytest.raises(IllegalTransition):
        transfer_release(transfer=transfer, actor=pair.manager)  # a released transfer is not re-reserved
    assert level(product, pair.a).allocated == 5
    with pytest.raises(Conflict):  # nothing picked
        transfer_ship(transfer=transfer, actor=pair.manager)
    transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=2, actor=pair.manager)
    with pytest.raises(IllegalTransition):  # picking has begun: cancelling is no longer a click
        transfer_cancel(transfer=transfer, actor=pair.manager)
    with pytest.raises(InvalidTransfer):  # more than left to pick
        transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=4,
                      actor=pair.manager)
    transfer_ship(transfer=transfer, actor=pair.manager)
    # the three units never picked went back to the source's available
    src = level(product, pair.a)
    assert (src.on_hand, src.allocated, src.available) == (3, 0, 3)
    with pytest.raises(IllegalTransition):
        transfer_cancel(transfer=transfer, actor=pair.manager)
    assert_transfer_invariants()


def test_cancel_a_released_transfer_gives_the_reservation_back():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 5)
    transfer = draft(pair, [(product, 4)])
    transfer_release(transfer=transfer, actor=pair.manager)
    transfer_cancel(transfer=transfer, actor=pair.manager)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED
    assert level(product, pair.a).available == 5
    assert_transfer_invariants()


def shipped(pair, product, qty):
    stocked(pair, product, qty)
    transfer = draft(pair, [(product, qty)])
    transfer_release(transfer=transfer, actor=pair.manager)
    transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=qty,
                  actor=pair.manager)
    return transfer_ship(transfer=transfer, actor=pair.manager)


def test_over_receipt_is_refused_and_changes_nothing():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    transfer = shipped(pair, product, 3)
    with pytest.raises(OverReceipt):
        transfer_receive(transfer=transfer, product=product, qty=4, dock_bin=pair.dest.dock, actor=pair.manager)
    other = ProductFactory(merchant=pair.merchant)
    with pytest.raises(InvalidTransfer):
        transfer_receive(transfer=transfer, product=other, qty=1, dock_bin=pair.dest.dock, actor=pair.manager)
    with pytest.raises(InvalidTransfer):  # the source's dock is not the destination
        transfer_receive(transfer=transfer, product=product, qty=1, dock_bin=pair.source.dock, actor=pair.manager)
    assert InTransitStock.objects.get(product=product).qty == 3
    assert not Movement.objects.filter(kind=MovementKind.TRANSFER_IN).exists()
    assert_transfer_invariants()


def test_short_receipt_is_closed_with_a_discrepancy_and_leaves_transit():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    transfer = shipped(pair, product, 5)
    transfer_receive(transfer=transfer, product=product, qty=3, dock_bin=pair.dest.dock, actor=pair.manager)
    with pytest.raises(InvalidTransfer):
        transfer_close_short(transfer=transfer, actor=pair.manager, reason="")
    transfer_close_short(transfer=transfer, actor=pair.manager, reason="two cartons lost by the carrier")
    transfer.refresh_from_db()
    line = transfer.lines.get()
    assert transfer.status == TransferStatus.RECEIVED and transfer.discrepancy_note.startswith("two cartons")
    assert (line.shipped_qty, line.received_qty, line.lost_qty) == (5, 3, 2)
    assert InTransitStock.objects.get(product=product).qty == 0
    assert_transfer_invariants()


def test_in_transit_units_are_in_neither_buildings_available():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    shipped(pair, product, 4)
    for warehouse in (pair.a, pair.b):
        with pytest.raises(InsufficientStock):
            stock_reserve(product=product, warehouse=warehouse, qty=1, order_line_id=555, actor="test")
    assert_transfer_invariants()


def test_create_validates_its_input():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    foreign = ProductFactory()
    cases = [
        dict(lines=[]),
        dict(lines=[(product, 0)]),
        dict(lines=[(product, 10**9)]),
        dict(lines=[(foreign, 1)]),
        dict(lines=[(product, 1), (product, 2)]),
        dict(lines=[(product, 1)], note="x" * 300),
        dict(lines=[(product, 1)], note="bad\x00"),
    ]
    for case in cases:
        with pytest.raises(DomainError):
            draft(pair, **case)
    with pytest.raises(DomainError):
        transfer_create(merchant=pair.merchant, from_warehouse=pair.a, to_warehouse=pair.a, actor=pair.manager,
                        lines=[TransferLineInput(product=product, qty=1)])


def test_staff_limited_to_one_warehouse_cannot_move_stock_into_or_out_of_the_other():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 5)
    transfer = draft(pair, [(product, 5)])
    limited = UserFactory(role="warehouse_manager")
    StaffScope.objects.create(user=limited).warehouses.add(pair.a)
    with pytest.raises(PermissionDenied):
        transfer_release(transfer=transfer, actor=limited)
    third = build_site().warehouse
    StaffScope.objects.get(user=limited).warehouses.add(pair.b)
    transfer_release(transfer=transfer, actor=limited)  # both buildings in scope
    with pytest.raises(PermissionDenied):
        transfer_create(merchant=pair.merchant, from_warehouse=pair.a, to_warehouse=third, actor=limited,
                        lines=[TransferLineInput(product=product, qty=1)])


def test_received_transfer_units_leave_the_dock_through_the_putaway_station(client):
    """Each receipt of transfer units makes a putaway task at the destination; the putaway station takes them from
    the dock into storage by scan, the ledger naming the transfer, and a PO receipt's tasks are untouched."""
    import uuid

    from django.urls import reverse

    from core import roles
    from inventory.models import BinStock
    from warehouse.models import PutawayTask

    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 5)
    transfer = draft(pair, [(product, 5)])
    transfer_release(transfer=transfer, actor=pair.manager)
    transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=5, actor=pair.manager)
    transfer_ship(transfer=transfer, actor=pair.manager)
    transfer_receive(transfer=transfer, product=product, qty=3, dock_bin=pair.dest.dock, actor=pair.manager)
    transfer_receive(transfer=transfer, product=product, qty=2, dock_bin=pair.dest.dock, actor=pair.manager)
    tasks = PutawayTask.objects.filter(transfer=transfer).order_by("pk")
    assert [(t.warehouse_id, t.from_bin_id, t.qty, t.receipt_id, t.status) for t in tasks] == [
        (pair.b.pk, pair.dest.dock.pk, 3, None, "open"), (pair.b.pk, pair.dest.dock.pk, 2, None, "open")]

    operator = UserFactory(role=roles.RECEIVER)
    client.force_login(operator)
    url = reverse("warehouse:putaway_submit", args=[pair.b.code])
    for _ in range(2):
        page = client.post(url, {"code": "", "scan_id": str(uuid.uuid4())}).content.decode()
        assert 'data-scan-result="ok"' in page, page
        task = PutawayTask.objects.get(warehouse=pair.b, claimed_by=operator, status="claimed")
        target = task.suggested_bin or pair.dest.shelves[0]
        page = client.post(url, {"code": f"BIN:{target.code}", "scan_id": str(uuid.uuid4())}).content.decode()
        assert 'data-scan-result="ok"' in page, page
    assert set(PutawayTask.objects.filter(transfer=transfer).values_list("status", flat=True)) == {"done"}
    assert not BinStock.objects.filter(bin=pair.dest.dock, qty__gt=0).exists()
    assert sum(BinStock.objects.filter(bin__warehouse=pair.b, product=product, bin__zone__kind="storage")
               .values_list("qty", flat=True)) == 5
    putaways = Movement.objects.filter(product=product, kind=MovementKind.PUTAWAY, warehouse=pair.b)
    assert {m.reference for m in putaways} == {f"transfer:{transfer.number}"} and sum(m.qty for m in putaways) == 0
    assert_transfer_invariants()
