"""Domain events are recorded in the transaction of the change they report: a rolled-back change leaves none,
and an unknown kind is refused rather than stored."""

from __future__ import annotations

import pytest
from django.db import transaction

from core.events import event_record
from core.models import DomainEvent, EventKind
from tests.factories import MerchantFactory

pytestmark = pytest.mark.django_db


def test_an_event_is_stored_with_its_resource_and_payload():
    merchant = MerchantFactory()
    event = event_record(EventKind.ORDER_SHIPPED, merchant_id=merchant.id, resource_type="order", resource_id=42,
                         payload={"tracking": "1Z999"})
    event.refresh_from_db()
    assert (event.kind, event.resource_type, event.resource_id) == ("order.shipped", "order", "42")
    assert event.payload == {"tracking": "1Z999"}


def test_an_event_rolls_back_with_its_change():
    merchant = MerchantFactory()
    with pytest.raises(RuntimeError), transaction.atomic():
        event_record(EventKind.STOCK_CHANGED, merchant_id=merchant.id, resource_type="product", resource_id=1)
        raise RuntimeError("the change failed")
    assert not DomainEvent.objects.exists()


def test_an_unknown_kind_is_refused():
    merchant = MerchantFactory()
    with pytest.raises(ValueError):
        event_record("order.teleported", merchant_id=merchant.id, resource_type="order", resource_id=1)
    assert not DomainEvent.objects.exists()
