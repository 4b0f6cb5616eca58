"""Random sequences of stock actions keep the invariants after every step; refused actions change nothing."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from core.errors import DomainError
from inventory.models import BinStock, Movement, Reservation, StockLevel
from inventory.services.flags import stock_flag, stock_unflag
from inventory.services.reservations import stock_pick, stock_release, stock_reserve, stock_ship
from inventory.services.stock import stock_adjust, stock_flush, stock_move, stock_receive
from layout.models import Bin
from tests.factories import BinFactory, ProductFactory, ZoneFactory
from tests.inventory.invariants import assert_stock_invariants

QTY = st.integers(min_value=-2, max_value=8)


def snapshot():
    return (
        sorted(BinStock.objects.values_list("pk", "qty", "is_flagged")),
        sorted(StockLevel.objects.values_list("pk", "on_hand", "allocated", "unavailable")),
        sorted(Reservation.objects.values_list("pk", "qty", "picked_qty")),
        Movement.objects.count(),
    )


class StockMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        # Each example runs in its own savepoint, rolled back at teardown, so examples never share rows.
        self._example = transaction.atomic()
        self._example.__enter__()

    def teardown(self):
        transaction.set_rollback(True)
        self._example.__exit__(None, None, None)

    @initialize()
    def build(self):
        self.products = [ProductFactory(), ProductFactory()]
        self.bins, self.totes = [], []
        for _ in range(2):
            zone = ZoneFactory()
            self.bins += [BinFactory(zone=zone) for _ in range(3)]
            self.totes.append(BinFactory(zone=zone, kind=Bin.Kind.TOTE))
        self.next_line = 1

    def attempt(self, action, **kwargs):
        before = snapshot()
        try:
            action(**kwargs)
        except DomainError:
            assert snapshot() == before, f"a refused {action.__name__} changed something"

    @rule(p=st.integers(0, 1), b=st.integers(0, 5), qty=QTY)
    def receive(self, p, b, qty):
        self.attempt(stock_receive, product=self.products[p], bin=self.bins[b], qty=qty, actor=None)

    @rule(p=st.integers(0, 1), src=st.integers(0, 5), dst=st.integers(0, 5), qty=QTY)
    def move(self, p, src, dst, qty):
        self.attempt(stock_move, product=self.products[p], from_bin=self.bins[src], to_bin=self.bins[dst], qty=qty, actor=None)

    @rule(p=st.integers(0, 1), w=st.integers(0, 1), qty=QTY)
    def reserve(self, p, w, qty):
        self.next_line += 1
        warehouse = self.bins[w * 3].warehouse
        level = StockLevel.objects.filter(product=self.products[p], warehouse=warehouse).first()
        available_before = level.available if level else 0
        self.attempt(
            stock_reserve, product=self.products[p], warehouse=warehouse, qty=qty, order_line_id=self.next_line, actor=None
        )
        if Reservation.objects.filter(order_line_id=self.next_line, qty__gt=0).exists():
            assert available_before >= qty, "invariant 3: reserved more than was available"

    @rule(data=st.data(), qty=QTY)
    def release(self, data, qty):
        open_ = list(Reservation.objects.filter(qty__gt=0))
        if open_:
            r = data.draw(st.sampled_from(open_))
            self.attempt(stock_release, reservation=r, qty=qty, actor=None)

    @rule(data=st.data(), b=st.integers(0, 2), qty=QTY)
    def pick(self, data, b, qty):
        open_ = list(Reservation.objects.filter(qty__gt=0).select_related("product"))
        if open_:
            r = data.draw(st.sampled_from(open_))
            w = 0 if r.warehouse_id == self.bins[0].warehouse_id else 1
            self.attempt(
                stock_pick, reservation=r, from_bin=self.bins[w * 3 + b], to_bin=self.totes[w], qty=qty, actor=None
            )

    @rule(data=st.data(), qty=QTY)
    def ship(self, data, qty):
        picked = list(Reservation.objects.filter(picked_qty__gt=0).select_related("product"))
        if picked:
            r = data.draw(st.sampled_from(picked))
            tote = self.totes[0 if r.warehouse_id == self.bins[0].warehouse_id else 1]
            self.attempt(stock_ship, reservation=r, from_bin=tote, qty=qty, actor=None)

    @rule(p=st.integers(0, 1), b=st.integers(0, 5), delta=st.integers(-6, 6))
    def adjust(self, p, b, delta):
        self.attempt(stock_adjust, product=self.products[p], bin=self.bins[b], delta=delta, reason_code="cycle_count", actor=None)

    @rule(p=st.integers(0, 1), b=st.integers(0, 5), on=st.booleans())
    def flag(self, p, b, on):
        if on:
            self.attempt(stock_flag, product=self.products[p], bin=self.bins[b], actor=None, reason="discrepancy")
        else:
            self.attempt(stock_unflag, product=self.products[p], bin=self.bins[b], actor=None)

    @rule(p=st.integers(0, 1), b=st.integers(0, 5), qty=QTY)
    def flush(self, p, b, qty):
        self.attempt(
            stock_flush, product=self.products[p], bin=self.bins[b], qty=qty, disposition="destroy",
            actor=None, reason="expired", condition="sellable",
        )

    @invariant()
    def invariants_hold(self):
        if hasattr(self, "products"):
            assert_stock_invariants()


@pytest.mark.django_db
def test_random_stock_action_sequences_keep_the_invariants():
    machine = StockMachine.TestCase
    machine.settings = settings(
        max_examples=25, stateful_step_count=30, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )
    machine().runTest()
