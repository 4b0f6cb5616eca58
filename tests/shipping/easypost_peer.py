"""A real local HTTP server that plays an EasyPost-style shipping API (v2) for the calls our adapter makes.

    with EasyPostPeer() as peer:
        api = EasyPostLike(peer.url, peer.api_key)
        rates = api.rates(...)
        peer.scan(tracking_code, "in_transit", "Departed facility")

Every request is recorded in `requests` (method, path, query, lower-cased headers, json). Shipments are
kept in `shipments` by id, refunds in `refunds`, tracker scans in `scans` by tracking code. Quotes come
from `quotes` (carrier, service, rate, delivery days). Requests are checked like the real API checks them:
wrong key answers 401, a missing address field or parcel weight 422 with the field named, an international
shipment bought without customs 422, buying twice 422. Set `down = True` to answer 503. Label files are served
without credentials under /files/, as the real API's pre-signed file URLs are. `before_buy`, when set, is
called with each shipment about to be bought (in the server's thread); a (status, payload) it returns is
answered instead of selling the label."""

from __future__ import annotations

import base64
import itertools
import json
import threading
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from shipping import tracking_numbers

Reply = tuple[int, Any]
DEFAULT_QUOTES = [
    ("USPS", "GroundAdvantage", "8.45", 4),
    ("USPS", "Priority", "11.20", 2),
    ("UPS", "Ground", "12.90", 3),
    ("UPS", "NextDayAir", "48.10", 1),
    ("FedEx", "FEDEX_2_DAY", "27.35", 2),
]
REQUIRED_ADDRESS_FIELDS = ("street1", "city", "zip", "country")


def _error(status: int, code: str, message: str, errors: list[dict[str, str]] | None = None) -> Reply:
    return status, {"error": {"code": code, "message": message, "errors": errors or []}}


class EasyPostPeer:
    def __init__(self, *, api_key: str = "EZTK_peer_test_key"):
        self.api_key = api_key
        self.quotes = list(DEFAULT_QUOTES)
        self.requests: list[dict[str, Any]] = []
        self.shipments: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.scans: dict[str, list[dict[str, Any]]] = {}
        self.files: dict[str, tuple[str, bytes]] = {}
        self.down = False
        self.refuse_refunds = False  # the parcel was already scanned: refunds come back "rejected"
        self.before_buy: Callable[[dict[str, Any]], Reply | None] | None = None
        self.lock = threading.Lock()
        self._ids = itertools.count(1)
        self._serials = itertools.count(1)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                       name="easypost-peer", daemon=True)

    def __enter__(self) -> EasyPostPeer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def requests_to(self, method: str, path: str) -> list[dict[str, Any]]:
        """Requests to exactly this path; a "*" stands for one path segment (an id)."""
        pattern = path.strip("/").split("/")
        return [r for r in self.requests if r["method"] == method and _matches(pattern, r["path"].strip("/").split("/"))]

    def scan(self, tracking_code: str, status: str, message: str, when: datetime, city: str = "") -> None:
        with self.lock:
            self.scans.setdefault(tracking_code, []).append({
                "status": status, "message": message, "datetime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "tracking_location": {"city": city or None, "state": None, "country": "US" if city else None}})

    # --- dispatch -------------------------------------------------------------------------------------------
    def handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urlparse(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        with self.lock:
            self.requests.append({"method": method, "path": parsed.path, "query": parse_qs(parsed.query), "json": body,
                                  "headers": {k.lower(): v for k, v in handler.headers.items()}})
        if parsed.path.startswith("/files/"):
            return self._send_file(handler, parsed.path.removeprefix("/files/"))
        if self.down:
            return _send(handler, *_error(503, "SERVICE.UNAVAILABLE", "The service is temporarily unavailable."))
        expected = "Basic " + base64.b64encode(f"{self.api_key}:".encode()).decode()
        if handler.headers.get("Authorization") != expected:
            return _send(handler, *_error(401, "APIKEY.INACTIVE", "This api key is no longer active."))
        with self.lock:
            status, payload = self._route(method, parsed.path, parse_qs(parsed.query), body or {})
        _send(handler, status, payload)

    def _route(self, method: str, path: str, query: dict[str, list[str]], body: dict[str, Any]) -> Reply:
        parts = path.strip("/").split("/")
        match method, parts:
            case "POST", ["v2", "shipments"]:
                return self._create_shipment(body.get("shipment") or {})
            case "POST", ["v2", "shipments", shipment_id, "buy"]:
                return self._buy(shipment_id, body)
            case "GET", ["v2", "shipments", shipment_id, "label"]:
                return self._label(shipment_id, (query.get("file_format") or ["PNG"])[0])
            case "POST", ["v2", "refunds"]:
                return self._refund(body.get("refund") or {})
            case "GET", ["v2", "trackers"]:
                codes = query.get("tracking_codes[]") or []
                return 200, {"trackers": [self._tracker(c) for c in codes if c in self.scans], "has_more": False}
            case "POST", ["v2", "trackers"]:
                return 200, self._tracker((body.get("tracker") or {}).get("tracking_code", ""))
        return _error(404, "NOT_FOUND", "The requested resource could not be found.")

    # --- the API --------------------------------------------------------------------------------------------
    def _create_shipment(self, shipment: dict[str, Any]) -> Reply:
        errors = []
        for side in ("from_address", "to_address"):
            address = shipment.get(side) or {}
            errors += [{"field": f"shipment.{side}.{name}", "message": "cannot be blank"}
                       for name in REQUIRED_ADDRESS_FIELDS if not address.get(name)]
        if not (shipment.get("parcel") or {}).get("weight"):
            errors.append({"field": "shipment.parcel.weight", "message": "must be greater than 0"})
        if errors:
            return _error(422, "PARAMETER.REQUIRED", "Missing required parameter.", errors)
        shipment_id = f"shp_{next(self._ids):08x}"
        label_date = date.fromisoformat((shipment.get("options") or {}).get("label_date") or date.today().isoformat())
        rates = []
        for carrier, service, amount, days in self.quotes:
            delivery = label_date + timedelta(days=days)
            rates.append({"id": f"rate_{next(self._ids):08x}", "object": "Rate", "shipment_id": shipment_id,
                          "carrier": carrier, "service": service, "rate": amount, "currency": "USD",
                          "delivery_days": days, "delivery_date": f"{delivery.isoformat()}T00:00:00Z",
                          "est_delivery_days": days})
        record = {"id": shipment_id, "object": "Shipment", **shipment, "rates": rates, "tracking_code": None,
                  "postage_label": None, "selected_rate": None}
        self.shipments[shipment_id] = record
        return 201, record

    def _buy(self, shipment_id: str, body: dict[str, Any]) -> Reply:
        shipment = self.shipments.get(shipment_id)
        if shipment is None:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        if shipment["postage_label"]:
            return _error(422, "SHIPMENT.POSTAGE.EXISTS", "Shipment already has postage.")
        rate = next((r for r in shipment["rates"] if r["id"] == (body.get("rate") or {}).get("id")), None)
        if rate is None:
            return _error(422, "SHIPMENT.RATE.INVALID", "The rate does not belong to this shipment.",
                          [{"field": "rate.id", "message": "is not one of this shipment's rates"}])
        if self.before_buy is not None and (refusal := self.before_buy(shipment)) is not None:
            return refusal
        international = shipment["from_address"]["country"] != shipment["to_address"]["country"]
        if international and not (shipment.get("customs_info") or {}).get("customs_items"):
            return _error(422, "SHIPMENT.CUSTOMS_INFO.MISSING",
                          "Customs information is required for international shipments.")
        code = self._tracking_code(rate["carrier"], next(self._serials))
        self.files[f"{shipment_id}.pdf"] = ("application/pdf", _pdf(code))
        self.files[f"{shipment_id}.zpl"] = ("text/plain", f"^XA^FO50,50^BCN,100,Y,N,N^FD{code}^FS^XZ".encode())
        shipment.update(tracking_code=code, selected_rate=rate, postage_label={
            "object": "PostageLabel", "label_file_type": "application/pdf",
            "label_url": f"{self.url}/files/{shipment_id}.png", "label_pdf_url": f"{self.url}/files/{shipment_id}.pdf",
            "label_zpl_url": None,
        }, tracker={"tracking_code": code, "public_url": f"https://track.example.test/{code}"})
        self.scans[code] = [{"status": "pre_transit", "message": "Pre-Shipment Info Sent to Carrier",
                             "datetime": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"), "tracking_location": {}}]
        return 200, shipment

    def _label(self, shipment_id: str, file_format: str) -> Reply:
        shipment = self.shipments.get(shipment_id)
        if shipment is None or not shipment["postage_label"]:
            return _error(422, "SHIPMENT.POSTAGE.REQUIRED", "Shipment has no postage yet.")
        if file_format.upper() == "ZPL":
            shipment["postage_label"]["label_zpl_url"] = f"{self.url}/files/{shipment_id}.zpl"
        return 200, shipment

    def _refund(self, refund: dict[str, Any]) -> Reply:
        answers = []
        for code in refund.get("tracking_codes") or []:
            if not any(s["tracking_code"] == code for s in self.shipments.values()):
                return _error(404, "NOT_FOUND", f"No shipment with tracking code {code}.")
            answer = {"id": f"rfnd_{next(self._ids):08x}", "object": "Refund", "tracking_code": code,
                      "carrier": refund.get("carrier"), "status": "rejected" if self.refuse_refunds else "submitted"}
            self.refunds.append(answer)
            answers.append(answer)
        return 201, answers

    def _tracker(self, code: str) -> dict[str, Any]:
        details = self.scans.get(code, [])
        return {"id": f"trk_{code}", "object": "Tracker", "tracking_code": code,
                "status": details[-1]["status"] if details else "unknown", "tracking_details": details}

    def _tracking_code(self, carrier: str, serial: int) -> str:
        match carrier:
            case "UPS":
                return tracking_numbers.ups_tracking_number("1E2R3T", "03", serial)
            case "USPS":
                return tracking_numbers.usps_impb("94", "001", "912345678", serial)
        return tracking_numbers.fedex_tracking_number(60_000_000_000 + serial)

    def _send_file(self, handler: BaseHTTPRequestHandler, name: str) -> None:
        if "authorization" in {k.lower() for k in handler.headers}:
            return _send(handler, *_error(400, "FILE.CREDENTIALS", "File URLs are pre-signed; drop the credentials."))
        content_type, data = self.files.get(name, ("", b""))
        if not data:
            return _send(handler, *_error(404, "NOT_FOUND", "No such file."))
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)


def _matches(pattern: list[str], parts: list[str]) -> bool:
    return len(pattern) == len(parts) and all(p in ("*", part) for p, part in zip(pattern, parts))


def _pdf(tracking_code: str) -> bytes:
    """A minimal one-page PDF that names the tracking code, as the API's label file."""
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 288 432]>>endobj\n"
            b"% label " + tracking_code.encode() + b"\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def _send(handler: BaseHTTPRequestHandler, status: int, payload: Any) -> None:
    data = json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json")
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def _handler_for(peer: EasyPostPeer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            peer.handle(self, "GET")

        def do_POST(self) -> None:
            peer.handle(self, "POST")

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
