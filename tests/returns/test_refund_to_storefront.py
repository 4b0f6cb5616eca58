"""A refund or store credit reaches the storefront through the order's outbox, in each storefront's own
shape, against a real local HTTP peer: Shopify's refundCreate (a manual refund transaction, or store credit
as the refund method), a WooCommerce order refund (or a customer note for store credit), a BigCommerce staff
note (and Partially Refunded for money back). A second delivery of the same message changes nothing."""

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

TOLD = ("refund", "staff_notes", "status", "note")


def _resolved_return(site, peer, kind: str, resolution: str):
    """A storefront order shipped in full, one unit of its last line returned, graded and resolved."""
    channel = storefront_channel(peer, merchant=site.merchant)
    data = _order(kind, 0)
    peer.add_order(data)
    order = order_from_storefront(channel, data)
    for ordered in order.lines.all():  # the SKUs arrived unknown: the merchant's catalog learns them
        ordered.product = ProductFactory(merchant=site.merchant, sku=ordered.sku)
        ordered.save(update_fields=["product"])
    fo = FulfillmentOrder.objects.create(order=order, warehouse=site.warehouse, status=FulfillmentOrder.Status.SHIPPED)
    for ordered in order.lines.all():
        FulfillmentLine.objects.create(fulfillment_order=fo, order_line=ordered, qty=ordered.quantity,
                                       shipped_qty=ordered.quantity)
    line = order.lines.order_by("line_no").last()
    rma = rma_create(order=order, actor=site.agent, source="storefront", resolution=resolution, authorize=True,
                     lines=[RequestedLine(order_line_id=line.pk, qty=1, reason="defective")])
    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    unit_grade(unit=unit_receive(parcel=parcel, raw=line.sku, actor=site.processor), grade_code="good",
               actor=site.processor)
    return order, line, rma_resolve(rma=rma, actor=site.agent)


@pytest.mark.parametrize("resolution", ["refund", "store_credit"])
@pytest.mark.parametrize("kind", ["shopify", "woocommerce", "bigcommerce"])
def test_a_refund_or_store_credit_arrives_at_the_storefront_once_in_its_own_shape(kind, resolution):
    site = build_return_site(products=0)
    with StorefrontPeer(kind) as peer:
        order, line, rma = _resolved_return(site, peer, kind, resolution)
        amount = str(rma.refund_amount)
        assert rma.refund_amount == line.unit_price - line.discount / line.quantity > 0
        message = OutboxMessage.objects.get(order=order, kind="refunded")
        assert message.payload["resolution"] == resolution and message.payload["amount"] == amount
        assert outbox_deliver(message_id=message.pk) == "sent"
        told = [u for u in peer.updates_for(order.external_id) if u["kind"] in TOLD]

        if kind == "shopify":
            assert len(told) == 1 and told[0]["kind"] == "refund"
            refund = told[0]
            assert refund["note"].startswith(f"Return {rma.number}:") and refund["notify"] is True
            assert refund["line_items"] == [{"line_item_id": line.external_line_id, "quantity": 1, "restock_type": "NO_RESTOCK"}]
            if resolution == "refund":
                assert refund["transactions"] == [{"amount": amount, "kind": "REFUND", "gateway": "manual"}]
                assert refund["store_credit"] == []
            else:
                assert refund["store_credit"] == [{"amount": amount, "currencyCode": order.currency}]
                assert refund["transactions"] == []
        elif kind == "woocommerce":
            assert len(told) == 1
            if resolution == "refund":
                assert told[0]["kind"] == "refund" and told[0]["amount"] == amount
                assert told[0]["line_items"] == [{"id": line.external_line_id, "quantity": 1}]
                assert f"Return {rma.number}" in told[0]["reason"]
            else:  # WooCommerce core has no store credit record: the customer is told in a note, no money moves
                assert told[0]["kind"] == "note" and told[0]["customer_note"] is True
                assert told[0]["note"] == f"Store credit of {amount} {order.currency} issued for return {rma.number}."
                assert peer.refunds.get(str(order.external_id), []) == []
        else:
            notes = [u for u in told if u["kind"] == "staff_notes"]
            label = "Refund" if resolution == "refund" else "Store credit"
            assert len(notes) == 1
            assert f"{label} of {amount} {order.currency} for return {rma.number}: 1 x {line.sku}" in notes[0]["staff_notes"]
            assert [u["status_id"] for u in told if u["kind"] == "status"] == ([14] if resolution == "refund" else [])

        # A redelivery (the worker died after the storefront answered) finds what it did and sends nothing new.
        OutboxMessage.objects.filter(pk=message.pk).update(status="pending", lease_token="", leased_until=None)
        assert outbox_deliver(message_id=message.pk) == "sent"
        assert [u for u in peer.updates_for(order.external_id) if u["kind"] in TOLD] == told


def test_shopify_refuses_store_credit_for_a_guest_order_and_the_message_is_parked_for_an_operator_not_lost():
    site = build_return_site(products=0)
    with StorefrontPeer("shopify") as peer:
        order, _, rma = _resolved_return(site, peer, "shopify", "store_credit")
        peer.orders[str(order.external_id)]["customer"] = None  # a guest checkout
        message = OutboxMessage.objects.get(order=order, kind="refunded")
        assert outbox_deliver(message_id=message.pk) == "parked"  # a refusal, not a hiccup: retrying would not help
        message.refresh_from_db()
        assert message.status == OutboxMessage.Status.FAILED and "customer" in message.last_error
        assert peer.refunds.get(str(order.external_id), []) == []
