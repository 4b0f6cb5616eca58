"""The merchant's `ShippingRule` rows as `shipping.rules` rules, and an order's facts for them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from orders.models import ServiceLevel
from orders.services.allocation import PROMISED_DAYS
from shipping.carriers.base import Address, Parcel, Rate
from shipping.models import ShippingRule
from shipping.rules import Choice, Conditions, RateShop, Rule, ShipmentFacts, UseService, choose_rate


def _codes(text: str) -> frozenset[str]:
    return frozenset(part.strip().upper() for part in (text or "").split(",") if part.strip())


def rules_for(merchant) -> list[Rule]:
    out = []
    for row in ShippingRule.objects.filter(merchant=merchant, is_active=True).order_by("priority", "id"):
        conditions = Conditions(
            weight_min_g=row.min_weight_g, weight_max_g=row.max_weight_g, dimension_max_mm=row.max_dimension_mm,
            countries=_codes(row.countries),
            regions=frozenset(r if "-" in r else f"{c}-{r}" for r in _codes(row.regions) for c in (_codes(row.countries) or {"US"})),
            order_value_min=row.min_order_value, order_value_max=row.max_order_value,
            service_levels=frozenset(s.lower() for s in _codes(row.service_levels)),
            sku_tags_any=frozenset(t.lower() for t in _codes(row.sku_tags)),
        )
        action = UseService(row.carrier, row.service) if row.action == ShippingRule.Action.USE_SERVICE else RateShop()
        out.append(Rule(name=row.name, conditions=conditions, action=action))
    return out


def promised_delivery(order, ship_date: dt.date) -> dt.date:
    """The delivery date promised at checkout: the same business days by service level that routing promised."""
    day, left = ship_date, PROMISED_DAYS.get(order.service_level, PROMISED_DAYS[ServiceLevel.STANDARD])
    while left:
        day += dt.timedelta(days=1)
        if day.weekday() < 5:
            left -= 1
    return day


def choose_for(*, order, items: Sequence, parcel: Parcel, rates: Sequence[Rate], ship_date: dt.date) -> Choice:
    tags = frozenset(t.strip().lower() for item in items for t in (item.product.tags or "").split(",") if t.strip())
    facts = ShipmentFacts.of(
        parcels=[parcel], ship_to=_to(order), order_value=order.total or 0, service_level=order.service_level,
        sku_tags=tags, deliver_by=promised_delivery(order, ship_date),
    )
    return choose_rate(rules_for(order.merchant), facts, rates)


def choose_for_transfer(*, merchant, products: Sequence, parcel: Parcel, rates: Sequence[Rate],
                        destination: Address) -> Choice:
    """A parcel to another of our warehouses: the merchant's rules decide as for an order, with no order value
    and no promised date (the cheapest rate of the lane unless a rule says otherwise)."""
    tags = frozenset(t.strip().lower() for product in products for t in (product.tags or "").split(",") if t.strip())
    facts = ShipmentFacts.of(parcels=[parcel], ship_to=destination, service_level=ServiceLevel.STANDARD, sku_tags=tags)
    return choose_rate(rules_for(merchant), facts, rates)


def _to(order):
    from shipping.selectors import ship_to

    return ship_to(order)
