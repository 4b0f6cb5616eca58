from __future__ import annotations

from typing import Any, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q


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


class StaffScope(models.Model):
    """Limits a staff user to some merchants and some warehouses. An empty side means every one of them, so a
    user without a scope (or with an empty one) is unrestricted."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_scope")
    merchants = models.ManyToManyField(Merchant, blank=True, related_name="+")
    warehouses = models.ManyToManyField("layout.Warehouse", blank=True, related_name="+")

    def __str__(self) -> str:
        return f"scope of {self.user}"


def allowed_merchant_ids(user) -> models.QuerySet[Any, Any]:
    """The merchants a staff user is limited to, as a subquery (no round trip): empty means all."""
    return StaffScope.merchants.through.objects.filter(staffscope__user_id=user.pk).values("merchant_id")


def allowed_warehouse_ids(user) -> models.QuerySet[Any, Any]:
    """The warehouses a staff user is limited to, as a subquery (no round trip): empty means all."""
    return StaffScope.warehouses.through.objects.filter(staffscope__user_id=user.pk).values("warehouse_id")


def staff_scope_q(user, *, merchant: str | None = None, warehouse: str | None = None) -> Q:
    """The condition that keeps a staff user's rows inside their scope, for a query whose merchant and warehouse
    sit at the given lookup paths. Written as subqueries so it costs no extra query."""
    condition = Q()
    if merchant:
        merchants = allowed_merchant_ids(user)
        condition &= ~Exists(merchants) | Q(**{f"{merchant}__in": merchants})
    if warehouse:
        warehouses = allowed_warehouse_ids(user)
        condition &= ~Exists(warehouses) | Q(**{f"{warehouse}__in": warehouses})
    return condition


_M = TypeVar("_M", bound=models.Model)


class MerchantScopedQuerySet(models.QuerySet[_M, _M]):
    """Query helpers every merchant-owned model uses, so isolation is one call, not a habit.

    A merchant user sees only its merchant's rows. A staff user sees every merchant's rows, narrowed to the
    merchants and warehouses of their StaffScope when they have one. A model names where its warehouse lives with
    a `warehouse_scope` attribute (a lookup path); by default its `warehouse` field if it has one.
    """

    merchant_field = "merchant"

    def for_merchant(self, merchant) -> MerchantScopedQuerySet[_M]:
        return self.filter(**{self.merchant_field: merchant})

    def visible_to(self, user) -> MerchantScopedQuerySet[_M]:
        from core.roles import MERCHANT, roles_of

        if not user.is_authenticated:
            return self.none()
        membership = getattr(user, "merchant_membership", None)  # the missing-row error is an AttributeError
        if membership is not None:
            return self.filter(**{f"{self.merchant_field}_id": membership.merchant_id})
        if roles_of(user) - {MERCHANT}:
            return self.within_staff_scope(user)
        return self.none()

    def within_staff_scope(self, user) -> MerchantScopedQuerySet[_M]:
        warehouse = self._warehouse_path()
        if warehouse and "__" in warehouse:
            # A to-many path (an order's fulfillment orders): a subquery, so rows are not repeated.
            inner = self.model._default_manager.filter(pk=OuterRef("pk"), **{f"{warehouse}__in": allowed_warehouse_ids(user)})
            return self.filter(staff_scope_q(user, merchant=f"{self.merchant_field}_id")).filter(
                ~Exists(allowed_warehouse_ids(user)) | Exists(inner)
            )
        return self.filter(staff_scope_q(user, merchant=f"{self.merchant_field}_id",
                                         warehouse=f"{warehouse}_id" if warehouse else None))

    def _warehouse_path(self) -> str | None:
        declared = getattr(self.model, "warehouse_scope", None)
        if declared is not None:
            return declared or None
        names = {field.name for field in self.model._meta.get_fields()}
        return "warehouse" if "warehouse" in names else None
