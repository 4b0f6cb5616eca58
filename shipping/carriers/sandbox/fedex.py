"""A FedEx account in the sandbox: Ground, 2Day, Standard Overnight and International Priority."""

from __future__ import annotations

from shipping.carriers.sandbox.engine import INTERNATIONAL_ZONES, SandboxCarrier, ServiceCard, by_zone, days_by_zone
from shipping.tracking_numbers import FEDEX, fedex_tracking_number

INTL = INTERNATIONAL_ZONES


class SandboxFedEx(SandboxCarrier):
    name = FEDEX
    dim_divisor = 139
    tracking_url = "https://www.fedex.com/fedextrack/?trknbr={number}"
    # Codes are FedEx's service types; the 12-digit tracking numbers do not carry them.
    cards = (
        ServiceCard("Ground", "FEDEX_GROUND",
                    by_zone("10.05 10.55 11.05 11.60 12.00 12.40 12.80"),
                    by_zone("0.56 0.72 0.97 1.21 1.47 1.66 1.88"),
                    days_by_zone("1 2 3 3 4 4 5")),
        ServiceCard("2Day", "FEDEX_2_DAY",
                    by_zone("21.10 23.60 25.20 26.90 28.60 30.10 31.70"),
                    by_zone("1.88 2.38 2.92 3.37 3.86 4.26 4.66"),
                    days_by_zone("2 2 2 2 2 2 2")),
        ServiceCard("Standard Overnight", "STANDARD_OVERNIGHT",
                    by_zone("32.90 39.20 43.70 48.10 50.80 53.30 55.90"),
                    by_zone("3.15 4.05 4.95 5.85 6.55 7.15 7.75"),
                    days_by_zone("1 1 1 1 1 1 1")),
        ServiceCard("International Priority", "INTERNATIONAL_PRIORITY",
                    by_zone("70.10 84.30 98.60", INTL), by_zone("6.70 8.80 10.90", INTL), days_by_zone("2 3 4", INTL)),
    )

    def __init__(self, *, serial_prefix: int = 7, **kwargs):
        super().__init__(**kwargs)
        self.serial_prefix = serial_prefix

    def tracking_number(self, card: ServiceCard, serial: int) -> str:
        return fedex_tracking_number(self.serial_prefix * 10**10 + serial % 10**10)
