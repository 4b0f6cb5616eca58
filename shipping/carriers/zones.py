"""Rating zones and the delivery calendar the sandbox carriers share."""

from __future__ import annotations

from datetime import date, timedelta

from orders.geo import distance_km
from shipping import zip_codes

KM_PER_MILE = 1.609344
# USPS zone chart distance bands (miles between the origin and destination 3-digit ZIP areas); UPS and
# FedEx ground zones follow the same bands closely. Zone 1 (local) is priced as zone 2 here.
ZONE_BANDS_MILES = ((150, 2), (300, 3), (600, 4), (1000, 5), (1400, 6), (1800, 7))
# When a prefix has no centroid (military post offices, new prefixes), the numeric gap between the
# prefixes is a rough stand-in: ZIP prefixes were assigned outward from the north-east in order.
PREFIX_GAP_BANDS = ((10, 2), (50, 3), (100, 4), (200, 5), (400, 6), (600, 7))

NORTH_AMERICA = frozenset({"CA", "MX"})
EUROPE = frozenset({
    "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
})


def us_zone(from_zip: str, to_zip: str) -> int:
    """Zone 2 (nearby) to 8 (across the country, Alaska, Hawaii) between two US ZIP codes."""
    a, b = zip_codes.prefix_centroid(from_zip), zip_codes.prefix_centroid(to_zip)
    if a and b:
        miles = distance_km(a, b) / KM_PER_MILE
        return next((zone for limit, zone in ZONE_BANDS_MILES if miles <= limit), 8)
    gap = abs(int(from_zip[:3]) - int(to_zip[:3]))
    return next((zone for limit, zone in PREFIX_GAP_BANDS if gap <= limit), 8)


def international_zone(country: str) -> str:
    country = country.upper()
    if country in NORTH_AMERICA:
        return "north_america"
    return "europe" if country in EUROPE else "world"


def delivery_date(ship_date: date, transit_days: int, *, saturday: bool = False) -> date:
    """The day a parcel picked up on `ship_date` arrives after `transit_days` delivery days. Nothing
    moves on Sunday; Saturday counts only for carriers that deliver on Saturdays."""
    day, left = ship_date, transit_days
    while left > 0:
        day += timedelta(days=1)
        if is_delivery_day(day, saturday=saturday):
            left -= 1
    return day


def is_delivery_day(day: date, *, saturday: bool = False) -> bool:
    return day.weekday() < 5 or (saturday and day.weekday() == 5)
