"""A warehouse ready to pick: shelves with stock, totes at pack-out, released orders with reservations."""

from __future__ import annotations

from dataclasses import dataclass

from core import roles
from inventory.services.stock import stock_receive
from layout.models import Bin
from orders.models import Order
from orders.services.allocation import order_allocate
from tests.factories import BinFactory, ProductFactory, UserFactory
from tests.orders.factories import ChannelFactory, order_with_lines
from tests.warehouse.inbound import Site, build_site
from warehouse.models import PickSession, PickStrategy
from warehouse.outbound.services.picking import pick_claim_next
from warehouse.outbound.services.waves import wave_plan


@dataclass
class PickSite:
    site: Site
    totes: list[Bin]
    channel: object
    picker: object

    def __getattr__(self, name):
        return getattr(self.site, name)


def build_pick_site(*, shelves: int = 8, totes: int = 6) -> PickSite:
    site = build_site(shelves=shelves, capacity=None)
    tote_bins = [BinFactory(zone=site.pack.zone, code=f"T-{n:03d}", kind=Bin.Kind.TOTE, walk_x=0, walk_y=0, is_pickable=False)
                 for n in range(1, totes + 1)]
    return PickSite(site=site, totes=tote_bins, channel=ChannelFactory(merchant=site.merchant),
                    picker=UserFactory(role=roles.PICKER))


def product(ps: PickSite, sku: str | None = None, **kwargs):
    return ProductFactory(merchant=ps.merchant, **({"sku": sku} if sku else {}), **kwargs)


def put(product_, bin_, qty: int, **kwargs) -> None:
    stock_receive(product=product_, bin=bin_, qty=qty, actor=None, **kwargs)


def released(ps: PickSite, lines, **kwargs) -> Order:
    order = order_with_lines(channel=ps.channel, lines=lines, **kwargs)
    order_allocate(order_id=order.pk)
    order.refresh_from_db()
    assert order.status == Order.Status.RELEASED, order.status
    return order


def planned_and_claimed(ps: PickSite, *, strategy=PickStrategy.BATCH, picker=None) -> PickSession:
    wave_plan(warehouse=ps.warehouse, actor=ps.manager, strategy=strategy)
    return pick_claim_next(warehouse=ps.warehouse, actor=picker or ps.picker)
