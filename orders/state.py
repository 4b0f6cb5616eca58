"""The order lifecycle: every allowed status change, in one table."""

from orders.models import OrderStatus as S

TRANSITIONS: dict[str, frozenset[str]] = {
    S.PENDING: frozenset({S.ON_HOLD, S.ALLOCATED, S.PARTIALLY_ALLOCATED, S.BACKORDERED, S.CANCELLED}),
    # -> IN_PROGRESS: a hold placed at pack-out (address check) is released; the picked units wait there.
    S.ON_HOLD: frozenset({S.PENDING, S.CANCELLED, S.IN_PROGRESS}),
    S.BACKORDERED: frozenset({S.ON_HOLD, S.PARTIALLY_ALLOCATED, S.ALLOCATED, S.CANCELLED, S.PENDING}),
    S.PARTIALLY_ALLOCATED: frozenset({S.ON_HOLD, S.ALLOCATED, S.RELEASED, S.BACKORDERED, S.CANCELLED, S.PENDING}),
    S.ALLOCATED: frozenset({S.ON_HOLD, S.RELEASED, S.PENDING, S.CANCELLED, S.PARTIALLY_ALLOCATED}),
    # -> PARTIALLY_ALLOCATED: a pick failure gave units back and routing is looking for them elsewhere.
    S.RELEASED: frozenset({S.IN_PROGRESS, S.ON_HOLD, S.PENDING, S.CANCELLED, S.PARTIALLY_SHIPPED, S.SHIPPED, S.PARTIALLY_ALLOCATED}),
    S.IN_PROGRESS: frozenset({S.PARTIALLY_SHIPPED, S.SHIPPED, S.ON_HOLD, S.CANCELLED, S.RELEASED, S.PARTIALLY_ALLOCATED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED, S.IN_PROGRESS, S.CANCELLED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset(),
    S.CANCELLED: frozenset(),
}

# Statuses after which the warehouse has physically started or finished the work.
PICKING_STARTED = frozenset({S.IN_PROGRESS, S.PARTIALLY_SHIPPED})
SHIPPED_OR_LATER = frozenset({S.SHIPPED, S.DELIVERED})
FINAL = frozenset({S.SHIPPED, S.DELIVERED, S.CANCELLED})


def can_transition(current: str, target: str) -> bool:
    return target in TRANSITIONS[current]
