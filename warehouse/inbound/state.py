"""Inbound lifecycles: purchase orders (and ASNs), receipts, putaway tasks. One table each."""

from __future__ import annotations

from core.lifecycle import Lifecycle
from warehouse.models import PurchaseOrder, PutawayTask, Receipt

_PO = PurchaseOrder.Status
PURCHASE_ORDER = Lifecycle("purchase order", _PO, {
    _PO.OPEN: {_PO.RECEIVING, _PO.RECEIVED, _PO.CANCELLED},
    _PO.RECEIVING: {_PO.RECEIVED},
    _PO.RECEIVED: set(),
    _PO.CANCELLED: set(),
})

_R = Receipt.Status
RECEIPT = Lifecycle("receipt", _R, {
    # -> STOCKED: closed with nothing on the dock, so there is nothing to put away.
    _R.RECEIVING: {_R.PUTAWAY, _R.STOCKED},
    _R.PUTAWAY: {_R.STOCKED},
    _R.STOCKED: set(),
})

_P = PutawayTask.Status
PUTAWAY_TASK = Lifecycle("putaway task", _P, {
    _P.OPEN: {_P.CLAIMED},
    _P.CLAIMED: {_P.OPEN, _P.DONE},
    _P.DONE: set(),
})
