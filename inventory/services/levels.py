"""Stock level locks for use cases above the IMS, so they follow the house lock order without reaching
into `inventory.locks`: a use case that will change several levels locks them all first, by primary key."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction

from inventory import locks
from inventory.models import StockLevel


def _in_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("stock levels are locked inside the use case's transaction")


def stock_level_lock(*, product_id: int, warehouse_id: int) -> StockLevel:
    """The (product, warehouse) level, locked until the caller's transaction ends."""
    _in_transaction()
    return locks.lock_stock_level(product_id=product_id, warehouse_id=warehouse_id)


def stock_levels_lock(*, keys: Iterable[tuple[int, int]]) -> dict[tuple[int, int], StockLevel]:
    """Every (product_id, warehouse_id) level in `keys`, locked in primary-key order before anything changes;
    the stock services called afterwards find their level already held and never wait in another order."""
    _in_transaction()
    return locks.lock_stock_levels(keys)
