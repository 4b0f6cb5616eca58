"""Product identity: GTIN/UPC/EAN normalisation with check digits, owned by the IMS.

Pure Python (no Django). The station scan parser (`warehouse.scanning`) builds on it, so a barcode means
the same product at the catalogue, the API and every station.
"""

from __future__ import annotations

import re

from biip import ParseError
from biip.gtin import Gtin


class InvalidBarcode(ValueError):
    """The code is not a valid GTIN; the message says why in words a floor operator understands."""


def gtin_normalize(code: str) -> str:
    """A GTIN-8/12/13/14 (UPC-A, EAN-8, EAN-13) as 14 digits; InvalidBarcode names a bad check digit."""
    code = (code or "").strip()
    if not code.isdigit() or len(code) not in (8, 12, 13, 14):
        raise InvalidBarcode(f"{code!r} is not a GTIN: expected 8, 12, 13 or 14 digits")
    try:
        return Gtin.parse(code).as_gtin_14()
    except ParseError as exc:
        raise InvalidBarcode(check_digit_words(code, exc)) from None


def gtin_is_valid(code: str) -> bool:
    try:
        gtin_normalize(code)
    except InvalidBarcode:
        return False
    return True


def check_digit_words(code: str, exc: Exception, what: str = "GTIN") -> str:
    found = re.search(r"Expected (\d+), got (\d+)", str(exc))
    if found:
        return f"{what} {code}: check digit should be {found.group(1)}, not {found.group(2)}"
    return f"{what} {code}: {exc}"
