import pytest

from layout.models import Bin
from layout.selectors import pack_out_point
from tests.factories import BinFactory, WarehouseFactory, ZoneFactory


@pytest.mark.django_db
def test_pack_out_point_is_the_centre_of_the_pack_stations():
    zone = ZoneFactory(kind="packing")
    BinFactory(zone=zone, kind=Bin.Kind.PACK_STATION, walk_x=10, walk_y=40)
    BinFactory(zone=zone, kind=Bin.Kind.PACK_STATION, walk_x=30, walk_y=60)
    BinFactory(zone=zone, kind=Bin.Kind.SHELF, walk_x=500, walk_y=500)
    other = ZoneFactory(kind="packing")
    BinFactory(zone=other, kind=Bin.Kind.PACK_STATION, walk_x=900, walk_y=900)

    assert pack_out_point(zone.warehouse_id) == (20.0, 50.0)


@pytest.mark.django_db
def test_a_warehouse_without_pack_stations_starts_at_the_origin():
    warehouse = WarehouseFactory()
    BinFactory(zone=ZoneFactory(warehouse=warehouse), walk_x=70, walk_y=80)

    assert pack_out_point(warehouse.id) == (0.0, 0.0)


def test_storage_kinds_are_shelves_and_pallets_never_mobile_bins():
    assert set(Bin.STORAGE_KINDS) == {Bin.Kind.SHELF, Bin.Kind.PALLET}
    assert not set(Bin.STORAGE_KINDS) & set(Bin.MOBILE_KINDS)
