"""A customer's note and gift message arrive from every storefront and the REST API, are kept on the order (cut to
their columns, never refused for length), shown on the order pages and printed on the packing slip."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core import roles
from orders.adapters import bigcommerce, shopify, woocommerce
from orders.adapters.base import gift_message_from
from orders.models import Order
from orders.models.order import GIFT_MESSAGE_MAX, NOTE_MAX
from tests.factories import UserFactory
from tests.orders.storefront import payload
from tests.warehouse.packing import picked
from tests.warehouse.picking import build_pick_site, product
from tests.warehouse.test_packing_slips import pdf_text
from warehouse.outbound.services.packing_slips import packing_slip_pdf


def test_each_storefront_carries_its_note_and_gift_message_in_its_own_shape():
    raw = payload("shopify_order")
    raw["note"] = "Leave at the back door"
    raw["note_attributes"] = [{"name": "colour", "value": "red"}, {"name": "Gift Message", "value": "Happy birthday, Sam!"}]
    order = shopify.normalize(raw)
    assert (order.note, order.gift_message) == ("Leave at the back door", "Happy birthday, Sam!")

    raw = payload("woocommerce_order")
    raw["customer_note"] = "Ring twice"
    raw["meta_data"] = [{"id": 1, "key": "_gift_message", "value": "With love"}]
    order = woocommerce.normalize(raw)
    assert (order.note, order.gift_message) == ("Ring twice", "With love")

    raw = payload("bigcommerce_order")
    raw["customer_message"] = "Fragile, please"
    raw["products"][1]["wrapping_message"] = "Congratulations!"
    order = bigcommerce.normalize(raw)
    assert (order.note, order.gift_message) == ("Fragile, please", "Congratulations!")


@pytest.mark.parametrize("pairs", [None, "text", [1, "x", None], [{"name": "gift wrap", "value": "yes"}],
                                   [{"name": "gift_note", "value": {"nested": 1}}], [{"key": None, "value": "x"}]])
def test_odd_attribute_shapes_give_no_gift_message(pairs):
    assert gift_message_from(pairs) == ""


def test_a_note_that_is_not_text_is_ignored_rather_than_stored_as_its_repr():
    raw = payload("shopify_order")
    raw["note"] = {"evil": "object"}
    assert shopify.normalize(raw).note == ""


@pytest.mark.django_db
def test_the_api_keeps_them_refuses_over_long_ones_and_shows_them(api_client, roles_ready):
    from tests.factories import MerchantFactory, ProductFactory, merchant_user
    from tests.orders.test_orders_api import body  # the API's canonical order body

    acme = MerchantFactory(code="acme")
    ProductFactory(merchant=acme, sku="TENT-1")
    api_client.force_authenticate(merchant_user(acme))
    too_long = api_client.post("/api/v1/orders/", body(note="n" * (NOTE_MAX + 1)), format="json")
    assert too_long.status_code == 400 and "note" in too_long.json() and not Order.objects.exists()
    created = api_client.post("/api/v1/orders/", body(note="Side gate", gift_message="Enjoy!"), format="json")
    assert created.status_code == 201, created.content
    assert (created.json()["note"], created.json()["gift_message"]) == ("Side gate", "Enjoy!")
    order = Order.objects.get()
    assert (order.note, order.gift_message) == ("Side gate", "Enjoy!")


@pytest.mark.django_db
def test_intake_cuts_a_storefront_note_to_its_column_and_the_slip_and_page_show_them(tmp_path, client, roles_ready):
    ps = build_pick_site()
    tee = product(ps, name="Plain Tee")
    order, _ = picked(ps, [(tee, 1)])
    Order.objects.filter(pk=order.pk).update(note="Please knock. " * 100, gift_message="Happy birthday, Sam!")
    order.refresh_from_db()
    text = pdf_text(packing_slip_pdf(order.fulfillment_orders.get()), tmp_path)
    assert "Gift message:" in text and "Happy birthday, Sam!" in text and "Customer note:" in text
    assert text.count("Please knock.") < 100  # a long note is shortened on the slip, kept whole on the order
    client.force_login(UserFactory(role=roles.CUSTOMER_SERVICE))
    html = client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert "data-gift-message" in html and "Happy birthday, Sam!" in html and html.count("Please knock.") == 100

    from orders.adapters.base import NormalizedOrder
    from orders.services.intake import _apply_header

    fresh = Order()
    _apply_header(fresh, NormalizedOrder(external_id="1", order_number="1", channel_updated_at=None, email="",
                                         customer_name="", ship_to=None, lines=(), note="x" * 5000,
                                         gift_message="g" * 5000))
    assert (len(fresh.note), len(fresh.gift_message)) == (NOTE_MAX, GIFT_MESSAGE_MAX)
