from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from shipping.carriers.base import Rate
from shipping.carriers.sandbox import sandbox_carriers
from shipping.exceptions import NoRateAvailable
from shipping.rules import Conditions, RateShop, Rule, ShipmentFacts, UseService, choose_rate
from tests.shipping.conftest import ATLANTA, SHOEBOX, WAREHOUSE

MONDAY = date(2025, 3, 3)


def rate(carrier: str, service: str, amount: str, days: int) -> Rate:
    return Rate(carrier=carrier, service=service, amount=Decimal(amount), currency="USD", transit_days=days,
                estimated_delivery=MONDAY + timedelta(days=days))


RATES = [
    rate("USPS", "Ground Advantage", "8.40", 5),
    rate("UPS", "Ground", "11.10", 4),
    rate("FedEx", "Ground", "10.95", 4),
    rate("USPS", "Priority Mail", "12.30", 2),
    rate("FedEx", "2Day", "24.80", 2),
    rate("UPS", "Next Day Air", "46.00", 1),
]
FACTS = ShipmentFacts(weight_g=1500, longest_side_mm=300, ship_to_country="US", ship_to_region="GA",
                      order_value=Decimal("80.00"), service_level="standard", sku_tags=frozenset({"apparel"}))
UPS_GROUND = UseService("UPS", "Ground")


@pytest.mark.parametrize(("conditions", "fits", "misfit", "why"), [
    (Conditions(weight_min_g=1000), {"weight_g": 1000}, {"weight_g": 999}, "weight 0.999 kg is under 1 kg"),
    (Conditions(weight_max_g=2000), {"weight_g": 2000}, {"weight_g": 2500}, "weight 2.5 kg is over 2 kg"),
    (Conditions(dimension_max_mm=600), {"longest_side_mm": 600}, {"longest_side_mm": 900},
     "longest side 900 mm is over 600 mm"),
    (Conditions(countries=frozenset({"US", "CA"})), {"ship_to_country": "CA"}, {"ship_to_country": "DE"},
     "destination DE is not one of CA or US"),
    (Conditions(regions=frozenset({"US-AK", "US-HI"})), {"ship_to_region": "HI"}, {"ship_to_region": "GA"},
     "destination US-GA is not one of US-AK or US-HI"),
    (Conditions(order_value_min=Decimal("100")), {"order_value": Decimal("100")}, {"order_value": Decimal("99.99")},
     "order value 99.99 is under 100.00"),
    (Conditions(order_value_max=Decimal("50")), {"order_value": Decimal("50")}, {"order_value": Decimal("50.01")},
     "order value 50.01 is over 50.00"),
    (Conditions(service_levels=frozenset({"expedited", "overnight"})), {"service_level": "overnight"},
     {"service_level": "standard"}, "service level standard is not one of expedited or overnight"),
    (Conditions(sku_tags_any=frozenset({"hazmat", "lithium"})), {"sku_tags": frozenset({"apparel", "lithium"})},
     {"sku_tags": frozenset({"apparel"})}, "no item is tagged hazmat or lithium"),
])
def test_each_condition_kind(conditions, fits, misfit, why):
    rules = [Rule(name="the rule", conditions=conditions, action=UPS_GROUND)]
    chosen = choose_rate(rules, replace(FACTS, **fits), RATES)
    assert chosen.rule is rules[0] and chosen.rate.label == "UPS Ground"
    assert chosen.reason == "rule 'the rule' ships with UPS Ground at 11.10 USD, arriving Fri 2025-03-07"
    passed = choose_rate(rules, replace(FACTS, **misfit), RATES)
    assert passed.rule is None
    assert passed.trail == (f"rule 'the rule' does not apply: {why}",)


def test_all_conditions_must_hold_and_every_miss_is_named():
    rule = Rule(name="heavy to Canada", action=UPS_GROUND,
                conditions=Conditions(weight_min_g=5000, countries=frozenset({"CA"})))
    chosen = choose_rate([rule], FACTS, RATES)
    assert chosen.trail == ("rule 'heavy to Canada' does not apply: weight 1.5 kg is under 5 kg; "
                            "destination US is not one of CA",)


def test_rules_are_tried_in_order_and_the_first_that_applies_wins():
    rules = [
        Rule(name="overnight orders", conditions=Conditions(service_levels=frozenset({"overnight"})),
             action=UseService("UPS", "Next Day Air")),
        Rule(name="apparel", conditions=Conditions(sku_tags_any=frozenset({"apparel"})), action=UseService("FedEx", "Ground")),
        Rule(name="everything", action=UPS_GROUND),
    ]
    chosen = choose_rate(rules, FACTS, RATES)
    assert chosen.rule.name == "apparel" and chosen.rate.label == "FedEx Ground"
    assert chosen.trail == ("rule 'overnight orders' does not apply: service level standard is not one of overnight",)
    assert choose_rate(rules, replace(FACTS, service_level="overnight"), RATES).rate.label == "UPS Next Day Air"


def test_a_fixed_service_that_was_not_quoted_passes_to_the_next_rule():
    rules = [Rule(name="always FedEx overnight", action=UseService("FedEx", "Standard Overnight")),
             Rule(name="else UPS", action=UPS_GROUND)]
    chosen = choose_rate(rules, FACTS, RATES)
    assert chosen.rule.name == "else UPS"
    assert chosen.trail == ("rule 'always FedEx overnight' applies but FedEx Standard Overnight was not quoted "
                            "for this shipment",)


def test_a_fixed_service_that_breaks_the_promise_says_so():
    promised = replace(FACTS, deliver_by=MONDAY + timedelta(days=3))
    chosen = choose_rate([Rule(name="UPS only", action=UPS_GROUND)], promised, RATES)
    assert chosen.rate.label == "UPS Ground" and not chosen.meets_promise
    assert chosen.reason.endswith("; it may arrive after the promised Thu 2025-03-06")


def test_rate_shopping_picks_the_cheapest_rate_that_keeps_the_promise():
    promised = replace(FACTS, deliver_by=MONDAY + timedelta(days=2))  # Wednesday
    chosen = choose_rate([Rule(name="cheapest on time", action=RateShop())], promised, RATES)
    assert chosen.rate.label == "USPS Priority Mail" and chosen.meets_promise
    assert chosen.reason == ("rule 'cheapest on time': USPS Priority Mail at 12.30 USD, arriving Wed 2025-03-05 "
                             "is the cheapest of 3 rates that arrive by the promised Wed 2025-03-05")


def test_rate_shopping_without_a_promise_picks_the_cheapest():
    chosen = choose_rate([Rule(name="cheapest", action=RateShop())], FACTS, RATES)
    assert chosen.rate.label == "USPS Ground Advantage"
    assert chosen.reason == ("rule 'cheapest': USPS Ground Advantage at 8.40 USD, arriving Sat 2025-03-08 "
                             "is the cheapest of 6 rates")


def test_rate_shopping_within_carriers_and_transit_days():
    rule = Rule(name="UPS or FedEx, two days", action=RateShop(carriers=frozenset({"UPS", "fedex"}), max_transit_days=2))
    chosen = choose_rate([rule], FACTS, RATES)
    assert chosen.rate.label == "FedEx 2Day"
    assert chosen.reason.endswith("is the cheapest of 2 rates that arrive within 2 transit days")


def test_rate_shopping_falls_back_to_the_fastest_when_no_rate_keeps_the_promise():
    promised = replace(FACTS, deliver_by=MONDAY)  # today: nobody delivers the same day
    chosen = choose_rate([Rule(name="on time", action=RateShop())], promised, RATES)
    assert chosen.rate.label == "UPS Next Day Air" and not chosen.meets_promise
    assert chosen.reason == ("rule 'on time': no rate arrives by the promised Mon 2025-03-03 (6 rates quoted); "
                             "chose the fastest, UPS Next Day Air at 46.00 USD, arriving Tue 2025-03-04")


def test_the_fastest_fallback_takes_the_cheaper_of_equally_fast_rates():
    rates = [rate("UPS", "2nd Day Air", "30.00", 2), rate("FedEx", "2Day", "24.80", 2)]
    chosen = choose_rate([], replace(FACTS, deliver_by=MONDAY), rates)
    assert chosen.rate.label == "FedEx 2Day" and not chosen.meets_promise


def test_a_rate_shop_limited_to_an_absent_carrier_passes_to_the_next_rule():
    rules = [Rule(name="DHL only", action=RateShop(carriers=frozenset({"DHL"}))), Rule(name="else", action=UPS_GROUND)]
    chosen = choose_rate(rules, FACTS, RATES)
    assert chosen.rule.name == "else" and chosen.trail == ("rule 'DHL only' found no rate from DHL",)


def test_without_rules_the_cheapest_rate_on_time_is_chosen():
    chosen = choose_rate([], replace(FACTS, deliver_by=MONDAY + timedelta(days=4)), RATES)
    assert chosen.rule is None and chosen.rate.label == "FedEx Ground"
    assert chosen.reason.startswith("no rule applied, so rate shopping: FedEx Ground at 10.95 USD")


def test_no_rates_is_an_error_not_a_choice():
    with pytest.raises(NoRateAvailable, match="no carrier quoted a rate"):
        choose_rate([Rule(name="any", action=RateShop())], FACTS, [])


def test_rules_over_sandbox_quotes():
    rates = [r for carrier in sandbox_carriers() for r in carrier.rates(WAREHOUSE, ATLANTA, [SHOEBOX], MONDAY)]
    facts = ShipmentFacts.of(parcels=[SHOEBOX], ship_to=ATLANTA, order_value=Decimal("120"),
                             deliver_by=date(2025, 3, 5))
    assert facts.destination == "US-GA" and facts.weight_g == 1200 and facts.longest_side_mm == 300
    chosen = choose_rate([Rule(name="promise", action=RateShop())], facts, rates)
    on_time = [r for r in rates if r.estimated_delivery <= date(2025, 3, 5)]
    assert chosen.rate == min(on_time, key=lambda r: r.amount)
    assert chosen.meets_promise
