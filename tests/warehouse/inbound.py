"""A small warehouse for inbound tests: a dock, storage shelves along one aisle, quarantine, pack-out."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from biip.checksums import gs1_standard_check_digit

from core import roles
from layout.models import Bin, Warehouse, Zone
from tests.factories import BinFactory, MerchantFactory, ProductFactory, UserFactory, WarehouseFactory, ZoneFactory
from warehouse.inbound.services.purchase_orders import ExpectedLine, purchase_order_create
from warehouse.models import PurchaseOrder


@dataclass
class Site:
    warehouse: Warehouse
    dock: Bin
    shelves: list[Bin]
    quarantine: Bin
    pack: Bin
    merchant: object
    receiver: object
    manager: object


def build_site(*, shelves: int = 6, capacity: int | None = 100) -> Site:
    warehouse = WarehouseFactory()
    dock_zone = ZoneFactory(warehouse=warehouse, code="DOCK", kind=Zone.Kind.RECEIVING)
    storage = ZoneFactory(warehouse=warehouse, code="STOR", kind=Zone.Kind.STORAGE)
    quarantine = ZoneFactory(warehouse=warehouse, code="QUAR", kind=Zone.Kind.QUARANTINE)
    packing = ZoneFactory(warehouse=warehouse, code="PACK", kind=Zone.Kind.PACKING)
    dock = BinFactory(zone=dock_zone, code="DOCK-1", kind=Bin.Kind.DOCK, walk_x=0, walk_y=0)
    pack = BinFactory(zone=packing, code="PACK-1", kind=Bin.Kind.PACK_STATION, walk_x=0, walk_y=0)
    bins = [
        BinFactory(zone=storage, code=f"A-01-{n:02d}-A", walk_x=10 * n, walk_y=0, pick_sequence=n, capacity=capacity)
        for n in range(1, shelves + 1)
    ]
    quar = BinFactory(zone=quarantine, code="QUAR-1", walk_x=500, walk_y=0)
    return Site(
        warehouse=warehouse, dock=dock, shelves=bins, quarantine=quar, pack=pack, merchant=MerchantFactory(),
        receiver=UserFactory(role=roles.RECEIVER), manager=UserFactory(role=roles.WAREHOUSE_MANAGER),
    )


def make_po(site: Site, lines, **kwargs) -> PurchaseOrder:
    """lines: [(product, qty), ...]"""
    kwargs.setdefault("number", f"PO-{uuid.uuid4().hex[:6]}")
    return purchase_order_create(
        merchant=site.merchant, warehouse=site.warehouse, actor=site.manager,
        lines=[ExpectedLine(sku=p.sku, qty=q) for p, q in lines], **kwargs,
    )


def gtin_of(product) -> str:
    return product.barcodes.get().gtin


def sscc(serial: int, company: str = "0614141") -> str:
    body = f"0{company}{serial:09d}"[:17]
    return body + str(gs1_standard_check_digit(body))


GS = "\x1d"


def gs1(gtin14: str, *, expiry: str | None = None, lot: str | None = None, count: int | None = None) -> str:
    """A GS1-128 element string as a scanner sends it: symbology id, fixed fields first, GS after variable ones."""
    text = f"]C101{gtin14}"
    if expiry:
        text += f"17{expiry}"
    if lot:
        text += f"10{lot}" + (GS if count else "")
    if count:
        text += f"37{count}"
    return text


def new_product(site: Site, **kwargs):
    return ProductFactory(merchant=site.merchant, **kwargs)


def scan_id() -> str:
    return str(uuid.uuid4())
