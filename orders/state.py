"""The order and fulfillment order lifecycles: every allowed status change, in one table each."""

from core.lifecycle import Lifecycle
from orders.models import FulfillmentStatus
from orders.models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.ON_HOLD, S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.CANCELLED}),
    # -> IN_PROGRESS: a hold placed at pack-out (address check) is released; the picked units wait there.
    S.ON_HOLD: frozenset({S.PENDING, S.CANCELLED, S.IN_PROGRESS}),
    S.BACKORDERED: frozenset({S.ON_HOLD, S.PARTIALLY_ALLOCATED, S.ALLOCATED, S.CANCELLED, S.PENDING, S.SHIPPED}),
    # -> SHIPPED (here and from BACKORDERED): the part released earlier shipped while the order kept its
    # allocation status, and the rest was cancelled or edited away.
    S.PARTIALLY_ALLOCATED: frozenset({S.ON_HOLD, S.ALLOCATED, S.RELEASED, S.BACKORDERED, S.CANCELLED, S.PENDING,
                                      S.SHIPPED}),
    # -> SHIPPED: as from PARTIALLY_ALLOCATED, once the rest (re-allocated after a failed pick, waiting for its
    # release) ships too or is cancelled away.
    S.ALLOCATED: frozenset({S.ON_HOLD, S.RELEASED, S.PENDING, S.CANCELLED, S.PARTIALLY_ALLOCATED, S.SHIPPED}),
    # -> PARTIALLY_ALLOCATED: a pick failure gave units back and routing is looking for them elsewhere.
    S.RELEASED: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.PENDING, S.CANCELLED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.PARTIALLY_ALLOCATED}),
    S.IN_PROGRESS: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.ON_HOLD, S.CANCELLED, S.RELEASED, S.PARTIALLY_ALLOCATED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED, S.IN_PROGRESS, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Part of the order shipped while the rest is still being allocated (or is allocated again after a failed pick
# and waits for its release): the order keeps its allocation status.
STILL_ALLOCATING = frozenset({S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.PENDING, S.ALLOCATED})
# Statuses after which the warehouse has physically started or finished the work.
PICKING_STARTED = frozenset({S.IN_PROGRESS, S.PARTIALLY_SHIPPED})
SHIPPED_OR_LATER = frozenset({S.SHIPPED, S.DELIVERED})
FINAL = frozenset({S.SHIPPED, S.DELIVERED, S.CANCELLED})


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]


# The fulfillment order: the part of an order one warehouse ships. The WMS reports its progress through
# `orders.services.fulfillments.fulfillment_transition`; the OMS decides only from these statuses.
F = FulfillmentStatus
FULFILLMENT = Lifecycle("fulfillment order", FulfillmentStatus, {
    F.ALLOCATED: {F.RELEASED, F.CANCELLED},
    # -> SHIPPED: a fulfillment the storefront or a 3PL reports shipped without our pick and pack.
    F.RELEASED: {F.IN_WAVE, F.PICKING, F.SHIPPED, F.CANCELLED},
    # -> RELEASED: taken out of its wave before a picker started; -> CANCEL_REQUESTED: pick lines exist.
    F.IN_WAVE: {F.PICKING, F.RELEASED, F.SHIPPED, F.CANCEL_REQUESTED},
    F.PICKING: {F.PACKED, F.SHIPPED, F.CANCEL_REQUESTED},
    # -> PICKING: its labels were voided; the units wait at pack-out to be packed again.
    F.PACKED: {F.PICKING, F.SHIPPED, F.CANCEL_REQUESTED},
    # -> SHIPPED: the carrier collected it before the warehouse could stop it (the cancel is refused);
    # -> PACKED: refused while another carrier still has a carton of it to collect.
    F.CANCEL_REQUESTED: {F.CANCELLED, F.SHIPPED, F.PACKED},
    F.SHIPPED: set(),
    F.CANCELLED: set(),
})

# The warehouse has work for it (pick lines, picked units, cartons, labels): cancelling asks the warehouse.
FULFILLMENT_WMS_WORK = frozenset({F.IN_WAVE, F.PICKING, F.PACKED, F.CANCEL_REQUESTED})
# Units have been picked or the picker is on the way: edits of lines are refused.
FULFILLMENT_PICKING_STARTED = frozenset({F.PICKING, F.PACKED, F.CANCEL_REQUESTED})
FULFILLMENT_LABELLED = frozenset({F.PACKED, F.SHIPPED})
FULFILLMENT_FINAL = FULFILLMENT.final
