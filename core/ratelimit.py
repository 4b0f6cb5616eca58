"""Fixed-window request counters kept in the shared cache (Redis), never in the database.

One atomic INCR per counted request; the first request of a window creates the key with the window as its
expiry, so counters vanish on their own. A refused request is told how many seconds remain in the window.
"""

from __future__ import annotations

import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import cache
from rest_framework.throttling import BaseThrottle

log = logging.getLogger("core.ratelimit")

WINDOW_SECONDS = 60
_now = time.time  # the clock, replaceable in tests to pin a window


def rate_limit_hit(scope: str, ident: object, limit: int, *, window: int = WINDOW_SECONDS) -> int | None:
    """Count one request for `scope:ident`; None while within `limit` per window, else the seconds to wait.

    Without a reachable cache the request is let through (and a warning logged): a limit must never turn a
    Redis outage into refused storefront deliveries or API calls."""
    now = _now()
    bucket = int(now // window)
    key = f"ratelimit:{scope}:{ident}:{bucket}"
    try:
        if cache.add(key, 1, timeout=window + 1):
            count = 1
        else:
            try:
                count = cache.incr(key)
            except ValueError:  # expired between add and incr: this request opens the window again
                cache.add(key, 1, timeout=window + 1)
                count = 1
    except Exception as exc:  # any cache failure: count nothing, refuse nothing
        log.warning("rate limit counter unavailable for %s: %s", scope, type(exc).__name__)
        return None
    if count <= limit:
        return None
    return max(1, math.ceil((bucket + 1) * window - now))


class TokenRateThrottle(BaseThrottle):
    """API calls per token (or per signed-in user without a token), `settings.API_RATE_PER_MINUTE` a minute.

    Anonymous requests are not counted here: every API view but the token exchange refuses them, and the
    token exchange has its own sign-in throttle. DRF answers 429 with Retry-After taken from `wait()`.
    """

    def __init__(self) -> None:
        self._wait: int | None = None

    def allow_request(self, request, view) -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return True
        auth = getattr(request, "auth", None)
        token_key = getattr(auth, "pk", None) if auth is not None else None
        # The token itself never becomes a cache key: only a digest of it does.
        ident = f"token:{hashlib.sha256(str(token_key).encode()).hexdigest()[:24]}" if token_key else f"user:{user.pk}"
        self._wait = rate_limit_hit("api", ident, int(settings.API_RATE_PER_MINUTE))
        return self._wait is None

    def wait(self) -> float | None:
        return self._wait
