"""The REST create is lean: a handful of statements, one INSERT for all lines, the 201 body built from what the
create has in hand (the same body a read of the order gives), and a 201 only once the order is committed."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orders.models import Order, OrderLine
from tests.factories import MerchantFactory, ProductFactory, merchant_user
from tests.orders.test_orders_api import body

pytestmark = pytest.mark.django_db

# The user's merchant, the channel (first create only: then cached), the order, the products by SKU, the bundle
# recipes, all lines in one INSERT, the timeline entry; under test the transaction is a savepoint (2).
CREATE_QUERIES = 8


@pytest.fixture
def acme(roles_ready):
    merchant = MerchantFactory(code="acme")
    for sku in ("TENT-1", "TENT-2", "TENT-3"):
        ProductFactory(merchant=merchant, sku=sku)
    return merchant


def three_lines(number):
    return body(order_number=number, lines=[{"sku": "TENT-1", "quantity": 2, "unit_price": "9.50"},
                                             {"sku": "TENT-2", "quantity": 1, "unit_price": "5"},
                                             {"sku": "TENT-3", "quantity": 4, "discount": "1.25"}])


def test_a_rest_create_takes_a_handful_of_statements_and_answers_what_a_read_answers(
        api_client, acme, django_assert_max_num_queries):
    api_client.force_authenticate(merchant_user(acme))
    assert api_client.post("/api/v1/orders/", body(order_number="W-0"), format="json").status_code == 201
    with CaptureQueriesContext(connection) as seen, django_assert_max_num_queries(CREATE_QUERIES):
        made = api_client.post("/api/v1/orders/", three_lines("W-1"), format="json")
    assert made.status_code == 201, made.json()
    assert sum(q["sql"].startswith('INSERT INTO "orders_orderline"') for q in seen.captured_queries) == 1
    read = api_client.get(f"/api/v1/orders/{made.json()['id']}/").json()
    assert made.json() == read
    assert [(line["sku"], line["quantity"]) for line in read["lines"]] == [("TENT-1", 2), ("TENT-2", 1), ("TENT-3", 4)]
    assert read["status"] == "pending" and read["subtotal"] == "22.75" and read["actions"]["cancel"]["allowed"]
    assert OrderLine.objects.filter(order_id=read["id"]).count() == 3


def test_a_create_that_needs_holds_answers_them_as_a_read_does(api_client, acme):
    api_client.force_authenticate(merchant_user(acme))
    made = api_client.post("/api/v1/orders/", body(lines=[{"sku": "NOPE", "quantity": 1}], payment_status="pending"),
                           format="json")
    assert made.status_code == 201
    assert made.json() == api_client.get(f"/api/v1/orders/{made.json()['id']}/").json()
    assert made.json()["status"] == "on_hold" and {h["kind"] for h in made.json()["holds"]} == {"unknown_sku", "payment_pending"}


def test_a_duplicate_is_refused_by_the_unique_key_and_leaves_nothing_behind(api_client, acme):
    api_client.force_authenticate(merchant_user(acme))
    assert api_client.post("/api/v1/orders/", three_lines("W-7"), format="json").status_code == 201
    again = api_client.post("/api/v1/orders/", three_lines("W-7"), format="json")
    assert again.status_code == 409 and "already exists" in again.json()["detail"]
    assert Order.objects.filter(order_number="W-7").count() == 1
    assert OrderLine.objects.filter(order__order_number="W-7").count() == 3
