"""At 390 px (a phone), no station and no main office page is wider than the screen: tables scroll inside the
page, the menu folds into one button, and nothing pushes the page sideways."""

import pytest

from core import roles
from tests.browser import login
from tests.factories import UserFactory
from tests.orders.factories import ChannelFactory, order_with_lines
from tests.warehouse.inbound import make_po
from tests.warehouse.packing import carton_types, picked
from tests.warehouse.picking import build_pick_site, product

pytestmark = pytest.mark.django_db(transaction=True)

OVERFLOW = "() => [document.documentElement.scrollWidth, window.innerWidth]"


def test_every_station_and_main_office_page_fits_a_390_px_screen(live_server, browser):
    ps = build_pick_site()
    carton_types()
    shirt = product(ps, name="A shirt with a rather long product name that wraps")
    picked(ps, [(shirt, 1)])
    order = order_with_lines(channel=ChannelFactory(merchant=ps.merchant), lines=[(shirt, 2)])
    po = make_po(ps.site, [(shirt, 5)], number="PO-NARROW")
    admin = UserFactory(role=roles.ADMIN, is_superuser=True, is_staff=True)
    admin.set_password("narrow-pass-1")
    admin.save()
    code = ps.warehouse.code
    pages = [
        "/", "/orders/", f"/orders/{order.pk}/", "/orders/upload/", "/orders/inbox/", "/orders/outbox/",
        "/inventory/products/", "/inventory/low-stock/", "/warehouse/", f"/warehouse/{code}/", "/warehouse/inbound/",
        f"/warehouse/inbound/{po.pk}/", "/warehouse/inbound/new/", "/warehouse/inbound/exceptions/", "/warehouse/waves/",
        "/warehouse/discrepancies/", "/warehouse/manifests/", "/returns/", "/returns/parcels/", "/returns/flush/",
        "/returns/insight/",
        # stations
        "/warehouse/receiving/", f"/warehouse/putaway/{code}/", f"/warehouse/picking/{code}/",
        f"/warehouse/packing/{code}/{ps.pack.code}/", f"/returns/station/{code}/",
    ]
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        login(page, live_server.url, admin.username, "narrow-pass-1")
        too_wide = []
        for path in pages:
            response = page.goto(live_server.url + path)
            assert response.status < 400, (path, response.status)
            width, screen = page.evaluate(OVERFLOW)
            if width > screen:
                too_wide.append(f"{path}: {width} px on a {screen} px screen")
        assert not too_wide, "\n".join(too_wide)
        # The menu folds into one button on the phone and opens as a list.
        page.goto(live_server.url + "/orders/")
        assert not page.locator("[data-menu]").evaluate("m => m.open")
        page.locator("[data-menu] > summary").click()
        assert page.locator('[data-nav-group="Outbound"] a').first.is_visible()
        assert page.evaluate(OVERFLOW)[0] <= 390
    finally:
        context.close()
