"""Carrier tracking numbers: the formats UPS, USPS and FedEx print on their labels, the check digits that
guard them, and builders that make a valid number from a sequence (used by the sandbox carriers).

Carriers are named as they print themselves: "UPS", "USPS", "FedEx" (compared case-insensitively)."""

from __future__ import annotations

import re
from itertools import cycle

UPS, USPS, FEDEX = "UPS", "USPS", "FedEx"
CARRIERS = (UPS, USPS, FEDEX)

_UPS = re.compile(r"1Z[0-9A-Z]{15}[0-9]")
_IMPB = re.compile(r"9[1-5][0-9]{20}")  # 22-digit Intelligent Mail package barcode, no routing code
_S10 = re.compile(r"[A-Z]{2}[0-9]{9}[A-Z]{2}")  # UPU S10, used by USPS international services
_FEDEX_EXPRESS = re.compile(r"[0-9]{12}")


def normalize(number: str) -> str:
    """Scanners and people add spaces and lower-case letters; carriers do not."""
    return re.sub(r"\s+", "", number or "").upper()


# --- UPS ------------------------------------------------------------------------------------------------

def ups_check_digit(body: str) -> int:
    """UPS 1Z check digit over the 15 characters after "1Z" (shipper number, service, reference).
    Letters count as digits per UPS's rule: A=2, B=3 ... H=9, I=0, J=1 ... (that is (ASCII - 63) mod 10).
    Characters in even positions (2nd, 4th, ...) are doubled; the check digit brings the sum to a
    multiple of ten."""
    values = [int(c) if c.isdigit() else (ord(c) - 63) % 10 for c in body]
    total = sum(v * (2 if i % 2 else 1) for i, v in enumerate(values))
    return (10 - total % 10) % 10


def ups_tracking_number(shipper_number: str, service_code: str, reference: int) -> str:
    """1Z + 6-character shipper number + 2-character service code + 7-digit package reference + check."""
    shipper_number, service_code = shipper_number.upper(), service_code.upper()
    if not re.fullmatch(r"[0-9A-Z]{6}", shipper_number):
        raise ValueError(f"a UPS shipper number has 6 letters or digits, not {shipper_number!r}")
    if not re.fullmatch(r"[0-9A-Z]{2}", service_code):
        raise ValueError(f"a UPS service code has 2 characters, not {service_code!r}")
    body = f"{shipper_number}{service_code}{reference % 10**7:07d}"
    return f"1Z{body}{ups_check_digit(body)}"


# --- USPS -----------------------------------------------------------------------------------------------

def usps_check_digit(digits: str) -> int:
    """USPS Publication 199 (IMpb) mod 10: from the right, digits in odd positions weigh 3 and even
    positions 1; the check digit brings the sum to a multiple of ten."""
    total = sum(int(d) * w for d, w in zip(reversed(digits), cycle((3, 1))))
    return (10 - total % 10) % 10


def usps_impb(channel: str, service_type_code: str, mailer_id: str, serial: int) -> str:
    """22 digits: channel application identifier (92, 93, 94, 95), 3-digit service type code, 9-digit
    mailer ID, 7-digit serial, check digit."""
    if not re.fullmatch(r"9[2-5]", channel) or not re.fullmatch(r"\d{3}", service_type_code):
        raise ValueError(f"not an IMpb channel and service type code: {channel!r} {service_type_code!r}")
    if not re.fullmatch(r"\d{9}", mailer_id):
        raise ValueError(f"an IMpb mailer ID here has 9 digits, not {mailer_id!r}")
    body = f"{channel}{service_type_code}{mailer_id}{serial % 10**7:07d}"
    return f"{body}{usps_check_digit(body)}"


def s10_check_digit(serial: str) -> int:
    """UPU S10 check digit over the 8-digit serial: weights 8,6,4,2,3,5,9,7; 11 minus the sum mod 11,
    with 10 written as 0 and 11 as 5."""
    check = 11 - sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7))) % 11
    return {10: 0, 11: 5}.get(check, check)


def usps_s10(service_indicator: str, serial: int) -> str:
    """UPU S10 item identifier as USPS issues it: 2 letters, 8 digits, check digit, "US"."""
    body = f"{serial % 10**8:08d}"
    return f"{service_indicator.upper()}{body}{s10_check_digit(body)}US"


# --- FedEx ----------------------------------------------------------------------------------------------

def fedex_check_digit(digits: str) -> int:
    """FedEx Express 12-digit mod 11: the first 11 digits weigh 1, 3, 7, 1, 3, 7 ... counted from the
    right; the check digit is the sum mod 11, with 10 written as 0. (The published valid numbers, e.g.
    986578788855, only check out with this order of weights.)"""
    total = sum(int(d) * w for d, w in zip(reversed(digits), cycle((1, 3, 7))))
    return total % 11 % 10


def fedex_tracking_number(serial: int) -> str:
    body = f"{serial % 10**11:011d}"
    return f"{body}{fedex_check_digit(body)}"


# --- any carrier ----------------------------------------------------------------------------------------

def is_valid(carrier: str, number: str) -> bool:
    """The number has the carrier's format and its check digit is right."""
    number = normalize(number)
    match (carrier or "").strip().lower():
        case "ups":
            return bool(_UPS.fullmatch(number)) and ups_check_digit(number[2:-1]) == int(number[-1])
        case "usps":
            if _IMPB.fullmatch(number):
                return usps_check_digit(number[:-1]) == int(number[-1])
            if _S10.fullmatch(number):
                return s10_check_digit(number[2:10]) == int(number[10])
            return False
        case "fedex":
            return bool(_FEDEX_EXPRESS.fullmatch(number)) and fedex_check_digit(number[:-1]) == int(number[-1])
    raise ValueError(f"unknown carrier {carrier!r}; known: {', '.join(CARRIERS)}")


def identify(number: str) -> str | None:
    """The carrier whose format and check digit the number satisfies, or None."""
    return next((carrier for carrier in CARRIERS if is_valid(carrier, number)), None)


def human_readable(number: str) -> str:
    """Grouped as the carrier prints it under the barcode."""
    number = normalize(number)
    if _UPS.fullmatch(number):
        return " ".join((number[:2], number[2:5], number[5:8], number[8:10], number[10:14], number[14:17], number[17]))
    if _IMPB.fullmatch(number) or _FEDEX_EXPRESS.fullmatch(number):
        return " ".join(number[i:i + 4] for i in range(0, len(number), 4))
    return number
