"""The one scan parser every station uses: any scanned or typed string becomes a typed Scan.

Pure Python (no Django), so the REST API, the htmx stations and tests share it. Internal labels
carry a prefix (`BIN:A-01-02-B`, `TOTE:T-001`, `PO:1234`, `RMA:R-77`, station commands `CMD:DONE`); typed quantities are `x5`
or `QTY:5`; digits are GTIN/UPC/EAN or SSCC; GS1-128 element strings (with FNC1 as ASCII GS, a
symbology identifier such as `]C1`, or in the human-readable `(01)...(17)...` form) carry GTIN,
lot, expiry, serial and count; anything else is the merchant's SKU.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import Enum

from biip import ParseError
from biip.gs1_messages import GS1Message
from biip.sscc import Sscc

from inventory.gtin import InvalidBarcode, check_digit_words, gtin_normalize
from shipping import tracking_numbers

GS = "\x1d"
SYMBOLOGY_PREFIX = re.compile(r"^\][A-Za-z][0-9A-Za-z]")
QTY_PATTERN = re.compile(r"^(?:x|X|QTY:|qty:)(\d{1,5})$")
# The longest code any label or barcode we read can carry (GS1-128 in its bracketed form fits; the
# barcode columns are this wide): anything longer is a stuck key or a paste, not a scan.
MAX_SCAN_LENGTH = 80
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1c\x1e\x1f\x7f]")  # GS (FNC1) is data; CR/LF/tab are trimmed
_C1_CONTROL = re.compile(r"[\x80-\x9f]")
_SCANNED_SPACES = " \t\r\n" + GS  # the spaces a label's text may hold; GS is the FNC1 separator
LABEL_PREFIXES = {
    "BIN": "bin", "LOC": "bin", "TOTE": "tote", "CART": "tote", "PO": "po", "ASN": "po", "RMA": "rma", "CMD": "command",
}


class ScanKind(str, Enum):
    GTIN = "gtin"
    GS1 = "gs1"
    SSCC = "sscc"
    BIN = "bin"
    TOTE = "tote"
    PO = "po"
    RMA = "rma"
    QTY = "qty"
    COMMAND = "command"  # station command sheets: CMD:DAMAGED, CMD:DONE, ...
    SKU = "sku"
    TRACKING = "tracking"  # a carrier tracking number, read only where parcels are scanned (parse_parcel_scan)


class ScanError(ValueError):
    """The scan cannot be read; the message says why in words a floor operator understands."""


@dataclass(frozen=True)
class Scan:
    kind: ScanKind
    raw: str
    gtin: str | None = None  # normalized to 14 digits
    lot: str | None = None
    expiry: dt.date | None = None
    serial: str | None = None
    count: int | None = None
    sscc: str | None = None
    code: str | None = None  # bin / tote / PO / RMA code, or the SKU text
    qty: int | None = None
    carrier: str | None = None  # UPS, USPS or FedEx for a tracking number

    @property
    def is_product(self) -> bool:
        return self.kind in (ScanKind.GTIN, ScanKind.GS1, ScanKind.SKU) and (self.kind != ScanKind.GS1 or bool(self.gtin))


def _gtin(code: str) -> str:
    try:
        return gtin_normalize(code)
    except InvalidBarcode as exc:
        raise ScanError(str(exc)) from None


def scan_input_check(raw: str | None) -> None:
    """Refuse what no scanner sends before anything reads or stores it: control bytes and over-long input."""
    text = (raw or "").strip("\r\n\t ")
    if _CONTROL.search(text):
        raise ScanError("the scan cannot be read: it holds a control character (a stuck key or a bad scanner setting);"
                        " scan the label again")
    if any(ch.isspace() and ch not in _SCANNED_SPACES for ch in text) or _C1_CONTROL.search(text):
        # A no-break or other typographic space is no barcode's data, and a station would read it as Enter.
        raise ScanError("the scan cannot be read: it holds a character no label carries (a keyboard layout or a"
                        " scanner setting); scan the label again")
    if text and not text.strip():
        raise ScanError("the scan cannot be read: it holds only separators; scan the label again")
    if len(text) > MAX_SCAN_LENGTH:
        raise ScanError(f"the scan is too long to be a label or barcode ({len(text)} characters, at most "
                        f"{MAX_SCAN_LENGTH}): scan the label again")


def parse_scan(raw: str) -> Scan:
    if raw is None or not raw.strip():
        raise ScanError("nothing was scanned")
    scan_input_check(raw)
    text = raw.strip("\r\n\t ")
    label = _label(text)
    if label:
        return label
    match = QTY_PATTERN.match(text)
    if match:
        qty = int(match.group(1))
        if qty <= 0:
            raise ScanError("a quantity must be at least 1")
        return Scan(kind=ScanKind.QTY, raw=raw, qty=qty)
    symbology = SYMBOLOGY_PREFIX.match(text)
    if symbology or GS in text or text.startswith("("):
        return _gs1(raw, text[symbology.end():] if symbology else text)
    if text.isdigit():
        if len(text) in (8, 12, 13, 14):
            return Scan(kind=ScanKind.GTIN, raw=raw, gtin=_gtin(text))
        if len(text) == 18:
            return Scan(kind=ScanKind.SSCC, raw=raw, sscc=_sscc(text))
        if len(text) == 20 and text.startswith("00"):
            return Scan(kind=ScanKind.SSCC, raw=raw, sscc=_sscc(text[2:]))
        if len(text) >= 16 and text[:2] in ("01", "02"):
            return _gs1(raw, text)
    return Scan(kind=ScanKind.SKU, raw=raw, code=text)


_IMPB_ROUTING = re.compile(r"^420(?:\d{5}|\d{9})(9[1-5]\d{20})$")  # USPS label: ZIP routing, then the IMpb
_CARRIER_SHAPES = (
    (re.compile(r"^1Z[0-9A-Z]{16}$"), "UPS"),
    (re.compile(r"^9[1-5]\d{20}$"), "USPS"),
    (re.compile(r"^[A-Z]{2}\d{9}US$"), "USPS"),
    (re.compile(r"^\d{12}$"), "FedEx"),
)


def parse_parcel_scan(raw: str) -> Scan:
    """What is scanned on a parcel (returns bench): our labels first, then carrier tracking numbers, which
    must have their carrier's structure and check digit. A 12-digit number here is a FedEx number, not a
    UPC: nobody scans a product barcode off the outside of a parcel."""
    if raw is None or not raw.strip():
        raise ScanError("nothing was scanned")
    scan_input_check(raw)
    text = raw.strip("\r\n\t ")
    label = _label(text)
    if label:
        return label
    number = tracking_numbers.normalize(text)
    routed = _IMPB_ROUTING.match(number)
    if routed:
        number = routed.group(1)
    for shape, carrier in _CARRIER_SHAPES:
        if shape.match(number):
            if not tracking_numbers.is_valid(carrier, number):
                raise ScanError(f"{number} looks like a {carrier} tracking number but its check digit is wrong: scan it again")
            return Scan(kind=ScanKind.TRACKING, raw=raw, code=number, carrier=carrier)
    return parse_scan(raw)


def _label(text: str) -> Scan | None:
    prefix, sep, rest = text.partition(":")
    kind = LABEL_PREFIXES.get(prefix.upper()) if sep else None
    if kind is None:
        return None
    if not rest.strip():
        raise ScanError(f"the {prefix.upper()} label has no code after the colon")
    return Scan(kind=ScanKind(kind), raw=text, code=rest.strip().upper())


def _gs1(raw: str, text: str) -> Scan:
    try:
        message = GS1Message.parse_hri(text) if text.startswith("(") else GS1Message.parse(text)
    except ParseError as exc:
        raise ScanError(f"GS1 barcode could not be read: {exc}") from None
    values: dict = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai in ("01", "02"):
            values["gtin"] = _gtin(element.value)
        elif ai == "10":
            values["lot"] = element.value
        elif ai == "17":
            values["expiry"] = element.date or _expiry(element.value)
        elif ai == "21":
            values["serial"] = element.value
        elif ai in ("30", "37"):
            values["count"] = int(element.value)
        elif ai == "00":
            values["sscc"] = _sscc(element.value)
    if "count" in values and values["count"] <= 0:
        raise ScanError("the GS1 count (AI 30/37) must be at least 1")
    if values.get("sscc") and not values.get("gtin"):
        return Scan(kind=ScanKind.SSCC, raw=raw, **values)
    if not values.get("gtin"):
        raise ScanError("GS1 barcode has no GTIN (AI 01) or SSCC (AI 00)")
    return Scan(kind=ScanKind.GS1, raw=raw, **values)


def _expiry(value: str) -> dt.date:
    """YYMMDD; day 00 means the last day of the month (GS1 General Specifications 7.12)."""
    year, month, day = 2000 + int(value[:2]), int(value[2:4]), int(value[4:6])
    if day == 0:
        next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
        return next_month - dt.timedelta(days=1)
    return dt.date(year, month, day)


def _sscc(code: str) -> str:
    try:
        return Sscc.parse(code).value
    except ParseError as exc:
        raise ScanError(check_digit_words(code, exc, what="SSCC")) from None
