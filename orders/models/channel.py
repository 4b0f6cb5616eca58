from __future__ import annotations

import secrets

from django.db import models

from inventory.models import Merchant, MerchantScopedQuerySet


class ChannelKind(models.TextChoices):
    SHOPIFY = "shopify", "Shopify"
    WOOCOMMERCE = "woocommerce", "WooCommerce"
    BIGCOMMERCE = "bigcommerce", "BigCommerce"
    API = "api", "Direct REST API"
    CSV = "csv", "CSV upload (wholesale, POS, manual)"


STOREFRONT_KINDS = (ChannelKind.SHOPIFY, ChannelKind.WOOCOMMERCE, ChannelKind.BIGCOMMERCE)


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Channel(models.Model):
    """One order source of a merchant. Secrets and credentials never appear in str(), repr() or logs."""

    Kind = ChannelKind

    merchant = models.ForeignKey(Merchant, on_delete=models.PROTECT, related_name="channels")
    kind = models.CharField(max_length=16, choices=ChannelKind.choices)
    name = models.CharField(max_length=100)
    store_identity = models.CharField(
        max_length=255, blank=True, help_text="Shopify shop domain, WooCommerce site URL or BigCommerce store hash"
    )
    webhook_secret = models.CharField(max_length=255, default=new_webhook_secret)
    # After a rotation the previous secret still verifies deliveries until it expires (the grace period).
    previous_webhook_secret = models.CharField(max_length=255, blank=True, default="")
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    api_base_url = models.URLField(blank=True)
    api_credentials = models.JSONField(default=dict, blank=True, help_text="Access token or key/secret pair")
    is_active = models.BooleanField(default=True)
    push_stock = models.BooleanField(default=True, help_text="Push available-to-sell to this storefront")
    is_fulfillment_service = models.BooleanField(
        default=False, help_text="The shop assigns fulfillment orders to the warehouse (Shopify fulfillment service)")
    pull_cursor = models.CharField(max_length=64, blank=True, help_text="Catch-up pull: changed since")
    pulled_at = models.DateTimeField(null=True, blank=True)
    # Wholesale and marketplace channels often ask for more remaining life than the merchant's own shop.
    min_shelf_life_days = models.PositiveIntegerField(
        null=True, blank=True,
        help_text="No unit expiring within this many days is picked for this channel's orders (empty: the merchant's)")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MerchantScopedQuerySet.as_manager()

    class Meta:
        ordering = ["merchant_id", "name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=ChannelKind.values), name="channel_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_kind_display()})"

    def __repr__(self) -> str:
        return f"<Channel {self.pk} {self.kind} merchant={self.merchant_id}>"

    def webhook_secrets(self, now) -> list[str]:
        """The secrets a delivery may be signed with now: the current one, then the previous within grace."""
        secrets_now = [self.webhook_secret]
        if (self.previous_webhook_secret and self.previous_secret_expires_at is not None
                and now < self.previous_secret_expires_at):
            secrets_now.append(self.previous_webhook_secret)
        return secrets_now

    @property
    def is_storefront(self) -> bool:
        return self.kind in STOREFRONT_KINDS


class ChannelLocation(models.Model):
    """Where a warehouse's stock shows on the storefront: a Shopify location (its gid). A location stocked by
    several warehouses shows their sum. A storefront channel with no locations is told one number per product
    (every warehouse's), at its default location."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="locations")
    warehouse = models.ForeignKey("layout.Warehouse", on_delete=models.PROTECT, related_name="+")
    location_id = models.CharField(max_length=255, help_text="The storefront's location id, e.g. gid://shopify/Location/1")

    class Meta:
        ordering = ["channel_id", "location_id", "warehouse_id"]
        constraints = [models.UniqueConstraint(fields=["channel", "warehouse"], name="channel_location_one_per_warehouse")]

    def __str__(self) -> str:
        return f"{self.channel_id}: warehouse {self.warehouse_id} -> {self.location_id}"
