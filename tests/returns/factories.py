"""A shipped order to return, in a small warehouse with pickable shelves."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from core import roles
from inventory.models import Product
from layout.models import Bin, Warehouse, Zone
from orders.models import FulfillmentLine, FulfillmentOrder, Order
from returns.models import ReturnAuthorization
from returns.services.rmas import RequestedLine, rma_create
from returns.services.setup import returns_defaults_ensure
from tests.factories import (
    BinFactory,
    MerchantFactory,
    ProductFactory,
    UserFactory,
    WarehouseFactory,
    ZoneFactory,
)
from tests.orders.factories import ChannelFactory, order_with_lines


@dataclass
class ReturnSite:
    warehouse: Warehouse
    shelves: list[Bin]
    merchant: object
    processor: object
    manager: object
    agent: object
    products: list[Product] = field(default_factory=list)


def build_return_site(*, products: int = 2) -> ReturnSite:
    returns_defaults_ensure()  # transactional tests flush what the migration made
    warehouse = WarehouseFactory(address_line1="100 Dock Rd")
    storage = ZoneFactory(warehouse=warehouse, code="STOR", kind=Zone.Kind.STORAGE)
    shelves = [BinFactory(zone=storage, code=f"A-01-{n:02d}-A", walk_x=10 * n, pick_sequence=n) for n in range(1, 4)]
    merchant = MerchantFactory()
    return ReturnSite(
        warehouse=warehouse, shelves=shelves, merchant=merchant,
        processor=UserFactory(role=roles.RETURNS_PROCESSOR), manager=UserFactory(role=roles.WAREHOUSE_MANAGER),
        agent=UserFactory(role=roles.CUSTOMER_SERVICE),
        products=[ProductFactory(merchant=merchant, unit_cost=Decimal("4.50") + n) for n in range(products)],
    )


def shipped_order(site: ReturnSite, lines, *, channel=None, unit_price: Decimal = Decimal("20.00")) -> Order:
    """lines: [(product, qty)]: every unit shipped from the site's warehouse."""
    order = order_with_lines(channel=channel or ChannelFactory(merchant=site.merchant), lines=lines)
    order.lines.update(unit_price=unit_price)
    fo = FulfillmentOrder.objects.create(order=order, warehouse=site.warehouse, status=FulfillmentOrder.Status.SHIPPED)
    for line in order.lines.all():
        FulfillmentLine.objects.create(fulfillment_order=fo, order_line=line, qty=line.quantity, shipped_qty=line.quantity)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)
    order.refresh_from_db()
    return order


def open_rma(site: ReturnSite, order: Order, quantities, *, resolution: str = "refund", reason: str = "wrong_size",
             exchange_sku: str = "") -> ReturnAuthorization:
    """quantities: [(product, qty)]."""
    by_product = {line.product_id: line for line in order.lines.all()}
    return rma_create(order=order, resolution=resolution, actor=site.agent, source="customer service", authorize=True,
                      lines=[RequestedLine(order_line_id=by_product[p.pk].pk, qty=q, reason=reason, exchange_sku=exchange_sku)
                             for p, q in quantities])


def gtin_of(product) -> str:
    return product.barcodes.get().gtin
