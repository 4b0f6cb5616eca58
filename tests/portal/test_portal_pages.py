"""The merchant portal: a merchant's users see their own orders, stock, inbound and returns, search and filter
them, announce POs/ASNs and request returns; every list costs the same queries however many rows it shows."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core import roles
from orders.models import Order
from returns.models import ReturnAuthorization
from tests.factories import UserFactory
from tests.portal.world import World, build_world
from tests.returns.factories import open_rma, shipped_order
from warehouse.inbound.services.purchase_orders import ExpectedLine, purchase_order_create
from warehouse.models import PurchaseOrder

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(roles_ready) -> World:
    return build_world()


@pytest.fixture
def portal(client, world):
    client.force_login(world.a.user)
    return client


def test_home_shows_the_merchants_own_figures(portal, world):
    html = portal.get(reverse("portal:home")).content.decode()
    assert "Acme" in html and "Bloom" not in html
    assert 'data-figure="on-hand">9<' in html and 'data-figure="available">9<' in html
    assert 'data-figure="inbound-open">1<' in html and 'data-figure="returns-open">1<' in html
    assert 'data-figure="orders-open">0<' in html  # the one order has shipped


def test_orders_list_search_filter_and_detail_with_timeline_and_tracking(portal, world):
    a = world.a
    listed = portal.get(reverse("portal:order_list")).content.decode()
    assert reverse("portal:order_detail", args=[a.order.pk]) in listed
    for query in (a.fulfillment.tracking_number, a.order.external_id, a.order.email, "acme-10"):
        assert a.order.order_number in portal.get(reverse("portal:order_list"), {"q": query}).content.decode(), query
    assert "No orders." in portal.get(reverse("portal:order_list"), {"q": "nothing-like-it"}).content.decode()
    assert "No orders." in portal.get(reverse("portal:order_list"), {"status": "on_hold"}).content.decode()
    assert a.order.order_number in portal.get(reverse("portal:order_list"), {"status": "shipped"}).content.decode()
    detail = portal.get(reverse("portal:order_detail", args=[a.order.pk])).content.decode()
    assert f'href="{a.fulfillment.tracking_url}" data-tracking' in detail
    assert a.order.events.exists() and a.order.events.first().message in detail
    assert reverse("portal:return_new", args=[a.order.pk]) in detail


def test_stock_by_warehouse_shows_on_hand_reserved_and_available(portal, world):
    from inventory.models import StockLevel

    StockLevel.objects.filter(product=world.a.product).update(allocated=2, unavailable=1)
    html = portal.get(reverse("portal:stock")).content.decode()
    code = world.site.warehouse.code
    assert f'data-sku="ACME-SKU" data-warehouse="{code}"' in html and "BLOOM-SKU" not in html
    row = html.split(f'data-sku="ACME-SKU" data-warehouse="{code}"')[1].split("</tr>")[0]
    assert '<td class="num">9</td><td class="num">2</td><td class="num">1</td><td class="num" data-available>6</td>' in row
    assert "No stock." in portal.get(reverse("portal:stock"), {"q": "BLOOM"}).content.decode()
    assert "No stock." in portal.get(reverse("portal:stock"), {"warehouse": "NOWHERE"}).content.decode()
    assert "ACME-SKU" in portal.get(reverse("portal:stock"), {"q": "acme thing", "warehouse": code}).content.decode()


def test_inbound_and_returns_lists_and_details(portal, world):
    a = world.a
    inbound = portal.get(reverse("portal:inbound_list")).content.decode()
    assert 'data-po="PO-ACME"' in inbound and "PO-BLOOM" not in inbound
    assert "Nothing inbound." in portal.get(reverse("portal:inbound_list"), {"status": "cancelled"}).content.decode()
    detail = portal.get(reverse("portal:inbound_detail", args=[a.po.pk])).content.decode()
    assert f"#{a.receipt.pk}" in detail and 'data-sku="ACME-SKU"' in detail
    returns = portal.get(reverse("portal:return_list")).content.decode()
    assert f'data-rma="{a.rma.number}"' in returns and world.b.rma.number not in returns
    assert "No returns." in portal.get(reverse("portal:return_list"), {"status": "closed"}).content.decode()
    assert a.rma.number in portal.get(reverse("portal:return_list"), {"q": a.order.order_number}).content.decode()
    rma = portal.get(reverse("portal:return_detail", args=[a.rma.pk])).content.decode()
    assert reverse("returns:rma_document", args=[a.rma.pk, "label"]) in rma
    label = portal.get(reverse("returns:rma_document", args=[a.rma.pk, "label"]))
    assert label.status_code == 200 and bytes(label.content) == b"%PDF-1.4 acme"


def _grow(world: World, n: int) -> None:
    """n more orders, POs and returns for merchant A."""
    world.site.merchant = world.a.merchant
    for i in range(n):
        order = shipped_order(world.site, [(world.a.product, 2)], channel=world.a.order.channel)
        open_rma(world.site, order, [(world.a.product, 1)])
        purchase_order_create(merchant=world.a.merchant, warehouse=world.site.warehouse, number=f"PO-MORE-{i}",
                              lines=[ExpectedLine(sku=world.a.product.sku, qty=3)])


LISTS = ["portal:home", "portal:order_list", "portal:stock", "portal:inbound_list", "portal:return_list"]


def _queries(client, url_name: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(reverse(url_name), params).status_code == 200
    return len(queries)


def test_every_list_costs_the_same_queries_for_one_row_or_many(portal, world):
    portal.get(reverse("portal:home"))
    before = {name: _queries(portal, name) for name in LISTS}
    searched = _queries(portal, "portal:order_list", q="acme", status="shipped")
    _grow(world, 6)
    after = {name: _queries(portal, name) for name in LISTS}
    assert after == before
    assert _queries(portal, "portal:order_list", q="acme", status="shipped") == searched
    assert Order.objects.filter(merchant=world.a.merchant).count() == 7
    # details too: lines, fulfillment orders, events and receipts come prefetched
    order = Order.objects.filter(merchant=world.a.merchant).order_by("-pk").first()
    details = [("portal:order_detail", order.pk), ("portal:return_detail", world.a.rma.pk),
               ("portal:inbound_detail", world.a.po.pk)]
    for name, pk in details:
        with CaptureQueriesContext(connection) as queries:
            assert portal.get(reverse(name, args=[pk])).status_code == 200
        assert len(queries) <= 12, (name, len(queries))


def test_lists_paginate_and_keep_their_filters(portal, world):
    _grow(world, 26)
    first = portal.get(reverse("portal:order_list"), {"status": "shipped"}).content.decode()
    assert "Page 1 of 2" in first and "?status=shipped&amp;page=2" in first
    second = portal.get(reverse("portal:order_list"), {"status": "shipped", "page": 2}).content.decode()
    assert "Page 2 of 2" in second and second.count("data-order=") == 2
    assert "Page 1 of 2" in portal.get(reverse("portal:order_list"), {"page": "junk"}).content.decode()


def test_announcing_an_asn_goes_through_the_inbound_service(portal, world):
    url = reverse("portal:inbound_new")
    assert portal.get(url).status_code == 200
    response = portal.post(url, {"kind": "asn", "number": "asn-77", "warehouse": world.site.warehouse.code,
                                 "supplier": "Acme Works", "expected_date": "2030-01-31", "lines": "ACME-SKU, 12\n\n"})
    po = PurchaseOrder.objects.get(number="ASN-77")
    assert response.status_code == 302 and response.url == reverse("portal:inbound_detail", args=[po.pk])
    assert (po.merchant, po.kind, po.supplier, str(po.expected_date)) == (world.a.merchant, "asn", "Acme Works", "2030-01-31")
    assert [(line.product.sku, line.expected_qty) for line in po.lines.all()] == [("ACME-SKU", 12)]
    count = PurchaseOrder.objects.count()
    for lines, message in (("ACME-SKU, lots", "whole number"), ("", "required"), ("NOPE-SKU, 1", "NOPE-SKU")):
        refused = portal.post(url, {"kind": "asn", "number": "ASN-78", "warehouse": world.site.warehouse.code, "lines": lines})
        assert refused.status_code == 200 and message in refused.content.decode(), lines
    duplicate = portal.post(url, {"kind": "po", "number": "ASN-77", "warehouse": world.site.warehouse.code, "lines": "ACME-SKU, 1"})
    assert "already has a purchase order" in duplicate.content.decode()
    assert PurchaseOrder.objects.count() == count


def test_requesting_a_return_goes_through_the_returns_service(portal, world):
    a = world.a
    line = a.order.lines.get()
    url = reverse("portal:return_new", args=[a.order.pk])
    page = portal.get(url).content.decode()
    assert f'name="qty_{line.pk}"' in page and a.reason.code in page and world.b.reason.code not in page
    count = ReturnAuthorization.objects.count()
    for qty, message in (("2", "only 1 shipped and not yet returned"), ("x", "whole number"), ("0", "at least one line")):
        refused = portal.post(url, {f"qty_{line.pk}": qty, f"reason_{line.pk}": "wrong_size", "resolution": "refund"})
        assert refused.status_code == 200 and message in refused.content.decode(), qty
    refused = portal.post(url, {f"qty_{line.pk}": "1", f"reason_{line.pk}": world.b.reason.code, "resolution": "refund"})
    assert "unknown return reason" in refused.content.decode()
    assert ReturnAuthorization.objects.count() == count
    done = portal.post(url, {f"qty_{line.pk}": "1", f"reason_{line.pk}": a.reason.code, "resolution": "refund", "note": "too big"})
    rma = ReturnAuthorization.objects.latest("pk")
    assert done.status_code == 302 and done.url == reverse("portal:return_detail", args=[rma.pk])
    assert (rma.merchant, rma.status, rma.source, rma.customer_note) == (a.merchant, "authorized", "merchant portal", "too big")


def test_only_merchant_users_use_the_portal(client, world):
    assert client.get(reverse("portal:order_list")).status_code == 302  # to the login page
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    assert client.get(reverse("portal:home")).status_code == 403
    client.force_login(UserFactory(role=roles.ADMIN))  # staff read merchants' data through the staff pages
    for page in ("portal:home", "portal:order_list", "portal:stock", "portal:service_levels"):
        assert client.get(reverse(page)).status_code == 403, page
    assert client.post(reverse("portal:inbound_new"), {"number": "PO-X"}).status_code == 403
    client.force_login(UserFactory(role=roles.MERCHANT))  # a merchant role without a merchant: refused, nothing read
    assert client.get(reverse("portal:home")).status_code == 403
    assert client.post(reverse("portal:inbound_new"), {"number": "PO-X"}).status_code == 403
    assert not PurchaseOrder.objects.filter(number="PO-X").exists()


def test_service_levels_are_the_merchants_own_figures(portal, world):
    import datetime as dt

    from django.utils import timezone

    from ops.selectors.sla import sla_summary
    from orders.models import FulfillmentOrder

    now = timezone.now()
    FulfillmentOrder.objects.filter(status=FulfillmentOrder.Status.SHIPPED).update(shipped_at=now - dt.timedelta(hours=1))
    FulfillmentOrder.objects.filter(pk=world.a.fulfillment.pk).update(ship_by=now - dt.timedelta(hours=2))  # late
    own = sla_summary(merchant=world.a.merchant, window="30d")["on_time"]
    everyone = sla_summary(window="30d")["on_time"]
    assert (own["shipped"], own["on_time"]) == (1, 0) and (everyone["shipped"], everyone["on_time"]) == (2, 1)
    html = portal.get(reverse("portal:service_levels"), {"window": "30d"}).content.decode()
    assert f'({own["on_time"]} of {own["shipped"]})' in html
    assert f'({everyone["on_time"]} of {everyone["shipped"]})' not in html
    assert portal.get(reverse("portal:service_levels"), {"window": "<script>"}).status_code == 200  # unknown: default
