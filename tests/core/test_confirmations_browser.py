"""Destructive actions ask first: dismissing the browser's confirmation changes nothing, accepting it acts."""

import pytest

from core import roles
from tests.browser import login
from tests.factories import UserFactory
from tests.warehouse.inbound import build_site, make_po, new_product
from warehouse.models import PurchaseOrder

pytestmark = pytest.mark.django_db(transaction=True)


def test_cancelling_a_po_asks_first(live_server, page):
    site = build_site()
    po = make_po(site, [(new_product(site), 3)], number="PO-ASK")
    manager = UserFactory(role=roles.WAREHOUSE_MANAGER)
    manager.set_password("ask-pass-1")
    manager.save()
    login(page, live_server.url, manager.username, "ask-pass-1")
    page.goto(f"{live_server.url}/warehouse/inbound/{po.pk}/")
    page.get_by_label("Reason").fill("supplier withdrew the order")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel this PO").click()
    page.wait_for_timeout(500)
    assert asked and "PO-ASK" in asked[0]
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.OPEN
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Cancel this PO").click()
    page.wait_for_load_state("networkidle")
    po.refresh_from_db()
    assert po.status == PurchaseOrder.Status.CANCELLED and po.cancel_reason == "supplier withdrew the order"
