"""Customer service finds an order by what the customer has at hand."""

import pytest
from django.urls import reverse

from core import roles
from tests.factories import UserFactory
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(client, roles_ready):
    wanted = OrderFactory(order_number="#4321", customer_name="José Muñoz", ship_name="José Muñoz",
                          email="jose.munoz@example.com", ship_phone="+1 (555) 010-2233")
    other = OrderFactory(order_number="#9876", customer_name="Ana Lee", ship_name="Ana Lee", email="ana@example.com",
                         ship_phone="+1 555 999 0000")
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    return wanted, other


@pytest.mark.parametrize("query", ["4321", "#4321", " #4321 ", "josé muñoz", "Muñoz", "jose.munoz@example.com",
                                   "JOSE.MUNOZ@", "555-010-2233", "(555) 010 2233", "5550102233"])
def test_an_order_is_found_by_number_with_or_without_hash_name_email_or_phone(client, orders, query):
    wanted, other = orders
    page = client.get(reverse("orders:order_list"), {"q": query}).content.decode()
    assert wanted.order_number in page and other.order_number not in page, query


@pytest.mark.parametrize("query,status", [("\x00", ""), ("x" * 5000, ""), ("", "not-a-status"), ("", "\x00")])
def test_a_search_or_filter_that_matches_nothing_answers_an_empty_list(client, orders, query, status):
    response = client.get(reverse("orders:order_list"), {"q": query, "status": status})
    assert response.status_code == 200


def test_the_order_page_shows_phone_and_totals_and_offers_only_what_applies(client, orders):
    from decimal import Decimal

    from orders.models import Order

    wanted, _ = orders
    Order.objects.filter(pk=wanted.pk).update(subtotal=Decimal("40.00"), shipping_total=Decimal("5.00"),
                                              tax_total=Decimal("3.20"), discount_total=Decimal("4.00"),
                                              total=Decimal("44.20"), currency="USD")
    page = client.get(reverse("orders:order_detail", args=[wanted.pk])).content.decode()
    assert "+1 (555) 010-2233" in page and "data-phone" in page
    assert "44.20 USD" in page and "Shipping" in page and "−4.00" in page
    assert 'data-action="hold"' in page
    Order.objects.filter(pk=wanted.pk).update(status=Order.Status.CANCELLED)
    page = client.get(reverse("orders:order_detail", args=[wanted.pk])).content.decode()
    assert 'data-action="hold"' not in page and 'value="cancel"' not in page
