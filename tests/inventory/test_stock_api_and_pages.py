import pytest
from django.urls import reverse

from core import roles
from inventory.models import Movement
from inventory.services.stock import stock_receive
from tests.factories import BinFactory, MerchantFactory, ProductFactory, UserFactory, merchant_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_merchants():
    a, b = MerchantFactory(code="acme"), MerchantFactory(code="bloom")
    bin_ = BinFactory(code="A-01-01-A")
    pa, pb = ProductFactory(merchant=a, sku="TENT"), ProductFactory(merchant=b, sku="SERUM")
    stock_receive(product=pa, bin=bin_, qty=7, actor=None, reference="po:1")
    stock_receive(product=pb, bin=bin_, qty=3, actor=None, reference="po:2")
    return a, b, bin_, pa, pb


def test_stock_and_movements_are_scoped_to_the_merchant_token(api_client, roles_ready, two_merchants):
    a, b, bin_, pa, pb = two_merchants
    api_client.force_authenticate(merchant_user(a))
    stock = api_client.get("/api/v1/stock/").json()
    assert [(s["sku"], s["warehouse"], s["on_hand"], s["available"]) for s in stock["results"]] == [
        ("TENT", bin_.warehouse.code, 7, 7)
    ]
    movements = api_client.get("/api/v1/movements/?kind=receive").json()
    assert movements["count"] == 1 and movements["results"][0]["reference"] == "po:1"
    assert api_client.get("/api/v1/movements/?sku=SERUM").json()["count"] == 0


def test_movements_paginate_and_filter(api_client, roles_ready, two_merchants):
    api_client.force_authenticate(UserFactory(role=roles.OPS_MANAGER))
    page = api_client.get("/api/v1/movements/?limit=1").json()
    assert page["count"] == 2 and len(page["results"]) == 1 and page["next"]
    assert api_client.get("/api/v1/movements/?bin=A-01-01-A&sku=TENT").json()["count"] == 1


def test_adjustments_only_for_inventory_roles_and_bad_input_changes_nothing(api_client, roles_ready, two_merchants):
    a, b, bin_, pa, pb = two_merchants
    body = {"sku": "TENT", "warehouse": bin_.warehouse.code, "bin": bin_.code, "delta": -2, "reason_code": "cycle_count"}
    api_client.force_authenticate(merchant_user(a))
    assert api_client.post("/api/v1/adjustments/", body, format="json").status_code == 403
    api_client.force_authenticate(UserFactory(role=roles.PICKER))
    assert api_client.post("/api/v1/adjustments/", body, format="json").status_code == 403
    api_client.force_authenticate(UserFactory(role=roles.INVENTORY_CONTROLLER, username="ivy"))
    made = api_client.post("/api/v1/adjustments/", body, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()[0]["qty"] == -2 and made.json()[0]["actor"] == "ivy"
    count = Movement.objects.count()
    for bad, status, text in [
        ({**body, "sku": "NOPE"}, 404, "unknown SKU"),
        ({**body, "delta": 0}, 400, "non-zero"),
        ({**body, "delta": -99}, 409, "holds 5"),
        ({**body, "reason_code": "vibes"}, 400, "reason_code"),
        ({**body, "bin": "Z-99"}, 404, ""),
    ]:
        response = api_client.post("/api/v1/adjustments/", bad, format="json")
        assert response.status_code == status, (bad, response.content)
        assert text in response.content.decode()
    assert Movement.objects.count() == count


def test_product_stock_page_shows_levels_bins_and_recent_movements(client, roles_ready, two_merchants, django_assert_max_num_queries):
    a, b, bin_, pa, pb = two_merchants
    client.force_login(UserFactory(role=roles.INVENTORY_CONTROLLER))
    with django_assert_max_num_queries(15):
        html = client.get(reverse("inventory:product_stock", args=[pa.pk])).content.decode()
    assert "A-01-01-A" in html and "po:1" in html and 'data-testid="ats">7<' in html
    client.force_login(merchant_user(a))
    assert client.get(reverse("inventory:product_stock", args=[pb.pk])).status_code == 404


def test_product_list_shows_on_hand_and_available_in_one_query_per_page(client, roles_ready, two_merchants,
                                                                         django_assert_max_num_queries):
    from inventory.models import StockLevel

    a, b, bin_, pa, pb = two_merchants
    other = BinFactory(code="B-01-01-A")  # a second building: totals add up across warehouses
    stock_receive(product=pa, bin=other, qty=5, actor=None, reference="po:3")
    StockLevel.objects.filter(product=pa, warehouse=bin_.warehouse).update(allocated=2)
    StockLevel.objects.filter(product=pa, warehouse=other.warehouse).update(allocated=9)  # over-committed: 0, not -4
    for n in range(5):
        ProductFactory(merchant=a, sku=f"EXTRA-{n}")
    client.force_login(UserFactory(role=roles.INVENTORY_CONTROLLER))
    with django_assert_max_num_queries(8):
        html = client.get(reverse("inventory:product_list")).content.decode()
    row = html[html.index(">TENT<"):]
    row = row[:row.index("</tr>")]
    assert "data-on-hand>12<" in row and "data-available>5<" in row
    merchant_view = client
    merchant_view.force_login(merchant_user(b))
    html = merchant_view.get(reverse("inventory:product_list")).content.decode()
    assert ">SERUM<" in html and ">TENT<" not in html and "data-on-hand>3<" in html
