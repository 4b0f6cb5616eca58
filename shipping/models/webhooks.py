from __future__ import annotations

import secrets

from django.db import models


def new_carrier_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class CarrierWebhookAccount(models.Model):
    """A carrier (or shipping API) account that pushes tracking updates to `/webhooks/carriers/<code>/`,
    each signed with `secret` (HMAC-SHA256 over the raw body). The secret never appears in str() or logs."""

    code = models.SlugField(max_length=40, unique=True, help_text="The last part of the webhook URL")
    carrier = models.CharField(max_length=32, help_text="As on the shipments it reports: EasyPost, UPS, USPS, FedEx")
    secret = models.CharField(max_length=255, default=new_carrier_webhook_secret)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.carrier})"

    def __repr__(self) -> str:
        return f"<CarrierWebhookAccount {self.pk} {self.code}>"
