"""REST plumbing shared by every app's API."""

from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.contention import MESSAGE, RETRY_AFTER_SECONDS, is_lock_contention
from core.errors import DomainError


def exception_handler(exc, context):
    if isinstance(exc, DomainError):
        body: dict[str, object] = {"error": exc.code, "detail": exc.message}
        if exc.details:
            body["details"] = {key: str(value) for key, value in exc.details.items()}
        return Response(body, status=exc.status_code)
    if is_lock_contention(exc):
        return Response({"error": "busy", "detail": MESSAGE}, status=409,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    return drf_exception_handler(exc, context)
