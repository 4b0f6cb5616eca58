"""A sales channel's minimum remaining shelf life overrides the merchant's when lots are chosen for its orders."""

import datetime as dt

import pytest
from django.utils import timezone

from orders.models import Order
from orders.services.allocation import order_allocate
from tests.orders.factories import ChannelFactory, order_with_lines
from tests.warehouse.picking import build_pick_site, planned_and_claimed, product, put
from warehouse.models import PickLine
from warehouse.outbound.services.waves import WavePlanningError

pytestmark = pytest.mark.django_db


def in_days(n: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=n)


def released_on(channel, lines) -> Order:
    order = order_with_lines(channel=channel, lines=lines)
    order_allocate(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED, order.status
    return order


def lots_picked_for(order: Order) -> set[str]:
    return set(PickLine.objects.filter(slot__fulfillment_order__order=order).values_list("lot", flat=True))


@pytest.fixture
def ps():
    return build_pick_site(shelves=4, totes=4)


def test_a_lot_inside_the_channels_window_goes_to_another_channels_order_not_to_this_ones(ps):
    wholesale = ChannelFactory(merchant=ps.merchant, name="Wholesale", min_shelf_life_days=30)
    milk = product(ps)
    put(milk, ps.shelves[0], 3, lot="SHORT", expiry=in_days(10))
    put(milk, ps.shelves[1], 3, lot="LONG", expiry=in_days(90))
    bulk = released_on(wholesale, [(milk, 3)])
    shop = released_on(ps.channel, [(milk, 3)])  # the merchant's minimum (0 days) applies
    planned_and_claimed(ps)
    assert lots_picked_for(bulk) == {"LONG"}
    assert lots_picked_for(shop) == {"SHORT"}


def test_a_channel_with_no_lot_long_enough_gets_none_of_the_short_lot(ps):
    wholesale = ChannelFactory(merchant=ps.merchant, name="Wholesale", min_shelf_life_days=30)
    milk = product(ps)
    put(milk, ps.shelves[0], 5, lot="SHORT", expiry=in_days(10))
    bulk = released_on(wholesale, [(milk, 2)])
    with pytest.raises(WavePlanningError, match=bulk.order_number):
        planned_and_claimed(ps)
    assert lots_picked_for(bulk) == set()


def test_a_channel_may_ask_for_less_than_the_merchant(ps):
    ps.merchant.min_shelf_life_days = 30
    ps.merchant.save()
    outlet = ChannelFactory(merchant=ps.merchant, name="Outlet", min_shelf_life_days=0)
    milk = product(ps)
    put(milk, ps.shelves[0], 3, lot="SHORT", expiry=in_days(10))
    put(milk, ps.shelves[1], 3, lot="LONG", expiry=in_days(90))
    cheap = released_on(outlet, [(milk, 3)])
    shop = released_on(ps.channel, [(milk, 3)])
    planned_and_claimed(ps)
    assert lots_picked_for(cheap) == {"SHORT"}
    assert lots_picked_for(shop) == {"LONG"}
