"""Domain errors: raised by services, turned into 4xx responses or station messages in one place."""


class DomainError(Exception):
    """A business rule refused the request; nothing was changed."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, **details):
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    status_code = 409
    code = "conflict"


class PermissionDenied(DomainError):
    status_code = 403
    code = "forbidden"
