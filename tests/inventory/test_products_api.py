import pytest
from rest_framework.authtoken.models import Token

from core import roles
from inventory.models import Product
from tests.factories import MerchantFactory, ProductFactory, UserFactory, merchant_user

pytestmark = pytest.mark.django_db


def token_client(api_client, user):
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api_client


def test_merchant_token_lists_only_its_own_products_and_filters_by_sku_and_barcode(api_client, roles_ready):
    a, b = MerchantFactory(), MerchantFactory()
    mine = ProductFactory(merchant=a, sku="MINE-1", gtin="04006381333931")
    ProductFactory(merchant=a, sku="MINE-2")
    ProductFactory(merchant=b, sku="THEIRS-1")
    client = token_client(api_client, merchant_user(a))
    listed = client.get("/api/v1/products/").json()
    assert listed["count"] == 2 and {p["sku"] for p in listed["results"]} == {"MINE-1", "MINE-2"}
    assert client.get("/api/v1/products/?sku=MINE-1").json()["results"][0]["id"] == mine.id
    by_ean = client.get("/api/v1/products/?barcode=4006381333931").json()
    assert [p["sku"] for p in by_ean["results"]] == ["MINE-1"]
    assert client.get("/api/v1/products/?barcode=4006381333932").status_code == 400
    theirs = Product.objects.get(sku="THEIRS-1")
    assert client.get(f"/api/v1/products/{theirs.id}/").status_code == 404


def test_merchant_token_creates_and_updates_its_products_but_not_another_merchants(api_client, roles_ready):
    a, b = MerchantFactory(code="acme"), MerchantFactory(code="bloom")
    client = token_client(api_client, merchant_user(a))
    created = client.post("/api/v1/products/", {"sku": "N-1", "name": "New", "barcodes": ["036000291452"]}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["merchant"] == "acme" and created.json()["barcodes"] == ["00036000291452"]
    patched = client.patch(f"/api/v1/products/{created.json()['id']}/", {"weight_g": 777}, format="json")
    assert patched.json()["weight_g"] == 777
    forged = client.post("/api/v1/products/", {"merchant": "bloom", "sku": "X", "name": "X"}, format="json")
    assert forged.status_code == 403
    assert not Product.objects.filter(merchant=b).exists()
    bad = client.post("/api/v1/products/", {"sku": "N-2", "name": "Bad", "barcodes": ["4006381333932"]}, format="json")
    assert bad.status_code == 400 and "check digit" in bad.json()["detail"]
    negative = client.post("/api/v1/products/", {"sku": "N-3", "name": "Neg", "weight_g": -1}, format="json")
    assert negative.status_code == 400
    assert set(Product.objects.values_list("sku", flat=True)) == {"N-1"}


def test_staff_token_from_username_and_password_acts_with_the_role(api_client, roles_ready):
    UserFactory(username="ivy", role=roles.INVENTORY_CONTROLLER)
    UserFactory(username="cs", role=roles.CUSTOMER_SERVICE)
    merchant = MerchantFactory(code="acme")
    token = api_client.post("/api/v1/auth/token/", {"username": "ivy", "password": "pw-123456"}).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    created = api_client.post("/api/v1/products/", {"merchant": "acme", "sku": "S-1", "name": "S"}, format="json")
    assert created.status_code == 201
    cs_token = api_client.post("/api/v1/auth/token/", {"username": "cs", "password": "pw-123456"}).json()["token"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {cs_token}")
    assert api_client.get("/api/v1/products/").status_code == 200  # customer service reads the catalog
    refused = api_client.post("/api/v1/products/", {"merchant": "acme", "sku": "S-2", "name": "S"}, format="json")
    assert refused.status_code == 403
    assert Product.objects.filter(merchant=merchant).count() == 1


def test_warehouses_and_bins_are_readable_and_schema_and_docs_are_served(api_client, client, roles_ready):
    from tests.factories import BinFactory

    bin_ = BinFactory(code="A-01-01-A")
    api_client.force_authenticate(UserFactory(role=roles.PICKER))
    warehouses = api_client.get("/api/v1/warehouses/").json()
    assert warehouses["results"][0]["code"] == bin_.warehouse.code
    bins = api_client.get(f"/api/v1/warehouses/{bin_.warehouse.code}/bins/").json()
    assert bins["results"][0]["barcode"] == "BIN:A-01-01-A"
    api_client.force_authenticate(merchant_user(MerchantFactory()))
    assert api_client.get(f"/api/v1/warehouses/{bin_.warehouse.code}/bins/").status_code == 403
    assert api_client.get("/api/v1/products/").status_code == 200
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/v1/products/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger-ui" in docs and "cdn" not in docs.lower()
    assert api_client.logout() is None and APIClientAnon().get("/api/v1/products/").status_code == 401


def APIClientAnon():
    from rest_framework.test import APIClient

    return APIClient()
