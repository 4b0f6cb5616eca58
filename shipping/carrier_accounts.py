"""Which carriers a merchant ships with: the built-in sandbox carriers (UPS, USPS and FedEx look-alikes),
or a real shipping API in the EasyPost style when `SHIPPING_API_URL` and `SHIPPING_API_KEY` are set."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from django.conf import settings

from shipping.carriers.base import Carrier
from shipping.exceptions import ServiceNotOffered


def carriers_for(merchant) -> list[Carrier]:
    return list(_accounts(getattr(settings, "SHIPPING_API_URL", ""), getattr(settings, "SHIPPING_API_KEY", "")))


@lru_cache(maxsize=4)
def _accounts(api_url: str, api_key: str) -> tuple[Carrier, ...]:
    if api_url and api_key:
        from shipping.carriers.easypost_like import EasyPostLike

        return (EasyPostLike(base_url=api_url, api_key=api_key),)
    from shipping.carriers.sandbox import sandbox_carriers
    from shipping.sandbox_state import next_label_serial, recall_from_database

    return tuple(sandbox_carriers(recall=recall_from_database, serials=next_label_serial))


def carrier_named(carriers: Sequence[Carrier], name: str) -> Carrier:
    for carrier in carriers:
        if getattr(carrier, "name", "").lower() == name.lower() or len(carriers) == 1:
            return carrier
    raise ServiceNotOffered(f"no {name} account is configured")
