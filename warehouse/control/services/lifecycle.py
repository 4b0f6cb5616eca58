"""The one way a discrepancy or a count task changes status: checked against its table, on a row the
caller locked (through `warehouse.locks`), saved with the fields that go with the change."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db import transaction

from warehouse.control.state import COUNT_TASK, DISCREPANCY
from warehouse.models import CountTask, Discrepancy


def _in_transaction(what: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"a {what} changes status inside the use case's transaction, on a locked row")


def discrepancy_transition(*, discrepancy: Discrepancy, to: str, actor=None,
                           extra: Mapping[str, Any] | None = None) -> Discrepancy:
    _in_transaction("discrepancy")
    DISCREPANCY.apply(discrepancy, to, extra=extra, label=f"D-{discrepancy.pk}")
    return discrepancy


def count_task_transition(*, task: CountTask, to: str, actor=None, extra: Mapping[str, Any] | None = None) -> CountTask:
    _in_transaction("count task")
    COUNT_TASK.apply(task, to, extra=extra, label=str(task))
    return task
