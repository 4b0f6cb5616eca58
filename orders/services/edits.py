"""Edits before picking: change, add or remove lines, correct the ship-to address.

The order's unpicked reservations are given back and routing runs again on the edited order, so stock,
reservations and the chosen warehouse always match what the customer now wants. Once the warehouse has
planned the order into a pick wave or started picking, edits are refused with the reason; cancelling
(whole order) still works then.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import transaction

from core.errors import DomainError, PermissionDenied
from core.roles import may_use
from inventory.models import Product
from orders.adapters.bigcommerce import REGION_CODES
from orders.exceptions import IllegalTransition
from orders.locks import lock_order
from orders.models import HoldKind, Order, OrderLine, ServiceLevel
from orders.selectors import address_editable, editable
from orders.services.allocation import order_allocate, order_release_reservations
from orders.services.intake import system_holds_evaluate
from orders.services.timeline import hold_release_kind, order_event, order_transition

ADDRESS_FIELDS = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")
POSTAL_CODES = {  # what a carrier takes; a missing field is left to the address hold, as at intake
    "US": ("ZIP code", re.compile(r"\d{5}(-\d{4})?"), "12345 or 12345-6789"),
    "CA": ("postal code", re.compile(r"[A-Z]\d[A-Z] \d[A-Z]\d"), "K1A 0B1"),
    "AU": ("postcode", re.compile(r"\d{4}"), "2000"),
}
REGION_WORDS = {"US": "state", "CA": "province", "AU": "state or territory"}


class EditRefused(DomainError):
    code = "edit_refused"


@dataclass(frozen=True)
class LineChange:
    """Set the SKU's quantity: 0 removes the line, an SKU not on the order adds one."""

    sku: str
    qty: int


@transaction.atomic
def order_edit_address(*, order: Order, address: dict, actor, reason: str, area: str = "orders") -> Order:
    """Before picking the order is routed again (the nearest warehouse may change); after picking the
    units stay where they are and only the holds are looked at again (an address hold is released).
    `area`: the role area the actor needs (the order API lets a merchant edit its own orders)."""
    order = _locked_editable(order, actor, reason, check=address_editable, area=area)
    picking = not editable(order)[0]
    unknown = set(address) - set(ADDRESS_FIELDS)
    if unknown:
        raise EditRefused(f"unknown address field(s): {', '.join(sorted(unknown))}")
    corrected = {field: getattr(order, f"ship_{field}") for field in ADDRESS_FIELDS}
    corrected.update({field: _address_value(field, value) for field, value in address.items()})
    problems = address_correction_problems(corrected, changed=set(address))
    if problems:
        raise EditRefused("address not corrected: " + "; ".join(problems))
    changed = {}
    for field in address:
        value = corrected[field]
        if getattr(order, f"ship_{field}") != value:
            changed[field] = (getattr(order, f"ship_{field}"), value)
            setattr(order, f"ship_{field}", value)
    if not changed:
        return order
    order.save(update_fields=[f"ship_{f}" for f in changed] + ["updated_at"])
    order_event(order=order, kind="edited", actor=actor,
                message="Address corrected: " + "; ".join(f"{f.replace('_', ' ')} {old!r} → {new!r}" for f, (old, new) in changed.items())
                + f". {reason}", changes={f: new for f, (_, new) in changed.items()})
    if picking:
        hold_release_kind(order=order, kind=HoldKind.ADDRESS_INVALID, actor=actor, reason=f"address corrected: {reason}")
        order.refresh_from_db()
        return order
    return _route_again(order, actor, reason)


def _address_value(field: str, value) -> str:
    value = " ".join(str(value or "").split())
    if field == "country":
        return value.upper()
    if field == "postal_code":
        return value.upper()
    return value


def address_correction_problems(address: dict[str, str], *, changed: set[str]) -> list[str]:
    """What keeps a corrected address from being stored or shipped to: columns, ISO country, and for the
    countries we know, the state and the postal code's format. The region is stored as its code."""
    problems = []
    for field in sorted(changed):
        limit = getattr(Order._meta.get_field(f"ship_{field}"), "max_length", None)
        if limit and len(address[field]) > limit:
            problems.append(f"{field.replace('_', ' ')} is {len(address[field])} characters long; at most {limit}")
    country = address["country"]
    if country and not re.fullmatch(r"[A-Z]{2}", country):
        problems.append(f"the country must be a two-letter ISO code such as US or DE, not {country!r}")
    regions = REGION_CODES.get(country)
    if regions and address["region"] and {"region", "country"} & changed:
        code = address["region"].replace(".", "").upper()
        if code not in regions.values():
            code = regions.get(address["region"].lower(), "")
        if code:
            address["region"] = code
        else:
            problems.append(f"{address['region']!r} is not a {country} {REGION_WORDS[country]}")
    rule = POSTAL_CODES.get(country)
    if rule and address["postal_code"] and {"postal_code", "country"} & changed:
        label, pattern, example = rule
        if not pattern.fullmatch(address["postal_code"]):
            problems.append(f"{address['postal_code']!r} is not a valid {country} {label} (expected something like {example})")
    return problems


@transaction.atomic
def order_edit_lines(*, order: Order, changes: list[LineChange], actor, reason: str, area: str = "orders") -> Order:
    order = _locked_editable(order, actor, reason, area=area)
    if not changes:
        raise EditRefused("no line changes given")
    lines = {line.sku: line for line in order.lines.all()}
    words = []
    for change in changes:
        if not isinstance(change.qty, int) or isinstance(change.qty, bool) or change.qty < 0:
            raise EditRefused(f"{change.sku}: quantity must be a whole number, 0 or more, got {change.qty!r}")
        line = lines.get(change.sku)
        if line is not None and line.bundle_line_id:
            raise EditRefused(f"{change.sku} is part of a bundle; change the bundle on the storefront")
        if line is None:
            if change.qty == 0:
                raise EditRefused(f"{change.sku} is not on the order")
            product = Product.objects.filter(merchant_id=order.merchant_id, sku=change.sku).first()
            if product is None:
                raise EditRefused(f"unknown SKU {change.sku} for this merchant")
            if product.components.exists():
                raise EditRefused(f"{change.sku} is a bundle; order it through the storefront or the order API")
            number = max((line.line_no for line in lines.values()), default=0) + 1
            lines[change.sku] = OrderLine.objects.create(order=order, line_no=number, sku=product.sku, product=product,
                                                         name=product.name, quantity=change.qty)
            words.append(f"added {change.qty} x {change.sku}")
        elif change.qty == 0:
            if line.open_qty:
                words.append(f"removed {change.sku}")
            line.cancelled_qty = line.quantity
            line.save(update_fields=["cancelled_qty"])
        elif change.qty != line.open_qty:
            words.append(f"{change.sku} {line.open_qty} → {change.qty}")
            line.quantity, line.cancelled_qty = change.qty, 0
            line.save(update_fields=["quantity", "cancelled_qty"])
    if not any(line.open_qty for line in lines.values()):
        raise EditRefused("an order needs at least one line; cancel the order instead")
    if not words:
        return order
    order_event(order=order, kind="edited", actor=actor, message=f"Lines edited: {', '.join(words)}. {reason}")
    return _route_again(order, actor, reason)


@transaction.atomic
def order_edit_service_level(*, order: Order, service_level: str, actor, reason: str, area: str = "orders") -> Order:
    """A faster or slower service changes the priority and the promised days, so the order is routed
    again; allowed while lines may be edited (before the wave or the pick)."""
    order = _locked_editable(order, actor, reason, area=area)
    if service_level not in ServiceLevel.values:
        raise EditRefused(f"unknown service level {service_level!r}; one of: {', '.join(ServiceLevel.values)}")
    if order.service_level == service_level:
        return order
    before = order.service_level
    order.service_level = service_level
    order.save(update_fields=["service_level", "updated_at"])
    order_event(order=order, kind="edited", actor=actor, message=f"Service level {before} → {service_level}. {reason}",
                changes={"service_level": service_level})
    return _route_again(order, actor, reason)


def _locked_editable(order: Order, actor, reason: str, check=editable, area: str = "orders") -> Order:
    if not may_use(actor, area):
        raise PermissionDenied("your role may not edit orders")
    if not (reason or "").strip():
        raise EditRefused("a reason is required")
    order = lock_order(order.pk)
    ok, why = check(order)
    if not ok:
        raise IllegalTransition(f"order {order.order_number} cannot be edited: {why}")
    return order


def _route_again(order: Order, actor, reason: str) -> Order:
    order_release_reservations(order=order, actor=actor, reason=f"order edited: {reason}")
    system_holds_evaluate(order, actor)
    if order.status not in (Order.Status.PENDING, Order.Status.ON_HOLD):
        order_transition(order=order, to=Order.Status.PENDING, actor=actor, reason="edited: routing again")
    if order.status == Order.Status.PENDING:
        order_allocate(order_id=order.pk, actor=actor)
    order.refresh_from_db()
    return order
