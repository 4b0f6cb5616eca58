"""What the OMS does when a product's available-to-sell changes: fill backorders, then tell every
storefront of the merchant. Registered with the IMS at start-up (the IMS imports nothing of ours)."""

from __future__ import annotations

import logging

from orders.channels import client_for
from orders.models import STOREFRONT_KINDS, Channel

log = logging.getLogger(__name__)


def fill_backorders(product, available_to_sell: int) -> None:
    from orders.services.allocation import backorders_allocate

    if available_to_sell > 0:
        backorders_allocate(product_ids=[product.pk])


def push_to_storefronts(product, available_to_sell: int) -> None:
    channels = Channel.objects.filter(
        merchant_id=product.merchant_id, is_active=True, push_stock=True, kind__in=STOREFRONT_KINDS
    ).exclude(api_base_url="")
    for channel in channels:
        client_for(channel).set_available(product.sku, available_to_sell)
        log.info("pushed %s available=%s to %s", product.sku, available_to_sell, channel.name)
