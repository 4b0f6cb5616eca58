import pytest

from core import roles
from orders.models import Order
from orders.services.allocation import order_allocate
from tests.factories import MerchantFactory, ProductFactory, UserFactory, merchant_user

pytestmark = pytest.mark.django_db


def body(**overrides):
    data = {
        "order_number": "W-1001",
        "email": "buyer@example.com",
        "customer_name": "Ana Buyer",
        "ship_to": {"name": "Ana Buyer", "line1": "5 Elm St", "city": "Newark", "region": "NJ", "postal_code": "07102", "country": "US"},
        "lines": [{"sku": "TENT-1", "quantity": 2, "unit_price": "99.00"}],
    }
    data.update(overrides)
    return data


@pytest.fixture
def acme(roles_ready):
    merchant = MerchantFactory(code="acme")
    ProductFactory(merchant=merchant, sku="TENT-1")
    return merchant


def test_create_with_idempotency_key_returns_the_same_order_and_refuses_another_body(api_client, acme):
    api_client.force_authenticate(merchant_user(acme))
    first = api_client.post("/api/v1/orders/", body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == 201, first.json()
    again = api_client.post("/api/v1/orders/", body(), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    other = api_client.post("/api/v1/orders/", body(order_number="W-2"), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422 and "different request body" in other.json()["detail"]
    dup = api_client.post("/api/v1/orders/", body(), format="json")
    assert dup.status_code == 409
    assert Order.objects.count() == 1
    detail = first.json()
    assert detail["status"] == "pending" and detail["lines"][0]["sku"] == "TENT-1"
    assert detail["timeline"][0]["kind"] == "received"


def test_unknown_sku_and_unpaid_orders_are_kept_on_hold_with_typed_reasons(api_client, acme):
    api_client.force_authenticate(merchant_user(acme))
    made = api_client.post(
        "/api/v1/orders/", body(lines=[{"sku": "NOPE", "quantity": 1}], payment_status="pending"), format="json"
    ).json()
    assert made["status"] == "on_hold"
    kinds = {hold["kind"]: hold["reason"] for hold in made["holds"]}
    assert kinds == {"unknown_sku": "unknown SKU(s): NOPE", "payment_pending": "payment is pending"}


@pytest.mark.parametrize(
    "bad,field",
    [
        ({"lines": []}, "lines"),
        ({"lines": [{"sku": "TENT-1", "quantity": 0}]}, "lines"),
        ({"lines": [{"sku": "TENT-1", "quantity": -3}]}, "lines"),
        ({"ship_to": {"name": "x"}}, "ship_to"),
        ({"service_level": "teleport"}, "service_level"),
    ],
)
def test_malformed_orders_are_refused_with_the_field_named_and_nothing_is_created(api_client, acme, bad, field):
    api_client.force_authenticate(merchant_user(acme))
    response = api_client.post("/api/v1/orders/", body(**bad), format="json")
    assert response.status_code == 400 and field in response.json()
    assert not Order.objects.exists()


def test_malformed_json_is_a_clear_400(api_client, acme):
    api_client.force_authenticate(merchant_user(acme))
    response = api_client.post("/api/v1/orders/", "{not json", content_type="application/json")
    assert response.status_code == 400 and "JSON parse error" in response.json()["detail"]


def test_a_merchant_token_never_sees_or_creates_anything_of_another_merchant(api_client, acme):
    bloom = MerchantFactory(code="bloom")
    ProductFactory(merchant=bloom, sku="SERUM")
    api_client.force_authenticate(merchant_user(bloom))
    theirs = api_client.post("/api/v1/orders/", body(lines=[{"sku": "SERUM", "quantity": 1}]), format="json").json()
    api_client.force_authenticate(merchant_user(acme))
    assert api_client.get("/api/v1/orders/").json()["count"] == 0
    assert api_client.get(f"/api/v1/orders/{theirs['id']}/").status_code == 404
    forged = api_client.post("/api/v1/orders/", body(merchant="bloom"), format="json")
    assert forged.status_code == 403
    assert Order.objects.filter(merchant=bloom).count() == 1


def test_list_filters_and_pagination(api_client, acme):
    user = merchant_user(acme)
    api_client.force_authenticate(user)
    for n in range(3):
        api_client.post("/api/v1/orders/", body(order_number=f"W-{n}", external_id=f"e-{n}"), format="json")
    api_client.post("/api/v1/orders/", body(order_number="W-held", lines=[{"sku": "X", "quantity": 1}]), format="json")
    assert api_client.get("/api/v1/orders/?status=on_hold").json()["count"] == 1
    assert api_client.get("/api/v1/orders/?external_id=e-1").json()["results"][0]["order_number"] == "W-1"
    page = api_client.get("/api/v1/orders/?limit=2").json()
    assert page["count"] == 4 and len(page["results"]) == 2
    assert api_client.get("/api/v1/orders/?created_after=2999-01-01T00:00:00Z").json()["count"] == 0
    support = UserFactory(role=roles.CUSTOMER_SERVICE)
    api_client.force_authenticate(support)
    assert api_client.get("/api/v1/orders/").json()["count"] == 4
    picker = UserFactory(role=roles.PICKER)
    api_client.force_authenticate(picker)
    assert api_client.get("/api/v1/orders/").status_code == 403


def test_an_api_order_allocates_when_stock_exists(api_client, acme):
    from inventory.services.stock import stock_receive
    from tests.factories import BinFactory

    stock_receive(product=acme.products.get(sku="TENT-1"), bin=BinFactory(), qty=5, actor=None)
    api_client.force_authenticate(merchant_user(acme))
    made = api_client.post("/api/v1/orders/", body(), format="json").json()
    order = order_allocate(order_id=made["id"])
    assert order.status == Order.Status.RELEASED


@pytest.mark.parametrize(
    "bad",
    [
        {"lines": [{"sku": "TENT-1", "quantity": 2**31, "unit_price": "1.00"}]},
        {"lines": [{"sku": "TENT-1", "quantity": 2**40}]},
        {"lines": [{"sku": "TENT-1", "quantity": 1000, "unit_price": "9999999999.99"}]},
        {"lines": [{"sku": "TENT-1", "quantity": 1, "unit_price": "9999999999.99"}], "shipping_total": "9999999999.99"},
        {"lines": [{"sku": "TENT-1", "quantity": 1, "unit_price": "-5.00"}]},
        {"lines": [{"sku": "TENT-1", "quantity": 1, "discount": "-5.00"}]},
        {"external_id": {"id": 1}},
        {"order_number": ["W", 1]},
        {"external_id": "A\x00B"},
        {"lines": [{"sku": "TENT\x001", "quantity": 1}]},
    ],
)
def test_values_no_column_can_hold_are_refused_and_nothing_is_stored(api_client, acme, bad):
    api_client.force_authenticate(merchant_user(acme))
    response = api_client.post("/api/v1/orders/", body(**bad), format="json")
    assert 400 <= response.status_code < 500, response.content[:300]
    assert Order.objects.count() == 0


def test_intake_refuses_amounts_out_of_range_from_any_source(acme):
    from decimal import Decimal

    from orders.adapters.base import NormalizedLine, NormalizedOrder
    from orders.exceptions import InvalidOrder
    from orders.services.api_intake import channel_for_direct_intake
    from orders.services.intake import order_upsert

    channel = channel_for_direct_intake(acme, "api")
    for line in (
        NormalizedLine(external_line_id="1", sku="TENT-1", name="", quantity=2**31),
        NormalizedLine(external_line_id="1", sku="TENT-1", name="", quantity=1, unit_price=Decimal("-1.00")),
    ):
        normalized = NormalizedOrder(external_id="X-1", order_number="X-1", channel_updated_at=None, email="",
                                     customer_name="", ship_to=None, lines=(line,))
        with pytest.raises(InvalidOrder):
            order_upsert(channel=channel, normalized=normalized, source="test")
    assert Order.objects.count() == 0
