"""Inbound and inventory-control lifecycles: every allowed status change passes through its transition
service; every other is refused and changes nothing; the database refuses a status the code does not know."""

from __future__ import annotations

import itertools

import pytest
from django.db import IntegrityError, transaction

from core.lifecycle import IllegalTransition
from inventory.models import Condition
from tests.factories import ProductFactory
from tests.warehouse.inbound import build_site, make_po
from warehouse.control.services.lifecycle import count_task_transition, discrepancy_transition
from warehouse.control.state import COUNT_TASK, DISCREPANCY
from warehouse.inbound.services.lifecycle import purchase_order_transition, putaway_task_transition, receipt_transition
from warehouse.inbound.state import PURCHASE_ORDER, PUTAWAY_TASK, RECEIPT
from warehouse.locks import lock_count_task, lock_discrepancy, lock_purchase_order, lock_putaway_task, lock_receipt
from warehouse.models import CountTask, Discrepancy, PurchaseOrder, PutawayTask, Receipt

pytestmark = pytest.mark.django_db


def _purchase_order(site, product):
    return make_po(site, [(product, 5)])


def _receipt(site, product):
    return Receipt.objects.create(purchase_order=_purchase_order(site, product), warehouse=site.warehouse, dock_bin=site.dock)


def _putaway_task(site, product):
    return PutawayTask.objects.create(receipt=_receipt(site, product), warehouse=site.warehouse, product=product,
                                      from_bin=site.dock, condition=Condition.SELLABLE, qty=3)


def _discrepancy(site, product):
    return Discrepancy.objects.create(warehouse=site.warehouse, product=product, bin=site.shelves[0], kind="bin_empty",
                                      expected_qty=4, found_qty=0)


def _count_task(site, product):
    return CountTask.objects.create(warehouse=site.warehouse, bin=site.shelves[0], product=product)


def _po_move(row, to):
    purchase_order_transition(purchase_order=lock_purchase_order(row.pk), to=to)


def _receipt_move(row, to):
    receipt_transition(receipt=lock_receipt(row.pk), to=to)


def _putaway_move(row, to):
    putaway_task_transition(task=lock_putaway_task(row.pk), to=to)


def _discrepancy_move(row, to):
    discrepancy_transition(discrepancy=lock_discrepancy(row.pk), to=to)


def _count_move(row, to):
    count_task_transition(task=lock_count_task(row.pk), to=to)


LIFECYCLES = {
    "purchase_order": (PURCHASE_ORDER, _purchase_order, _po_move),
    "receipt": (RECEIPT, _receipt, _receipt_move),
    "putaway_task": (PUTAWAY_TASK, _putaway_task, _putaway_move),
    "discrepancy": (DISCREPANCY, _discrepancy, _discrepancy_move),
    "count_task": (COUNT_TASK, _count_task, _count_move),
}

CASES = [
    pytest.param(name, current, target, lifecycle.allows(current, target), id=f"{name}:{current}->{target}")
    for name, (lifecycle, _, _) in LIFECYCLES.items()
    for current, target in itertools.permutations(lifecycle.statuses, 2)
]


@pytest.mark.parametrize(("name", "current", "target", "allowed"), CASES)
def test_every_allowed_change_passes_and_every_other_is_refused_and_changes_nothing(name, current, target, allowed):
    lifecycle, make, move = LIFECYCLES[name]
    site = build_site(shelves=1)
    row = make(site, ProductFactory(merchant=site.merchant))
    type(row).objects.filter(pk=row.pk).update(status=current)  # the starting state, set up by the test
    before = {f.attname: getattr(type(row).objects.get(pk=row.pk), f.attname) for f in row._meta.concrete_fields}
    if allowed:
        with transaction.atomic():
            move(row, target)
        assert type(row).objects.get(pk=row.pk).status == target
    else:
        with pytest.raises(IllegalTransition), transaction.atomic():
            move(row, target)
        after = {f.attname: getattr(type(row).objects.get(pk=row.pk), f.attname) for f in row._meta.concrete_fields}
        assert after == before


@pytest.mark.parametrize("name", list(LIFECYCLES))
def test_the_table_names_every_status_and_final_states_lead_nowhere(name):
    lifecycle, _, _ = LIFECYCLES[name]
    assert set(lifecycle.statuses) == set(lifecycle.choices.values)
    assert lifecycle.final  # every lifecycle ends somewhere
    for status in lifecycle.final:
        assert not any(lifecycle.allows(status, other) for other in lifecycle.statuses)


@pytest.mark.parametrize(("model", "lifecycle"), [
    (PurchaseOrder, PURCHASE_ORDER), (Receipt, RECEIPT), (PutawayTask, PUTAWAY_TASK), (Discrepancy, DISCREPANCY),
    (CountTask, COUNT_TASK),
])
def test_the_database_refuses_a_status_outside_the_choices(model, lifecycle):
    check = next(c for c in model._meta.constraints if c.name.endswith("_status_valid"))
    assert sorted(dict(check.condition.children)["status__in"]) == sorted(lifecycle.choices.values)
    site = build_site(shelves=1)
    name = {PurchaseOrder: "purchase_order", Receipt: "receipt", PutawayTask: "putaway_task", Discrepancy: "discrepancy",
            CountTask: "count_task"}[model]
    row = LIFECYCLES[name][1](site, ProductFactory(merchant=site.merchant))
    with pytest.raises(IntegrityError), transaction.atomic():
        model.objects.filter(pk=row.pk).update(status="lost")
    assert model.objects.get(pk=row.pk).status == row.status


@pytest.mark.django_db(transaction=True)
def test_a_change_outside_a_transaction_is_refused():
    site = build_site(shelves=1)
    task = _count_task(site, ProductFactory(merchant=site.merchant))
    with pytest.raises(RuntimeError):
        count_task_transition(task=task, to=CountTask.Status.CANCELLED)
    assert CountTask.objects.get(pk=task.pk).status == CountTask.Status.OPEN
