"""Tenancy rules: which merchant a user or token acts for. A merchant user acts only for its own merchant."""

from __future__ import annotations

from django.db.models import QuerySet

from inventory.exceptions import InvalidProduct, WrongMerchant
from inventory.models import Merchant
from inventory.models.tenancy import staff_scope_q
from inventory.selectors import merchant_of
from layout.models import Warehouse


def merchant_for_actor(user, merchant_code: str | None) -> Merchant:
    """The merchant a write acts for: a merchant user's own, or the one staff name by code (within their scope)."""
    own = merchant_of(user)
    if own is not None:
        if merchant_code and merchant_code != own.code:
            raise WrongMerchant("a merchant user can only act for its own merchant")
        return own
    if not merchant_code:
        raise InvalidProduct("merchant is required")
    merchant = staff_scoped(Merchant.objects.filter(code=merchant_code), user, merchant="pk").first()
    if merchant is None:
        raise InvalidProduct(f"unknown merchant {merchant_code!r}")
    return merchant


def staff_scoped(rows: QuerySet, user, *, merchant: str | None = None, warehouse: str | None = None) -> QuerySet:
    """Narrow rows that are not merchant-scoped models (stock levels, ledger rows, warehouses) to a staff user's
    StaffScope; `merchant` and `warehouse` are the lookup paths to the ids. Unrestricted users pass through.
    Only a user has a scope: a system actor ("beat", "worker") is refused here (see `actor_in_scope`)."""
    if user is None or isinstance(user, str):
        raise TypeError(f"staff_scoped() takes a user, not the system actor {user!r}")
    return rows.filter(staff_scope_q(user, merchant=merchant, warehouse=warehouse))


def actor_in_scope(actor, *, merchant_id: int | None = None, warehouse_id: int | None = None) -> bool:
    """Whether a service's actor may act for a merchant and in a warehouse: a user within their StaffScope, or a
    system actor (a string such as "beat", or none), which is never scoped."""
    if actor is None or isinstance(actor, str):
        return True
    if merchant_id is not None and not staff_scoped(Merchant.objects.filter(pk=merchant_id), actor, merchant="pk").exists():
        return False
    return warehouse_id is None or staff_scoped(Warehouse.objects.filter(pk=warehouse_id), actor, warehouse="pk").exists()


def warehouses_visible_to(user) -> QuerySet[Warehouse]:
    return staff_scoped(Warehouse.objects.all(), user, warehouse="pk")
