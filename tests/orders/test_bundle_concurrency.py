"""A bundle can never oversell its components: threads on real PostgreSQL taking orders for the bundle and
for its components directly, each through intake and allocation, never reserve more than is on the shelf,
and never half a bundle."""

import pytest

from inventory.models import Reservation, StockLevel
from inventory.services.kits import bundle_component_set
from inventory.services.stock import stock_receive
from orders.models import Order
from orders.services.allocation import order_allocate
from orders.services.intake import order_upsert
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, ProductFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory
from tests.orders.test_intake import normalized

pytestmark = pytest.mark.django_db(transaction=True)


def test_threads_ordering_a_bundle_and_its_components_never_reserve_more_than_stock():
    channel = ChannelFactory(kind="shopify")
    mug, tea = ProductFactory(merchant=channel.merchant, sku="MUG"), ProductFactory(merchant=channel.merchant, sku="TEA")
    bundle = ProductFactory(merchant=channel.merchant, sku="BOX")
    bundle_component_set(bundle=bundle, component=mug, quantity=1, actor="test")
    bundle_component_set(bundle=bundle, component=tea, quantity=2, actor="test")
    bins = [BinFactory(), BinFactory()]  # two warehouses: routing may split, never oversell
    for bin_ in bins:
        stock_receive(product=mug, bin=bin_, qty=4, actor=None)
        stock_receive(product=tea, bin=bin_, qty=10, actor=None)
    wanted = {0: (("BOX", 1),), 1: (("BOX", 2),), 2: (("TEA", 3),), 3: (("MUG", 1), ("BOX", 1))}

    def order(i):
        lines = wanted[i % 4]
        made = order_upsert(channel=channel, normalized=normalized(lines=lines, external_id=f"c-{i}", order_number=f"#{i}"),
                            source="webhook").order
        return order_allocate(order_id=made.pk).status

    results = run_in_threads(order, 16)
    assert not [r for r in results if isinstance(r, Exception)], results

    for level in StockLevel.objects.all():
        assert 0 <= level.allocated <= level.on_hand, level
    assert sum(StockLevel.objects.filter(product=mug).values_list("allocated", flat=True)) <= 8
    assert sum(StockLevel.objects.filter(product=tea).values_list("allocated", flat=True)) <= 20
    # Every bundle line is reserved in full or not at all.
    for order_ in Order.objects.prefetch_related("bundle_lines__components"):
        for sold in order_.bundle_lines.all():
            reserved = {c.pk: sum(Reservation.objects.filter(order_line_id=c.pk).values_list("qty", flat=True))
                        for c in sold.components.all()}
            full = all(reserved[c.pk] == c.quantity for c in sold.components.all())
            assert full or not any(reserved.values()), (sold, reserved)
    assert Reservation.objects.filter(qty__gt=0).exists()
    # Stock is all promised: 8 mugs could not have served every order (20 are wanted).
    assert Order.objects.filter(status__in=["backordered", "partially_allocated"]).exists()
    assert_stock_invariants()


def test_after_a_race_for_the_last_units_a_bundle_ordered_alone_reserves_in_full():
    """Component orders and bundle orders race for every unit; then exactly one bundle's worth arrives (1 MUG, 2 TEA)
    while the losers wait for the backorder fill. A bundle ordered alone now gets both components in full: it does
    not lose to the direct component orders that took the rest."""
    channel = ChannelFactory(kind="shopify")
    mug, tea = ProductFactory(merchant=channel.merchant, sku="MUG"), ProductFactory(merchant=channel.merchant, sku="TEA")
    bundle = ProductFactory(merchant=channel.merchant, sku="BOX")
    bundle_component_set(bundle=bundle, component=mug, quantity=1, actor="test")
    bundle_component_set(bundle=bundle, component=tea, quantity=2, actor="test")
    shelf = BinFactory()
    stock_receive(product=mug, bin=shelf, qty=3, actor=None)
    stock_receive(product=tea, bin=shelf, qty=5, actor=None)
    wanted = {0: (("BOX", 1),), 1: (("TEA", 2),), 2: (("MUG", 1),), 3: (("MUG", 1), ("TEA", 1))}

    def order(i):
        lines = wanted[i % 4]
        made = order_upsert(channel=channel, normalized=normalized(lines=lines, external_id=f"r-{i}", order_number=f"#r{i}"),
                            source="webhook").order
        return order_allocate(order_id=made.pk).status

    results = run_in_threads(order, 8)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Order.objects.filter(status__in=["backordered", "partially_allocated"]).exists()  # demand left unserved

    stock_receive(product=mug, bin=shelf, qty=1, actor=None)
    stock_receive(product=tea, bin=shelf, qty=2, actor=None)
    assert StockLevel.objects.get(product=mug).available >= 1 and StockLevel.objects.get(product=tea).available >= 2
    alone = order_upsert(channel=channel, normalized=normalized(lines=(("BOX", 1),), external_id="alone",
                                                                order_number="#alone"), source="webhook").order
    alone = order_allocate(order_id=alone.pk)
    assert alone.status in ("allocated", "released"), alone.events.values_list("message", flat=True)
    reserved = {line.sku: sum(Reservation.objects.filter(order_line_id=line.pk).values_list("qty", flat=True))
                for line in alone.lines.all()}
    assert reserved == {"MUG": 1, "TEA": 2}
    assert_stock_invariants()
