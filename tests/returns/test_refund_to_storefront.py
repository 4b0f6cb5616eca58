"""A refund reaches the storefront through the order's outbox, in the storefront's own shape, against a
real local HTTP peer; a second delivery of the same refund does not refund twice."""

import pytest

from orders.models import FulfillmentLine, FulfillmentOrder, OutboxMessage
from orders.services.outbox import outbox_deliver
from returns.services.grading import unit_grade
from returns.services.receiving import parcel_receive, unit_receive
from returns.services.resolutions import rma_resolve
from returns.services.rmas import RequestedLine, rma_create
from tests.factories import ProductFactory
from tests.orders.factories import order_from_storefront, storefront_channel
from tests.orders.test_adapters import _order
from tests.peers.storefront import StorefrontPeer
from tests.returns.factories import build_return_site

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("kind", ["woocommerce", "bigcommerce"])
def test_a_refund_arrives_at_the_storefront_once(kind):
    site = build_return_site(products=0)
    with StorefrontPeer(kind) as peer:
        channel = storefront_channel(peer, merchant=site.merchant)
        data = _order(kind, 0)
        peer.add_order(data)
        order = order_from_storefront(channel, data)
        for ordered in order.lines.all():  # the SKUs arrived unknown: the merchant's catalog learns them
            ordered.product = ProductFactory(merchant=site.merchant, sku=ordered.sku)
            ordered.save(update_fields=["product"])
        line = order.lines.order_by("line_no").first()
        fo = FulfillmentOrder.objects.create(order=order, warehouse=site.warehouse, status=FulfillmentOrder.Status.SHIPPED)
        for ordered in order.lines.all():
            FulfillmentLine.objects.create(fulfillment_order=fo, order_line=ordered, qty=ordered.quantity,
                                           shipped_qty=ordered.quantity)
        rma = rma_create(order=order, actor=site.agent, source="storefront", resolution="refund", authorize=True,
                         lines=[RequestedLine(order_line_id=line.pk, qty=1, reason="defective")])
        parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
        unit_grade(unit=unit_receive(parcel=parcel, raw=line.sku, actor=site.processor), grade_code="good",
                   actor=site.processor)
        rma = rma_resolve(rma=rma, actor=site.agent)
        message = OutboxMessage.objects.get(order=order, kind="refunded")
        assert outbox_deliver(message_id=message.pk) == "sent"
        updates = [u for u in peer.updates_for(order.external_id) if u["kind"] in ("refund", "staff_notes", "status")]
        if kind == "woocommerce":
            assert len(updates) == 1 and updates[0]["amount"] == str(rma.refund_amount)
            assert updates[0]["line_items"] == [{"id": line.external_line_id, "quantity": 1}]
            assert f"Return {rma.number}" in updates[0]["reason"]
        else:
            notes = [u for u in updates if u["kind"] == "staff_notes"]
            assert len(notes) == 1 and f"for return {rma.number}:" in notes[0]["staff_notes"]
            assert [u["status_id"] for u in updates if u["kind"] == "status"] == [14]
        # A redelivery (the worker died after the storefront answered) finds the refund and sends nothing new.
        OutboxMessage.objects.filter(pk=message.pk).update(status="pending", lease_token="", leased_until=None)
        assert outbox_deliver(message_id=message.pk) == "sent"
        assert len([u for u in peer.updates_for(order.external_id) if u["kind"] in ("refund", "staff_notes")]) == 1
