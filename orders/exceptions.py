from core.errors import Conflict, DomainError, NotFound


class IllegalTransition(Conflict):
    code = "illegal_transition"


class InvalidOrder(DomainError):
    code = "invalid_order"
    status_code = 422


class IdempotencyConflict(DomainError):
    code = "idempotency_conflict"
    status_code = 422


class OrderNotFound(NotFound):
    code = "order_not_found"


class HoldError(Conflict):
    code = "hold_error"


class DuplicateOrder(Conflict):
    code = "duplicate_order"


class ShipmentError(DomainError):
    code = "shipment_error"
    status_code = 422


class OutboxError(Conflict):
    code = "outbox_error"
