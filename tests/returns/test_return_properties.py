"""Random sequences of return actions (open RMAs for every resolution, cancel them, receive parcels, match
unexpected ones later, scan units, grade them to any destination, finish parcels, resolve, flush the holding
bin with a second person and its cost written off) keep the stock invariants after every step; refused
actions change nothing; the units received always equal the units on the ledger as returns."""

import pytest
from django.db import transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from core import roles
from core.errors import DomainError
from inventory.models import BinStock, Movement, MovementKind, StockLevel
from returns.models import Disposition, Resolution, ReturnAuthorization, ReturnLine, ReturnParcel, ReturnUnit
from returns.services.flush import (
    FlushItem,
    flush_batch_approve,
    flush_batch_create,
    flush_batch_execute,
)
from returns.services.grading import unit_grade
from returns.services.receiving import parcel_finish, parcel_match, parcel_receive, unit_receive
from returns.services.resolutions import rma_resolve
from returns.services.rmas import RequestedLine, rma_cancel, rma_create
from returns.services.setup import returns_bins
from tests.factories import UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.returns.factories import build_return_site, shipped_order


def snapshot():
    return (
        sorted(BinStock.objects.values_list("pk", "qty", "condition")),
        sorted(StockLevel.objects.values_list("pk", "on_hand", "unavailable")),
        sorted(ReturnLine.objects.values_list("pk", "received_qty", "graded_qty")),
        sorted(ReturnUnit.objects.values_list("pk", "status")),
        Movement.objects.count(),
    )


class ReturnMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._example = transaction.atomic()
        self._example.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    @initialize()
    def build(self):
        self.site = build_return_site(products=2)
        self.approver = UserFactory(role=roles.INVENTORY_CONTROLLER)
        self.order = shipped_order(self.site, [(p, 4) for p in self.site.products])
        self.rmas, self.parcels = [], []

    def attempt(self, action, **kwargs):
        before = snapshot()
        try:
            return action(**kwargs)
        except DomainError:
            assert snapshot() == before, f"a refused {action.__name__} changed something"
            return None

    @rule(qtys=st.lists(st.integers(-1, 5), min_size=2, max_size=2), resolution=st.sampled_from(Resolution.values))
    def open_rma(self, qtys, resolution):
        other = {p.pk: q.sku for p, q in zip(self.site.products, reversed(self.site.products))}
        lines = [RequestedLine(order_line_id=line.pk, qty=q, reason="wrong_size",
                               exchange_sku=other[line.product_id] if resolution == Resolution.EXCHANGE else "")
                 for line, q in zip(self.order.lines.order_by("pk"), qtys) if q]
        rma = self.attempt(rma_create, order=self.order, lines=lines, resolution=resolution, actor=self.site.agent,
                           source="test", authorize=True)
        if rma:
            self.rmas.append(rma)

    @rule(i=st.integers(0, 5), raw=st.sampled_from(["rma", "junk"]))
    def receive_parcel(self, i, raw):
        code = self.rmas[i % len(self.rmas)].code if self.rmas and raw == "rma" else "SOMEONE-ELSES-LABEL"
        parcel = self.attempt(parcel_receive, warehouse=self.site.warehouse, raw=code, actor=self.site.processor)
        if parcel:
            self.parcels.append(parcel)

    @rule(i=st.integers(0, 5), j=st.integers(0, 5))
    def match_parcel(self, i, j):
        """An unexpected parcel is matched later: only to a return that can still take one."""
        unmatched = list(ReturnParcel.objects.filter(status="unmatched").order_by("pk"))
        if unmatched and self.rmas:
            self.attempt(parcel_match, parcel=unmatched[i % len(unmatched)], rma=self.rmas[j % len(self.rmas)],
                         actor=self.site.manager)

    @rule(i=st.integers(0, 5))
    def cancel(self, i):
        if self.rmas:
            self.attempt(rma_cancel, rma=self.rmas[i % len(self.rmas)], actor=self.site.agent, reason="customer kept it")

    @rule(i=st.integers(0, 5), p=st.integers(0, 1))
    def scan_unit(self, i, p):
        if self.parcels:
            self.attempt(unit_receive, parcel=self.parcels[i % len(self.parcels)], raw=self.site.products[p].sku,
                         actor=self.site.processor)

    @rule(i=st.integers(0, 5), grade=st.sampled_from(["like_new", "good", "damaged"]),
          disposition=st.sampled_from([None, *Disposition.values]))
    def grade_one(self, i, grade, disposition):
        pending = list(ReturnUnit.objects.filter(status="pending").order_by("pk"))
        if pending:
            unit = pending[i % len(pending)]
            self.attempt(unit_grade, unit=unit, grade_code=grade, disposition=disposition, actor=self.site.processor)

    @rule(i=st.integers(0, 5))
    def finish_parcel(self, i):
        if self.parcels:
            self.attempt(parcel_finish, parcel=self.parcels[i % len(self.parcels)], actor=self.site.processor)

    @rule(i=st.integers(0, 5))
    def resolve(self, i):
        if self.rmas:
            self.attempt(rma_resolve, rma=self.rmas[i % len(self.rmas)], actor=self.site.agent)

    @rule(extra=st.integers(0, 2))
    def flush_holding(self, extra):
        holding = returns_bins(self.site.warehouse).holding
        rows = list(BinStock.objects.filter(bin=holding, qty__gt=0).select_related("product"))
        if not rows:
            return
        items = [FlushItem(product=r.product, bin=holding, qty=r.qty + extra, condition=r.condition, disposition="destroy")
                 for r in rows]
        batch = flush_batch_create(warehouse=self.site.warehouse, items=items, reason="random flush", actor=self.site.manager)
        assert self.attempt(flush_batch_approve, batch=batch, actor=self.site.manager) is None  # never the builder
        assert self.attempt(flush_batch_execute, batch=batch, actor=self.site.manager) is None  # not approved yet
        flush_batch_approve(batch=batch, actor=self.approver)
        cost = sum(item.qty * item.product.unit_cost for item in items)
        done = self.attempt(flush_batch_execute, batch=batch, actor=self.site.manager)
        assert (done is None) == (extra > 0)  # asking more than the bin holds flushes nothing
        if done is not None:
            assert done.value_written_off == cost

    @invariant()
    def ledger_is_whole(self):
        assert_stock_invariants()
        returned = Movement.objects.filter(kind=MovementKind.RETURN).aggregate(n=Sum("qty"))["n"] or 0
        assert returned == ReturnUnit.objects.filter(product__isnull=False).count()
        for line in ReturnLine.objects.all():
            assert line.graded_qty <= line.received_qty <= line.qty
        for line in self.order.lines.all() if hasattr(self, "order") else []:
            claimed = ReturnLine.objects.filter(order_line=line).exclude(rma__status="cancelled").aggregate(n=Sum("qty"))["n"] or 0
            assert claimed <= line.quantity
        assert ReturnParcel.objects.filter(status="unmatched", rma__isnull=False).count() == 0
        for rma in ReturnAuthorization.objects.filter(status="resolved"):
            if rma.resolution in (Resolution.EXCHANGE, Resolution.WARRANTY):
                assert rma.replacement_order_id and rma.refund_amount is None
            else:
                assert rma.refund_amount is not None and not rma.replacement_order_id
        assert not ReturnUnit.objects.filter(rma__status="cancelled").exists()


@pytest.mark.django_db
def test_random_return_action_sequences_keep_the_invariants():
    machine = ReturnMachine.TestCase
    machine.settings = settings(max_examples=12, stateful_step_count=25, deadline=None,
                                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    machine().runTest()
