"""Lock contention that PostgreSQL resolved by rolling one transaction back (a deadlock, a serialization
failure, a lock wait that timed out) is not a server error: nothing was changed, and the same request sent
again succeeds. Pages and the API answer it 409 with Retry-After, so a handheld's retry (with the same scan id)
is safe, instead of a 500."""

from __future__ import annotations

from django.db import DatabaseError
from django.http import HttpResponse
from psycopg import errors as pg_errors

RETRY_AFTER_SECONDS = 1
MESSAGE = "Another station was changing the same records; nothing was changed. Scan or send it again."
_CONTENTION = (pg_errors.DeadlockDetected, pg_errors.SerializationFailure, pg_errors.LockNotAvailable)


def is_lock_contention(exc: BaseException) -> bool:
    return isinstance(exc, DatabaseError) and isinstance(exc.__cause__, _CONTENTION)


class LockContentionMiddleware:
    """Pages: a transaction PostgreSQL rolled back for contention answers 409 with a message to try again."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_lock_contention(exception):
            return None
        response = HttpResponse(MESSAGE, status=409, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
