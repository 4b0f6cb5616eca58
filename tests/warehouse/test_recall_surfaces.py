"""Lot recall surfaces: the manager's pages and CSV, the REST API and the merchant portal, each scoped."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core import roles
from inventory.models import BinStock
from tests.factories import MerchantFactory, ProductFactory, UserFactory, merchant_user
from tests.warehouse.packing import carton_types
from tests.warehouse.picking import build_pick_site, product, put
from tests.warehouse.test_lots_and_expiry import in_days, ship
from warehouse.models import LotRecall

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipped_lot(roles_ready):
    ps = build_pick_site(shelves=4, totes=4)
    ps.warehouse.address_line1 = "100 Port St"
    ps.warehouse.save()
    carton_types()
    jam = product(ps)
    put(jam, ps.shelves[0], 2, lot="L1", expiry=in_days(100))
    first = ship(ps, [(jam, 2)])
    put(jam, ps.shelves[1], 5, lot="L1", expiry=in_days(100))
    return ps, jam, first


def test_a_manager_raises_a_recall_and_sees_its_bins_orders_and_csv(client, shipped_lot):
    ps, jam, first = shipped_lot
    manager = UserFactory(role=roles.WAREHOUSE_MANAGER)
    client.force_login(manager)
    response = client.post("/warehouse/recalls/new/", {"merchant": ps.merchant.code, "sku": jam.sku, "lot": "L1",
                                                        "reason": "supplier notice 44"})
    recall = LotRecall.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/warehouse/recalls/{recall.pk}/"
    assert BinStock.objects.get(bin=ps.shelves[1], product=jam, lot="L1").is_flagged
    page = client.get(f"/warehouse/recalls/{recall.pk}/").content.decode()
    assert ps.shelves[1].code in page and "Flagged" in page
    assert first.order_number in page and first.customer_name in page
    tracking = first.fulfillment_orders.get().shipments.get().tracking_number
    assert tracking and tracking in page
    rows = list(csv.reader(io.StringIO(b"".join(client.get(f"/warehouse/recalls/{recall.pk}/orders.csv")
                                                .streaming_content).decode())))
    assert rows[0][:5] == ["recall", "merchant", "sku", "lot", "order"]
    assert [(r[4], r[7], r[10]) for r in rows[1:]] == [(first.order_number, "2", tracking)]
    listing = client.get("/warehouse/recalls/", {"q": "L1"}).content.decode()
    assert f'data-recall="{recall.pk}"' in listing
    assert client.get("/warehouse/recalls/", {"q": "L\x001"}).status_code == 400


def test_bad_recall_forms_change_nothing(client, shipped_lot):
    ps, jam, _ = shipped_lot
    client.force_login(UserFactory(role=roles.WAREHOUSE_MANAGER))
    for bad in ({"merchant": ps.merchant.code, "sku": jam.sku, "lot": "L\x001", "reason": "x"},
                {"merchant": ps.merchant.code, "sku": jam.sku, "lot": "L" * 41, "reason": "x"},
                {"merchant": ps.merchant.code, "sku": "nope", "lot": "L1", "reason": "x"},
                {"merchant": "nobody", "sku": jam.sku, "lot": "L1", "reason": "x"},
                {"merchant": ps.merchant.code, "sku": jam.sku, "lot": "L1", "reason": ""}):
        assert client.post("/warehouse/recalls/new/", bad).status_code == 302
    assert LotRecall.objects.count() == 0
    assert not BinStock.objects.filter(is_flagged=True).exists()
    customer_service = UserFactory(role=roles.CUSTOMER_SERVICE)
    client.force_login(customer_service)
    assert client.get("/warehouse/recalls/").status_code == 200
    assert client.post("/warehouse/recalls/new/", {"sku": jam.sku, "lot": "L1", "reason": "x"}).status_code == 403


def test_the_api_raises_lists_and_details_a_recall_and_a_merchant_sees_only_its_own(shipped_lot):
    ps, jam, first = shipped_lot
    api = APIClient()
    api.force_authenticate(UserFactory(role=roles.INVENTORY_CONTROLLER))
    created = api.post("/api/v1/recalls/", {"merchant": ps.merchant.code, "sku": jam.sku, "lot": "L1",
                                            "reason": "supplier notice"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert [(b["bin"], b["qty"], b["flagged"]) for b in body["bins"]] == [(ps.shelves[1].code, 5, True)]
    assert [(o["order_number"], o["qty"]) for o in body["orders"]] == [(first.order_number, 2)]
    assert body["orders"][0]["tracking_number"] and body["orders"][0]["shipped_at"]
    again = api.post("/api/v1/recalls/", {"merchant": ps.merchant.code, "sku": jam.sku, "lot": "L1", "reason": "x"},
                     format="json")
    assert again.status_code == 409
    assert api.get("/api/v1/recalls/", {"sku": "a\x00"}).status_code == 400
    assert api.get("/api/v1/recalls/", {"q": "a\x00"}).status_code == 400
    assert api.get("/api/v1/recalls/", {"lot": "L1"}).json()["count"] == 1

    other = MerchantFactory()
    theirs = ProductFactory(merchant=other)
    put(theirs, ps.shelves[2], 3, lot="X9")
    outsider = APIClient()
    outsider.force_authenticate(merchant_user(other))
    assert outsider.get("/api/v1/recalls/").json()["count"] == 0
    assert outsider.get(f"/api/v1/recalls/{body['id']}/").status_code == 404
    refused = outsider.post("/api/v1/recalls/", {"sku": jam.sku, "lot": "L1", "reason": "not mine"}, format="json")
    assert refused.status_code == 400
    own = outsider.post("/api/v1/recalls/", {"sku": theirs.sku, "lot": "X9", "reason": "ours"}, format="json")
    assert own.status_code == 201 and own.json()["merchant"] == other.code
    assert outsider.post("/api/v1/recalls/", {"merchant": ps.merchant.code, "sku": jam.sku, "lot": "L2", "reason": "x"},
                         format="json").status_code in (400, 403)
    assert LotRecall.objects.count() == 2


def test_the_recall_list_costs_the_same_queries_however_many_recalls(shipped_lot):
    ps, jam, _ = shipped_lot
    api = APIClient()
    api.force_authenticate(UserFactory(role=roles.WAREHOUSE_MANAGER))
    LotRecall.objects.create(merchant=ps.merchant, product=jam, lot="A", reason="r")
    api.get("/api/v1/recalls/")
    with CaptureQueriesContext(connection) as one:
        api.get("/api/v1/recalls/")
    for lot in ("B", "C", "D"):
        LotRecall.objects.create(merchant=ps.merchant, product=product(ps), lot=lot, reason="r")
    with CaptureQueriesContext(connection) as many:
        assert api.get("/api/v1/recalls/").json()["count"] == 4
    assert len(many) == len(one)


def test_the_portal_shows_a_merchant_its_own_recalls_and_lets_it_raise_one(client, shipped_lot):
    ps, jam, first = shipped_lot
    user = merchant_user(ps.merchant)
    client.force_login(user)
    response = client.post("/portal/recalls/new/", {"sku": jam.sku, "lot": "L1", "reason": "our supplier"})
    recall = LotRecall.objects.get()
    assert response["Location"] == f"/portal/recalls/{recall.pk}/" and recall.merchant == ps.merchant
    page = client.get(f"/portal/recalls/{recall.pk}/").content.decode()
    assert first.order_number in page and ps.shelves[1].code in page
    assert f'data-recall="{recall.pk}"' in client.get("/portal/recalls/").content.decode()
    assert client.get("/portal/recalls/", {"q": "\x00"}).status_code == 400
    csv_body = b"".join(client.get(f"/portal/recalls/{recall.pk}/orders.csv").streaming_content).decode()
    assert first.order_number in csv_body
    stranger = merchant_user(MerchantFactory())
    client.force_login(stranger)
    assert client.get(f"/portal/recalls/{recall.pk}/").status_code == 404
    assert client.get(f"/portal/recalls/{recall.pk}/orders.csv").status_code == 404
    assert f'data-recall="{recall.pk}"' not in client.get("/portal/recalls/").content.decode()
