"""Password guessing: after LOGIN_FAILURE_LIMIT wrong passwords for one username within
LOGIN_FAILURE_WINDOW seconds, every sign-in for that username (the right password too) is refused with 429
and Retry-After until the window has passed. Both the login page and the API token exchange count."""

from __future__ import annotations

import hashlib
import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import LoginView
from django.core.cache import cache
from django.dispatch import receiver
from django.http import HttpResponse
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import Throttled


def _key(username: str) -> str:
    return "login-failures:" + hashlib.sha256(username.strip().lower().encode()).hexdigest()


def login_retry_after(*, username: str) -> int | None:
    """Seconds until `username` may try again, or None when it may try now."""
    key = _key(username)
    if (cache.get(key) or 0) < settings.LOGIN_FAILURE_LIMIT:
        return None
    since = cache.get(f"{key}:since") or time.time()
    return max(1, int(since + settings.LOGIN_FAILURE_WINDOW - time.time()) + 1)


@receiver(user_login_failed)
def login_failure_record(sender, credentials: dict, request=None, **kwargs) -> None:
    key = _key(str(credentials.get("username") or ""))
    window = settings.LOGIN_FAILURE_WINDOW
    cache.add(f"{key}:since", time.time(), timeout=window)
    cache.add(key, 0, timeout=window)
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)


@receiver(user_logged_in)
def login_failures_clear(sender, request, user, **kwargs) -> None:
    cache.delete_many([_key(user.get_username()), f"{_key(user.get_username())}:since"])


class ThrottledLoginView(LoginView):
    def post(self, request, *args, **kwargs):
        wait = login_retry_after(username=request.POST.get("username", ""))
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
        wait = login_retry_after(username=str(username))
        if wait:
            raise Throttled(wait=wait, detail="Too many failed sign-ins for this user.")
        return super().post(request, *args, **kwargs)
