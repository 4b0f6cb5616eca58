"""Errors raised by the shipping library: typed, with the reason in words, turned into 4xx responses or
station messages in one place."""

from __future__ import annotations

from core.errors import Conflict, DomainError, NotFound


class ShippingError(DomainError):
    code = "shipping_error"
    status_code = 422


class CarrierError(ShippingError):
    """The carrier's API refused the request or could not be reached. `status` is the HTTP status the
    carrier answered (None when nothing answered)."""

    code = "carrier_error"
    status_code = 502

    def __init__(self, message: str, *, carrier: str = "", status: int | None = None, **details):
        super().__init__(message, carrier=carrier, status=status, **details)
        self.carrier = carrier
        self.status = status


class CarrierRejected(CarrierError):
    """The carrier answered 4xx: the request itself is wrong (bad address, unknown rate, ...)."""

    code = "carrier_rejected"
    status_code = 422


class CarrierUnavailable(CarrierError):
    """The carrier answered 5xx, timed out or could not be reached: worth retrying later."""

    code = "carrier_unavailable"
    status_code = 503


class AddressRejected(ShippingError):
    code = "address_rejected"

    def __init__(self, message: str, *, problems: list[str]):
        super().__init__(message, problems=problems)
        self.problems = problems


class CustomsRequired(ShippingError):
    code = "customs_required"


class ServiceNotOffered(ShippingError):
    code = "service_not_offered"


class NoRateAvailable(ShippingError):
    code = "no_rate_available"


class TrackingNotFound(NotFound):
    code = "tracking_not_found"


class VoidRefused(Conflict):
    code = "void_refused"
