"""Staff limited to some merchants and warehouses (StaffScope): every list, page, API and download honours it
through the same queryset helpers; an empty scope (or none) is unrestricted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import roles
from inventory.models import StaffScope
from tests.factories import UserFactory, WarehouseFactory
from tests.portal.world import World, build_world
from warehouse.inbound.services.purchase_orders import ExpectedLine, purchase_order_create
from warehouse.models import PurchaseOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(roles_ready) -> World:
    return build_world()


def staff(*, merchants=(), warehouses=()):
    user = UserFactory(role=roles.WAREHOUSE_MANAGER)
    if merchants or warehouses:
        scope = StaffScope.objects.create(user=user)
        scope.merchants.set(merchants)
        scope.warehouses.set(warehouses)
    return user


def listed(client, url: str, key: str) -> list:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return sorted(row[key] for row in response.json()["results"])


def test_staff_without_a_scope_or_with_an_empty_one_see_every_merchant(client, world):
    for user in (staff(), StaffScope.objects.create(user=UserFactory(role=roles.WAREHOUSE_MANAGER)).user):
        client.force_login(user)
        assert listed(client, "/api/v1/orders/", "order_number") == ["#acme-1001", "#bloom-1001"]
        assert listed(client, "/api/v1/purchase-orders/", "number") == ["PO-ACME", "PO-BLOOM"]
        assert listed(client, "/api/v1/returns/rmas/", "number") == sorted([world.a.rma.number, world.b.rma.number])
        assert listed(client, "/api/v1/products/", "sku") == ["ACME-SKU", "BLOOM-SKU"]


def test_staff_limited_to_a_merchant_see_and_reach_only_that_merchant(client, world):
    client.force_login(staff(merchants=[world.a.merchant]))
    assert listed(client, "/api/v1/orders/", "order_number") == ["#acme-1001"]
    assert listed(client, "/api/v1/purchase-orders/", "number") == ["PO-ACME"]
    assert listed(client, "/api/v1/returns/rmas/", "number") == [world.a.rma.number]
    assert listed(client, "/api/v1/products/", "sku") == ["ACME-SKU"]
    assert listed(client, "/api/v1/stock/", "sku") == ["ACME-SKU"]
    b = world.b
    for url in (f"/api/v1/orders/{b.order.pk}/", f"/api/v1/purchase-orders/{b.po.pk}/", f"/api/v1/returns/rmas/{b.rma.pk}/",
                f"/api/v1/products/{b.product.pk}/", reverse("orders:order_detail", args=[b.order.pk]),
                reverse("warehouse:po_detail", args=[b.po.pk]), reverse("returns:rma_detail", args=[b.rma.pk]),
                reverse("returns:rma_document", args=[b.rma.pk, "label"]),
                reverse("warehouse:packing_slip", args=[b.fulfillment.pk]), f"/api/v1/fulfillment-orders/{b.fulfillment.pk}/packing-slip.pdf"):
        assert client.get(url).status_code == 404, url
    assert client.get(reverse("warehouse:packing_slip", args=[world.a.fulfillment.pk])).status_code == 200
    # acting for a merchant outside the scope is refused like an unknown merchant, and creates nothing
    response = client.post("/api/v1/products/", {"merchant": b.merchant.code, "sku": "NEW", "name": "x"},
                           content_type="application/json")
    assert response.status_code == 400 and "unknown merchant" in response.content.decode()
    page = client.post(reverse("warehouse:po_create"), {"merchant": b.merchant.pk, "warehouse": world.site.warehouse.pk,
                                                        "number": "PO-SNEAK", "lines": f"{b.product.sku}, 1"})
    assert page.status_code in (200, 404) and "choose a merchant from the list" in page.content.decode()
    assert not PurchaseOrder.objects.filter(number="PO-SNEAK").exists()
    assert b.merchant.code not in client.get(reverse("orders:order_upload")).content.decode()


def test_staff_limited_to_a_warehouse_see_only_its_work(client, world):
    other = WarehouseFactory(code="FAR")
    purchase_order_create(merchant=world.a.merchant, warehouse=other, number="PO-FAR",
                          lines=[ExpectedLine(sku=world.a.product.sku, qty=1)])
    client.force_login(staff(warehouses=[other]))
    assert listed(client, "/api/v1/purchase-orders/", "number") == ["PO-FAR"]
    assert listed(client, "/api/v1/orders/", "order_number") == []  # both ship from the first warehouse
    assert listed(client, "/api/v1/returns/rmas/", "number") == []
    assert listed(client, "/api/v1/stock/", "sku") == []
    assert listed(client, "/api/v1/warehouses/", "code") == ["FAR"]
    near = world.site.warehouse
    assert client.get(f"/api/v1/warehouses/{near.code}/").status_code == 404
    assert client.get(f"/api/v1/warehouses/{near.code}/bins/").status_code == 404
    assert client.get(reverse("warehouse:warehouse_detail", args=[near.code])).status_code == 404
    assert client.get(reverse("warehouse:manifest_pdf", args=[world.manifest.pk])).status_code == 404
    assert client.get(f"/api/v1/manifests/{world.manifest.pk}.pdf").status_code == 404
    assert listed(client, "/api/v1/manifests/", "id") == []
    assert client.get(reverse("orders:order_detail", args=[world.a.order.pk])).status_code == 404
    html = client.get(reverse("warehouse:warehouse_list")).content.decode()
    assert "FAR" in html and f">{near.code}<" not in html
    manifest_link = reverse("warehouse:manifest_pdf", args=[world.manifest.pk])
    assert manifest_link not in client.get(reverse("warehouse:manifests")).content.decode()
    waves = client.get(reverse("warehouse:wave_board")).content.decode()
    assert 'value="FAR"' in waves and f'value="{near.code}"' not in waves
    assert client.get(reverse("warehouse:wave_board"), {"warehouse": near.code}).status_code == 404
    client.force_login(staff())  # unrestricted: the same pages show the first warehouse's work
    assert manifest_link in client.get(reverse("warehouse:manifests")).content.decode()
    assert f'value="{near.code}"' in client.get(reverse("warehouse:wave_board")).content.decode()


def test_a_staff_scope_costs_no_extra_query(client, world):
    counts = []
    for user in (staff(), staff(merchants=[world.a.merchant], warehouses=[world.site.warehouse])):
        client.force_login(user)
        client.get("/api/v1/orders/")  # warm the session and the user's role cache alike
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/orders/").status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


# --- actions and work lists (issue 18) ----------------------------------------------------------------------------

def test_inbox_outbox_and_low_stock_lists_show_only_the_scope(client, world):
    from inventory.models import LowStockAlert
    from orders.models import InboxDelivery, OutboxMessage, StockPush

    for tenant in (world.a, world.b):
        channel = tenant.order.channel
        InboxDelivery.objects.create(channel=channel, dedup_key=f"d-{tenant.merchant.code}", topic="orders/create",
                                     body="{}", status=InboxDelivery.Status.PARKED)
        OutboxMessage.objects.create(order=tenant.order, channel=channel, sequence=1, kind=OutboxMessage.Kind.SHIPPED,
                                     payload={}, status=OutboxMessage.Status.FAILED)
        StockPush.objects.create(channel=channel, product=tenant.product, status=StockPush.Status.FAILED)
        LowStockAlert.objects.create(product=tenant.product, warehouse=world.site.warehouse, reorder_point=5,
                                     available_at_crossing=1)
    client.force_login(staff(merchants=[world.a.merchant]))
    pages = {name: client.get(reverse(name)).content.decode()
             for name in ("orders:inbox", "orders:outbox", "inventory:low_stock")}
    assert world.a.order.channel.name in pages["orders:inbox"] and world.b.order.channel.name not in pages["orders:inbox"]
    assert world.a.order.order_number in pages["orders:outbox"] and world.b.order.order_number not in pages["orders:outbox"]
    assert world.a.product.sku in pages["orders:outbox"] and world.b.product.sku not in pages["orders:outbox"]
    assert world.a.product.sku in pages["inventory:low_stock"] and world.b.product.sku not in pages["inventory:low_stock"]
    theirs = InboxDelivery.objects.get(channel=world.b.order.channel)
    assert client.post(reverse("orders:inbox_replay", args=[theirs.pk])).status_code == 404
    assert InboxDelivery.objects.get(pk=theirs.pk).status == InboxDelivery.Status.PARKED


def test_a_scoped_po_import_refuses_rows_of_an_unscoped_merchant_or_warehouse_and_creates_nothing(client, world):
    import io

    from core.csv_import import ImportRejected
    from warehouse.inbound.services.purchase_orders import purchase_orders_import

    WarehouseFactory(code="FAR")
    near = world.site.warehouse.code
    user = staff(merchants=[world.a.merchant], warehouses=[world.site.warehouse])
    body = ("merchant,warehouse,number,sku,qty\n"
            f"acme,{near},PO-OK,{world.a.product.sku},1\n"
            f"bloom,{near},PO-THEIRS,{world.b.product.sku},1\n"
            f"acme,FAR,PO-FAR,{world.a.product.sku},1\n")
    with pytest.raises(ImportRejected) as refused:
        purchase_orders_import(source=io.BytesIO(body.encode()), actor=user)
    assert [(e.line, e.message) for e in refused.value.errors] == [
        (3, "merchant 'bloom' is outside your scope"), (4, "warehouse 'FAR' is outside your scope")]
    assert not PurchaseOrder.objects.filter(number__in=["PO-OK", "PO-THEIRS", "PO-FAR"]).exists()
    client.force_login(user)
    response = client.post("/api/v1/purchase-orders/csv/", {"file": io.BytesIO(body.encode())})
    assert response.status_code == 400 and "outside your scope" in response.content.decode()
    assert not PurchaseOrder.objects.filter(number__in=["PO-OK", "PO-THEIRS", "PO-FAR"]).exists()
    # a system actor is never scoped: the same rows for one merchant import
    purchase_orders_import(source=io.BytesIO(body.encode()), actor="beat")
    assert PurchaseOrder.objects.filter(number__in=["PO-OK", "PO-THEIRS", "PO-FAR"]).count() == 3


def test_system_actors_are_never_scoped_and_staff_scoped_refuses_them(world):
    from inventory.models import Merchant
    from inventory.tenancy import actor_in_scope, staff_scoped

    user = staff(merchants=[world.a.merchant])
    assert actor_in_scope("beat", merchant_id=world.b.merchant.pk) and actor_in_scope(None, merchant_id=world.b.merchant.pk)
    assert actor_in_scope(user, merchant_id=world.a.merchant.pk)
    assert not actor_in_scope(user, merchant_id=world.b.merchant.pk)
    with pytest.raises(TypeError):
        staff_scoped(Merchant.objects.all(), "worker", merchant="pk")


def test_a_scoped_admin_cannot_rotate_another_merchants_channel_secret(world):
    from core.errors import PermissionDenied
    from orders.services.channels import channel_secret_rotate

    admin = UserFactory(role=roles.ADMIN)
    StaffScope.objects.create(user=admin).merchants.set([world.a.merchant])
    theirs = world.b.order.channel
    secret = theirs.webhook_secret
    with pytest.raises(PermissionDenied):
        channel_secret_rotate(channel=theirs, actor=admin)
    theirs.refresh_from_db()
    assert theirs.webhook_secret == secret
    channel_secret_rotate(channel=world.a.order.channel, actor=admin)
    channel_secret_rotate(channel=theirs, actor="beat")


def test_only_staff_release_a_fraud_review_hold(client, world):
    from rest_framework.test import APIClient

    from orders.models import HoldKind, Order, OrderHold
    from orders.services.holds import order_hold_place

    order = world.a.order
    Order.objects.filter(pk=order.pk).update(status=Order.Status.PENDING)
    agent = world.site.agent
    order_hold_place(order=order, kind=HoldKind.FRAUD_REVIEW, reason="card mismatch", actor=agent)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {world.a.token}")
    refused = api.post(f"/api/v1/orders/{order.pk}/holds/release/", {"kind": "fraud_review", "reason": "it's fine"},
                       format="json")
    assert refused.status_code == 403
    client.force_login(world.a.user)
    page = client.post(reverse("orders:order_action", args=[order.pk]),
                       {"action": "release", "kind": "fraud_review", "reason": "it's fine"})
    assert page.status_code in (403, 404)
    assert OrderHold.objects.filter(order=order, kind=HoldKind.FRAUD_REVIEW, released_at__isnull=True).exists()
    client.force_login(agent)
    client.post(reverse("orders:order_action", args=[order.pk]), {"action": "release", "kind": "fraud_review",
                                                                  "reason": "verified with the customer"})
    assert not OrderHold.objects.filter(order=order, kind=HoldKind.FRAUD_REVIEW, released_at__isnull=True).exists()
