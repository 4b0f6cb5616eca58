from core.errors import Conflict, DomainError, NotFound, PermissionDenied


class ReturnRefused(DomainError):
    code = "return_refused"


class OverReturn(ReturnRefused):
    code = "over_return"


class ReturnNotFound(NotFound):
    code = "return_not_found"


class LabelInFlight(Conflict):
    code = "label_in_flight"


class ReturnIdempotencyConflict(Conflict):
    code = "idempotency_conflict"


class SecondPersonRequired(PermissionDenied):
    code = "second_person_required"


class FlushRefused(DomainError):
    code = "flush_refused"
