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
