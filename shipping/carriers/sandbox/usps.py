"""A USPS account in the sandbox: Ground Advantage, Priority Mail, Priority Mail Express and Priority Mail
International. USPS delivers on Saturdays and counts dimensional weight only above one cubic foot."""

from __future__ import annotations

from shipping.carriers.sandbox.engine import INTERNATIONAL_ZONES, SandboxCarrier, ServiceCard, by_zone, days_by_zone
from shipping.tracking_numbers import USPS, usps_impb, usps_s10

INTL = INTERNATIONAL_ZONES


class SandboxUSPS(SandboxCarrier):
    name = USPS
    dim_divisor = 166
    dim_min_cubic_inches = 1728
    saturday_delivery = True
    tracking_url = "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}"
    # Domestic codes are the IMpb channel application identifier + service type code (9400 1..., 9205 5...,
    # 9270 1...); the international one is the UPU S10 service indicator.
    cards = (
        ServiceCard("Ground Advantage", "94001",
                    by_zone("7.60 7.85 8.20 8.70 9.30 9.95 10.60"),
                    by_zone("0.45 0.60 0.80 1.05 1.35 1.60 1.90"),
                    days_by_zone("2 3 3 4 4 5 5"), max_pounds=70),
        ServiceCard("Priority Mail", "92055",
                    by_zone("9.25 9.70 10.35 11.20 12.30 13.45 14.60"),
                    by_zone("0.75 1.05 1.45 1.95 2.55 3.05 3.60"),
                    days_by_zone("1 2 2 3 3 3 3"), max_pounds=70),
        ServiceCard("Priority Mail Express", "92701",
                    by_zone("28.75 31.50 33.90 36.40 39.80 42.30 45.10"),
                    by_zone("2.20 2.80 3.40 4.00 4.70 5.30 5.90"),
                    days_by_zone("1 1 1 2 2 2 2"), max_pounds=70),
        ServiceCard("Priority Mail International", "CP",
                    by_zone("44.50 58.90 64.20", INTL), by_zone("3.10 4.80 5.60", INTL),
                    days_by_zone("6 8 10", INTL), max_pounds=66),
    )

    def __init__(self, *, mailer_id: str = "901234567", **kwargs):
        super().__init__(**kwargs)
        self.mailer_id = mailer_id

    def tracking_number(self, card: ServiceCard, serial: int) -> str:
        if card.international:
            return usps_s10(card.code, serial)
        return usps_impb(card.code[:2], card.code[2:], self.mailer_id, serial)
