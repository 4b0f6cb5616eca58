"""Password guessing: after LOGIN_FAILURE_LIMIT wrong passwords for one username within
LOGIN_FAILURE_WINDOW seconds, every sign-in for that username (the right password too) is refused with 429
and Retry-After until the window has passed. Both the login page and the API token exchange count.

The counters live in Redis (the cache). Without a reachable cache sign-in fails closed: no password is checked
(503 with Retry-After) because guesses could not be counted, while sessions and tokens already issued keep
working. The request-volume limits (`core.ratelimit`) fail open instead: see SECURITY.md."""

from __future__ import annotations

import hashlib
import logging
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpResponse
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import APIException, Throttled

log = logging.getLogger("wms_project.auth_throttle")
UNAVAILABLE_RETRY_AFTER = 30  # seconds a client is asked to wait while the counters are unreachable


class CounterUnavailable(Exception):
    """The sign-in failure counters cannot be read: sign-in is refused until they can."""


class SignInUnavailable(APIException):
    status_code = 503
    default_detail = "Sign-in is unavailable for a moment; try again shortly."
    default_code = "sign_in_unavailable"
    wait = UNAVAILABLE_RETRY_AFTER


def _key(username: str) -> str:
    return "login-failures:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def login_retry_after(*, username: str) -> int | None:
    """Seconds until `username` may try again, or None when it may try now."""
    key = _key(username)
    try:
        failures = cache.get(key) or 0
        since = cache.get(f"{key}:since") if failures >= settings.LOGIN_FAILURE_LIMIT else None
    except Exception as exc:  # any cache failure: guesses cannot be counted, so no password is checked
        log.warning("sign-in failure counter unavailable: %s", type(exc).__name__)
        raise CounterUnavailable from exc
    if failures < settings.LOGIN_FAILURE_LIMIT:
        return None
    since = since or time.time()
    return max(1, int(since + settings.LOGIN_FAILURE_WINDOW - time.time()) + 1)


@receiver(user_login_failed)
def login_failure_record(sender, credentials: dict, request=None, **kwargs) -> None:
    key = _key(str(credentials.get("username") or ""))
    window = settings.LOGIN_FAILURE_WINDOW
    try:
        cache.add(f"{key}:since", time.time(), timeout=window)
        cache.add(key, 0, timeout=window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout=window)
    except Exception as exc:  # the next attempt is refused by login_retry_after while the cache is away
        log.warning("sign-in failure not counted: %s", type(exc).__name__)


@receiver(user_logged_in)
def login_failures_clear(sender, request, user, **kwargs) -> None:
    try:
        cache.delete_many([_key(user.get_username()), f"{_key(user.get_username())}:since"])
    except Exception as exc:  # the failures expire with their window
        log.warning("sign-in failures not cleared: %s", type(exc).__name__)


class ThrottledLoginView(LoginView):
    def post(self, request, *args, **kwargs):
        try:
            wait = login_retry_after(username=request.POST.get("username", ""))
        except CounterUnavailable:
            response = HttpResponse("Sign-in is unavailable for a moment; try again shortly.", status=503,
                                    content_type="text/plain")
            response["Retry-After"] = str(UNAVAILABLE_RETRY_AFTER)
            return response
        if wait:
            response = HttpResponse("Too many failed sign-ins for this user; try again later.", status=429,
                                    content_type="text/plain")
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)


class ThrottledObtainAuthToken(ObtainAuthToken):
    """Username and password for a token; refused with 429 while the username is locked out."""

    def post(self, request, *args, **kwargs):
        username = request.data.get("username", "") if hasattr(request.data, "get") else ""
        try:
            wait = login_retry_after(username=str(username))
        except CounterUnavailable:
            raise SignInUnavailable() from None
        if wait:
            raise Throttled(wait=wait, detail="Too many failed sign-ins for this user.")
        return super().post(request, *args, **kwargs)
