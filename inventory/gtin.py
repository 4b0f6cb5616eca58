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


def gtin_packaging(each_gtin: str, indicator: int) -> str:
    """The GTIN-14 of a packaging level of a trade item: the item's GTIN with the indicator digit (1-8) in
    front and the check digit computed again (GS1 General Specifications, 3.3.2)."""
    if not 1 <= indicator <= 8:
        raise InvalidBarcode(f"packaging indicator {indicator} must be 1 to 8")
    body = f"{indicator}{gtin_normalize(each_gtin)[1:13]}"
    return body + str(_check_digit(body))


def gtin_indicator(gtin14: str) -> int:
    """The indicator digit of a normalized GTIN-14: 0 for the each, 1-8 for a packaging level, 9 variable."""
    return int(gtin_normalize(gtin14)[0])


def _check_digit(body: str) -> int:
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(body)))
    return (10 - total % 10) % 10
