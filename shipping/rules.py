"""Shipping rules: which carrier and service a shipment goes out with.

Rules are tried in order. A rule applies when all its conditions hold (an empty condition holds for
every shipment); its action either names a carrier and service, or rate-shops: the cheapest rate that
arrives by the promised date. The first rule that applies and can act on the quoted rates wins; when none
does, the cheapest rate that keeps the promise is chosen. Each choice carries its reason in words, and
the trail of rules that were passed over and why, for the order's timeline."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal

from shipping.carriers.base import Address, Parcel, Rate
from shipping.exceptions import NoRateAvailable


@dataclass(frozen=True, kw_only=True)
class ShipmentFacts:
    weight_g: int
    longest_side_mm: int
    ship_to_country: str
    ship_to_region: str = ""
    order_value: Decimal = Decimal("0")
    service_level: str = "standard"  # as the order asked: "standard", "expedited", "overnight"
    sku_tags: frozenset[str] = frozenset()
    deliver_by: date | None = None  # the delivery date promised to the customer

    @classmethod
    def of(cls, *, parcels: Sequence[Parcel], ship_to: Address, **facts) -> ShipmentFacts:
        return cls(weight_g=sum(p.weight_g for p in parcels),
                   longest_side_mm=max((p.longest_side_mm for p in parcels), default=0),
                   ship_to_country=ship_to.country.upper(), ship_to_region=ship_to.region.upper(), **facts)

    @property
    def destination(self) -> str:
        """ISO 3166-2 style: "US-HI", or the country alone when the region is unknown."""
        return f"{self.ship_to_country}-{self.ship_to_region}" if self.ship_to_region else self.ship_to_country


@dataclass(frozen=True, kw_only=True)
class Conditions:
    weight_min_g: int | None = None
    weight_max_g: int | None = None
    dimension_max_mm: int | None = None  # longest side of any parcel
    countries: frozenset[str] = frozenset()  # ISO 3166-1 alpha-2: "US", "CA"
    regions: frozenset[str] = frozenset()  # ISO 3166-2: "US-AK", "US-HI", "CA-QC"
    order_value_min: Decimal | None = None
    order_value_max: Decimal | None = None
    service_levels: frozenset[str] = frozenset()
    sku_tags_any: frozenset[str] = frozenset()

    def mismatches(self, facts: ShipmentFacts) -> list[str]:
        """Why the shipment falls outside these conditions; empty when it is inside. Bounds include
        their limits."""
        out = []
        if self.weight_min_g is not None and facts.weight_g < self.weight_min_g:
            out.append(f"weight {_kg(facts.weight_g)} is under {_kg(self.weight_min_g)}")
        if self.weight_max_g is not None and facts.weight_g > self.weight_max_g:
            out.append(f"weight {_kg(facts.weight_g)} is over {_kg(self.weight_max_g)}")
        if self.dimension_max_mm is not None and facts.longest_side_mm > self.dimension_max_mm:
            out.append(f"longest side {facts.longest_side_mm} mm is over {self.dimension_max_mm} mm")
        if self.countries and facts.ship_to_country not in self.countries:
            out.append(f"destination {facts.ship_to_country} is not one of {_listed(self.countries)}")
        if self.regions and facts.destination not in self.regions:
            out.append(f"destination {facts.destination} is not one of {_listed(self.regions)}")
        if self.order_value_min is not None and facts.order_value < self.order_value_min:
            out.append(f"order value {facts.order_value:.2f} is under {self.order_value_min:.2f}")
        if self.order_value_max is not None and facts.order_value > self.order_value_max:
            out.append(f"order value {facts.order_value:.2f} is over {self.order_value_max:.2f}")
        if self.service_levels and facts.service_level not in self.service_levels:
            out.append(f"service level {facts.service_level} is not one of {_listed(self.service_levels)}")
        if self.sku_tags_any and not (facts.sku_tags & self.sku_tags_any):
            out.append(f"no item is tagged {_listed(self.sku_tags_any)}")
        return out


@dataclass(frozen=True)
class UseService:
    """Ship with this carrier and service whatever the other rates say."""

    carrier: str
    service: str

    def matches(self, rate: Rate) -> bool:
        return rate.carrier.lower() == self.carrier.lower() and rate.service.lower() == self.service.lower()


@dataclass(frozen=True)
class RateShop:
    """The cheapest rate that arrives by the promised date, among these carriers (all when empty) and
    within `max_transit_days` when set. Amounts are compared as quoted: one currency per shipment."""

    carriers: frozenset[str] = frozenset()
    max_transit_days: int | None = None


@dataclass(frozen=True, kw_only=True)
class Rule:
    name: str
    conditions: Conditions = field(default_factory=Conditions)
    action: UseService | RateShop


@dataclass(frozen=True)
class Choice:
    rate: Rate
    rule: Rule | None  # None: no rule applied and the default rate shopping chose
    reason: str
    meets_promise: bool = True
    trail: tuple[str, ...] = ()  # the rules passed over before this one, and why


def choose_rate(rules: Iterable[Rule], facts: ShipmentFacts, rates: Sequence[Rate]) -> Choice:
    if not rates:
        raise NoRateAvailable("no carrier quoted a rate for this shipment")
    trail: list[str] = []
    for rule in rules:
        mismatches = rule.conditions.mismatches(facts)
        if mismatches:
            trail.append(f"rule {rule.name!r} does not apply: {'; '.join(mismatches)}")
            continue
        if isinstance(rule.action, UseService):
            choice = _use_service(rule, rule.action, facts, rates)
        else:
            choice = _rate_shop(rule, rule.action, facts, rates)
        if isinstance(choice, str):
            trail.append(choice)
            continue
        return replace(choice, trail=tuple(trail))
    choice = _rate_shop(None, RateShop(), facts, rates)
    if isinstance(choice, str):
        raise NoRateAvailable(choice)
    return replace(choice, trail=tuple(trail))


def _use_service(rule: Rule, action: UseService, facts: ShipmentFacts, rates: Sequence[Rate]) -> Choice | str:
    rate = next((r for r in rates if action.matches(r)), None)
    if rate is None:
        return f"rule {rule.name!r} applies but {action.carrier} {action.service} was not quoted for this shipment"
    reason = f"rule {rule.name!r} ships with {_describe(rate)}"
    late = _late(rate, facts)
    if late:
        reason += f"; it may arrive after the promised {facts.deliver_by:%a %Y-%m-%d}"
    return Choice(rate, rule, reason, meets_promise=not late)


def _rate_shop(rule: Rule | None, action: RateShop, facts: ShipmentFacts, rates: Sequence[Rate]) -> Choice | str:
    who = f"rule {rule.name!r}" if rule else "no rule applied, so rate shopping"
    carriers = {c.lower() for c in action.carriers}
    candidates = [r for r in rates if not carriers or r.carrier.lower() in carriers]
    if not candidates:
        return f"{who} found no rate from {_listed(action.carriers)}"
    promise = _promise(action, facts)
    if promise is None:
        rate = min(candidates, key=_cheapest)
        return Choice(rate, rule, f"{who}: {_describe(rate)} is the cheapest of {_count(candidates)}")
    kept = [r for r in candidates if _keeps(r, action, facts)]
    if kept:
        rate = min(kept, key=_cheapest)
        return Choice(rate, rule, f"{who}: {_describe(rate)} is the cheapest of {_count(kept)} that "
                                  f"arrive {promise}")
    rate = min(candidates, key=_fastest)
    return Choice(rate, rule, f"{who}: no rate arrives {promise} ({_count(candidates)} quoted); "
                              f"chose the fastest, {_describe(rate)}", meets_promise=False)


def _promise(action: RateShop, facts: ShipmentFacts) -> str | None:
    parts = []
    if facts.deliver_by is not None:
        parts.append(f"by the promised {facts.deliver_by:%a %Y-%m-%d}")
    if action.max_transit_days is not None:
        parts.append(f"within {action.max_transit_days} transit day{'s' if action.max_transit_days != 1 else ''}")
    return " and ".join(parts) or None


def _late(rate: Rate, facts: ShipmentFacts) -> bool:
    """A rate without an estimated delivery cannot be counted on to keep a promise."""
    if facts.deliver_by is None:
        return False
    return rate.estimated_delivery is None or rate.estimated_delivery > facts.deliver_by


def _keeps(rate: Rate, action: RateShop, facts: ShipmentFacts) -> bool:
    if _late(rate, facts):
        return False
    limit = action.max_transit_days
    return limit is None or (rate.transit_days is not None and rate.transit_days <= limit)


def _cheapest(rate: Rate) -> tuple:
    return rate.amount, rate.estimated_delivery or date.max, rate.carrier, rate.service


def _fastest(rate: Rate) -> tuple:
    return rate.estimated_delivery or date.max, rate.transit_days or 99, rate.amount, rate.carrier, rate.service


def _describe(rate: Rate) -> str:
    arrives = f", arriving {rate.estimated_delivery:%a %Y-%m-%d}" if rate.estimated_delivery else ""
    return f"{rate.carrier} {rate.service} at {rate.amount:.2f} {rate.currency}{arrives}"


def _count(rates: Sequence[Rate]) -> str:
    return f"{len(rates)} rate{'s' if len(rates) != 1 else ''}"


def _kg(grams: int) -> str:
    return f"{grams / 1000:g} kg"


def _listed(values: Iterable[str]) -> str:
    ordered = sorted(values)
    return ordered[0] if len(ordered) == 1 else f"{', '.join(ordered[:-1])} or {ordered[-1]}"
