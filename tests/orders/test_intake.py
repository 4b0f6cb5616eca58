"""order_upsert: exactly one order per channel + external id, updates and cancellations applied,
refused after shipping, holds typed and released when fixed."""

import datetime as dt
import io
from decimal import Decimal

import pytest

from core import roles
from core.csv_import import ImportRejected
from core.errors import PermissionDenied
from inventory.models import StockLevel
from inventory.services.stock import stock_receive
from orders.adapters.base import NormalizedAddress, NormalizedLine, NormalizedOrder
from orders.exceptions import IllegalTransition
from orders.models import Order, OrderHold
from orders.services.allocation import order_allocate
from orders.services.cancellation import order_cancel
from orders.services.csv_intake import orders_import_csv
from orders.services.holds import order_hold_place, order_hold_release
from orders.services.intake import order_upsert
from tests.factories import BinFactory, ProductFactory, UserFactory
from tests.inventory.invariants import assert_stock_invariants
from tests.orders.factories import ChannelFactory

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 11, 20, 12, 0, tzinfo=dt.UTC)
ADDRESS = NormalizedAddress(name="Ana", line1="5 Elm St", city="Newark", region="NJ", postal_code="07102", country="US")


def normalized(*, at=T0, lines=(("TENT", 2),), **overrides):
    values = dict(
        external_id="5001", order_number="#5001", channel_updated_at=at, email="ana@example.com", customer_name="Ana",
        ship_to=ADDRESS, lines=tuple(NormalizedLine(str(i), sku, sku, qty, Decimal("10")) for i, (sku, qty) in enumerate(lines)),
        payment_status="paid",
    )
    values.update(overrides)
    return NormalizedOrder(**values)


@pytest.fixture
def shop():
    channel = ChannelFactory(kind="shopify")
    product = ProductFactory(merchant=channel.merchant, sku="TENT")
    stock_receive(product=product, bin=BinFactory(), qty=10, actor=None)
    return channel, product


def test_the_same_order_twice_is_one_order_and_stale_updates_are_ignored(shop):
    channel, _ = shop
    first = order_upsert(channel=channel, normalized=normalized(), source="webhook")
    again = order_upsert(channel=channel, normalized=normalized(), source="pull")
    older = order_upsert(channel=channel, normalized=normalized(at=T0 - dt.timedelta(hours=1), email="old@x"), source="webhook")
    assert (first.created, again.outcome, older.outcome) == (True, "stale", "stale")
    assert Order.objects.count() == 1 and Order.objects.get().email == "ana@example.com"


def test_an_update_before_picking_replaces_lines_and_adjusts_reservations(shop):
    channel, product = shop
    order = order_upsert(channel=channel, normalized=normalized(), source="webhook").order
    order_allocate(order_id=order.pk)
    assert StockLevel.objects.get(product=product).allocated == 2
    order.refresh_from_db()
    order.status = Order.Status.ALLOCATED  # batch release: not yet released to the floor
    order.save()
    result = order_upsert(channel=channel, normalized=normalized(at=T0 + dt.timedelta(minutes=5), lines=(("TENT", 5),)), source="webhook")
    assert result.outcome == "updated"
    assert list(result.order.lines.values_list("quantity", flat=True)) == [5]
    assert StockLevel.objects.get(product=product).allocated == 0, "old reservations released"
    assert "lines" in result.order.events.filter(kind="updated").last().message
    order_allocate(order_id=order.pk)
    assert StockLevel.objects.get(product=product).allocated == 5
    assert_stock_invariants()


def test_payment_hold_is_placed_then_released_when_the_storefront_says_paid(shop):
    channel, _ = shop
    held = order_upsert(channel=channel, normalized=normalized(payment_status="pending"), source="webhook").order
    assert held.status == Order.Status.ON_HOLD
    assert held.holds.get().kind == "payment_pending"
    paid = order_upsert(channel=channel, normalized=normalized(at=T0 + dt.timedelta(minutes=1)), source="webhook").order
    assert paid.status == Order.Status.PENDING
    assert OrderHold.objects.get(order=paid).released_at is not None


def test_missing_address_fields_and_zero_quantities_hold_the_order(shop):
    channel, _ = shop
    order = order_upsert(
        channel=channel, source="webhook",
        normalized=normalized(ship_to=NormalizedAddress(name="Ana", country="US"), lines=(("TENT", 0),)),
    ).order
    reasons = {h.kind: h.reason for h in order.holds.all()}
    assert reasons["address_invalid"] == "ship-to address is missing: line1, city, postal code, region"
    assert reasons["invalid_quantity"] == "a line has a quantity of zero"


def test_cancellation_from_the_storefront_releases_stock(shop):
    channel, product = shop
    order = order_upsert(channel=channel, normalized=normalized(), source="webhook").order
    order_allocate(order_id=order.pk)
    result = order_upsert(channel=channel, normalized=normalized(at=T0 + dt.timedelta(hours=1), is_cancelled=True), source="webhook")
    assert result.outcome == "cancelled" and result.order.status == Order.Status.CANCELLED
    assert StockLevel.objects.get(product=product).available == 10
    assert all(line.cancelled_qty == line.quantity for line in result.order.lines.all())
    assert_stock_invariants()


def test_updates_after_shipping_are_refused_with_a_hold_for_review(shop):
    channel, _ = shop
    order = order_upsert(channel=channel, normalized=normalized(), source="webhook").order
    Order.objects.filter(pk=order.pk).update(status=Order.Status.SHIPPED)
    result = order_upsert(channel=channel, normalized=normalized(at=T0 + dt.timedelta(hours=2), is_cancelled=True), source="webhook")
    assert result.outcome == "refused"
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert order.holds.get(released_at=None).kind == "update_after_ship"
    assert "refused" in order.events.last().message
    with pytest.raises(IllegalTransition, match="already shipped"):
        order_cancel(order=order, actor=None, reason="customer asked")


@pytest.mark.parametrize("status", [Order.Status.IN_PROGRESS, Order.Status.SHIPPED])
def test_the_storefront_echoing_our_own_push_is_not_a_change_to_review(shop, status):
    channel, _ = shop
    order = order_upsert(channel=channel, normalized=normalized(), source="webhook").order
    Order.objects.filter(pk=order.pk).update(status=status)
    echo = normalized(at=T0 + dt.timedelta(hours=1), raw_status="fulfilled", total=Decimal("20"))
    assert order_upsert(channel=channel, normalized=echo, source="webhook").outcome == "unchanged"
    order.refresh_from_db()
    assert order.status == status and not order.holds.exists() and order.channel_updated_at == echo.channel_updated_at
    moved = normalized(at=T0 + dt.timedelta(hours=2), ship_to=NormalizedAddress(
        name="Ana", line1="9 Oak St", city="Newark", region="NJ", postal_code="07102", country="US"))
    assert order_upsert(channel=channel, normalized=moved, source="webhook").outcome == "refused"
    assert order.holds.get(released_at=None).kind in ("update_after_pick", "update_after_ship")


def test_manual_holds_need_the_role_and_a_reason(shop, roles_ready):
    channel, product = shop
    order = order_upsert(channel=channel, normalized=normalized(), source="webhook").order
    order_allocate(order_id=order.pk)
    with pytest.raises(PermissionDenied):
        order_hold_place(order=order, kind="fraud_review", reason="odd", actor=UserFactory(role=roles.PICKER))
    support = UserFactory(role=roles.CUSTOMER_SERVICE)
    order_hold_place(order=order, kind="fraud_review", reason="billing and shipping far apart", actor=support)
    order.refresh_from_db()
    assert order.status == Order.Status.ON_HOLD
    assert StockLevel.objects.get(product=product).allocated == 0
    order_hold_release(order=order, kind="fraud_review", reason="customer verified", actor=support)
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING
    assert [e.kind for e in order.events.all()][-2:] == ["hold_released", "status"]


def test_csv_import_reports_every_bad_row_and_creates_nothing_then_imports_a_good_file(shop):
    channel, _ = shop
    merchant = channel.merchant
    header = "order_number,ship_name,ship_line1,ship_city,ship_region,ship_postal_code,ship_country,sku,quantity,unit_price\n"
    bad = header + (
        "PO-1,Shop A,1 Main,Newark,NJ,07102,US,TENT,2,10\n"
        "PO-1,Shop A,1 Main,Newark,NJ,07102,US,NOPE,1,10\n"  # line 3
        "PO-2,Shop B,2 Main,Newark,NJ,07102,USA,TENT,1,10\n"  # line 4
        "PO-3,Shop C,3 Main,Newark,NJ,07102,US,TENT,zero,10\n"  # line 5
        "PO-4,,4 Main,Newark,NJ,07102,US,TENT,1,10\n"  # line 6
    )
    with pytest.raises(ImportRejected) as rejected:
        orders_import_csv(merchant=merchant, source=io.BytesIO(bad.encode()), actor="ops")
    assert [(e.line, e.message) for e in rejected.value.errors] == [
        (3, "unknown SKU 'NOPE'"),
        (4, "ship_country must be a 2-letter ISO code, got 'USA'"),
        (5, "quantity must be a whole number, got 'zero'"),
        (6, "missing ship_name"),
    ]
    assert not Order.objects.exists()
    good = header + "PO-1,Shop A,1 Main,Newark,NJ,07102,US,TENT,2,10\nPO-1,Shop A,1 Main,Newark,NJ,07102,US,TENT,1,10\nPO-2,Shop B,2 Main,Newark,NJ,07102,US,TENT,1,\n"
    created = orders_import_csv(merchant=merchant, source=io.BytesIO(good.encode()), actor="ops")
    assert sorted(o.order_number for o in created) == ["PO-1", "PO-2"]
    assert Order.objects.get(order_number="PO-1").lines.count() == 2
    with pytest.raises(ImportRejected, match="already imported"):
        orders_import_csv(merchant=merchant, source=io.BytesIO(good.encode()), actor="ops")



def test_a_windows_csv_of_orders_is_imported_with_its_accents(shop):
    channel, _ = shop
    header = "order_number,ship_name,ship_line1,ship_city,ship_region,ship_postal_code,ship_country,sku,quantity\r\n"
    data = (header + "W-1,José Muñoz,1 Calle Mayor,Newark,NJ,07102,US,TENT,1\r\n").encode("cp1252")
    created = orders_import_csv(merchant=channel.merchant, source=io.BytesIO(data), actor="ops")
    assert [o.customer_name for o in created] == ["José Muñoz"]
