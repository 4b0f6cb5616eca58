"""The fulfillment order's lifecycle: every allowed change passes (and is on the order's timeline), every
other is refused and changes nothing; the database refuses a status the code does not know."""

import pytest
from django.db import IntegrityError, transaction

from core.lifecycle import IllegalTransition
from orders.models import FulfillmentOrder, OrderEvent
from orders.services.fulfillments import fulfillment_transition
from orders.state import FULFILLMENT
from tests.factories import ProductFactory, WarehouseFactory
from tests.orders.factories import order_with_lines

pytestmark = pytest.mark.django_db

S = FulfillmentOrder.Status
PAIRS = [(a, b) for a in S.values for b in S.values if a != b]


def fulfillment_at(status: str) -> FulfillmentOrder:
    order = order_with_lines(lines=[(ProductFactory(), 1)])
    return FulfillmentOrder.objects.create(order=order, warehouse=WarehouseFactory(), status=status)


def test_the_table_names_every_status_and_the_final_ones():
    assert set(FULFILLMENT.statuses) == set(S.values)
    assert FULFILLMENT.final == {S.SHIPPED, S.CANCELLED}


@pytest.mark.parametrize(("current", "target"), [p for p in PAIRS if FULFILLMENT.allows(*p)])
def test_every_allowed_change_passes_and_is_on_the_timeline(current, target):
    fulfillment = fulfillment_at(current)
    changed = fulfillment_transition(fulfillment=fulfillment, to=target, actor="warehouse", reason="because")
    assert changed.status == target and FulfillmentOrder.objects.get(pk=fulfillment.pk).status == target
    event = OrderEvent.objects.get(order=fulfillment.order, kind="fulfillment")
    assert event.data["previous"] == current and event.data["status"] == target and "because" in event.message


@pytest.mark.parametrize(("current", "target"), [p for p in PAIRS if not FULFILLMENT.allows(*p)])
def test_every_other_change_is_refused_and_changes_nothing(current, target):
    fulfillment = fulfillment_at(current)
    before = FulfillmentOrder.objects.filter(pk=fulfillment.pk).values().get()
    with pytest.raises(IllegalTransition):
        fulfillment_transition(fulfillment=fulfillment, to=target, actor="warehouse", reason="no")
    assert FulfillmentOrder.objects.filter(pk=fulfillment.pk).values().get() == before
    assert not OrderEvent.objects.filter(order=fulfillment.order, kind="fulfillment").exists()


def test_the_same_status_again_is_a_no_op():
    fulfillment = fulfillment_at(S.PICKING)
    fulfillment_transition(fulfillment=fulfillment, to=S.PICKING, actor="warehouse", reason="again")
    assert not OrderEvent.objects.filter(order=fulfillment.order).exists()


def test_the_database_refuses_an_unknown_status():
    fulfillment = fulfillment_at(S.RELEASED)
    with pytest.raises(IntegrityError), transaction.atomic():
        FulfillmentOrder.objects.filter(pk=fulfillment.pk).update(status="lost")
