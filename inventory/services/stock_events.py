"""stock.changed events: one per (product, warehouse) per transaction, whatever the number of ledger rows.

A StockOperation that changes what is on hand or available calls `stock_changed_record` as it finishes, under
the (product, warehouse)'s StockLevel lock, so the events of one stock level are numbered in the order of its
changes. The first operation on a (product, warehouse) in a transaction records the event; later ones in the
same transaction rewrite that (still uncommitted, so unseen) event's figures, which therefore are the level
after the whole transaction. A savepoint that rolled the event back leaves nothing to rewrite: the next
operation records it again.

"The transaction" is the service's: its outermost atomic block (inside a test case, the first block the test
case did not open), told apart by PostgreSQL's transaction id and, when it is a savepoint, the savepoint's name.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from core.events import event_record
from core.models import DomainEvent, EventKind
from layout.models import Warehouse

_STATE = "_wms_stock_events"


def _transaction_key(connection) -> tuple[Any, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT txid_current()")
        txid = cursor.fetchone()[0]
    blocks = connection.atomic_blocks
    depth = next((i for i, block in enumerate(blocks) if not getattr(block, "_from_testcase", False)), None)
    if not depth:  # the outermost block is the service's (or only test-case blocks are open)
        return (txid,)
    savepoint = connection.savepoint_ids[depth - 1] if depth - 1 < len(connection.savepoint_ids) else None
    return (txid, savepoint)


def stock_changed_record(*, product, warehouse_id: int, level, reference: str = "") -> DomainEvent | None:
    """Inside the stock transaction that holds the (product, warehouse)'s level lock; `level` is after the change."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("stock_changed_record must run inside the stock transaction")
    key = _transaction_key(connection)
    state = getattr(connection, _STATE, None)
    if state is None or state["key"] != key:
        state = {"key": key, "events": {}}
        setattr(connection, _STATE, state)
    figures = {"on_hand": level.on_hand, "allocated": level.allocated, "unavailable": level.unavailable,
               "available": level.on_hand - level.allocated - level.unavailable}
    known = state["events"].get((product.pk, warehouse_id))
    if known is not None:
        payload = known["payload"] | figures
        if reference and reference not in payload["references"]:
            payload["references"] = [*payload["references"], reference]
        if DomainEvent.objects.filter(pk=known["id"]).update(payload=payload):
            known["payload"] = payload
            return None
    payload = {
        "product_id": product.pk, "sku": product.sku, "reference": reference,
        "warehouse": Warehouse.objects.values_list("code", flat=True).get(pk=warehouse_id),
        **figures, "references": [reference] if reference else [],
    }
    event = event_record(EventKind.STOCK_CHANGED, merchant_id=product.merchant_id, warehouse_id=warehouse_id,
                         resource_type="stock", resource_id=f"{product.pk}:{warehouse_id}", payload=payload)
    state["events"][(product.pk, warehouse_id)] = {"id": event.pk, "payload": payload}
    return event
