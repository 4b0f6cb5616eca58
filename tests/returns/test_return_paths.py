"""Every path of a return, with the stock ledger checked after each: over-return refused, receive,
grade, each disposition, each resolution, unexpected parcels kept and matched later."""

from decimal import Decimal

import pytest

from core.lifecycle import IllegalTransition
from inventory.models import BinStock, Condition, Movement, MovementKind, StockLevel
from orders.models import Order, OutboxMessage
from returns.exceptions import OverReturn, ReturnRefused
from returns.models import (
    DispositionRule,
    Grade,
    ParcelStatus,
    ReturnAuthorization,
    ReturnParcel,
    RmaStatus,
)
from returns.services.grading import unit_grade
from returns.services.receiving import (
    parcel_finish,
    parcel_match,
    parcel_receive,
    unit_receive,
)
from returns.services.resolutions import rma_resolve
from returns.services.rmas import RequestedLine, rma_cancel, rma_create
from returns.services.setup import returns_bins
from tests.factories import MerchantFactory, ProductFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory
from tests.returns.factories import build_return_site, gtin_of, open_rma, shipped_order

pytestmark = pytest.mark.django_db


def qty_in(product, bin_, condition=None) -> int:
    rows = BinStock.objects.filter(product=product, bin=bin_)
    if condition:
        rows = rows.filter(condition=condition)
    return sum(r.qty for r in rows)


def test_over_return_is_refused_counting_earlier_returns():
    site = build_return_site()
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 3)])
    open_rma(site, order, [(shirt, 2)])
    with pytest.raises(OverReturn) as refused:
        open_rma(site, order, [(shirt, 2)])
    assert "only 1 shipped and not yet returned" in refused.value.message
    assert ReturnAuthorization.objects.filter(order=order).count() == 1


def test_cancelled_return_frees_its_units_and_unshipped_units_cannot_come_back():
    site = build_return_site()
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 2)])
    first = open_rma(site, order, [(shirt, 2)])
    rma_cancel(rma=first, actor=site.agent, reason="customer kept it")
    again = open_rma(site, order, [(shirt, 2)])
    assert again.number != first.number and again.code == f"RMA:{again.number}"
    parcel_receive(warehouse=site.warehouse, raw=again.code, actor=site.processor)
    with pytest.raises(IllegalTransition):  # something arrived: no longer cancellable
        rma_cancel(rma=again, actor=site.agent, reason="too late")
    unshipped = shipped_order(site, [(shirt, 1)])
    unshipped.fulfillment_orders.update(status="picking")
    unshipped.fulfillment_orders.get().lines.update(shipped_qty=0)
    with pytest.raises(ReturnRefused):
        rma_create(order=unshipped, actor=site.agent, source="cs", resolution="refund",
                   lines=[RequestedLine(order_line_id=unshipped.lines.get().pk, qty=1, reason="wrong_size")])


def test_receive_and_restock_refund_path_keeps_the_ledger_and_tells_the_storefront():
    site = build_return_site()
    shirt, mug = site.products
    order = shipped_order(site, [(shirt, 2), (mug, 1)], channel=ChannelFactory(
        merchant=site.merchant, kind="woocommerce", api_base_url="http://127.0.0.1:9/"))
    rma = open_rma(site, order, [(shirt, 2), (mug, 1)])
    bins = returns_bins(site.warehouse)

    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    rma.refresh_from_db()
    assert parcel.status == ParcelStatus.OPEN and rma.status == RmaStatus.RECEIVED and rma.received_at
    units = [unit_receive(parcel=parcel, raw=gtin_of(p), actor=site.processor) for p in (shirt, shirt, mug)]
    assert qty_in(shirt, bins.intake, Condition.RETURNED_PENDING) == 2
    level = StockLevel.objects.get(product=shirt, warehouse=site.warehouse)
    assert (level.on_hand, level.available) == (2, 0)
    assert Movement.objects.filter(product=shirt, kind=MovementKind.RETURN).count() == 2
    assert_stock_invariants()

    unit_grade(unit=units[0], grade_code="like_new", actor=site.processor)
    unit_grade(unit=units[1], grade_code="good", actor=site.processor, to_bin=site.shelves[2])
    unit_grade(unit=units[2], grade_code="damaged", actor=site.processor)
    assert qty_in(shirt, site.shelves[0], Condition.SELLABLE) == 1  # the first free shelf
    assert qty_in(shirt, site.shelves[2], Condition.SELLABLE) == 1
    assert qty_in(mug, bins.holding, Condition.DAMAGED) == 1
    level.refresh_from_db()
    assert (level.on_hand, level.available) == (2, 2)
    assert StockLevel.objects.get(product=mug, warehouse=site.warehouse).available == 0
    rma.refresh_from_db()
    assert rma.status == RmaStatus.GRADED and rma.graded_at
    assert_stock_invariants()

    rma = rma_resolve(rma=rma, actor=site.agent)
    assert rma.status == RmaStatus.RESOLVED
    assert rma.refund_amount == Decimal("60.00")  # three units at 20.00: the grade decides the unit's fate, not the refund
    message = OutboxMessage.objects.get(order=order, kind="refunded")
    assert message.payload["amount"] == "60.00" and message.payload["rma"] == rma.number
    assert sorted((line["sku"], line["qty"]) for line in message.payload["lines"]) == sorted([(shirt.sku, 2), (mug.sku, 1)])


def test_store_credit_is_recorded_and_an_api_order_has_no_storefront_to_tell():
    site = build_return_site()
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 1)], unit_price=Decimal("12.50"))
    rma = open_rma(site, order, [(shirt, 1)], resolution="store_credit")
    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    unit_grade(unit=unit_receive(parcel=parcel, raw=shirt.sku, actor=site.processor), grade_code="good", actor=site.processor)
    rma = rma_resolve(rma=rma, actor=site.agent)
    assert rma.refund_amount == Decimal("12.50") and rma.resolution == "store_credit"
    assert not OutboxMessage.objects.filter(order=order).exists()
    assert_stock_invariants()


@pytest.mark.parametrize("resolution", ["exchange", "warranty"])
def test_exchange_and_warranty_create_a_linked_order_that_goes_to_allocation(resolution, django_capture_on_commit_callbacks):
    site = build_return_site()
    small, large = site.products
    order = shipped_order(site, [(small, 1)])
    rma = open_rma(site, order, [(small, 1)], resolution=resolution, exchange_sku=large.sku if resolution == "exchange" else "",
                   reason="defective" if resolution == "warranty" else "wrong_size")
    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    unit = unit_receive(parcel=parcel, raw=gtin_of(small), actor=site.processor)
    unit_grade(unit=unit, grade_code="damaged", actor=site.processor,
               disposition="return_to_vendor" if resolution == "warranty" else None)
    with django_capture_on_commit_callbacks() as callbacks:
        rma = rma_resolve(rma=rma, actor=site.agent)
    replacement = rma.replacement_order
    assert replacement is not None and replacement.merchant == site.merchant and replacement.pk != order.pk
    expected = large if resolution == "exchange" else small
    assert [(line.sku, line.quantity, line.unit_price) for line in replacement.lines.all()] == [(expected.sku, 1, Decimal("0"))]
    assert replacement.ship_postal_code == order.ship_postal_code and replacement.status == Order.Status.PENDING
    assert callbacks, "the replacement order is queued for allocation like any new order"
    assert order.events.filter(kind="replacement").exists()
    assert_stock_invariants()


def test_merchant_disposition_rules_and_grades():
    site = build_return_site()
    shirt = site.products[0]
    Grade.objects.create(merchant=site.merchant, code="open_box", label="Open box", sellable=True, disposition="refurbish")
    DispositionRule.objects.create(merchant=site.merchant, grade_code="damaged", disposition="donate")
    DispositionRule.objects.create(merchant=site.merchant, grade_code="damaged", reason_code="defective", disposition="destroy")
    order = shipped_order(site, [(shirt, 4)])
    rma = open_rma(site, order, [(shirt, 4)], reason="defective")
    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    units = [unit_receive(parcel=parcel, raw=shirt.sku, actor=site.processor) for _ in range(4)]
    assert unit_grade(unit=units[0], grade_code="open_box", actor=site.processor).disposition == "refurbish"
    assert unit_grade(unit=units[1], grade_code="damaged", actor=site.processor).disposition == "destroy"
    assert unit_grade(unit=units[2], grade_code="DAMAGED", actor=site.processor, disposition="liquidate").disposition == "liquidate"
    with pytest.raises(ReturnRefused):  # a damaged unit never goes back on the shelf
        unit_grade(unit=units[3], grade_code="damaged", actor=site.processor, disposition="restock")
    with pytest.raises(ReturnRefused):
        unit_grade(unit=units[3], grade_code="mint", actor=site.processor)
    unit_grade(unit=units[3], grade_code="like_new", actor=site.processor)
    holding = returns_bins(site.warehouse).holding
    assert qty_in(shirt, holding, Condition.DAMAGED) == 3
    assert qty_in(shirt, site.shelves[0], Condition.SELLABLE) == 1
    other = build_return_site()  # another merchant does not see this merchant's grade
    with pytest.raises(ReturnRefused):
        from returns.services.grading import grade_for
        grade_for(other.merchant.pk, "open_box")
    assert_stock_invariants()


def test_unexpected_parcel_is_kept_queued_and_later_matched():
    from shipping.tracking_numbers import ups_tracking_number

    site = build_return_site()
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 1)])
    rma = open_rma(site, order, [(shirt, 1)])
    dropoff = ups_tracking_number("9X8Y7Z", "90", 4411)
    parcel = parcel_receive(warehouse=site.warehouse, raw=dropoff, actor=site.processor)
    assert parcel.status == ParcelStatus.UNMATCHED and parcel.rma is None
    assert parcel.carrier == "UPS" and parcel.tracking_number == dropoff
    assert parcel.holding_bin == returns_bins(site.warehouse).parcels
    third_party = parcel_receive(warehouse=site.warehouse, raw="HAPPYRETURNS-77-ABC", actor=site.processor)
    assert ReturnParcel.objects.filter(status=ParcelStatus.UNMATCHED).count() == 2
    assert third_party.scanned == "HAPPYRETURNS-77-ABC"
    with pytest.raises(ReturnRefused):
        unit_receive(parcel=parcel, raw=shirt.sku, actor=site.processor)
    assert not Movement.objects.exists()

    parcel = parcel_match(parcel=parcel, rma=rma, actor=site.manager)
    assert parcel.status == ParcelStatus.OPEN and parcel.rma == rma and parcel.matched_by == site.manager.username
    with pytest.raises(ReturnRefused):
        parcel_match(parcel=parcel, rma=rma, actor=site.manager)
    unit_grade(unit=unit_receive(parcel=parcel, raw=shirt.sku, actor=site.processor), grade_code="good", actor=site.processor)
    rma.refresh_from_db()
    assert rma.status == RmaStatus.GRADED
    assert_stock_invariants()


def test_wrong_item_is_recorded_and_a_short_parcel_finishes_graded():
    site = build_return_site(products=3)
    shirt, mug, hat = site.products
    order = shipped_order(site, [(shirt, 2), (mug, 1)])
    rma = open_rma(site, order, [(shirt, 2), (mug, 1)])
    parcel = parcel_receive(warehouse=site.warehouse, raw=f"  {rma.code.lower()}\r\n", actor=site.processor)
    wrong = unit_receive(parcel=parcel, raw=gtin_of(hat), actor=site.processor)
    assert wrong.wrong_item and wrong.line is None and wrong.product == hat
    assert rma.events.filter(kind="wrong_item").exists()
    unknown = unit_receive(parcel=parcel, raw="NOT-OUR-SKU", actor=site.processor)
    assert unknown.wrong_item and unknown.product is None and unknown.barcode == "NOT-OUR-SKU"
    stranger = ProductFactory(merchant=MerchantFactory(), sku="STRANGER-1")  # another merchant's item: refused
    ledger = Movement.objects.count()
    for code in (gtin_of(stranger), stranger.sku):
        with pytest.raises(ReturnRefused, match="unknown for this return"):
            unit_receive(parcel=parcel, raw=code, actor=site.processor)
    assert parcel.units.count() == 2 and Movement.objects.count() == ledger
    shirt_unit = unit_receive(parcel=parcel, raw=shirt.sku, actor=site.processor)
    with pytest.raises(ReturnRefused):
        parcel_finish(parcel=parcel, actor=site.processor)  # units still wait for grading
    for unit in (wrong, unknown, shirt_unit):
        unit_grade(unit=unit, grade_code="good" if unit.product else "damaged", actor=site.processor,
                   disposition=None if unit.product else "destroy")
    rma.refresh_from_db()
    assert rma.status == RmaStatus.RECEIVED  # a shirt and the mug never came
    parcel_finish(parcel=parcel, actor=site.processor)
    rma.refresh_from_db()
    assert rma.status == RmaStatus.GRADED
    rma = rma_resolve(rma=rma, actor=site.agent)
    assert rma.refund_amount == Decimal("20.00")  # the one shirt; the wrong hat earns nothing
    assert qty_in(hat, site.shelves[0], Condition.SELLABLE) == 1
    assert_stock_invariants()


def test_a_parcel_for_a_closed_or_foreign_return_is_kept_unmatched():
    site = build_return_site()
    shirt = site.products[0]
    order = shipped_order(site, [(shirt, 1)])
    rma = open_rma(site, order, [(shirt, 1)])
    rma_cancel(rma=rma, actor=site.agent, reason="changed mind")
    parcel = parcel_receive(warehouse=site.warehouse, raw=rma.code, actor=site.processor)
    assert parcel.status == ParcelStatus.UNMATCHED and "cancelled" in parcel.note
    with pytest.raises(ReturnRefused):
        parcel_receive(warehouse=site.warehouse, raw=gtin_of(shirt), actor=site.processor)
