"""Two buildings of one merchant for transfer tests: a source with stock on a shelf, a destination dock."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Sum

from inventory.models import InTransitStock
from inventory.services.stock import stock_receive
from layout.models import Bin, Warehouse
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import Site, build_site
from warehouse.models import TransferLine
from warehouse.services.transfers import TransferLineInput, transfer_create


@dataclass
class Pair:
    source: Site
    dest: Site
    merchant: object
    manager: object

    @property
    def a(self) -> Warehouse:
        return self.source.warehouse

    @property
    def b(self) -> Warehouse:
        return self.dest.warehouse

    @property
    def shelf(self) -> Bin:
        return self.source.shelves[0]


def build_pair() -> Pair:
    source, dest = build_site(shelves=2), build_site(shelves=2)
    dest.merchant = source.merchant
    return Pair(source=source, dest=dest, merchant=source.merchant, manager=source.manager)


def addressed_pair() -> Pair:
    """Two buildings with street addresses a carrier can label between (Newark-ish to Chicago)."""
    pair = build_pair()
    Warehouse.objects.filter(pk=pair.a.pk).update(address_line1="100 Port St")
    Warehouse.objects.filter(pk=pair.b.pk).update(address_line1="1 Lake St", city="Chicago", region="IL",
                                                  postal_code="60601")
    pair.a.refresh_from_db()
    pair.b.refresh_from_db()
    return pair


def stocked(pair: Pair, product, qty: int) -> None:
    stock_receive(product=product, bin=pair.shelf, qty=qty, actor="test")


def draft(pair: Pair, lines, **kwargs):
    return transfer_create(
        merchant=pair.merchant, from_warehouse=pair.a, to_warehouse=pair.b, actor=pair.manager,
        lines=[TransferLineInput(product=p, qty=q) for p, q in lines], **kwargs,
    )


def assert_transfer_invariants() -> None:
    """The ledger invariants of each building, plus: what is in transit per route is what transfer lines
    shipped and neither received nor wrote off."""
    assert_stock_invariants()
    transit = {
        (row.product_id, row.from_warehouse_id, row.to_warehouse_id): row.qty for row in InTransitStock.objects.all()
    }
    expected: dict = {}
    for row in TransferLine.objects.values(
        "product_id", "transfer__from_warehouse_id", "transfer__to_warehouse_id"
    ).annotate(shipped=Sum("shipped_qty"), received=Sum("received_qty"), lost=Sum("lost_qty")):
        key = (row["product_id"], row["transfer__from_warehouse_id"], row["transfer__to_warehouse_id"])
        expected[key] = row["shipped"] - row["received"] - row["lost"]
    for key in set(transit) | set(expected):
        assert transit.get(key, 0) == expected.get(key, 0), f"in transit {key}: {transit.get(key)} != {expected.get(key)}"
        assert transit.get(key, 0) >= 0
