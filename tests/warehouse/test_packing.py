"""Pack verification: every wrong scan blocks; a correct pack labels, and the manifest ships it."""

import pytest

from core import roles
from inventory.models import BinStock, Movement, Reservation, StockLevel
from layout.models import Bin
from orders.models import FulfillmentOrder, Order, OutboxMessage
from shipping import tracking_numbers
from shipping.models import Shipment
from shipping.services.shipments import manifest_close, shipment_void
from tests.factories import BinFactory, UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.warehouse.inbound import gtin_of
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product
from warehouse.models import Pack
from warehouse.outbound.services.packing import PackRefused, pack_scan, pack_start

pytestmark = pytest.mark.django_db


@pytest.fixture
def ps():
    site = build_pick_site()
    carton_types()
    return site


@pytest.fixture
def packer():
    return UserFactory(role=roles.PACKER)


def station(ps):
    return BinFactory(zone=ps.pack.zone, code="PACK-9", kind=Bin.Kind.PACK_STATION)


def test_every_wrong_scan_blocks_and_changes_nothing(ps, packer):
    shirt, mug = product(ps), product(ps)
    stranger = product(ps)
    order, tote = picked(ps, [(shirt, 2), (mug, 1)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=station(ps), raw=f"TOTE:{tote.code}", actor=packer)
    assert pack.fulfillment_order.order == order and pack.cartons.get().carton_type.code == "M"

    with pytest.raises(PackRefused, match="wrong item"):
        pack_scan(pack=pack, raw=gtin_of(stranger), actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    pack_scan(pack=pack, raw=gtin_of(shirt), actor=packer)
    with pytest.raises(PackRefused, match="extra unit"):
        pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    with pytest.raises(PackRefused, match=f"missing: 1 x {mug.sku}"):
        pack_scan(pack=pack, raw="CMD:DONE", actor=packer)
    with pytest.raises(PackRefused, match="being packed by"):
        pack_scan(pack=pack, raw=mug.sku, actor=UserFactory(role=roles.PACKER))
    with pytest.raises(PackRefused, match="no carton type"):
        pack_scan(pack=pack, raw="BOX:XXL", actor=packer)
    assert not Shipment.objects.exists() and not Movement.objects.filter(reference=f"pack:{pack.pk}").exists()
    assert BinStock.objects.get(bin=tote, product=shirt).qty == 2


def test_a_correct_multi_carton_pack_labels_each_carton_and_the_manifest_ships_the_order(ps, packer):
    shirt, mug = product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 2), (mug, 3)])
    pack_bin = station(ps)
    pack = pack_start(warehouse=ps.warehouse, pack_bin=pack_bin, raw=order.order_number, actor=packer)
    pack_scan(pack=pack, raw="x2", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    pack_scan(pack=pack, raw="W:1450", actor=packer)
    pack_scan(pack=pack, raw="CMD:NEWBOX", actor=packer)
    pack_scan(pack=pack, raw="BOX:L", actor=packer)
    pack_scan(pack=pack, raw="x3", actor=packer)
    pack_scan(pack=pack, raw=gtin_of(mug), actor=packer)
    reply = pack_scan(pack=pack, raw="CMD:DONE", actor=packer)

    assert reply.ok, reply.message
    shipments = list(Shipment.objects.order_by("carton__number"))
    assert len(shipments) == 2 and shipments[0].weight_g == 1450 and shipments[1].weight_g == 3 * 500 + 400
    for shipment in shipments:
        assert tracking_numbers.is_valid(shipment.carrier, shipment.tracking_number)
        assert shipment.label_pdf[:4] == b"%PDF" and "^BC" in shipment.label_zpl and shipment.rate_reason
    assert not BinStock.objects.filter(bin=tote, qty__gt=0).exists()  # the tote is free again
    assert BinStock.objects.get(bin=pack_bin, product=mug).qty == 3
    fulfillment = FulfillmentOrder.objects.get(order=order)
    assert fulfillment.status == FulfillmentOrder.Status.PACKED
    assert Pack.objects.get().status == Pack.Status.LABELLED
    assert_stock_invariants()

    for carrier in {s.carrier for s in shipments}:
        manifest_close(warehouse=ps.warehouse, carrier=carrier, actor=ps.manager)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert not BinStock.objects.filter(bin=pack_bin, qty__gt=0).exists()
    for line in order.lines.all():
        reservation = Reservation.objects.get(order_line_id=line.pk)
        assert (reservation.qty, reservation.picked_qty, reservation.shipped_qty) == (0, 0, line.quantity)
    level = StockLevel.objects.get(product=mug, warehouse=ps.warehouse)
    assert (level.allocated, level.on_hand) == (0, 0)
    assert Movement.objects.filter(kind="ship", product=mug).count() == 1
    assert set(Shipment.objects.values_list("status", flat=True)) == {"shipped"}
    fulfillment = order.fulfillment_orders.get()
    assert fulfillment.tracking_number == shipments[0].tracking_number
    assert fulfillment.tracking_url == shipments[0].tracking_url and shipments[0].tracking_number in fulfillment.tracking_url
    assert_stock_invariants()


def test_a_bad_address_holds_the_order_for_customer_service_instead_of_buying_a_label(ps, packer):
    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 1)])
    Order.objects.filter(pk=order.pk).update(ship_postal_code="9999")
    pack = pack_start(warehouse=ps.warehouse, pack_bin=station(ps), raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    reply = pack_scan(pack=pack, raw="CMD:DONE", actor=packer)
    assert not reply.ok and "on hold for customer service" in reply.message
    order.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD and order.holds.get(released_at__isnull=True).kind == "address_invalid"
    assert not Shipment.objects.exists()
    from orders.services.edits import order_edit_address

    order_edit_address(order=order, address={"postal_code": "07102"}, actor=UserFactory(role=roles.CUSTOMER_SERVICE),
                       reason="customer gave the right ZIP")
    order.refresh_from_db()
    assert order.status == Order.Status.IN_PROGRESS
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok


def test_voiding_a_label_before_the_manifest_returns_the_order_to_pack(ps, packer):
    from warehouse.outbound.services.packing import pack_void

    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 1)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=station(ps), raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    pack_scan(pack=pack, raw="CMD:DONE", actor=packer)
    shipment = Shipment.objects.get()
    pack_void(shipment=shipment, actor=ps.manager, reason="relabel")
    shipment.refresh_from_db()
    assert shipment.status == Shipment.Status.VOIDED
    assert FulfillmentOrder.objects.get(order=order).status == FulfillmentOrder.Status.PICKING
    again = pack_start(warehouse=ps.warehouse, pack_bin=pack.pack_bin, raw=order.order_number, actor=packer)
    pack_scan(pack=again, raw=shirt.sku, actor=packer)
    assert pack_scan(pack=again, raw="CMD:DONE", actor=packer).ok
    assert Shipment.objects.filter(status="labelled").count() == 1
    with pytest.raises(Exception, match=r"no .* labels waiting"):
        manifest_close(warehouse=ps.warehouse, carrier="DHL", actor=ps.manager)
    carrier = Shipment.objects.get(status="labelled").carrier
    manifest_close(warehouse=ps.warehouse, carrier=carrier, actor=ps.manager)
    with pytest.raises(Exception, match="only a label not yet collected"):
        shipment_void(shipment=Shipment.objects.get(status="shipped"), actor=ps.manager, reason="relabel")
    assert OutboxMessage.objects.filter(order=order).count() == 0  # API orders have no storefront to tell
    assert_stock_invariants()


def test_the_storefront_is_told_every_carton_tracking_number_when_the_manifest_closes(ps, packer):
    ps.channel.kind, ps.channel.api_base_url = "shopify", "http://127.0.0.1:9"
    ps.channel.save()
    shirt, mug = product(ps), product(ps)
    order, tote = picked(ps, [(shirt, 1), (mug, 1)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=station(ps), raw=f"TOTE:{tote.code}", actor=packer)
    for raw in (shirt.sku, "CMD:NEWBOX", mug.sku):
        pack_scan(pack=pack, raw=raw, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    numbers = list(Shipment.objects.order_by("id").values_list("tracking_number", flat=True))
    for carrier in set(Shipment.objects.values_list("carrier", flat=True)):
        manifest_close(warehouse=ps.warehouse, carrier=carrier, actor=ps.manager)
    message = OutboxMessage.objects.get(order=order, kind="shipped")
    assert message.payload["tracking_number"] == numbers[0]
    assert sorted(message.payload["package_tracking_numbers"]) == sorted(numbers)
    assert {line["qty"] for line in message.payload["lines"]} == {1}


def test_a_shipped_pack_still_shows_what_it_held(ps, packer):
    from warehouse.outbound.selectors import pack_lines

    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 2)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=station(ps), raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw="x2", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    assert pack_scan(pack=pack, raw="CMD:DONE", actor=packer).ok
    manifest_close(warehouse=ps.warehouse, carrier=Shipment.objects.get().carrier, actor=ps.manager)
    pack.refresh_from_db()
    [line] = pack_lines(pack)
    assert (line.expected, line.packed, line.missing) == (2, 2, 0)


def test_a_label_comes_only_as_pdf_or_zpl(ps, packer, client):
    from django.urls import reverse

    shirt = product(ps)
    order, tote = picked(ps, [(shirt, 1)])
    pack = pack_start(warehouse=ps.warehouse, pack_bin=station(ps), raw=f"TOTE:{tote.code}", actor=packer)
    pack_scan(pack=pack, raw=shirt.sku, actor=packer)
    pack_scan(pack=pack, raw="CMD:DONE", actor=packer)
    shipment = Shipment.objects.get()
    client.force_login(packer)
    assert client.get(reverse("warehouse:shipment_label", args=[shipment.pk, "zpl"])).content.decode().startswith("^XA")
    assert client.get(reverse("warehouse:shipment_label", args=[shipment.pk, "exe"])).status_code == 404
