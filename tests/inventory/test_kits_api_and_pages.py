"""Bundle components over REST (merchant-visible) and kit work orders over REST and pages (managers)."""

import pytest

from core import roles
from inventory.models import BundleComponent, KitWorkOrder, Movement, StaffScope
from inventory.services.stock import stock_receive
from tests.factories import BinFactory, MerchantFactory, ProductFactory, UserFactory, merchant_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def shop(roles_ready):
    merchant = MerchantFactory(code="acme")
    products = {sku: ProductFactory(merchant=merchant, sku=sku) for sku in ("BOX", "MUG", "TEA")}
    shelf = BinFactory()
    stock_receive(product=products["MUG"], bin=shelf, qty=10, actor=None)
    stock_receive(product=products["TEA"], bin=shelf, qty=10, actor=None)
    return merchant, products, shelf


def test_a_merchant_sets_and_reads_its_bundle_components_and_bad_input_is_4xx(api_client, shop):
    merchant, products, _ = shop
    api_client.force_authenticate(merchant_user(merchant))
    url = f"/api/v1/products/{products['BOX'].pk}/components/"
    made = api_client.post(url, {"sku": "MUG", "quantity": 2}, format="json")
    assert made.status_code == 200, made.json()
    assert made.json() == [{"sku": "MUG", "name": products["MUG"].name, "quantity": 2}]
    for bad in ({"sku": "MUG", "quantity": 0}, {"sku": "NOPE", "quantity": 1}, {"sku": "BOX", "quantity": 1},
                {"sku": "M\x00", "quantity": 1}, {"sku": "MUG", "quantity": "x" * 20}):
        assert 400 <= api_client.post(url, bad, format="json").status_code < 500, bad
    other = ProductFactory(sku="ALIEN")
    assert api_client.post(url, {"sku": "ALIEN", "quantity": 1}, format="json").status_code == 404
    assert api_client.get(f"/api/v1/products/{other.pk}/components/").status_code == 404
    assert list(BundleComponent.objects.values_list("component__sku", "quantity")) == [("MUG", 2)]


def test_a_manager_runs_a_work_order_over_the_api(api_client, shop):
    merchant, products, shelf = shop
    api_client.force_authenticate(UserFactory(role=roles.WAREHOUSE_MANAGER))
    made = api_client.post("/api/v1/kit-work-orders/", {
        "kit": "BOX", "warehouse": shelf.warehouse.code, "qty": 2,
        "components": [{"sku": "MUG", "qty_per_kit": 1}, {"sku": "TEA", "qty_per_kit": 3}],
    }, format="json")
    assert made.status_code == 201, made.json()
    pk = made.json()["id"]
    assert api_client.post(f"/api/v1/kit-work-orders/{pk}/complete/", {"to_bin": shelf.code}, format="json").status_code == 409
    assert api_client.post(f"/api/v1/kit-work-orders/{pk}/release/", {}, format="json").json()["status"] == "released"
    assert api_client.post(f"/api/v1/kit-work-orders/{pk}/complete/", {"to_bin": "NOPE"}, format="json").status_code == 400
    assert api_client.post(f"/api/v1/kit-work-orders/{pk}/explode/", {}, format="json").status_code == 400
    done = api_client.post(f"/api/v1/kit-work-orders/{pk}/complete/", {"to_bin": shelf.code}, format="json")
    assert done.status_code == 200 and done.json()["status"] == "done" and done.json()["to_bin"] == shelf.code
    assert Movement.objects.filter(reference=f"kit_work_order:{pk}").count() == 3
    listed = api_client.get("/api/v1/kit-work-orders/?status=done").json()
    assert [row["id"] for row in listed["results"]] == [pk]
    assert api_client.get("/api/v1/kit-work-orders/?status=a%00b").status_code == 400
    assert api_client.post("/api/v1/kit-work-orders/", {"kit": "BOX", "warehouse": shelf.warehouse.code, "qty": 0,
                                                        "components": []}, format="json").status_code == 400


def test_a_staff_user_outside_the_warehouse_scope_cannot_see_or_act_on_its_work_orders(api_client, shop):
    merchant, products, shelf = shop
    manager = UserFactory(role=roles.WAREHOUSE_MANAGER)
    api_client.force_authenticate(manager)
    pk = api_client.post("/api/v1/kit-work-orders/", {
        "kit": "BOX", "warehouse": shelf.warehouse.code, "qty": 1, "components": [{"sku": "MUG", "qty_per_kit": 1}],
    }, format="json").json()["id"]
    limited = UserFactory(role=roles.WAREHOUSE_MANAGER)
    StaffScope.objects.create(user=limited).warehouses.add(BinFactory().warehouse)
    api_client.force_authenticate(limited)
    assert api_client.get(f"/api/v1/kit-work-orders/{pk}/").status_code == 404
    assert api_client.post(f"/api/v1/kit-work-orders/{pk}/release/", {}, format="json").status_code == 404
    assert KitWorkOrder.objects.get().status == "draft"


def test_the_pages_draft_release_and_complete_a_work_order(client, shop):
    merchant, products, shelf = shop
    client.force_login(UserFactory(role=roles.WAREHOUSE_MANAGER))
    response = client.post("/inventory/kit-work-orders/new/", {
        "kit": "BOX", "warehouse": shelf.warehouse.code, "qty": "2", "components": "MUG 1\nTEA 2\n", "note": "gift",
    })
    order = KitWorkOrder.objects.get()
    assert response.status_code == 302 and response.url == f"/inventory/kit-work-orders/{order.pk}/"
    page = client.get(response.url)
    assert page.status_code == 200 and b"Release" in page.content
    client.post(f"/inventory/kit-work-orders/{order.pk}/release/")
    client.post(f"/inventory/kit-work-orders/{order.pk}/complete/", {"to_bin": shelf.code})
    order.refresh_from_db()
    assert order.status == "done"
    page = client.get(f"/inventory/kit-work-orders/{order.pk}/")
    assert b"Kit assembled" in page.content and b"Consumed into a kit" in page.content
    assert b"BOX" in client.get("/inventory/kit-work-orders/").content
    # Bad input gives a clear message, never a 500, and changes nothing.
    for bad in ({"kit": "B\x00X"}, {"kit": "BOX", "warehouse": shelf.warehouse.code, "qty": "two", "components": "MUG 1"},
                {"kit": "BOX", "warehouse": shelf.warehouse.code, "qty": "1", "components": "MUG"},
                {"kit": "BOX", "warehouse": shelf.warehouse.code, "qty": "1", "components": "MUG 0"}):
        response = client.post("/inventory/kit-work-orders/new/", bad, follow=True)
        assert (response.status_code == 200 and b"error" in response.content.lower()) or response.status_code == 400
    assert KitWorkOrder.objects.count() == 1


def test_a_merchant_sees_a_bundles_components_on_the_product_page(client, shop):
    merchant, products, _ = shop
    BundleComponent.objects.create(bundle=products["BOX"], component=products["MUG"], merchant=merchant, quantity=2)
    client.force_login(merchant_user(merchant))
    page = client.get(f"/inventory/products/{products['BOX'].pk}/")
    assert page.status_code == 200 and b"Bundle components" in page.content and b"MUG" in page.content
