"""Inventory-control lifecycles: discrepancies and count tasks. One table each."""

from __future__ import annotations

from core.lifecycle import Lifecycle
from warehouse.models import CountTask, Discrepancy

_D = Discrepancy.Status
DISCREPANCY = Lifecycle("discrepancy", _D, {
    _D.OPEN: {_D.RESOLVED},
    _D.RESOLVED: set(),
})

_C = CountTask.Status
COUNT_TASK = Lifecycle("count task", _C, {
    _C.OPEN: {_C.DONE, _C.CANCELLED},
    _C.DONE: set(),
    _C.CANCELLED: set(),
})
