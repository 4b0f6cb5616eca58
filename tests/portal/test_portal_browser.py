"""In Chromium: a merchant's user signs in, sees their orders, stock, inbound and returns, requests a return,
and cannot reach another merchant's order by changing the id in the URL."""

import pytest

from returns.models import ReturnAuthorization
from tests.browser import login
from tests.portal.world import build_world
from tests.returns.factories import shipped_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_merchant_user_works_in_the_portal_and_cannot_reach_another_merchant(live_server, page):
    world = build_world()
    a, b = world.a, world.b
    a.user.set_password("portal-pass-1")
    a.user.save()
    # a second shipped order, so a return can be requested on a fresh one
    world.site.merchant = a.merchant
    fresh = shipped_order(world.site, [(a.product, 3)], channel=a.order.channel)

    login(page, live_server.url, a.user.username, "portal-pass-1")
    assert page.url.rstrip("/").endswith("/portal")
    assert page.locator("h1").inner_text() == "Acme"
    portal_nav = page.get_by_role("navigation", name="Portal")

    portal_nav.get_by_role("link", name="Orders", exact=True).click()
    assert page.locator(f'[data-order="{a.order.order_number}"]').is_visible()
    assert page.locator(f'[data-order="{b.order.order_number}"]').count() == 0
    page.get_by_label("Search orders").fill(a.fulfillment.tracking_number)
    page.get_by_role("button", name="Filter").click()
    assert page.locator("[data-order]").count() == 1
    page.get_by_role("link", name=a.order.order_number).click()
    assert page.locator("[data-tracking]").inner_text() == a.fulfillment.tracking_number

    portal_nav.get_by_role("link", name="Stock", exact=True).click()
    assert page.locator('[data-sku="ACME-SKU"] [data-available]').inner_text() == "9"
    assert page.locator('[data-sku="BLOOM-SKU"]').count() == 0

    portal_nav.get_by_role("link", name="Inbound", exact=True).click()
    assert page.locator('[data-po="PO-ACME"]').is_visible() and page.locator('[data-po="PO-BLOOM"]').count() == 0

    portal_nav.get_by_role("link", name="Returns", exact=True).click()
    assert page.locator(f'[data-rma="{a.rma.number}"]').is_visible()
    assert page.locator(f'[data-rma="{b.rma.number}"]').count() == 0

    # request a return of 2 of the 3 units of the fresh order
    page.goto(f"{live_server.url}/portal/orders/{fresh.pk}/")
    page.get_by_role("link", name="Request a return").click()
    page.get_by_label(f"Quantity of {a.product.sku}").fill("2")
    page.get_by_label(f"Reason for {a.product.sku}").select_option(a.reason.code)
    page.get_by_role("button", name="Request return").click()
    page.wait_for_url("**/portal/returns/*/")
    rma = ReturnAuthorization.objects.get(order=fresh)
    assert rma.number in page.locator("h1").inner_text() and page.locator('[data-testid="status"]').inner_text() == "Authorized"
    assert [(line.qty, line.reason.code) for line in rma.lines.all()] == [(2, a.reason.code)]

    # another merchant's order, by id, on every page that takes one: not found, and nothing of it shown
    for path in (f"/portal/orders/{b.order.pk}/", f"/portal/orders/{b.order.pk}/return/", f"/orders/{b.order.pk}/",
                 f"/portal/returns/{b.rma.pk}/", f"/portal/inbound/{b.po.pk}/"):
        response = page.goto(f"{live_server.url}{path}")
        assert response.status == 404, path
        assert b.order.order_number not in page.content() and "Bloom" not in page.content()
