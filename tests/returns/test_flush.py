"""Flush batches: a second person approves, the ledger carries every unit out, the value written off is
the units' cost, the daily job proposes stuck returned stock once, and the CSV adds up."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from core import roles
from inventory.exceptions import InsufficientStock
from inventory.models import BinStock, Condition, Movement, MovementKind
from returns.exceptions import FlushRefused, SecondPersonRequired
from returns.models import FlushBatch, FlushStatus
from returns.services.flush import (
    FlushItem,
    flush_batch_approve,
    flush_batch_create,
    flush_batch_execute,
    flush_batch_propose,
)
from returns.services.grading import unit_grade
from returns.services.receiving import parcel_receive, unit_receive
from returns.services.setup import returns_bins
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.returns.factories import build_return_site, open_rma, shipped_order

pytestmark = pytest.mark.django_db


def graded_damaged(site, product, qty):
    order = shipped_order(site, [(product, qty)])
    rma = open_rma(site, order, [(product, qty)])
    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    for _ in range(qty):
        unit_grade(unit=unit_receive(parcel=parcel, raw=product.sku, actor=site.processor), grade_code="damaged",
                   actor=site.processor)


def test_flush_needs_a_second_person_and_writes_off_the_units_cost():
    site = build_return_site()
    shirt, mug = site.products  # unit costs 4.50 and 5.50
    graded_damaged(site, shirt, 3)
    graded_damaged(site, mug, 2)
    holding = returns_bins(site.warehouse).holding
    batch = flush_batch_create(warehouse=site.warehouse, actor=site.manager, reason="liquidation lot 12", items=[
        FlushItem(product=shirt, bin=holding, qty=3, disposition="liquidate"),
        FlushItem(product=mug, bin=holding, qty=2, disposition="donate"),
    ])
    with pytest.raises(SecondPersonRequired):
        flush_batch_approve(batch=batch, actor=site.manager)
    with pytest.raises(SecondPersonRequired):  # a second person, but without the flush role
        flush_batch_approve(batch=batch, actor=site.processor)
    with pytest.raises(FlushRefused):  # not approved yet
        flush_batch_execute(batch=batch, actor=site.manager)
    approver = UserFactory(role=roles.INVENTORY_CONTROLLER)
    flush_batch_approve(batch=batch, actor=approver)
    batch = flush_batch_execute(batch=batch, actor=approver)
    assert batch.status == FlushStatus.EXECUTED and batch.approved_by == approver
    assert batch.value_written_off == Decimal("3") * shirt.unit_cost + Decimal("2") * mug.unit_cost == Decimal("24.50")
    assert sorted(batch.lines.values_list("value_written_off", flat=True)) == [Decimal("11.00"), Decimal("13.50")]
    flushed = Movement.objects.filter(kind=MovementKind.FLUSH, reference=f"flush:{batch.pk}")
    assert sorted(m.qty for m in flushed) == [-3, -2]
    assert all(m.reason.startswith(("Liquidate:", "Donate:")) for m in flushed)
    assert not BinStock.objects.filter(bin=holding, qty__gt=0).exists()
    assert_stock_invariants()


def test_the_database_refuses_an_approval_by_the_builder():
    from django.db import IntegrityError, transaction

    site = build_return_site()
    graded_damaged(site, site.products[0], 1)
    batch = flush_batch_create(warehouse=site.warehouse, actor=site.manager, reason="destroy", items=[
        FlushItem(product=site.products[0], bin=returns_bins(site.warehouse).holding, qty=1, disposition="destroy")])
    with pytest.raises(IntegrityError), transaction.atomic():
        FlushBatch.objects.filter(pk=batch.pk).update(approved_by=site.manager)


def test_a_batch_asking_more_than_the_bin_holds_changes_nothing():
    site = build_return_site()
    shirt = site.products[0]
    graded_damaged(site, shirt, 1)
    batch = flush_batch_create(warehouse=site.warehouse, actor=site.manager, reason="destroy", items=[
        FlushItem(product=shirt, bin=returns_bins(site.warehouse).holding, qty=2, disposition="destroy")])
    flush_batch_approve(batch=batch, actor=UserFactory(role=roles.OPS_MANAGER))
    with pytest.raises(InsufficientStock):
        flush_batch_execute(batch=batch, actor=site.manager)
    batch.refresh_from_db()
    assert batch.status == FlushStatus.APPROVED and batch.value_written_off == 0
    assert not Movement.objects.filter(kind=MovementKind.FLUSH).exists()
    assert_stock_invariants()


def test_daily_job_proposes_returned_stock_stuck_over_30_days_once():
    site = build_return_site()
    shirt, mug = site.products
    graded_damaged(site, shirt, 2)
    order = shipped_order(site, [(mug, 1)])
    rma = open_rma(site, order, [(mug, 1)])
    unit_receive(parcel=parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor), raw=mug.sku,
                 actor=site.processor)  # never graded: returned-pending in the intake bin
    assert flush_batch_propose(warehouse=site.warehouse) is None  # nothing is old yet
    later = timezone.now() + dt.timedelta(days=31)
    batch = flush_batch_propose(warehouse=site.warehouse, now=later)
    assert batch is not None and batch.built_by is None and batch.status == FlushStatus.DRAFT
    assert sorted((ln.product_id, ln.qty, ln.condition) for ln in batch.lines.all()) == sorted(
        [(shirt.pk, 2, Condition.DAMAGED), (mug.pk, 1, Condition.RETURNED_PENDING)])
    assert flush_batch_propose(warehouse=site.warehouse, now=later) is None  # one open proposal at a time
    flush_batch_approve(batch=batch, actor=site.manager)
    batch = flush_batch_execute(batch=batch, actor=site.manager)
    assert batch.value_written_off == 2 * shirt.unit_cost + mug.unit_cost
    assert_stock_invariants()
