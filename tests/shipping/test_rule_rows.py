"""A merchant's shipping rule rows drive the carrier chosen at pack-out, and the reason is kept."""

import datetime as dt
from decimal import Decimal

import pytest

from shipping.carrier_accounts import carriers_for
from shipping.carriers.base import Parcel
from shipping.models import ShippingRule
from shipping.rule_facts import choose_for, promised_delivery
from shipping.selectors import ship_from, ship_to
from shipping.services.shipments import PackedItem
from tests.factories import MerchantFactory, ProductFactory, WarehouseFactory
from tests.orders.factories import ChannelFactory, OrderFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2026, 11, 23)


def quote(order, items, weight_g=1000):
    warehouse = WarehouseFactory(address_line1="100 Port St")
    parcel = Parcel(weight_g=weight_g, length_mm=300, width_mm=200, height_mm=150)
    rates = [r for c in carriers_for(order.merchant) for r in c.rates(ship_from(warehouse), ship_to(order), [parcel], MONDAY)]
    return choose_for(order=order, items=items, parcel=parcel, rates=rates, ship_date=MONDAY)


def an_order(merchant, **kwargs):
    return OrderFactory(channel=ChannelFactory(merchant=merchant), ship_city="Los Angeles", ship_region="CA",
                        ship_postal_code="90012", **kwargs)


def test_rules_apply_in_priority_order_by_each_condition_and_explain_themselves():
    merchant = MerchantFactory()
    fragile = ProductFactory(merchant=merchant, tags="fragile")
    plain = ProductFactory(merchant=merchant)
    ShippingRule.objects.create(merchant=merchant, name="Fragile by FedEx", priority=10, sku_tags="fragile",
                                action="use_service", carrier="FedEx", service="2Day")
    ShippingRule.objects.create(merchant=merchant, name="Heavy by UPS Ground", priority=20, min_weight_g=5000,
                                action="use_service", carrier="UPS", service="Ground")
    ShippingRule.objects.create(merchant=merchant, name="Big orders to CA", priority=30, min_order_value=Decimal("500"),
                                countries="US", regions="CA", action="use_service", carrier="UPS", service="2nd Day Air")

    choice = quote(an_order(merchant), [PackedItem(1, fragile, 1)])
    assert (choice.rate.carrier, choice.rate.service) == ("FedEx", "2Day") and "Fragile by FedEx" in choice.reason

    choice = quote(an_order(merchant), [PackedItem(1, plain, 1)], weight_g=9000)
    assert (choice.rate.carrier, choice.rate.service) == ("UPS", "Ground")
    assert any("Fragile by FedEx" in step for step in choice.trail)

    choice = quote(an_order(merchant, total=Decimal("800")), [PackedItem(1, plain, 1)])
    assert (choice.rate.carrier, choice.rate.service) == ("UPS", "2nd Day Air")


def test_without_a_matching_rule_the_cheapest_rate_that_meets_the_promise_wins():
    merchant = MerchantFactory()
    item = ProductFactory(merchant=merchant)
    overnight = an_order(merchant, service_level="overnight")
    choice = quote(overnight, [PackedItem(1, item, 1)])
    promised = promised_delivery(overnight, MONDAY)
    assert promised == dt.date(2026, 11, 24)
    assert choice.meets_promise and choice.rate.estimated_delivery <= promised
    rates = [r for c in carriers_for(merchant) for r in c.rates(
        ship_from(WarehouseFactory(address_line1="1 A St")), ship_to(overnight),
        [Parcel(weight_g=1000, length_mm=300, width_mm=200, height_mm=150)], MONDAY)]
    keeping = [r for r in rates if r.estimated_delivery and r.estimated_delivery <= promised]
    assert choice.rate.amount == min(r.amount for r in keeping)
    assert "cheapest" in choice.reason
    standard = quote(an_order(merchant), [PackedItem(1, item, 1)])
    assert standard.rate.amount < choice.rate.amount
