"""US ZIP codes offline, from the `zipcodes` package: the state a ZIP belongs to, and the centroid of each
3-digit ZIP prefix (the sectional center facility area carriers zone by)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ZipInfo:
    zip_code: str
    state: str
    city: str
    active: bool


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, ZipInfo], dict[str, tuple[float, float]]]:
    import zipcodes

    by_zip: dict[str, ZipInfo] = {}
    sums: dict[str, list[float]] = {}
    for row in zipcodes.list_all():
        code = row["zip_code"]
        by_zip[code] = ZipInfo(code, row["state"], row["city"], bool(row["active"]))
        lat, lon = float(row["lat"] or 0), float(row["long"] or 0)
        if lat == 0 and lon == 0:  # military post offices (APO/FPO/DPO) have no place on the map
            continue
        acc = sums.setdefault(code[:3], [0.0, 0.0, 0])
        acc[0] += lat
        acc[1] += lon
        acc[2] += 1
    centroids = {prefix: (lat / n, lon / n) for prefix, (lat, lon, n) in sums.items()}
    return by_zip, centroids


def lookup(zip_code: str) -> ZipInfo | None:
    return _index()[0].get((zip_code or "").strip()[:5])


def prefix_centroid(zip_code: str) -> tuple[float, float] | None:
    return _index()[1].get((zip_code or "").strip()[:3])
