"""Tracking pushed by a carrier (a shipping API's `tracker.updated` webhook): the signature check on the raw
body and the reading of the payload. Pure Python; the view stores nothing before both have passed.

The signature is EasyPost's: `X-Hmac-Signature: hmac-sha256-hex=<hex HMAC-SHA256 of the raw body>`, keyed
with the account's webhook secret. A bare hex digest is accepted too. A delivery sent again (the carrier's
retry, or a replay by someone who saw it) changes nothing: its scans are stored once per shipment, status
and time."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from shipping.carriers.base import TrackingEvent
from shipping.carriers.easypost_like import tracker_event

SIGNATURE_HEADER = "X-Hmac-Signature"
PREFIX = "hmac-sha256-hex="
MAX_SCANS = 500


class SignatureRefused(ValueError):
    """The delivery is not signed with the account's secret."""


class PayloadRefused(ValueError):
    """The body is not a tracker update we can read."""


@dataclass(frozen=True)
class TrackerUpdate:
    tracking_number: str
    events: list[TrackingEvent]


def sign(secret: str, raw_body: bytes) -> str:
    return PREFIX + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()


def verify(secret: str, raw_body: bytes, headers: Mapping[str, str]) -> None:
    if not secret:
        raise SignatureRefused("no webhook secret is configured for this account")
    given = (headers.get(SIGNATURE_HEADER) or "").strip()
    if not given:
        raise SignatureRefused(f"{SIGNATURE_HEADER} header is missing")
    digest = given.removeprefix(PREFIX).lower().encode("ascii", errors="replace")
    expected = sign(secret, raw_body).removeprefix(PREFIX).encode()
    if not hmac.compare_digest(expected, digest):
        raise SignatureRefused("signature does not match the body")


def parse(raw_body: bytes) -> TrackerUpdate:
    """An Event (`{"description": "tracker.updated", "result": {Tracker}}`) or a bare Tracker."""
    try:
        data = json.loads(raw_body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise PayloadRefused("the body is not JSON") from None
    if not isinstance(data, dict):
        raise PayloadRefused("the body is not a JSON object")
    tracker = data.get("result") if isinstance(data.get("result"), dict) else data
    number = tracker.get("tracking_code")
    if not isinstance(number, str) or not 0 < len(number.strip()) <= 64 or "\x00" in number:
        raise PayloadRefused("tracking_code must be 1 to 64 characters")
    details = tracker.get("tracking_details") or []
    if not isinstance(details, list) or len(details) > MAX_SCANS:
        raise PayloadRefused(f"tracking_details must be a list of at most {MAX_SCANS} scans")
    return TrackerUpdate(number.strip(), sorted((_scan(d) for d in details), key=lambda e: e.occurred_at))


def _scan(detail: Any) -> TrackingEvent:
    if not isinstance(detail, dict) or not isinstance(detail.get("datetime"), str):
        raise PayloadRefused("each scan needs a datetime")
    for name in ("status", "message"):
        if not isinstance(detail.get(name, ""), str) or "\x00" in detail.get(name, ""):
            raise PayloadRefused(f"a scan's {name} must be text")
    if not isinstance(detail.get("tracking_location") or {}, dict):
        raise PayloadRefused("a scan's tracking_location must be an object")
    try:
        event = tracker_event(detail)
    except (ValueError, TypeError, AttributeError):
        raise PayloadRefused(f"{detail.get('datetime')!r} is not an ISO 8601 time") from None
    if event.occurred_at.tzinfo is None:
        raise PayloadRefused(f"{detail['datetime']!r} has no UTC offset")
    location = event.location
    if "\x00" in location:
        raise PayloadRefused("a scan's location must not contain NUL bytes")
    return event
