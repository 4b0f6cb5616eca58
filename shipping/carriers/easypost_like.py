"""A shipping API in the EasyPost style (v2): one account that quotes and labels for many carriers.

    POST /v2/shipments              a shipment (addresses, one parcel, customs) comes back with its rates
    POST /v2/shipments/{id}/buy     buys one of those rates: tracking code and label URLs
    GET  /v2/shipments/{id}/label   the label in another format (ZPL)
    POST /v2/refunds                voids labels by tracking code
    GET  /v2/trackers, POST /v2/trackers   the scans of a tracking code

The API key travels as the Basic-auth user name. Parcels are sent in inches and ounces. A 4xx answer
becomes `CarrierRejected` with the API's message and field errors; 5xx, timeouts and refused connections
become `CarrierUnavailable` (worth retrying)."""

from __future__ import annotations

import base64
import http.client
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from shipping import tracking_numbers
from shipping.carriers.base import (
    GRAMS_PER_POUND,
    MM_PER_INCH,
    Address,
    Carrier,
    CustomsItem,
    Label,
    Parcel,
    Rate,
    TrackingEvent,
    TrackingStatus,
    is_international,
)
from shipping.carriers.zones import delivery_date
from shipping.exceptions import (
    CarrierError,
    CarrierRejected,
    CarrierUnavailable,
    CustomsRequired,
    ServiceNotOffered,
    ShippingError,
    VoidRefused,
)

OUNCES_PER_GRAM = Decimal(16) / GRAMS_PER_POUND
STATUSES = {
    "pre_transit": TrackingStatus.LABEL_CREATED,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "available_for_pickup": TrackingStatus.IN_TRANSIT,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "delivered": TrackingStatus.DELIVERED,
    "cancelled": TrackingStatus.VOIDED,
    "return_to_sender": TrackingStatus.RETURN_TO_SENDER,
}  # anything else (failure, error, unknown) is an exception


class EasyPostLike(Carrier):
    name = "EasyPost"

    def __init__(self, base_url: str, api_key: str, *, timeout: float = 15.0):
        if urllib.parse.urlsplit(base_url).scheme not in ("http", "https"):
            raise ValueError(f"the shipping API base URL must be http(s): {base_url!r}")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._api_key = api_key
        self._auth = "Basic " + base64.b64encode(f"{api_key}:".encode()).decode()

    # --- the Carrier interface -------------------------------------------------------------------------
    def rates(self, ship_from: Address, ship_to: Address, parcels: Sequence[Parcel], ship_date: date) -> list[Rate]:
        shipment = self._create_shipment(ship_from, ship_to, parcels, ship_date=ship_date)
        rates = [_rate(raw, ship_date) for raw in shipment.get("rates") or []]
        return sorted(rates, key=lambda rate: rate.amount)

    def buy_label(self, rate: Rate, ship_from: Address, ship_to: Address, parcels: Sequence[Parcel],
                  reference: str, customs: Sequence[CustomsItem] | None = None) -> Label:
        if is_international(ship_from, ship_to) and not customs:
            raise CustomsRequired(f"a parcel from {ship_from.country} to {ship_to.country} needs a customs declaration")
        # The API fixes the reference and the customs declaration when the shipment is created, and a
        # quote may be hours old: buy the same carrier and service on a fresh shipment that carries them.
        shipment = self._create_shipment(ship_from, ship_to, parcels, reference=reference, customs=customs,
                                         ship_date=None)
        offered = next((raw for raw in shipment.get("rates") or []
                        if raw.get("carrier") == rate.carrier and raw.get("service") == rate.service), None)
        if offered is None:
            raise ServiceNotOffered(f"{rate.carrier} {rate.service} is no longer offered for this shipment")
        bought = self._call("POST", f"/v2/shipments/{shipment['id']}/buy", {"rate": {"id": offered["id"]}})
        tracking_number = bought.get("tracking_code") or ""
        try:
            pdf_url = (bought.get("postage_label") or {}).get("label_pdf_url")
            zpl_shipment = self._call("GET", f"/v2/shipments/{shipment['id']}/label?file_format=ZPL")
            zpl_url = (zpl_shipment.get("postage_label") or {}).get("label_zpl_url")
            if not tracking_number or not pdf_url or not zpl_url:
                raise CarrierError("the shipping API bought the label but sent no tracking code or label file",
                                   carrier=rate.carrier, status=200)
            tracker = bought.get("tracker") or {}
            return Label(carrier=rate.carrier, service=rate.service, tracking_number=tracking_number,
                         pdf=self._download(pdf_url), zpl=self._download(zpl_url).decode("utf-8"),
                         package_tracking_numbers=(tracking_number,), tracking_url=tracker.get("public_url", ""))
        except ShippingError:
            # Paid for but unusable (no file): refund it rather than leave a label nobody will print.
            if tracking_number:
                try:
                    self.void(tracking_number)
                except (ShippingError, VoidRefused):
                    pass  # the purchase's own error below says what went wrong; the reference finds the label
            raise

    def void(self, tracking_number: str) -> None:
        carrier = _carrier_of(tracking_number)
        refunds = self._call("POST", "/v2/refunds", {"refund": {"carrier": carrier, "tracking_codes": [tracking_number]}})
        for refund in refunds if isinstance(refunds, list) else [refunds]:
            if refund.get("status") in ("rejected", "not_applicable"):
                raise VoidRefused(f"{carrier} refused to void {tracking_number}: refund {refund.get('status')}")

    def track(self, tracking_number: str) -> list[TrackingEvent]:
        carrier = _carrier_of(tracking_number)
        query = urllib.parse.urlencode({"tracking_codes[]": tracking_number, "carrier": carrier})
        found = self._call("GET", f"/v2/trackers?{query}").get("trackers") or []
        tracker = found[0] if found else self._call(
            "POST", "/v2/trackers", {"tracker": {"tracking_code": tracking_number, "carrier": carrier}})
        events = [tracker_event(detail) for detail in tracker.get("tracking_details") or []]
        return sorted(events, key=lambda event: event.occurred_at)

    # --- requests --------------------------------------------------------------------------------------
    def _create_shipment(self, ship_from: Address, ship_to: Address, parcels: Sequence[Parcel], *,
                         ship_date: date | None, reference: str = "",
                         customs: Sequence[CustomsItem] | None = None) -> dict[str, Any]:
        if len(parcels) != 1:
            raise ShippingError(f"the shipping API takes one parcel per shipment, not {len(parcels)}: "
                                "buy one label per carton")
        body: dict[str, Any] = {
            "from_address": _address(ship_from), "to_address": _address(ship_to), "parcel": _parcel(parcels[0]),
            "options": {"label_format": "PDF", **({"label_date": ship_date.isoformat()} if ship_date else {})},
        }
        if reference:
            body["reference"] = reference
        if customs:
            body["customs_info"] = _customs(customs, signer=ship_from.name or ship_from.company)
        return self._call("POST", "/v2/shipments", {"shipment": body})

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base_url + path, data=data, method=method, headers={
            "Accept": "application/json", "User-Agent": "wms-shipping/1.0",
            **({"Content-Type": "application/json"} if data is not None else {})})
        request.add_unredirected_header("Authorization", self._auth)
        raw = self._send(request, f"{method} {path.split('?')[0]}")
        try:
            return json.loads(raw) if raw else {}
        except ValueError:
            raise CarrierUnavailable(f"{method} {path} answered with something other than JSON", status=502) from None

    def _download(self, url: str) -> bytes:
        # Label files live on a file host with pre-signed URLs: no credentials go there.
        if urllib.parse.urlsplit(url).scheme not in ("http", "https"):
            raise CarrierError(f"the label URL is not http(s): {url!r}")
        return self._send(urllib.request.Request(url, method="GET"), "label download")

    def _send(self, request: urllib.request.Request, what: str) -> bytes:
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            message = self._scrub(f"{what} answered {exc.code}: {_error_message(exc)}")
            error = CarrierRejected if 400 <= exc.code < 500 else CarrierUnavailable
            raise error(message, status=exc.code) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as exc:
            reason = getattr(exc, "reason", None) or exc.__class__.__name__
            raise CarrierUnavailable(self._scrub(f"{what} failed: {reason}")) from None

    def _scrub(self, message: str) -> str:
        return message.replace(self._api_key, "[redacted]") if len(self._api_key) >= 4 else message


# --- translation --------------------------------------------------------------------------------------

def _address(address: Address) -> dict[str, str]:
    return {"name": address.name, "company": address.company, "street1": address.line1, "street2": address.line2,
            "city": address.city, "state": address.region, "zip": address.postal_code, "country": address.country,
            "phone": address.phone}


def _parcel(parcel: Parcel) -> dict[str, float]:
    def inches(mm: int) -> float:
        return float(round(Decimal(mm) / MM_PER_INCH, 1))

    return {"length": inches(parcel.length_mm), "width": inches(parcel.width_mm), "height": inches(parcel.height_mm),
            "weight": float(round(parcel.weight_g * OUNCES_PER_GRAM, 1))}


def _customs(items: Sequence[CustomsItem], *, signer: str) -> dict[str, Any]:
    return {
        "contents_type": "merchandise", "customs_certify": True, "customs_signer": signer,
        "non_delivery_option": "return", "restriction_type": "none",
        # No Electronic Export Information needed: US exports under 2,500 USD per tariff number.
        "eel_pfc": "NOEEI 30.37(a)",
        "customs_items": [{
            "description": item.description, "quantity": item.quantity, "value": str(item.value),
            "currency": item.currency, "hs_tariff_number": item.hs_code, "origin_country": item.origin_country,
            "weight": float(round(item.weight_g * OUNCES_PER_GRAM, 1)),
        } for item in items],
    }


def _rate(raw: dict[str, Any], ship_date: date) -> Rate:
    try:
        amount = Decimal(str(raw["rate"]))
    except (KeyError, InvalidOperation):
        raise CarrierError(f"a rate without an amount: {raw.get('id')!r}", status=200) from None
    days = raw.get("delivery_days") or raw.get("est_delivery_days")
    arrives = _date(raw.get("delivery_date"))
    if arrives is None and days:
        arrives = delivery_date(ship_date, int(days))
    return Rate(carrier=raw.get("carrier", ""), service=raw.get("service", ""), amount=amount,
                currency=raw.get("currency", "USD"), transit_days=int(days) if days else None,
                estimated_delivery=arrives, rate_id=raw.get("id", ""), shipment_id=raw.get("shipment_id", ""))


def tracker_event(detail: dict[str, Any]) -> TrackingEvent:
    """One of a Tracker's `tracking_details`, as the API sends it in answers and in tracker.updated webhooks."""
    where = detail.get("tracking_location") or {}
    location = ", ".join(filter(None, [where.get("city"), where.get("state"), where.get("country")]))
    return TrackingEvent(status=STATUSES.get(detail.get("status", ""), TrackingStatus.EXCEPTION),
                         description=detail.get("message", ""), location=location,
                         occurred_at=datetime.fromisoformat(detail["datetime"].replace("Z", "+00:00")))


def _date(value: str | None) -> date | None:
    if not value:
        return None
    return datetime.fromisoformat(value.replace("Z", "+00:00")).date()


def _carrier_of(tracking_number: str) -> str:
    carrier = tracking_numbers.identify(tracking_number)
    if carrier is None:
        raise ShippingError(f"{tracking_number!r} is not a UPS, USPS or FedEx tracking number")
    return carrier


def _error_message(exc: urllib.error.HTTPError) -> str:
    """The API's own words: {"error": {"code", "message", "errors": [{"field", "message"}]}}."""
    try:
        raw = exc.read(4096)
    except (OSError, http.client.HTTPException):
        return exc.reason or ""
    try:
        error = json.loads(raw)["error"]
        fields = "; ".join(f"{e.get('field')}: {e.get('message')}" for e in error.get("errors") or [])
        return f"{error.get('message')} ({error.get('code')})" + (f" - {fields}" if fields else "")
    except (ValueError, KeyError, TypeError, AttributeError):
        return " ".join(raw[:200].decode("utf-8", errors="replace").split()) or str(exc.reason)
