"""What every carrier adapter takes and gives back, and the interface it implements. Plain dataclasses:
no Django, no network, so rules, labels and the pack station share them."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

GRAMS_PER_POUND = Decimal("453.59237")
MM_PER_INCH = Decimal("25.4")


@dataclass(frozen=True, kw_only=True)
class Parcel:
    """One carton as packed: gross weight and outside dimensions."""

    weight_g: int
    length_mm: int
    width_mm: int
    height_mm: int

    @property
    def longest_side_mm(self) -> int:
        return max(self.length_mm, self.width_mm, self.height_mm)


@dataclass(frozen=True, kw_only=True)
class Address:
    name: str
    company: str = ""
    line1: str
    line2: str = ""
    city: str
    region: str = ""  # state / province code, e.g. "NJ", "ON"
    postal_code: str = ""
    country: str  # ISO 3166-1 alpha-2
    phone: str = ""


@dataclass(frozen=True, kw_only=True)
class CustomsItem:
    """One line of the customs declaration (CN22/CN23, commercial invoice)."""

    description: str
    quantity: int
    value: Decimal  # total for the line, in `currency`
    hs_code: str  # Harmonized System tariff number, 6 to 10 digits
    origin_country: str  # ISO 3166-1 alpha-2 country of manufacture
    weight_g: int = 0
    currency: str = "USD"


@dataclass(frozen=True, kw_only=True)
class Rate:
    carrier: str  # "UPS", "USPS", "FedEx"
    service: str  # "Ground", "Priority Mail", ...
    amount: Decimal
    currency: str
    transit_days: int | None
    estimated_delivery: date | None
    # Handles an API-backed carrier needs to buy exactly this quote later.
    rate_id: str = ""
    shipment_id: str = ""

    @property
    def label(self) -> str:
        return f"{self.carrier} {self.service}"


@dataclass(frozen=True, kw_only=True)
class Label:
    carrier: str
    service: str
    tracking_number: str  # the lead package's number when the shipment has several
    pdf: bytes
    zpl: str
    package_tracking_numbers: tuple[str, ...] = ()
    tracking_url: str = ""


class TrackingStatus(StrEnum):
    LABEL_CREATED = "label_created"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURN_TO_SENDER = "return_to_sender"
    VOIDED = "voided"


@dataclass(frozen=True, kw_only=True)
class TrackingEvent:
    status: TrackingStatus
    description: str
    occurred_at: datetime
    location: str = ""


class Carrier(ABC):
    """One carrier account. Implementations raise `shipping.exceptions` errors, never return False."""

    name: str  # as printed on labels and stored on fulfillment orders: "UPS", "USPS", "FedEx"

    @abstractmethod
    def rates(self, ship_from: Address, ship_to: Address, parcels: Sequence[Parcel], ship_date: date) -> list[Rate]:
        """Every service this account offers for the lane; empty when none serves it."""

    @abstractmethod
    def buy_label(self, rate: Rate, ship_from: Address, ship_to: Address, parcels: Sequence[Parcel],
                  reference: str, customs: Sequence[CustomsItem] | None = None) -> Label:
        """Buy postage for a rate this carrier quoted. International shipments need `customs`."""

    @abstractmethod
    def void(self, tracking_number: str) -> None:
        """Cancel an unused label (refund the postage). Voiding a voided label changes nothing."""

    @abstractmethod
    def track(self, tracking_number: str) -> list[TrackingEvent]:
        """Scans so far, oldest first."""


def is_international(ship_from: Address, ship_to: Address) -> bool:
    return ship_from.country.strip().upper() != ship_to.country.strip().upper()
