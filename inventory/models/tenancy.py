from __future__ import annotations

from django.conf import settings
from django.db import models


class Merchant(models.Model):
    """The brand that owns products and stock. A 3PL deployment serves many."""

    code = models.SlugField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    is_active = models.BooleanField(default=True)
    min_shelf_life_days = models.PositiveIntegerField(
        default=0, help_text="No unit expiring within this many days is picked for this merchant's orders")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MerchantMembership(models.Model):
    """Ties a merchant's own user (portal or API client) to that merchant: they see nothing else."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="merchant_membership")
    merchant = models.ForeignKey(Merchant, on_delete=models.CASCADE, related_name="memberships")

    def __str__(self) -> str:
        return f"{self.user} @ {self.merchant}"


class MerchantScopedQuerySet(models.QuerySet):
    """Query helpers every merchant-owned model uses, so isolation is one call, not a habit."""

    merchant_field = "merchant"

    def for_merchant(self, merchant) -> MerchantScopedQuerySet:
        return self.filter(**{self.merchant_field: merchant})

    def visible_to(self, user) -> MerchantScopedQuerySet:
        from core.roles import MERCHANT, roles_of

        if not user.is_authenticated:
            return self.none()
        membership = getattr(user, "merchant_membership", None)  # the missing-row error is an AttributeError
        if membership is not None:
            return self.filter(**{f"{self.merchant_field}_id": membership.merchant_id})
        if roles_of(user) - {MERCHANT}:
            return self
        return self.none()
