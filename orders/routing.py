"""Routing: which warehouse(s) ship an order, and why. Pure computation over a snapshot of
availability; allocation (orders.services.allocation) reserves what the plan says."""

from __future__ import annotations

from dataclasses import dataclass, field

from orders.geo import centroid, distance_km
from orders.models import RoutingRule

GROUND_KM_PER_DAY = 800  # ground transit: about one day per 800 km, at least one day


@dataclass(frozen=True)
class Candidate:
    warehouse_id: int
    code: str
    distance_km: float | None
    open_work: int  # fulfillment orders in flight: a capacity signal

    @property
    def transit_days(self) -> int:
        return 1 if self.distance_km is None else max(1, round(self.distance_km / GROUND_KM_PER_DAY + 0.5))

    def estimated_cost(self, weight_kg: float) -> float:
        km = self.distance_km if self.distance_km is not None else 2000.0
        return round(5.0 + 0.002 * km * max(weight_kg, 0.5), 2)


@dataclass
class Plan:
    assignments: dict[int, dict[int, int]] = field(default_factory=dict)  # warehouse_id -> {line_id: qty}
    backordered: dict[int, int] = field(default_factory=dict)  # line_id -> qty
    reasons: list[str] = field(default_factory=list)

    def assign(self, warehouse_id: int, line_id: int, qty: int) -> None:
        if qty > 0:
            self.assignments.setdefault(warehouse_id, {})[line_id] = qty


def rank(candidates: list[Candidate], rules: list[str], weight_kg: float) -> list[Candidate]:
    def key(c: Candidate):
        parts = []
        for rule in rules:
            if rule == RoutingRule.NEAREST:
                parts.append(c.distance_km if c.distance_km is not None else float("inf"))
            elif rule == RoutingRule.CHEAPEST:
                parts.append(c.estimated_cost(weight_kg))
            elif rule == RoutingRule.FASTEST:
                parts.append(c.transit_days)
            elif rule == RoutingRule.CAPACITY:
                parts.append(c.open_work)
        return (*parts, c.code)

    return sorted(candidates, key=key)


def candidates_for(warehouses, *, country: str, postal_code: str, open_work: dict[int, int]) -> list[Candidate]:
    destination = centroid(country, postal_code)
    return [
        Candidate(
            warehouse_id=w.pk, code=w.code, open_work=open_work.get(w.pk, 0),
            distance_km=round(distance_km(destination, (float(w.latitude), float(w.longitude))), 1) if destination else None,
        )
        for w in warehouses
    ]


def plan(
    *, needs: dict[int, tuple[int, int]], available: dict[tuple[int, int], int], candidates: list[Candidate],
    rules: list[str], allow_split: bool, weight_kg: float, promised_days: int | None = None,
) -> Plan:
    """needs: line_id -> (product_id, qty). available: (product_id, warehouse_id) -> units."""
    result = Plan()
    if not needs:
        return result
    ranked = rank(candidates, rules, weight_kg)
    if promised_days is not None:
        on_time = [c for c in ranked if c.transit_days <= promised_days]
        if on_time and len(on_time) < len(ranked):
            late = ", ".join(c.code for c in ranked if c not in on_time)
            result.reasons.append(f"skipped {late}: cannot deliver within {promised_days} day(s)")
            ranked = on_time
    if not ranked:  # no active warehouse at all: the order waits as a backorder instead of failing allocation
        result.backordered = {line_id: qty for line_id, (_, qty) in needs.items()}
        result.reasons.append("backordered: there is no active warehouse to ship from")
        return result
    explain = "; ".join(_describe(c, weight_kg) for c in ranked)
    result.reasons.append(f"rules in order: {', '.join(rules)}; candidates: {explain}")

    complete = [c for c in ranked if all(available.get((p, c.warehouse_id), 0) >= q for p, q in needs.values())]
    if complete:
        chosen = complete[0]
        for line_id, (_, qty) in needs.items():
            result.assign(chosen.warehouse_id, line_id, qty)
        result.reasons.append(f"{chosen.code} ships everything in one shipment ({_describe(chosen, weight_kg)})")
        return result

    if allow_split:
        remaining = dict(needs)
        left = dict(available)
        for c in ranked:
            for line_id, (product_id, qty) in list(remaining.items()):
                take = min(qty, max(left.get((product_id, c.warehouse_id), 0), 0))
                if take:
                    result.assign(c.warehouse_id, line_id, take)
                    left[(product_id, c.warehouse_id)] -= take
                    remaining[line_id] = (product_id, qty - take)
        result.backordered = {line_id: qty for line_id, (_, qty) in remaining.items() if qty > 0}
        used = [c.code for c in ranked if c.warehouse_id in result.assignments]
        result.reasons.append(
            f"no warehouse has everything; split allowed: shipping from {', '.join(used) or 'none'}"
        )
    else:
        def units(c: Candidate) -> int:
            return sum(min(q, max(available.get((p, c.warehouse_id), 0), 0)) for p, q in needs.values())

        best = max(ranked, key=units)  # max() keeps the first of equals: rule order breaks ties
        for line_id, (product_id, qty) in needs.items():
            take = min(qty, max(available.get((product_id, best.warehouse_id), 0), 0))
            result.assign(best.warehouse_id, line_id, take)
            if qty - take:
                result.backordered[line_id] = qty - take
        if units(best):
            result.reasons.append(f"no warehouse has everything and splits are off: {best.code} has the most")
    if result.backordered:
        result.reasons.append(f"backordered: {sum(result.backordered.values())} unit(s) no warehouse can ship now")
    return result


def _describe(c: Candidate, weight_kg: float) -> str:
    distance = f"{c.distance_km:.0f} km" if c.distance_km is not None else "distance unknown"
    return f"{c.code} {distance}, ~${c.estimated_cost(weight_kg):.2f}, {c.transit_days} day(s), {c.open_work} open"
