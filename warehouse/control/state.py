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
# OPEN -> DONE is the manager's direct count from the discrepancy queue; the station goes through COUNTING.
# COUNTING -> OPEN is a counter releasing the task (the scanned units are forgotten). A count within the
# warehouse's tolerance is DONE at once; over it, it waits in REVIEW for a manager who is not the counter.
# REJECTED is final: the rejection raised a recount, a new task pointing back at this one.
COUNT_TASK = Lifecycle("count task", _C, {
    _C.OPEN: {_C.COUNTING, _C.DONE, _C.CANCELLED},
    _C.COUNTING: {_C.OPEN, _C.REVIEW, _C.DONE, _C.CANCELLED},
    _C.REVIEW: {_C.DONE, _C.REJECTED},
    _C.DONE: set(),
    _C.REJECTED: set(),
    _C.CANCELLED: set(),
})
