"""`make run` seeds demo data: it must load on an empty database, twice without duplicating, and be usable."""

import pytest
from django.db.models import Sum

from demo.data import seed_demo
from inventory.models import Movement
from tests.inventory.invariants import assert_stock_invariants
from warehouse.inbound.services.receiving import receipt_open, receiving_scan
from warehouse.models import AsnCarton, PurchaseOrder


@pytest.mark.django_db
def test_demo_data_loads_idempotently_and_its_asn_cartons_can_be_received(django_user_model):
    first = seed_demo()
    movements = Movement.objects.count()
    again = seed_demo()
    assert again["purchase_orders"] == first["purchase_orders"]
    assert Movement.objects.count() == movements
    assert PurchaseOrder.objects.count() == 8
    carton = AsnCarton.objects.select_related("purchase_order").first()
    receiver = django_user_model.objects.get(username="receiver")
    receipt = receipt_open(purchase_order=carton.purchase_order, actor=receiver)
    reply = receiving_scan(receipt=receipt, raw=carton.sscc, actor=receiver)
    assert reply.ok and reply.data["qty"] == carton.qty
    assert_stock_invariants()


@pytest.mark.django_db
def test_demo_orders_are_released_into_waves_a_picker_can_start(django_user_model):
    from orders.models import Order
    from warehouse.models import PickSession
    from warehouse.outbound.services.picking import pick_station_scan

    first = seed_demo()
    sessions = PickSession.objects.count()
    seed_demo()
    assert PickSession.objects.count() == sessions > 0
    assert Order.objects.filter(order_number__in=first["pick_orders"]).count() == len(first["pick_orders"]) == 12
    session = PickSession.objects.select_related("warehouse").first()
    picker = django_user_model.objects.get(username="picker")
    reply = pick_station_scan(warehouse=session.warehouse, raw="", actor=picker)
    assert reply.ok and "claimed" in reply.message
    assert_stock_invariants()


@pytest.mark.django_db
def test_demo_pack_out_is_ready():
    from shipping.models import ShippingRule
    from warehouse.models import CartonType, PackingSlipTemplate

    seed_demo()
    seed_demo()
    assert CartonType.objects.count() == 4
    assert PackingSlipTemplate.objects.count() == ShippingRule.objects.count() == 2


@pytest.mark.django_db(transaction=True)  # the return label is bought outside any transaction
def test_demo_returns_show_every_state_an_unexpected_parcel_and_a_flush_waiting_for_approval(django_user_model):
    from inventory.models import BinStock, Condition
    from returns.models import (
        FlushBatch,
        LabelStatus,
        ParcelStatus,
        ReturnAuthorization,
        ReturnParcel,
        ReturnUnit,
        RmaStatus,
    )
    from returns.services.flush import flush_batch_approve, flush_batch_execute
    from returns.services.receiving import parcel_match
    from returns.services.setup import returns_bins

    first = seed_demo()
    counts = (ReturnAuthorization.objects.count(), ReturnUnit.objects.count(), ReturnParcel.objects.count(),
              FlushBatch.objects.count(), Movement.objects.count())
    again = seed_demo()
    assert again["returns"] == first["returns"] and len(first["returns"]) == 5
    assert (ReturnAuthorization.objects.count(), ReturnUnit.objects.count(), ReturnParcel.objects.count(),
            FlushBatch.objects.count(), Movement.objects.count()) == counts

    rmas = {rma.status: rma for rma in ReturnAuthorization.objects.all()}
    assert set(rmas) == {RmaStatus.REQUESTED, RmaStatus.AUTHORIZED, RmaStatus.RECEIVED, RmaStatus.GRADED, RmaStatus.RESOLVED}
    labelled = rmas[RmaStatus.AUTHORIZED]
    assert labelled.label_status == LabelStatus.BOUGHT and labelled.tracking_number and bytes(labelled.label_pdf).startswith(b"%PDF")
    waiting = rmas[RmaStatus.RECEIVED]
    assert waiting.units.filter(status="pending").count() == sum(line.qty for line in waiting.lines.all()) > 0
    resolved = rmas[RmaStatus.RESOLVED]
    assert resolved.resolution == "store_credit" and resolved.refund_amount > 0

    parcel = ReturnParcel.objects.get(status=ParcelStatus.UNMATCHED)
    assert parcel.carrier == "USPS" and parcel.holding_bin.code == "RET-PARCEL"

    batch = FlushBatch.objects.get()
    warehouse = batch.warehouse
    holding = returns_bins(warehouse).holding
    assert batch.status == FlushBatch.Status.DRAFT and batch.built_by.username == "manager"
    assert sum(line.qty for line in batch.lines.all()) == BinStock.objects.filter(
        bin=holding, condition=Condition.DAMAGED).aggregate(n=Sum("qty"))["n"] > 0

    # The demo is usable: a second person approves and runs the flush; the parcel is matched to the labelled return.
    flush_batch_approve(batch=batch, actor=django_user_model.objects.get(username="inventory"))
    assert flush_batch_execute(batch=batch, actor=django_user_model.objects.get(username="manager")).value_written_off > 0
    parcel_match(parcel=parcel, rma=labelled, actor=django_user_model.objects.get(username="returns"))
    labelled.refresh_from_db()
    assert labelled.status == RmaStatus.RECEIVED
    assert_stock_invariants()
