"""A warehouse with two pick zones and an order that needs both: a zone wave gives it one tote per zone."""

from __future__ import annotations

from dataclasses import dataclass

from core import roles
from layout.models import Bin, Zone
from orders.models import Order
from tests.factories import BinFactory, UserFactory, ZoneFactory
from tests.warehouse.packing import carton_types
from tests.warehouse.picking import PickSite, build_pick_site, product, put, released
from warehouse.models import PickSession, PickStrategy, Wave
from warehouse.outbound.selectors import current_line
from warehouse.outbound.services.picking import pick_claim_next, pick_scan
from warehouse.outbound.services.waves import wave_plan


@dataclass
class TwoZones:
    ps: PickSite
    far: list[Bin]
    pickers: list
    packer: object
    station: Bin

    def __getattr__(self, name):
        return getattr(self.ps, name)


def two_zone_site(*, totes: int = 6) -> TwoZones:
    ps = build_pick_site(shelves=4, totes=totes)
    ps.warehouse.address_line1 = "100 Port St"
    ps.warehouse.save()
    carton_types()
    zone = ZoneFactory(warehouse=ps.warehouse, code="MEZZ", kind=Zone.Kind.STORAGE)
    far = [BinFactory(zone=zone, code=f"M-01-{n:02d}-A", walk_x=200 + 10 * n, walk_y=40, pick_sequence=100 + n)
           for n in range(1, 5)]
    station = BinFactory(zone=ps.pack.zone, code="PACK-2", kind=Bin.Kind.PACK_STATION, walk_x=0, walk_y=5)
    return TwoZones(ps=ps, far=far, pickers=[ps.picker, UserFactory(role=roles.PICKER)],
                    packer=UserFactory(role=roles.PACKER), station=station)


def zone_order(site: TwoZones, *, near_qty: int = 2, far_qty: int = 1):
    """An order for one product on a shelf of each zone, planned into a zone wave: (order, shirt, lamp, wave)."""
    shirt, lamp = product(site.ps, name="Shirt"), product(site.ps, name="Lamp")
    put(shirt, site.shelves[0], near_qty + 3)
    put(lamp, site.far[0], far_qty + 3)
    order = released(site.ps, [(shirt, near_qty), (lamp, far_qty)])
    wave = wave_plan(warehouse=site.warehouse, actor=site.manager, strategy=PickStrategy.ZONE)
    return order, shirt, lamp, wave


def pick_all(session: PickSession, picker) -> None:
    while (line := current_line(session)) is not None:
        pick_scan(session=session, raw=f"BIN:{line.bin.code}", actor=picker)
        pick_scan(session=session, raw=f"x{line.remaining}", actor=picker)
        pick_scan(session=session, raw=line.product.sku, actor=picker)


def claim(site: TwoZones, picker) -> PickSession:
    session = pick_claim_next(warehouse=site.warehouse, actor=picker)
    assert session is not None
    return session


def tote_of(session: PickSession) -> Bin:
    return session.slots.get().tote


def sessions_of(wave: Wave) -> list[PickSession]:
    return list(wave.sessions.order_by("zone__code"))


__all__ = ["Order", "TwoZones", "claim", "pick_all", "sessions_of", "tote_of", "two_zone_site", "zone_order"]
