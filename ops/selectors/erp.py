"""The ERP feed: the stock ledger and shipped cartons, read incrementally with a cursor (see core.feed).

A page holds the rows after the cursor whose transaction is below the horizon, in (transaction, id) order; its
next cursor is the last row served (or the same cursor when nothing new is final yet). A merchant user or token
reads only its merchant's rows; staff read within their StaffScope."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from core.feed import Position, cursor_decode, cursor_encode, feed_horizon
from inventory.models import Movement, Product
from inventory.tenancy import staff_scoped
from orders.models import Order
from shipping.models import Shipment

MOVEMENTS = "movements"
SHIPMENTS = "shipments"
DEFAULT_LIMIT = 500
MAX_LIMIT = 5000
CSV_CHUNK = 2000

MOVEMENT_COLUMNS = ("id", "created_at", "merchant", "sku", "warehouse", "bin", "qty", "kind", "condition", "lot",
                    "reason", "reference", "actor", "operation", "unit_cost")
SHIPMENT_COLUMNS = ("id", "shipped_at", "merchant", "order_number", "channel_order_id", "warehouse", "carrier",
                    "service", "tracking_number", "rate_amount", "rate_currency", "weight_g", "units", "contents")


@dataclass(frozen=True)
class Feed:
    name: str
    xact_field: str
    columns: tuple[str, ...]


FEEDS = {
    MOVEMENTS: Feed(MOVEMENTS, "xact_id", MOVEMENT_COLUMNS),
    SHIPMENTS: Feed(SHIPMENTS, "shipped_xact_id", SHIPMENT_COLUMNS),
}


@dataclass
class FeedPage:
    rows: list[dict[str, Any]]
    next_cursor: str
    has_more: bool


def _movements_visible_to(user) -> QuerySet[Movement]:
    return (staff_scoped(Movement.objects.filter(product__in=Product.objects.visible_to(user)), user, warehouse="warehouse_id")
            .select_related("product__merchant", "warehouse", "bin"))


def _shipments_visible_to(user) -> QuerySet[Shipment]:
    return (staff_scoped(Shipment.objects.filter(shipped_xact_id__isnull=False,
                                                 fulfillment_order__order__in=Order.objects.visible_to(user)),
                         user, warehouse="warehouse_id")
            .select_related("fulfillment_order__order__merchant", "warehouse"))


def _visible(feed: Feed, user) -> QuerySet:
    return _movements_visible_to(user) if feed.name == MOVEMENTS else _shipments_visible_to(user)


def _after(feed: Feed, position: Position) -> Q:
    return Q(**{f"{feed.xact_field}__gt": position.xact}) | Q(**{feed.xact_field: position.xact, "id__gt": position.id})


def _final(feed: Feed, user, position: Position, horizon: int) -> QuerySet:
    return (_visible(feed, user).filter(_after(feed, position)).filter(**{f"{feed.xact_field}__lt": horizon})
            .order_by(feed.xact_field, "id"))


def _position(feed: Feed, row) -> Position:
    return Position(getattr(row, feed.xact_field), row.pk)


def movement_row(movement: Movement) -> dict[str, Any]:
    product = movement.product
    return {"id": movement.pk, "created_at": movement.created_at, "merchant": product.merchant.code, "sku": product.sku,
            "warehouse": movement.warehouse.code, "bin": movement.bin.code, "qty": movement.qty, "kind": movement.kind,
            "condition": movement.condition, "lot": movement.lot, "reason": movement.reason,
            "reference": movement.reference, "actor": movement.actor_label, "operation": movement.operation,
            "unit_cost": product.unit_cost}


def shipment_row(shipment: Shipment) -> dict[str, Any]:
    order = shipment.order_fulfillment.order
    contents = [{"order_line_id": entry["order_line_id"], "product_id": entry["product_id"], "qty": entry["qty"]}
                for entry in shipment.contents]
    return {"id": shipment.pk, "shipped_at": shipment.shipped_at, "merchant": order.merchant.code,
            "order_number": order.order_number, "channel_order_id": order.external_id,
            "warehouse": shipment.warehouse.code, "carrier": shipment.carrier, "service": shipment.service,
            "tracking_number": shipment.tracking_number or "", "rate_amount": shipment.rate_amount,
            "rate_currency": shipment.rate_currency, "weight_g": shipment.weight_g,
            "units": sum(entry["qty"] for entry in contents), "contents": contents}


def _row(feed: Feed, obj) -> dict[str, Any]:
    return movement_row(obj) if feed.name == MOVEMENTS else shipment_row(obj)


def erp_feed_page(*, feed_name: str, user, cursor: str | None, limit: int = DEFAULT_LIMIT) -> FeedPage:
    """Up to `limit` final rows after the cursor. Raises InvalidCursor for a cursor this feed did not give out."""
    feed = FEEDS[feed_name]
    position = cursor_decode(feed.name, cursor)
    horizon = feed_horizon()
    found = list(_final(feed, user, position, horizon)[: limit + 1])
    served = found[:limit]
    last = _position(feed, served[-1]) if served else position
    return FeedPage(rows=[_row(feed, obj) for obj in served], next_cursor=cursor_encode(feed.name, last),
                    has_more=len(found) > limit)


@dataclass
class FeedExport:
    """Every final row after the cursor, fixed when the export starts, read in chunks while it streams."""

    feed: Feed
    user: Any
    start: Position
    end: Position

    @property
    def next_cursor(self) -> str:
        return cursor_encode(self.feed.name, self.end)

    def rows(self) -> Iterator[dict[str, Any]]:
        position = self.start
        while position < self.end:
            chunk = list(_visible(self.feed, self.user).filter(_after(self.feed, position))
                         .filter(Q(**{f"{self.feed.xact_field}__lt": self.end.xact})
                                 | Q(**{self.feed.xact_field: self.end.xact, "id__lte": self.end.id}))
                         .order_by(self.feed.xact_field, "id")[:CSV_CHUNK])
            if not chunk:
                return
            for obj in chunk:
                yield _row(self.feed, obj)
            position = _position(self.feed, chunk[-1])


def erp_feed_export(*, feed_name: str, user, cursor: str | None, limit: int | None = None) -> FeedExport:
    """Every final row after the cursor (the first `limit` of them when given), fixed now and streamed later."""
    feed = FEEDS[feed_name]
    position = cursor_decode(feed.name, cursor)
    final = _final(feed, user, position, feed_horizon())
    last = final[limit - 1: limit].first() if limit else final.reverse().first()
    return FeedExport(feed=feed, user=user, start=position, end=_position(feed, last) if last else position)
