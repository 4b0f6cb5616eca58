"""Real threads against PostgreSQL, started at one barrier: concurrent returns of one order never return
more than shipped; concurrent scans of one parcel never receive more than the line expects; two people
grading, receiving and flushing at once keep the ledger whole."""

import pytest

from core import roles
from core.errors import DomainError
from inventory.models import BinStock
from returns.models import FlushStatus, ReturnAuthorization, ReturnUnit
from returns.services.flush import (
    FlushItem,
    flush_batch_approve,
    flush_batch_create,
    flush_batch_execute,
)
from returns.services.grading import unit_grade
from returns.services.receiving import parcel_receive, unit_receive
from returns.services.rmas import RequestedLine, rma_create
from returns.services.setup import returns_bins
from tests.concurrency import run_in_threads
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.returns.factories import build_return_site, open_rma, shipped_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_concurrent_returns_of_one_order_never_exceed_what_shipped():
    site = build_return_site()
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 5)])
    line_id = order.lines.get().pk

    def ask(i):
        return rma_create(order=order, actor=site.agent, source="storefront", resolution="refund",
                          lines=[RequestedLine(order_line_id=line_id, qty=2, reason="wrong_size")])

    results = run_in_threads(ask, 6)
    made = [r for r in results if isinstance(r, ReturnAuthorization)]
    refused = [r for r in results if not isinstance(r, ReturnAuthorization)]
    assert len(made) == 2 and all(isinstance(e, DomainError) for e in refused), refused
    assert sum(rma.lines.get().qty for rma in made) == 4


def test_concurrent_scans_of_one_parcel_receive_each_unit_once():
    site = build_return_site()
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 3)])
    rma = open_rma(site, order, [(shirt, 3)])
    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)

    results = run_in_threads(lambda i: unit_receive(parcel=parcel, raw=shirt.sku, actor=site.processor), 5)
    units = [r for r in results if isinstance(r, ReturnUnit)]
    assert not [r for r in results if isinstance(r, Exception)]
    assert sorted(u.wrong_item for u in units) == [False, False, False, True, True]  # the extra two are extras
    assert rma.lines.get().received_qty == 3

    graded = run_in_threads(lambda i: unit_grade(unit=units[i], grade_code="damaged", actor=site.processor), 5)
    assert not [r for r in graded if isinstance(r, Exception)], graded
    holding = returns_bins(site.warehouse).holding
    assert BinStock.objects.get(product=shirt, bin=holding).qty == 5
    assert_stock_invariants()

    batch = flush_batch_create(warehouse=site.warehouse, actor=site.manager, reason="destroy",
                               items=[FlushItem(product=shirt, bin=holding, qty=5, disposition="destroy")])
    flush_batch_approve(batch=batch, actor=UserFactory(role=roles.INVENTORY_CONTROLLER))
    executed = run_in_threads(lambda i: flush_batch_execute(batch=batch, actor=site.manager), 3)
    assert sum(1 for r in executed if not isinstance(r, Exception)) == 1
    assert all(isinstance(r, DomainError) for r in executed if isinstance(r, Exception))
    batch.refresh_from_db()
    assert batch.status == FlushStatus.EXECUTED and batch.value_written_off == 5 * shirt.unit_cost
    assert BinStock.objects.get(product=shirt, bin=holding).qty == 0
    assert_stock_invariants()
