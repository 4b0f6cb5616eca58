"""A bundle SKU ordered at any intake path (webhook, REST, CSV) is exploded into its component lines, kept as
sold for the storefront, and reserved all or nothing."""

import io
import json
from decimal import Decimal

import pytest

from inventory.models import Reservation, StockLevel
from inventory.services.kits import bundle_component_set
from inventory.services.stock import stock_receive
from orders.models import Order, OrderBundleLine
from orders.services.allocation import order_allocate
from orders.services.csv_intake import orders_import_csv
from orders.services.inbox import inbox_process
from orders.services.intake import order_upsert, storefront_lines
from orders.services.outbox import outbox_lines
from tests.factories import BinFactory, MerchantFactory, ProductFactory, merchant_user
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory
from tests.orders.storefront import payload, shopify_headers
from tests.orders.test_intake import normalized

pytestmark = pytest.mark.django_db


def bundle_shop(merchant, sku="ACME-0002"):
    """`sku` is a bundle of 1 MUG and 2 TEA."""
    mug, tea = ProductFactory(merchant=merchant, sku="MUG"), ProductFactory(merchant=merchant, sku="TEA")
    bundle = ProductFactory(merchant=merchant, sku=sku)
    bundle_component_set(bundle=bundle, component=mug, quantity=1, actor="test")
    bundle_component_set(bundle=bundle, component=tea, quantity=2, actor="test")
    return bundle, mug, tea


def exploded(order):
    return [(line.sku, line.quantity, line.bundle_line.sku if line.bundle_line else None)
            for line in order.lines.select_related("bundle_line").order_by("line_no")]


def test_a_webhook_order_for_a_bundle_is_exploded_into_its_components(client):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-123")
    ProductFactory(merchant=channel.merchant, sku="ACME-0001")
    bundle_shop(channel.merchant)
    body = json.dumps(payload("shopify_order")).encode()
    response = client.post(f"/webhooks/shopify/{channel.pk}/", data=body, content_type="application/json",
                           **shopify_headers("whsec-123", body, event_id="evt-1"))
    assert response.status_code == 200
    from orders.models import InboxDelivery

    assert inbox_process(delivery_id=InboxDelivery.objects.get().pk) == "created"
    order = Order.objects.get()
    assert exploded(order) == [("ACME-0001", 1, None), ("MUG", 3, "ACME-0002"), ("TEA", 6, "ACME-0002")]
    sold = OrderBundleLine.objects.get()
    assert (sold.sku, sold.quantity, sold.unit_price, sold.external_line_id) == ("ACME-0002", 3, Decimal("13.00"), "518995019")
    assert storefront_lines(order) == [("ACME-0001", 1), ("ACME-0002", 3)]
    assert order.status == "pending" and not order.holds.exists()
    # A storefront line ships once all its components do; the storefront hears its own line, not components.
    lines = list(order.lines.select_related("bundle_line"))
    assert outbox_lines((line, line.quantity) for line in lines) == [
        {"external_line_id": "466157049", "sku": "ACME-0001", "qty": 1},
        {"external_line_id": "518995019", "sku": "ACME-0002", "qty": 3},
    ]
    assert outbox_lines((line, line.quantity) for line in lines if line.sku != "TEA") == [
        {"external_line_id": "466157049", "sku": "ACME-0001", "qty": 1},
    ]


def test_a_rest_order_for_a_bundle_is_exploded(api_client, roles_ready):
    merchant = MerchantFactory()
    bundle_shop(merchant, sku="BOX")
    api_client.force_authenticate(merchant_user(merchant))
    made = api_client.post("/api/v1/orders/", {
        "order_number": "W-1", "customer_name": "Ana",
        "ship_to": {"name": "Ana", "line1": "5 Elm St", "city": "Newark", "region": "NJ", "postal_code": "07102",
                    "country": "US"},
        "lines": [{"sku": "BOX", "quantity": 2, "unit_price": "30.00"}],
    }, format="json")
    assert made.status_code == 201, made.json()
    assert exploded(Order.objects.get()) == [("MUG", 2, "BOX"), ("TEA", 4, "BOX")]


def test_a_csv_order_for_a_bundle_is_exploded():
    merchant = MerchantFactory()
    bundle_shop(merchant, sku="BOX")
    csv = ("order_number,ship_name,ship_line1,ship_city,ship_region,ship_postal_code,ship_country,sku,quantity\n"
           "PO-1,Shop A,1 Main,Newark,NJ,07102,US,BOX,1\n")
    orders_import_csv(merchant=merchant, source=io.BytesIO(csv.encode()), actor="ops")
    assert exploded(Order.objects.get()) == [("MUG", 1, "BOX"), ("TEA", 2, "BOX")]


def test_a_bundle_line_is_reserved_all_or_nothing_and_an_unchanged_update_keeps_it():
    channel = ChannelFactory(kind="shopify")
    bundle, mug, tea = bundle_shop(channel.merchant, sku="TENT")
    bin_ = BinFactory()
    stock_receive(product=mug, bin=bin_, qty=5, actor=None)
    stock_receive(product=tea, bin=bin_, qty=3, actor=None)  # 2 bundles need 4
    order = order_upsert(channel=channel, normalized=normalized(lines=(("TENT", 2),)), source="webhook").order
    order = order_allocate(order_id=order.pk)
    assert order.status == "backordered"
    assert not Reservation.objects.exists()
    assert set(StockLevel.objects.values_list("allocated", flat=True)) == {0}
    stock_receive(product=tea, bin=bin_, qty=1, actor=None)
    order = order_allocate(order_id=order.pk)
    assert order.status in ("allocated", "released")
    assert sorted(Reservation.objects.values_list("product__sku", "qty")) == [("MUG", 2), ("TEA", 4)]
    again = order_upsert(channel=channel, normalized=normalized(lines=(("TENT", 2),), email="new@x.com",
                                                                at=normalized().channel_updated_at.replace(hour=13)),
                         source="webhook")
    assert again.outcome == "updated" and Reservation.objects.filter(qty__gt=0).count() == 2
    assert_stock_invariants()


def test_a_zero_quantity_bundle_line_is_held():
    channel = ChannelFactory(kind="shopify")
    bundle_shop(channel.merchant, sku="TENT")
    order = order_upsert(channel=channel, normalized=normalized(lines=(("TENT", 0),)), source="webhook").order
    assert order.status == "on_hold" and order.holds.filter(kind="invalid_quantity").exists()


def test_the_packing_slip_shows_the_bundle_as_sold_with_its_components_under_it(tmp_path):
    from tests.warehouse.test_packing_slips import pdf_text
    from warehouse.outbound.services.packing_slips import packing_slip_pdf

    channel = ChannelFactory(kind="shopify")
    bundle, mug, tea = bundle_shop(channel.merchant, sku="TENT")
    bin_ = BinFactory()
    stock_receive(product=mug, bin=bin_, qty=5, actor=None)
    stock_receive(product=tea, bin=bin_, qty=5, actor=None)
    order = order_upsert(channel=channel, normalized=normalized(lines=(("TENT", 2),)), source="webhook").order
    order = order_allocate(order_id=order.pk)
    text = pdf_text(packing_slip_pdf(order.fulfillment_orders.get()), tmp_path)
    rows = [row.split() for row in text.splitlines() if row.strip()]
    assert ["TENT", "TENT", "(bundle)", "2"] in [row[:4] for row in rows]
    assert any(row[0] == "MUG" and row[-1] == "2" for row in rows) and any(row[0] == "TEA" and row[-1] == "4" for row in rows)


def test_an_edit_cannot_add_a_bundle_sku_or_change_one_component(roles_ready):
    from core import roles
    from orders.services.edits import EditRefused, LineChange, order_edit_lines
    from tests.factories import UserFactory

    agent = UserFactory(role=roles.CUSTOMER_SERVICE)

    channel = ChannelFactory(kind="shopify")
    bundle_shop(channel.merchant, sku="TENT")
    ProductFactory(merchant=channel.merchant, sku="PLAIN")
    order = order_upsert(channel=channel, normalized=normalized(lines=(("PLAIN", 1),)), source="webhook").order
    with pytest.raises(EditRefused, match="bundle"):
        order_edit_lines(order=order, changes=[LineChange(sku="TENT", qty=1)], actor=agent, reason="x")
    bundled = order_upsert(channel=channel, normalized=normalized(lines=(("TENT", 1),), external_id="b-2"),
                           source="webhook").order
    with pytest.raises(EditRefused, match="part of a bundle"):
        order_edit_lines(order=bundled, changes=[LineChange(sku="MUG", qty=5)], actor=agent, reason="x")


def test_a_bundle_shipped_in_separate_parcels_is_reported_once_with_its_last_component():
    """The storefront sold one line (2 x BOX = 2 MUG + 4 TEA); the mugs leave from one building, the tea from
    another. The first parcel reports no line of the bundle; the parcel with the last component reports both boxes;
    a component line of its own is reported as it ships."""
    from orders.models import FulfillmentLine, FulfillmentOrder, OutboxMessage
    from orders.services.shipment_events import order_mark_shipped
    from tests.factories import WarehouseFactory

    channel = ChannelFactory(kind="shopify", api_base_url="http://127.0.0.1:9")  # a storefront to tell (never called)
    ProductFactory(merchant=channel.merchant, sku="ACME-0001")
    bundle_shop(channel.merchant, sku="BOX")
    order = order_upsert(channel=channel, normalized=normalized(lines=(("BOX", 2), ("ACME-0001", 1))),
                         source="webhook").order
    lines = {line.sku: line for line in order.lines.all()}
    east, west = WarehouseFactory(code="EAST"), WarehouseFactory(code="WEST")
    parcels = []
    for warehouse, skus in ((east, ("MUG", "ACME-0001")), (west, ("TEA",))):
        fo = FulfillmentOrder.objects.create(order=order, warehouse=warehouse, status=FulfillmentOrder.Status.PACKED)
        for sku in skus:
            FulfillmentLine.objects.create(fulfillment_order=fo, order_line=lines[sku], qty=lines[sku].quantity)
        parcels.append(fo)
    Order.objects.filter(pk=order.pk).update(status=Order.Status.IN_PROGRESS)

    order_mark_shipped(order=order, fulfillment_order=parcels[0], carrier="ups", service="ground",
                       tracking_number="1ZEAST", actor="test")
    first = OutboxMessage.objects.filter(order=order, kind="shipped").latest("sequence")
    assert [(row["sku"], row["qty"]) for row in first.payload["lines"]] == [("ACME-0001", 1)]
    order.refresh_from_db()
    assert order.status == Order.Status.PARTIALLY_SHIPPED

    order_mark_shipped(order=order, fulfillment_order=parcels[1], carrier="ups", service="ground",
                       tracking_number="1ZWEST", actor="test")
    last = OutboxMessage.objects.filter(order=order, kind="shipped").latest("sequence")
    assert [(row["sku"], row["qty"]) for row in last.payload["lines"]] == [("BOX", 2)]
    sold = OrderBundleLine.objects.get(order=order)
    assert last.payload["lines"][0]["external_line_id"] == sold.external_line_id
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
