"""A transfer with stock in transit is never sold twice: threads on real PostgreSQL race order reservations
against the transfer's release, ship and receive."""

import pytest

from core.errors import DomainError
from inventory.models import InTransitStock, StockLevel
from inventory.services.reservations import stock_reserve
from tests.concurrency import run_in_threads
from tests.factories import ProductFactory
from tests.warehouse.transfers import assert_transfer_invariants, build_pair, draft, stocked
from warehouse.models import TransferOrder, TransferStatus
from warehouse.services.transfers import transfer_pick, transfer_receive, transfer_release, transfer_ship

pytestmark = pytest.mark.django_db(transaction=True)


def test_release_racing_orders_for_the_same_units_never_oversells():
    pair = build_pair()
    for round_ in range(4):
        product = ProductFactory(merchant=pair.merchant)
        stocked(pair, product, 10)
        transfer = draft(pair, [(product, 10)])

        def racer(i):
            if i == 0:
                return transfer_release(transfer=transfer, actor="test")
            return stock_reserve(product=product, warehouse=pair.a, qty=3, order_line_id=10_000 * (round_ + 1) + i, actor="test")

        results = run_in_threads(racer, 4)
        assert all(r is None or not isinstance(r, Exception) or isinstance(r, DomainError) for r in results), results
        level = StockLevel.objects.get(product=product, warehouse=pair.a)
        assert level.allocated <= 10 and level.available >= 0
        released = TransferOrder.objects.get(pk=transfer.pk).status == TransferStatus.RELEASED
        orders_granted = sum(1 for r in results[1:] if not isinstance(r, Exception))
        assert released + orders_granted >= 1
        assert level.allocated == (10 if released else 0) + 3 * orders_granted
        if released:
            assert orders_granted == 0
        assert_transfer_invariants()


def test_ship_and_receive_racing_orders_sell_each_unit_once():
    pair = build_pair()
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 10)
    transfer = draft(pair, [(product, 6)])
    transfer_release(transfer=transfer, actor="test")
    transfer_pick(transfer=transfer, product=product, from_bin=pair.shelf, to_bin=pair.source.pack, qty=6, actor="test")

    # Ship, while orders at both ends try to take 4 units each: only the 4 left at the source can be sold there,
    # nothing at the destination until the units are received.
    def at_ship(i):
        if i == 0:
            return transfer_ship(transfer=transfer, actor="test")
        warehouse = pair.a if i % 2 else pair.b
        return stock_reserve(product=product, warehouse=warehouse, qty=4, order_line_id=20_000 + i, actor="test")

    results = run_in_threads(at_ship, 5)
    assert not isinstance(results[0], Exception), results[0]
    src = StockLevel.objects.get(product=product, warehouse=pair.a)
    assert (src.on_hand, src.allocated) == (4, 4)
    assert InTransitStock.objects.get(product=product).qty == 6
    assert not StockLevel.objects.filter(product=product, warehouse=pair.b, allocated__gt=0).exists()
    assert_transfer_invariants()

    # Two receivers scan the same transfer while orders at the destination try to reserve: at most the six
    # shipped units are received, and no more than were received are ever reserved there.
    def at_receive(i):
        if i < 2:
            return transfer_receive(transfer=transfer, product=product, qty=6, dock_bin=pair.dest.dock, actor="test")
        return stock_reserve(product=product, warehouse=pair.b, qty=2, order_line_id=30_000 + i, actor="test")

    results = run_in_threads(at_receive, 6)
    receipts = [r for r in results[:2] if not isinstance(r, Exception)]
    assert len(receipts) == 1, results[:2]
    assert all(isinstance(r, DomainError) for r in results if isinstance(r, Exception)), results
    dest = StockLevel.objects.get(product=product, warehouse=pair.b)
    granted = sum(1 for r in results[2:] if not isinstance(r, Exception))
    assert dest.on_hand == 6 and dest.allocated == 2 * granted <= 6
    assert InTransitStock.objects.get(product=product).qty == 0
    assert TransferOrder.objects.get(pk=transfer.pk).status == TransferStatus.RECEIVED
    assert_transfer_invariants()
