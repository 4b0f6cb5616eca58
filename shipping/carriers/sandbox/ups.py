"""A UPS account in the sandbox: Ground, 2nd Day Air, Next Day Air and Worldwide Saver."""

from __future__ import annotations

from shipping.carriers.sandbox.engine import INTERNATIONAL_ZONES, SandboxCarrier, ServiceCard, by_zone, days_by_zone
from shipping.tracking_numbers import UPS, ups_tracking_number

INTL = INTERNATIONAL_ZONES


class SandboxUPS(SandboxCarrier):
    name = UPS
    dim_divisor = 139  # UPS daily rates
    tracking_url = "https://www.ups.com/track?tracknum={number}"
    # Service codes as UPS prints them inside 1Z numbers: 03 Ground, 02 2nd Day Air, 01 Next Day Air.
    cards = (
        ServiceCard("Ground", "03",
                    by_zone("10.20 10.65 11.15 11.70 12.10 12.45 12.85"),
                    by_zone("0.55 0.70 0.95 1.20 1.45 1.65 1.85"),
                    days_by_zone("1 2 3 3 4 4 5")),
        ServiceCard("2nd Day Air", "02",
                    by_zone("21.30 23.90 25.40 27.10 28.80 30.20 31.90"),
                    by_zone("1.90 2.40 2.95 3.40 3.90 4.30 4.70"),
                    days_by_zone("2 2 2 2 2 2 2")),
        ServiceCard("Next Day Air", "01",
                    by_zone("33.40 39.80 44.10 48.60 51.20 53.70 56.30"),
                    by_zone("3.20 4.10 5.00 5.90 6.60 7.20 7.80"),
                    days_by_zone("1 1 1 1 1 1 1")),
        ServiceCard("Worldwide Saver", "65",
                    by_zone("68.00 82.00 96.00", INTL), by_zone("6.50 8.50 10.50", INTL), days_by_zone("2 3 4", INTL)),
    )

    def __init__(self, *, shipper_number: str = "7Y4V61", **kwargs):
        super().__init__(**kwargs)
        self.shipper_number = shipper_number

    def tracking_number(self, card: ServiceCard, serial: int) -> str:
        return ups_tracking_number(self.shipper_number, card.code, serial)
