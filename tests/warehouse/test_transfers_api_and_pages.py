"""Transfers over REST and on the manager pages: validation answers 4xx and changes nothing, filters, the staff
scope, the full flow clicked through the pages, and imbalance proposals."""

import pytest
from django.urls import reverse

from core import roles
from inventory.models import InTransitStock, StaffScope, StockLevel
from inventory.services.reservations import stock_reserve
from inventory.services.stock import stock_receive
from tests.factories import ProductFactory, UserFactory, merchant_user
from tests.warehouse.transfers import assert_transfer_invariants, build_pair, draft, stocked
from warehouse.models import TransferOrder, TransferStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(roles_ready):
    return build_pair()


def body(pair, product, **overrides):
    data = {"merchant": pair.merchant.code, "from_warehouse": pair.a.code, "to_warehouse": pair.b.code,
            "lines": [{"sku": product.sku, "qty": 3}]}
    data.update(overrides)
    return data


def test_api_create_release_cancel_and_filter(api_client, pair):
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 5)
    api_client.force_authenticate(pair.manager)
    created = api_client.post("/api/v1/transfers/", body(pair, product, note="rebalance"), format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["status"] == "draft" and data["lines"][0] == {
        "sku": product.sku, "qty": 3, "picked_qty": 0, "shipped_qty": 0, "received_qty": 0, "lost_qty": 0, "in_transit": 0,
    }
    released = api_client.post(f"/api/v1/transfers/{data['id']}/release/")
    assert released.status_code == 200 and released.json()["status"] == "released"
    assert StockLevel.objects.get(product=product, warehouse=pair.a).allocated == 3
    again = api_client.post(f"/api/v1/transfers/{data['id']}/release/")
    assert again.status_code == 409
    assert api_client.get("/api/v1/transfers/", {"status": "released", "sku": product.sku}).json()["count"] == 1
    assert api_client.get("/api/v1/transfers/", {"status": "draft"}).json()["count"] == 0
    assert api_client.get("/api/v1/transfers/", {"to_warehouse": pair.a.code}).json()["count"] == 0
    assert api_client.get(f"/api/v1/transfers/{data['id']}/").json()["number"] == data["number"]
    cancelled = api_client.post(f"/api/v1/transfers/{data['id']}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert StockLevel.objects.get(product=product, warehouse=pair.a).allocated == 0
    assert_transfer_invariants()


@pytest.mark.parametrize("overrides", [
    {"lines": []},
    {"lines": [{"sku": "NOPE", "qty": 1}]},
    {"lines": [{"sku": "A\x00B", "qty": 1}]},
    {"lines": [{"sku": "x" * 70, "qty": 1}]},
    {"lines": [{"sku": "SKU", "qty": 0}]},
    {"lines": [{"sku": "SKU", "qty": 10**12}]},
    {"lines": [{"sku": "SKU", "qty": "lots"}]},
    {"from_warehouse": "nowhere"},
    {"from_warehouse": "bad\x00"},
    {"to_warehouse": "FROM"},
    {"merchant": "nobody"},
    {"merchant": "m\x00"},
    {"note": "n" * 300},
    {"note": "n\x00"},
    {"lines": "not a list"},
])
def test_api_create_refuses_bad_input_with_4xx_and_creates_nothing(api_client, pair, overrides):
    product = ProductFactory(merchant=pair.merchant)
    if overrides.get("to_warehouse") == "FROM":
        overrides = {"to_warehouse": pair.a.code}
    overrides = {k: ([{**line, "sku": product.sku} if line.get("sku") == "SKU" else line for line in v]
                     if k == "lines" and isinstance(v, list) else v) for k, v in overrides.items()}
    api_client.force_authenticate(pair.manager)
    response = api_client.post("/api/v1/transfers/", body(pair, product, **overrides), format="json")
    assert 400 <= response.status_code < 500, response.content
    assert not TransferOrder.objects.exists()


@pytest.mark.parametrize("query", [{"status": "lost"}, {"status": "a\x00"}, {"product": "x"}, {"sku": "s\x00"},
                                   {"from_warehouse": "w" * 300}, {"product": "9" * 30}])
def test_api_list_filters_answer_400_on_bad_values(api_client, pair, query):
    api_client.force_authenticate(pair.manager)
    assert api_client.get("/api/v1/transfers/", query).status_code == 400


def test_staff_scope_and_merchants_are_kept_out(api_client, client, pair):
    product = ProductFactory(merchant=pair.merchant)
    transfer = draft(pair, [(product, 1)])
    limited = UserFactory(role=roles.WAREHOUSE_MANAGER)
    StaffScope.objects.create(user=limited).warehouses.add(pair.a)  # only the source: not both buildings
    api_client.force_authenticate(limited)
    assert api_client.get("/api/v1/transfers/").json()["count"] == 0
    assert api_client.get(f"/api/v1/transfers/{transfer.pk}/").status_code == 404
    assert api_client.post(f"/api/v1/transfers/{transfer.pk}/release/").status_code == 404
    created = api_client.post("/api/v1/transfers/", body(pair, product), format="json")
    assert created.status_code == 400  # the destination is not among the user's warehouses
    client.force_login(limited)
    assert client.get(reverse("warehouse:transfer_detail", args=[transfer.pk])).status_code == 404
    owner = merchant_user(pair.merchant)
    api_client.force_authenticate(owner)
    assert api_client.get("/api/v1/transfers/").status_code == 403
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DRAFT


def test_full_flow_through_the_pages(client, pair):
    product = ProductFactory(merchant=pair.merchant)
    stocked(pair, product, 8)
    client.force_login(pair.manager)
    assert client.get(reverse("warehouse:transfer_create")).status_code == 200
    response = client.post(reverse("warehouse:transfer_create"), {
        "merchant": pair.merchant.pk, "from_warehouse": pair.a.pk, "to_warehouse": pair.b.pk,
        "lines": f"{product.sku},5\n", "note": "top up",
    })
    transfer = TransferOrder.objects.get()
    assert response.status_code == 302 and response.url == reverse("warehouse:transfer_detail", args=[transfer.pk])
    action = reverse("warehouse:transfer_action", args=[transfer.pk])
    steps = [
        {"action": "release"},
        {"action": "pick", "from_bin": pair.shelf.code, "item": product.sku, "qty": "5", "to_bin": pair.source.pack.code},
        {"action": "ship", "carrier": "LTL", "tracking_number": "PRO-9"},
    ]
    for step in steps:
        assert client.post(action, step).status_code == 302
        assert_transfer_invariants()
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.SHIPPED
    listing = client.get(reverse("warehouse:transfer_list"), {"to": pair.b.code})
    assert listing.status_code == 200 and transfer.number.encode() in listing.content
    assert [(row.product_id, row.qty) for row in listing.context["inbound"]] == [(product.pk, 5)]
    scanned = client.get(reverse("warehouse:transfer_list"), {"q": transfer.number})
    assert scanned.status_code == 302 and scanned.url == reverse("warehouse:transfer_detail", args=[transfer.pk])
    client.post(action, {"action": "receive", "dock_bin": pair.dest.dock.code, "item": product.sku, "qty": "9"})
    assert InTransitStock.objects.get(product=product).qty == 5  # over-receipt refused on the page too
    client.post(action, {"action": "receive", "dock_bin": pair.dest.dock.code, "item": product.sku, "qty": "4"})
    client.post(action, {"action": "close_short", "reason": "one unit crushed and discarded by the carrier"})
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.RECEIVED and transfer.lines.get().lost_qty == 1
    page = client.get(reverse("warehouse:transfer_detail", args=[transfer.pk]))
    assert page.status_code == 200 and b"Closed short" in page.content
    assert_transfer_invariants()


@pytest.mark.parametrize("data", [
    {"action": "pick", "from_bin": "A\x00", "item": "x", "qty": "1", "to_bin": "P"},
    {"action": "pick", "from_bin": "A", "item": "x", "qty": "-1", "to_bin": "P"},
    {"action": "receive", "dock_bin": "D", "item": "\x00", "qty": "1"},
    {"action": "ship", "carrier": "c" * 100},
    {"action": "close_short", "reason": "r\x00"},
    {"action": "explode"},
])
def test_page_actions_refuse_bad_input_without_a_500(client, pair, data):
    product = ProductFactory(merchant=pair.merchant)
    transfer = draft(pair, [(product, 1)])
    client.force_login(pair.manager)
    response = client.post(reverse("warehouse:transfer_action", args=[transfer.pk]), data)
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.DRAFT
    for bad in ({"q": "a\x00"}, {"to": "w" * 300}, {"status": "zzz"}):
        assert client.get(reverse("warehouse:transfer_list"), bad).status_code == 200
    created = client.post(reverse("warehouse:transfer_create"), {
        "merchant": pair.merchant.pk, "from_warehouse": pair.a.pk, "to_warehouse": pair.b.pk, "lines": "X\x00,1",
    })
    assert created.status_code == 200 and TransferOrder.objects.count() == 1


def test_proposals_list_an_imbalance_and_draft_a_transfer_in_one_click(client, pair):
    product = ProductFactory(merchant=pair.merchant, reorder_point=2)
    stocked(pair, product, 20)  # the source holds far more than its reorder point
    stock_receive(product=product, bin=pair.dest.shelves[0], qty=1, actor="test")
    stock_reserve(product=product, warehouse=pair.b, qty=1, order_line_id=777, actor="test")  # demand, now out
    balanced = ProductFactory(merchant=pair.merchant, reorder_point=2)
    stocked(pair, balanced, 20)  # no demand anywhere else: nothing to propose
    client.force_login(pair.manager)
    page = client.get(reverse("warehouse:transfer_proposals"))
    assert page.status_code == 200
    proposals = page.context["proposals"]
    assert [(p.product.pk, p.from_warehouse.pk, p.to_warehouse.pk) for p in proposals] == [(product.pk, pair.a.pk, pair.b.pk)]
    proposal = proposals[0]
    assert proposal.qty == 2  # up to the destination's reorder point, well inside the source's surplus
    response = client.post(reverse("warehouse:transfer_propose"), {
        "product": product.pk, "from_warehouse": pair.a.pk, "to_warehouse": pair.b.pk, "qty": proposal.qty,
    })
    transfer = TransferOrder.objects.get()
    assert response.status_code == 302 and transfer.status == TransferStatus.DRAFT
    assert [(line.product_id, line.qty) for line in transfer.lines.all()] == [(product.pk, 2)]
    assert client.post(reverse("warehouse:transfer_propose"), {"product": "x\x00"}).status_code == 302
    assert TransferOrder.objects.count() == 1
