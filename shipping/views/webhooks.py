"""Carrier tracking webhooks: one URL per carrier account, verified on the raw body with the account's secret
(constant-time), size-limited, then the scans go through the same tracking service as the poller."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from shipping.carrier_webhooks import PayloadRefused, SignatureRefused, parse, verify
from shipping.models import CarrierWebhookAccount
from shipping.services.tracking import tracking_push

log = logging.getLogger("shipping.webhooks")


def _refuse(status: int, error: str, *, account: str, request) -> JsonResponse:
    log.warning("carrier webhook refused: %s account=%s from=%s: %s", status, account,
                request.META.get("REMOTE_ADDR"), error)
    return JsonResponse({"error": error}, status=status)


@csrf_exempt
@require_POST
def carrier_webhook(request, account: str):
    limit = int(settings.CARRIER_WEBHOOK_MAX_BYTES)
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _refuse(400, "Content-Length is not a number", account=account, request=request)
    if declared > limit:
        return _refuse(413, f"body larger than {limit} bytes", account=account, request=request)
    try:
        body = request.body
    except RequestDataTooBig:
        return _refuse(413, "body too large", account=account, request=request)
    if len(body) > limit:
        return _refuse(413, f"body larger than {limit} bytes", account=account, request=request)
    # An unknown account answers like a wrong signature: the URL does not tell which accounts exist.
    found = CarrierWebhookAccount.objects.filter(code=account[:40], is_active=True).first() if "\x00" not in account else None
    try:
        if found is None:
            raise SignatureRefused("unknown or inactive carrier account")
        verify(found.secret, body, request.headers)
    except SignatureRefused as exc:
        return _refuse(401, f"authentication failed: {exc}", account=account, request=request)
    try:
        update = parse(body)
    except PayloadRefused as exc:
        return _refuse(400, f"malformed payload: {exc}", account=account, request=request)
    status = tracking_push(account=found, tracking_number=update.tracking_number, events=update.events)
    return JsonResponse({"status": "ignored" if status == "unknown" else "recorded", "shipment_status": status})
