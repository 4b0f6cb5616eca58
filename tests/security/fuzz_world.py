"""Data for the generated API reads: the two-merchant world (stock, a shipped order with tracking, a PO with a
receipt, an RMA) plus what makes reads answer richer bodies for merchant A: stock in lots with expiry, an open
order allocated (a reservation and a fulfillment order), a bundle with components, a kit work order, a transfer to
a second warehouse released (reserved) and a pick face."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from inventory.services.kits import KitComponent, bundle_component_set, kit_work_order_create
from inventory.services.stock import stock_receive
from layout.models import Zone
from orders.models import Order
from orders.services.allocation import order_allocate
from tests.factories import BinFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.orders.factories import ChannelFactory, order_with_lines
from tests.portal.world import World, build_world
from warehouse.services.transfers import TransferLineInput, transfer_create, transfer_release


def seed_stocked_world() -> World:
    world = build_world()
    site, a = world.site, world.a
    shelf = site.shelves[1]
    today = timezone.localdate()
    stock_receive(product=a.product, bin=shelf, qty=6, actor=None, lot="LOT-A1", expiry=today + dt.timedelta(days=200),
                  reference="po:lots")
    stock_receive(product=a.product, bin=site.shelves[2], qty=4, actor=None, lot="LOT-A2",
                  expiry=today + dt.timedelta(days=400), reference="po:lots")
    order = order_with_lines(channel=ChannelFactory(merchant=a.merchant, name="acme wholesale"),
                             lines=[(a.product, 3)], status=Order.Status.PENDING)
    order_allocate(order_id=order.pk)
    strap = ProductFactory(merchant=a.merchant, sku="ACME-STRAP", name="Acme strap")
    stock_receive(product=strap, bin=shelf, qty=8, actor=None, reference="po:straps")
    box = ProductFactory(merchant=a.merchant, sku="ACME-BOX", name="Acme box set")
    bundle_component_set(bundle=box, component=strap, quantity=2, actor=site.manager)
    kit = ProductFactory(merchant=a.merchant, sku="ACME-KIT", name="Acme kit")
    kit_work_order_create(kit=kit, warehouse=site.warehouse, qty=1, components=[KitComponent(strap, 2)],
                          actor=site.manager, note="fuzz")
    far = WarehouseFactory(code="FAR", address_line1="9 Far Rd")
    far_storage = ZoneFactory(warehouse=far, code="STOR", kind=Zone.Kind.STORAGE)
    BinFactory(zone=far_storage, code="F-01-01-A")
    transfer = transfer_create(merchant=a.merchant, from_warehouse=site.warehouse, to_warehouse=far, actor=site.manager,
                               lines=[TransferLineInput(product=strap, qty=2)])
    transfer_release(transfer=transfer, actor=site.manager)
    return world
