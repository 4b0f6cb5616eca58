"""What a user may see of event subscriptions, deliveries and events: a merchant user only its merchant's, staff
within their StaffScope (merchants; a subscription serves all of a merchant's warehouses)."""

from __future__ import annotations

from django.db.models import QuerySet

from core.models import DomainEvent
from core.roles import MERCHANT, roles_of
from integrations.models import EventDelivery, EventSubscription
from inventory.models.tenancy import staff_scope_q
from inventory.selectors import merchant_of


def subscriptions_visible_to(user) -> QuerySet[EventSubscription]:
    return EventSubscription.objects.visible_to(user).select_related("merchant")


def deliveries_visible_to(user) -> QuerySet[EventDelivery]:
    return EventDelivery.objects.visible_to(user).select_related("subscription", "event", "merchant")


def events_visible_to(user) -> QuerySet[DomainEvent]:
    rows = DomainEvent.objects.select_related("merchant", "warehouse")
    if not user.is_authenticated:
        return rows.none()
    merchant = merchant_of(user)
    if merchant is not None:
        return rows.filter(merchant=merchant)
    if roles_of(user) - {MERCHANT}:
        return rows.filter(staff_scope_q(user, merchant="merchant_id", warehouse="warehouse_id"))
    return rows.none()
