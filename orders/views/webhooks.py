"""Storefront webhooks: verify on the raw body, store once in one statement, answer in milliseconds; the
dispatcher queues processing off the request path."""

from __future__ import annotations

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from core.ratelimit import rate_limit_hit
from orders.adapters.base import PayloadError, SignatureError
from orders.channels import adapter_for
from orders.models import STOREFRONT_KINDS, Channel
from orders.selectors import forget_webhook_channel, webhook_channel
from orders.services.inbox import inbox_accept

log = logging.getLogger("orders.webhooks")
# Shopify retries for 4 hours; a signed delivery triggered long before that is a replay.
REPLAY_WINDOW = dt.timedelta(hours=6)
# Clocks drift a little; a delivery dated further ahead than this was not sent by the storefront's clock.
FUTURE_SKEW = dt.timedelta(minutes=5)


def _refuse(status: int, error: str, *, channel_id, kind: str, request) -> JsonResponse:
    log.warning("webhook refused: %s %s channel=%s from=%s: %s", status, kind, channel_id,
                request.META.get("REMOTE_ADDR"), error)
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@require_POST
def storefront_webhook(request, kind: str, channel_id: int):
    """The hot path: checks against a cached copy of the channel, then one guarded INSERT. Any other outcome
    (a refusal, a ping, a stale cached copy) is decided again on the channel as stored now."""
    cached = webhook_channel(channel_id, kind)
    if cached is not None:
        response = _receive(request, kind, channel_id, cached, cached=True)
        if response is not None:
            return response
    return _receive(request, kind, channel_id, webhook_channel(channel_id, kind, fresh=True), cached=False)


def _receive(request, kind: str, channel_id: int, channel: Channel | None, *, cached: bool) -> JsonResponse | None:
    """None when the answer rests on a cached channel and must be decided on the stored one."""
    if channel is None or kind not in STOREFRONT_KINDS:
        return _refuse(404, f"no active {kind} channel {channel_id}", channel_id=channel_id, kind=kind, request=request)
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(413, "body too large", channel_id=channel_id, kind=kind, request=request)
    adapter = adapter_for(kind)
    if hasattr(adapter, "is_ping") and adapter.is_ping(body, request.headers):
        return None if cached else JsonResponse({"status": "pong"}, status=200)
    if not body:
        return _refuse(400, "empty body", channel_id=channel_id, kind=kind, request=request)
    try:
        with_previous = _verify_with_current_or_previous_secret(adapter, channel, body, request.headers)
        if hasattr(adapter, "check_origin"):
            adapter.check_origin(channel.store_identity, request.headers)
    except SignatureError as exc:
        if cached:
            return None
        return _refuse(401, f"authentication failed: {exc}", channel_id=channel_id, kind=kind, request=request)
    if with_previous and cached:
        return None  # a previous secret is honoured only as the channel is stored now (it may have been revoked)
    refused = _over_rate_limit(request, kind, channel_id)
    if refused is not None:
        return refused
    try:
        event = adapter.parse_webhook(body, request.headers)
    except PayloadError as exc:
        return _refuse(400, f"malformed payload: {exc}", channel_id=channel_id, kind=kind, request=request)
    triggered_at = getattr(event, "triggered_at", None)
    if triggered_at and timezone.now() - triggered_at > REPLAY_WINDOW:
        return _refuse(400, f"delivery triggered at {triggered_at.isoformat()} is older than the replay window",
                       channel_id=channel_id, kind=kind, request=request)
    if triggered_at and triggered_at - timezone.now() > FUTURE_SKEW:
        return _refuse(400, f"delivery triggered at {triggered_at.isoformat()} is in the future",
                       channel_id=channel_id, kind=kind, request=request)
    if event.topic in ("ping", "other"):
        return None if cached else JsonResponse({"status": "ignored", "topic": event.topic}, status=200)
    # On a cached copy the INSERT is guarded by the channel as stored; on the stored one it needs no guard.
    accepted = inbox_accept(channel=channel, event=event, headers=dict(request.headers), body=body, guard_channel=cached)
    if accepted is None:
        forget_webhook_channel(channel_id)
        return None
    delivery_id, created = accepted
    return JsonResponse({"status": "accepted" if created else "duplicate", "delivery": delivery_id}, status=200)


def _verify_with_current_or_previous_secret(adapter, channel: Channel, body: bytes, headers) -> bool:
    """The current secret first; after a rotation the previous one until its grace period ends. Each check is
    the adapter's constant-time compare on the raw body; the error of the current secret is the one raised.
    True when only the previous secret verified the delivery."""
    secrets_now = channel.webhook_secrets(timezone.now())
    try:
        adapter.verify(secrets_now[0], body, headers)
    except SignatureError:
        for previous in secrets_now[1:]:
            try:
                adapter.verify(previous, body, headers)
            except SignatureError:
                continue
            return True
        raise
    return False


def _over_rate_limit(request, kind: str, channel_id: int) -> JsonResponse | None:
    """Authenticated deliveries per channel and minute, counted in the cache (no database query) once per
    request, so forged traffic cannot use up a storefront's budget. A refused delivery stores nothing."""
    if getattr(request, "_webhook_rate_counted", False):
        return None
    request._webhook_rate_counted = True
    limit = int(settings.WEBHOOK_RATE_PER_MINUTE)
    retry_after = rate_limit_hit("webhook", channel_id, limit)
    if retry_after is None:
        return None
    response = _refuse(429, f"rate limit of {limit} deliveries a minute for this channel exceeded; "
                            f"retry after {retry_after} seconds", channel_id=channel_id, kind=kind, request=request)
    response["Retry-After"] = str(retry_after)
    return response


@csrf_exempt
@require_POST
def shopify_fulfillment_notification(request, channel_id: int):
    """The fulfillment service callback (`<callback_url>/fulfillment_order_notification`): signed like Shopify's
    webhooks, stored in the inbox first; the inbox task fetches the assigned fulfillment orders and answers."""
    kind = "shopify"
    channel = webhook_channel(channel_id, kind, fresh=True)
    if channel is None or not channel.is_fulfillment_service:
        # Answered like a bad signature: the URL does not tell which channels serve as a fulfillment service.
        return _refuse(401, "authentication failed: not a fulfillment service channel", channel_id=channel_id,
                       kind=kind, request=request)
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(413, "body too large", channel_id=channel_id, kind=kind, request=request)
    adapter = adapter_for(kind)
    try:
        _verify_with_current_or_previous_secret(adapter, channel, body, request.headers)
        adapter.check_origin(channel.store_identity, request.headers)
    except SignatureError as exc:
        return _refuse(401, f"authentication failed: {exc}", channel_id=channel_id, kind=kind, request=request)
    refused = _over_rate_limit(request, kind, channel_id)
    if refused is not None:
        return refused
    try:
        event = adapter.parse_notification(body, request.headers)
    except PayloadError as exc:
        return _refuse(400, f"malformed payload: {exc}", channel_id=channel_id, kind=kind, request=request)
    if event.triggered_at and abs(timezone.now() - event.triggered_at) > REPLAY_WINDOW:
        return _refuse(400, "delivery triggered outside the replay window", channel_id=channel_id, kind=kind,
                       request=request)
    delivery_id, created = inbox_accept(channel=channel, event=event, headers=dict(request.headers), body=body) or (0, False)
    return JsonResponse({"status": "accepted" if created else "duplicate", "delivery": delivery_id}, status=200)
