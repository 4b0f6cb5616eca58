"""Billing a known month: the invoice equals the figure worked out by hand, a re-run changes nothing, an issued
invoice never changes, and the event sweep and storage snapshots record each charge once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from billing.models import BillableEvent, ChargeKind, EventCursor, Invoice, InvoiceLine, StorageSnapshot
from billing.services.invoicing import invoice_generate, invoice_issue
from billing.services.recording import ProjectInput, events_sweep, special_project_add, storage_snapshot
from core.errors import Conflict, NotFound
from core.models import DomainEvent
from tests.billing.factories import MONTH, billing_floor, card_for, event_on, stock_in_two_bins, the_known_month
from tests.concurrency import run_in_threads

pytestmark = pytest.mark.django_db

K = ChargeKind


def _billed_month(floor, *, minimum="150.00"):
    card_for(floor.merchant, minimum=minimum)
    card_for(floor.other, minimum="0")
    the_known_month(floor)
    stock_in_two_bins(floor)
    for day in range(21, 31):  # the stock arrived on the 21st: 10 storage days
        storage_snapshot(day=MONTH.replace(day=day))
    special_project_add(merchant=floor.merchant, project=ProjectInput(
        day=MONTH.replace(day=12), description="Relabel 40 units", quantity=Decimal(40), unit_price=Decimal("0.30")),
        actor="finance")
    events_sweep()
    return invoice_generate(merchant=floor.merchant, month=MONTH, actor="finance")


def _lines(invoice):
    return {line.kind: (line.quantity, line.unit_price, line.amount, line.events) for line in invoice.lines.all()}


def _state(invoice):
    """Everything about an invoice: its row, its lines (with ids) and which events each line sums."""
    row = Invoice.objects.filter(pk=invoice.pk).values().get()
    lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("pk").values())
    links = list(BillableEvent.objects.order_by("pk").values_list("pk", "invoice_line_id"))
    return row, lines, links


# The month by hand (rates in tests/billing/factories.py):
#   first units picked        3 x 0.75 =  2.25
#   additional units picked   4 x 0.25 =  1.00  (orders of 1, 4, 2 units: 0 + 3 + 1)
#   orders shipped            3 x 2.50 =  7.50
#   cartons packed            4 x 1.10 =  4.40
#   receipt cartons           3 x 5.00 = 15.00
#   receipt units           120 x 0.10 = 12.00
#   bin-days           2 bins x 10 days = 20 x 0.15 = 3.00
#   cubic-foot-days  12.024 x 10 days = 120.240 x 0.02 = 2.4048 -> 2.40
#   returns graded            2 x 1.75 =  3.50
#   special project          40 x 0.30 = 12.00
#   subtotal                             63.05; minimum 150.00: top-up 86.95, total 150.00
EXPECTED = {
    K.PICK_FIRST_UNIT: (Decimal(3), Decimal("0.75"), Decimal("2.25"), 3),
    K.PICK_ADDITIONAL_UNIT: (Decimal(4), Decimal("0.25"), Decimal("1.00"), 2),
    K.ORDER_SHIPPED: (Decimal(3), Decimal("2.50"), Decimal("7.50"), 3),
    K.CARTON_PACKED: (Decimal(4), Decimal("1.10"), Decimal("4.40"), 3),
    K.RECEIPT_CARTON: (Decimal(3), Decimal("5.00"), Decimal("15.00"), 1),
    K.RECEIPT_UNIT: (Decimal(120), Decimal("0.10"), Decimal("12.00"), 1),
    K.STORAGE_BIN_DAY: (Decimal(20), Decimal("0.15"), Decimal("3.00"), 10),
    K.STORAGE_CUBIC_FOOT_DAY: (Decimal("120.240"), Decimal("0.02"), Decimal("2.40"), 10),
    K.RETURN_GRADED: (Decimal(2), Decimal("1.75"), Decimal("3.50"), 1),
    K.SPECIAL_PROJECT: (Decimal(40), None, Decimal("12.00"), 1),
}


def test_the_known_month_bills_the_hand_computed_total():
    invoice = _billed_month(billing_floor())
    assert _lines(invoice) == {**EXPECTED, K.MINIMUM: (Decimal(1), Decimal("86.95"), Decimal("86.95"), 0)}
    assert (invoice.subtotal, invoice.total, invoice.currency) == (Decimal("63.05"), Decimal("150.00"), "USD")
    assert invoice.number == "INV-ACME-202611"


def test_above_the_minimum_the_total_is_the_sum_of_the_lines():
    invoice = _billed_month(billing_floor(), minimum="40.00")
    assert _lines(invoice) == EXPECTED
    assert (invoice.subtotal, invoice.total) == (Decimal("63.05"), Decimal("63.05"))


def test_every_line_names_the_events_it_sums():
    invoice = _billed_month(billing_floor())
    picks = invoice.lines.get(kind=K.PICK_ADDITIONAL_UNIT).billable_events.all()
    assert sorted(event.source_event.payload["order_number"] for event in picks) == ["#1002", "#1003"]
    assert sum(event.quantity for event in picks) == 4
    storage = invoice.lines.get(kind=K.STORAGE_BIN_DAY).billable_events.all()
    assert sorted(event.day.day for event in storage) == list(range(21, 31))
    # Nothing of the other merchant, of October or of December is on it.
    billed = BillableEvent.objects.filter(invoice_line__invoice=invoice)
    assert not billed.exclude(merchant=invoice.merchant).exists()
    assert not billed.exclude(day__month=11).exists()
    assert BillableEvent.objects.filter(merchant=invoice.merchant, invoice_line__isnull=True).count() == 2


def test_a_rerun_of_the_month_changes_nothing():
    floor = billing_floor()
    invoice = _billed_month(floor)
    before = _state(invoice)
    again = invoice_generate(merchant=floor.merchant, month=MONTH, actor="someone else")
    assert again.pk == invoice.pk
    assert _state(invoice) == before  # same lines, same ids, same events, not even a new computed_at


def test_a_draft_takes_new_events_and_a_rerun_after_them_is_stable():
    floor = billing_floor()
    invoice = _billed_month(floor, minimum="0")
    event_on(MONTH.replace(day=28), "order.picked", merchant=floor.merchant, warehouse=floor.warehouse,
             resource_id="4", payload={"units": 3, "lines": 2, "order_number": "#1004"})
    events_sweep()
    invoice = invoice_generate(merchant=floor.merchant, month=MONTH, actor="finance")
    assert _lines(invoice)[K.PICK_ADDITIONAL_UNIT] == (Decimal(6), Decimal("0.25"), Decimal("1.50"), 3)
    assert invoice.total == Decimal("63.05") + Decimal("0.75") + Decimal("0.50")
    before = _state(invoice)
    invoice_generate(merchant=floor.merchant, month=MONTH, actor="finance")
    assert _state(invoice) == before


def test_an_issued_invoice_never_changes():
    floor = billing_floor()
    invoice = invoice_issue(invoice=_billed_month(floor), actor="finance")
    assert invoice.status == "issued" and invoice.issued_at is not None
    before = _state(invoice)
    event_on(MONTH.replace(day=29), "order.shipped", merchant=floor.merchant, warehouse=floor.warehouse,
             resource_id="5", payload={"units": 1})
    events_sweep()
    with pytest.raises(Conflict):
        invoice_generate(merchant=floor.merchant, month=MONTH, actor="finance")
    with pytest.raises(Conflict):
        special_project_add(merchant=floor.merchant, project=ProjectInput(
            day=MONTH.replace(day=2), description="late", quantity=Decimal(1), unit_price=Decimal(1)), actor="x")
    row, lines, _links = before
    assert _state(invoice)[:2] == (row, lines)
    assert invoice_issue(invoice=invoice, actor="finance").issued_at == invoice.issued_at  # issuing again: a no-op


def test_a_month_without_a_rate_card_or_not_begun_is_refused():
    floor = billing_floor()
    with pytest.raises(NotFound):
        invoice_generate(merchant=floor.merchant, month=MONTH, actor="finance")
    card_for(floor.merchant)
    with pytest.raises(Conflict):
        invoice_generate(merchant=floor.merchant, month=dt.date(2099, 1, 1), actor="finance")
    assert not Invoice.objects.exists()


def test_the_sweep_twice_records_the_same_rows():
    floor = billing_floor()
    the_known_month(floor)
    assert events_sweep() == 17  # 3 x (first unit, shipped, packed) + 2 additional + receipt (2) + return + 3 noise
    rows = list(BillableEvent.objects.order_by("pk").values())
    assert events_sweep() == 0
    EventCursor.objects.update(last_id=0)  # even read again from the start, every charge exists once
    assert events_sweep() == 0
    assert list(BillableEvent.objects.order_by("pk").values()) == rows
    kinds = list(BillableEvent.objects.filter(merchant=floor.merchant, day__month=11).values_list("kind", flat=True))
    assert sorted(kinds) == sorted([K.PICK_FIRST_UNIT] * 3 + [K.PICK_ADDITIONAL_UNIT] * 2 + [K.ORDER_SHIPPED] * 3
                                   + [K.CARTON_PACKED] * 3 + [K.RECEIPT_CARTON, K.RECEIPT_UNIT, K.RETURN_GRADED])


def test_the_cursor_waits_for_recent_events_and_reads_them_again_without_duplicates():
    floor = billing_floor()
    old = event_on(MONTH, "order.shipped", merchant=floor.merchant, warehouse=floor.warehouse, resource_id="1",
                   payload={"units": 1})
    recent = event_on(dt.date.today(), "order.shipped", merchant=floor.merchant, warehouse=floor.warehouse,
                      resource_id="2", payload={"units": 1})
    DomainEvent.objects.filter(pk=recent.pk).update(occurred_at=old.occurred_at.replace(year=2099))
    assert events_sweep() == 2
    assert EventCursor.objects.get().last_id == old.pk  # not past an event a late commit could still precede
    assert events_sweep() == 0
    assert BillableEvent.objects.count() == 2


def test_a_malformed_payload_is_skipped_not_fatal():
    floor = billing_floor()
    for n, payload in enumerate(({"units": "many"}, {"units": -1}, {"units": True}, {}, {"units": 0})):
        event_on(MONTH, "order.picked", merchant=floor.merchant, warehouse=floor.warehouse, resource_id=str(n),
                 payload=payload)
    assert events_sweep() == 0
    assert EventCursor.objects.get().last_id == DomainEvent.objects.last().pk


def test_concurrent_sweeps_record_each_charge_once(transactional_db):
    floor = billing_floor()
    the_known_month(floor)
    results = run_in_threads(lambda _i: events_sweep(), 3)
    assert not [r for r in results if isinstance(r, Exception)]
    assert sum(results) == 17
    assert BillableEvent.objects.count() == 17


def test_storage_is_snapshotted_once_per_merchant_warehouse_and_day():
    floor = billing_floor()
    stock_in_two_bins(floor)
    floor_tote_units(floor)
    day = MONTH.replace(day=21)
    assert storage_snapshot(day=day) == 2
    assert storage_snapshot(day=day) == 0
    mine = StorageSnapshot.objects.get(merchant=floor.merchant)
    # the tote's units count as volume on hand, not as an occupied storage bin
    assert (mine.bins, mine.units, mine.cubic_feet) == (2, 13, Decimal("13.026"))
    assert BillableEvent.objects.filter(snapshot=mine).count() == 2
    assert BillableEvent.objects.filter(snapshot__day=day).count() == 4


def floor_tote_units(floor):
    from inventory.models import Product
    from inventory.services.stock import stock_move

    product = Product.objects.get(merchant=floor.merchant)
    stock_move(product=product, from_bin=floor.shelves[1], to_bin=floor.tote, qty=1, actor=None, reference="test")
    stock_receive_one(product, floor.shelves[1])


def stock_receive_one(product, bin):
    from inventory.services.stock import stock_receive

    stock_receive(product=product, bin=bin, qty=1, actor=None, reference="test")


def test_concurrent_generation_makes_one_invoice_with_the_same_lines(transactional_db):
    floor = billing_floor()
    card_for(floor.merchant)
    the_known_month(floor)
    events_sweep()
    results = run_in_threads(lambda _i: invoice_generate(merchant=floor.merchant, month=MONTH, actor="x").pk, 3)
    assert not [r for r in results if isinstance(r, Exception)]
    assert len(set(results)) == 1
    invoice = Invoice.objects.get()
    assert invoice.lines.get(kind=K.PICK_FIRST_UNIT).billable_events.count() == 3
    assert BillableEvent.objects.filter(merchant=floor.merchant, day__month=11, invoice_line__isnull=True).count() == 0


def test_an_order_picked_in_two_sessions_and_shipped_in_two_parcels_pays_one_first_unit_and_one_order():
    floor = billing_floor()
    m, w = floor.merchant, floor.warehouse
    for units in (2, 3):  # two pick sessions of one order
        event_on(MONTH.replace(day=3), "order.picked", merchant=m, warehouse=w, resource_id="1",
                 payload={"units": units, "lines": 1, "order_number": "#1001"})
    for _parcel in range(2):
        event_on(MONTH.replace(day=4), "order.shipped", merchant=m, warehouse=w, resource_id="1", payload={"units": 1})
    event_on(MONTH.replace(day=4), "order.picked", merchant=m, warehouse=w, resource_id="2",
             payload={"units": 1, "lines": 1, "order_number": "#1002"})
    events_sweep()
    EventCursor.objects.update(last_id=0)
    events_sweep()  # read again: the same split
    totals = {kind: sum(BillableEvent.objects.filter(kind=kind).values_list("quantity", flat=True))
              for kind in (K.PICK_FIRST_UNIT, K.PICK_ADDITIONAL_UNIT, K.ORDER_SHIPPED)}
    assert totals == {K.PICK_FIRST_UNIT: 2, K.PICK_ADDITIONAL_UNIT: 4, K.ORDER_SHIPPED: 1}


def test_a_month_too_large_for_an_invoice_is_refused_not_a_crash():
    floor = billing_floor()
    card_for(floor.merchant)
    special_project_add(merchant=floor.merchant, project=ProjectInput(
        day=MONTH, description="huge", quantity=Decimal("999999999999"), unit_price=Decimal("99999999")), actor="x")
    with pytest.raises(Conflict):
        invoice_generate(merchant=floor.merchant, month=MONTH, actor="finance")
    assert not Invoice.objects.exists()


@pytest.mark.parametrize("round_", range(3))
def test_a_special_project_racing_the_issue_is_billed_on_it_or_refused(transactional_db, round_):
    floor = billing_floor()
    card_for(floor.merchant, minimum="0")
    draft = invoice_generate(merchant=floor.merchant, month=MONTH, actor="finance")
    project = ProjectInput(day=MONTH.replace(day=15), description="Relabel", quantity=Decimal(10),
                           unit_price=Decimal("0.50"))

    def race(i):
        if i == 0:
            return invoice_issue(invoice=draft, actor="finance")
        return special_project_add(merchant=floor.merchant, project=project, actor="finance")

    results = run_in_threads(race, 2)
    assert not isinstance(results[0], Exception)
    invoice = Invoice.objects.get()
    assert invoice.status == "issued"
    if isinstance(results[1], Exception):
        assert isinstance(results[1], Conflict) and not BillableEvent.objects.exists()
    else:
        assert BillableEvent.objects.get().invoice_line.invoice == invoice and invoice.total == Decimal("5.00")
