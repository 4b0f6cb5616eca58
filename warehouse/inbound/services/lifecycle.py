"""The one way an inbound document changes status: checked against its table, on a row the caller locked
(through `warehouse.locks`), saved with the fields that go with the change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from warehouse.inbound.state import PURCHASE_ORDER, PUTAWAY_TASK, RECEIPT
from warehouse.models import PurchaseOrder, PutawayTask, Receipt


def _in_transaction(what: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"a {what} changes status inside the use case's transaction, on a locked row")


def purchase_order_transition(*, purchase_order: PurchaseOrder, to: str, actor=None,
                              extra: Mapping[str, Any] | None = None) -> PurchaseOrder:
    _in_transaction("purchase order")
    PURCHASE_ORDER.apply(purchase_order, to, extra=extra, label=purchase_order.number)
    return purchase_order


def receipt_transition(*, receipt: Receipt, to: str, actor=None, extra: Mapping[str, Any] | None = None) -> Receipt:
    _in_transaction("receipt")
    RECEIPT.apply(receipt, to, extra=extra)
    return receipt


def putaway_task_transition(*, task: PutawayTask, to: str, actor=None,
                            extra: Mapping[str, Any] | None = None) -> PutawayTask:
    _in_transaction("putaway task")
    PUTAWAY_TASK.apply(task, to, extra=extra)
    return task
