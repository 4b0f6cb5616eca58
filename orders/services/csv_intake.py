"""Wholesale / POS / manual orders from CSV: one row per line, rows grouped by order_number.

The whole file is checked first (streamed row by row); every bad row is reported by line number
and nothing is created unless every row is good. Lines are kept per order until the end, so memory
grows with the number of orders in the file, not with its size in bytes.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction

from core.csv_import import ImportRejected, RowError, read_csv_rows
from inventory.models import Product
from orders.exceptions import DuplicateOrder
from orders.models import Channel, Order, PaymentStatus, ServiceLevel
from orders.services.api_intake import channel_for_direct_intake, normalized_from_api
from orders.services.intake import order_upsert

REQUIRED = ("order_number", "ship_name", "ship_line1", "ship_city", "ship_postal_code", "ship_country", "sku", "quantity")
ADDRESS = ("name", "company", "line1", "line2", "city", "region", "postal_code", "country", "phone")


def orders_import_csv(*, merchant, source, actor) -> list[Order]:
    channel = channel_for_direct_intake(merchant, Channel.Kind.CSV)
    known_skus = set(Product.objects.filter(merchant=merchant, is_active=True).values_list("sku", flat=True))
    existing = set(Order.objects.filter(channel=channel).values_list("external_id", flat=True))
    orders: dict[str, dict] = {}
    errors: list[RowError] = []
    for line, row in read_csv_rows(source, REQUIRED):
        problem = _row_problem(row, known_skus)
        if problem:
            errors.append(RowError(line, problem))
            continue
        number = row["order_number"]
        if number in existing:
            errors.append(RowError(line, f"order {number} was already imported"))
            continue
        order = orders.setdefault(number, {
            "order_number": number, "external_id": number, "email": row.get("email", ""),
            "customer_name": row.get("customer_name", "") or row["ship_name"],
            "ship_to": {f: row.get(f"ship_{f}", "") for f in ADDRESS},
            "service_level": row.get("service_level") or ServiceLevel.STANDARD,
            "payment_status": row.get("payment_status") or PaymentStatus.PAID, "lines": [], "first_line": line,
        })
        if order["ship_to"] != {f: row.get(f"ship_{f}", "") for f in ADDRESS}:
            errors.append(RowError(line, f"order {number} has a different address than on line {order['first_line']}"))
            continue
        order["lines"].append({"sku": row["sku"], "quantity": int(row["quantity"]), "unit_price": row.get("unit_price") or "0"})
    if errors:
        raise ImportRejected(errors)
    if not orders:
        raise ImportRejected([RowError(1, "the file has no order rows")])
    created = []
    with transaction.atomic():
        for data in orders.values():
            data.pop("first_line")
            result = order_upsert(channel=channel, normalized=normalized_from_api(data), source="CSV upload", actor=actor)
            if not result.created:
                raise DuplicateOrder(f"order {data['order_number']} already exists")
            created.append(result.order)
    return created


def _row_problem(row: dict, known_skus: set[str]) -> str | None:
    missing = [column for column in REQUIRED if not row.get(column)]
    if missing:
        return f"missing {', '.join(missing)}"
    try:
        qty = int(row["quantity"])
    except ValueError:
        return f"quantity must be a whole number, got {row['quantity']!r}"
    if qty <= 0:
        return f"quantity must be at least 1, got {qty}"
    if row["sku"] not in known_skus:
        return f"unknown SKU {row['sku']!r}"
    if row.get("unit_price"):
        try:
            if Decimal(row["unit_price"]) < 0:
                return "unit_price must not be negative"
        except InvalidOperation:
            return f"unit_price must be a number, got {row['unit_price']!r}"
    if len(row["ship_country"]) != 2:
        return f"ship_country must be a 2-letter ISO code, got {row['ship_country']!r}"
    if row.get("service_level") and row["service_level"] not in ServiceLevel.values:
        return f"unknown service_level {row['service_level']!r}"
    return None
