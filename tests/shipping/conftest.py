from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from shipping.carriers.base import Address, CustomsItem, Parcel

WAREHOUSE = Address(name="Northwind Fulfillment", company="Dock 4", line1="100 Ferry St", city="Newark",
                    region="NJ", postal_code="07105", country="US", phone="+1 973 555 0100")
NEARBY = Address(name="Ada Byron", line1="350 5th Ave", city="New York", region="NY", postal_code="10118",
                 country="US")
ATLANTA = Address(name="Grace Hopper", line1="55 Trinity Ave SW", city="Atlanta", region="GA",
                  postal_code="30303", country="US")
SAN_FRANCISCO = Address(name="Alan Kay", line1="1 Market St", city="San Francisco", region="CA",
                        postal_code="94105", country="US")
BERLIN = Address(name="Jana Müller", line1="Unter den Linden 5", city="Berlin", postal_code="10117",
                 country="DE", phone="+49 30 5550100")
SHOEBOX = Parcel(weight_g=1200, length_mm=300, width_mm=200, height_mm=120)
T_SHIRTS = (CustomsItem(description="Cotton T-shirt", quantity=3, value=Decimal("45.00"), hs_code="610910",
                        origin_country="PT", weight_g=600),
            CustomsItem(description="Enamel mug", quantity=1, value=Decimal("12.50"), hs_code="732394",
                        origin_country="CN", weight_g=350))


class Clock:
    """Time that moves only when the test says so."""

    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(datetime(2025, 3, 3, 10, 0, tzinfo=UTC))  # a Monday morning
