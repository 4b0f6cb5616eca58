"""From a Channel row to its storefront adapter module and an outbound API client."""

from __future__ import annotations

from importlib import import_module
from types import ModuleType

from orders.models import STOREFRONT_KINDS, Channel


def adapter_for(kind: str) -> ModuleType:
    if kind not in STOREFRONT_KINDS:
        raise LookupError(f"no storefront adapter for channel kind {kind!r}")
    return import_module(f"orders.adapters.{kind}")


def client_for(channel: Channel):
    """The storefront API client configured from the channel's base URL and credentials."""
    credentials = channel.api_credentials or {}
    adapter = adapter_for(channel.kind)
    if channel.kind == Channel.Kind.SHOPIFY:
        return adapter.ShopifyClient(channel.api_base_url, credentials.get("access_token", ""))
    if channel.kind == Channel.Kind.WOOCOMMERCE:
        return adapter.WooCommerceClient(
            channel.api_base_url, credentials.get("consumer_key", ""), credentials.get("consumer_secret", "")
        )
    return adapter.BigCommerceClient(channel.api_base_url, credentials.get("access_token", ""))
