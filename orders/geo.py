"""Offline distance from a ship-to address to a warehouse: US postal-code centroids from the
`zipcodes` package, then country centroids; great-circle kilometres."""

from __future__ import annotations

import math
from functools import lru_cache

# Rough population-weighted centroids for destinations outside the US postal-code data.
COUNTRY_CENTROIDS: dict[str, tuple[float, float]] = {
    "US": (39.8, -98.6), "CA": (45.4, -75.7), "MX": (19.4, -99.1), "GB": (52.4, -1.5), "IE": (53.3, -6.3),
    "FR": (46.6, 2.4), "DE": (51.1, 10.4), "NL": (52.2, 5.3), "ES": (40.4, -3.7), "IT": (42.8, 12.5),
    "AU": (-33.9, 151.2), "NZ": (-41.3, 174.8), "JP": (35.7, 139.7), "BR": (-23.5, -46.6),
}


@lru_cache(maxsize=20_000)
def centroid(country: str, postal_code: str) -> tuple[float, float] | None:
    country = (country or "").upper()
    if country == "US" and postal_code:
        import zipcodes

        code = postal_code.strip()[:5]
        try:
            match = zipcodes.matching(code)
        except (ValueError, TypeError):
            match = []
        if match:
            return float(match[0]["lat"]), float(match[0]["long"])
    return COUNTRY_CENTROIDS.get(country)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))
