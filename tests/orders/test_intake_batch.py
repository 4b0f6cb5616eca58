"""Intake in batches: the dispatcher hands a worker the deliveries that arrived together; the worker takes each
from webhook to released fulfillment order in turn, without the queue in between; nothing is lost or doubled."""

import json
import time
from contextlib import contextmanager

import pytest
from django.test import Client

from inventory.models import StockLevel
from orders.models import InboxDelivery, Order, OrderEvent
from orders.services.inbox import inbox_dispatch_new, inbox_process
from orders.services.intake_batch import deliveries_process
from tests.concurrency import run_in_threads
from tests.factories import BinFactory, ProductFactory, WarehouseFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory
from tests.orders.storefront import payload, shopify_headers
from tests.warehouse.picking import put


def stocked_shop(units=100):
    channel = ChannelFactory(kind="shopify", webhook_secret="whsec-123")
    shelf = BinFactory(zone=ZoneFactory(warehouse=WarehouseFactory()))
    for sku in ("ACME-0001", "ACME-0002"):
        put(ProductFactory(merchant=channel.merchant, sku=sku), shelf, units)
    return channel


def post_order(channel, n: int, *, body: bytes | None = None) -> int:
    """A signed orders/create webhook for storefront order n; returns the stored delivery's id."""
    if body is None:
        data = payload("shopify_order")
        data["id"], data["name"], data["order_number"] = 9000 + n, f"#B{n}", 9000 + n
        body = json.dumps(data).encode()
    response = Client().post(f"/webhooks/shopify/{channel.pk}/", data=body, content_type="application/json",
                             **shopify_headers("whsec-123", body, event_id=f"evt-batch-{n}"))
    assert response.status_code == 200, response.content
    return InboxDelivery.objects.get(dedup_key=f"shopify:orders/create:evt-batch-{n}").pk


def queued_intake_messages() -> list[tuple[str, list]]:
    """What waits in the broker's intake queue, taken off it: (task name, args) of each message, oldest first.
    Through kombu, so it reads Redis and RabbitMQ alike (`make test-rabbitmq`)."""
    found = []
    with _intake_channel() as channel:
        while (raw := channel.basic_get("intake", no_ack=True)) is not None:
            message = raw if hasattr(raw, "decode") else channel.message_to_python(raw)  # py-amqp hands a raw frame
            found.append((message.headers["task"], message.decode()[0]))
    return found


@contextmanager
def _intake_channel():
    from wms_project.celery import app

    with app.connection_for_write() as connection:
        channel = connection.default_channel
        app.amqp.queues["intake"].bind(channel).declare()
        yield channel


@pytest.fixture
def empty_intake_queue():
    with _intake_channel() as channel:
        channel.queue_purge("intake")
    yield
    with _intake_channel() as channel:
        channel.queue_purge("intake")


@pytest.mark.django_db(transaction=True)
def test_a_batch_takes_each_delivery_to_a_released_order_before_the_next_one(empty_intake_queue):
    channel = stocked_shop()
    ids = [post_order(channel, n) for n in range(3)]

    result = deliveries_process(delivery_ids=ids)

    assert [result.outcomes[pk] for pk in ids] == ["created"] * 3
    orders = [InboxDelivery.objects.get(pk=pk).order for pk in ids]
    assert [order.status for order in orders] == [Order.Status.RELEASED] * 3
    assert result.allocated == [order.pk for order in orders]
    # In turn: the first order was routed before the second delivery became an order.
    routed_first = OrderEvent.objects.get(order=orders[0], kind="routing").pk
    received_second = OrderEvent.objects.get(order=orders[1], kind="received").pk
    assert routed_first < received_second
    assert queued_intake_messages() == []  # no allocation task went through the broker
    assert_stock_invariants()


@pytest.mark.django_db(transaction=True)
def test_an_unreadable_delivery_is_parked_and_the_rest_of_the_batch_goes_on(empty_intake_queue):
    channel = stocked_shop()
    first = post_order(channel, 1)
    broken = post_order(channel, 2, body=json.dumps({"id": 77, "line_items": "not a list"}).encode())
    last = post_order(channel, 3)

    result = deliveries_process(delivery_ids=[first, broken, last])

    assert (result.outcomes[first], result.outcomes[broken], result.outcomes[last]) == ("created", "parked", "created")
    parked = InboxDelivery.objects.get(pk=broken)
    assert parked.status == "parked" and parked.order is None and parked.last_error
    assert Order.objects.count() == 2 and not Order.objects.exclude(status=Order.Status.RELEASED).exists()
    assert len(result.allocated) == 2


@pytest.mark.django_db(transaction=True)
def test_processing_a_batch_twice_changes_nothing_the_second_time(empty_intake_queue):
    channel = stocked_shop()
    ids = [post_order(channel, n) for n in range(2)]
    deliveries_process(delivery_ids=ids)
    before = (list(Order.objects.values_list("pk", "status")), OrderEvent.objects.count())

    again = deliveries_process(delivery_ids=ids)  # a redelivered message (worker lost after the work)

    assert set(again.outcomes.values()) == {"processed"} and again.allocated == []
    assert (list(Order.objects.values_list("pk", "status")), OrderEvent.objects.count()) == before


@pytest.mark.django_db(transaction=True)
def test_the_dispatcher_queues_even_batches_in_arrival_order(empty_intake_queue, settings):
    settings.ORDERS_INTAKE_BATCH_SIZE = 10
    channel = stocked_shop()
    ids = [post_order(channel, n) for n in range(25)]

    assert inbox_dispatch_new(delivery_ids=list(reversed(ids))) == ids

    messages = queued_intake_messages()
    assert {name for name, _ in messages} == {"orders.process_deliveries"}
    batches = [args[0] for _, args in messages]
    assert sorted(len(batch) for batch in batches) == [8, 8, 9]
    assert all(batch == sorted(batch) for batch in batches)
    assert sorted(pk for batch in batches for pk in batch) == ids
    assert inbox_dispatch_new(delivery_ids=ids) == []  # queued once: not again until their requeue time


@pytest.mark.django_db(transaction=True)
def test_a_flash_sale_through_a_real_worker_releases_every_order_once_and_oversells_nothing(celery_worker):
    channel = stocked_shop(units=30)  # each order wants 1 + 3: ACME-0002 runs out after ten orders

    run_in_threads(lambda n: post_order(channel, n), 12)

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (
        InboxDelivery.objects.exclude(status="processed").exists()
        or Order.objects.filter(status=Order.Status.PENDING).exists() or Order.objects.count() < 12
    ):
        time.sleep(0.2)
    assert set(InboxDelivery.objects.values_list("status", flat=True)) == {"processed"}
    statuses = list(Order.objects.values_list("status", flat=True))
    assert len(statuses) == 12 and Order.objects.values("external_id").distinct().count() == 12
    assert Order.Status.PENDING not in statuses
    # Whatever the interleaving of the worker's two slots: every unit of ACME-0002 promised once, none twice.
    level = StockLevel.objects.get(product__sku="ACME-0002")
    assert (level.on_hand, level.allocated) == (30, 30)
    assert StockLevel.objects.get(product__sku="ACME-0001").allocated == 12
    assert statuses.count(Order.Status.RELEASED) >= 10
    assert_stock_invariants()


# Claim (read, mark processing) and the upsert of a new order: its lookup, the order, the products, the bundle
# recipes, all lines in one INSERT, the timeline entry, the delivery marked processed; each transaction's
# BEGIN and COMMIT (savepoints under test). 25 before a new order stopped replacing lines it cannot have and
# looking for holds it cannot have.
PROCESS_QUERIES = 18


@pytest.mark.django_db
def test_processing_a_new_order_is_a_bounded_number_of_statements(django_assert_max_num_queries):
    channel = stocked_shop()
    first, second = post_order(channel, 1), post_order(channel, 2)
    inbox_process(delivery_id=first)  # warm: what a process reads once

    with django_assert_max_num_queries(PROCESS_QUERIES):
        assert inbox_process(delivery_id=second) == "created"

    order = InboxDelivery.objects.get(pk=second).order
    assert order.status == Order.Status.PENDING and order.lines.count() == 2
    assert not order.holds.exists()
